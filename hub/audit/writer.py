"""The audit log's writer: entries group-committed, durable before release, bounded in time.

Requests hand their entries to :class:`AuditLog`, which writes everything pending in one
transaction (group commit: one transaction in flight, entries arriving meanwhile leave together
in the next), and each request waits for its own commit. If the write fails, the request gets
``AUDIT_UNAVAILABLE`` and no data (fail closed). The rows themselves are built in
:mod:`hub.audit.rows`, the anomaly flags decided in :mod:`hub.audit.flags`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit import rows as audit_rows
from hub.audit.entries import AccessRecord, BatchRecord
from hub.audit.flags import FlagTracker, shared_flags
from hub.audit.keys import AuditKeys
from hub.audit.rows import insert_batch, insert_entries, insert_small_batches
from hub.db.engine import bounded_engine
from hub.errors import AuditUnavailable


class _HubActor:
    """The actor of what the hub does on its own, shaped as an operation's context."""

    class principal:
        sub, org, roles = "hub", "hub:system", ("system",)

    request_id = "-"
    client = None


_HUB = _HubActor()

log = logging.getLogger("hub.audit")
_BOUND_WAIT = text(
    "SELECT set_config('lock_timeout', :ms, true), set_config('statement_timeout', :ms, true)"
)


async def bound_wait(conn: Any, seconds: float) -> None:
    """On PostgreSQL, a locked audit table or a stuck statement fails this transaction after
    ``seconds`` instead of holding the request: for writes in a caller's transaction (the group
    commit's own connections carry the bound: hub.db.engine.bounded_engine). (On SQLite the
    engine's busy timeout is the bound: see hub.db.engine.create_hub_engine.)"""
    if conn.dialect.name == "postgresql":
        ms = str(max(1, int(seconds * 1000)))
        # both as SET LOCAL (is_local: until the transaction ends), in one round trip: the
        # group commit pays it once per transaction
        await conn.execute(_BOUND_WAIT, {"ms": ms})


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
        # the group commit's engine: on PostgreSQL its connections carry the write timeout
        self.writer = bounded_engine(engine, write_timeout)
        self.keys = keys
        self.flags = flags
        self.write_timeout = write_timeout  # seconds a write may wait, then AUDIT_UNAVAILABLE
        self.failing_since: datetime | None = None  # the first failed write since the last good one
        self.last_failure: str | None = None
        # (entry rows, functions run in the transaction, entries with subject rows, future)
        self._pending: list[
            tuple[list[dict[str, Any]], list[Any], list[Any], asyncio.Future[None]]
        ] = []
        self._busy = False
        self._task: asyncio.Task[None] | None = None

    # --- building (with this log's keys and flags; see hub.audit.rows) ---------------------

    def rows(
        self, context: Any, accesses: Sequence[AccessRecord], data: Any, errors: Sequence[Any]
    ) -> list[dict[str, Any]]:
        """An entry per subject a request touched (:func:`hub.audit.rows.access_rows`)."""
        return audit_rows.access_rows(self.keys, self.flags, context, accesses, data, errors)

    def entries(
        self, context: Any, accesses: Sequence[AccessRecord], data: Any, errors: Sequence[Any]
    ) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
        """The entries of :meth:`rows`, those carrying subjects shown apart with their subject
        rows (:func:`hub.audit.rows.access_entries`)."""
        return audit_rows.access_entries(self.keys, self.flags, context, accesses, data, errors)

    def seal(self, subject_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(ciphertext, blind index) of each subject id, for :meth:`check_entry`."""
        return audit_rows.seal(self.keys, subject_ids)

    def check_entry(
        self,
        context: Any,
        matter: str,
        checks: Sequence[tuple[str, str, str, list[str]]],
        sealed: Sequence[tuple[str, str]],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The entry of a sanction check and its subject rows
        (:func:`hub.audit.rows.check_entry`)."""
        return audit_rows.check_entry(self.flags, context, matter, checks, sealed)

    def batch_entry(
        self, context: Any, record: BatchRecord
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The entry of a list of subjects served by one field (:class:`BatchRecord`)."""
        return audit_rows.batch_entry(self.keys, self.flags, context, record)

    # --- writing ----------------------------------------------------------------------------

    async def record_in(self, conn: Any, context: Any, accesses: Sequence[AccessRecord]) -> None:
        """Write entries in the caller's transaction: a change (an order's transition, a list
        entry) and its audit entry are committed together or not at all."""
        try:
            async with deadline(conn, self.write_timeout):
                await bound_wait(conn, self.write_timeout)
                rows = self.rows(context, accesses, None, ())
                await shared_flags(conn, rows, self.flags)
                await insert_entries(conn, rows)
        except Exception as exc:
            log.error("audit write in a transaction failed: %s", type(exc).__name__)
            raise AuditUnavailable(
                "the audit log cannot be written, so nothing was changed; try again later or"
                " tell the operator"
            ) from exc

    async def record_system_in(self, conn: Any, records: Sequence[dict[str, Any]]) -> None:
        """Entries for what the hub did on its own, in the caller's transaction (a sanction
        entry deleted when its term ended, with its change): each record has ``action``,
        ``case_number``, ``subject_kind``, ``subject_id`` and ``detail``."""
        try:
            async with deadline(conn, self.write_timeout):
                await bound_wait(conn, self.write_timeout)
                await insert_entries(
                    conn, [audit_rows.system_row(self.keys, **record) for record in records]
                )
        except Exception as exc:
            log.error("audit write in a transaction failed: %s", type(exc).__name__)
            raise AuditUnavailable(
                "the audit log cannot be written, so nothing was changed; try again later or"
                " tell the operator"
            ) from exc

    async def record_many_in(
        self,
        conn: Any,
        context: Any,
        *,
        action: str,
        case_number: str | None,
        detail: dict[str, Any],
        subjects: Sequence[tuple[str, str]],
    ) -> None:
        """One entry with a subject row per (kind, id), in the caller's transaction (an
        asynchronous 查控 request filed, or a bank's answer to it). ``context``: the caller's
        operation context, or None for the hub itself."""
        sealed = self.seal([subject_id for _, subject_id in subjects])
        entry, rows = audit_rows.many_entry(
            self.flags if context is not None else None,
            context if context is not None else _HUB,
            action=action,
            case_number=case_number,
            detail={**detail, "subjects": len(subjects)},
            subjects=[
                (kind, "OK", {"subject": cipher}, index)
                for (kind, _), (cipher, index) in zip(subjects, sealed, strict=True)
            ],
        )
        try:
            async with deadline(conn, self.write_timeout):
                await bound_wait(conn, self.write_timeout)
                await insert_batch(conn, entry, rows)
        except Exception as exc:
            log.error("audit write in a transaction failed: %s", type(exc).__name__)
            raise AuditUnavailable(
                "the audit log cannot be written, so nothing was changed; try again later or"
                " tell the operator"
            ) from exc

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
        await self.append(
            [
                audit_rows.system_row(
                    self.keys,
                    action=action,
                    case_number=case_number,
                    subject_kind=subject_kind,
                    subject_id=subject_id,
                    detail=detail,
                )
            ]
        )

    async def append(
        self,
        rows: list[dict[str, Any]],
        *,
        also: Sequence[Any] = (),
        batches: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]] = (),
    ) -> None:
        """Returns once the rows are committed; raises AuditUnavailable otherwise.

        ``also``: coroutine functions ``fn(conn)`` run in the same transaction (counters kept
        with the entries they count), so both are written or neither. ``batches``: entries with
        a few subject rows each (:meth:`batch_entry`); every one of a group commit is written
        in two statements.
        """
        if not rows and not also and not batches:
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((rows, list(also), list(batches), future))
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

    async def close(self) -> None:
        """Close the group commit's own connections (the hub's engine is its owner's)."""
        if self.writer is not self.engine:
            await self.writer.dispose()

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                rows = [row for rs, _, _, _ in batch for row in rs]
                small = [b for _, _, bs, _ in batch for b in bs]
                try:
                    async with (
                        deadline(self.writer, self.write_timeout),
                        self.writer.begin() as conn,
                    ):
                        if self.writer is self.engine:
                            await bound_wait(conn, self.write_timeout)
                        if rows or small:
                            # the entries with subject rows are refusals and look-ups too
                            await shared_flags(conn, rows + [e for e, _ in small], self.flags)
                        if rows:
                            await insert_entries(conn, rows)
                        await insert_small_batches(conn, small)
                        for _, also, _, _ in batch:
                            for fn in also:
                                await fn(conn)
                except Exception as exc:
                    log.error("audit write of %d entries failed: %s", len(rows), type(exc).__name__)
                    if self.failing_since is None:
                        self.failing_since = datetime.now(UTC)
                    self.last_failure = type(exc).__name__
                    for _, _, _, future in batch:
                        if not future.done():
                            future.set_exception(
                                AuditUnavailable(
                                    "the audit log cannot be written, so no data is released;"
                                    " try again later or tell the operator"
                                )
                            )
                else:
                    self.failing_since = None
                    for _, _, _, future in batch:
                        if not future.done():
                            future.set_result(None)
        finally:
            self._busy = False
