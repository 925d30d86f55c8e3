"""The auditor's reports: daily activity for the chart, and the log's integrity checked on demand."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import strawberry
from strawberry.types import Info

from connectors.base.tlog.checkpoint import vkey
from hub.audit import activity
from hub.audit.verify import verify_log
from hub.errors import BadUserInput
from hub.graphql.audit import _record
from hub.graphql.context import ctx


@strawberry.type(description="Entries of one day that called an agency")
class AgencyAccessCount:
    agency: str
    accesses: int


@strawberry.type(description="One day of the audit log (courts' calendar, Asia/Shanghai)")
class AuditActivityDay:
    day: date
    accesses: int = strawberry.field(
        description="Entries about subject data (the auditors' own queries excluded)"
    )
    denied: int = strawberry.field(description="Attempts refused (DENIED, PURPOSE_REQUIRED)")
    agencies: list[AgencyAccessCount] = strawberry.field(
        description="Per agency, the entries whose request called it"
    )


@strawberry.type(description="The whole audit log recomputed: leaves, tree, signed checkpoints")
class AuditIntegrityReport:
    ok: bool
    checked_at: datetime
    entries: int
    tree_size: int
    root_hash: str = strawberry.field(description="base64 root of the recomputed tree")
    checkpoints: int
    redacted: int
    unintegrated: int = strawberry.field(description="Entries not yet in the tree (≤ 1 s)")
    problems: list[str] = strawberry.field(description="Empty when ok; the first names the entry")


async def resolve_activity(info: Info, first: date, last: date) -> list[AuditActivityDay]:
    if first > last:
        raise BadUserInput("from must not be after to", argument="from", rule="DATE_RANGE")
    if (last - first).days + 1 > activity.MAX_DAYS:
        raise BadUserInput(
            f"at most {activity.MAX_DAYS} days at once", argument="to", rule="DATE_RANGE"
        )
    c = ctx(info)
    _record(info, "auditActivity", {"from": first.isoformat(), "to": last.isoformat()})
    async with c.runtime.engine.connect() as conn:
        days = await activity.daily_activity(conn, first, last)
    return [
        AuditActivityDay(
            day=d.day,
            accesses=d.accesses,
            denied=d.denied,
            agencies=[
                AgencyAccessCount(agency=a, accesses=n) for a, n in sorted(d.agencies.items())
            ],
        )
        for d in days
    ]


async def resolve_integrity(info: Info) -> AuditIntegrityReport:
    c = ctx(info)
    keys = c.runtime.audit.keys
    _record(info, "auditIntegrity", {})
    report = await verify_log(
        c.runtime.engine, [vkey(keys.origin, keys.public_key)], witnesses=c.runtime.witnesses
    )
    return AuditIntegrityReport(
        ok=report.ok,
        checked_at=datetime.now(UTC),
        entries=report.entries,
        tree_size=report.tree_size,
        root_hash=base64.b64encode(report.root).decode(),
        checkpoints=report.checkpoints,
        redacted=report.redacted,
        unintegrated=report.unintegrated,
        problems=report.problems,
    )
