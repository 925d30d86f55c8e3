"""Signatures on orders and receipts: the exact bytes signed, and the signatures, as fixed vectors.

The canonical JSON below is spelled out by hand (sorted keys, no whitespace, UTF-8) and the
signatures were computed outside the hub with the cryptography package alone (Ed25519 is
deterministic), so a change to what the court or the agency signs fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.orders.signing import OrderKeys, canonical, order_document, receipt_document

COURT_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
AGENCY_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(132, 164)))

ORDER = {
    "id": "FO-2026-000001",
    "kind": "SEIZE",
    "asset_type": "REAL_ESTATE",
    "asset_id": "370602001001GB00001F00010001",
    "agency": "real_estate",
    "owner_id": "110101199003074477",
    "court_code": "370602",
    "case_number": "（2026）鲁0602执1号",
    "ruling_number": "（2026）鲁0602执1号之一",
    "term_days": 1095,
    "submitted_by": "judge-zhang",
    "status": "SUBMITTED",  # not signed: it changes as the order moves
}
ORDER_SIGNED = (
    '{"agency":"real_estate","assetId":"370602001001GB00001F00010001",'
    '"assetType":"REAL_ESTATE","caseNumber":"（2026）鲁0602执1号","courtCode":"370602",'
    '"id":"FO-2026-000001","kind":"SEIZE","ownerId":"110101199003074477",'
    '"rulingNumber":"（2026）鲁0602执1号之一","submittedBy":"judge-zhang","termDays":1095}'
).encode()
ORDER_SIGNATURE = (
    "KS5UZB1vD//alDMuQkTZM+BuCnT6LRQC7JZB1P0T/aFPIS1hFFir2Ee8FPMqSxYgMf3wJkuJwifuQQMw4LEBDw=="
)
RECEIPT_SIGNED = (
    '{"acceptedBy":"registry-wang","agency":"real_estate",'
    '"documentNumber":"鲁（2026）烟台市不动产查封第000001号","orderId":"FO-2026-000001",'
    '"rank":2,"registeredAt":"2026-03-01T08:30:15+00:00"}'
).encode()
RECEIPT_SIGNATURE = (
    "B9alf5EtGJOqhZlQR3ptExbTOeBtlL57MK8ZUnPJkHQ6c9VMUvJLeApNKeCF4DJ789ILd6uueYggWz0Mqfy8Cg=="
)


@pytest.fixture
def keys(tmp_path: Path) -> OrderKeys:
    for name, key in (("court-370602", COURT_KEY), ("agency-real_estate", AGENCY_KEY)):
        (tmp_path / f"{name}.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return OrderKeys(tmp_path, create=False)


def receipt() -> dict[str, object]:
    return receipt_document(
        ORDER,
        document_number="鲁（2026）烟台市不动产查封第000001号",
        registered_at="2026-03-01T08:30:15+00:00",
        accepted_by="registry-wang",
        rank=2,
    )


def test_the_court_signs_these_bytes_of_the_order(keys: OrderKeys) -> None:
    # given an order; when the court signs it
    document = order_document(ORDER)
    signature = keys.sign("court:370602", document)
    # then the bytes signed and the signature are the vectors, and they verify
    assert canonical(document) == ORDER_SIGNED
    assert signature == ORDER_SIGNATURE
    assert keys.verify("court:370602", document, ORDER_SIGNATURE)


def test_the_agency_signs_these_bytes_of_the_receipt(keys: OrderKeys) -> None:
    document = receipt()
    assert canonical(document) == RECEIPT_SIGNED
    assert keys.sign("agency:real_estate", document) == RECEIPT_SIGNATURE
    assert keys.verify("agency:real_estate", document, RECEIPT_SIGNATURE)


@pytest.mark.parametrize(
    "change",
    [
        {"term_days": 1094},
        {"owner_id": "110101199003074485"},
        {"case_number": "（2026）鲁0602执2号"},
        {"asset_id": "370602001001GB00001F00010002"},
    ],
)
def test_a_changed_order_does_not_verify(keys: OrderKeys, change: dict[str, object]) -> None:
    assert not keys.verify("court:370602", order_document({**ORDER, **change}), ORDER_SIGNATURE)


def test_a_signature_by_another_party_does_not_verify(keys: OrderKeys) -> None:
    # the agency's key cannot stand in for the court's, nor a missing signature for any
    document = order_document(ORDER)
    assert not keys.verify("agency:real_estate", document, ORDER_SIGNATURE)
    assert not keys.verify("court:370602", document, None)
    assert not keys.verify("court:370602", document, "not base64!")


def test_a_banks_key_file_is_named_without_the_colon(tmp_path: Path) -> None:
    # given no keys yet; when the bank's key is made on first use
    keys = OrderKeys(tmp_path, create=True)
    public = keys.public("agency:bank:102").public_bytes_raw()
    # then its file's name is one a Kubernetes Secret key may have ([-._a-zA-Z0-9]+)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agency-bank-102.pem"]
    assert OrderKeys(tmp_path, create=False).public("agency:bank:102").public_bytes_raw() == public


def test_a_banks_key_made_under_its_old_name_is_still_used(tmp_path: Path) -> None:
    # given a bank's key written before, under the name with the colon
    (tmp_path / "agency-bank:102.pem").write_bytes(
        AGENCY_KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    # when the bank's receipts are signed, then it is that key, and no other is made
    keys = OrderKeys(tmp_path, create=True)
    assert keys.public("agency:bank:102").public_bytes_raw() == (
        AGENCY_KEY.public_key().public_bytes_raw()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agency-bank:102.pem"]
