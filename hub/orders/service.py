"""Orders in the hub database: state changes, waiting lines, terms; callers own the transaction.

Every change of state is checked against the table of :mod:`hub.orders.states`; the actions
that use these steps, with their rules and audit entries, are in :mod:`hub.orders.workflow`.

The waiting line (轮候) of an asset is the agency's register (:class:`Measure`): the measures it
held before the hub or was served otherwise, and the hub's orders. 法发〔2004〕5号 第二十条:
"轮候查封登记的顺序按照人民法院送达协助执行通知书的时间先后进行排列。" So:

- an accepted order takes its place by the time it was served on the agency (``delivered_at``),
  whatever order the agency answers in: while an order served earlier on the same asset waits
  for the agency's answer, a later one the agency accepts is held (WAITING, no rank yet) and
  takes its place when every earlier one is answered (:func:`settle`);
- its place (``rank``) comes after every measure in the agency's register, so the measures the
  agency held before the hub, or was served otherwise, stay ahead of it;
- a waiting order takes effect (its term starting that court day) only when nothing ahead of it
  in the line is active and no other measure on the asset is in effect (查封规定 第二十六条:
  "查封、扣押、冻结解除的，登记在先的轮候查封、扣押、冻结即自动生效。");
- a measure in effect whose term ended lapses (查封规定 第二十七条), the hub's here
  (:func:`lapse`), the agency's in its register (:func:`connectors.base.annotations.settle`).

Every transition is recorded in ``freeze_order_events`` and returned to the caller for the audit
log and subscribers. Days are court days (:func:`hub.orders.terms.court_day`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, and_, exists, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.base.annotations import Annotation, Measure
from hub.cases.models import case_judges, cases, courts
from hub.db.types import UtcDateTime
from hub.errors import Conflict, NotFound, quoted
from hub.orders.models import freeze_order_events, freeze_orders, outbox
from hub.orders.receipts import check_registered_at
from hub.orders.signing import OrderKeys, order_document, receipt_document
from hub.orders.states import RENEWABLE, OrderStatus, check_move, may_become
from hub.orders.terms import (
    MAX_TERM_DAYS,
    MAX_TERM_MONTHS,
    Term,
    check_term,
    court_day,
    renewed_end,
)

__all__ = [
    "MAX_TERM_DAYS",
    "MAX_TERM_MONTHS",
    "Term",
    "check_term",
    "court_day",
]

AGENCY_OF = {
    "REAL_ESTATE": "real_estate",
    "VEHICLE": "public_security",
    "EQUITY": "market_supervision",
}
ACTIVE = ("EFFECTIVE", "WAITING")
# Transitions the agency registers on its own record of the asset (annotation sent by the worker).
ANNOTATED = frozenset({"WAITING", "EFFECTIVE", "RELEASED", "EXPIRED", "RENEWED"})


@dataclass(frozen=True)
class Transition:
    order_id: str
    event: str
    case_number: str
    detail: dict[str, Any]


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


def new_order_id(today: date) -> str:
    return f"FO-{today.year}-{secrets.token_hex(6).upper()}"


def term_of(order: Any) -> Term:
    """An order's term: calendar months, or days for orders that name them."""
    get = order.get if isinstance(order, dict) else lambda k: getattr(order, k)
    if get("term_months") is not None:
        return Term(months=get("term_months"))
    return Term(days=get("term_days"))


async def _event(
    conn: AsyncConnection,
    order_id: str,
    event: str,
    actor: str,
    detail: dict[str, Any],
    now: datetime,
    *,
    annotate: bool | None = None,
) -> None:
    await conn.execute(
        insert(freeze_order_events).values(
            order_id=order_id, at=now, event=event, actor=actor, detail=canonical(detail)
        )
    )
    if event in ANNOTATED if annotate is None else annotate:
        # In the same transaction as the transition: the agency's record follows it.
        await conn.execute(
            insert(outbox).values(
                order_id=order_id, action="ANNOTATE", attempts=0, next_attempt_at=now
            )
        )


async def get_order(conn: AsyncConnection, order_id: str, *, lock: bool = False) -> dict[str, Any]:
    stmt = select(freeze_orders).where(freeze_orders.c.id == order_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise no_order(order_id)
    return dict(row._mapping)


def no_order(order_id: str, withheld: str | None = None) -> NotFound:
    """NOT_FOUND for an order: one that does not exist and one the caller may not act on (another
    court's, a colleague's case's, addressed to another agency) are answered word for word alike,
    so an action tells nothing about orders the caller may not see (as ``freezeOrder(id)``).
    ``withheld`` is why the caller may not, for the audit record only (:class:`HubError`)."""
    error = NotFound(f"no order {order_id}")
    error.withheld = withheld
    return error


async def lock_asset(conn: AsyncConnection, asset_type: str, asset_id: str) -> None:
    """Serialise the waiting line of one asset (SQLite's write lock already does)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{asset_type}:{asset_id}"}
        )


async def submit(
    conn: AsyncConnection,
    *,
    payload: dict[str, Any],
    owner_id: str,
    court_code: str,
    actor: str,
    now: datetime,
    keys: OrderKeys,
) -> tuple[dict[str, Any], list[Transition]]:
    """A validated order; the same idempotency key with the same payload returns the same order."""
    digest = payload_hash(payload)
    existing = (
        await conn.execute(
            select(freeze_orders).where(
                freeze_orders.c.court_code == court_code,
                freeze_orders.c.idempotency_key == payload["idempotencyKey"],
            )
        )
    ).first()
    if existing is not None:
        if existing.payload_hash != digest:
            raise Conflict(
                f"idempotency key {quoted(payload['idempotencyKey'])} was used for a different order"
                f" ({existing.id}); use a new key for a new order"
            )
        return dict(existing._mapping), []
    order_id = new_order_id(court_day(now))
    row = {
        "id": order_id,
        "kind": payload["kind"],
        "asset_type": payload["assetType"],
        "asset_id": payload["assetId"],
        "agency": payload.get("agency") or AGENCY_OF[payload["assetType"]],
        "owner_id": owner_id,
        "court_code": court_code,
        "case_number": payload["caseNumber"],
        "ruling_number": payload["rulingNumber"],
        "term_months": payload.get("termMonths"),
        "term_days": payload.get("termDays"),
        "status": "SUBMITTED",
        "submitted_by": actor,
        "submitted_at": now,
        "renewals": 0,
        "idempotency_key": payload["idempotencyKey"],
        "payload_hash": digest,
        "updated_at": now,
        "amount": Decimal(payload["amount"]) if "amount" in payload else None,
        "frozen_amount": None,
        "currency": payload.get("currency"),
    }
    row["order_signature"] = keys.sign(f"court:{court_code}", order_document(row))
    await conn.execute(insert(freeze_orders).values(**row))
    # Written in the same transaction as the order: delivery cannot be lost.
    await conn.execute(
        insert(outbox).values(order_id=order_id, action="DELIVER", attempts=0, next_attempt_at=now)
    )
    await _event(conn, order_id, "SUBMITTED", actor, {"payloadHash": digest}, now)
    return row, [Transition(order_id, "SUBMITTED", row["case_number"], {})]


async def deliver(conn: AsyncConnection, order_id: str, *, now: datetime) -> list[Transition]:
    """The agency has received the order (applied once: a second delivery changes nothing)."""
    order = await get_order(conn, order_id, lock=True)
    if not may_become(order["status"], OrderStatus.DELIVERED):
        return []  # delivered already (a repeated delivery changes nothing)
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == order_id)
        .values(status="DELIVERED", delivered_at=now, updated_at=now)
    )
    await _event(conn, order_id, "DELIVERED", f"agency:{order['agency']}", {}, now)
    return [Transition(order_id, "DELIVERED", order["case_number"], {})]


def served(order: Any) -> tuple[Any, ...]:
    """When the order was served on the agency (送达), submission order breaking ties: the key
    of its place in the waiting line."""
    get = order.get if isinstance(order, dict) else lambda k: getattr(order, k)
    return (get("delivered_at"), get("submitted_at"), get("id"))


_LINE_COLUMNS = (
    freeze_orders.c.id,
    freeze_orders.c.status,
    freeze_orders.c.rank,
    freeze_orders.c.case_number,
    freeze_orders.c.delivered_at,
    freeze_orders.c.submitted_at,
    freeze_orders.c.term_months,
    freeze_orders.c.term_days,
)


async def settle(
    conn: AsyncConnection,
    asset_type: str,
    asset_id: str,
    *,
    register: Sequence[Measure] | None,
    now: datetime,
) -> list[Transition]:
    """Put the asset's waiting line in order, the asset locked (:func:`lock_asset`).

    Accepted orders without a place get one, in the order they were served, unless an order
    served earlier on the asset still waits for the agency's answer; the place comes after
    everything in the agency's ``register`` and every order of the hub's. Then the first order
    in line takes effect if nothing ahead of it is active and nothing else on the asset is in
    effect. ``register`` None (the agency could not be read) decides nothing: the worker's next
    pass does (:func:`assets_to_settle`).
    """
    if register is None:
        return []
    today = court_day(now)
    rows = [
        dict(r._mapping)
        for r in await conn.execute(
            select(*_LINE_COLUMNS).where(
                freeze_orders.c.asset_type == asset_type, freeze_orders.c.asset_id == asset_id
            )
        )
    ]
    ours = {r["id"] for r in rows}
    outside = [m for m in register if m.order_id is None or m.order_id not in ours]
    pending = [r for r in rows if r["status"] == "DELIVERED"]

    def unanswered_before(order: dict[str, Any]) -> list[str]:
        return [p["id"] for p in pending if served(p) < served(order)]

    top = max([r["rank"] for r in rows if r["rank"] is not None] + [m.rank for m in register] + [0])
    placed: list[dict[str, Any]] = []
    for order in sorted(
        (r for r in rows if r["status"] == "WAITING" and r["rank"] is None), key=served
    ):
        if unanswered_before(order):
            break  # held: its place is fixed when the earlier ones are answered
        top += 1
        order["rank"] = top
        await conn.execute(
            update(freeze_orders)
            .where(freeze_orders.c.id == order["id"])
            .values(rank=top, updated_at=now)
        )
        placed.append(order)
    promoted = await _promote(conn, rows, outside, unanswered_before, today=today, now=now)
    out = list(promoted)
    for order in placed:
        if order["id"] not in {t.order_id for t in promoted}:
            await _event(conn, order["id"], "WAITING", "hub", {"rank": order["rank"]}, now)
            out.append(
                Transition(order["id"], "WAITING", order["case_number"], {"rank": order["rank"]})
            )
    return out


async def _promote(
    conn: AsyncConnection,
    rows: list[dict[str, Any]],
    outside: list[Measure],
    unanswered_before: Callable[[dict[str, Any]], list[str]],
    *,
    today: date,
    now: datetime,
) -> list[Transition]:
    """The first order in line takes effect, its term starting ``today``, if nothing ahead of
    it is active (the agency's measures included) and nothing else on the asset is in effect."""
    if any(r["status"] == "EFFECTIVE" for r in rows):
        return []
    waiting = sorted(
        (r for r in rows if r["status"] == "WAITING" and r["rank"] is not None),
        key=lambda r: r["rank"],
    )
    if not waiting:
        return []
    nxt = waiting[0]
    if any(m.in_effect_on(today) for m in outside):
        return []  # the agency holds a measure in effect on the asset
    if any(m.active_on(today) and m.rank < nxt["rank"] for m in outside):
        return []  # one the agency holds is ahead in line
    if unanswered_before(nxt):
        return []
    expires = term_of(nxt).end(today)
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == nxt["id"])
        .values(status="EFFECTIVE", effective_from=today, expires_on=expires, updated_at=now)
    )
    nxt["status"] = "EFFECTIVE"
    await _event(
        conn,
        nxt["id"],
        "EFFECTIVE",
        "hub",
        {"rank": nxt["rank"], "expiresOn": expires.isoformat()},
        now,
    )
    return [Transition(nxt["id"], "EFFECTIVE", nxt["case_number"], {"rank": nxt["rank"]})]


async def _locked(conn: AsyncConnection, order_id: str) -> dict[str, Any]:
    """The order, its asset's waiting line locked first and then its row: an action that moves
    other orders of the line (:func:`settle`) never waits for a row another action holds while
    that one waits for the line."""
    order = await get_order(conn, order_id)
    await lock_asset(conn, order["asset_type"], order["asset_id"])
    return await get_order(conn, order_id, lock=True)


async def _delivered_to(
    conn: AsyncConnection, order_id: str, agency: str, target: OrderStatus, verb: str
) -> dict[str, Any]:
    """The order, locked, if it is addressed to ``agency`` and waits for its answer."""
    order = await _locked(conn, order_id)
    if order["agency"] != agency:
        raise no_order(order_id, "NOT_ADDRESSEE")  # another agency's: none for this one
    check_move(order_id, order["status"], target, verb)
    return order


async def accept(
    conn: AsyncConnection,
    order_id: str,
    *,
    agency: str,
    document_number: str,
    registered_at: datetime,
    actor: str,
    now: datetime,
    keys: OrderKeys,
    register: Sequence[Measure],
) -> list[Transition]:
    """The agency registers a delivered order; it takes its place in ``register``'s line by
    the time it was served (held while an order served earlier waits for an answer). The
    receipt's ``registered_at`` is checked against the service and now (:mod:`hub.orders.receipts`)."""
    order = await _delivered_to(conn, order_id, agency, OrderStatus.WAITING, "accepted")
    served = order["delivered_at"] or order["submitted_at"]
    registered_at = check_registered_at(registered_at, served_at=served, now=now)
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == order_id)
        .values(
            status="WAITING",
            rank=None,
            receipt_number=document_number,
            receipt_registered_at=registered_at,
            updated_at=now,
        )
    )
    await _event(conn, order_id, "ACCEPTED", actor, {"receipt": document_number}, now)
    transitions = await settle(
        conn, order["asset_type"], order["asset_id"], register=register, now=now
    )
    rank = (
        await conn.execute(select(freeze_orders.c.rank).where(freeze_orders.c.id == order_id))
    ).scalar()
    receipt = receipt_document(
        order,
        document_number=document_number,
        registered_at=registered_at.isoformat(),
        accepted_by=actor,
        rank=rank,
    )
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == order_id)
        .values(
            receipt=canonical(receipt), receipt_signature=keys.sign(f"agency:{agency}", receipt)
        )
    )
    if rank is None:
        behind = await _unanswered_before(conn, order)
        detail = {"rank": None, "behind": behind}
        await _event(conn, order_id, "WAITING", "hub", detail, now, annotate=False)
        transitions.insert(0, Transition(order_id, "WAITING", order["case_number"], detail))
    mine = [t for t in transitions if t.order_id == order_id]
    return [*mine, *(t for t in transitions if t.order_id != order_id)]


async def _unanswered_before(conn: AsyncConnection, order: dict[str, Any]) -> list[str]:
    """Orders on the same asset served before ``order`` that wait for the agency's answer."""
    rows = await conn.execute(
        select(*_LINE_COLUMNS).where(
            freeze_orders.c.asset_type == order["asset_type"],
            freeze_orders.c.asset_id == order["asset_id"],
            freeze_orders.c.status == "DELIVERED",
        )
    )
    return sorted(r.id for r in rows if served(r) < served(order))


async def reject(
    conn: AsyncConnection,
    order_id: str,
    *,
    agency: str,
    reason: str,
    actor: str,
    now: datetime,
    register: Sequence[Measure] | None = None,
) -> list[Transition]:
    """The agency refuses a delivered order; orders served after it may take their places."""
    order = await _delivered_to(conn, order_id, agency, OrderStatus.REJECTED, "rejected")
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == order_id)
        .values(status="REJECTED", closed_reason=reason, updated_at=now)
    )
    await _event(conn, order_id, "REJECTED", actor, {"reason": reason}, now)
    settled = await settle(conn, order["asset_type"], order["asset_id"], register=register, now=now)
    return [Transition(order_id, "REJECTED", order["case_number"], {"reason": reason}), *settled]


async def release(
    conn: AsyncConnection,
    order_id: str,
    *,
    court_code: str,
    ruling_number: str,
    reason: str,
    actor: str,
    now: datetime,
    register: Sequence[Measure] | None = None,
) -> list[Transition]:
    """解封: the order ends; the next in line takes effect if nothing else holds the asset."""
    order = await _locked(conn, order_id)
    if order["court_code"] != court_code:
        raise no_order(order_id, "OTHER_COURT")  # another court's: none for this one
    check_move(order_id, order["status"], OrderStatus.RELEASED, "released")
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == order_id)
        .values(
            status="RELEASED", release_ruling=ruling_number, closed_reason=reason, updated_at=now
        )
    )
    await _event(
        conn,
        order_id,
        "RELEASED",
        actor,
        {"ruling": ruling_number, "reason": reason},
        now,
        # an order released before it had a place was never in the agency's register
        annotate=order["rank"] is not None,
    )
    settled = await settle(conn, order["asset_type"], order["asset_id"], register=register, now=now)
    return [Transition(order_id, "RELEASED", order["case_number"], {}), *settled]


async def renew(
    conn: AsyncConnection,
    order_id: str,
    *,
    court_code: str,
    ruling_number: str,
    term: Term,
    window_days: int,
    actor: str,
    now: datetime,
) -> list[Transition]:
    """续行查封 / 续冻: an order in effect, in the last ``window_days`` days of its term, for at
    most the class's term from the day after its old end (:func:`hub.orders.terms.renewed_end`)."""
    order = await get_order(conn, order_id, lock=True)
    if order["court_code"] != court_code:
        raise no_order(order_id, "OTHER_COURT")  # another court's: none for this one
    if order["status"] not in RENEWABLE:
        raise Conflict(
            f"order {order_id} is {order['status']}; only an EFFECTIVE order can be renewed"
        )
    expires = renewed_end(
        order["asset_type"],
        expires_on=order["expires_on"],
        term=term,
        today=court_day(now),
        window_days=window_days,
    )
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == order_id)
        .values(expires_on=expires, renewals=order["renewals"] + 1, updated_at=now)
    )
    await _event(
        conn,
        order_id,
        "RENEWED",
        actor,
        {
            "ruling": ruling_number,
            "term": term.describe(),
            "previousEnd": order["expires_on"].isoformat(),
            "expiresOn": expires.isoformat(),
        },
        now,
    )
    return [
        Transition(order_id, "RENEWED", order["case_number"], {"expiresOn": expires.isoformat()})
    ]


async def lapse(conn: AsyncConnection, *, now: datetime) -> list[Transition]:
    """Orders in effect whose term ended before the court's day lapse (EXPIRED; 查封规定
    第二十七条). Who is next on each asset is decided with the agency's register, by the worker
    (:func:`assets_to_settle`, :func:`settle`)."""
    today = court_day(now)
    due = (
        await conn.execute(
            select(freeze_orders).where(
                freeze_orders.c.status == "EFFECTIVE", freeze_orders.c.expires_on < today
            )
        )
    ).all()
    out: list[Transition] = []
    for order in due:
        await lock_asset(conn, order.asset_type, order.asset_id)
        await conn.execute(
            update(freeze_orders)
            .where(freeze_orders.c.id == order.id)
            .values(status="EXPIRED", updated_at=now)
        )
        await _event(
            conn, order.id, "EXPIRED", "hub", {"expiredOn": order.expires_on.isoformat()}, now
        )
        out.append(Transition(order.id, "EXPIRED", order.case_number, {}))
    return out


async def assets_to_settle(conn: AsyncConnection) -> list[tuple[str, str]]:
    """Assets with a waiting order that may move: one without a place yet, or none of the
    hub's orders in effect on the asset (the agency's measure ahead may have ended)."""
    other = freeze_orders.alias("other")
    in_effect = exists().where(
        other.c.asset_type == freeze_orders.c.asset_type,
        other.c.asset_id == freeze_orders.c.asset_id,
        other.c.status == "EFFECTIVE",
    )
    rows = await conn.execute(
        select(freeze_orders.c.asset_type, freeze_orders.c.asset_id)
        .where(
            freeze_orders.c.status == "WAITING",
            freeze_orders.c.asset_type != "DEPOSIT",  # the bank's register settles those
            freeze_orders.c.rank.is_(None) | ~in_effect,
        )
        .distinct()
        .order_by(freeze_orders.c.asset_type, freeze_orders.c.asset_id)
    )
    return [(r[0], r[1]) for r in rows]


async def annotation_of(conn: AsyncConnection, order_id: str) -> Annotation:
    """The agency's annotation for an accepted order, as the order stands now."""
    order = await get_order(conn, order_id)
    if order["rank"] is None:
        raise Conflict(
            f"order {order_id} has no place in the waiting line; the agency has nothing to register"
        )
    court = (
        await conn.execute(select(courts.c.name).where(courts.c.code == order["court_code"]))
    ).scalar() or order["court_code"]
    return Annotation(
        order_id=order_id,
        asset_id=order["asset_id"],
        kind=order["kind"],
        court=court,
        case_number=order["case_number"],
        document_number=order["receipt_number"],
        rank=order["rank"],
        status=order["status"],
        start_date=order["effective_from"] or court_day(order["receipt_registered_at"]),
        end_date=order["expires_on"],
    )


def _orders(
    *,
    court_code: str | None,
    agency: str | None,
    case_number: str | None,
    status: str | None,
    asset_type: str | None,
    expiring_before: date | None,
    assigned_to: str | None,
) -> Any:
    """The orders a caller's scope and filter select (``assigned_to`` keeps the orders of the
    cases that judge is assigned to)."""
    stmt = select(freeze_orders)
    if assigned_to is not None:
        stmt = stmt.where(
            freeze_orders.c.case_number.in_(
                select(cases.c.case_number)
                .join(case_judges, case_judges.c.case_id == cases.c.id)
                .where(case_judges.c.judge_id == assigned_to)
            )
        )
    for column, value in (
        (freeze_orders.c.court_code, court_code),
        (freeze_orders.c.agency, agency),
        (freeze_orders.c.case_number, case_number),
        (freeze_orders.c.status, status),
        (freeze_orders.c.asset_type, asset_type),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if expiring_before is not None:
        stmt = stmt.where(
            freeze_orders.c.status == "EFFECTIVE", freeze_orders.c.expires_on <= expiring_before
        )
    return stmt


# What an owner is shown of the measures on its own assets (an enterprise party, 企业纾困360):
# the measures the agency registered — in effect, waiting in line, and those that ended after
# (released, lapsed). An order still on its way (submitted, delivered and unanswered) is not
# shown, so an owner cannot learn of a seizure before the register holds it and move the asset
# ahead of it; a rejected order never bound the asset.
REGISTERED = (
    OrderStatus.EFFECTIVE,
    OrderStatus.WAITING,
    OrderStatus.RELEASED,
    OrderStatus.EXPIRED,
)


async def measures_on_owner(conn: AsyncConnection, owner_id: str) -> list[dict[str, Any]]:
    """The registered measures (:data:`REGISTERED`) on assets of ``owner_id``, with the name of
    the court that ordered them: in effect and waiting first, then by the day they took effect."""
    o = freeze_orders.c
    ended = o.status.in_((OrderStatus.RELEASED.value, OrderStatus.EXPIRED.value))
    stmt = (
        select(
            o.id,
            o.kind,
            o.asset_type,
            o.asset_id,
            o.court_code,
            courts.c.name.label("court_name"),
            o.case_number,
            o.status,
            o.rank,
            o.effective_from,
            o.expires_on,
            o.term_months,
            o.term_days,
            o.renewals,
            o.amount,
            o.frozen_amount,
            o.currency,
        )
        .select_from(freeze_orders.outerjoin(courts, courts.c.code == o.court_code))
        .where(o.owner_id == owner_id, o.status.in_([s.value for s in REGISTERED]))
        .order_by(ended, o.effective_from.desc(), o.id)
    )
    return [dict(r._mapping) for r in await conn.execute(stmt)]


# When an order was served on the agency (its place in the line follows it); an order not yet
# delivered by the time of its submission.
SERVED_AT = func.coalesce(freeze_orders.c.delivered_at, freeze_orders.c.submitted_at)


async def list_orders(
    conn: AsyncConnection,
    *,
    court_code: str | None = None,
    agency: str | None = None,
    case_number: str | None = None,
    status: str | None = None,
    asset_type: str | None = None,
    expiring_before: date | None = None,
    assigned_to: str | None = None,
    first: int,
    after: tuple[datetime, str] | None,
    oldest_served_first: bool = False,
) -> list[dict[str, Any]]:
    """``first + 1`` rows, newest submitted first (or, ``oldest_served_first``, in the order
    they were served: the agency's inbox); ``after`` is the (moment, id) of the last order of
    the page before (``sort_key``)."""
    stmt = _orders(
        court_code=court_code,
        agency=agency,
        case_number=case_number,
        status=status,
        asset_type=asset_type,
        expiring_before=expiring_before,
        assigned_to=assigned_to,
    )
    id_ = freeze_orders.c.id
    if oldest_served_first:
        stmt = stmt.order_by(SERVED_AT, id_)
        if after is not None:
            stmt = stmt.where(
                or_(SERVED_AT > after[0], and_(SERVED_AT == after[0], id_ > after[1]))
            )
    else:
        submitted = freeze_orders.c.submitted_at
        stmt = stmt.order_by(submitted.desc(), id_.desc())
        if after is not None:
            stmt = stmt.where(
                or_(submitted < after[0], and_(submitted == after[0], id_ < after[1]))
            )
    return [dict(r._mapping) for r in await conn.execute(stmt.limit(first + 1))]


def sort_key(order: dict[str, Any], *, oldest_served_first: bool = False) -> tuple[datetime, str]:
    """The (moment, id) a page of :func:`list_orders` ends on, for the next page's ``after``."""
    if oldest_served_first:
        return order["delivered_at"] or order["submitted_at"], order["id"]
    return order["submitted_at"], order["id"]


async def count_orders(
    conn: AsyncConnection,
    *,
    court_code: str | None = None,
    agency: str | None = None,
    case_number: str | None = None,
    status: str | None = None,
    asset_type: str | None = None,
    expiring_before: date | None = None,
    assigned_to: str | None = None,
) -> int:
    """How many orders :func:`list_orders` finds on all its pages."""
    inner = (
        _orders(
            court_code=court_code,
            agency=agency,
            case_number=case_number,
            status=status,
            asset_type=asset_type,
            expiring_before=expiring_before,
            assigned_to=assigned_to,
        )
        .with_only_columns(freeze_orders.c.id)
        .subquery()
    )
    return int((await conn.execute(select(func.count()).select_from(inner))).scalar_one())


async def pending_deliveries(
    conn: AsyncConnection, *, now: datetime, limit: int = 100
) -> list[Any]:
    stmt = (
        select(outbox)
        .where(outbox.c.done_at.is_(None), outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(await conn.execute(stmt))


@dataclass(slots=True)
class WaitingLineRecord:
    """One measure in an asset's waiting line: an order of the hub's, or a measure the agency
    holds outside the hub (served on paper, registered before the hub: ``outside_hub``)."""

    order_id: str | None  # None outside the hub
    kind: str
    court_code: str | None  # None outside the hub (the register names the court)
    court: str | None
    case_number: str
    document_number: str | None  # the agency's registration (receipt) number
    rank: int | None  # None: held until an order served earlier is answered
    status: str  # EFFECTIVE / WAITING
    served_at: datetime | None  # when the order was served on the agency (the hub's orders)
    effective_from: date | None
    expires_on: date | None
    outside_hub: bool = False


def orders_by_asset(conn: Any, keys: Any) -> dict[str, list[WaitingLineRecord]]:
    """Batch look-up (synchronous, through the court source): the hub's active orders on each
    asset, keyed ``TYPE:ID``; :func:`waiting_line` puts them in line with the agency's register."""
    out: dict[str, list[WaitingLineRecord]] = {}
    for part in _chunks(list(keys), 400):
        clauses = []
        params: dict[str, Any] = {}
        for i, key in enumerate(part):
            asset_type, _, asset_id = key.partition(":")
            clauses.append(f"(fo.asset_type = :t{i} AND fo.asset_id = :a{i})")
            params[f"t{i}"], params[f"a{i}"] = asset_type, asset_id
        rows = conn.execute(
            text(
                "SELECT fo.asset_type, fo.asset_id, fo.id, fo.kind, fo.court_code, c.name,"
                " fo.case_number, fo.receipt_number, fo.rank, fo.status, fo.delivered_at,"
                " fo.effective_from, fo.expires_on FROM freeze_orders fo"
                " LEFT JOIN courts c ON c.code = fo.court_code"
                f" WHERE fo.status IN ('EFFECTIVE', 'WAITING') AND ({' OR '.join(clauses)})"
            ).columns(delivered_at=UtcDateTime(), effective_from=Date(), expires_on=Date()),
            params,
        )
        for r in rows:
            out.setdefault(f"{r[0]}:{r[1]}", []).append(WaitingLineRecord(*r[2:]))
    for line in out.values():
        line.sort(key=_line_key)
    return out


def waiting_line(
    orders: Sequence[WaitingLineRecord], register: Sequence[Measure], *, today: date
) -> list[WaitingLineRecord]:
    """An asset's waiting line as the court and the agency see it: the hub's active orders
    and the active measures the agency holds outside the hub (``outside_hub``), by place in
    line; orders held for an earlier-served one's answer come last, by service time. A
    measure whose term ended is not shown even if the register has not recorded it yet."""
    outside = [
        WaitingLineRecord(
            order_id=None,
            kind=m.kind,
            court_code=None,
            court=m.court,
            case_number=m.case_number,
            document_number=m.document_number,
            rank=m.rank,
            status="EFFECTIVE" if m.in_effect_on(today) else "WAITING",
            served_at=None,
            effective_from=m.start_date if m.status == "EFFECTIVE" else None,
            expires_on=m.end_date,
            outside_hub=True,
        )
        for m in register
        if m.order_id is None and m.active_on(today)
    ]
    return sorted([*orders, *outside], key=_line_key)


def _line_key(r: WaitingLineRecord) -> tuple[Any, ...]:
    return (r.rank is None, r.rank or 0, str(r.served_at or ""), r.order_id or "")


def _chunks(items: list[Any], size: int) -> Any:
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def verify_order(
    conn: AsyncConnection, order_id: str, keys: OrderKeys
) -> dict[str, bool | None]:
    """Both signatures of an order: the court's on the order, the agency's on the receipt."""
    order = await get_order(conn, order_id)
    court = keys.verify(
        f"court:{order['court_code']}", order_document(order), order["order_signature"]
    )
    receipt: bool | None = None
    if order["receipt"] is not None:
        document = json.loads(order["receipt"])
        receipt = document.get("orderId") == order_id and keys.verify(
            f"agency:{order['agency']}", document, order["receipt_signature"]
        )
    return {"court": court, "receipt": receipt}


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- freezes of deposits: the bank's register answers ----------------------------------------


def bank_receipt(order: dict[str, Any], record: Any, *, registered_at: datetime) -> dict[str, Any]:
    """What the bank signs when its register answers a freeze (amounts exact, as strings)."""
    return {
        "orderId": order["id"],
        "agency": order["agency"],
        "accountNumber": order["asset_id"],
        "documentNumber": record.document_number,
        "registeredAt": registered_at.isoformat(),
        "acceptedBy": order["agency"],
        "rank": record.rank,
        "status": record.status,
        "amountAsked": str(order["amount"]),
        "amountFrozen": str(record.amount) if record.status == "EFFECTIVE" else "0.00",
        "currency": order["currency"],
    }


async def bank_answer(
    conn: AsyncConnection, order_id: str, record: Any, *, keys: OrderKeys, now: datetime
) -> list[Transition]:
    """The bank's register served a delivered freeze of deposits (``record``: a
    :class:`connectors.banks.records.BankFreezeRecord`): in effect for what it took, from the
    day served, for the order's term (at most one year, 民诉法解释 第四百八十五条), or waiting
    (轮候冻结) at its place; the bank's receipt signed with the bank's key."""
    order = await get_order(conn, order_id, lock=True)
    if order["status"] != OrderStatus.DELIVERED.value:
        return []  # answered already (a repeated delivery reads the same answer back)
    effective = record.status == "EFFECTIVE"
    status = OrderStatus.EFFECTIVE if effective else OrderStatus.WAITING
    check_move(order_id, order["status"], status, "answered")
    start = record.start_date if effective else None
    receipt = bank_receipt(order, record, registered_at=now)
    values: dict[str, Any] = {
        "status": status.value,
        "rank": record.rank,
        "frozen_amount": record.amount if effective else Decimal("0.00"),
        "receipt_number": record.document_number,
        "receipt_registered_at": now,
        "receipt": canonical(receipt),
        "receipt_signature": keys.sign(f"agency:{order['agency']}", receipt),
        "updated_at": now,
    }
    if start is not None:
        values.update(effective_from=start, expires_on=term_of(order).end(start))
    await conn.execute(update(freeze_orders).where(freeze_orders.c.id == order_id).values(**values))
    await _event(
        conn,
        order_id,
        "ACCEPTED",
        f"agency:{order['agency']}",
        {"receipt": record.document_number},
        now,
        annotate=False,
    )
    detail: dict[str, Any] = {"rank": record.rank}
    if effective:
        detail.update(frozen=str(record.amount), expiresOn=values["expires_on"].isoformat())
    else:
        detail.update(asked=str(order["amount"]))
    # in effect: the bank records the order's end (a court may ask for less than a year)
    await _event(conn, order_id, status.value, "hub", detail, now, annotate=effective)
    return [Transition(order_id, status.value, order["case_number"], detail)]


async def bank_refused(
    conn: AsyncConnection, order_id: str, *, reason: str, now: datetime
) -> list[Transition]:
    """The bank's register refused the notice (no such account, another currency): REJECTED."""
    order = await get_order(conn, order_id, lock=True)
    if order["status"] != OrderStatus.DELIVERED.value:
        return []
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == order_id)
        .values(status="REJECTED", closed_reason=reason, updated_at=now)
    )
    await _event(conn, order_id, "REJECTED", f"agency:{order['agency']}", {"reason": reason}, now)
    return [Transition(order_id, "REJECTED", order["case_number"], {"reason": reason})]


async def deposits_waiting(conn: AsyncConnection) -> dict[str, list[str]]:
    """The accounts, by bank, with a freeze of the hub's waiting in the bank's line."""
    rows = await conn.execute(
        select(freeze_orders.c.agency, freeze_orders.c.asset_id)
        .where(freeze_orders.c.asset_type == "DEPOSIT", freeze_orders.c.status == "WAITING")
        .distinct()
        .order_by(freeze_orders.c.agency, freeze_orders.c.asset_id)
    )
    out: dict[str, list[str]] = {}
    for bank, account in rows:
        out.setdefault(bank, []).append(account)
    return out


async def bank_sync(
    conn: AsyncConnection, registers: dict[str, list[Any]], *, now: datetime
) -> list[Transition]:
    """A waiting freeze of the hub's that the bank's register put into effect (the one ahead
    released or lapsed: 查封规定 第二十六条, for what is still available) takes effect in the
    hub too, from the day the bank's register says, for the order's term."""
    out: list[Transition] = []
    for records in registers.values():
        for record in records:
            if record.order_id is None or record.status != "EFFECTIVE":
                continue
            order = await get_order(conn, record.order_id, lock=True)
            if order["status"] != OrderStatus.WAITING.value:
                continue
            expires = term_of(order).end(record.start_date)
            await conn.execute(
                update(freeze_orders)
                .where(freeze_orders.c.id == order["id"])
                .values(
                    status="EFFECTIVE",
                    frozen_amount=record.amount,
                    effective_from=record.start_date,
                    expires_on=expires,
                    updated_at=now,
                )
            )
            detail = {
                "rank": record.rank,
                "frozen": str(record.amount),
                "expiresOn": expires.isoformat(),
            }
            await _event(conn, order["id"], "EFFECTIVE", "hub", detail, now)
            out.append(Transition(order["id"], "EFFECTIVE", order["case_number"], detail))
    return out
