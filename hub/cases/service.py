"""Reads of the court's case data; the caller passes the connection and owns the transaction.

Batch look-ups used by profile views are synchronous functions of a Connection (they run
through :class:`hub.federation.court.CourtSource`); everything else is async.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.base.source import KeyedQuery
from hub.cases.models import case_judges, case_parties, cases, courts, users
from hub.cases.records import (
    CaseJudgeRecord,
    CaseParticipationRecord,
    CasePurposeRecord,
    CaseRecord,
    CourtRecord,
    PartyRecord,
    UserRecord,
)
from hub.cases.rules import case_type_of, respondent_role

_CASE_COLUMNS = (
    cases.c.case_number,
    cases.c.court_code,
    courts.c.name,
    cases.c.kind,
    cases.c.cause,
    cases.c.status,
    cases.c.filed_on,
    cases.c.closed_on,
    cases.c.amount,
)
_CASES = select(*_CASE_COLUMNS).select_from(cases.join(courts, courts.c.code == cases.c.court_code))
_PARTICIPATION = KeyedQuery(
    select(case_parties.c.subject_id, *_CASE_COLUMNS, case_parties.c.role)
    .select_from(
        case_parties.join(cases, cases.c.id == case_parties.c.case_id).join(
            courts, courts.c.code == cases.c.court_code
        )
    )
    .order_by(cases.c.filed_on.desc(), cases.c.id),
    case_parties.c.subject_id,
)


def cases_by_party(
    conn: Connection, subject_ids: Sequence[str]
) -> dict[str, list[CaseParticipationRecord]]:
    """Batch look-up (synchronous; run through the court source like an agency look-up)."""
    out: dict[str, list[CaseParticipationRecord]] = {}
    for r in _PARTICIPATION.rows(conn, subject_ids):
        out.setdefault(r[0], []).append(CaseParticipationRecord(*r[1:]))
    return out


_CASE_BY_NUMBER = KeyedQuery(
    select(cases.c.case_number, cases.c.court_code, cases.c.status, cases.c.amount),
    cases.c.case_number,
)
_JUDGES_BY_NUMBER = KeyedQuery(
    select(cases.c.case_number, case_judges.c.judge_id).select_from(
        case_judges.join(cases, cases.c.id == case_judges.c.case_id)
    ),
    cases.c.case_number,
)
_PARTIES_BY_NUMBER = KeyedQuery(
    select(cases.c.case_number, case_parties.c.subject_id, case_parties.c.role).select_from(
        case_parties.join(cases, cases.c.id == case_parties.c.case_id)
    ),
    cases.c.case_number,
)


def purposes(conn: Connection, case_numbers: Sequence[str]) -> dict[str, CasePurposeRecord]:
    """Batch look-up of cited cases with their judges and parties (for purpose binding), and
    the respondents: the parties in the role the case's type makes the one measures are for."""
    found = {r[0]: (r[1], r[2], r[3]) for r in _CASE_BY_NUMBER.rows(conn, case_numbers)}
    if not found:
        return {}
    types = {k: case_type_of(k) for k in found}
    judges: dict[str, set[str]] = {k: set() for k in found}
    parties: dict[str, set[str]] = {k: set() for k in found}
    respondents: dict[str, set[str]] = {k: set() for k in found}
    for number, judge in _JUDGES_BY_NUMBER.rows(conn, list(found)):
        judges[number].add(judge)
    for number, subject, role in _PARTIES_BY_NUMBER.rows(conn, list(found)):
        parties[number].add(subject)
        if role == respondent_role(types[number]):
            respondents[number].add(subject)
    return {
        k: CasePurposeRecord(
            case_number=k,
            court_code=court,
            status=status,
            judges=frozenset(judges[k]),
            parties=frozenset(parties[k]),
            case_type=types[k],
            respondents=frozenset(respondents[k]),
            amount=amount,
        )
        for k, (court, status, amount) in found.items()
    }


async def cases_of_party(
    conn: AsyncConnection, subject_id: str
) -> list[CaseParticipationRecord]:
    """The cases ``subject_id`` is a party of, in every role it holds there (an enterprise can be
    申请执行人 in one case and 被执行人 in another), newest filed first."""
    stmt = (
        select(*_CASE_COLUMNS, case_parties.c.role)
        .select_from(
            case_parties.join(cases, cases.c.id == case_parties.c.case_id).join(
                courts, courts.c.code == cases.c.court_code
            )
        )
        .where(case_parties.c.subject_id == subject_id)
        .order_by(cases.c.filed_on.desc(), cases.c.id.desc(), case_parties.c.id)
    )
    return [CaseParticipationRecord(*tuple(r)) for r in await conn.execute(stmt)]


async def judges_of_cases(
    conn: AsyncConnection, case_numbers: Sequence[str]
) -> dict[str, list[CaseJudgeRecord]]:
    """The judges of these cases by case number, with their names (承办人 first)."""
    out: dict[str, list[CaseJudgeRecord]] = {n: [] for n in case_numbers}
    if not case_numbers:
        return out
    stmt = (
        select(cases.c.case_number, users.c.name, case_judges.c.role)
        .select_from(
            case_judges.join(cases, cases.c.id == case_judges.c.case_id).outerjoin(
                users, users.c.id == case_judges.c.judge_id
            )
        )
        .where(cases.c.case_number.in_(list(case_numbers)))
        .order_by(cases.c.case_number, case_judges.c.role != "承办人", case_judges.c.judge_id)
    )
    for number, name, role in await conn.execute(stmt):
        out[number].append(CaseJudgeRecord(number, name, role))
    return out


async def all_courts(conn: AsyncConnection) -> list[CourtRecord]:
    """The courts the hub knows (code, abbreviation in case numbers, name), by code."""
    rows = await conn.execute(
        select(courts.c.code, courts.c.abbr, courts.c.name).order_by(courts.c.code)
    )
    return [CourtRecord(*r) for r in rows]


async def case_by_number(conn: AsyncConnection, case_number: str) -> CaseRecord | None:
    row = (await conn.execute(_CASES.where(cases.c.case_number == case_number))).first()
    return CaseRecord(*row) if row else None


async def parties_of_case(conn: AsyncConnection, case_number: str) -> list[PartyRecord]:
    stmt = (
        select(
            case_parties.c.role,
            case_parties.c.subject_kind,
            case_parties.c.subject_id,
            case_parties.c.name,
        )
        .select_from(case_parties.join(cases, cases.c.id == case_parties.c.case_id))
        .where(cases.c.case_number == case_number)
        .order_by(case_parties.c.id)
    )
    return [PartyRecord(*r) for r in await conn.execute(stmt)]


async def judges_of_case(conn: AsyncConnection, case_number: str) -> list[str]:
    stmt = (
        select(case_judges.c.judge_id)
        .select_from(case_judges.join(cases, cases.c.id == case_judges.c.case_id))
        .where(cases.c.case_number == case_number)
    )
    return list((await conn.execute(stmt)).scalars())


async def case_numbers_of_judge(conn: AsyncConnection, judge_id: str) -> list[str]:
    """The case numbers a judge is assigned to."""
    rows = await conn.execute(
        select(cases.c.case_number)
        .join(case_judges, case_judges.c.case_id == cases.c.id)
        .where(case_judges.c.judge_id == judge_id)
    )
    return [r[0] for r in rows]


def _judges_cases(judge_id: str, *, status: str | None, number_contains: str | None) -> Any:
    """The cases ``judge_id`` is assigned to, narrowed by status and a case-number substring
    (ASCII brackets read as the full-width ones case numbers are stored with)."""
    stmt = _CASES.join(case_judges, case_judges.c.case_id == cases.c.id).where(
        case_judges.c.judge_id == judge_id
    )
    if status:
        stmt = stmt.where(cases.c.status == status)
    if number_contains:
        term = number_contains.replace("(", "（").replace(")", "）")
        stmt = stmt.where(cases.c.case_number.contains(term, autoescape=True))
    return stmt


async def cases_of_judge(
    conn: AsyncConnection, judge_id: str, *, status: str | None, limit: int, offset: int = 0
) -> list[CaseRecord]:
    stmt = (
        _judges_cases(judge_id, status=status, number_contains=None)
        .order_by(cases.c.filed_on.desc(), cases.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [CaseRecord(*r) for r in await conn.execute(stmt)]


async def case_page(
    conn: AsyncConnection,
    judge_id: str,
    *,
    status: str | None,
    number_contains: str | None,
    after: tuple[date, int] | None,
    limit: int,
) -> list[tuple[int, CaseRecord]]:
    """(row id, case) of a judge's cases, newest filed first (then newest entered), at most
    ``limit``; ``after`` is the (filed_on, row id) of the last case of the page before."""
    stmt = _judges_cases(judge_id, status=status, number_contains=number_contains)
    if after is not None:
        filed_on, case_id = after
        stmt = stmt.where(
            or_(
                cases.c.filed_on < filed_on,
                and_(cases.c.filed_on == filed_on, cases.c.id < case_id),
            )
        )
    stmt = (
        stmt.add_columns(cases.c.id)
        .order_by(cases.c.filed_on.desc(), cases.c.id.desc())
        .limit(limit)
    )
    return [(r[-1], CaseRecord(*r[:-1])) for r in await conn.execute(stmt)]


async def count_cases_of_judge(
    conn: AsyncConnection, judge_id: str, *, status: str | None, number_contains: str | None
) -> int:
    """How many cases :func:`cases_of_judge` finds on all its pages."""
    stmt = _judges_cases(judge_id, status=status, number_contains=number_contains)
    inner = stmt.with_only_columns(cases.c.id).subquery()
    return int((await conn.execute(select(func.count()).select_from(inner))).scalar_one())


async def user_by_id(conn: AsyncConnection, user_id: str) -> UserRecord | None:
    row = (await conn.execute(select(users).where(users.c.id == user_id))).first()
    return UserRecord(*row) if row else None


async def parties_of_open_cases(
    conn: AsyncConnection,
    *,
    judge_id: str | None = None,
    court_code: str | None = None,
    role: str = "被执行人",
    subject_kind: str | None = None,
    status: str = "OPEN",
    limit: int = 10,
) -> list[tuple[str, PartyRecord]]:
    """(case number, party) pairs of a judge's or a court's cases, oldest case first."""
    stmt = (
        select(
            cases.c.case_number,
            case_parties.c.role,
            case_parties.c.subject_kind,
            case_parties.c.subject_id,
            case_parties.c.name,
        )
        .select_from(case_parties.join(cases, cases.c.id == case_parties.c.case_id))
        .where(cases.c.status == status, case_parties.c.role == role)
        .order_by(cases.c.id, case_parties.c.id)
        .limit(limit)
    )
    if judge_id is not None:
        stmt = stmt.where(
            cases.c.id.in_(select(case_judges.c.case_id).where(case_judges.c.judge_id == judge_id))
        )
    if court_code is not None:
        stmt = stmt.where(cases.c.court_code == court_code)
    if subject_kind is not None:
        stmt = stmt.where(case_parties.c.subject_kind == subject_kind)
    return [(r[0], PartyRecord(*r[1:])) for r in await conn.execute(stmt)]
