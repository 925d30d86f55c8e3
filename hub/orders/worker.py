"""The order worker: delivers the outbox to the agencies with retries, lapses expired measures.

Several workers may run (hub replicas, `fyt worker`): on PostgreSQL each takes outbox rows with
``FOR UPDATE SKIP LOCKED``; on SQLite the database's write lock serialises them. Delivery is
applied once at the agency even if a row is delivered twice (a delivered order ignores it).
"""

from __future__ import annotations

import logging
import random
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


async def deliver_pending(
    engine: AsyncEngine, *, now: datetime | None = None, fail: Any = None
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
                    transitions += await service.deliver(conn, row.order_id, now=now)
                    await conn.execute(
                        update(outbox)
                        .where(outbox.c.id == row.id)
                        .values(done_at=now, attempts=row.attempts + 1)
                    )
            except Exception as exc:  # the agency did not take it: try again later
                log.warning(
                    "delivery of %s failed (attempt %d): %s",
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
    engine: AsyncEngine, *, now: datetime | None = None
) -> list[service.Transition]:
    async with engine.begin() as conn:
        await lock_for_write(conn)
        return await service.lapse(conn, now=now or service.utcnow())


class OrderWorker(Periodic):
    """Delivers the outbox every ``interval`` seconds and lapses expired measures every minute."""

    name = "order worker"

    def __init__(
        self, engine: AsyncEngine, on_transitions: Any = None, interval: float = 0.5
    ) -> None:
        super().__init__(interval)
        self.engine = engine
        self.on_transitions = on_transitions
        self._ticks = 0

    async def tick(self) -> None:
        transitions = await deliver_pending(self.engine)
        if self._ticks % max(1, round(60 / self.interval)) == 0:
            transitions += await lapse_expired(self.engine)
        self._ticks += 1
        if transitions and self.on_transitions is not None:
            await self.on_transitions(transitions)
