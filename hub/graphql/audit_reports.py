"""The auditor's reports: daily activity for the chart, and the log's integrity checked on demand.

A verification of the whole log is a background job (:mod:`hub.audit.verify_jobs`): it runs in
a process of its own, never on the serving event loop. ``auditIntegrityStart`` starts one (or
answers the one running, one per hub) and returns at once; ``auditIntegrityJob`` follows its
progress and holds its report when done. ``auditIntegrity``, the field that answered the report
itself, still does: it starts a verification (or joins the running one) and waits for its
report, the serving loop free meanwhile. Neither starts a new verification within
``HUB_AUDIT_VERIFY_PAUSE`` seconds (60) of the last one DONE: each keeps a core busy for
minutes on a long log, and back to back they would keep it busy for good (RATE_LIMITED, reason
PAUSE, naming the job whose report is there to read).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from hub.audit import activity, verify_jobs
from hub.audit.verify_jobs import Job, Verifications
from hub.errors import BadUserInput, NotFound, RateLimited
from hub.graphql.audit import _record
from hub.graphql.context import ctx
from hub.identifiers import check_characters

_JOB_ID = re.compile(r"[1-9][0-9]{0,17}")  # fullmatch: a positive BIGINT, written plainly


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
    problems: list[str] = strawberry.field(
        description="Empty when ok; the first names the entry (at most the first 100)"
    )
    omitted_problems: int = strawberry.field(
        description="Problems found after the ones listed (counted, not listed)"
    )


@strawberry.enum(description="Where a verification of the whole log is")
class AuditIntegrityJobState(Enum):
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@strawberry.type(
    description="A verification of the whole audit log, run in the background (one at a time)"
)
class AuditIntegrityJob:
    id: str
    state: AuditIntegrityJobState
    requested_by: str = strawberry.field(description="The auditor who started it")
    started_at: datetime
    finished_at: datetime | None
    checked: int = strawberry.field(description="Leaves verified so far")
    total: int | None = strawberry.field(
        description="Leaves to verify (the size of the latest signed checkpoint), once known"
    )
    report: AuditIntegrityReport | None = strawberry.field(description="Once DONE")
    error: str | None = strawberry.field(description="Why it FAILED")


@strawberry.type(description="The verification started, or the one already running")
class AuditIntegrityStartPayload:
    job: AuditIntegrityJob
    started: bool = strawberry.field(
        description="False when a verification was already running: the job is that one"
    )


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


def _report(job: Job) -> AuditIntegrityReport | None:
    r = job.report
    if r is None or job.finished_at is None:
        return None
    return AuditIntegrityReport(
        ok=r["ok"],
        checked_at=job.finished_at,
        entries=r["entries"],
        tree_size=r["treeSize"],
        root_hash=r["rootHash"],
        checkpoints=r["checkpoints"],
        redacted=r["redacted"],
        unintegrated=r["unintegrated"],
        problems=r["problems"],
        omitted_problems=r["omittedProblems"],
    )


def _job(job: Job) -> AuditIntegrityJob:
    return AuditIntegrityJob(
        id=str(job.id),
        state=AuditIntegrityJobState(job.state),
        requested_by=job.requested_by,
        started_at=job.started_at,
        finished_at=job.finished_at,
        checked=job.checked,
        total=job.total,
        report=_report(job),
        error=job.error,
    )


def _verifications(info: Info) -> Verifications:
    verifications = ctx(info).runtime.verifications
    if verifications is None:
        raise RuntimeError("this process runs no verifications (Runtime.open makes them)")
    return verifications


async def resolve_integrity(info: Info) -> AuditIntegrityReport:
    """The report of a verification started now (or of the one running), once it is done."""
    c = ctx(info)
    _record(info, "auditIntegrity", {})
    verifications = _verifications(info)
    job, _ = await _start(verifications, c.principal.sub)
    done = await verifications.wait(job.id)
    report = _report(done)
    if report is None:
        raise RuntimeError(f"audit verification {done.id} failed: {done.error}")
    return report


async def resolve_integrity_start(info: Info) -> AuditIntegrityStartPayload:
    c = ctx(info)
    access = _record(info, "auditIntegrityStart", {})
    job, started = await _start(_verifications(info), c.principal.sub)
    access.detail["job"] = str(job.id)
    return AuditIntegrityStartPayload(job=_job(job), started=started)


async def _start(verifications: Verifications, requested_by: str) -> tuple[Job, bool]:
    try:
        return await verifications.start(requested_by=requested_by)
    except verify_jobs.TooSoon as exc:
        raise RateLimited(
            f"verification {exc.latest.id} finished at {exc.latest.finished_at:%Y-%m-%dT%H:%M:%SZ};"
            f" another may start from {exc.next_at:%Y-%m-%dT%H:%M:%SZ}"
            f" (HUB_AUDIT_VERIFY_PAUSE, {verifications.pause:g} s) — read its report with"
            f' auditIntegrityJob(id: "{exc.latest.id}")',
            reason="PAUSE",
        ) from None


async def resolve_integrity_job(info: Info, id: str | None) -> AuditIntegrityJob | None:
    if id is not None:  # the characters first, as for every text argument; spaces at the ends
        check_characters(id, argument="id")  # are not part of the number
        id = id.strip()
    if id is not None and _JOB_ID.fullmatch(id) is None:
        raise BadUserInput(
            "id must be the id of a verification (a positive whole number); leave it out for"
            " the latest",
            argument="id",
            rule="JOB_ID",
        )
    c = ctx(info)
    _record(info, "auditIntegrityJob", {"id": id} if id is not None else {})
    job = await verify_jobs.get(c.runtime.engine, int(id) if id is not None else None)
    if job is None:
        if id is not None:
            raise NotFound(f"there is no verification {id}; auditIntegrityStart starts one")
        return None
    return _job(job)
