"""Verification of the whole log as a background job: one at a time per hub, run in a process of
its own, its progress and report kept in the hub database (``audit_verifications``).

Verifying a long log is long work (about a minute per million entries): it must never run on a
serving process's event loop. :func:`start` records a RUNNING job, or answers the one already
running, whichever process or replica started it (a partial unique index keeps one). The
serving process then runs ``python -m hub.audit.verify_jobs`` (:class:`Verifications`) and
hands it, on its standard input, what it needs: the job, the database URL, the log's verifier
key and the witness policy. That process lowers its own priority, verifies the log
(:func:`hub.audit.verify.verify_log`, in bounded memory), writes its progress about once a
second (``updated_at`` is its heartbeat) and finally the report, or why it failed.

A RUNNING job not heard from for :data:`STALE` seconds (its process was killed, its machine
stopped) is marked FAILED when anyone next asks, so a new verification can start.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import desc, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from connectors.base.tlog.cosignature import CosignerKey
from hub.audit.models import audit_verifications
from hub.audit.verify import Report, verify_log
from hub.audit.witness import WitnessConfig, WitnessPolicy
from hub.db.engine import create_hub_engine, lock_for_write

log = logging.getLogger("hub.audit")

RUNNING, DONE, FAILED = "RUNNING", "DONE", "FAILED"
HEARTBEAT = 1.0  # seconds between two writes of a job's progress
STALE = 30.0  # a RUNNING job not heard from for this long has lost its process
NICENESS = 10  # the verifying process yields the CPU to the hub's requests


@dataclass(frozen=True)
class Job:
    """One verification: who asked, when, how far it is, and its report once DONE."""

    id: int
    state: str
    requested_by: str
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    checked: int  # leaves verified so far
    total: int | None  # leaves to verify, once known
    report: dict[str, Any] | None
    error: str | None


def report_json(report: Report) -> dict[str, Any]:
    """What a job keeps of a report (the fields of ``AuditIntegrityReport``, and the witnesses')."""
    return {
        "ok": report.ok,
        "entries": report.entries,
        "treeSize": report.tree_size,
        "rootHash": base64.b64encode(report.root).decode(),
        "checkpoints": report.checkpoints,
        "redacted": report.redacted,
        "unintegrated": report.unintegrated,
        "subjects": report.subjects,
        "redactedSubjects": report.redacted_subjects,
        "problems": report.problems,
        "omittedProblems": report.omitted,
        "witnessedSize": report.witnessed_size,
        "pending": report.pending,
    }


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        state=row.state,
        requested_by=row.requested_by,
        started_at=row.started_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
        checked=row.checked,
        total=row.total,
        report=json.loads(row.report) if row.report is not None else None,
        error=row.error,
    )


async def _fail_stale(conn: AsyncConnection, now: datetime) -> None:
    await conn.execute(
        update(audit_verifications)
        .where(
            audit_verifications.c.state == RUNNING,
            audit_verifications.c.updated_at < now - timedelta(seconds=STALE),
        )
        .values(
            state=FAILED,
            finished_at=now,
            error=f"the verifying process was not heard from for {STALE:.0f} s: it stopped",
        )
    )


async def _running(conn: AsyncConnection) -> Any:
    stmt = select(audit_verifications).where(audit_verifications.c.state == RUNNING)
    return (await conn.execute(stmt)).first()


class TooSoon(Exception):
    """A verification finished less than the pause ago: another may start at ``next_at``."""

    def __init__(self, latest: Job, next_at: datetime) -> None:
        super().__init__(f"verification {latest.id} finished less than the pause ago")
        self.latest = latest
        self.next_at = next_at


async def _latest_done(conn: AsyncConnection, since: datetime) -> Any:
    stmt = (
        select(audit_verifications)
        .where(audit_verifications.c.state == DONE, audit_verifications.c.finished_at > since)
        .order_by(desc(audit_verifications.c.finished_at))
        .limit(1)
    )
    return (await conn.execute(stmt)).first()


async def start(engine: AsyncEngine, *, requested_by: str, pause: float = 0.0) -> tuple[Job, bool]:
    """The running job, or a new RUNNING one; True when it is new (the caller runs it).

    A verification keeps a core busy for minutes on a long log, so a new one starts no sooner
    than ``pause`` seconds after the last one was DONE (:class:`TooSoon` until then; that job's
    report is there to read). A FAILED one may be started again at once."""
    for _ in range(3):
        now = datetime.now(UTC)
        try:
            async with engine.begin() as conn:
                await lock_for_write(conn)
                await _fail_stale(conn, now)
                row = await _running(conn)
                if row is not None:
                    return _job(row), False
                if pause > 0 and (done := await _latest_done(conn, now - timedelta(seconds=pause))):
                    latest = _job(done)
                    finished = latest.finished_at or now
                    raise TooSoon(latest, finished + timedelta(seconds=pause))
                await conn.execute(
                    insert(audit_verifications).values(
                        state=RUNNING,
                        requested_by=requested_by,
                        started_at=now,
                        updated_at=now,
                        checked=0,
                    )
                )
                return _job(await _running(conn)), True
        except IntegrityError:
            continue  # another process started one between our read and insert: answer it
    raise RuntimeError("could not start a verification: the running one kept changing")


async def get(engine: AsyncEngine, job_id: int | None = None) -> Job | None:
    """Job ``job_id``, or the latest one; a RUNNING job whose process stopped is FAILED first."""
    stmt = select(audit_verifications)
    if job_id is None:
        stmt = stmt.order_by(desc(audit_verifications.c.id)).limit(1)
    else:
        stmt = stmt.where(audit_verifications.c.id == job_id)
    async with engine.connect() as conn:
        row = (await conn.execute(stmt)).first()
    now = datetime.now(UTC)
    if row is not None and row.state == RUNNING and row.updated_at < now - timedelta(seconds=STALE):
        async with engine.begin() as conn:  # a write only when a job has gone quiet
            await _fail_stale(conn, now)
        async with engine.connect() as conn:
            row = (await conn.execute(stmt)).first()
    return _job(row) if row is not None else None


async def finish(
    engine: AsyncEngine, job_id: int, *, report: Report | None = None, error: str | None = None
) -> None:
    """Mark a RUNNING job DONE with its report, or FAILED with why (a finished job is kept)."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {"updated_at": now, "finished_at": now}
    if report is not None:
        values.update(
            state=DONE,
            report=json.dumps(report_json(report)),
            checked=report.tree_size,
            total=report.tree_size,
        )
    else:
        values.update(state=FAILED, error=error or "the verification failed")
    async with engine.begin() as conn:
        await conn.execute(
            update(audit_verifications)
            .where(audit_verifications.c.id == job_id, audit_verifications.c.state == RUNNING)
            .values(values)
        )


class JobProgress:
    """The :class:`hub.progress.Progress` of a job: counted here, written by :meth:`beat`."""

    def __init__(self) -> None:
        self.checked = 0
        self.total: int | None = None

    def start(self, description: str, total: int | None) -> None:
        self.checked, self.total = 0, total

    def advance(self, units: int = 1) -> None:
        self.checked += units

    async def beat(self, engine: AsyncEngine, job_id: int, every: float = HEARTBEAT) -> None:
        """Write the progress (and the heartbeat) every ``every`` seconds until cancelled."""
        while True:
            async with engine.begin() as conn:
                await conn.execute(
                    update(audit_verifications)
                    .where(
                        audit_verifications.c.id == job_id,
                        audit_verifications.c.state == RUNNING,
                    )
                    .values(checked=self.checked, total=self.total, updated_at=datetime.now(UTC))
                )
            await asyncio.sleep(every)


def witness_spec(policy: WitnessPolicy | None) -> dict[str, Any]:
    """The witness policy as the verifying process reads it (keys, quorum, grace)."""
    if policy is None:
        return {"keys": [], "quorum": 0}
    return {
        "keys": [w.key.vkey for w in policy.witnesses],
        "quorum": policy.quorum,
        "grace": policy.grace,
    }


def _policy(spec: dict[str, Any]) -> WitnessPolicy:
    configs = tuple(WitnessConfig(CosignerKey.parse(k)) for k in spec.get("keys", []))
    if "grace" in spec:
        return WitnessPolicy(configs, spec["quorum"], spec["grace"])
    return WitnessPolicy(configs, spec["quorum"])


async def run(spec: dict[str, Any]) -> int:
    """The verifying process: verify the log, writing progress, then the report; its status."""
    job_id = int(spec["job"])
    engine = create_hub_engine(spec["database_url"])
    progress = JobProgress()
    beat = asyncio.create_task(progress.beat(engine, job_id, spec.get("heartbeat", HEARTBEAT)))
    try:
        try:
            report = await verify_log(
                engine, spec["verifier"], witnesses=_policy(spec["witnesses"]), progress=progress
            )
        except Exception as exc:  # what went wrong is the job's answer, not a crash
            log.exception("audit verification %s failed", job_id)
            beat.cancel()
            await finish(engine, job_id, error=f"the verification failed: {type(exc).__name__}")
            return 1
        beat.cancel()
        await finish(engine, job_id, report=report)
        return 0
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
        await engine.dispose()


class Verifications:
    """A serving process's side: starts the verifying process of a new job, watches it, and
    stops the ones it started when the hub stops."""

    def __init__(
        self, engine: AsyncEngine, spec: Callable[[], dict[str, Any]], *, pause: float = 0.0
    ) -> None:
        self.engine = engine
        self._spec = spec  # database URL, verifier keys, witnesses
        self.pause = pause  # seconds after a DONE verification before another starts
        self._children: dict[int, asyncio.subprocess.Process] = {}
        self._watchers: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def running(self) -> int:
        """How many verifying processes this one started are still running (or not yet reaped)."""
        return len(self._children)

    async def start(self, *, requested_by: str) -> tuple[Job, bool]:
        """The running job, or a new one with its process started; True when new."""
        job, created = await start(self.engine, requested_by=requested_by, pause=self.pause)
        if created:
            try:
                await self._launch(job.id)
            except Exception as exc:
                await finish(
                    self.engine, job.id, error=f"the verifying process did not start ({exc})"
                )
                raise
        return job, created

    async def _launch(self, job_id: int) -> None:
        spec = self._spec()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hub.audit.verify_jobs",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._children[job_id] = proc
        task = asyncio.create_task(self._watch(job_id, proc, json.dumps({**spec, "job": job_id})))
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def _watch(self, job_id: int, proc: asyncio.subprocess.Process, spec: str) -> None:
        try:
            _, err = await proc.communicate(spec.encode())
        finally:
            self._children.pop(job_id, None)
        if proc.returncode != 0 and not self._closing:
            tail = err.decode(errors="replace").strip().splitlines()[-5:]
            log.error(
                "audit verification %s: its process exited with status %s: %s",
                job_id,
                proc.returncode,
                " | ".join(tail),
            )
            await finish(
                self.engine,
                job_id,
                error=f"the verifying process exited with status {proc.returncode}",
            )

    async def wait(self, job_id: int, *, poll: float = 0.2) -> Job:
        """Job ``job_id`` once it is no longer RUNNING (the event loop stays free meanwhile)."""
        while True:
            job = await get(self.engine, job_id)
            if job is None:
                raise LookupError(f"no verification {job_id}")
            if job.state != RUNNING:
                return job
            await asyncio.sleep(poll)

    async def close(self) -> None:
        """Stop the verifying processes this one started; their jobs are FAILED."""
        self._closing = True
        for job_id, proc in list(self._children.items()):
            if proc.returncode is None:
                proc.terminate()
            with contextlib.suppress(Exception):
                await finish(self.engine, job_id, error="the hub that ran it stopped")
        for task in list(self._watchers):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 5)


def main() -> None:
    """``python -m hub.audit.verify_jobs``: run the job its standard input describes (JSON)."""
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    spec = json.loads(sys.stdin.read())
    raise SystemExit(asyncio.run(run(spec)))


if __name__ == "__main__":
    main()
