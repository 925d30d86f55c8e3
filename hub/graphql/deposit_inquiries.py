"""The asynchronous 查控 request over GraphQL: a judge files one request for many subjects of a
case (``depositInquiryFile``), reads it with every bank's state and answer (``depositInquiry``),
follows its progress (``depositInquiryProgress``) and lists the requests of its cases
(``depositInquiries``). Each decodes its input, calls
:mod:`hub.inquiries.workflow` (or reads :mod:`hub.inquiries.service`) and maps the outcome; the
rules are the workflow's. The answers are the profile's ``DepositAccount`` records, so the field
policy and its masks apply to them as to a profile's deposits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from connectors import registry
from hub.audit.entries import BatchRecord
from hub.errors import Forbidden, HubError, NotFound
from hub.federation import lookups as L
from hub.graphql import resolvers
from hub.graphql.context import ctx
from hub.graphql.paging import Counter, PageInfo, decode, encode, micros, moment, page_size
from hub.graphql.payloads import (
    PayloadError,
    actor_fields,
    error_fields,
    record_refusal,
    text_argument,
)
from hub.graphql.records import DepositAccount
from hub.identifiers import normalize_case_number
from hub.inquiries import rules, service, workflow
from hub.policy.enforce import plan_for, policy_plan
from hub.policy.masking import Mask, masked

POLL = 0.5  # seconds between looks at a followed request
CURSOR = "inquiry"


@strawberry.enum(description="OPEN while a bank has not answered; DONE once every bank has")
class DepositInquiryStatus(Enum):
    OPEN = "OPEN"
    DONE = "DONE"


@strawberry.enum(description="Where one bank stands with a request")
class DepositInquiryBankState(Enum):
    PENDING = "PENDING"
    ANSWERED = "ANSWERED"
    TIMED_OUT = "TIMED_OUT"


@strawberry.enum
class DepositInquiryErrorCode(Enum):
    AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    FORBIDDEN = "FORBIDDEN"


@strawberry.type(description="Why a 查控 request was not filed")
class DepositInquiryError(PayloadError):
    code: DepositInquiryErrorCode


@strawberry.type(description="One subject's accounts at one bank, as the bank answered")
class DepositInquiryResult:
    subject_kind: strawberry.Private[str]
    subject_id: str = masked(Mask.ID_NUMBER, subject_kind="subject_kind")
    accounts: list[DepositAccount] = strawberry.field(description="[] when none at this bank")


@strawberry.type(description="One bank's part of a request: its state, tries and answer")
class DepositInquiryBank:
    bank: str = strawberry.field(description="bank:<code>")
    bank_name: str
    state: DepositInquiryBankState
    attempts: int = strawberry.field(description="Calls made to the bank for this request")
    last_error: str | None = strawberry.field(
        description="The last failed try (CONNECTOR_TIMEOUT / CONNECTOR_UNAVAILABLE); asked again"
        " later while PENDING"
    )
    answered_at: datetime | None = strawberry.field(description="ANSWERED or TIMED_OUT at")
    results: list[DepositInquiryResult] | None = strawberry.field(
        description="ANSWERED: every subject of the request, in the order filed; else null"
    )


@strawberry.type(description="An asynchronous 查控 request: many subjects of a case, every bank")
class DepositInquiry:
    id: str = strawberry.field(description="CK-2026-…")
    case_number: str
    status: DepositInquiryStatus
    filed_at: datetime
    deadline: datetime = strawberry.field(description="A bank silent until then ends TIMED_OUT")
    subject_count: int
    banks: list[DepositInquiryBank] = strawberry.field(description="In the registry's order")


@strawberry.type
class DepositInquiryPayload:
    inquiry: DepositInquiry | None = None
    errors: list[DepositInquiryError] = strawberry.field(default_factory=list)


@strawberry.type(description="A bank's state changed in a request the caller follows")
class DepositInquiryProgress:
    inquiry_id: str
    bank: str
    state: DepositInquiryBankState
    answered: int = strawberry.field(description="Banks ANSWERED so far")
    timed_out: int = strawberry.field(description="Banks TIMED_OUT so far")
    pending: int = strawberry.field(description="Banks still PENDING")
    done: bool = strawberry.field(description="Every bank has ended: the last event")


@strawberry.type(description="A page of the requests of the caller's cases, newest filed first")
class DepositInquiryConnection:
    nodes: list[DepositInquiry]
    page_info: PageInfo
    count: strawberry.Private[Counter]

    @resolvers.field(description="How many requests the filter finds, on all pages together")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.input(description="Narrows depositInquiries; every field is optional")
class DepositInquiryFilter:
    case_number: str | None = strawberry.field(default=None, description="One case, in full")
    status: DepositInquiryStatus | None = None


@strawberry.input
class DepositInquiryFileInput:
    case_number: str = strawberry.field(description="An open case of the judge")
    subjects: list[str] = strawberry.field(
        description=f"1–{rules.MAX_SUBJECTS} ID numbers / USCCs, each a 被执行人 (被保全人) of the"
        " case, each once"
    )


# --- mapping -----------------------------------------------------------------------------------


def inquiry_of(
    row: dict[str, Any], banks: list[dict[str, Any]], subjects: list[tuple[str, str]]
) -> DepositInquiry:
    order = {name: i for i, name in enumerate(registry.banks())}
    out = []
    for b in sorted(banks, key=lambda b: order.get(b["bank"], len(order))):
        found = service.accounts_of(b["accounts"])
        out.append(
            DepositInquiryBank(
                bank=b["bank"],
                bank_name=registry.get(b["bank"]).title if b["bank"] in order else b["bank"],
                state=DepositInquiryBankState(b["state"]),
                attempts=b["attempts"],
                last_error=b["last_error"],
                answered_at=b["answered_at"],
                results=None
                if found is None
                else [
                    DepositInquiryResult(
                        subject_kind=kind,
                        subject_id=key,
                        accounts=found.get(key, []),  # type: ignore[arg-type]
                    )
                    for kind, key in subjects
                ],
            )
        )
    return DepositInquiry(
        id=row["id"],
        case_number=row["case_number"],
        status=DepositInquiryStatus(row["status"]),
        filed_at=row["filed_at"],
        deadline=row["deadline"],
        subject_count=row["subjects"],
        banks=out,
    )


class _Gateway:
    def __init__(self, info: Info) -> None:
        self.context = ctx(info)
        self.engine = self.context.runtime.engine

    async def case(self, case_number: str) -> Any:
        return await self.context.loaders.load(L.CASE_PURPOSES, case_number)

    async def audit(
        self,
        conn: Any,
        *,
        case_number: str,
        detail: dict[str, Any],
        subjects: Sequence[tuple[str, str]],
    ) -> None:
        await self.context.runtime.audit.record_many_in(
            conn,
            self.context,
            action="DEPOSIT_INQUIRY_FILE",
            case_number=case_number,
            detail=detail,
            subjects=subjects,
        )


def _actor(info: Info) -> workflow.Actor:
    return workflow.Actor(**actor_fields(info))


def _failed(exc: HubError) -> DepositInquiryPayload:
    return DepositInquiryPayload(
        errors=[DepositInquiryError(**error_fields(exc, DepositInquiryErrorCode))]
    )


async def file(info: Info, data: DepositInquiryFileInput) -> DepositInquiryPayload:
    try:
        command = workflow.FileInquiry(
            case_number=normalize_case_number(data.case_number),
            subjects=tuple(rules.subjects(data.subjects)),
        )
    except HubError as exc:
        return _failed(exc)
    banks = list(registry.banks())
    try:
        row = await workflow.file(_Gateway(info), _actor(info), command, banks=banks)
    except HubError as exc:
        record_refusal(
            info,
            "DEPOSIT_INQUIRY_FILE",
            exc,
            {"caseNumber": command.case_number},
            case_number=command.case_number,
            named=command.subjects,
        )
        return _failed(exc)
    async with ctx(info).runtime.engine.connect() as conn:
        rows = await service.banks_of(conn, row["id"])
    return DepositInquiryPayload(inquiry=inquiry_of(row, rows, list(command.subjects)))


def _not_found(inquiry_id: str) -> NotFound:
    return NotFound(f"no 查控 request {inquiry_id} of the caller's court and cases")


async def _visible(info: Info, inquiry_id: str, action: str) -> dict[str, Any]:
    """The request, if it is of the caller's court and (for a role bound to its cases) a case
    the caller is assigned to; NOT_FOUND otherwise, the same for one that does not exist. A read
    refused so is on record as ``action`` with outcome NOT_FOUND, naming only the id asked."""
    c = ctx(info)
    key = text_argument(inquiry_id, "id", 32)
    try:
        async with c.runtime.engine.connect() as conn:
            row = await service.get_inquiry(conn, key)
        if row is None or row["court_code"] != c.principal.court_code:
            raise _not_found(key)
        if c.grants is not None and c.grants.requires_assignment:
            record = await c.loaders.load(L.CASE_PURPOSES, row["case_number"])
            if record is None or c.principal.sub not in record.judges:
                raise _not_found(key)
    except NotFound as exc:
        record_refusal(info, action, exc, {"inquiry": key})
        raise
    return row


async def inquiry(info: Info, inquiry_id: str) -> DepositInquiry:
    """The request with every bank's state and answer; reading it is on record (one entry, a
    subject row per subject) as a look-up is."""
    row = await _visible(info, inquiry_id, "DEPOSIT_INQUIRY_VIEW")
    c = ctx(info)
    async with c.runtime.engine.connect() as conn:
        banks = await service.banks_of(conn, row["id"])
        subjects = (await service.subjects_of(conn, [row["id"]]))[row["id"]]
    c.audit_batches.append(
        BatchRecord(
            action="DEPOSIT_INQUIRY_VIEW",
            path=tuple(info.path.as_list()),
            subjects=subjects,
            detail={"inquiry": row["id"]},
            case_number=row["case_number"],
        )
    )
    return inquiry_of(row, banks, subjects)


async def progress(info: Info, inquiry_id: str) -> AsyncGenerator[DepositInquiryProgress, None]:
    """Each bank's change of state, as the rounds record it (whichever process runs them), until
    every bank has ended. The events carry states, not subject data."""
    plan = policy_plan(info)
    row = await _visible(info, inquiry_id, "DEPOSIT_INQUIRY_VIEW")
    engine = ctx(info).runtime.engine
    seen: dict[str, str] = {}
    first = True
    while True:
        async with engine.connect() as conn:
            banks = await service.banks_of(conn, row["id"])
        states = {b["bank"]: b["state"] for b in banks}
        changed = [
            b
            for b in sorted(states)
            if (first and states[b] != "PENDING") or (not first and seen.get(b) != states[b])
        ]
        first = False
        seen = states
        counts = {
            s: sum(v == s for v in states.values()) for s in ("ANSWERED", "TIMED_OUT", "PENDING")
        }
        for i, bank in enumerate(changed):
            yield plan.apply(
                DepositInquiryProgress(
                    inquiry_id=row["id"],
                    bank=bank,
                    state=DepositInquiryBankState(states[bank]),
                    answered=counts["ANSWERED"],
                    timed_out=counts["TIMED_OUT"],
                    pending=counts["PENDING"],
                    done=counts["PENDING"] == 0 and i == len(changed) - 1,
                )
            )
        if counts["PENDING"] == 0:
            return
        await asyncio.sleep(POLL)


# --- the list ------------------------------------------------------------------------------------


def _inquiry_id(value: str) -> str:
    """A request id in a cursor: CK-<year>-<hex> as the hub makes them (no SQL sees another)."""
    if not (value.isascii() and 1 <= len(value) <= 32 and value.replace("-", "").isalnum()):
        raise ValueError(value)
    return value


ANSWERS = "DepositInquiryBank.results"  # where a request shows its subjects' accounts


async def many(
    info: Info, filter: DepositInquiryFilter | None, first: int, after: str | None
) -> DepositInquiryConnection:
    """A page of the requests of the caller's court — for a judge, of the cases the judge is
    assigned to (whoever of the case's judges filed them) — newest filed first.

    A page is on record (``DEPOSIT_INQUIRY_LIST``: one entry naming the requests served). Where
    the selection reaches the banks' answers (``DepositInquiryBank.results``), the subjects
    whose accounts it shows are named in it, a subject row each, as a read of one request names
    them; a page of states and counts (the console's list) shows no subject and names none."""
    page_size(first)
    anchor = decode(after, CURSOR, moment, _inquiry_id)
    f = filter or DepositInquiryFilter()
    c = ctx(info)
    p = c.principal
    if p.court_code is None:
        raise Forbidden("only a court lists its 查控 requests", reason="POLICY")
    where: dict[str, Any] = {
        "court_code": p.court_code,
        "assigned_to": p.sub if c.grants is not None and c.grants.requires_assignment else None,
        "case_number": (
            normalize_case_number(f.case_number, argument="filter.caseNumber")
            if f.case_number
            else None
        ),
        "status": f.status.value if f.status is not None else None,
    }
    plan = plan_for(c.grants, c.runtime.policy_fields, info)
    answers = ANSWERS in plan.granted or ANSWERS in plan.masked
    async with c.runtime.engine.connect() as conn:
        rows = await service.inquiry_page(
            conn, **where, after=(anchor[0], anchor[1]) if anchor else None, limit=first + 1
        )
        page = rows[:first]
        ids = [r["id"] for r in page]
        banks = await service.banks_of_many(conn, ids, with_accounts=answers) if page else {}
        subjects = await service.subjects_of(conn, ids) if answers and page else {}
    if page:
        shown = [
            s
            for r in page
            if any(b["state"] == service.ANSWERED for b in banks[r["id"]])
            for s in subjects.get(r["id"], [])
        ]
        c.audit_batches.append(
            BatchRecord(
                action="DEPOSIT_INQUIRY_LIST",
                path=tuple(info.path.as_list()),
                subjects=shown,
                detail={"inquiries": ids},
                case_number=where["case_number"],
            )
        )

    async def count() -> int:
        async with c.runtime.engine.connect() as conn:
            return await service.count_inquiries(conn, **where)

    last = page[-1] if page else None
    return DepositInquiryConnection(
        nodes=[inquiry_of(r, banks[r["id"]], subjects.get(r["id"], [])) for r in page],
        page_info=PageInfo(
            end_cursor=encode(CURSOR, micros(last["filed_at"]), last["id"]) if last else None,
            has_next_page=len(rows) > first,
        ),
        count=count,
    )
