"""SQL of the parties' side: requests (诉求反映) and published documents. Functions take the
connection; the workflow owns the transaction."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.cases.models import case_judges, case_parties, cases, courts
from hub.errors import NotFound
from hub.parties.models import case_documents, party_requests
from hub.parties.states import RequestStatus, check_move


def canonical(value: Any) -> str:
    """Canonical JSON (sorted keys, UTF-8 as written), as everywhere bytes are compared."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def new_request_id(today: date) -> str:
    return f"SQ-{today.year}-{secrets.token_hex(6).upper()}"


def new_document_id(today: date) -> str:
    return f"PD-{today.year}-{secrets.token_hex(6).upper()}"


def _request(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out["attachments"] = json.loads(out["attachments"])
    out["effects"] = json.loads(out["effects"]) if out["effects"] else None
    return out


async def insert_request(conn: AsyncConnection, values: dict[str, Any]) -> dict[str, Any]:
    stored = {**values, "attachments": canonical(values["attachments"])}
    await conn.execute(party_requests.insert().values(**stored))
    return await get_request(conn, values["id"])


async def get_request(conn: AsyncConnection, request_id: str) -> dict[str, Any]:
    row = (
        await conn.execute(select(party_requests).where(party_requests.c.id == request_id))
    ).first()
    if row is None:
        raise NotFound(f"no request {request_id}", reason="REQUEST_UNKNOWN")
    return _request(row)


async def request_by_client_id(
    conn: AsyncConnection, *, uscc: str, filed_by: str, client_request_id: str
) -> dict[str, Any] | None:
    r = party_requests.c
    row = (
        await conn.execute(
            select(party_requests).where(
                r.uscc == uscc, r.filed_by == filed_by, r.client_request_id == client_request_id
            )
        )
    ).first()
    return _request(row) if row is not None else None


async def requests_of_enterprise(conn: AsyncConnection, uscc: str) -> list[dict[str, Any]]:
    """Every request the enterprise filed, newest first."""
    r = party_requests.c
    rows = await conn.execute(
        select(party_requests).where(r.uscc == uscc).order_by(r.filed_at.desc(), r.id.desc())
    )
    return [_request(row) for row in rows]


def _inbox(judge_id: str, court_code: str, status: str | None) -> Any:
    """The requests of the cases of ``court_code`` that ``judge_id`` is assigned to."""
    r = party_requests.c
    assigned = (
        select(cases.c.case_number)
        .select_from(cases.join(case_judges, case_judges.c.case_id == cases.c.id))
        .where(case_judges.c.judge_id == judge_id, cases.c.court_code == court_code)
    )
    where = [r.case_number.in_(assigned), r.court_code == court_code]
    if status is not None:
        where.append(r.status == status)
    return and_(*where)


async def inbox(
    conn: AsyncConnection,
    *,
    judge_id: str,
    court_code: str,
    status: str | None,
    first: int,
    after: tuple[datetime, str] | None,
) -> list[dict[str, Any]]:
    """A page (and one more row) of the judge's inbox, newest filed first."""
    r = party_requests.c
    stmt = select(party_requests).where(_inbox(judge_id, court_code, status))
    if after is not None:
        at, request_id = after
        stmt = stmt.where(or_(r.filed_at < at, and_(r.filed_at == at, r.id < request_id)))
    stmt = stmt.order_by(r.filed_at.desc(), r.id.desc()).limit(first + 1)
    return [_request(row) for row in await conn.execute(stmt)]


async def count_inbox(
    conn: AsyncConnection, *, judge_id: str, court_code: str, status: str | None
) -> int:
    stmt = select(func.count()).select_from(party_requests)
    stmt = stmt.where(_inbox(judge_id, court_code, status))
    return int((await conn.execute(stmt)).scalar_one())


async def answer(
    conn: AsyncConnection,
    request_id: str,
    *,
    status: RequestStatus,
    judge_id: str,
    text: str,
    effects: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """OPEN → the decision's state, checked against the table again inside the transaction
    (a concurrent answer made first: CONFLICT)."""
    current = await get_request(conn, request_id)
    check_move(request_id, current["status"], status)
    result = await conn.execute(
        update(party_requests)
        .where(party_requests.c.id == request_id, party_requests.c.status == current["status"])
        .values(
            status=status.value,
            answered_by=judge_id,
            answered_at=now,
            answer=text,
            effects=canonical(effects),
        )
    )
    if result.rowcount != 1:
        check_move(request_id, (await get_request(conn, request_id))["status"], status)
    return await get_request(conn, request_id)


async def insert_document(conn: AsyncConnection, values: dict[str, Any]) -> dict[str, Any]:
    await conn.execute(case_documents.insert().values(**values))
    row = (
        await conn.execute(select(case_documents).where(case_documents.c.id == values["id"]))
    ).one()
    return dict(row._mapping)


async def documents_of_party(
    conn: AsyncConnection, subject_id: str, case_numbers: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """What the courts published for the cases ``subject_id`` is a party of, newest published
    first, with the court's name."""
    d = case_documents.c
    own = (
        select(cases.c.case_number)
        .select_from(case_parties.join(cases, cases.c.id == case_parties.c.case_id))
        .where(case_parties.c.subject_id == subject_id)
    )
    stmt = (
        select(case_documents, courts.c.name.label("court_name"))
        .select_from(case_documents.outerjoin(courts, courts.c.code == d.court_code))
        .where(d.case_number.in_(own))
        .order_by(d.published_at.desc(), d.id.desc())
    )
    if case_numbers is not None:
        stmt = stmt.where(d.case_number.in_(list(case_numbers)))
    return [dict(r._mapping) for r in await conn.execute(stmt)]
