"""SQL of police assistance: requests and their events. Functions take the connection; the
workflow owns the transaction."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.cases.models import case_judges, cases
from hub.errors import NotFound
from hub.police.models import police_request_events, police_requests
from hub.police.states import Event, RequestStatus, check_move


def canonical(value: Any) -> str:
    """Canonical JSON (sorted keys, UTF-8 as written), as everywhere bytes are compared."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def new_request_id(today: date) -> str:
    return f"GA-{today.year}-{secrets.token_hex(6).upper()}"


def _request(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out["answer"] = json.loads(out["answer"]) if out["answer"] else None
    return out


async def insert_request(conn: AsyncConnection, values: dict[str, Any]) -> dict[str, Any]:
    await conn.execute(police_requests.insert().values(**values, version=1))
    return await get_request(conn, values["id"])


async def get_request(conn: AsyncConnection, request_id: str) -> dict[str, Any]:
    row = (
        await conn.execute(select(police_requests).where(police_requests.c.id == request_id))
    ).first()
    if row is None:
        raise NotFound(f"no police request {request_id}", reason="REQUEST_UNKNOWN")
    return _request(row)


async def request_by_client_id(
    conn: AsyncConnection, *, filed_by: str, client_request_id: str
) -> dict[str, Any] | None:
    r = police_requests.c
    row = (
        await conn.execute(
            select(police_requests).where(
                r.filed_by == filed_by, r.client_request_id == client_request_id
            )
        )
    ).first()
    return _request(row) if row is not None else None


async def add_event(
    conn: AsyncConnection,
    request_id: str,
    event: Event,
    *,
    by: str,
    at: datetime,
    detail: dict[str, Any],
) -> dict[str, Any]:
    result = await conn.execute(
        police_request_events.insert()
        .values(request_id=request_id, event=event.value, at=at, by=by, detail=canonical(detail))
        .returning(police_request_events.c.id)
    )
    return {
        "id": int(result.scalar_one()),
        "request_id": request_id,
        "event": event.value,
        "at": at,
        "by": by,
        "detail": detail,
    }


def _event(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out["detail"] = json.loads(out["detail"])
    return out


async def events_of(
    conn: AsyncConnection, request_id: str, *, after: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """The request's events after the event id ``after``, oldest first."""
    e = police_request_events.c
    rows = await conn.execute(
        select(police_request_events)
        .where(e.request_id == request_id, e.id > after)
        .order_by(e.id)
        .limit(limit)
    )
    return [_event(r) for r in rows]


async def move(
    conn: AsyncConnection,
    request_id: str,
    target: RequestStatus,
    *,
    verb: str,
    values: dict[str, Any],
) -> dict[str, Any]:
    """The request into ``target`` with ``values``, checked against the table again inside the
    transaction (a concurrent change made first: CONFLICT)."""
    current = await get_request(conn, request_id)
    check_move(request_id, current["kind"], current["status"], target, verb)
    result = await conn.execute(
        update(police_requests)
        .where(
            police_requests.c.id == request_id,
            police_requests.c.version == current["version"],
        )
        .values(**values, status=target.value, version=current["version"] + 1)
    )
    if result.rowcount != 1:
        now = await get_request(conn, request_id)
        check_move(request_id, now["kind"], now["status"], target, verb)
        from hub.errors import Conflict

        raise Conflict(f"request {request_id} changed meanwhile; try again", reason="CHANGED")
    return await get_request(conn, request_id)


def _scope(
    *,
    court_code: str | None,
    judge_id: str | None,
    statuses: Sequence[str] | None,
    kind: str | None,
    case_number: str | None,
) -> Any:
    r = police_requests.c
    where: list[Any] = []
    if court_code is not None:
        where.append(r.court_code == court_code)
    if judge_id is not None:
        assigned = (
            select(cases.c.case_number)
            .select_from(cases.join(case_judges, case_judges.c.case_id == cases.c.id))
            .where(case_judges.c.judge_id == judge_id)
        )
        if court_code is not None:
            assigned = assigned.where(cases.c.court_code == court_code)
        where.append(r.case_number.in_(assigned))
    if statuses is not None:
        where.append(r.status.in_(list(statuses)))
    if kind is not None:
        where.append(r.kind == kind)
    if case_number is not None:
        where.append(r.case_number == case_number)
    return and_(*where) if where else True


async def page(
    conn: AsyncConnection,
    *,
    court_code: str | None,
    judge_id: str | None,
    statuses: Sequence[str] | None,
    kind: str | None,
    case_number: str | None,
    first: int,
    after: tuple[datetime, str] | None,
) -> list[dict[str, Any]]:
    """A page (and one more row) of requests in scope, newest filed first."""
    r = police_requests.c
    stmt = select(police_requests).where(
        _scope(
            court_code=court_code,
            judge_id=judge_id,
            statuses=statuses,
            kind=kind,
            case_number=case_number,
        )
    )
    if after is not None:
        at, request_id = after
        stmt = stmt.where(or_(r.filed_at < at, and_(r.filed_at == at, r.id < request_id)))
    stmt = stmt.order_by(r.filed_at.desc(), r.id.desc()).limit(first + 1)
    return [_request(row) for row in await conn.execute(stmt)]


async def count(
    conn: AsyncConnection,
    *,
    court_code: str | None,
    judge_id: str | None,
    statuses: Sequence[str] | None,
    kind: str | None,
    case_number: str | None,
) -> int:
    stmt = select(func.count()).select_from(police_requests)
    stmt = stmt.where(
        _scope(
            court_code=court_code,
            judge_id=judge_id,
            statuses=statuses,
            kind=kind,
            case_number=case_number,
        )
    )
    return int((await conn.execute(stmt)).scalar_one())


async def in_states(
    conn: AsyncConnection, kind: str, statuses: Sequence[str]
) -> list[dict[str, Any]]:
    r = police_requests.c
    rows = await conn.execute(
        select(police_requests)
        .where(r.kind == kind, r.status.in_(list(statuses)))
        .order_by(r.filed_at, r.id)
    )
    return [_request(row) for row in rows]
