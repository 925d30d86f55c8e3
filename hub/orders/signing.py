"""Signatures on orders and receipts: canonical JSON signed with Ed25519 (court key, agency key).

Each court and each agency has its own key (``<keys dir>/orders/<kind>-<name>.pem``, a colon of
the name written ``-``: ``agency-bank-102.pem`` for ``agency:bank:102``, a name a Kubernetes
Secret key may have; the demo creates them on first use). ``fyt order verify ID`` checks both
signatures of an order.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.audit.keys import write_secret


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def order_document(order: dict[str, Any]) -> dict[str, Any]:
    """What the court signs. A term in calendar months (from migration 0007) adds
    ``termMonths``; orders made before keep the document they were signed as."""
    document = {
        "id": order["id"],
        "kind": order["kind"],
        "assetType": order["asset_type"],
        "assetId": order["asset_id"],
        "agency": order["agency"],
        "ownerId": order["owner_id"],
        "courtCode": order["court_code"],
        "caseNumber": order["case_number"],
        "rulingNumber": order["ruling_number"],
        "termDays": order["term_days"],
        "submittedBy": order["submitted_by"],
    }
    if order.get("term_months") is not None:
        document["termMonths"] = order["term_months"]
    if order.get("amount") is not None:  # a freeze of deposits: the amount, exact, and currency
        document["amount"] = str(order["amount"])
        document["currency"] = order["currency"]
    return document


def receipt_document(
    order: dict[str, Any],
    *,
    document_number: str,
    registered_at: str,
    accepted_by: str,
    rank: int | None,
) -> dict[str, Any]:
    """What the agency signs (``rank`` is None while an order served earlier on the same
    asset waits for the agency's answer: the place is fixed when that one is answered)."""
    return {
        "orderId": order["id"],
        "agency": order["agency"],
        "documentNumber": document_number,
        "registeredAt": registered_at,
        "acceptedBy": accepted_by,
        "rank": rank,
    }


class OrderKeys:
    def __init__(self, directory: Path, *, create: bool) -> None:
        self.directory = directory
        self.create = create

    def _path(self, party: str) -> Path:
        kind, _, name = party.partition(":")
        path = self.directory / f"{kind}-{name.replace(':', '-')}.pem"
        # a bank's key made before the colon was written "-" keeps its name (and its receipts)
        legacy = self.directory / f"{kind}-{name}.pem"
        return legacy if legacy != path and legacy.exists() and not path.exists() else path

    def private(self, party: str) -> Ed25519PrivateKey:
        path = self._path(party)
        if not path.exists():
            if not self.create:
                raise ValueError(f"no signing key for {party} at {path}")
            key = Ed25519PrivateKey.generate()
            write_secret(
                path,
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
            )
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 key")
        return loaded

    def public(self, party: str) -> Ed25519PublicKey:
        return self.private(party).public_key()

    def sign(self, party: str, document: dict[str, Any]) -> str:
        return base64.b64encode(self.private(party).sign(canonical(document))).decode()

    def verify(self, party: str, document: dict[str, Any], signature: str | None) -> bool:
        if not signature:
            return False
        try:
            self.public(party).verify(base64.b64decode(signature), canonical(document))
        except (InvalidSignature, ValueError):
            return False
        return True
