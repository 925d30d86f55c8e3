"""Column types of the hub database that both SQLite and PostgreSQL must read back alike.

``UtcDateTime`` is every moment the hub stores. PostgreSQL's ``timestamptz`` keeps the instant
and hands it back with an offset; SQLite keeps text without one, and SQLAlchemy's SQLite type
writes the wall-clock figures of whatever zone a value is in and reads them back naive. So a
moment written as 13:12+08:00 came back as 13:12 "UTC", and one written in UTC came back
without a zone, which a browser reads as its own local time. This type writes every moment as
UTC and reads every moment back as an aware UTC ``datetime`` on both databases, and refuses a
naive one on the way in (a moment without a zone is no instant).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that stores UTC and always returns an aware UTC moment."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a moment must be a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a moment without a time zone cannot be stored (use an aware one)")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:  # SQLite: the UTC figures this type wrote
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
