"""Requests (诉求反映) and published documents over GraphQL: an enterprise party files a request
against one of its cases (``partyRequestFile``); the judges assigned to the case read their inbox
(``partyRequestInbox``) and answer (``partyRequestAnswer``); a court publishes judgment documents
and execution information for a case (``caseDocumentPublish``), which the case's parties read in
``myEnterprise``. Each mutation decodes its input, calls :mod:`hub.parties.workflow` and maps the
outcome to its payload; who may call which is in the policy, the rules are the workflow's.

A party naming a case that is not its own is answered as for a case that does not exist, and the
attempt is on record as refused (outcome DENIED), so it counts toward the party's hourly refusal
limit (:mod:`hub.policy.probing`)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from hub.audit.entries import AccessRecord, BatchRecord
from hub.errors import HubError, NotFound
from hub.graphql import orders as order_types
from hub.graphql import resolvers
from hub.graphql import sanctions as sanction_types
from hub.graphql.context import ctx
from hub.graphql.paging import Counter, PageInfo, decode, encode, micros, moment, page_size
from hub.graphql.payloads import (
    PayloadError,
    WorkflowGateway,
    actor_fields,
    error_fields,
    optional_text_argument,
    record_refusal,
    text_argument,
)
from hub.identifiers import normalize_case_number, normalize_ruling_number
from hub.parties import rules, service, workflow
from hub.parties.states import Decision, DocumentKind, RequestKind, RequestStatus

CURSOR = "request"

# strawberry.enum marks the domain's enums in place and returns them: aliases are types.
strawberry.enum(RequestKind, name="PartyRequestKind")
strawberry.enum(RequestStatus, name="PartyRequestStatus")
strawberry.enum(Decision, name="PartyRequestDecision")
strawberry.enum(DocumentKind, name="CaseDocumentKind")
PartyRequestKind = RequestKind
PartyRequestStatus = RequestStatus
PartyRequestDecision = Decision
CaseDocumentKind = DocumentKind


@strawberry.enum
class PartyErrorCode(Enum):
    AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    CONNECTOR_UNAVAILABLE = "CONNECTOR_UNAVAILABLE"
    CONNECTOR_TIMEOUT = "CONNECTOR_TIMEOUT"


@strawberry.type(description="Why a request or a publication was not made")
class PartyError(PayloadError):
    code: PartyErrorCode


@strawberry.type(description="An attachment of a request: its name and the SHA-256 of the file")
class PartyRequestAttachment:
    name: str
    sha256: str = strawberry.field(description="64 lower-case hexadecimal characters")


@strawberry.type(
    description="A request (诉求反映) of an enterprise party against one of its cases, and the"
    " judge's answer"
)
class PartyRequest:
    id: str = strawberry.field(description="SQ-2026-…")
    uscc: str = strawberry.field(description="The enterprise that filed it")
    case_number: str
    court_code: str
    kind: PartyRequestKind
    role: str = strawberry.field(
        description="The enterprise's part in the case: 申请执行人 / 被执行人"
    )
    text: str
    attachments: list[PartyRequestAttachment]
    status: PartyRequestStatus
    filed_at: datetime
    answer: str | None = strawberry.field(description="The judge's answer (null while OPEN)")
    answered_at: datetime | None
    released_orders: list[str] = strawberry.field(
        description="A granted 申请解除: the orders it released (解封)"
    )
    ended_entries: list[str] = strawberry.field(
        description="A granted 信用修复: the sanction-list entries it deleted (删除) or lifted (解除)"
    )


@strawberry.type
class PartyRequestPayload:
    request: PartyRequest | None = None
    errors: list[PartyError] = strawberry.field(default_factory=list)


@strawberry.type(description="A page of the judge's inbox of requests, newest filed first")
class PartyRequestConnection:
    nodes: list[PartyRequest]
    page_info: PageInfo
    count: strawberry.Private[Counter]

    @resolvers.field(description="How many requests the filter finds, on all pages together")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type(
    description="A document the court published for a case: a judgment document (裁判文书公开)"
    " or execution information (执行信息公开)"
)
class CaseDocument:
    id: str = strawberry.field(description="PD-2026-…")
    case_number: str
    court_code: str
    court_name: str | None
    kind: CaseDocumentKind
    title: str
    text: str
    published_at: datetime


@strawberry.type
class CaseDocumentPayload:
    document: CaseDocument | None = None
    errors: list[PartyError] = strawberry.field(default_factory=list)


@strawberry.input
class PartyRequestAttachmentInput:
    name: str = strawberry.field(description="The file's name, 1–128 characters")
    sha256: str = strawberry.field(description="The SHA-256 of the file, 64 hexadecimal characters")


@strawberry.input
class PartyRequestFileInput:
    case_number: str = strawberry.field(description="One of the enterprise's cases")
    kind: PartyRequestKind = strawberry.field(
        description="RELEASE and CREDIT_REPAIR: by the case's respondent only"
    )
    text: str = strawberry.field(
        description=f"1–{rules.MAX_TEXT} characters; line feeds allowed, no other control characters"
    )
    attachments: list[PartyRequestAttachmentInput] = strawberry.field(
        default_factory=list, description=f"At most {rules.MAX_ATTACHMENTS}"
    )
    client_request_id: str | None = strawberry.field(
        default=None,
        description="Makes filing idempotent: the same id again answers the request it filed",
    )


@strawberry.input
class PartyRequestAnswerInput:
    decision: PartyRequestDecision
    text: str = strawberry.field(
        description=f"The answer to the party, 1–{rules.MAX_TEXT} characters"
    )
    ruling_number: str | None = strawberry.field(
        default=None, description="A GRANTED RELEASE: the release ruling (解除裁定), required"
    )
    order_ids: list[str] | None = strawberry.field(
        default=None,
        description="A GRANTED RELEASE: the orders to release (default: every measure of the case"
        " in effect or waiting on the enterprise's assets)",
    )


@strawberry.input(description="Narrows partyRequestInbox")
class PartyRequestFilter:
    status: PartyRequestStatus | None = None


@strawberry.input
class CaseDocumentPublishInput:
    case_number: str
    kind: CaseDocumentKind
    title: str = strawberry.field(description=f"1–{rules.MAX_TITLE} characters")
    text: str = strawberry.field(
        description=f"1–{rules.MAX_DOCUMENT} characters, without natural persons' ID numbers"
        " (法释〔2016〕19号 第十条第一款第（一）项)"
    )
    published_at: datetime


# --- mapping -----------------------------------------------------------------------------------


def request_of(row: dict[str, Any]) -> PartyRequest:
    effects = row.get("effects") or {}
    return PartyRequest(
        id=row["id"],
        uscc=row["uscc"],
        case_number=row["case_number"],
        court_code=row["court_code"],
        kind=RequestKind(row["kind"]),
        role=row["role"],
        text=row["text"],
        attachments=[
            PartyRequestAttachment(name=a["name"], sha256=a["sha256"]) for a in row["attachments"]
        ],
        status=RequestStatus(row["status"]),
        filed_at=row["filed_at"],
        answer=row["answer"],
        answered_at=row["answered_at"],
        released_orders=list(effects.get("released", [])),
        ended_entries=[e["entry"] for e in effects.get("ended", [])],
    )


def document_of(row: dict[str, Any]) -> CaseDocument:
    return CaseDocument(
        id=row["id"],
        case_number=row["case_number"],
        court_code=row["court_code"],
        court_name=row.get("court_name"),
        kind=DocumentKind(row["kind"]),
        title=row["title"],
        text=row["text"],
        published_at=row["published_at"],
    )


def _failed(exc: HubError) -> list[PartyError]:
    return [PartyError(**error_fields(exc, PartyErrorCode))]


class _RequestGateway(WorkflowGateway):
    """The parties workflow's view of the hub during one GraphQL operation, with the order and
    sanctions workflows' own views for what a decision does."""

    def __init__(self, info: Info) -> None:
        super().__init__(info)
        self.orders = order_types.RequestGateway(info)
        self.sanctions = sanction_types.RequestGateway(info)


def _actor(info: Info) -> workflow.Actor:
    return workflow.Actor(**actor_fields(info), enterprise=ctx(info).principal.enterprise)


# --- the party ---------------------------------------------------------------------------------


def _refused_case(info: Info, case_number: str) -> None:
    """A party naming a case that is not its own: a refused attempt (DENIED), counted toward its
    hourly refusal limit like any refused look-up."""
    ctx(info).audit_subjects.append(
        AccessRecord(
            action="PARTY_REQUEST_FILE",
            subject_kind=None,
            subject_id=None,
            case_number=None,
            path=(info.path.key,),
            outcome="DENIED",
            reason="NOT_OWN_CASE",
            detail={"caseNumber": case_number},
        )
    )


async def file(info: Info, data: PartyRequestFileInput) -> PartyRequestPayload:
    try:
        command = workflow.FileRequest(
            case_number=normalize_case_number(data.case_number),
            kind=RequestKind(data.kind.value),
            text=rules.long_text(data.text, "text", rules.MAX_TEXT),
            attachments=rules.attachments([(a.name, a.sha256) for a in data.attachments]),
            client_request_id=optional_text_argument(data.client_request_id, "clientRequestId"),
        )
    except HubError as exc:
        return PartyRequestPayload(errors=_failed(exc))
    try:
        outcome = await workflow.file(_RequestGateway(info), _actor(info), command)
    except NotFound as exc:
        _refused_case(info, command.case_number)
        return PartyRequestPayload(errors=_failed(exc))
    except HubError as exc:
        record_refusal(info, "PARTY_REQUEST_FILE", exc, {"caseNumber": command.case_number})
        return PartyRequestPayload(errors=_failed(exc))
    return PartyRequestPayload(request=request_of(outcome.request))


async def requests_of(info: Info, uscc: str) -> list[PartyRequest]:
    async with ctx(info).runtime.engine.connect() as conn:
        rows = await service.requests_of_enterprise(conn, uscc)
    return [request_of(r) for r in rows]


async def documents_of(info: Info, uscc: str) -> list[CaseDocument]:
    async with ctx(info).runtime.engine.connect() as conn:
        rows = await service.documents_of_party(conn, uscc)
    return [document_of(r) for r in rows]


# --- the judge ---------------------------------------------------------------------------------


async def answer(info: Info, request_id: str, data: PartyRequestAnswerInput) -> PartyRequestPayload:
    try:
        command = workflow.AnswerRequest(
            request_id=text_argument(request_id, "id", 32),
            decision=Decision(data.decision.value),
            text=rules.long_text(data.text, "text", rules.MAX_TEXT),
            ruling_number=(
                normalize_ruling_number(data.ruling_number)
                if data.ruling_number is not None
                else None
            ),
            order_ids=(
                tuple(text_argument(o, f"orderIds[{i}]", 32) for i, o in enumerate(data.order_ids))
                if data.order_ids is not None
                else None
            ),
        )
    except HubError as exc:
        return PartyRequestPayload(errors=_failed(exc))
    try:
        outcome = await workflow.answer(_RequestGateway(info), _actor(info), command)
    except HubError as exc:
        record_refusal(info, "PARTY_REQUEST_ANSWER", exc, {"request": command.request_id})
        return PartyRequestPayload(errors=_failed(exc))
    return PartyRequestPayload(request=request_of(outcome.request))


def _request_id(value: str) -> str:
    """A request id in a cursor: SQ-<year>-<hex> as the hub makes them."""
    if not (value.isascii() and 1 <= len(value) <= 32 and value.replace("-", "").isalnum()):
        raise ValueError(value)
    return value


async def inbox(
    info: Info, filter: PartyRequestFilter | None, first: int, after: str | None
) -> PartyRequestConnection:
    """The requests of the cases the caller is assigned to, of the caller's court; a caller who
    is not a court user has none. Reading a page is on record (one entry, a row per request's
    enterprise)."""
    page_size(first)
    anchor = decode(after, CURSOR, moment, _request_id)
    c = ctx(info)
    court = c.principal.court_code
    status = filter.status.value if filter is not None and filter.status is not None else None
    where: dict[str, Any] = {
        "judge_id": c.principal.sub,
        "court_code": court or "-",
        "status": status,
    }
    async with c.runtime.engine.connect() as conn:
        rows = await service.inbox(
            conn, **where, first=first, after=(anchor[0], anchor[1]) if anchor else None
        )
    page = rows[:first]
    if page:
        c.audit_batches.append(
            BatchRecord(
                action="PARTY_REQUEST_INBOX",
                path=tuple(info.path.as_list()),
                subjects=[("ENTERPRISE", r["uscc"]) for r in page],
                detail={"requests": [r["id"] for r in page]},
            )
        )

    async def count() -> int:
        async with c.runtime.engine.connect() as conn:
            return await service.count_inbox(conn, **where)

    end = encode(CURSOR, micros(page[-1]["filed_at"]), page[-1]["id"]) if page else None
    return PartyRequestConnection(
        nodes=[request_of(r) for r in page],
        page_info=PageInfo(end_cursor=end, has_next_page=len(rows) > first),
        count=count,
    )


async def publish(info: Info, data: CaseDocumentPublishInput) -> CaseDocumentPayload:
    try:
        command = workflow.PublishDocument(
            case_number=normalize_case_number(data.case_number),
            kind=DocumentKind(data.kind.value),
            title=text_argument(data.title, "title", rules.MAX_TITLE),
            text=rules.long_text(data.text, "text", rules.MAX_DOCUMENT),
            published_at=data.published_at,
        )
    except HubError as exc:
        return CaseDocumentPayload(errors=_failed(exc))
    try:
        row = await workflow.publish_document(_RequestGateway(info), _actor(info), command)
    except HubError as exc:
        record_refusal(info, "CASE_DOCUMENT_PUBLISH", exc, {"caseNumber": command.case_number})
        return CaseDocumentPayload(errors=_failed(exc))
    return CaseDocumentPayload(document=document_of(row))
