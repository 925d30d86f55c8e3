"""Masking: the rules of hub/policy/masking.py, and masked values over HTTP (also through
cross-references, where persons are masked and enterprises stay in clear)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from connectors.base.world import build_world
from hub.policy.masking import (
    Mask,
    apply_mask,
    mask_address,
    mask_id_number,
    mask_name,
    mask_number,
    mask_phone,
)
from tests.conftest import TEST_PERSONS, TEST_SEED, Api
from tests.hub.policy_support import demo_token

MASKED_ID = re.compile(r"^\d{2}\*{14}[\dX]{2}$")

IDENTITY_MASKS = """
query MaskedIdentity($id: String!) {
  person(idNumber: $id) { idNumber identity { name idNumber } }
}
"""

ENTERPRISE_REFERENCES = """
query MaskedReferences($uscc: String!) {
  enterprise(uscc: $uscc) {
    registration {
      legalRepresentativeName
      legalRepresentativeId
      legalRepresentative { idNumber identity { name idNumber } }
      keyPersonnel { name idNumber person { idNumber } }
    }
    shareholders {
      holderKind
      holderName
      holderId
      holder {
        __typename
        ... on Person { idNumber identity { name } }
        ... on Enterprise { uscc registration { name } }
      }
    }
  }
}
"""


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("37060219900101123X", "37**************3X"),
        ("370602199001011234", "37**************34"),
        ("3706021990", "37******90"),
        ("370602", "******"),  # too short to keep anything
        ("", ""),
    ],
)
def test_id_number_keeps_region_and_last_four(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张明三", "张*三"),
        ("欧阳明华", "欧**华"),
        ("张明", "张*"),
        ("张", "*"),
        ("", "*"),
    ],
)
def test_name_keeps_first_and_last_character(value: str, masked: str) -> None:
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812341234", "138****1234"),
        ("0535-2111875", "053*****1875"),
        ("1234567", "*******"),
    ],
)
def test_phone_keeps_prefix_and_last_four(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("山东省烟台市芝罘区解放路63号", "山东省烟台市芝罘区****"),
        ("江苏省南京市玄武区北京东路254号2号楼1单元1002室", "江苏省南京市玄武区****"),
        ("山东省济南市市中区纬二路33号", "山东省济南市市中区****"),
        ("北京市朝阳区建国路1号", "北京市朝阳区****"),
        ("河北省正定县燕赵大街9号", "河北省正定县****"),
        ("某地某路一号", "某地某****"),  # no district marker: half at most is kept
    ],
)
def test_address_keeps_up_to_the_district(value: str, masked: str) -> None:
    assert mask_address(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("鲁（2023）烟台市不动产权第0000491号", "鲁（20" + "*" * 15 + "491号"),
        ("6222020200112233445", "6222" + "*" * 11 + "3445"),
        ("12345678", "1*******"),
    ],
)
def test_certificate_and_account_numbers_keep_four_each_side(value: str, masked: str) -> None:
    assert mask_number(value) == masked
    assert len(mask_number(value)) == len(value)


@pytest.mark.parametrize("rule", list(Mask))
def test_every_rule_passes_none_through_and_hides_something(rule: Mask) -> None:
    assert apply_mask(rule, None) is None
    sample = "370602199001011234山东省烟台市芝罘区解放路63号"
    out = apply_mask(rule, sample)
    assert "*" in out and out != sample
    assert rule.policy_object == f"#{rule.tag}"


def test_non_string_values_are_masked_as_text() -> None:
    assert apply_mask(Mask.ACCOUNT, Decimal("123456789012")) == "1234****9012"


# --- over HTTP --------------------------------------------------------------------------------


async def test_registry_officer_sees_identity_masked(
    api: Api, reader: Api, demo: dict[str, Any]
) -> None:
    # given a person with a three-character name, as the reader sees them
    sample = next(p for p in demo["samples"]["persons"] if len(p["name"]) == 3)
    clear = (await reader.query(IDENTITY_MASKS, {"id": sample["idNumber"]}))["data"]["person"]
    assert clear["identity"]["name"] == sample["name"]
    # when the registry officer asks
    body = await api.query(
        IDENTITY_MASKS, {"id": sample["idNumber"]}, token=demo_token(demo, "registry_officer")
    )
    # then name and ID number are masked everywhere they appear
    assert "errors" not in body, body["errors"]
    person = body["data"]["person"]
    name = sample["name"]
    assert person["identity"]["name"] == f"{name[0]}*{name[-1]}"
    for masked in (person["idNumber"], person["identity"]["idNumber"]):
        assert MASKED_ID.match(masked), masked
        assert masked == mask_id_number(sample["idNumber"]) != sample["idNumber"]


def _mixed_enterprise() -> str:
    """An enterprise with both person and enterprise shareholders."""
    world = build_world(TEST_SEED, TEST_PERSONS)
    return next(
        e.uscc
        for e in world.enterprises
        if {kind for kind, *_ in e.shareholders} == {"PERSON", "ENTERPRISE"}
    )


async def _references(api: Api, reader: Api, demo: dict[str, Any]) -> tuple[Any, Any]:
    uscc = _mixed_enterprise()
    clear = await reader.query(ENTERPRISE_REFERENCES, {"uscc": uscc})
    assert "errors" not in clear, clear["errors"]
    body = await api.query(
        ENTERPRISE_REFERENCES, {"uscc": uscc}, token=demo_token(demo, "market_officer")
    )
    return clear["data"]["enterprise"], body


def _assert_masked(value: Any, clear: Any) -> None:
    assert isinstance(value, str) and "*" in value, value
    assert value != clear


async def test_market_officer_sees_persons_masked_and_enterprises_in_clear(
    api: Api, reader: Api, demo: dict[str, Any]
) -> None:
    # given an enterprise with person and enterprise shareholders, as the reader sees it
    # when the market officer asks for its registration and shareholders
    clear, body = await _references(api, reader, demo)
    # then every person's name and ID number is masked
    assert "errors" not in body, body["errors"]
    got = body["data"]["enterprise"]
    reg, clear_reg = got["registration"], clear["registration"]
    assert reg["legalRepresentativeName"] == mask_name(clear_reg["legalRepresentativeName"])
    _assert_masked(reg["legalRepresentativeName"], clear_reg["legalRepresentativeName"])
    assert MASKED_ID.match(reg["legalRepresentativeId"])
    _assert_masked(reg["legalRepresentativeId"], clear_reg["legalRepresentativeId"])
    assert len(reg["keyPersonnel"]) == len(clear_reg["keyPersonnel"]) > 0
    for kp, clear_kp in zip(reg["keyPersonnel"], clear_reg["keyPersonnel"], strict=True):
        _assert_masked(kp["name"], clear_kp["name"])
        _assert_masked(kp["idNumber"], clear_kp["idNumber"])
    # and enterprise shareholders keep their names and USCCs in clear (public register data)
    kinds = [s["holderKind"] for s in got["shareholders"]]
    assert sorted(set(kinds)) == ["ENTERPRISE", "PERSON"]
    for s, clear_s in zip(got["shareholders"], clear["shareholders"], strict=True):
        if s["holderKind"] == "ENTERPRISE":
            assert (s["holderName"], s["holderId"]) == (clear_s["holderName"], clear_s["holderId"])
            assert s["holder"] == clear_s["holder"]  # the enterprise resolves, name in clear
            assert s["holder"]["registration"]["name"] == s["holderName"]
        else:
            _assert_masked(s["holderName"], clear_s["holderName"])
            assert s["holderName"] == mask_name(clear_s["holderName"])
            _assert_masked(s["holderId"], clear_s["holderId"])


async def test_masked_references_still_resolve_with_masked_values(
    api: Api, reader: Api, demo: dict[str, Any]
) -> None:
    # given the same enterprise; the hub looks persons up by the raw key, never the masked one
    clear, body = await _references(api, reader, demo)
    got = body["data"]["enterprise"]
    # then the legal representative resolves, with name and ID number masked
    rep, clear_rep = (
        got["registration"]["legalRepresentative"],
        clear["registration"]["legalRepresentative"],
    )
    assert rep is not None and rep["identity"] is not None
    _assert_masked(rep["idNumber"], clear_rep["idNumber"])
    _assert_masked(rep["identity"]["idNumber"], clear_rep["identity"]["idNumber"])
    _assert_masked(rep["identity"]["name"], clear_rep["identity"]["name"])
    # and so do key personnel and person shareholders
    for kp, clear_kp in zip(
        got["registration"]["keyPersonnel"], clear["registration"]["keyPersonnel"], strict=True
    ):
        assert kp["person"] is not None
        _assert_masked(kp["person"]["idNumber"], clear_kp["person"]["idNumber"])
    for s, clear_s in zip(got["shareholders"], clear["shareholders"], strict=True):
        if s["holderKind"] == "PERSON":
            assert s["holder"] is not None and s["holder"]["__typename"] == "Person"
            _assert_masked(s["holder"]["idNumber"], clear_s["holder"]["idNumber"])
            _assert_masked(s["holder"]["identity"]["name"], clear_s["holder"]["identity"]["name"])
    assert "errors" not in body


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("山东省烟台市龙口市港栾路58号", "山东省烟台市龙口市****"),
        ("山东省烟台市芝罘区南大街123号5号楼2单元301室", "山东省烟台市芝罘区****"),
        ("北京市朝阳区建国路1号", "北京市朝阳区****"),
    ],
)
def test_address_keeps_the_county_level_unit(address: str, masked: str) -> None:
    from hub.policy.masking import mask_address

    assert mask_address(address) == masked
