"""A USCC's region (characters 3-8, GB/T 2260) and organisation code (9-17, GB 11714) are checked.

Inputs are completed with check characters computed here, independently of the code under
test: GB 11714's by the rule written out below, GB 32100's by python-stdnum.
"""

from __future__ import annotations

import pytest
from stdnum import numdb
from stdnum.cn import uscc as stdnum_uscc

from connectors.base.identifiers import InvalidIdentifier, validate_uscc

GB11714_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # 0-9, then A=10 … Z=35
GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def gb11714_check(body: str) -> str:
    """GB 11714-1997: C9 = 11 - (Σ value × weight mod 11); 10 is written X, 11 is 0."""
    c9 = (
        11
        - sum(GB11714_VALUES.index(c) * w for c, w in zip(body, GB11714_WEIGHTS, strict=True)) % 11
    )
    return {10: "X", 11: "0"}.get(c9, str(c9))


def complete(head: str, org_body: str) -> str:
    """``head`` (characters 1-8) + organisation code body (8) + GB 11714 check + MOD 31 check."""
    first17 = head + org_body + gb11714_check(org_body)
    return first17 + stdnum_uscc.calc_check_digit(first17 + "0")


def rule_of(value: str) -> str | None:
    try:
        validate_uscc(value)
    except InvalidIdentifier as exc:
        return exc.rule
    return None


# Real codes, as published, from public records: each passes GB 32100's MOD 31 check.
REAL = [
    "91110000802100433B",  # registered by Beijing's provincial-level authority (110000)
    "91440300708461136T",  # city level (440300, Shenzhen)
    "91330100716105852F",  # city level (330100, Hangzhou)
    "91110108558521630L",  # county level (110108, Haidian)
    "51100000500002862F",  # national association registered by the Ministry of Civil Affairs
    "51100000500009247D",  # another one (100000: central registration authority)
    "91320594780268314T",  # Suzhou Industrial Park (320594, not in GB/T 2260)
    "91320594MA1NHMCA0T",  # the same region, a code issued since 2015 (MA…)
    "52420000MJH233402K",  # Hubei civil affairs, a code issued since 2015 (MJ…)
    "53420000MJH2448303",
    "91350100M000100Y43",  # a widely published example
]


@pytest.mark.parametrize("value", REAL)
def test_real_codes_are_accepted(value: str) -> None:
    assert stdnum_uscc.is_valid(value)  # the oracle agrees they are well formed
    assert validate_uscc(value) == value


@pytest.mark.parametrize(
    "region",
    [
        "000000",  # region 00
        "990000",  # region 99
        "990602",
        "000602",
        "270000",  # 27 is no province
        "370099",  # xx00yy again, under Shandong
        "379900",  # Shandong has no city 99
        "379902",
        "110012",  # xx00yy: under a province directly, but GB/T 2260 lists no such code
        "200000",  # 10-82 gaps
        "100001",  # only 100000 stands for the central authorities
        "710100",  # Taiwan's code has no cities in GB/T 2260
    ],
)
def test_a_region_that_names_no_division_is_refused(region: str) -> None:
    # given an otherwise valid code (both check characters right) with this region
    value = complete("91" + region, "MA3C4X5Y")
    assert stdnum_uscc.is_valid(value)  # the check character alone does not catch it
    # then the region rule refuses it
    assert rule_of(value) == "GB32100_REGION"


@pytest.mark.parametrize(
    "region",
    [
        "100000",  # central registration authorities
        "370000",  # a province
        "370600",  # a city (Yantai)
        "370602",  # a county-level district (Zhifu)
        "371200",  # Laiwu, a city merged into Jinan in 2019: its codes stay valid
        "370671",  # a development zone under Yantai (not listed by GB/T 2260)
        "460003",  # listed directly under Hainan province (1993-2002)
        "469001",  # a county-level city directly under Hainan
        "659001",  # Shihezi, directly under Xinjiang
        "540100",  # Lhasa
    ],
)
def test_a_region_that_names_a_division_is_accepted(region: str) -> None:
    value = complete("91" + region, "MA3C4X5Y")
    assert rule_of(value) is None


def test_the_reported_code_is_refused() -> None:
    # N3278229KH0GW8FHA5 was reported to pass: its region (27…) is no province, and its
    # organisation code's check character cannot be A (GB 11714 checks are 0-9 or X)
    assert rule_of("N3278229KH0GW8FHA5") == "GB32100_REGION"
    same_with_a_real_region = "N3370602KH0GW8FHA"
    value = same_with_a_real_region + stdnum_uscc.calc_check_digit(same_with_a_real_region + "0")
    assert rule_of(value) == "GB32100_ORGANIZATION_CODE"


@pytest.mark.parametrize("value", REAL)
def test_a_wrong_organisation_code_check_is_refused_even_with_a_right_mod31(value: str) -> None:
    # given a real code whose 17th character (GB 11714 check) is changed, and whose 18th is
    # recomputed so that GB 32100's own check still holds
    for wrong in "0123456789X":
        if wrong == value[16]:
            continue
        first17 = value[:16] + wrong
        forged = first17 + stdnum_uscc.calc_check_digit(first17 + "0")
        assert stdnum_uscc.is_valid(forged)
        # then the organisation code rule refuses it, naming the right check character
        with pytest.raises(InvalidIdentifier) as err:
            validate_uscc(forged)
        assert err.value.rule == "GB32100_ORGANIZATION_CODE"
        assert repr(gb11714_check(value[8:16])) in err.value.message


def test_the_module_province_list_is_gb_t_2260s() -> None:
    # the province-level codes of the ID number rule are exactly those the division list has
    from connectors.base.identifiers import _PROVINCES

    listed = {int(p[1]) for p in numdb.get("cn/loc").prefixes}
    assert listed == set(_PROVINCES)


def test_every_enterprise_of_the_demo_world_has_a_valid_code() -> None:
    # given a demo world as the generator builds it (several regions, thousands of enterprises)
    from connectors.base.world import build_world

    world = build_world(7, 3000)
    # then each enterprise's code passes every rule, the region and organisation code included,
    # and the oracle's MOD 31 check
    assert world.enterprises
    for enterprise in world.enterprises:
        assert rule_of(enterprise.uscc) is None, enterprise.uscc
        assert stdnum_uscc.is_valid(enterprise.uscc)
