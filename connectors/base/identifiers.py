"""National identifiers shared by every agency: ID numbers (GB 11643) and USCCs (GB 32100).

Validation raises :class:`InvalidIdentifier` naming the rule that was broken, so callers can
tell a user exactly what to fix. Generation helpers build valid numbers for synthetic data.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = [
    "InvalidIdentifier",
    "birth_date_of_id_number",
    "gender_of_id_number",
    "id_number_check_char",
    "make_id_number",
    "make_uscc",
    "org_code_check_char",
    "uscc_check_char",
    "validate_id_number",
    "validate_uscc",
]


# A birth date on an ID number is a day in China (Asia/Shanghai): from 16:00 UTC China is a day
# ahead of UTC, and a child born that day has an ID number whose birth date is "tomorrow" in UTC.
CHINA_TZ = ZoneInfo("Asia/Shanghai")


def _now() -> datetime:
    return datetime.now(UTC)


def china_today() -> date:
    """Today in China (Asia/Shanghai), the day an ID number's birth date is counted in."""
    return _now().astimezone(CHINA_TZ).date()


class InvalidIdentifier(ValueError):
    """An identifier broke a rule of its standard; ``rule`` names the rule."""

    def __init__(self, kind: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.rule = rule
        self.message = message


# --- GB 11643-1999: citizen identity number ------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # fullmatch
# GB/T 2260 province-level codes (first two digits of the region code).
_PROVINCES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
    }
)


_ID_PRODUCTS = [{str(d): d * w for d in range(10)} for w in _ID_WEIGHTS]


def id_number_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != 17:
        raise ValueError("the check character is computed over 17 digits")
    # One table per position (digit -> digit × weight): the sum runs in C.
    try:
        total = sum(map(dict.__getitem__, _ID_PRODUCTS, first17))
    except KeyError:
        raise ValueError("the check character is computed over digits only") from None
    return _ID_CHECK[total % 11]


@dataclass(frozen=True, slots=True)
class _IdParts:
    birth: date
    male: bool


def _id_parts(value: str) -> _IdParts:
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdentifier(
            "idNumber",
            "GB11643_BIRTH_DATE",
            f"ID number {value!r}: characters 7-14 must be a real birth date (YYYYMMDD)",
        ) from None
    return _IdParts(birth=birth, male=int(value[16]) % 2 == 1)


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Return the normalised (upper-case ``X``) ID number or raise :class:`InvalidIdentifier`.

    A birth date after ``today`` (default: today in China, :func:`china_today`) is refused."""
    if not isinstance(value, str):
        raise InvalidIdentifier("idNumber", "GB11643_TYPE", "ID number must be a string")
    v = value.strip().upper()
    if len(v) != 18:
        raise InvalidIdentifier(
            "idNumber",
            "GB11643_LENGTH",
            f"ID number must have 18 characters (GB 11643), got {len(v)}",
        )
    if not _ID_SHAPE.fullmatch(v):
        raise InvalidIdentifier(
            "idNumber",
            "GB11643_CHARACTERS",
            "ID number must be 17 digits followed by a digit or 'X' (GB 11643)",
        )
    if int(v[:2]) not in _PROVINCES:
        raise InvalidIdentifier(
            "idNumber",
            "GB11643_REGION",
            f"ID number {v!r}: region code {v[:6]} does not name a province (GB/T 2260)",
        )
    try:
        birth = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        birth = _id_parts(v).birth  # raises the birth-date error
    if birth.year < 1880 or birth > (today or china_today()):
        raise InvalidIdentifier(
            "idNumber",
            "GB11643_BIRTH_DATE",
            f"ID number {v!r}: birth date {birth.isoformat()} is not plausible",
        )
    expected = id_number_check_char(v[:17])
    if v[17] != expected:
        raise InvalidIdentifier(
            "idNumber",
            "GB11643_CHECK_CHARACTER",
            f"ID number {v!r}: check character must be {expected!r} (ISO 7064 MOD 11-2),"
            f" got {v[17]!r}",
        )
    return v


def make_id_number(region: str, birth: date, seq: int, *, male: bool) -> str:
    """Build a valid ID number; ``seq`` (0-499) picks the order code, parity sets the gender."""
    order = seq * 2 + (1 if male else 0)
    if not 0 <= order <= 999:
        raise ValueError("seq must be in 0..499")
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + id_number_check_char(first17)


def birth_date_of_id_number(value: str) -> date:
    return _id_parts(value).birth


def gender_of_id_number(value: str) -> str:
    return "男" if _id_parts(value).male else "女"


# --- GB 32100-2015: unified social credit code ---------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_CHARS)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")  # fullmatch
# Registration authority code (1st char) -> allowed organisation kinds (2nd char).
_USCC_AUTHORITIES = {
    "1": "1239",
    "2": "19",
    "3": "12345679",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}
# GB 11714 organisation code check character (positions 9-17 of the USCC).
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Characters 3-8: the registration authority's administrative division code (GB/T 2260).
# Central (national-level) authorities register with 100000: GB/T 2260 has no code for the
# country, and the codes they issue carry it (e.g. 51100000500002862F, a national association
# registered by the Ministry of Civil Affairs).
_NATIONAL_REGION = "100000"


@functools.cache
def _divisions() -> tuple[frozenset[str], frozenset[str]]:
    """Every division code GB/T 2260 has listed, and the first four digits of each listed
    prefecture-level division (its code's digits 3-4 are not 00).

    From python-stdnum's copy of the list (``stdnum/cn/loc.dat``, which ``stdnum.cn.ric``
    uses), past divisions included: a code, once issued, stays valid after its division is
    renamed or merged.
    """
    from stdnum import numdb

    codes: set[str] = set()
    for _, low, high, _, children in numdb.get("cn/loc").prefixes:
        for province in range(int(low), int(high) + 1):
            for _, c_low, c_high, _, _ in children:
                codes.update(
                    f"{province:02d}{rest:04d}" for rest in range(int(c_low), int(c_high) + 1)
                )
    return frozenset(codes), frozenset(c[:4] for c in codes if c[2:4] != "00")


def _region_problem(region: str) -> str | None:
    """Why six digits are not a registration authority's division code, or None if they are.

    A province must be one of GB/T 2260's; a code GB/T 2260 lists (now or in the past) is
    accepted, and so are a province's own code (xx0000) and any code under a listed
    prefecture-level division (xxxx00): the county digits are not looked up, because the
    registration authorities of development zones and other functional areas use codes that
    GB/T 2260 does not list (320594, Suzhou Industrial Park, is on many real codes).
    """
    if region == _NATIONAL_REGION:
        return None
    if int(region[:2]) not in _PROVINCES:
        return f"{region[:2]} is not a province-level code"
    listed, prefectures = _divisions()
    if region in listed or region[2:] == "0000":
        return None
    if region[2:4] == "00":
        return f"{region} names no division (under province {region[:2]}0000 but not listed)"
    if region[:4] not in prefectures:
        return f"{region[:4]}00 is not a prefecture-level division"
    return None


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an organisation code (digits or upper-case letters)."""
    total = sum(_ORG_CHARS.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "0" if check == 11 else "X" if check == 10 else str(check)


def validate_uscc(value: str) -> str:
    """Return the normalised USCC (upper case) or raise :class:`InvalidIdentifier`."""
    if not isinstance(value, str):
        raise InvalidIdentifier("uscc", "GB32100_TYPE", "USCC must be a string")
    v = value.strip().upper()
    if len(v) != 18:
        raise InvalidIdentifier(
            "uscc",
            "GB32100_LENGTH",
            f"unified social credit code must have 18 characters (GB 32100), got {len(v)}",
        )
    if not _USCC_SHAPE.fullmatch(v):
        raise InvalidIdentifier(
            "uscc",
            "GB32100_CHARACTERS",
            "unified social credit code may use digits and upper-case letters except"
            " I, O, S, V, Z; characters 3-8 must be a region code (GB 32100)",
        )
    kinds = _USCC_AUTHORITIES.get(v[0])
    if kinds is None or v[1] not in kinds:
        raise InvalidIdentifier(
            "uscc",
            "GB32100_AUTHORITY",
            f"USCC {v!r}: registration authority {v[0]!r} with organisation kind {v[1]!r}"
            " is not defined by GB 32100",
        )
    problem = _region_problem(v[2:8])
    if problem is not None:
        raise InvalidIdentifier(
            "uscc",
            "GB32100_REGION",
            f"USCC {v!r}: characters 3-8 must be the registration authority's administrative"
            f" division code (GB/T 2260, or 100000 for a central authority): {problem}",
        )
    # Characters 9-17 are the subject's organisation code: GB 32100-2015 defines them as the
    # 主体标识码（组织机构代码）, coded by GB 11714, whose ninth character is GB 11714's check
    # character (weights 3 7 9 10 5 8 4 2, MOD 11; 10 is X, 11 is 0). It holds for codes
    # issued since 2015 too, which get their nine characters from the organisation code centre
    # under the same rule: real codes of enterprises (91…), market registrations since 2015
    # (…MA…), civil-affairs bodies (5…, …MJ…) and central associations (51100000…) all pass it;
    # early pilot codes known to break GB 32100 fail its MOD 31 check anyway.
    org_check = org_code_check_char(v[8:16])
    if v[16] != org_check:
        raise InvalidIdentifier(
            "uscc",
            "GB32100_ORGANIZATION_CODE",
            f"USCC {v!r}: characters 9-17 are an organisation code (GB 11714) whose check"
            f" character (the 17th) must be {org_check!r}, got {v[16]!r}",
        )
    expected = uscc_check_char(v[:17])
    if v[17] != expected:
        raise InvalidIdentifier(
            "uscc",
            "GB32100_CHECK_CHARACTER",
            f"USCC {v!r}: check character must be {expected!r} (GB 32100 MOD 31), got {v[17]!r}",
        )
    return v


def make_uscc(region: str, serial: int, *, authority: str = "9", kind: str = "1") -> str:
    """Build a valid USCC for a market-registered enterprise from a region and a serial."""
    body = f"{serial:08d}"[-8:]
    # Organisation codes use letters too; keep them in the USCC alphabet.
    org = body + org_code_check_char(body)
    first17 = f"{authority}{kind}{region}{org}"
    return first17 + uscc_check_char(first17)
