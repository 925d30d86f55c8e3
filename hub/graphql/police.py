"""Police assistance (公安协助) over GraphQL: a judge files 查人, 车辆布控 and 限制出境 requests to
public security (``policeRequestFile``), follows them (``policeRequests``, ``policeRequest``, the
``policeRequestEvents`` subscription), withdraws, stops or lifts them; public security reads its
inbox (``policeInbox``), answers, refuses, confirms, records sightings and hands a stopped
vehicle over. Each mutation decodes its input, calls :mod:`hub.police.workflow` and maps the
outcome to its payload; who may call which is in the policy, the rules are the workflow's.
Reading requests, answers and sightings is on record with the respondent as the subject."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from hub.audit.entries import AccessRecord, BatchRecord
from hub.errors import BadUserInput, HubError, NotFound, Unauthenticated
from hub.federation import lookups as L
from hub.graphql import resolvers
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
from hub.identifiers import (
    check_id_number,
    check_uscc,
    normalize_case_number,
    normalize_ruling_number,
    subject_kind,
)
from hub.police import holdings, rules, service, workflow
from hub.police.states import (
    FOR_POLICE,
    Event,
    ExitBanBasis,
    Finding,
    RequestKind,
    RequestStatus,
)
from hub.policy.enforce import policy_in_force, policy_plan

CURSOR = "police"  # policeRequests's cursors
INBOX_CURSOR = "police-inbox"  # policeInbox's: neither list takes the other's
POLL = 0.5  # seconds between looks for new events of a followed request
FINAL = frozenset(
    {
        RequestStatus.ANSWERED,
        RequestStatus.REFUSED,
        RequestStatus.CANCELLED,
        RequestStatus.EXPIRED,
        RequestStatus.HANDED_OVER,
        RequestStatus.ENDED,
        RequestStatus.LIFTED,
    }
)

strawberry.enum(RequestKind, name="PoliceRequestKind")
strawberry.enum(RequestStatus, name="PoliceRequestStatus")
strawberry.enum(Event, name="PoliceRequestEventKind")
strawberry.enum(Finding, name="PoliceFindingCategory")
strawberry.enum(ExitBanBasis, name="PoliceExitBanBasis")
PoliceRequestKind = RequestKind
PoliceRequestStatus = RequestStatus
PoliceRequestEventKind = Event
PoliceFindingCategory = Finding
PoliceExitBanBasis = ExitBanBasis


@strawberry.enum
class PoliceErrorCode(Enum):
    AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"


@strawberry.type(description="Why a police-assistance action was not taken")
class PoliceError(PayloadError):
    code: PoliceErrorCode


@strawberry.type(description="One record public security shares about where a respondent is")
class PoliceFinding:
    category: PoliceFindingCategory
    at: datetime = strawberry.field(description="When (check-in, departure, passage)")
    place: str
    detail: str | None = None


@strawberry.type(
    description="A record public security holds on a 查人 request's respondent (旅馆住宿登记,"
    " 交通订票, 卡口通行), in the shape of a finding: what the officer may pick to answer with"
)
class PoliceHolding:
    category: PoliceFindingCategory
    at: datetime = strawberry.field(description="Check-in, departure or passage (UTC+8)")
    place: str = strawberry.field(
        description="The hotel's address, the journey (from→to), the checkpoint's county"
    )
    detail: str = strawberry.field(description="Hotel and stay, ticket, or plate and checkpoint")


@strawberry.type(description="A stopped vehicle handed over to the court (查扣), with the receipt")
class PoliceHandOver:
    receipt_number: str
    place: str
    handed_over_at: datetime


@strawberry.type(description="Something that happened to a request: filed, answered, a sighting …")
class PoliceRequestEvent:
    id: str = strawberry.field(description="Increasing; pass as after to follow from here")
    request_id: str
    event: PoliceRequestEventKind
    at: datetime = strawberry.field(description="When the hub recorded it")
    checkpoint: str | None = strawberry.field(description="A sighting: the checkpoint (卡口)")
    place: str | None = strawberry.field(description="A sighting or a hand-over: where")
    seen_at: datetime | None = strawberry.field(description="A sighting: when the vehicle passed")
    detail: str = strawberry.field(description="Everything recorded, as canonical JSON")


@strawberry.type(
    description="A court's request to public security (公安协助): 查人, 车辆布控 or 限制出境, and"
    " what public security answered"
)
class PoliceRequest:
    id: str = strawberry.field(description="GA-2026-…")
    kind: PoliceRequestKind
    case_number: str
    court_code: str
    subject_kind: str = strawberry.field(description="PERSON / ENTERPRISE")
    subject_id: str = strawberry.field(description="The respondent (被执行人): ID number or USCC")
    ruling_number: str
    reason: str
    status: PoliceRequestStatus
    filed_at: datetime
    valid_until: datetime | None = strawberry.field(
        description="LOCATE: nothing is answered after it"
    )
    order_id: str | None = strawberry.field(description="VEHICLE_WATCH: the order holding it")
    plate: str | None = strawberry.field(description="VEHICLE_WATCH: the vehicle")
    term_end: date | None = strawberry.field(description="EXIT_BAN: the last day")
    basis: PoliceExitBanBasis | None = strawberry.field(
        description="EXIT_BAN: the applicant's written application or the court's own motion"
        " (民诉法解释 第五百一十六条)"
    )
    answered_at: datetime | None
    findings: list[PoliceFinding] = strawberry.field(
        description="LOCATE answered: what public security may share, newest first"
    )
    note: str | None = strawberry.field(description="LOCATE answered: the officer's note")
    refusal: str | None = strawberry.field(description="REFUSED: public security's reason")
    receipt_number: str | None = strawberry.field(
        description="The receipt of the latest confirmation (watch in place, 边控 in force, lifted)"
    )
    stop_requested_at: datetime | None
    hand_over: PoliceHandOver | None
    ended_at: datetime | None
    end_reason: str | None
    request_events: strawberry.Private[list[dict[str, Any]] | None] = None

    @resolvers.field(description="What happened to it, oldest first (sightings included)")
    async def events(self, info: Info) -> list[PoliceRequestEvent]:
        if self.request_events is None:  # a mutation's payload, a list's row: read them now
            async with ctx(info).runtime.engine.connect() as conn:
                self.request_events = await service.events_of(conn, self.id)
        return [event_of(e) for e in self.request_events]

    @resolvers.field(
        description="LOCATE, public security only: what its registers hold on the respondent —"
        " accommodation registrations, transport bookings, the checkpoint passages of the"
        " respondent's vehicles — newest first, to pick the answer's findings from (null for"
        " the other kinds). Reading it is on record with the respondent as the subject"
    )
    async def holdings(self, info: Info) -> list[PoliceHolding] | None:
        return await holdings_of(info, self)


@strawberry.type
class PoliceRequestPayload:
    request: PoliceRequest | None = None
    errors: list[PoliceError] = strawberry.field(default_factory=list)


@strawberry.type
class PoliceSightingPayload:
    event: PoliceRequestEvent | None = None
    errors: list[PoliceError] = strawberry.field(default_factory=list)


@strawberry.type(description="A page of police-assistance requests, newest filed first")
class PoliceRequestConnection:
    nodes: list[PoliceRequest]
    page_info: PageInfo
    count: strawberry.Private[Counter]

    @resolvers.field(description="How many requests the filter finds, on all pages together")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.input
class PoliceRequestFileInput:
    kind: PoliceRequestKind
    case_number: str = strawberry.field(description="An open case the judge is assigned to")
    subject: str = strawberry.field(
        description="The respondent (被执行人) of the case: ID number, or USCC (not for EXIT_BAN)"
    )
    ruling_number: str = strawberry.field(description="The ruling or decision the request rests on")
    reason: str = strawberry.field(description=f"1–{rules.MAX_TEXT} characters")
    valid_until: datetime | None = strawberry.field(
        default=None,
        description=f"LOCATE (required): at most {rules.MAX_VALIDITY.days} days ahead",
    )
    order_id: str | None = strawberry.field(
        default=None,
        description="VEHICLE_WATCH (required): an order of the case holding the vehicle",
    )
    term_end: date | None = strawberry.field(
        default=None, description="EXIT_BAN (required): the last day of the restriction"
    )
    basis: PoliceExitBanBasis | None = strawberry.field(
        default=None, description="EXIT_BAN (required): APPLICATION or EX_OFFICIO"
    )
    client_request_id: str | None = strawberry.field(
        default=None,
        description="Makes filing idempotent: the same id again answers the request it filed",
    )


@strawberry.input
class PoliceFindingInput:
    category: PoliceFindingCategory
    at: datetime
    place: str = strawberry.field(description=f"1–{rules.MAX_TEXT} characters")
    detail: str | None = None


@strawberry.input
class PoliceLocateAnswerInput:
    findings: list[PoliceFindingInput] = strawberry.field(
        description=f"0–{rules.MAX_FINDINGS} records (none: nothing found)"
    )
    note: str | None = None


@strawberry.input
class PoliceSightingInput:
    checkpoint: str
    place: str
    at: datetime = strawberry.field(description="When the vehicle passed")


@strawberry.input
class PoliceHandOverInput:
    receipt_number: str
    place: str
    at: datetime = strawberry.field(description="When the vehicle was handed over")


@strawberry.input(description="Narrows policeRequests and policeInbox")
class PoliceRequestFilter:
    kind: PoliceRequestKind | None = None
    status: PoliceRequestStatus | None = None
    case_number: str | None = None


# --- mapping -----------------------------------------------------------------------------------


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value)


def event_of(row: dict[str, Any]) -> PoliceRequestEvent:
    d = row["detail"]
    return PoliceRequestEvent(
        id=str(row["id"]),
        request_id=row["request_id"],
        event=Event(row["event"]),
        at=row["at"],
        checkpoint=d.get("checkpoint"),
        place=d.get("place"),
        seen_at=_utc(d["seenAt"]) if "seenAt" in d else None,
        detail=service.canonical(d),
    )


def request_of(row: dict[str, Any], events: list[dict[str, Any]] | None = None) -> PoliceRequest:
    answer = row.get("answer") or {}
    receipts = answer.get("receipts", {})
    latest = None
    for status in ("LIFTED", "IN_FORCE", "WATCHING"):
        if status in receipts:
            latest = receipts[status]
            break
    hand = answer.get("handOver")
    return PoliceRequest(
        id=row["id"],
        kind=RequestKind(row["kind"]),
        case_number=row["case_number"],
        court_code=row["court_code"],
        subject_kind=row["subject_kind"],
        subject_id=row["subject_id"],
        ruling_number=row["ruling_number"],
        reason=row["reason"],
        status=RequestStatus(row["status"]),
        filed_at=row["filed_at"],
        valid_until=row["valid_until"],
        order_id=row["order_id"],
        plate=row["plate"],
        term_end=row["term_end"],
        basis=ExitBanBasis(row["basis"]) if row["basis"] else None,
        answered_at=row["answered_at"],
        findings=[
            PoliceFinding(
                category=Finding(f["category"]),
                at=_utc(f["at"]),
                place=f["place"],
                detail=f.get("detail"),
            )
            for f in answer.get("findings", [])
        ],
        note=answer.get("note"),
        refusal=row["refusal"],
        receipt_number=latest,
        stop_requested_at=row["stop_requested_at"],
        hand_over=(
            PoliceHandOver(
                receipt_number=hand["receiptNumber"],
                place=hand["place"],
                handed_over_at=_utc(hand["handedOverAt"]),
            )
            if hand
            else None
        ),
        ended_at=row["ended_at"],
        end_reason=row["end_reason"],
        request_events=events,
    )


def _failed(exc: HubError) -> list[PoliceError]:
    return [PoliceError(**error_fields(exc, PoliceErrorCode))]


class _Gateway(WorkflowGateway):
    """The police workflow's view of the hub during one GraphQL operation, with the system log
    for what the hub itself ends."""

    def __init__(self, info: Info) -> None:
        super().__init__(info)
        self.system_log = self.context.runtime.audit


def _actor(info: Info) -> workflow.Actor:
    return workflow.Actor(**actor_fields(info))


def _subject(value: str) -> str:
    raw = (value or "").strip().upper()
    if len(raw) == 18 and subject_kind(raw) == "PERSON":
        return check_id_number(raw, argument="subject")
    try:
        return check_uscc(raw, argument="subject")
    except BadUserInput:
        raise BadUserInput(
            "subject must be a valid ID number (GB 11643) or USCC (GB 32100)",
            argument="subject",
            rule="SUBJECT_ID",
        ) from None


def _reason(value: str, name: str = "reason") -> str:
    return str(rules.text(value, name))


def _id(value: str) -> str:
    return text_argument(value, "id", 32)


async def _refused(info: Info, action: str, exc: HubError, request_id: str) -> None:
    """A refused action on a request is on record (:func:`record_refusal`): one the caller may
    not see (NOT_FOUND) by its id alone; one refused for its state (CONFLICT: the validity
    ended, the case closed, the watch ended …) with its case and respondent, as its action
    would have been."""
    row = None
    if exc.code == "CONFLICT":
        try:
            row = await _visible(info, request_id)
        except HubError:
            row = None
    record_refusal(
        info,
        action,
        exc,
        {"request": request_id},
        case_number=row["case_number"] if row is not None else None,
        subject=(row["subject_kind"], row["subject_id"]) if row is not None else None,
        conflict=True,
    )


async def _run(info: Info, action: str, request_id: str, call: Any) -> PoliceRequestPayload:
    try:
        row = await call
    except HubError as exc:
        await _refused(info, action, exc, request_id)
        return PoliceRequestPayload(errors=_failed(exc))
    return PoliceRequestPayload(request=request_of(row))


# --- the court ---------------------------------------------------------------------------------


async def file(info: Info, data: PoliceRequestFileInput) -> PoliceRequestPayload:
    try:
        command = workflow.FileRequest(
            kind=RequestKind(data.kind.value),
            case_number=normalize_case_number(data.case_number),
            subject_id=_subject(data.subject),
            ruling_number=normalize_ruling_number(data.ruling_number),
            reason=_reason(data.reason),
            valid_until=data.valid_until,
            order_id=text_argument(data.order_id, "orderId", 32) if data.order_id else None,
            term_end=data.term_end,
            basis=ExitBanBasis(data.basis.value) if data.basis is not None else None,
            client_request_id=optional_text_argument(data.client_request_id, "clientRequestId"),
        )
    except HubError as exc:
        return PoliceRequestPayload(errors=_failed(exc))
    try:
        row, _created = await workflow.file(_Gateway(info), _actor(info), command)
    except HubError as exc:
        record_refusal(
            info,
            "POLICE_REQUEST_FILE",
            exc,
            {"caseNumber": command.case_number},
            case_number=command.case_number,
            subject=(subject_kind(command.subject_id), command.subject_id),
            conflict=True,
        )
        return PoliceRequestPayload(errors=_failed(exc))
    return PoliceRequestPayload(request=request_of(row))


async def court_change(info: Info, verb: str, request_id: str, reason: str) -> PoliceRequestPayload:
    call = {"cancel": workflow.cancel, "stop": workflow.stop, "lift": workflow.lift}[verb]
    action = {
        "cancel": "POLICE_REQUEST_CANCEL",
        "stop": "POLICE_VEHICLE_STOP",
        "lift": "POLICE_EXIT_BAN_LIFT",
    }[verb]
    return await _with_reason(info, action, call, request_id, reason)


async def _with_reason(
    info: Info,
    action: str,
    step: Callable[[workflow.Gateway, workflow.Actor, str, str], Awaitable[dict[str, Any]]],
    request_id: str,
    reason: str,
) -> PoliceRequestPayload:
    """An action on a request that names only the request and the reason (cancel, stop, lift,
    refuse)."""
    try:
        key, why = _id(request_id), _reason(reason)
    except HubError as exc:
        return PoliceRequestPayload(errors=_failed(exc))
    return await _run(info, action, key, step(_Gateway(info), _actor(info), key, why))


# --- public security ---------------------------------------------------------------------------


async def answer(
    info: Info, request_id: str, data: PoliceLocateAnswerInput
) -> PoliceRequestPayload:
    try:
        if len(data.findings) > rules.MAX_FINDINGS:
            raise BadUserInput(
                f"findings: at most {rules.MAX_FINDINGS}", argument="findings", rule="BATCH_SIZE"
            )
        command = workflow.AnswerLocate(
            request_id=_id(request_id),
            findings=tuple(
                workflow.FindingRecord(
                    category=Finding(f.category.value),
                    at=_aware(f.at, f"findings[{i}].at"),
                    place=_reason(f.place, f"findings[{i}].place"),
                    detail=rules.text(f.detail, f"findings[{i}].detail", required=False),
                )
                for i, f in enumerate(data.findings)
            ),
            note=rules.text(data.note, "note", required=False),
        )
    except HubError as exc:
        return PoliceRequestPayload(errors=_failed(exc))
    return await _run(
        info,
        "POLICE_LOCATE_ANSWER",
        command.request_id,
        workflow.answer(_Gateway(info), _actor(info), command),
    )


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise BadUserInput(f"{name} needs a time zone", argument=name, rule="TIME_ZONE")
    return value


async def refuse(info: Info, request_id: str, reason: str) -> PoliceRequestPayload:
    return await _with_reason(info, "POLICE_REQUEST_REFUSE", workflow.refuse, request_id, reason)


async def confirm(info: Info, request_id: str, receipt_number: str) -> PoliceRequestPayload:
    try:
        key = _id(request_id)
        receipt = text_argument(receipt_number, "receiptNumber")
    except HubError as exc:
        return PoliceRequestPayload(errors=_failed(exc))
    return await _run(
        info,
        "POLICE_REQUEST_CONFIRM",
        key,
        workflow.confirm(_Gateway(info), _actor(info), key, receipt),
    )


async def sighting(info: Info, request_id: str, data: PoliceSightingInput) -> PoliceSightingPayload:
    try:
        command = workflow.RecordSighting(
            request_id=_id(request_id),
            checkpoint=_reason(data.checkpoint, "checkpoint"),
            place=_reason(data.place, "place"),
            at=_aware(data.at, "at"),
        )
    except HubError as exc:
        return PoliceSightingPayload(errors=_failed(exc))
    try:
        event = await workflow.record_sighting(_Gateway(info), _actor(info), command)
    except HubError as exc:
        await _refused(info, "POLICE_SIGHTING_RECORD", exc, command.request_id)
        return PoliceSightingPayload(errors=_failed(exc))
    return PoliceSightingPayload(event=event_of(event))


async def hand_over(info: Info, request_id: str, data: PoliceHandOverInput) -> PoliceRequestPayload:
    try:
        command = workflow.HandOver(
            request_id=_id(request_id),
            receipt_number=text_argument(data.receipt_number, "receiptNumber"),
            place=_reason(data.place, "place"),
            at=_aware(data.at, "at"),
        )
    except HubError as exc:
        return PoliceRequestPayload(errors=_failed(exc))
    return await _run(
        info,
        "POLICE_VEHICLE_HAND_OVER",
        command.request_id,
        workflow.hand_over(_Gateway(info), _actor(info), command),
    )


# --- reading -----------------------------------------------------------------------------------


def _request_id(value: str) -> str:
    if not (value.isascii() and 1 <= len(value) <= 32 and value.replace("-", "").isalnum()):
        raise ValueError(value)
    return value


async def _visible(info: Info, request_id: str) -> dict[str, Any]:
    gateway, actor = _Gateway(info), _actor(info)
    key = _id(request_id)
    if actor.court_code is not None:
        return await workflow.visible_to_court(gateway, actor, key)
    return await workflow.visible_to_police(gateway, actor, key)


async def _read(info: Info, request_id: str, action: str) -> dict[str, Any]:
    """The request for a read (:func:`one`, :func:`follow`); a read refused as NOT_FOUND (a
    request of another court, of a case the judge is not assigned to, or none) is on record as
    ``action`` with outcome NOT_FOUND, naming only the id asked, as a refused mutation is. The
    caller's answer is the same either way."""
    try:
        return await _visible(info, request_id)
    except NotFound as exc:
        record_refusal(info, action, exc, {"request": _id(request_id)})
        raise


async def _closed(info: Info, case_numbers: Iterable[str], *, fresh: bool = False) -> set[str]:
    """Which of these cases are closed: reading a closed case's requests is allowed (the
    court's own records) and flagged CASE_CLOSED, as a look-up citing a closed case is. A case
    the court's records do not answer for now is not counted (the read is not refused for it).
    ``fresh``: read again, not from this operation's loader (a subscription lasts)."""
    c = ctx(info)
    numbers = sorted(set(case_numbers))
    if not numbers:
        return set()
    if fresh:
        loader = c.loaders.loader(L.CASE_PURPOSES)
        for number in numbers:
            loader.clear(number)
    try:
        records = await c.loaders.load_many(L.CASE_PURPOSES, numbers)
    except HubError:
        return set()
    return {
        n
        for n, r in zip(numbers, records, strict=True)
        if r is not None and not isinstance(r, BaseException) and r.status != "OPEN"
    }


async def one(info: Info, request_id: str) -> PoliceRequest:
    """One request with its events; reading it is on record with the respondent as subject
    and its case (flagged CASE_CLOSED once the case is closed)."""
    row = await _read(info, request_id, "POLICE_REQUEST_VIEW")
    c = ctx(info)
    async with c.runtime.engine.connect() as conn:
        events = await service.events_of(conn, row["id"])
    closed = await _closed(info, [row["case_number"]])
    c.audit_batches.append(
        BatchRecord(
            action="POLICE_REQUEST_VIEW",
            path=tuple(info.path.as_list()),
            subjects=[(row["subject_kind"], row["subject_id"])],
            detail={"requests": [row["id"]], "events": len(events)},
            case_number=row["case_number"],
            case_closed=bool(closed),
        )
    )
    return request_of(row, events)


async def many(
    info: Info,
    filter: PoliceRequestFilter | None,
    first: int,
    after: str | None,
    *,
    inbox: bool,
) -> PoliceRequestConnection:
    """A court's requests (a judge: of the cases the judge is assigned to), or public security's
    inbox (the requests it has to act on, or all in a status the filter names). A caller who is
    neither has none. Reading a page is on record (one entry, a row per respondent)."""
    page_size(first)
    cursor_kind = INBOX_CURSOR if inbox else CURSOR
    anchor = decode(after, cursor_kind, moment, _request_id)
    c = ctx(info)
    p = c.principal
    kind = filter.kind.value if filter is not None and filter.kind is not None else None
    status = filter.status.value if filter is not None and filter.status is not None else None
    case = (
        normalize_case_number(filter.case_number)
        if filter is not None and filter.case_number is not None
        else None
    )
    statuses: list[str] | None
    if inbox:
        if p.org != workflow.POLICE_ORG:
            where: dict[str, Any] = {"court_code": "-", "judge_id": None}
        else:
            where = {"court_code": None, "judge_id": None}
        statuses = [status] if status else sorted(s.value for s in FOR_POLICE)
    else:
        assigned = bool(c.grants and c.grants.requires_assignment)
        where = {"court_code": p.court_code or "-", "judge_id": p.sub if assigned else None}
        statuses = [status] if status else None
    where |= {"statuses": statuses, "kind": kind, "case_number": case}
    async with c.runtime.engine.connect() as conn:
        rows = await service.page(
            conn, **where, first=first, after=(anchor[0], anchor[1]) if anchor else None
        )
    page = rows[:first]
    if page:
        closed = await _closed(info, (r["case_number"] for r in page))
        c.audit_batches.append(
            BatchRecord(
                action="POLICE_REQUEST_LIST",
                path=tuple(info.path.as_list()),
                subjects=[(r["subject_kind"], r["subject_id"]) for r in page],
                detail={
                    "requests": [r["id"] for r in page],
                    "inbox": inbox,
                    **({"closedCases": sorted(closed)} if closed else {}),
                },
                case_number=case,
                case_closed=bool(closed),
            )
        )

    async def count() -> int:
        async with c.runtime.engine.connect() as conn:
            return await service.count(conn, **where)

    end = encode(cursor_kind, micros(page[-1]["filed_at"]), page[-1]["id"]) if page else None
    return PoliceRequestConnection(
        nodes=[request_of(r) for r in page],
        page_info=PageInfo(end_cursor=end, has_next_page=len(rows) > first),
        count=count,
    )


async def holdings_of(info: Info, request: PoliceRequest) -> list[PoliceHolding] | None:
    """Public security's records on a 查人 request's respondent, from its source: a person's
    stays and bookings, and the passages of the respondent's vehicles. One audit entry per
    request read, the respondent as the subject (the counts of each category, no places)."""
    if request.kind is not RequestKind.LOCATE:
        return None
    c = ctx(info)
    subject = request.subject_id
    if request.subject_kind == "PERSON":
        stays, tickets, vehicles = await asyncio.gather(
            c.loaders.load(L.ACCOMMODATIONS, subject),
            c.loaders.load(L.BOOKINGS, subject),
            c.loaders.load(L.VEHICLES_BY_OWNER, subject),
        )
    else:  # an enterprise: its vehicles only
        stays, tickets = [], []
        vehicles = await c.loaders.load(L.VEHICLES_BY_OWNER, subject)
    plates = [v.plate for v in vehicles]
    passages = [p for found in await c.loaders.load_many(L.PASSAGES, plates) for p in found]
    found = holdings.holdings(stays, tickets, passages)
    closed = await _closed(info, [request.case_number])
    c.audit_batches.append(
        BatchRecord(
            action="POLICE_HOLDINGS_VIEW",
            path=tuple(info.path.as_list()),
            subjects=[(request.subject_kind, subject)],
            detail={"requests": [request.id], "holdings": holdings.counts(found)},
            case_number=request.case_number,
            case_closed=bool(closed),
        )
    )
    return [
        PoliceHolding(category=h.category, at=h.at, place=h.place, detail=h.detail) for h in found
    ]


async def follow(
    info: Info, request_id: str, after: int | None
) -> AsyncGenerator[PoliceRequestEvent, None]:
    """The request's events after ``after`` (from the first without it), then each new one as it
    is recorded, until the request has ended. Each delivery is on record with the respondent as
    the subject before it leaves (answers and sightings are subject data)."""
    c = ctx(info)
    if c.principal is None:
        raise Unauthenticated(
            'send the token in the connection_init payload: {"Authorization": "Bearer …"}'
        )
    plan = policy_plan(info)
    row = await _read(info, request_id, "POLICE_EVENT_DELIVER")
    engine = c.runtime.engine
    cursor = max(after or 0, 0)
    while True:
        async with engine.connect() as conn:
            current = await service.get_request(conn, row["id"])
            events = await service.events_of(conn, row["id"], after=cursor)
        if events:
            policy_in_force(info)  # before the delivery is recorded and the events leave
            closed = await _closed(info, [row["case_number"]], fresh=True)
            async with engine.begin() as conn:
                await c.runtime.audit.record_in(
                    conn,
                    c,
                    [
                        AccessRecord(
                            action="POLICE_EVENT_DELIVER",
                            subject_kind=row["subject_kind"],
                            subject_id=row["subject_id"],
                            case_number=row["case_number"],
                            path=(info.path.key,),
                            outcome="OK",
                            case_closed=bool(closed),
                            detail={
                                "request": row["id"],
                                "events": [e["id"] for e in events],
                                "kinds": sorted({e["event"] for e in events}),
                            },
                        )
                    ],
                )
            for e in events:
                cursor = e["id"]
                yield plan.apply(event_of(e))
        if RequestStatus(current["status"]) in FINAL and not events:
            return
        await asyncio.sleep(POLL)
