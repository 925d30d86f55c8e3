"""Deductions (扣划) from frozen deposits: the court's order, its service on the bank, the ledger.

《民事诉讼法》(2023) 第二百五十三条: 人民法院……有权根据不同情形扣押、冻结、划拨、变价被执行人的财产;
money is drawn (划拨) from what a freeze of the same case holds, to the court's 执行款 account, by
a ruling. So a deduction is made only against a freeze of deposits of the court's case that is in
effect, for at most what that freeze holds now less the deductions still on their way.

A deduction is written with its outbox row in one transaction (PENDING); the order worker serves
it on the bank with the deduction's id as the bank's idempotency key (:func:`serve`), and records
the bank's transfer receipt, signed with the bank's key (DONE), the freeze shrinking by the
amount. If the worker dies after the bank moved the money and before the hub recorded it, the
row is still PENDING and its outbox row undone: the next pass sends the same key and the bank
answers the transfer it made, so money is never moved twice. A bank's refusal (the freeze ended,
less left than asked) ends the deduction REFUSED with the bank's reason.

The ledger of a case is its deductions (:func:`ledger`); it reconciles (:func:`reconcile`) when
the amounts the hub recorded as deducted equal the amounts of the banks' signed receipts, and the
banks' own records of transfers for the case.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors import registry
from hub.cases.models import courts
from hub.errors import BadUserInput, Conflict, quoted
from hub.orders import service
from hub.orders.models import deposit_deductions, freeze_orders, outbox
from hub.orders.signing import OrderKeys

CENT = Decimal("0.01")
PENDING, DONE, REFUSED = "PENDING", "DONE", "REFUSED"


def new_deduction_id(today: date) -> str:
    return f"DD-{today.year}-{secrets.token_hex(6).upper()}"


async def court_name(conn: AsyncConnection, code: str) -> str:
    name = (await conn.execute(select(courts.c.name).where(courts.c.code == code))).scalar()
    return str(name or code)


def payee_of(court: str) -> str:
    """The court's account for enforcement money (执行款专户), as the transfer names it."""
    return f"{court}执行款专户"


def deduction_document(row: Mapping[str, Any]) -> dict[str, Any]:
    """What the court signs (协助扣划存款通知书)."""
    return {
        "id": row["id"],
        "orderId": row["order_id"],
        "bank": row["bank"],
        "accountNumber": row["account_number"],
        "courtCode": row["court_code"],
        "caseNumber": row["case_number"],
        "rulingNumber": row["ruling_number"],
        "payee": row["payee"],
        "amount": str(row["amount"]),
        "currency": row["currency"],
        "requestedBy": row["requested_by"],
    }


def transfer_receipt(row: Mapping[str, Any], transfer: Any) -> dict[str, Any]:
    """What the bank signs: the transfer it made for the deduction."""
    return {
        "deductionId": row["id"],
        "orderId": row["order_id"],
        "bank": row["bank"],
        "accountNumber": transfer.account_number,
        "transferNumber": transfer.transfer_number,
        "payee": transfer.payee,
        "amount": str(transfer.amount),
        "currency": transfer.currency,
        "transferredAt": transfer.transferred_at.isoformat(),
    }


def check_amount(amount: Decimal) -> Decimal:
    if not amount.is_finite() or amount <= 0:
        raise BadUserInput(
            f"amount {amount} must be more than zero", argument="amount", rule="AMOUNT_POSITIVE"
        )
    if amount != amount.quantize(CENT):
        raise BadUserInput(
            f"amount {amount} has more than two decimal places (cents)",
            argument="amount",
            rule="AMOUNT_CENTS",
        )
    return amount.quantize(CENT)


async def pending_of(
    conn: AsyncConnection, order_id: str, *, except_id: str | None = None
) -> Decimal:
    """What the order's deductions still on their way will take."""
    stmt = select(func.coalesce(func.sum(deposit_deductions.c.amount), 0)).where(
        deposit_deductions.c.order_id == order_id, deposit_deductions.c.status == PENDING
    )
    if except_id is not None:
        stmt = stmt.where(deposit_deductions.c.id != except_id)
    return Decimal((await conn.execute(stmt)).scalar_one()).quantize(CENT)


async def request(
    conn: AsyncConnection,
    *,
    order_id: str,
    amount: Decimal,
    ruling_number: str,
    idempotency_key: str,
    court_code: str,
    actor: str,
    now: datetime,
    keys: OrderKeys,
) -> tuple[dict[str, Any], bool]:
    """A deduction from the freeze ``order_id`` (see the module's words); the same key with the
    same request returns the same deduction (``created`` False)."""
    payload = {
        "orderId": order_id,
        "amount": str(amount),
        "rulingNumber": ruling_number,
        "idempotencyKey": idempotency_key,
    }
    digest = service.payload_hash(payload)
    existing = (
        await conn.execute(
            select(deposit_deductions).where(
                deposit_deductions.c.court_code == court_code,
                deposit_deductions.c.idempotency_key == idempotency_key,
            )
        )
    ).first()
    if existing is not None:
        if existing.payload_hash != digest:
            raise Conflict(
                f"idempotency key {quoted(idempotency_key)} was used for a different deduction"
                f" ({existing.id}); use a new key for a new deduction",
                reason="IDEMPOTENCY_KEY_REUSED",
            )
        return dict(existing._mapping), False
    order = await service.get_order(conn, order_id, lock=True)
    if order["asset_type"] != "DEPOSIT":
        raise BadUserInput(
            f"order {order_id} is a measure on {order['asset_type']}; money is deducted only from"
            " a freeze of deposits",
            argument="orderId",
            rule="DEDUCT_FROM_DEPOSIT_FREEZE",
        )
    if order["status"] != "EFFECTIVE":
        raise Conflict(
            f"order {order_id} is {order['status']}; money is deducted only from a freeze in"
            " effect",
            reason="FREEZE_NOT_EFFECTIVE",
        )
    amount = check_amount(amount)
    pending = await pending_of(conn, order_id)
    left = Decimal(order["frozen_amount"] or 0).quantize(CENT) - pending
    if amount > left:
        raise BadUserInput(
            f"amount {amount} is more than the freeze holds for a deduction: {left}"
            f" {order['currency']} ({pending} already on its way)",
            argument="amount",
            rule="AMOUNT_ABOVE_FROZEN",
        )
    court = await court_name(conn, court_code)
    row: dict[str, Any] = {
        "id": new_deduction_id(service.court_day(now)),
        "order_id": order_id,
        "court_code": court_code,
        "case_number": order["case_number"],
        "bank": order["agency"],
        "account_number": order["asset_id"],
        "owner_id": order["owner_id"],
        "amount": amount,
        "currency": order["currency"],
        "ruling_number": ruling_number,
        "payee": payee_of(court),
        "status": PENDING,
        "requested_by": actor,
        "requested_at": now,
        "idempotency_key": idempotency_key,
        "payload_hash": digest,
        "updated_at": now,
    }
    row["order_signature"] = keys.sign(f"court:{court_code}", deduction_document(row))
    await conn.execute(insert(deposit_deductions).values(**row))
    # in the same transaction as the deduction: its service on the bank cannot be lost
    await conn.execute(
        insert(outbox).values(
            order_id=order_id,
            action="DEDUCT",
            deduction_id=row["id"],
            attempts=0,
            next_attempt_at=now,
        )
    )
    await service._event(
        conn,
        order_id,
        "DEDUCT_ASKED",
        actor,
        {"deduction": row["id"], "amount": str(amount), "ruling": ruling_number},
        now,
        annotate=False,
    )
    return row, True


async def get(conn: AsyncConnection, deduction_id: str) -> dict[str, Any]:
    row = (
        await conn.execute(
            select(deposit_deductions).where(deposit_deductions.c.id == deduction_id)
        )
    ).first()
    if row is None:
        from hub.errors import NotFound

        raise NotFound(f"no deduction {deduction_id}")
    return dict(row._mapping)


async def serve(
    conn: AsyncConnection,
    deduction_id: str | None,
    *,
    sources: Mapping[str, Any],
    keys: OrderKeys | None,
    now: datetime,
) -> list[service.Transition]:
    """Serve a PENDING deduction on its bank and record the answer (see the module's words)."""
    if deduction_id is None:
        raise RuntimeError("a DEDUCT outbox row names no deduction")
    row = await get(conn, deduction_id)
    if row["status"] != PENDING:
        return []  # answered already
    if keys is None:
        raise RuntimeError("the worker has no order keys to sign the bank's receipt with")
    source = sources.get(row["bank"])
    if source is None or not hasattr(source, "transfer"):
        raise RuntimeError(f"no source of {row['bank']} makes transfers")
    notice = registry.records(row["bank"]).TransferNotice(
        idempotency_key=row["id"],
        freeze_order_id=row["order_id"],
        account_number=row["account_number"],
        court=await court_name(conn, row["court_code"]),
        case_number=row["case_number"],
        ruling_number=row["ruling_number"],
        payee=row["payee"],
        amount=Decimal(row["amount"]).quantize(CENT),
        currency=row["currency"],
    )
    try:
        transfer = await source.transfer(notice)
    except (LookupError, ValueError) as exc:  # the bank refused: no retry helps
        reason = str(exc).strip("'\"")[:200] or type(exc).__name__
        await conn.execute(
            update(deposit_deductions)
            .where(deposit_deductions.c.id == deduction_id)
            .values(status=REFUSED, refused_reason=reason, updated_at=now)
        )
        detail = {"deduction": deduction_id, "reason": reason}
        await service._event(
            conn,
            row["order_id"],
            "DEDUCT_REFUSED",
            f"agency:{row['bank']}",
            detail,
            now,
            annotate=False,
        )
        return [service.Transition(row["order_id"], "DEDUCT_REFUSED", row["case_number"], detail)]
    if (
        transfer.amount != Decimal(row["amount"]).quantize(CENT)
        or transfer.idempotency_key != deduction_id
    ):
        raise RuntimeError(
            f"{row['bank']} answered a transfer that is not deduction {deduction_id}"
        )
    receipt = transfer_receipt(row, transfer)
    await conn.execute(
        update(deposit_deductions)
        .where(deposit_deductions.c.id == deduction_id)
        .values(
            status=DONE,
            transfer_number=transfer.transfer_number,
            transferred_at=transfer.transferred_at,
            receipt=service.canonical(receipt),
            receipt_signature=keys.sign(f"agency:{row['bank']}", receipt),
            updated_at=now,
        )
    )
    order = await service.get_order(conn, row["order_id"], lock=True)
    left = Decimal(order["frozen_amount"] or 0) - transfer.amount
    await conn.execute(
        update(freeze_orders)
        .where(freeze_orders.c.id == row["order_id"])
        .values(frozen_amount=left, updated_at=now)
    )
    detail = {
        "deduction": deduction_id,
        "amount": str(transfer.amount),
        "transfer": transfer.transfer_number,
        "frozenLeft": str(left.quantize(CENT)),
    }
    await service._event(
        conn, row["order_id"], "DEDUCTED", f"agency:{row['bank']}", detail, now, annotate=False
    )
    return [service.Transition(row["order_id"], "DEDUCTED", row["case_number"], detail)]


# --- the ledger -------------------------------------------------------------------------------


async def ledger(
    conn: AsyncConnection, case_number: str, *, court_code: str | None = None
) -> list[dict[str, Any]]:
    """A case's deductions, oldest first (of one court's, when ``court_code`` is given)."""
    stmt = (
        select(deposit_deductions)
        .where(deposit_deductions.c.case_number == case_number)
        .order_by(deposit_deductions.c.requested_at, deposit_deductions.c.id)
    )
    if court_code is not None:
        stmt = stmt.where(deposit_deductions.c.court_code == court_code)
    return [dict(r._mapping) for r in await conn.execute(stmt)]


async def deducted_by_order(
    conn: AsyncConnection, order_ids: Sequence[str]
) -> dict[str, Decimal]:
    """What was deducted (DONE) from each of these freezes, by order id (absent: nothing)."""
    if not order_ids:
        return {}
    d = deposit_deductions.c
    stmt = (
        select(d.order_id, func.sum(d.amount))
        .where(d.order_id.in_(list(order_ids)), d.status == DONE)
        .group_by(d.order_id)
    )
    return {order_id: Decimal(total) for order_id, total in await conn.execute(stmt)}


async def deducted_by_case(
    conn: AsyncConnection, case_numbers: Sequence[str]
) -> dict[str, Decimal]:
    """What was deducted (DONE) in each of these cases, to the court's 执行款 account, by case
    number (absent: nothing)."""
    if not case_numbers:
        return {}
    d = deposit_deductions.c
    stmt = (
        select(d.case_number, func.sum(d.amount))
        .where(d.case_number.in_(list(case_numbers)), d.status == DONE)
        .group_by(d.case_number)
    )
    return {number: Decimal(total) for number, total in await conn.execute(stmt)}


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """A case's ledger beside the banks' receipts and the banks' own records of transfers."""

    case_number: str
    entries: list[dict[str, Any]]
    deducted: Decimal  # what the hub recorded as deducted (DONE)
    receipted: Decimal  # the amounts of the banks' signed receipts
    bank_recorded: Decimal | None  # the banks' own transfers for the case (None: not read)
    receipts_valid: bool  # every receipt's signature verifies and names its deduction
    pending: Decimal
    unmatched: list[str] = field(default_factory=list)  # transfers the ledger does not hold

    @property
    def reconciled(self) -> bool:
        return (
            self.receipts_valid
            and self.deducted == self.receipted
            and (self.bank_recorded is None or self.bank_recorded == self.deducted)
            and not self.unmatched
        )


def reconcile(
    case_number: str,
    entries: Sequence[dict[str, Any]],
    *,
    keys: OrderKeys | None,
    bank_transfers: Sequence[Any] | None = None,
) -> Reconciliation:
    """Per case: the sum deducted equals the sum of the banks' receipts (each signature checked
    with its bank's key), and the banks' own transfers for the case (``bank_transfers``, when
    read) are the ledger's, amount for amount."""
    done = [e for e in entries if e["status"] == DONE]
    deducted = sum((Decimal(e["amount"]) for e in done), Decimal("0.00")).quantize(CENT)
    receipted = Decimal("0.00")
    valid = True
    for e in done:
        document = json.loads(e["receipt"]) if e["receipt"] else {}
        receipted += Decimal(document.get("amount", "0"))
        if document.get("deductionId") != e["id"]:
            valid = False
        elif keys is not None and not keys.verify(
            f"agency:{e['bank']}", document, e["receipt_signature"]
        ):
            valid = False
    recorded: Decimal | None = None
    unmatched: list[str] = []
    if bank_transfers is not None:
        recorded = sum((t.amount for t in bank_transfers), Decimal("0.00")).quantize(CENT)
        ours = {e["id"]: Decimal(e["amount"]) for e in done}
        unmatched = [
            t.transfer_number for t in bank_transfers if ours.get(t.idempotency_key) != t.amount
        ]
    pending = sum(
        (Decimal(e["amount"]) for e in entries if e["status"] == PENDING), Decimal("0.00")
    )
    return Reconciliation(
        case_number=case_number,
        entries=list(entries),
        deducted=deducted,
        receipted=receipted.quantize(CENT),
        bank_recorded=recorded,
        receipts_valid=valid,
        pending=pending.quantize(CENT),
        unmatched=unmatched,
    )


async def bank_transfers(
    case_number: str, banks: Sequence[str], sources: Mapping[str, Any]
) -> list[Any]:
    """The banks' own records of transfers for the case (every bank the ledger names)."""
    out: list[Any] = []
    for bank in sorted(set(banks)):
        source = sources.get(bank)
        if source is None or not hasattr(source, "transfers"):
            raise LookupError(f"no source of {bank} to read its transfers from")
        out += (await source.transfers([case_number])).get(case_number, [])
    return out
