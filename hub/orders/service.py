"""Orders in the hub database: state changes, waiting lines, terms; callers own the transaction.

Every change of state is checked against the table of :mod:`hub.orders.states`; the actions
that use these steps, with their rules and audit entries, are in :mod:`hub.orders.workflow`.

The agency accepts orders in the order it receives them; an accepted order takes the next
rank on its asset (1 = in effect). When the order in effect is released or lapses, the waiting
order of lowest rank takes effect, its term starting that day. Every transition is recorded in
``freeze_order_events`` and returned to the caller for the audit log and subscribers.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.base.annotations import Annotation
from hub.cases.models import case_judges, cases, courts
from hub.errors import BadUserInput, Conflict, Forbidden, NotFound
from hub.orders.models import freeze_order_events, freeze_orders, outbox
from hub.orders.signing import OrderKeys, order_document, receipt_document
from hub.orders.states import RENEWABLE, OrderStatus, check_move, may_become

# Longest term per asset class (最高人民法院关于人民法院民事执行中查封、扣押、冻结财产的规定 第二十九条
# / 民事诉讼法解释 第四百八十五条): deposits 1 year, movables 2 years, real estate and other
# property rights 3 years. The asset types the hub handles:
MAX_TERM_DAYS = {"VEHICLE": 2 * 365, "REAL_ESTATE": 3 * 365, "EQUITY": 3 * 365}
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


def check_term(asset_type: str, term_days: int | None) -> int:
    longest = MAX_TERM_DAYS[asset_type]
    if term_days is None:
        return longest
    if term_days < 1:
        raise BadUserInput("termDays must be at least 1", argument="termDays", rule="TERM_POSITIVE")
    if term_days > longest:
        raise BadUserInput(
            f"termDays {term_days} exceeds the longest term for {asset_type} ({longest} days)",
            argument="termDays",
            rule="TERM_TOO_LONG",
        )
    return term_days


async def _event(
    conn: AsyncConnection,
    order_id: str,
    event: str,
    actor: str,
    detail: dict[str, Any],
    now: datetime,
) -> None:
    await conn.execute(
        insert(freeze_order_events).values(
            order_id=order_id, at=now, event=event, actor=actor, detail=canonical(detail)
        )
    )
    if event in ANNOTATED:
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
        raise NotFound(f"no order {order_id}")
    return dict(row._mapping)


async def _lock_asset(conn: AsyncConnection, asset_type: str, asset_id: str) -> None:
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
                f"idempotency key {payload['idempotencyKey']!r} was used for a different order"
                f" ({existing.id}); use a new key for a new order"
            )
        return dict(existing._mapping), []
    order_id = new_order_id(now.date())
    row = {
        "id": order_id,
        "kind": payload["kind"],
        "asset_type": payload["assetType"],
        "asset_id": payload["assetId"],
        "agency": AGENCY_OF[payload["assetType"]],
        "owner_id": owner_id,
        "court_code": court_code,
        "case_number": payload["caseNumber"],
        "ruling_number": payload["rulingNumber"],
        "term_days": payload["termDays"],
        "status": "SUBMITTED",
        "submitted_by": actor,
        "submitted_at": now,
        "renewals": 0,
        "idempotency_key": payload["idempotencyKey"],
        "payload_hash": digest,
        "updated_at": now,
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


async def _promote(
    conn: AsyncConnection, asset_type: str, asset_id: str, *, today: date, now: datetime
) -> list[Transition]:
    """If nothing is in effect on the asset, the waiting order of lowest rank takes effect."""
    in_effect = (
        await conn.execute(
            select(func.count())
            .select_from(freeze_orders)
            .where(
                freeze_orders.c.asset_type == asset_type,
                freeze_orders.c.asset_id == asset_id,
                freeze_orders.c.status == "EFFECTIVE",
            )
        )
    ).scalar()
    if in_effect:
        return []
    nxt = (
        await conn.execute(
            select(freeze_orders)
            .where(
                freeze_orders.c.asset_type == asset_type,
                freeze_orders.c.asset_id == asset_id,
                freeze_orders.c.status == "WAITING",
            )
            .order_by(freeze_orders.c.rank)
            .limit(1)
        )
    ).first()
    if nxt is None:
        return []
    expires = today + timedelta(days=nxt.term_days)
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == nxt.id)
        .values(status="EFFECTIVE", effective_from=today, expires_on=expires, updated_at=now)
    )
    await _event(
        conn, nxt.id, "EFFECTIVE", "hub", {"rank": nxt.rank, "expiresOn": expires.isoformat()}, now
    )
    return [Transition(nxt.id, "EFFECTIVE", nxt.case_number, {"rank": nxt.rank})]


async def _delivered_to(
    conn: AsyncConnection, order_id: str, agency: str, target: OrderStatus, verb: str
) -> dict[str, Any]:
    """The order, locked, if it is addressed to ``agency`` and waits for its answer."""
    order = await get_order(conn, order_id, lock=True)
    if order["agency"] != agency:
        raise Forbidden(
            f"order {order_id} is addressed to {order['agency']}, not to {agency}",
            reason="NOT_ADDRESSEE",
        )
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
) -> list[Transition]:
    order = await _delivered_to(conn, order_id, agency, OrderStatus.WAITING, "accepted")
    await _lock_asset(conn, order["asset_type"], order["asset_id"])
    top = (
        await conn.execute(
            select(func.max(freeze_orders.c.rank)).where(
                freeze_orders.c.asset_type == order["asset_type"],
                freeze_orders.c.asset_id == order["asset_id"],
            )
        )
    ).scalar() or 0
    rank = top + 1
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
            status="WAITING",
            rank=rank,
            receipt=canonical(receipt),
            receipt_signature=keys.sign(f"agency:{agency}", receipt),
            receipt_number=document_number,
            receipt_registered_at=registered_at,
            updated_at=now,
        )
    )
    await _event(conn, order_id, "ACCEPTED", actor, {"receipt": document_number, "rank": rank}, now)
    promoted = await _promote(
        conn, order["asset_type"], order["asset_id"], today=now.date(), now=now
    )
    if any(t.order_id == order_id for t in promoted):
        return promoted
    await _event(conn, order_id, "WAITING", "hub", {"rank": rank}, now)
    return [Transition(order_id, "WAITING", order["case_number"], {"rank": rank}), *promoted]


async def reject(
    conn: AsyncConnection, order_id: str, *, agency: str, reason: str, actor: str, now: datetime
) -> list[Transition]:
    order = await _delivered_to(conn, order_id, agency, OrderStatus.REJECTED, "rejected")
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == order_id)
        .values(status="REJECTED", closed_reason=reason, updated_at=now)
    )
    await _event(conn, order_id, "REJECTED", actor, {"reason": reason}, now)
    return [Transition(order_id, "REJECTED", order["case_number"], {"reason": reason})]


async def release(
    conn: AsyncConnection,
    order_id: str,
    *,
    court_code: str,
    ruling_number: str,
    reason: str,
    actor: str,
    now: datetime,
) -> list[Transition]:
    order = await get_order(conn, order_id, lock=True)
    if order["court_code"] != court_code:
        raise Forbidden(f"order {order_id} was issued by another court", reason="OTHER_COURT")
    check_move(order_id, order["status"], OrderStatus.RELEASED, "released")
    await _lock_asset(conn, order["asset_type"], order["asset_id"])
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == order_id)
        .values(
            status="RELEASED", release_ruling=ruling_number, closed_reason=reason, updated_at=now
        )
    )
    await _event(
        conn, order_id, "RELEASED", actor, {"ruling": ruling_number, "reason": reason}, now
    )
    promoted = await _promote(
        conn, order["asset_type"], order["asset_id"], today=now.date(), now=now
    )
    return [Transition(order_id, "RELEASED", order["case_number"], {}), *promoted]


async def renew(
    conn: AsyncConnection,
    order_id: str,
    *,
    court_code: str,
    ruling_number: str,
    term_days: int | None,
    actor: str,
    now: datetime,
) -> list[Transition]:
    order = await get_order(conn, order_id, lock=True)
    if order["court_code"] != court_code:
        raise Forbidden(f"order {order_id} was issued by another court", reason="OTHER_COURT")
    if order["status"] not in RENEWABLE:
        raise Conflict(
            f"order {order_id} is {order['status']}; only an EFFECTIVE order can be renewed"
        )
    today = now.date()
    if order["expires_on"] < today:
        raise Conflict(
            f"order {order_id} expired on {order['expires_on']}; a lapsed measure cannot be renewed"
        )
    days = check_term(order["asset_type"], term_days)
    expires = order["expires_on"] + timedelta(days=days)
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
        {"ruling": ruling_number, "expiresOn": expires.isoformat()},
        now,
    )
    return [
        Transition(order_id, "RENEWED", order["case_number"], {"expiresOn": expires.isoformat()})
    ]


async def lapse(conn: AsyncConnection, *, now: datetime) -> list[Transition]:
    """Measures whose term ended lapse (EXPIRED); the next in line takes effect."""
    today = now.date()
    due = (
        await conn.execute(
            select(freeze_orders).where(
                freeze_orders.c.status == "EFFECTIVE", freeze_orders.c.expires_on < today
            )
        )
    ).all()
    out: list[Transition] = []
    for order in due:
        await _lock_asset(conn, order.asset_type, order.asset_id)
        await conn.execute(
            update(freeze_orders)
            .where(freeze_orders.c.id == order.id)
            .values(status="EXPIRED", updated_at=now)
        )
        await _event(
            conn, order.id, "EXPIRED", "hub", {"expiredOn": order.expires_on.isoformat()}, now
        )
        out.append(Transition(order.id, "EXPIRED", order.case_number, {}))
        out += await _promote(conn, order.asset_type, order.asset_id, today=today, now=now)
    return out


async def annotation_of(conn: AsyncConnection, order_id: str) -> Annotation:
    """The agency's annotation for an accepted order, as the order stands now."""
    order = await get_order(conn, order_id)
    if order["rank"] is None:
        raise Conflict(f"order {order_id} was not accepted; the agency has nothing to register")
    court = (
        await conn.execute(select(courts.c.name).where(courts.c.code == order["court_code"]))
    ).scalar() or order["court_code"]
    registered = order["receipt_registered_at"]
    return Annotation(
        order_id=order_id,
        asset_id=order["asset_id"],
        kind=order["kind"],
        court=court,
        case_number=order["case_number"],
        document_number=order["receipt_number"],
        rank=order["rank"],
        status=order["status"],
        start_date=order["effective_from"] or registered.date(),
        end_date=order["expires_on"],
    )


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
    after: str | None,
) -> list[dict[str, Any]]:
    """Newest first, ``first + 1`` rows; ``assigned_to`` keeps the orders of cases that judge
    is assigned to."""
    stmt = select(freeze_orders).order_by(
        freeze_orders.c.submitted_at.desc(), freeze_orders.c.id.desc()
    )
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
    if after is not None:
        anchor = await get_order(conn, after)
        stmt = stmt.where(
            (freeze_orders.c.submitted_at < anchor["submitted_at"])
            | (
                (freeze_orders.c.submitted_at == anchor["submitted_at"])
                & (freeze_orders.c.id < anchor["id"])
            )
        )
    return [dict(r._mapping) for r in await conn.execute(stmt.limit(first + 1))]


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
    order_id: str
    kind: str
    court_code: str
    case_number: str
    rank: int
    status: str
    effective_from: date | None
    expires_on: date | None


def orders_by_asset(conn: Any, keys: Any) -> dict[str, list[WaitingLineRecord]]:
    """Batch look-up (synchronous, through the court source): the active orders on each asset,
    keyed ``TYPE:ID``, in rank order — the waiting line (轮候) with the one in effect first."""
    out: dict[str, list[WaitingLineRecord]] = {}
    for part in _chunks(list(keys), 400):
        clauses = []
        params: dict[str, Any] = {}
        for i, key in enumerate(part):
            asset_type, _, asset_id = key.partition(":")
            clauses.append(f"(asset_type = :t{i} AND asset_id = :a{i})")
            params[f"t{i}"], params[f"a{i}"] = asset_type, asset_id
        rows = conn.execute(
            text(
                "SELECT asset_type, asset_id, id, kind, court_code, case_number, rank, status,"
                " effective_from, expires_on FROM freeze_orders"
                f" WHERE status IN ('EFFECTIVE', 'WAITING') AND ({' OR '.join(clauses)})"
                " ORDER BY rank"
            ).columns(effective_from=Date(), expires_on=Date()),
            params,
        )
        for r in rows:
            out.setdefault(f"{r[0]}:{r[1]}", []).append(WaitingLineRecord(*r[2:]))
    return out


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
