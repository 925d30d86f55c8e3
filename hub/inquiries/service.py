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

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.banks.records import AccountFreezeRecord, DepositAccountRecord
from hub.cases.models import case_judges, cases
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


async def banks_of_many(
    conn: AsyncConnection, inquiry_ids: Sequence[str], *, with_accounts: bool
) -> dict[str, list[dict[str, Any]]]:
    """The banks' rows of several requests; without their answers (``accounts`` None) unless
    ``with_accounts`` (a page of requests whose answers nobody asked for reads no JSON)."""
    b = deposit_inquiry_banks.c
    columns = [c for c in deposit_inquiry_banks.c if with_accounts or c.name != "accounts"]
    rows = await conn.execute(select(*columns).where(b.inquiry_id.in_(list(inquiry_ids))))
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in inquiry_ids}
    for r in rows:
        out[r.inquiry_id].append({"accounts": None, **r._mapping})
    return out


def _listed(
    *, court_code: str, assigned_to: str | None, case_number: str | None, status: str | None
) -> Any:
    """The requests of ``court_code`` (for a judge, ``assigned_to``: those of the court's cases
    the judge is assigned to, whoever of the case's judges filed them)."""
    q = deposit_inquiries.c
    where = [q.court_code == court_code]
    if assigned_to is not None:
        where.append(
            q.case_number.in_(
                select(cases.c.case_number)
                .select_from(cases.join(case_judges, case_judges.c.case_id == cases.c.id))
                .where(case_judges.c.judge_id == assigned_to, cases.c.court_code == court_code)
            )
        )
    if case_number is not None:
        where.append(q.case_number == case_number)
    if status is not None:
        where.append(q.status == status)
    return and_(*where)


async def inquiry_page(
    conn: AsyncConnection,
    *,
    court_code: str,
    assigned_to: str | None,
    case_number: str | None,
    status: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """At most ``limit`` requests, newest filed first (then by id, descending); ``after`` is
    the (filed_at, id) of the last request of the page before."""
    q = deposit_inquiries.c
    stmt = select(deposit_inquiries).where(
        _listed(
            court_code=court_code, assigned_to=assigned_to, case_number=case_number, status=status
        )
    )
    if after is not None:
        at, inquiry_id = after
        stmt = stmt.where(or_(q.filed_at < at, and_(q.filed_at == at, q.id < inquiry_id)))
    stmt = stmt.order_by(q.filed_at.desc(), q.id.desc()).limit(limit)
    return [dict(r._mapping) for r in await conn.execute(stmt)]


async def count_inquiries(
    conn: AsyncConnection,
    *,
    court_code: str,
    assigned_to: str | None,
    case_number: str | None,
    status: str | None,
) -> int:
    """How many requests :func:`inquiry_page` finds on all its pages."""
    stmt = select(func.count()).select_from(deposit_inquiries)
    stmt = stmt.where(
        _listed(
            court_code=court_code, assigned_to=assigned_to, case_number=case_number, status=status
        )
    )
    return int((await conn.execute(stmt)).scalar_one())


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
