"""A court's own sanction-list entries as a paged list (``sanctionEntries``).

A court lists the entries it published; a judge of an ``@assignment`` role, those of the cases
the judge is assigned to (the same scope as the judge's orders). A page names its subjects, so
it is on record like a page of orders: one entry (action ``SANCTION_LIST``) with a row per entry
served, written before the answer leaves; the persons an enterprise's entry binds are put on
record by the audit trail wherever their ID numbers leave in clear.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from hub.audit.entries import BatchRecord
from hub.errors import Forbidden
from hub.graphql import resolvers
from hub.graphql.context import ctx
from hub.graphql.enums import SanctionList, SanctionStatus
from hub.graphql.paging import Counter, PageInfo, decode, encode, natural, page_size
from hub.graphql.sanctions import SanctionListEntry, list_entry
from hub.identifiers import normalize_case_number
from hub.sanctions import queries

CURSOR = "entry"


@strawberry.input(description="Narrows sanctionEntries; every field is optional")
class SanctionEntryFilter:
    case_number: str | None = None
    list: SanctionList | None = None
    status: SanctionStatus | None = None


@strawberry.type(description="A page of the court's sanction-list entries, newest published first")
class SanctionListEntryConnection:
    nodes: list[SanctionListEntry]
    page_info: PageInfo
    count: strawberry.Private[Counter]

    @resolvers.field(description="How many entries the filter finds, on all pages together")
    async def total_count(self) -> int:
        return await self.count()


def _published(value: str) -> date:
    return date.fromordinal(natural(value))


def _entry_id(value: str) -> str:
    """An entry id in a cursor: SX-370602-2026-000123 as the hub makes them."""
    if not (value.isascii() and 1 <= len(value) <= 32 and value.replace("-", "").isalnum()):
        raise ValueError(value)
    return value


async def resolve_sanction_entries(
    info: Info, filter: SanctionEntryFilter | None, first: int, after: str | None
) -> SanctionListEntryConnection:
    page_size(first)
    anchor = decode(after, CURSOR, _published, _entry_id)
    f = filter or SanctionEntryFilter()
    c = ctx(info)
    p = c.principal
    if p.court_code is None:
        raise Forbidden("only a court lists the entries it published", reason="POLICY")
    where: dict[str, Any] = {
        "court_code": p.court_code,
        "assigned_to": p.sub if c.grants and c.grants.requires_assignment else None,
        "case_number": (
            normalize_case_number(f.case_number, argument="filter.caseNumber")
            if f.case_number
            else None
        ),
        "list_": f.list.value if f.list else None,
        "status": f.status.value if f.status else None,
    }
    async with c.runtime.engine.connect() as conn:
        rows = await queries.entry_page(conn, **where, after=anchor, limit=first + 1)
        page = rows[:first]
        persons = await queries.persons_of_entries(conn, [r["id"] for r in page])
    if page:
        c.audit_batches.append(
            BatchRecord(
                action="SANCTION_LIST",
                path=tuple(info.path.as_list()),
                subjects=[(r["subject_kind"], r["subject_id"]) for r in page],
                detail={"entries": [r["id"] for r in page]},
            )
        )

    async def count() -> int:
        async with c.runtime.engine.connect() as conn:
            return await queries.count_entries(conn, **where)

    last = page[-1] if page else None
    return SanctionListEntryConnection(
        nodes=[list_entry(r, persons.get(r["id"], ())) for r in page],
        page_info=PageInfo(
            end_cursor=encode(CURSOR, last["published_on"].toordinal(), last["id"])
            if last
            else None,
            has_next_page=len(rows) > first,
        ),
        count=count,
    )
