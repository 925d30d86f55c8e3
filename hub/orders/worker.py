"""The order worker: delivers the outbox to the agencies with retries, lapses expired measures.

Two kinds of outbox row: DELIVER puts a new order in the agency's inbox; ANNOTATE sends an
accepted order's current state (rank, status, term) to the agency's own records through its
source, which keeps one annotation per order, so a repeated send changes nothing.

Every minute (:func:`lapse_expired`), on the court's calendar: the registers of the agencies the
hub reaches embedded lapse their own measures whose term ended (the register is the agency's:
an agency service, ``fyt agency serve``, runs the same job on its own database, and the hub
never does it over the network); the hub's orders whose term ended lapse (查封规定 第二十七条);
then every asset with a waiting order that may move is settled against its agency's register
(:func:`hub.orders.service.settle`): an order held for an earlier-served one's answer takes
its place, and the first in line takes effect once nothing ahead of it is active.

Several workers may run (hub replicas, `fyt worker`): on PostgreSQL each takes outbox rows with
``FOR UPDATE SKIP LOCKED``; on SQLite the database's write lock serialises them. Delivery is
applied once at the agency even if a row is delivered twice (a delivered order ignores it).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.engine import lock_for_write
from hub.orders import service
from hub.orders.models import outbox
from hub.periodic import Periodic

log = logging.getLogger("hub.orders")
MAX_BACKOFF = 300.0


def backoff(attempts: int) -> float:
    """Seconds before the next attempt: exponential with jitter, capped."""
    return min(MAX_BACKOFF, 2.0**attempts) * random.uniform(0.5, 1.0)


async def _annotate(conn: Any, order_id: str, sources: Mapping[str, Any]) -> None:
    annotation = await service.annotation_of(conn, order_id)
    order = await service.get_order(conn, order_id)
    source = sources.get(order["agency"])
    if source is None or not hasattr(source, "annotate"):
        raise RuntimeError(f"no source of {order['agency']} takes annotations")
    await source.annotate(annotation)


async def deliver_pending(
    engine: AsyncEngine,
    *,
    sources: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    fail: Any = None,
) -> list[service.Transition]:
    """One pass over the outbox. ``fail(order_id)`` may raise to simulate an agency failure."""
    now = now or service.utcnow()
    transitions: list[service.Transition] = []
    async with engine.begin() as conn:
        await lock_for_write(conn)
        rows = await service.pending_deliveries(conn, now=now)
        for row in rows:
            try:
                async with conn.begin_nested():
                    if fail is not None:
                        fail(row.order_id)
                    if row.action == "ANNOTATE":
                        await _annotate(conn, row.order_id, sources or {})
                    else:
                        transitions += await service.deliver(conn, row.order_id, now=now)
                    await conn.execute(
                        update(outbox)
                        .where(outbox.c.id == row.id)
                        .values(done_at=now, attempts=row.attempts + 1)
                    )
            except Exception as exc:  # the agency did not take it: try again later
                log.warning(
                    "%s of %s failed (attempt %d): %s",
                    row.action.lower(),
                    row.order_id,
                    row.attempts + 1,
                    type(exc).__name__,
                )
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(
                        attempts=row.attempts + 1,
                        last_error=f"{type(exc).__name__}: {exc}"[:500],
                        next_attempt_at=now + timedelta(seconds=backoff(row.attempts + 1)),
                    )
                )
    return transitions


async def lapse_expired(
    engine: AsyncEngine,
    *,
    sources: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> list[service.Transition]:
    """The registers reached embedded lapse their ended measures, then the hub's, then the
    waiting lines that may move are settled (see the module's docstring)."""
    now = now or service.utcnow()
    sources = sources or {}
    today = service.court_day(now)
    for name, source in sources.items():
        if getattr(source, "remote", False) or not hasattr(source, "lapse"):
            continue
        try:
            await source.lapse(today)
        except Exception as exc:  # the agency's own job; the next pass tries again
            log.warning("lapsing %s's register failed: %s", name, type(exc).__name__)
    async with engine.begin() as conn:
        await lock_for_write(conn)
        transitions = await service.lapse(conn, now=now)
    return transitions + await settle_waiting(engine, sources=sources, now=now)


async def settle_waiting(
    engine: AsyncEngine, *, sources: Mapping[str, Any], now: datetime | None = None
) -> list[service.Transition]:
    """Settle every asset with a waiting order that may move against its agency's register
    (one batch look-up per agency); an agency that cannot be read waits for the next pass."""
    now = now or service.utcnow()
    async with engine.connect() as conn:
        assets = await service.assets_to_settle(conn)
    by_agency: dict[str, list[tuple[str, str]]] = {}
    for asset_type, asset_id in assets:
        by_agency.setdefault(service.AGENCY_OF[asset_type], []).append((asset_type, asset_id))
    transitions: list[service.Transition] = []
    for agency, agency_assets in by_agency.items():
        source = sources.get(agency)
        if source is None:
            continue
        try:
            registers = await source.measures([asset_id for _, asset_id in agency_assets])
        except Exception as exc:
            log.warning("reading %s's register failed: %s", agency, type(exc).__name__)
            continue
        async with engine.begin() as conn:
            await lock_for_write(conn)
            for asset_type, asset_id in agency_assets:
                await service.lock_asset(conn, asset_type, asset_id)
                transitions += await service.settle(
                    conn,
                    asset_type,
                    asset_id,
                    register=registers.get(asset_id, []),
                    now=now,
                )
    return transitions


class OrderWorker(Periodic):
    """Delivers the outbox every ``interval`` seconds; every minute lapses expired measures and
    settles the waiting lines that may move."""

    name = "order worker"

    def __init__(
        self,
        engine: AsyncEngine,
        on_transitions: Any = None,
        interval: float = 0.5,
        sources: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(interval)
        self.engine = engine
        self.sources = sources or {}
        self.on_transitions = on_transitions
        self._ticks = 0

    async def tick(self) -> None:
        transitions = await deliver_pending(self.engine, sources=self.sources)
        if self._ticks % max(1, round(60 / self.interval)) == 0:
            transitions += await lapse_expired(self.engine, sources=self.sources)
        self._ticks += 1
        if transitions and self.on_transitions is not None:
            await self.on_transitions(transitions)
