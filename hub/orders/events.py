"""Order events for subscribers (``freezeOrderEvents``), fed from the order history table.

Every transition is a row of ``freeze_order_events``, committed with the transition, whoever
made it: a mutation on any replica, a ``fyt worker`` process, a lapse. Each hub process follows
that table (:class:`EventFeed`, a few times a second) and fans the new rows out to its own
subscribers, so a subscriber sees every transition of its case, whichever process made it.

Row ids are handed out before commit, so on PostgreSQL a row can become visible after one with a
higher id. The feed therefore looks back over the last ``LOOKBACK`` ids and remembers which it
has published: a late row is still published, and none is published twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.orders.models import freeze_order_events, freeze_orders
from hub.periodic import Periodic

log = logging.getLogger("hub.orders")
QUEUE_LIMIT = 1000
LOOKBACK = 256
BATCH = 1000
IDLE_TICKS = 10  # with nobody subscribed, the feed looks at the table every 10th tick


@dataclass(frozen=True)
class OrderEvent:
    order_id: str
    event: str
    case_number: str
    agency: str
    court_code: str
    at: datetime
    detail: dict[str, Any]


class OrderEventBus:
    def __init__(self) -> None:
        self._subscribers: set[tuple[asyncio.Queue[OrderEvent | None], Any]] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, events: Iterable[OrderEvent]) -> None:
        for event in events:
            for subscriber in list(self._subscribers):
                queue, wants = subscriber
                if not wants(event):
                    continue
                try:
                    queue.put_nowait(event)
                except asyncio.QueueFull:  # a subscriber that does not read is dropped
                    log.warning("dropping a slow order-event subscriber")
                    self._subscribers.discard(subscriber)
                    queue.put_nowait(None) if queue.empty() else None

    async def subscribe(self, wants: Any) -> AsyncIterator[OrderEvent]:
        queue: asyncio.Queue[OrderEvent | None] = asyncio.Queue(QUEUE_LIMIT)
        entry = (queue, wants)
        self._subscribers.add(entry)
        try:
            while True:
                event = await queue.get()
                if event is None:
                    return
                yield event
        finally:
            self._subscribers.discard(entry)


_TOP = select(func.coalesce(func.max(freeze_order_events.c.id), 0))


class EventFeed(Periodic):
    """Publishes the rows of ``freeze_order_events`` committed after it starts to a bus."""

    name = "order event feed"

    def __init__(self, engine: AsyncEngine, bus: OrderEventBus, interval: float = 0.2) -> None:
        super().__init__(interval)
        self.engine = engine
        self.bus = bus
        self._floor: int | None = None  # rows up to here are never published
        self._top = 0  # the highest id published
        self._seen: set[int] = set()  # ids published above ``_top - LOOKBACK``
        self._idle = 0

    async def tick(self) -> None:
        if self._floor is None or not self.bus.subscribers:
            # Nobody listens: keep up with the table without reading its rows, every
            # IDLE_TICKS ticks (a subscriber may get transitions of the last few seconds).
            self._idle += 1
            if self._floor is None or self._idle >= IDLE_TICKS:
                async with self.engine.connect() as conn:
                    self._floor = self._top = (await conn.execute(_TOP)).scalar_one()
                self._seen.clear()
                self._idle = 0
            return
        await self.poll()

    async def poll(self) -> int:
        """Publish the rows not published yet; how many."""
        top = self._top
        e, o = freeze_order_events.c, freeze_orders.c
        stmt = (
            select(e.id, e.order_id, e.event, e.at, e.detail, o.case_number, o.agency, o.court_code)
            .join_from(freeze_order_events, freeze_orders, o.id == e.order_id)
            .where(e.id > max(self._floor or 0, top - LOOKBACK))
            .order_by(e.id)
            .limit(BATCH + LOOKBACK)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        fresh = [r for r in rows if r.id not in self._seen]
        if fresh:
            self.bus.publish(
                OrderEvent(
                    order_id=r.order_id,
                    event=r.event,
                    case_number=r.case_number,
                    agency=r.agency,
                    court_code=r.court_code,
                    at=r.at,
                    detail=json.loads(r.detail),
                )
                for r in fresh
            )
            self._seen.update(r.id for r in fresh)
            self._top = max(top, fresh[-1].id)
            self._seen = {i for i in self._seen if i > self._top - LOOKBACK}
        return len(fresh)
