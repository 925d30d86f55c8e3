"""Identifiers the API accepts: ID numbers, USCCs (rules in connectors.base) and case numbers;
and the characters any text argument may hold.

Every validator raises :class:`~hub.errors.BadUserInput` naming the rule it broke, before any
connector is called.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from connectors.base.identifiers import InvalidIdentifier, validate_id_number, validate_uscc
from hub.errors import BadUserInput, quoted

# （2026）鲁0602执123号 — year, court abbreviation (province character + optional digits),
# case-type characters (执, 执恢, 执保, 民初 …), serial, 号. ASCII brackets are accepted.
_CASE = re.compile(  # matched with fullmatch (``match`` with ``$`` lets a final "\n" through)
    r"[（(](?P<year>[0-9]{4})[）)]"
    r"(?P<court>[\u4e00-\u9fff]{1,3}[0-9]{0,4})"
    r"(?P<kind>[\u4e00-\u9fff]{1,4})"
    r"(?P<serial>[1-9][0-9]{0,5})号"
    r"(?P<suffix>之[一二三四五六七八九十]{1,3})?"
)


# Characters no identifier or text of the API holds: controls (C0, C1: NUL, tab, newline, ESC…),
# format characters (zero-width spaces and joiners, bidirectional overrides, the BOM…), lone
# surrogates, and line and paragraph separators. They are invisible or rearrange what is shown,
# so a number with one is not the number a person reads; and they would be signed, stored and
# sent on to the agencies as given. Spaces and private-use characters (some rare characters of
# names are encoded there) are not among them.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def check_characters(value: str, *, argument: str) -> None:
    """BAD_USER_INPUT (rule ``CONTROL_CHARACTER``) when ``value`` holds a control, format or
    separator character anywhere, its ends included."""
    if value.isprintable():  # the usual case, at C speed; the loop only for the rest
        return
    for position, char in enumerate(value, start=1):
        if unicodedata.category(char) in _INVISIBLE:
            raise BadUserInput(
                f"{argument} contains the control character U+{ord(char):04X} at position"
                f" {position}; send it as printed, without control or format characters",
                argument=argument,
                rule="CONTROL_CHARACTER",
            )


@dataclass(frozen=True, slots=True)
class CaseNumber:
    year: int
    court: str
    kind: str
    serial: int
    suffix: str = ""

    def __str__(self) -> str:
        return f"（{self.year}）{self.court}{self.kind}{self.serial}号{self.suffix}"


def parse_case_number(
    value: str, *, argument: str = "caseNumber", what: str = "a case number of the form"
) -> CaseNumber:
    if not isinstance(value, str) or not value.strip():
        raise BadUserInput(
            f"{argument} must not be empty", argument=argument, rule="CASE_NUMBER_EMPTY"
        )
    check_characters(value, argument=argument)
    v = value.strip()
    m = _CASE.fullmatch(v)
    if m is None:
        raise BadUserInput(
            f"{argument} {quoted(v)} is not {what} （2026）鲁0602执123号"
            " (year in brackets, court abbreviation, case type, serial, 号, optionally 之一 …)",
            argument=argument,
            rule="CASE_NUMBER_FORMAT",
        )
    year = int(m["year"])
    if not 1990 <= year <= 2100:
        raise BadUserInput(
            f"{argument} {quoted(v)}: year {year} is out of range",
            argument=argument,
            rule="CASE_NUMBER_YEAR",
        )
    return CaseNumber(year, m["court"], m["kind"], int(m["serial"]), m["suffix"] or "")


def normalize_case_number(value: str, *, argument: str = "caseNumber") -> str:
    """The canonical (full-width bracket) spelling of a case number."""
    return str(parse_case_number(value, argument=argument))


def normalize_ruling_number(value: str, *, argument: str = "rulingNumber") -> str:
    """A ruling's (裁定书) number, validated like a case number — the number of the case it was
    made in, with 之一, 之二 … for the rulings of that case (（2026）鲁0602执123号之一) — and
    spelled canonically; the same rules (``CASE_NUMBER_FORMAT`` …) name ``argument``."""
    return str(parse_case_number(value, argument=argument, what="a ruling number in the form"))


def _bad(exc: InvalidIdentifier, argument: str) -> BadUserInput:
    return BadUserInput(f"{argument}: {exc.message}", argument=argument, rule=exc.rule)


def check_id_number(value: str, *, argument: str = "idNumber") -> str:
    check_characters(value, argument=argument)
    try:
        return validate_id_number(value)
    except InvalidIdentifier as exc:
        raise _bad(exc, argument) from None


def check_uscc(value: str, *, argument: str = "uscc") -> str:
    check_characters(value, argument=argument)
    try:
        return validate_uscc(value)
    except InvalidIdentifier as exc:
        raise _bad(exc, argument) from None


def subject_kind(identifier: str) -> str:
    """PERSON for a valid ID number, ENTERPRISE otherwise (a USCC)."""
    try:
        validate_id_number(identifier)
    except InvalidIdentifier:
        return "ENTERPRISE"
    return "PERSON"
