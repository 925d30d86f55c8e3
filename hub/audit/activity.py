"""Daily activity of the audit log for the auditor's chart: accesses per agency, denied attempts."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.audit.models import audit_entries

COURT_TZ = ZoneInfo("Asia/Shanghai")
DENIED = frozenset({"DENIED", "PURPOSE_REQUIRED"})
MAX_DAYS = 366


@dataclass
class Day:
    day: date
    accesses: int = 0  # entries about subject data (the auditors' own queries excluded)
    denied: int = 0  # refused by policy or purpose binding
    agencies: Counter[str] = field(default_factory=Counter)  # agency -> entries that called it


async def daily_activity(conn: AsyncConnection, first: date, last: date) -> list[Day]:
    """Every day from ``first`` to ``last`` (courts' calendar, Asia/Shanghai), empty days too."""
    since = datetime.combine(first, time(), COURT_TZ)
    until = datetime.combine(last + timedelta(days=1), time(), COURT_TZ)
    e = audit_entries
    stmt = (
        select(e.c.occurred_at, e.c.outcome, e.c.content)
        .where(e.c.occurred_at >= since, e.c.occurred_at < until, e.c.action != "AUDIT_QUERY")
        .order_by(e.c.id)
    )
    days: dict[date, Day] = {}
    for occurred_at, outcome, content in await conn.execute(stmt):
        day = occurred_at.astimezone(COURT_TZ).date()
        d = days.setdefault(day, Day(day))
        d.accesses += 1
        if outcome in DENIED:
            d.denied += 1
        if content:  # NULL once redacted: counted, without its agencies
            d.agencies.update((json.loads(content).get("connectors") or {}).keys())
    span = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [days.get(day) or Day(day) for day in span]
