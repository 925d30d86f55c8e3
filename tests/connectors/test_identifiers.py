"""GB 11643 ID numbers and GB 32100 USCCs: check characters, rules, generation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from connectors.base import identifiers
from connectors.base.identifiers import (
    InvalidIdentifier,
    birth_date_of_id_number,
    gender_of_id_number,
    id_number_check_char,
    make_id_number,
    make_uscc,
    org_code_check_char,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)


def test_published_id_number_example() -> None:
    # GB 11643-1999 appendix example: 11010519491231002X
    assert id_number_check_char("11010519491231002") == "X"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


def test_published_uscc_example() -> None:
    # A widely published valid code (checked by hand against GB 32100's weights).
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"


def test_org_code_check_character() -> None:
    # GB 11714 example: D2143569-?  -> 'X' is produced for remainder 10 in general
    assert org_code_check_char("12345678") in "0123456789X"
    assert org_code_check_char("00000000") == "0"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "GB11643_LENGTH"),
        ("1101051949123100", "GB11643_LENGTH"),
        ("11010519491231002Y", "GB11643_CHARACTERS"),
        ("00010519491231002X", "GB11643_REGION"),
        ("11010519491331002X", "GB11643_BIRTH_DATE"),
        ("11010530001231002X", "GB11643_BIRTH_DATE"),
        ("110105194912310021", "GB11643_CHECK_CHARACTER"),
    ],
)
def test_id_number_rules(value: str, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as err:
        validate_id_number(value)
    assert err.value.rule == rule


def test_future_birth_date_is_refused() -> None:
    future = make_id_number("370602", date(2030, 1, 1), 1, male=True)
    with pytest.raises(InvalidIdentifier) as err:
        validate_id_number(future, today=date(2026, 11, 21))
    assert err.value.rule == "GB11643_BIRTH_DATE"


def test_a_birth_date_is_a_day_in_china(monkeypatch: pytest.MonkeyPatch) -> None:
    # given 17:00 UTC on 2 December 2026: 01:00 on 3 December in China (UTC+8)
    monkeypatch.setattr(identifiers, "_now", lambda: datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    born_today = make_id_number("370602", date(2026, 12, 3), 1, male=True)
    born_tomorrow = make_id_number("370602", date(2026, 12, 4), 1, male=True)
    # then a child born on China's today has a valid ID number (UTC's date would refuse it)
    assert validate_id_number(born_today) == born_today
    # and China's tomorrow is still refused
    with pytest.raises(InvalidIdentifier) as err:
        validate_id_number(born_tomorrow)
    assert err.value.rule == "GB11643_BIRTH_DATE"


@pytest.mark.parametrize("male", [True, False])
def test_made_id_numbers_validate_and_encode_birth_and_gender(male: bool) -> None:
    for seq in (0, 1, 250, 499):
        value = make_id_number("370602", date(1985, 6, 30), seq, male=male)
        assert validate_id_number(value) == value
        assert birth_date_of_id_number(value) == date(1985, 6, 30)
        assert gender_of_id_number(value) == ("男" if male else "女")


def test_every_single_character_change_is_caught() -> None:
    value = make_id_number("370602", date(1985, 6, 30), 12, male=True)
    for i in range(17):
        digit = value[i]
        changed = value[:i] + str((int(digit) + 1) % 10) + value[i + 1 :]
        with pytest.raises(InvalidIdentifier):
            validate_id_number(changed)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("9137060200000000", "GB32100_LENGTH"),
        ("91370602000000I00X", "GB32100_CHARACTERS"),
        ("913706020000000O0X", "GB32100_CHARACTERS"),
        ("91A706020000000000", "GB32100_CHARACTERS"),
        ("B1370602000000000X", "GB32100_AUTHORITY"),
        ("95370602000000000X", "GB32100_AUTHORITY"),
    ],
)
def test_uscc_rules(value: str, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as err:
        validate_uscc(value)
    assert err.value.rule == rule


def test_made_usccs_validate_and_changes_are_caught() -> None:
    for serial in (0, 1, 4242, 99_999_999):
        value = make_uscc("370602", serial)
        assert validate_uscc(value) == value
        bad = value[:17] + ("0" if value[17] != "0" else "1")
        with pytest.raises(InvalidIdentifier) as err:
            validate_uscc(bad)
        assert err.value.rule == "GB32100_CHECK_CHARACTER"


def test_full_width_digits_are_not_digits() -> None:
    # given a valid ID number and USCC written with full-width digits
    value = make_id_number("370602", date(1985, 6, 30), 12, male=True)
    wide = value.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    # then both are refused by their character rule
    with pytest.raises(InvalidIdentifier) as err:
        validate_id_number(wide)
    assert err.value.rule == "GB11643_CHARACTERS"
    uscc = make_uscc("370602", 4242)
    with pytest.raises(InvalidIdentifier) as err:
        validate_uscc(
            uscc[:2]
            + uscc[2:8].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
            + uscc[8:]
        )
    assert err.value.rule == "GB32100_CHARACTERS"
