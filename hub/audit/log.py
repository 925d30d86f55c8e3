"""Recording audit entries: built per subject at the end of a request, durable before release.

Requests hand their entries to :class:`AuditLog`, which writes everything pending in one
transaction (group commit: one transaction in flight, entries arriving meanwhile leave together
in the next), and each request waits for its own commit. If the write fails, the request gets
``AUDIT_UNAVAILABLE`` and no data (fail closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from datetime import time as clock
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.entries import (
    AccessRecord,
    BatchRecord,
    content_hash,
    content_json,
    new_salt,
    subjects_hash,
)
from hub.audit.keys import AuditKeys
from hub.audit.models import audit_entries, audit_subjects
from hub.errors import AuditUnavailable

log = logging.getLogger("hub.audit")
CHINA = ZoneInfo("Asia/Shanghai")
SUBJECT_LOOKUPS = frozenset({"PROFILE_VIEW", "REFERENCE_VIEW"})


class FlagTracker:
    """Anomaly flags decided when an entry is written (windows are per hub process)."""

    def __init__(
        self,
        *,
        working_hours: tuple[clock, clock],
        bulk_subjects: int,
        denied_burst: int,
        burst_seconds: float = 60.0,
    ) -> None:
        self.start, self.end = working_hours
        self.bulk_subjects = bulk_subjects
        self.denied_burst = denied_burst
        self.burst_seconds = burst_seconds
        self._denied: dict[str, deque[float]] = defaultdict(deque)
        self._subjects: dict[str, dict[str, float]] = defaultdict(dict)

    def flags(
        self,
        *,
        user: str,
        org: str,
        access: AccessRecord,
        outcome: str,
        subject_index: str | None,
        now: datetime,
    ) -> list[str]:
        out: list[str] = []
        if access.action == "SANCTION_CHECK":
            # An approval system's automatic checks: volume and hours are its normal work.
            return out
        if (
            org.startswith("court:")
            and access.case_number is None
            and access.action in SUBJECT_LOOKUPS
            and access.subject_id is not None
        ):
            out.append("NO_CASE")  # a court looked a subject up without citing a case
        if access.reason in ("CASE_CLOSED", "CASE_OTHER_COURT"):
            out.append(access.reason)
        if outcome == "RATE_LIMITED" and access.reason == "ENUMERATION":
            out.append("ENUMERATION")  # unknown identifiers past the daily limit: a probe
        local = now.astimezone(CHINA)
        if local.weekday() >= 5 or not (self.start <= local.time() < self.end):
            out.append("OFF_HOURS")
        mono = time.monotonic()
        if outcome in ("DENIED", "PURPOSE_REQUIRED", "RATE_LIMITED"):
            window = self._denied[user]
            window.append(mono)
            while window and window[0] < mono - self.burst_seconds:
                window.popleft()
            if len(window) >= self.denied_burst:
                out.append("DENIED_BURST")
        if subject_index is not None and outcome in ("OK", "PARTIAL"):
            seen = self._subjects[user]
            seen[subject_index] = mono
            if len(seen) > self.bulk_subjects:
                for key in [k for k, t in seen.items() if t < mono - 3600]:
                    del seen[key]
                if len(seen) > self.bulk_subjects:
                    out.append("BULK")
        return out


def _outcome(access: AccessRecord, data: Any, errors: Sequence[Any]) -> str:
    if access.outcome is not None:
        return access.outcome
    n = len(access.path)
    mine = [e for e in errors if tuple(e.path or ())[:n] == access.path]
    if any(getattr(e.original_error, "code", "").startswith("CONNECTOR") for e in mine):
        return "PARTIAL"
    value: Any = data
    for step in access.path:
        if value is None:
            break
        value = value[step] if isinstance(value, list) else value.get(step)
    if value is None and not mine:
        return "NOT_FOUND"
    return "OK"


_COLUMNS = [c.name for c in audit_entries.columns if c.name != "id"]


@functools.cache
def _sqlite_insert(dialect: Any) -> str:
    return str(audit_entries.insert().compile(dialect=dialect, column_keys=_COLUMNS))


async def insert_entries(conn: Any, rows: list[dict[str, Any]]) -> None:
    """Insert entries. On SQLite the rows go to the driver as tuples, the timestamps converted
    as SQLAlchemy would (10,000 entries of a batch check: a third of the generic path's time)."""
    if conn.dialect.name != "sqlite":
        await conn.execute(audit_entries.insert(), rows)
        return
    dialect = conn.dialect
    stamp = audit_entries.c.occurred_at.type.dialect_impl(dialect).bind_processor(dialect)
    get = itemgetter(*_COLUMNS)
    at = _COLUMNS.index("occurred_at")
    redacted = _COLUMNS.index("redacted_at")
    last: tuple[Any, Any] = (None, None)
    tuples = []
    for row in rows:
        values = list(get(row))
        when = values[at]
        if when is not last[0]:
            last = (when, stamp(when) if stamp else when)
        values[at] = last[1]
        if values[redacted] is not None and stamp:
            values[redacted] = stamp(values[redacted])
        tuples.append(tuple(values))
    await conn.exec_driver_sql(_sqlite_insert(dialect), tuples)


_SUBJECT_COLUMNS = [c.name for c in audit_subjects.columns]
# Bound per row on SQLite (entry_id is the same for all and redacted_at NULL: literals).
_SUBJECT_BOUND = [c for c in _SUBJECT_COLUMNS if c not in ("entry_id", "redacted_at")]
_SQLITE_ROWS_PER_STATEMENT = 4000  # 28,000 parameters, under SQLite's 32,766


@functools.lru_cache(maxsize=32)  # one per batch size in use; up to 120 kB each
def _sqlite_subjects_insert(rows: int) -> str:
    values = "(?, " + ", ".join("?" * len(_SUBJECT_BOUND)) + ", NULL)"
    return (
        f"INSERT INTO audit_subjects ({', '.join(_SUBJECT_COLUMNS)})"
        f" VALUES {', '.join([values] * rows)}"
    )


async def insert_batch(
    conn: Any,
    entry: dict[str, Any],
    subjects: list[dict[str, Any]],
    *,
    started: Callable[[], None] | None = None,
) -> int:
    """Insert an entry and its subject rows; returns the entry's id. ``started`` is called just
    before the rows leave for the database.

    The rows go in large statements (one on PostgreSQL, up to 4,000 rows each on SQLite) rather
    than row by row: the database then does the work without taking turns with the event loop
    for each row, so it overlaps what the request does meanwhile."""
    entry_id = int(
        (
            await conn.execute(audit_entries.insert().returning(audit_entries.c.id), entry)
        ).scalar_one()
    )
    if conn.dialect.name == "postgresql":
        if started is not None:
            started()
        if subjects:
            values = {c: [r[c] for r in subjects] for c in _SUBJECT_COLUMNS if c != "entry_id"}
            await conn.execute(_pg_subjects_insert(), {"entry_id": entry_id, **values})
        return entry_id
    # SQLite: a few statements of up to 4,000 rows (the same number in each), all of them in
    # one call to the driver, so they run on the driver's thread without waiting for the event
    # loop; the odd rows (fewer than the statements) go first.
    get = itemgetter(*_SUBJECT_BOUND)

    def params(chunk: list[dict[str, Any]]) -> tuple[Any, ...]:
        out: list[Any] = []
        for row in chunk:
            out.append(entry_id)
            out.extend(get(row))
        return tuple(out)

    statements = -(-len(subjects) // _SQLITE_ROWS_PER_STATEMENT)
    size = len(subjects) // statements if statements else 0
    whole = size * statements
    if whole < len(subjects):
        rest = subjects[whole:]
        await conn.exec_driver_sql(_sqlite_subjects_insert(len(rest)), params(rest))
    if started is not None:
        started()
    if whole:
        await conn.exec_driver_sql(
            _sqlite_subjects_insert(size),
            [params(subjects[k : k + size]) for k in range(0, whole, size)],
        )
    return entry_id


@functools.cache
def _pg_subjects_insert() -> Any:
    from sqlalchemy import text

    types = {
        "position": "integer[]",
        "subject_kind": "varchar[]",
        "subject_index": "varchar[]",
        "outcome": "varchar[]",
        "content": "text[]",
        "salt": "bytea[]",
        "content_hash": "bytea[]",
        "redacted_at": "timestamptz[]",
    }
    columns = ", ".join(_SUBJECT_COLUMNS)
    arrays = ", ".join(f"CAST(:{c} AS {t})" for c, t in types.items())
    return text(
        f"INSERT INTO audit_subjects ({columns})"
        f" SELECT CAST(:entry_id AS bigint), * FROM unnest({arrays})"
    )


async def bound_wait(conn: Any, seconds: float) -> None:
    """On PostgreSQL, a locked audit table or a stuck statement fails this transaction after
    ``seconds`` instead of holding the request. (On SQLite the engine's busy timeout is the
    bound: see hub.db.engine.create_hub_engine.)"""
    if conn.dialect.name == "postgresql":
        ms = max(1, int(seconds * 1000))
        await conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
        await conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")


def deadline(conn_or_engine: Any, seconds: float) -> Any:
    """A last-resort asyncio bound on PostgreSQL, where cancelling is safe (the driver sends a
    cancel request and the connection is dropped); none on SQLite, where a cancelled wait
    would leave the driver's thread to take the lock after the caller gave up."""
    dialect = getattr(conn_or_engine, "dialect", None)
    if dialect is not None and dialect.name == "sqlite":
        return contextlib.nullcontext()
    return asyncio.timeout(seconds + 1)


class AuditLog:
    def __init__(
        self, engine: AsyncEngine, keys: AuditKeys, flags: FlagTracker, write_timeout: float = 5.0
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.flags = flags
        self.write_timeout = write_timeout  # seconds a write may wait, then AUDIT_UNAVAILABLE
        self.failing_since: datetime | None = None  # the first failed write since the last good one
        self.last_failure: str | None = None
        self._pending: list[tuple[list[dict[str, Any]], list[Any], asyncio.Future[None]]] = []
        self._busy = False
        self._task: asyncio.Task[None] | None = None

    # --- building ---------------------------------------------------------------------------

    def rows(
        self, context: Any, accesses: Sequence[AccessRecord], data: Any, errors: Sequence[Any]
    ) -> list[dict[str, Any]]:
        principal = context.principal
        now = datetime.now(UTC)
        latency_ms = round((time.perf_counter() - context.started) * 1000, 2)
        connectors = dict(context.loaders.outcomes)
        out = []
        for access in accesses:
            outcome = _outcome(access, data, errors)
            index = self.keys.blind_index(access.subject_id) if access.subject_id else None
            content = content_json(
                {
                    "subject": self.keys.encrypt(access.subject_id) if access.subject_id else None,
                    "fields": {
                        "granted": access.granted,
                        "masked": access.masked,
                        "denied": access.denied,
                    },
                    "connectors": connectors,
                    "latencyMs": latency_ms,
                    "client": context.client,
                    **(
                        {"upstreamRequestId": context.upstream_request_id}
                        if getattr(context, "upstream_request_id", None)
                        else {}
                    ),
                    "reason": access.reason,
                    "detail": access.detail,
                }
            ).decode()
            salt = new_salt()
            out.append(
                {
                    "occurred_at": now,
                    "request_id": context.request_id,
                    "user_id": principal.sub,
                    "org": principal.org,
                    "roles": " ".join(principal.roles),
                    "case_number": access.case_number,
                    "action": access.action,
                    "subject_kind": access.subject_kind,
                    "subject_index": index,
                    "outcome": outcome,
                    "flags": " ".join(
                        self.flags.flags(
                            user=principal.sub,
                            org=principal.org,
                            access=access,
                            outcome=outcome,
                            subject_index=index,
                            now=now,
                        )
                    ),
                    "content": content,
                    "salt": salt,
                    "content_hash": content_hash(salt, content),
                    "redacted_at": None,
                    "subjects_hash": None,
                }
            )
        return out

    async def record_in(self, conn: Any, context: Any, accesses: Sequence[AccessRecord]) -> None:
        """Write entries in the caller's transaction: a change (an order's transition, a list
        entry) and its audit entry are committed together or not at all."""
        try:
            async with deadline(conn, self.write_timeout):
                await bound_wait(conn, self.write_timeout)
                await insert_entries(conn, self.rows(context, accesses, None, ()))
        except Exception as exc:
            log.error("audit write in a transaction failed: %s", type(exc).__name__)
            raise AuditUnavailable(
                "the audit log cannot be written, so nothing was changed; try again later or"
                " tell the operator"
            ) from exc

    def seal(self, subject_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(ciphertext, blind index) of each subject id, for :meth:`check_entry`."""
        encrypt, index = self.keys.encrypt, self.keys.blind_index
        nonces = os.urandom(12 * len(subject_ids))  # one system call, not one per subject
        return [
            (encrypt(s, nonces[12 * i : 12 * i + 12]), index(s)) for i, s in enumerate(subject_ids)
        ]

    def check_entry(
        self,
        context: Any,
        matter: str,
        checks: Sequence[tuple[str, str, str, list[str]]],
        sealed: Sequence[tuple[str, str]],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The entry of a sanction check, one or many subjects: (kind, id, BLOCK|ALLOW, entry
        ids) each. One entry (action SANCTION_CHECK, no subject of its own) and one subject row
        per subject in the order asked, with its decision and the entries behind it; the entry
        commits to the rows through ``subjects_hash``."""
        blocked = sum(decision == "BLOCK" for _, _, decision, _ in checks)
        return self._many(
            context,
            action="SANCTION_CHECK",
            case_number=None,
            detail={"matter": matter, "subjects": len(checks), "blocked": blocked},
            subjects=[
                (kind, decision, {"subject": cipher, "entries": entries}, index)
                for (kind, _, decision, entries), (cipher, index) in zip(
                    checks, sealed, strict=True
                )
            ],
        )

    def batch_entry(
        self, context: Any, record: BatchRecord
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The entry of a list of subjects served by one field (:class:`BatchRecord`)."""
        sealed = self.seal([subject_id for _, subject_id in record.subjects])
        return self._many(
            context,
            action=record.action,
            case_number=record.case_number,
            detail={**record.detail, "subjects": len(record.subjects)},
            subjects=[
                (kind, "OK", {"subject": cipher}, index)
                for (kind, _), (cipher, index) in zip(record.subjects, sealed, strict=True)
            ],
        )

    def _many(
        self,
        context: Any,
        *,
        action: str,
        case_number: str | None,
        detail: dict[str, Any],
        subjects: Sequence[tuple[str, str, dict[str, Any], str]],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One entry (no subject of its own) and a row per (kind, outcome, contents, blind
        index), in order; the entry commits to the rows through ``subjects_hash``."""
        principal = context.principal
        salts = os.urandom(16 * len(subjects))
        rows = []
        for position, (kind, outcome, contents, index) in enumerate(subjects):
            content = content_json(contents).decode()
            salt = salts[16 * position : 16 * position + 16]
            rows.append(
                {
                    "position": position,
                    "subject_kind": kind,
                    "subject_index": index,
                    "outcome": outcome,
                    "content": content,
                    "salt": salt,
                    "content_hash": content_hash(salt, content),
                    "redacted_at": None,
                }
            )
        content = content_json({"client": context.client, "detail": detail}).decode()
        salt = new_salt()
        entry = {
            "occurred_at": datetime.now(UTC),
            "request_id": context.request_id,
            "user_id": principal.sub,
            "org": principal.org,
            "roles": " ".join(principal.roles),
            "case_number": case_number,
            "action": action,
            "subject_kind": None,
            "subject_index": None,
            "outcome": "OK",
            "flags": "",  # lists and automatic checks: volume and hours are their normal work
            "content": content,
            "salt": salt,
            "content_hash": content_hash(salt, content),
            "redacted_at": None,
            "subjects_hash": subjects_hash(rows),
        }
        return entry, rows

    async def record_system(
        self,
        *,
        action: str,
        case_number: str | None,
        subject_kind: str | None,
        subject_id: str | None,
        detail: dict[str, Any],
    ) -> None:
        """An entry for what the hub did on its own (order delivery, lapse, a waiting order
        taking effect): the actor is the hub."""
        now = datetime.now(UTC)
        content = content_json(
            {
                "subject": self.keys.encrypt(subject_id) if subject_id else None,
                "detail": detail,
            }
        ).decode()
        salt = new_salt()
        await self.append(
            [
                {
                    "occurred_at": now,
                    "request_id": "-",
                    "user_id": "hub",
                    "org": "hub:system",
                    "roles": "system",
                    "case_number": case_number,
                    "action": action,
                    "subject_kind": subject_kind,
                    "subject_index": self.keys.blind_index(subject_id) if subject_id else None,
                    "outcome": "OK",
                    "flags": "",
                    "content": content,
                    "salt": salt,
                    "content_hash": content_hash(salt, content),
                    "redacted_at": None,
                    "subjects_hash": None,
                }
            ]
        )

    # --- writing ----------------------------------------------------------------------------

    async def append(self, rows: list[dict[str, Any]], *, also: Sequence[Any] = ()) -> None:
        """Returns once the rows are committed; raises AuditUnavailable otherwise.

        ``also``: coroutine functions ``fn(conn)`` run in the same transaction (counters kept
        with the entries they count), so both are written or neither.
        """
        if not rows and not also:
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((rows, list(also), future))
        if not self._busy:
            self._busy = True
            self._task = loop.create_task(self._flush())
        await future

    async def append_check(
        self,
        entry: dict[str, Any],
        subjects: list[dict[str, Any]],
        *,
        also: Sequence[Any] = (),
        started: Callable[[], None] | None = None,
    ) -> None:
        """An entry with its subject rows (:meth:`check_entry`), group-committed like
        :meth:`append`, with ``also`` in the same transaction. ``started`` is called when the
        rows are on their way to the database."""

        async def write(conn: Any) -> None:
            await insert_batch(conn, entry, subjects, started=started)

        await self.append([], also=[write, *also])

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                rows = [row for rs, _, _ in batch for row in rs]
                try:
                    async with (
                        deadline(self.engine, self.write_timeout),
                        self.engine.begin() as conn,
                    ):
                        await bound_wait(conn, self.write_timeout)
                        if rows:
                            await insert_entries(conn, rows)
                        for _, also, _ in batch:
                            for fn in also:
                                await fn(conn)
                except Exception as exc:
                    log.error("audit write of %d entries failed: %s", len(rows), type(exc).__name__)
                    if self.failing_since is None:
                        self.failing_since = datetime.now(UTC)
                    self.last_failure = type(exc).__name__
                    for _, _, future in batch:
                        if not future.done():
                            future.set_exception(
                                AuditUnavailable(
                                    "the audit log cannot be written, so no data is released;"
                                    " try again later or tell the operator"
                                )
                            )
                else:
                    self.failing_since = None
                    for _, _, future in batch:
                        if not future.done():
                            future.set_result(None)
        finally:
            self._busy = False
