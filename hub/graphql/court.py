"""The caller and their court: ``me``, the cases the caller is assigned to (``assignedCases``,
a paged list with a case-number search; ``myCases``, deprecated) and the courts the hub knows
(``courts``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from hub.audit.entries import AccessRecord
from hub.cases import service as cases_service
from hub.cases.records import CaseRecord, CourtRecord, PartyRecord
from hub.errors import BadUserInput
from hub.graphql import resolvers
from hub.graphql.context import ctx
from hub.graphql.enums import CaseStatus, SubjectKind
from hub.graphql.from_record import from_record
from hub.graphql.paging import Counter, PageInfo, decode, encode, natural, page_size, search_text
from hub.policy.masking import Mask, masked

CURSOR = "case"


@from_record(PartyRecord, description="A party of a case", types={"subject_kind": SubjectKind})
class CaseParty:
    role = strawberry.field(description="申请执行人 / 被执行人")
    subject_id = masked(Mask.ID_NUMBER, subject_kind="subject_kind")
    name = masked(Mask.NAME, subject_kind="subject_kind")


@from_record(CaseRecord, description="A case of the caller's court", types={"status": CaseStatus})
class Case:
    if TYPE_CHECKING:  # a field from_record makes (CaseRecord.case_number)
        case_number: str

    @resolvers.field(description="Applicants (申请执行人) and respondents (被执行人)")
    async def parties(self, info: Info) -> list[CaseParty]:
        async with ctx(info).runtime.engine.connect() as conn:
            # the records stand in for CaseParty, whose fields from_record takes from them
            return await cases_service.parties_of_case(conn, self.case_number)  # type: ignore[return-value]


@from_record(
    CourtRecord,
    description="A court the hub knows: its name for the codes in orders, entries and orgs",
)
class Court:
    code = strawberry.field(description="GB/T 2260 code of the court's region (370602)")
    abbr = strawberry.field(description="The abbreviation in its case numbers (鲁0602)")
    name = strawberry.field(description="烟台市芝罘区人民法院")


@strawberry.type(description="The authenticated caller")
class Me:
    user_id: str
    name: str | None
    title: str | None
    org: str
    roles: list[str]
    court_code: str | None
    token_expires_at: datetime


async def resolve_me(info: Info) -> Me:
    c = ctx(info)
    p = c.principal
    async with c.runtime.engine.connect() as conn:
        user = await cases_service.user_by_id(conn, p.sub)
    return Me(
        user_id=p.sub,
        name=user.name if user else None,
        title=user.title if user else None,
        org=p.org,
        roles=list(p.roles),
        court_code=p.court_code,
        token_expires_at=p.expires_at,
    )


async def resolve_courts(info: Info) -> list[Court]:
    async with ctx(info).runtime.engine.connect() as conn:
        rows = await cases_service.all_courts(conn)
    return rows  # type: ignore[return-value]  # CourtRecords stand in for Court (from_record)


async def resolve_my_cases(
    info: Info, status: CaseStatus | None, first: int, offset: int
) -> list[Case]:
    page_size(first)
    if offset < 0:
        raise BadUserInput("offset must not be negative", argument="offset", rule="PAGE_OFFSET")
    c = ctx(info)
    # The parties listed are subject data: the listing is on record (no single subject).
    c.audit_subjects.append(
        AccessRecord(
            action="CASE_LIST",
            subject_kind=None,
            subject_id=None,
            case_number=None,
            path=(info.path.key,),
            detail={"status": status.value if status else None, "first": first, "offset": offset},
        )
    )
    async with c.runtime.engine.connect() as conn:
        rows = await cases_service.cases_of_judge(
            conn,
            c.principal.sub,
            status=status.value if status else None,
            limit=first,
            offset=offset,
        )
    return rows  # type: ignore[return-value]  # CaseRecords stand in for Case (from_record)


@strawberry.input(description="Narrows assignedCases; every field is optional")
class CaseFilter:
    status: CaseStatus | None = None
    case_number_contains: str | None = strawberry.field(
        default=None,
        description="Part of the case number, anywhere in it: 执1119, 1119号, （2023）鲁0602 (ASCII"
        " brackets accepted); 1 to 64 characters",
    )


@strawberry.type(description="A page of the cases the caller is assigned to")
class CaseConnection:
    nodes: list[Case]
    page_info: PageInfo
    count: strawberry.Private[Counter]

    @resolvers.field(description="How many cases the filter finds, on all pages together")
    async def total_count(self) -> int:
        return await self.count()


def _filed(value: str) -> date:
    return date.fromordinal(natural(value))


async def resolve_assigned_cases(
    info: Info, filter: CaseFilter | None, first: int, after: str | None
) -> CaseConnection:
    page_size(first)
    f = filter or CaseFilter()
    contains = search_text(f.case_number_contains, "filter.caseNumberContains")
    anchor = decode(after, CURSOR, _filed, natural)
    status = f.status.value if f.status else None
    c = ctx(info)
    judge = c.principal.sub
    # The parties listed are subject data: the listing is on record (no single subject).
    c.audit_subjects.append(
        AccessRecord(
            action="CASE_LIST",
            subject_kind=None,
            subject_id=None,
            case_number=None,
            path=(info.path.key,),
            detail={
                "status": status,
                "caseNumberContains": contains,
                "first": first,
                "after": after,
            },
        )
    )
    async with c.runtime.engine.connect() as conn:
        rows = await cases_service.case_page(
            conn,
            judge,
            status=status,
            number_contains=contains,
            after=anchor,
            limit=first + 1,
        )
    page = rows[:first]

    async def count() -> int:
        async with c.runtime.engine.connect() as conn:
            return await cases_service.count_cases_of_judge(
                conn, judge, status=status, number_contains=contains
            )

    last = page[-1] if page else None
    return CaseConnection(
        nodes=[record for _, record in page],  # type: ignore[misc]  # records stand in for Case
        page_info=PageInfo(
            end_cursor=encode(CURSOR, last[1].filed_on.toordinal(), last[0]) if last else None,
            has_next_page=len(rows) > first,
        ),
        count=count,
    )
