"""What the hub processes serving one database agree on through it: leases, the processes
serving, and the policy generations.

**Leases** (``hub_leases``): a background job that must run once for the whole hub — the audit
integrator, the order worker — runs only in the process that holds its lease. A lease is taken
and renewed with one conditional UPDATE (or the first INSERT), on the database's clock, so it
works alike on SQLite and PostgreSQL, through a connection pooler, and an operator can read who
holds what (``SELECT * FROM hub_leases``). It runs out ``ttl`` seconds after its last renewal:
a killed holder's jobs move to another process within that time. A process that stops cleanly
gives its leases up at once.

**Processes** (``hub_processes``): each serving process reports itself (host, pid, the policy
generation it serves) at every renewal; `fyt policy reload` reads who is serving from here.

**Policy generations** (``hub_policy_generations``): `fyt policy reload` records the policy files
it validated; every process follows the newest one (:class:`hub.runtime.PolicyFollower`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    String,
    Table,
    Text,
    case,
    delete,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.metadata import metadata
from hub.periodic import Periodic

log = logging.getLogger("hub")

hub_leases = Table(
    "hub_leases",
    metadata,
    Column("name", String(64), primary_key=True),  # audit-integrator, order-worker, ...
    Column("holder", String(200), nullable=False),  # host:pid:boot id of the process
    Column("taken_at", Float, nullable=False),  # seconds since the epoch, the database's clock
    Column("expires_at", Float, nullable=False),  # 0 once given up
)

hub_processes = Table(
    "hub_processes",
    metadata,
    Column("holder", String(200), primary_key=True),
    Column("host", String(128), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False),  # the last renewal, the database's clock
    Column("policy_generation", Integer, nullable=True),  # the generation it serves, if any
    Column("policy_digest", String(64), nullable=False),  # SHA-256 of the policy it serves
)

hub_policy_generations = Table(
    "hub_policy_generations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False),
    Column("files", Text, nullable=False),  # JSON: {file name: text}
    Column("recorded_at", Float, nullable=False),
    Column("recorded_by", String(200), nullable=False),
)

RENEW_SECONDS = 2.0  # how often a process renews its leases and reports itself
LEASE_SECONDS = 3 * RENEW_SECONDS  # a lease not renewed for this long is anyone's
FORGET_SECONDS = 3600.0  # a process not seen for this long is removed from hub_processes


def db_now(conn: AsyncConnection | AsyncEngine) -> ColumnElement[float]:
    """The database's clock in seconds since the epoch (one clock for every replica)."""
    if conn.dialect.name == "postgresql":
        return literal_column(
            "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)", Float
        )
    return literal_column("((julianday('now') - 2440587.5) * 86400.0)", Float)


def new_holder() -> str:
    """host:pid:boot id — a process restarted with the same pid is another holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


async def take_lease(engine: AsyncEngine, name: str, holder: str, ttl: float) -> bool:
    """Take or renew lease ``name`` for ``ttl`` seconds; False while another holds it."""
    async with engine.begin() as conn:
        now = db_now(conn)
        renewed = await conn.execute(
            update(hub_leases)
            .where(
                hub_leases.c.name == name,
                or_(hub_leases.c.holder == holder, hub_leases.c.expires_at < now),
            )
            .values(
                holder=holder,
                expires_at=now + ttl,
                taken_at=case((hub_leases.c.holder == holder, hub_leases.c.taken_at), else_=now),
            )
        )
        if renewed.rowcount == 1:
            return True
        values = {"name": name, "holder": holder, "taken_at": now, "expires_at": now + ttl}
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            created = await conn.execute(
                pg_insert(hub_leases).values(values).on_conflict_do_nothing(index_elements=["name"])
            )
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            created = await conn.execute(
                sqlite_insert(hub_leases)
                .values(values)
                .on_conflict_do_nothing(index_elements=["name"])
            )
        return created.rowcount == 1


async def give_up_leases(engine: AsyncEngine, names: Sequence[str], holder: str) -> None:
    """End ``holder``'s leases now (a clean stop): another process may take them at once."""
    if not names:
        return
    async with engine.begin() as conn:
        await conn.execute(
            update(hub_leases)
            .where(hub_leases.c.name.in_(list(names)), hub_leases.c.holder == holder)
            .values(expires_at=0.0)
        )


async def lease_holders(engine: AsyncEngine) -> dict[str, str]:
    """Lease name → holder, of the leases held now."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(hub_leases.c.name, hub_leases.c.holder).where(
                hub_leases.c.expires_at >= db_now(conn)
            )
        )
        return {name: holder for name, holder in rows}


@dataclass(frozen=True)
class ServingProcess:
    holder: str
    host: str
    pid: int
    policy_generation: int | None
    policy_digest: str


async def report_process(
    engine: AsyncEngine,
    holder: str,
    *,
    started_at: float,
    policy_generation: int | None,
    policy_digest: str,
) -> None:
    """Record that ``holder`` serves, and which policy; forget processes long gone."""
    values: dict[str, Any] = {
        "policy_generation": policy_generation,
        "policy_digest": policy_digest,
    }
    async with engine.begin() as conn:
        now = db_now(conn)
        seen = await conn.execute(
            update(hub_processes)
            .where(hub_processes.c.holder == holder)
            .values(seen_at=now, **values)
        )
        if seen.rowcount == 0:
            await conn.execute(
                delete(hub_processes).where(hub_processes.c.seen_at < now - FORGET_SECONDS)
            )
            await conn.execute(
                insert(hub_processes).values(
                    holder=holder,
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    started_at=started_at,
                    seen_at=now,
                    **values,
                )
            )


async def forget_process(engine: AsyncEngine, holder: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(hub_processes).where(hub_processes.c.holder == holder))


async def serving_processes(
    engine: AsyncEngine, within: float = LEASE_SECONDS
) -> list[ServingProcess]:
    """The processes that reported in the last ``within`` seconds."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(
                hub_processes.c.holder,
                hub_processes.c.host,
                hub_processes.c.pid,
                hub_processes.c.policy_generation,
                hub_processes.c.policy_digest,
            )
            .where(hub_processes.c.seen_at >= db_now(conn) - within)
            .order_by(hub_processes.c.host, hub_processes.c.pid)
        )
        return [ServingProcess(*row) for row in rows]


# --- policy generations ------------------------------------------------------------------------


def files_digest(files: Mapping[str, str]) -> str:
    """SHA-256 of the policy files (names and texts), hex."""
    canonical = json.dumps(dict(sorted(files.items())), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def record_policy_generation(
    engine: AsyncEngine, files: Mapping[str, str], recorded_by: str
) -> tuple[int, str]:
    """Record a policy generation; its id and digest."""
    digest = files_digest(files)
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(hub_policy_generations)
            .values(
                digest=digest,
                files=json.dumps(dict(files), ensure_ascii=False),
                recorded_at=time.time(),
                recorded_by=recorded_by,
            )
            .returning(hub_policy_generations.c.id)
        )
        return int(result.scalar_one()), digest


async def latest_policy_generation(engine: AsyncEngine) -> tuple[int, str] | None:
    """The newest generation's id and digest (the cheap query every process repeats)."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(hub_policy_generations.c.id, hub_policy_generations.c.digest)
                .order_by(hub_policy_generations.c.id.desc())
                .limit(1)
            )
        ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


async def policy_generation_files(engine: AsyncEngine, generation: int) -> dict[str, str]:
    async with engine.connect() as conn:
        text = (
            await conn.execute(
                select(hub_policy_generations.c.files).where(
                    hub_policy_generations.c.id == generation
                )
            )
        ).scalar_one()
    files = json.loads(text)
    return {str(k): str(v) for k, v in files.items()}


# --- the process's side ------------------------------------------------------------------------


class Job(Protocol):
    def start(self) -> None: ...

    async def stop(self) -> None: ...


class Leadership(Periodic):
    """Renews this process's leases every ``interval`` seconds and runs each singleton job only
    while its lease is held: started when taken, stopped when a renewal fails (the database
    unreachable, or another process took the lease after this one stalled past ``ttl``).

    ``report`` gives the policy (generation, digest) this process serves, for ``hub_processes``.
    """

    name = "lease renewal"

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        interval: float = RENEW_SECONDS,
        ttl: float | None = None,
        report: Callable[[], tuple[int | None, str]] | None = None,
        on_change: Callable[[str, bool], None] | None = None,
        on_processes: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(interval)
        self.engine = engine
        self.ttl = ttl if ttl is not None else 3 * interval
        self.holder = new_holder()
        self.started_at = time.time()
        self.report = report
        self.on_change = on_change
        self.on_processes = on_processes  # told how many processes serve, after each report
        self.jobs: dict[str, list[Job]] = {}
        self.held: set[str] = set()

    def add(self, name: str, *jobs: Job) -> None:
        """Run ``jobs`` (started in order, stopped in order) while lease ``name`` is held."""
        self.jobs.setdefault(name, []).extend(jobs)

    async def tick(self) -> None:
        if self.report is not None:
            generation, digest = self.report()
            try:
                await report_process(
                    self.engine,
                    self.holder,
                    started_at=self.started_at,
                    policy_generation=generation,
                    policy_digest=digest,
                )
            except Exception:
                log.exception("could not report this process in hub_processes")
            if self.on_processes is not None:
                try:
                    self.on_processes(max(1, len(await serving_processes(self.engine))))
                except Exception:
                    log.exception("could not count the processes in hub_processes")
        for name, jobs in self.jobs.items():
            try:
                holds = await take_lease(self.engine, name, self.holder, self.ttl)
            except Exception:
                log.exception("could not renew the lease %s", name)
                holds = False  # it may run out before the next try: stop now, to be safe
            if holds and name not in self.held:
                log.info("took the lease %s (%s)", name, self.holder)
                for job in jobs:
                    job.start()
                self.held.add(name)
                self._changed(name, True)
            elif not holds and name in self.held:
                log.warning("lost the lease %s; its jobs stop in this process", name)
                await self._stop_jobs(name)

    async def _stop_jobs(self, name: str) -> None:
        for job in self.jobs[name]:
            await job.stop()
        self.held.discard(name)
        self._changed(name, False)

    def _changed(self, name: str, held: bool) -> None:
        if self.on_change is not None:
            self.on_change(name, held)

    async def run(self) -> None:
        """Take what can be taken now, then keep renewing in the background."""
        try:
            await self.tick()
        except Exception:
            log.exception("%s failed; retrying", self.name)
        self.start()

    async def stop(self) -> None:
        """Stop renewing, stop the jobs, give the leases up and leave ``hub_processes``."""
        await super().stop()
        given = sorted(self.held)
        for name in given:
            await self._stop_jobs(name)
        try:
            await give_up_leases(self.engine, given, self.holder)
            await forget_process(self.engine, self.holder)
        except Exception:
            log.exception("could not give the leases up; they run out in %.0f s", self.ttl)

    def describe(self) -> dict[str, Any]:
        return {"holder": self.holder, "leases": sorted(self.held)}
