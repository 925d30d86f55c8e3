"""Reads of the lists for paging: a court's entries (a page, its count, the persons each entry
binds) and the size of the change feed. Functions take an ``AsyncConnection``; the caller owns
the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.cases.models import case_judges, cases
from hub.sanctions.catalogue import LEGACY_ROLE, ROLES
from hub.sanctions.models import sanction_changes, sanction_entries, sanction_entry_persons
from hub.sanctions.records import BoundPersonRecord


def _court_entries(
    *,
    court_code: str,
    assigned_to: str | None,
    case_number: str | None,
    list_: str | None,
    status: str | None,
) -> Any:
    """A court's entries (for ``assigned_to``, those of the cases that judge is assigned to),
    narrowed by case, list and status."""
    e = sanction_entries.c
    stmt = select(sanction_entries).where(e.court_code == court_code)
    if assigned_to is not None:
        stmt = stmt.where(
            e.case_number.in_(
                select(cases.c.case_number)
                .join(case_judges, case_judges.c.case_id == cases.c.id)
                .where(case_judges.c.judge_id == assigned_to)
            )
        )
    for column, value in ((e.case_number, case_number), (e.list, list_), (e.status, status)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


async def entry_page(
    conn: AsyncConnection,
    *,
    court_code: str,
    assigned_to: str | None,
    case_number: str | None = None,
    list_: str | None = None,
    status: str | None = None,
    after: tuple[date, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """At most ``limit`` entries, newest published first (then by id, descending); ``after``
    is the (published_on, id) of the last entry of the page before."""
    e = sanction_entries.c
    stmt = _court_entries(
        court_code=court_code,
        assigned_to=assigned_to,
        case_number=case_number,
        list_=list_,
        status=status,
    )
    if after is not None:
        published_on, entry_id = after
        stmt = stmt.where(
            or_(
                e.published_on < published_on, and_(e.published_on == published_on, e.id < entry_id)
            )
        )
    stmt = stmt.order_by(e.published_on.desc(), e.id.desc()).limit(limit)
    return [dict(r._mapping) for r in await conn.execute(stmt)]


async def count_entries(
    conn: AsyncConnection,
    *,
    court_code: str,
    assigned_to: str | None,
    case_number: str | None = None,
    list_: str | None = None,
    status: str | None = None,
) -> int:
    """How many entries :func:`entry_page` finds on all its pages."""
    inner = (
        _court_entries(
            court_code=court_code,
            assigned_to=assigned_to,
            case_number=case_number,
            list_=list_,
            status=status,
        )
        .with_only_columns(sanction_entries.c.id)
        .subquery()
    )
    return int((await conn.execute(select(func.count()).select_from(inner))).scalar_one())


async def count_changes(conn: AsyncConnection) -> int:
    """How many changes the feed holds (every court's)."""
    return int(
        (await conn.execute(select(func.count()).select_from(sanction_changes))).scalar_one()
    )


async def persons_of_entries(
    conn: AsyncConnection, entry_ids: Sequence[str]
) -> dict[str, list[BoundPersonRecord]]:
    """The persons each entry records, one record per person (their roles together); the
    legacy KEY_PERSONNEL rows, which bind nobody, as records of their own."""
    if not entry_ids:
        return {}
    p = sanction_entry_persons.c
    rows = await conn.execute(
        select(sanction_entry_persons)
        .where(p.entry_id.in_(list(entry_ids)))
        .order_by(p.entry_id, p.id_number)
    )
    out: dict[tuple[str, str, bool], BoundPersonRecord] = {}
    for r in rows:
        legacy = r.role == LEGACY_ROLE
        record = out.get((r.entry_id, r.id_number, legacy))
        if record is None:
            out[r.entry_id, r.id_number, legacy] = BoundPersonRecord(
                entry_id=r.entry_id,
                id_number=r.id_number,
                name=r.name,
                roles=[r.role],
                position=r.position,
                named_by=r.named_by,
                released_on=r.released_on,
                release_ground=r.release_ground,
                release_reason=r.release_reason,
            )
        else:
            record.roles.append(r.role)
            record.position = record.position or r.position
    order = {role: i for i, role in enumerate((*ROLES, LEGACY_ROLE))}
    by_entry: dict[str, list[BoundPersonRecord]] = {}
    for record in out.values():
        record.roles.sort(key=order.__getitem__)
        by_entry.setdefault(record.entry_id, []).append(record)
    return {
        entry_id: sorted(records, key=lambda r: (order[r.roles[0]], r.id_number))
        for entry_id, records in by_entry.items()
    }
