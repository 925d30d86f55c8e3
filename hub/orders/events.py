"""Order events for subscribers (``freezeOrderEvents``): an in-process fan-out.

Each hub process publishes the transitions it makes (mutations it serves, deliveries and lapses
of its worker) to its own subscribers. With several replicas behind a load balancer, a
subscriber sees the transitions its replica made; the order's history (``freezeOrder``) is
always complete.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("hub.orders")
QUEUE_LIMIT = 1000


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


def now() -> datetime:
    return datetime.now(UTC)


async def announce(runtime: Any, transitions: Iterable[Any]) -> None:
    """Publish committed transitions to this process's subscribers."""
    from hub.orders.service import get_order

    events = []
    async with runtime.engine.connect() as conn:
        for t in transitions:
            order = await get_order(conn, t.order_id)
            events.append(
                OrderEvent(
                    order_id=t.order_id,
                    event=t.event,
                    case_number=t.case_number,
                    agency=order["agency"],
                    court_code=order["court_code"],
                    at=now(),
                    detail=dict(t.detail),
                )
            )
    runtime.order_events.publish(events)
