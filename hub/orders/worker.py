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

A freeze of deposits (DEPOSIT) is served on the bank's register when it is delivered: the bank
answers at once (in effect for what it took, or waiting), with its receipt signed by the bank's
key (:func:`hub.orders.service.bank_answer`); a refusal (no such account) rejects it. The bank
keeps the hub's order id, so a delivery repeated after a crash reads the same answer back. A
release or renewal reaches the bank as an annotation, and the freezes that then take effect at
the bank take effect in the hub (:func:`sync_banks`, after every annotation of a bank and every
minute). A deduction (DEDUCT) is served with its id as the bank's idempotency key: a delivery
retried or re-run after the bank moved the money reads the same transfer back, so money is never
moved twice (:mod:`hub.orders.deductions`).

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

from connectors import registry
from hub.db.engine import lock_for_write
from hub.orders import deductions, service
from hub.orders.models import outbox
from hub.orders.signing import OrderKeys
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


def _bank(order: dict[str, Any], sources: Mapping[str, Any]) -> Any:
    source = sources.get(order["agency"])
    if source is None or not hasattr(source, "serve_freeze"):
        raise RuntimeError(f"no source of {order['agency']} serves freezes of deposits")
    return source


async def _serve_on_bank(
    conn: Any, order_id: str, sources: Mapping[str, Any], keys: OrderKeys | None, now: datetime
) -> list[service.Transition]:
    """Deliver a freeze of deposits and record the bank register's answer."""
    if keys is None:
        raise RuntimeError("the worker has no order keys to sign the bank's receipt with")
    transitions = await service.deliver(conn, order_id, now=now)
    order = await service.get_order(conn, order_id)
    if order["status"] != "DELIVERED":
        return transitions
    notice = registry.records(order["agency"]).FreezeNotice(
        order_id=order_id,
        account_number=order["asset_id"],
        court=await deductions.court_name(conn, order["court_code"]),
        case_number=order["case_number"],
        ruling_number=order["ruling_number"],
        amount=order["amount"],
        currency=order["currency"],
        served_on=service.court_day(now),
    )
    try:
        record = await _bank(order, sources).serve_freeze(notice)
    except (LookupError, ValueError) as exc:  # the bank refused the notice: no retry helps
        reason = str(exc).strip("'\"")[:200] or type(exc).__name__
        return transitions + await service.bank_refused(conn, order_id, reason=reason, now=now)
    return transitions + await service.bank_answer(conn, order_id, record, keys=keys, now=now)


async def deliver_pending(
    engine: AsyncEngine,
    *,
    sources: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    fail: Any = None,
    keys: OrderKeys | None = None,
) -> list[service.Transition]:
    """One pass over the outbox. ``fail(order_id)`` may raise to simulate an agency failure;
    ``keys`` sign the banks' receipts (freezes of deposits, deductions)."""
    now = now or service.utcnow()
    transitions: list[service.Transition] = []
    annotated_banks: dict[str, set[str]] = {}
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
                        order = await service.get_order(conn, row.order_id)
                        if order["asset_type"] == "DEPOSIT":
                            annotated_banks.setdefault(order["agency"], set()).add(
                                order["asset_id"]
                            )
                    elif row.action == "DEDUCT":
                        transitions += await deductions.serve(
                            conn, row.deduction_id, sources=sources or {}, keys=keys, now=now
                        )
                    elif await _is_deposit(conn, row.order_id):
                        transitions += await _serve_on_bank(
                            conn, row.order_id, sources or {}, keys, now
                        )
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
    if annotated_banks:  # a release at a bank may have put waiting freezes into effect
        transitions += await sync_banks(
            engine,
            sources=sources or {},
            now=now,
            accounts={b: sorted(a) for b, a in annotated_banks.items()},
        )
    return transitions


async def _is_deposit(conn: Any, order_id: str) -> bool:
    return bool((await service.get_order(conn, order_id))["asset_type"] == "DEPOSIT")


async def sync_banks(
    engine: AsyncEngine,
    *,
    sources: Mapping[str, Any],
    now: datetime | None = None,
    accounts: Mapping[str, list[str]] | None = None,
) -> list[service.Transition]:
    """The hub's waiting freezes of deposits that their bank's register has put into effect
    take effect in the hub (one look-up per bank); a bank that cannot be read waits for the
    next pass. ``accounts``: only these (by bank), besides every account with a waiting one."""
    now = now or service.utcnow()
    async with engine.connect() as conn:
        wanted = await service.deposits_waiting(conn)
    for bank, more in (accounts or {}).items():
        wanted[bank] = sorted(set(wanted.get(bank, [])) | set(more))
    transitions: list[service.Transition] = []
    for bank, numbers in wanted.items():
        source = sources.get(bank)
        if source is None or not hasattr(source, "freezes"):
            continue
        try:
            registers = await source.freezes(numbers)
        except Exception as exc:
            log.warning("reading %s's register failed: %s", bank, type(exc).__name__)
            continue
        async with engine.begin() as conn:
            await lock_for_write(conn)
            transitions += await service.bank_sync(conn, registers, now=now)
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
    transitions += await settle_waiting(engine, sources=sources, now=now)
    return transitions + await sync_banks(engine, sources=sources, now=now)


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
        keys: OrderKeys | None = None,
    ) -> None:
        super().__init__(interval)
        self.engine = engine
        self.sources = sources or {}
        self.keys = keys
        self.on_transitions = on_transitions
        self._ticks = 0

    async def tick(self) -> None:
        transitions = await deliver_pending(self.engine, sources=self.sources, keys=self.keys)
        if self._ticks % max(1, round(60 / self.interval)) == 0:
            transitions += await lapse_expired(self.engine, sources=self.sources)
        self._ticks += 1
        if transitions and self.on_transitions is not None:
            await self.on_transitions(transitions)
