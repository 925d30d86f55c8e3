"""Paging of every list the API serves: ``first`` / ``after``, opaque cursors, ``PageInfo``.

One convention for every list: ``first`` (1 to :data:`MAX_PAGE`) rows after the cursor
``after`` (the ``pageInfo.endCursor`` of the page before, unchanged), newest first unless the
list says otherwise, and ``totalCount``: how many rows the list holds for the caller on all its
pages together, counted under the same access rules as the rows. A cursor names the position of
the last row of a page by the values the list is sorted on (never by looking a row up, so a
cursor cannot tell whether someone else's row exists); a cursor that is not one a list returned
is ``BAD_USER_INPUT`` (rule ``CURSOR``), a page size out of range ``BAD_USER_INPUT`` (rule
``PAGE_SIZE``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import strawberry

from hub.errors import BadUserInput
from hub.identifiers import check_characters

MAX_PAGE = 200
MAX_CURSOR = 256  # characters: no cursor the API hands out is longer
MAX_SEARCH = 64  # characters of a search term (a case number is at most 64)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Counter = Callable[[], Awaitable[int]]


@strawberry.type(description="Where a page of a list ends, and whether another page follows")
class PageInfo:
    end_cursor: str | None = strawberry.field(
        description="Pass as after for the next page (null when the page is empty)"
    )
    has_next_page: bool


def page_size(first: int, *, argument: str = "first", limit: int = MAX_PAGE) -> int:
    """``first`` itself; BAD_USER_INPUT (rule PAGE_SIZE) unless 1 to ``limit``."""
    if not 1 <= first <= limit:
        raise BadUserInput(
            f"{argument} must be between 1 and {limit}, got {first}",
            argument=argument,
            rule="PAGE_SIZE",
        )
    return first


def _bad_cursor(argument: str) -> BadUserInput:
    return BadUserInput(
        f"{argument} is not a cursor of this list: pass the pageInfo.endCursor of the page"
        " before, unchanged (or leave it out for the first page)",
        argument=argument,
        rule="CURSOR",
    )


def encode(kind: str, *values: int | str) -> str:
    """An opaque cursor: the list's name and the sort values of a row (no ``:`` inside)."""
    text = ":".join((kind, *(str(v) for v in values)))
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode(
    cursor: str | None, kind: str, *types: Callable[[str], Any], argument: str = "after"
) -> tuple[Any, ...] | None:
    """The sort values ``encode`` put in a cursor of list ``kind``, each converted by its type;
    None for no cursor. Anything else is BAD_USER_INPUT (rule CURSOR)."""
    if cursor is None:
        return None
    if not cursor or len(cursor) > MAX_CURSOR or not cursor.isascii():
        raise _bad_cursor(argument)
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        name, *parts = text.split(":")
        if name != kind or len(parts) != len(types) or encode(kind, *parts) != cursor:
            raise ValueError
        return tuple(convert(part) for convert, part in zip(types, parts, strict=True))
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError):
        raise _bad_cursor(argument) from None


def natural(value: str) -> int:
    """A cursor's row number or key: digits only, below 2**63 (a database's BIGINT)."""
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise ValueError(value)
    return int(value)


def micros(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch (a stored moment without a zone is UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    delta = aware - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def moment(value: str) -> datetime:
    """The inverse of :func:`micros` (UTC)."""
    return EPOCH + timedelta(microseconds=natural(value))


def search_text(value: str | None, argument: str) -> str | None:
    """A search term: stripped, 1 to MAX_SEARCH characters; None when left out or blank. A
    control, format or separator character anywhere, its ends included, is BAD_USER_INPUT
    (rule CONTROL_CHARACTER) as in every text argument; a longer term BAD_USER_INPUT (rule
    SEARCH_TEXT)."""
    if value is None:
        return None
    check_characters(value, argument=argument)
    if not value.strip():
        return None
    value = value.strip()
    if len(value) > MAX_SEARCH:
        raise BadUserInput(
            f"{argument} must be 1 to {MAX_SEARCH} characters, got {len(value)}",
            argument=argument,
            rule="SEARCH_TEXT",
        )
    return value
