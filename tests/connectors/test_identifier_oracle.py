"""Property tests: our ID number and USCC rules against python-stdnum's (stdnum.cn.ric, .uscc).

Documented differences, allowed below and nowhere else:

- ID numbers: stdnum checks the whole region code against GB/T 2260 as it stood in the birth
  year; we check the province only (a region code may be renamed or moved since). We refuse a
  birth date before 1880 or in the future; stdnum takes any real date.
- USCCs: we also check the authority and kind (GB 32100's table), the region (characters 3-8)
  and the organisation code's GB 11714 check character (character 17); stdnum checks only the
  alphabet and the MOD 31 check character, and wants characters 1-8 to be digits, which
  refuses the letter authorities GB 32100 defines (A, N, Y).

Runs are derandomised (the same examples every run) so that CI is reproducible.
"""

from __future__ import annotations

from datetime import date

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from stdnum import numdb
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidComponent, ValidationError

from connectors.base.identifiers import InvalidIdentifier, validate_id_number, validate_uscc
from tests.connectors.test_uscc_structure import gb11714_check

TODAY = date.today()
RUNS = settings(max_examples=400, derandomize=True, database=None, deadline=None)
DIVISIONS = sorted(p[1] + c[1] for p in numdb.get("cn/loc").prefixes for c in p[4])
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015 (and its amendment No. 1): registration authority + organisation kind.
AUTHORITY_KINDS = (
    "11 12 13 19 21 29 31 32 33 34 35 39 41 49 51 52 53 59 61 62 69 71 72 79 81 89 91 92 93"
    " A1 A9 N1 N2 N3 N9 Y1"
).split()


def ours_id(value: str) -> str | None:
    try:
        validate_id_number(value, today=TODAY)
    except InvalidIdentifier as exc:
        return exc.rule
    return None


def theirs(validate: object, value: str) -> type[ValidationError] | None:
    try:
        validate(value)  # type: ignore[operator]
    except ValidationError as exc:
        return type(exc)
    except KeyError:
        # python-stdnum (2.2) raises KeyError('county') instead of InvalidComponent when the
        # province of a region code is listed but its county is not (e.g. 500001)
        return InvalidComponent
    return None


def implausible_birth(value: str) -> bool:
    born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    return born < date(1880, 1, 1) or born > TODAY


def unknown_place(value: str) -> bool:
    try:
        ric.get_birth_place(value)
    except (InvalidComponent, KeyError):  # KeyError: see theirs()
        return True
    return False


# --- ID numbers (GB 11643) -----------------------------------------------------------------------


@st.composite
def id_like(draw: st.DrawFn) -> str:
    """18 characters: wholly random, or random parts mixed with real ones (a listed region, a
    real date, stdnum's check character), so that every rule is met now and then."""
    if draw(st.booleans()):
        return draw(st.text(alphabet="0123456789Xx", min_size=18, max_size=18))
    digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
    region = draw(st.sampled_from(DIVISIONS) | st.text(digits, min_size=6, max_size=6))
    born = draw(
        st.dates(date(1850, 1, 1), date(2100, 1, 1)).map(lambda d: f"{d:%Y%m%d}")
        | st.text(digits, min_size=8, max_size=8)
    )
    first17 = region + born + draw(st.text(digits, min_size=3, max_size=3))
    check = draw(st.just(ric.calc_check_digit(first17 + "0")) | st.sampled_from("0123456789X"))
    return first17 + check


@RUNS
@given(id_like())
def test_random_id_numbers_agree_with_stdnum(value: str) -> None:
    ours, other = ours_id(value), theirs(ric.validate, value)
    if ours is None:  # we accept: stdnum does too, unless the full region code is unknown to it
        assert other is None or (other is InvalidComponent and unknown_place(value)), other
    if other is None:  # stdnum accepts: we do too, unless the birth date is implausible
        assert ours is None or (ours == "GB11643_BIRTH_DATE" and implausible_birth(value)), ours


@RUNS
@given(
    region=st.sampled_from(DIVISIONS),
    born=st.dates(date(1880, 1, 1), TODAY),
    order=st.integers(0, 999),
    lower_x=st.booleans(),
)
def test_valid_id_numbers_are_valid_for_both(
    region: str, born: date, order: int, lower_x: bool
) -> None:
    # given an ID number whose check character stdnum computes
    first17 = f"{region}{born:%Y%m%d}{order:03d}"
    value = first17 + ric.calc_check_digit(first17 + "0")
    if lower_x:
        value = value.lower()
    # then we accept it (upper-case X), and so does stdnum unless the region did not exist then
    assert validate_id_number(value, today=TODAY) == value.upper()
    other = theirs(ric.validate, value)
    assert other is None or (other is InvalidComponent and unknown_place(value)), other


@RUNS
@given(
    region=st.sampled_from(DIVISIONS),
    born=st.dates(date(1880, 1, 1), TODAY),
    order=st.integers(0, 999),
    position=st.integers(0, 17),
    replacement=st.sampled_from("0123456789X"),
)
def test_a_changed_id_number_character_is_refused_by_both(
    region: str, born: date, order: int, position: int, replacement: str
) -> None:
    first17 = f"{region}{born:%Y%m%d}{order:03d}"
    value = first17 + ric.calc_check_digit(first17 + "0")
    assume(value[position] != replacement)
    changed = value[:position] + replacement + value[position + 1 :]
    assert ours_id(changed) is not None
    assert not ric.is_valid(changed)


# --- USCCs (GB 32100) ----------------------------------------------------------------------------


def ours_uscc(value: str) -> str | None:
    try:
        validate_uscc(value)
    except InvalidIdentifier as exc:
        return exc.rule
    return None


def stdnum_check_holds(value: str) -> bool:
    return stdnum_uscc.calc_check_digit(value[:17] + "0") == value[17]


@st.composite
def uscc_like(draw: st.DrawFn) -> str:
    """18 characters: wholly random, or random parts mixed with real ones (an authority and
    kind, a region, a GB 11714 check, stdnum's check character)."""
    if draw(st.booleans()):
        return draw(st.text(alphabet=USCC_ALPHABET + "IOSVZ", min_size=18, max_size=18))
    chars = st.text(alphabet=USCC_ALPHABET, min_size=1, max_size=1)
    digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
    head = draw(st.sampled_from(AUTHORITY_KINDS) | st.text(chars, min_size=2, max_size=2))
    region = draw(st.sampled_from(USCC_REGIONS) | st.text(digits, min_size=6, max_size=6))
    body = draw(st.text(chars, min_size=8, max_size=8))
    org_check = draw(st.just(gb11714_check(body)) | chars)
    first17 = head + region + body + org_check
    return first17 + draw(st.just(stdnum_uscc.calc_check_digit(first17 + "0")) | chars)


@RUNS
@given(uscc_like())
def test_random_usccs_agree_with_stdnum(value: str) -> None:
    ours = ours_uscc(value)
    clean = all(c in USCC_ALPHABET for c in value)
    if ours is None:  # we accept: the check character is right by stdnum too
        assert clean and stdnum_check_holds(value)
        assert stdnum_uscc.is_valid(value) or value[0] in "ANY"
        # and the organisation code (characters 9-17) carries its own GB 11714 check character
        assert value[16] == gb11714_check(value[8:16])
    if ours == "GB32100_CHECK_CHARACTER":  # we refuse the check character: so does stdnum
        assert not stdnum_check_holds(value) and not stdnum_uscc.is_valid(value)
    if stdnum_uscc.is_valid(value):  # stdnum accepts: we refuse only by our further rules
        assert ours in (None, "GB32100_AUTHORITY", "GB32100_REGION", "GB32100_ORGANIZATION_CODE")


def made_uscc(authority_kind: str, region: str, body: str) -> str:
    first17 = authority_kind + region + body + gb11714_check(body)
    return first17 + stdnum_uscc.calc_check_digit(first17 + "0")


USCC_REGIONS = ["100000", *(d for d in DIVISIONS if d[:2] not in ("71", "81", "82"))]


@RUNS
@given(
    authority_kind=st.sampled_from(AUTHORITY_KINDS),
    region=st.sampled_from(USCC_REGIONS),
    body=st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
)
def test_valid_usccs_are_valid_for_both(authority_kind: str, region: str, body: str) -> None:
    value = made_uscc(authority_kind, region, body)
    assert validate_uscc(value) == value
    assert stdnum_uscc.is_valid(value) or authority_kind[0] in "ANY"


@RUNS
@given(
    authority_kind=st.sampled_from(AUTHORITY_KINDS),
    region=st.sampled_from(USCC_REGIONS),
    body=st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
    position=st.integers(0, 17),
    replacement=st.sampled_from(USCC_ALPHABET),
)
def test_a_changed_uscc_character_is_refused_by_both(
    authority_kind: str, region: str, body: str, position: int, replacement: str
) -> None:
    value = made_uscc(authority_kind, region, body)
    assume(value[position] != replacement)
    changed = value[:position] + replacement + value[position + 1 :]
    assert ours_uscc(changed) is not None
    assert not stdnum_uscc.is_valid(changed)


@RUNS
@example(authority_kind="N3", region="370602", body="KH0GW8FH", wrong="A")  # the reported code
@given(
    authority_kind=st.sampled_from(AUTHORITY_KINDS),
    region=st.sampled_from(USCC_REGIONS),
    body=st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
    wrong=st.sampled_from(USCC_ALPHABET),
)
def test_a_wrong_organisation_code_check_is_refused_where_stdnum_accepts(
    authority_kind: str, region: str, body: str, wrong: str
) -> None:
    # given a code whose 17th character is not its organisation code's GB 11714 check character,
    # and whose 18th is GB 32100's MOD 31 check character computed by stdnum
    assume(wrong != gb11714_check(body))
    first17 = authority_kind + region + body + wrong
    value = first17 + stdnum_uscc.calc_check_digit(first17 + "0")
    # then stdnum, which checks only MOD 31, accepts it (for a digit authority) ...
    assert stdnum_uscc.is_valid(value) or authority_kind[0] in "ANY"
    # ... and we refuse it by the organisation code rule
    assert ours_uscc(value) == "GB32100_ORGANIZATION_CODE"
