"""Reading and writing the asynchronous 查控 requests: the request, its subjects, the banks' rows.

Bank answers are kept as the bank's records (:class:`connectors.banks.records.DepositAccountRecord`)
in JSON, decimals as strings, so they read back exactly."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.banks.records import AccountFreezeRecord, DepositAccountRecord
from hub.inquiries.models import deposit_inquiries, deposit_inquiry_banks, deposit_inquiry_subjects

PENDING, ANSWERED, TIMED_OUT = "PENDING", "ANSWERED", "TIMED_OUT"
OPEN, DONE = "OPEN", "DONE"


def new_inquiry_id(today: date) -> str:
    return f"CK-{today.year}-{secrets.token_hex(6).upper()}"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    raise TypeError(type(value).__name__)


def accounts_json(found: dict[str, list[DepositAccountRecord]], keys: Iterable[str]) -> str:
    """The accounts of ``keys`` (every key present, [] when none), as stored."""
    return json.dumps(
        {k: [asdict(a) for a in found.get(k) or []] for k in keys},
        default=_plain,
        ensure_ascii=False,
        sort_keys=True,
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _account(d: dict[str, Any]) -> DepositAccountRecord:
    return DepositAccountRecord(
        **{
            **d,
            "balance": Decimal(d["balance"]),
            "frozen_amount": Decimal(d["frozen_amount"]),
            "available_balance": Decimal(d["available_balance"]),
            "opened_on": date.fromisoformat(d["opened_on"]),
            "matures_on": _day(d["matures_on"]),
            "freezes": [
                AccountFreezeRecord(
                    **{
                        **f,
                        "amount": Decimal(f["amount"]),
                        "start_date": _day(f["start_date"]),
                        "end_date": _day(f["end_date"]),
                    }
                )
                for f in d["freezes"]
            ],
        }
    )


def accounts_of(text: str | None) -> dict[str, list[DepositAccountRecord]] | None:
    if text is None:
        return None
    return {k: [_account(a) for a in v] for k, v in json.loads(text).items()}


async def insert_inquiry(
    conn: AsyncConnection,
    values: dict[str, Any],
    subjects: Sequence[tuple[str, str]],
    banks: Sequence[str],
) -> None:
    await conn.execute(insert(deposit_inquiries).values(values))
    await conn.execute(
        insert(deposit_inquiry_subjects),
        [
            {"inquiry_id": values["id"], "position": i, "subject_kind": k, "subject_id": s}
            for i, (k, s) in enumerate(subjects)
        ],
    )
    await conn.execute(
        insert(deposit_inquiry_banks),
        [
            {
                "inquiry_id": values["id"],
                "bank": bank,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": values["filed_at"],
            }
            for bank in banks
        ],
    )


async def get_inquiry(conn: AsyncConnection, inquiry_id: str) -> dict[str, Any] | None:
    row = (
        await conn.execute(select(deposit_inquiries).where(deposit_inquiries.c.id == inquiry_id))
    ).first()
    return dict(row._mapping) if row is not None else None


async def subjects_of(
    conn: AsyncConnection, inquiry_ids: Sequence[str]
) -> dict[str, list[tuple[str, str]]]:
    s = deposit_inquiry_subjects.c
    rows = await conn.execute(
        select(s.inquiry_id, s.subject_kind, s.subject_id)
        .where(s.inquiry_id.in_(list(inquiry_ids)))
        .order_by(s.inquiry_id, s.position)
    )
    out: dict[str, list[tuple[str, str]]] = {i: [] for i in inquiry_ids}
    for r in rows:
        out[r.inquiry_id].append((r.subject_kind, r.subject_id))
    return out


async def banks_of(conn: AsyncConnection, inquiry_id: str) -> list[dict[str, Any]]:
    b = deposit_inquiry_banks.c
    rows = await conn.execute(select(deposit_inquiry_banks).where(b.inquiry_id == inquiry_id))
    return [dict(r._mapping) for r in rows]


async def due(conn: AsyncConnection, now: datetime) -> list[dict[str, Any]]:
    """The banks' rows of open requests to ask now, with the request's case and deadline."""
    b, q = deposit_inquiry_banks.c, deposit_inquiries.c
    rows = await conn.execute(
        select(b.inquiry_id, b.bank, b.attempts, q.case_number, q.deadline)
        .join_from(deposit_inquiry_banks, deposit_inquiries, q.id == b.inquiry_id)
        .where(and_(b.state == PENDING, b.next_attempt_at <= now))
        .order_by(b.inquiry_id, b.bank)
    )
    return [dict(r._mapping) for r in rows]


async def set_bank(
    conn: AsyncConnection, inquiry_id: str, bank: str, values: dict[str, Any]
) -> bool:
    """Update a bank's row that is still PENDING; False when another worker got there first."""
    b = deposit_inquiry_banks.c
    result = await conn.execute(
        update(deposit_inquiry_banks)
        .where(and_(b.inquiry_id == inquiry_id, b.bank == bank, b.state == PENDING))
        .values(values)
    )
    return bool(result.rowcount)


async def close_if_done(conn: AsyncConnection, inquiry_id: str) -> bool:
    """DONE once no bank is PENDING; True when this call closed it."""
    b, q = deposit_inquiry_banks.c, deposit_inquiries.c
    left = (
        await conn.execute(
            select(b.bank).where(and_(b.inquiry_id == inquiry_id, b.state == PENDING)).limit(1)
        )
    ).first()
    if left is not None:
        return False
    result = await conn.execute(
        update(deposit_inquiries)
        .where(and_(q.id == inquiry_id, q.status == OPEN))
        .values(status=DONE)
    )
    return bool(result.rowcount)
