"""The hub's ``DateTime`` scalar: every moment leaves with its UTC offset and must arrive with one.

Strawberry's own ``DateTime`` writes a value's ``isoformat()`` as it is, so a moment without a
zone left without one (``2026-11-01T05:12:00.628399``) and a browser read it as its own local
time; and it reads ``2026-11-01T13:12`` or even ``2026-11-01`` as a moment with no zone, which
the hub could only guess at. Here a moment is written in UTC with its offset
(``2026-11-01T05:12:00.628399+00:00``), a moment without a zone is a fault of the hub (it is not
written at all), and an input must name its offset (``Z``, ``+08:00``) or is refused as
``BAD_USER_INPUT`` with ``rule: DATETIME_OFFSET``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from strawberry.types.scalar import ScalarDefinition

from hub.errors import BadUserInput

EXAMPLE = "2026-11-01T13:12:00+08:00"
# RFC 3339's date-time: a date, a time (fractions allowed) and an offset, nothing less.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


def serialize(value: Any) -> str:
    """The moment in UTC with its offset; a naive moment is the hub's fault, never guessed at."""
    if not isinstance(value, datetime):
        raise TypeError(f"DateTime cannot represent a {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a DateTime without a time zone reached the API")
    return value.astimezone(UTC).isoformat()


def parse_value(value: Any) -> datetime:
    """An RFC 3339 date-time with its offset (``2026-11-01T13:12:00+08:00``, ``…Z``)."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise BadUserInput(
            "a DateTime is a date, a time and its UTC offset, e.g. "
            f"{EXAMPLE} (Beijing time) or 2026-11-01T05:12:00Z",
            rule="DATETIME_OFFSET",
        )
    text = value.upper().replace("Z", "+00:00")
    whole, dot, rest = text.partition(".")
    if dot:  # Python reads at most microseconds: cut nanoseconds, keep the offset
        digits = re.match(r"\d+", rest)
        assert digits is not None
        text = f"{whole}.{digits.group()[:6].ljust(6, '0')}{rest[digits.end() :]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadUserInput(
            f"a DateTime names a real day and time, e.g. {EXAMPLE}", rule="DATETIME_OFFSET"
        ) from None
    try:  # a moment within a day of year 1 or 9999 has no UTC form
        return moment.astimezone(UTC)
    except OverflowError:
        raise BadUserInput(
            "a DateTime must fall between the years 0001 and 9999 in UTC, e.g. " + EXAMPLE,
            rule="DATETIME_RANGE",
        ) from None


DateTimeDefinition = ScalarDefinition(
    name="DateTime",
    description=(
        "A moment: RFC 3339 date and time with its UTC offset. The hub answers in UTC"
        " (2026-11-01T05:12:00.628399+00:00); an input must carry its offset"
        " (2026-11-01T13:12:00+08:00 is Beijing time, the courts' calendar)."
    ),
    specified_by_url=None,
    serialize=serialize,
    parse_value=parse_value,
    parse_literal=None,
    origin=datetime,
)
SCALAR_OVERRIDES: dict[object, Any] = {datetime: DateTimeDefinition}
