"""What a judge and public security do with police-assistance requests (公安协助): typed
commands, their rules (:mod:`hub.police.rules`), one transaction each with its event and its
audit entry.

States by kind (:data:`hub.police.states.TRANSITIONS`)::

    LOCATE (查人)         OPEN ─answer─▶ ANSWERED      ─refuse─▶ REFUSED
                            ├─cancel (court)─▶ CANCELLED
                            └─validity ends─▶ EXPIRED   (nothing is answered after it)
    VEHICLE_WATCH (布控)  OPEN ─confirm─▶ WATCHING ─stop (court)─▶ STOP_REQUESTED
                                             │ sightings            │ sightings
                                             │                      └─hand over─▶ HANDED_OVER
                            any of them ─the seizure released / lapsed, or cancel─▶ ENDED
    EXIT_BAN (边控)       OPEN ─confirm─▶ IN_FORCE ─lift (court)─▶ LIFT_REQUESTED ─confirm─▶ LIFTED
                                             └─term ends─▶ EXPIRED

- **Court side** (:func:`file`, :func:`cancel`, :func:`stop`, :func:`lift`): the case is the
  caller's court's, open, the caller assigned (as for look-ups and orders,
  :func:`hub.cases.rules.check_case`); the subject is a respondent of it
  (:func:`hub.police.rules.check_respondent`). A watch names an order of the case holding the
  vehicle. A request the caller may not see is NOT_FOUND, as one that does not exist.
- **Police side** (:func:`answer`, :func:`refuse`, :func:`confirm`, :func:`record_sighting`,
  :func:`hand_over`): only public security's officers (org ``agency:public_security``) see the
  requests. A 查人 answer is checked against the request's validity (after it: CONFLICT
  VALIDITY_ENDED, the request EXPIRED) and the case still being open.
- **Ends on their own** (:func:`sweep`, run by :class:`hub.police.worker.PoliceWorker` and before
  every police action on a watch): a watch whose order no longer holds the vehicle (released,
  lapsed) ENDS; a 查人 request past its validity, an exit ban past its term EXPIRE.

Every change writes an event (what the court follows live) and an audit entry with the
respondent as the subject in the same transaction.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.audit.entries import AccessRecord
from hub.cases.records import CasePurposeRecord
from hub.cases.rules import check_case
from hub.db.engine import lock_for_write
from hub.errors import BadUserInput, Conflict, Forbidden, NotFound
from hub.identifiers import subject_kind
from hub.orders import service as orders_service
from hub.orders.terms import court_day
from hub.police import rules, service
from hub.police.states import (
    SIGHTED,
    Event,
    ExitBanBasis,
    Finding,
    RequestKind,
    RequestStatus,
)

POLICE_ORG = "agency:public_security"
HUB = "hub"

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    org: str
    court_code: str | None
    requires_assignment: bool = True


class Gateway(Protocol):
    """The hub as a police-assistance action needs it: the cited case and the audit log in the
    action's transaction."""

    engine: AsyncEngine

    async def case(self, case_number: str) -> CasePurposeRecord | None: ...

    async def audit(self, conn: AsyncConnection, accesses: Sequence[AccessRecord]) -> None: ...


class SystemLog(Protocol):
    async def record_system_in(self, conn: Any, records: Sequence[dict[str, Any]]) -> None: ...


# --- commands ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileRequest:
    kind: RequestKind
    case_number: str  # normalised
    subject_id: str  # a valid ID number or USCC
    ruling_number: str  # normalised
    reason: str
    valid_until: datetime | None = None  # LOCATE
    order_id: str | None = None  # VEHICLE_WATCH
    term_end: date | None = None  # EXIT_BAN
    basis: ExitBanBasis | None = None  # EXIT_BAN
    client_request_id: str | None = None


@dataclass(frozen=True, slots=True)
class FindingRecord:
    category: Finding
    at: datetime
    place: str
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerLocate:
    request_id: str
    findings: tuple[FindingRecord, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RecordSighting:
    request_id: str
    checkpoint: str
    place: str
    at: datetime


@dataclass(frozen=True, slots=True)
class HandOver:
    request_id: str
    receipt_number: str
    place: str
    at: datetime


def now() -> datetime:
    return datetime.now(UTC)


def _access(action: str, row: dict[str, Any], detail: dict[str, Any]) -> AccessRecord:
    return AccessRecord(
        action=action,
        subject_kind=row["subject_kind"],
        subject_id=row["subject_id"],
        case_number=row["case_number"],
        path=(),
        outcome="OK",
        detail={"request": row["id"], "kind": row["kind"], **detail},
    )


def _system(action: str, row: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": action,
        "case_number": row["case_number"],
        "subject_kind": row["subject_kind"],
        "subject_id": row["subject_id"],
        "detail": {"request": row["id"], "kind": row["kind"], **detail},
    }


def not_found(request_id: str) -> NotFound:
    """The one answer for a request that does not exist and one the caller may not see."""
    return NotFound(f"no police request {request_id} for you", reason="REQUEST_UNKNOWN")


async def _change(
    gateway: Gateway,
    actor: Actor,
    request_id: str,
    target: RequestStatus,
    *,
    verb: str,
    event: Event,
    action: str,
    values: dict[str, Any],
    detail: dict[str, Any],
) -> dict[str, Any]:
    moment = now()
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        row = await service.move(conn, request_id, target, verb=verb, values=values)
        await service.add_event(conn, request_id, event, by=actor.user_id, at=moment, detail=detail)
        await gateway.audit(conn, [_access(action, row, detail)])
    return row


# --- the court ---------------------------------------------------------------------------------


def _court(actor: Actor) -> str:
    if actor.court_code is None:
        raise Forbidden("police assistance is asked by a court", reason="NOT_A_COURT")
    return actor.court_code


async def _case(gateway: Gateway, actor: Actor, case_number: str) -> CasePurposeRecord:
    return check_case(
        await gateway.case(case_number),
        case_number,
        court_code=_court(actor),
        org=actor.org,
        user_id=actor.user_id,
        open_required=True,
        assignment_required=actor.requires_assignment,
    )


def _same(row: dict[str, Any], cmd: FileRequest) -> bool:
    return bool(
        row["kind"] == cmd.kind.value
        and row["case_number"] == cmd.case_number
        and row["subject_id"] == cmd.subject_id
        and row["ruling_number"] == cmd.ruling_number
        and row["reason"] == cmd.reason
    )


async def _existing(gateway: Gateway, actor: Actor, cmd: FileRequest) -> dict[str, Any] | None:
    if cmd.client_request_id is None:
        return None
    async with gateway.engine.connect() as conn:
        row = await service.request_by_client_id(
            conn, filed_by=actor.user_id, client_request_id=cmd.client_request_id
        )
    if row is not None and not _same(row, cmd):
        raise Conflict(
            f"clientRequestId {cmd.client_request_id} was used for request {row['id']} with"
            " other contents; use a new id for a new request",
            reason="CLIENT_REQUEST_ID_REUSED",
        )
    return row


def _only(kind: RequestKind, cmd: FileRequest) -> None:
    """Each kind's own fields, and no other kind's."""
    own = {
        RequestKind.LOCATE: {"validUntil"},
        RequestKind.VEHICLE_WATCH: {"orderId"},
        RequestKind.EXIT_BAN: {"termEnd", "basis"},
    }[kind]
    given = {
        "validUntil": cmd.valid_until,
        "orderId": cmd.order_id,
        "termEnd": cmd.term_end,
        "basis": cmd.basis,
    }
    for name, value in given.items():
        if name in own and value is None:
            raise BadUserInput(
                f"{name}: a {kind.value} request needs it", argument=name, rule="REQUIRED"
            )
        if name not in own and value is not None:
            raise BadUserInput(
                f"{name} does not belong to a {kind.value} request",
                argument=name,
                rule="NOT_FOR_KIND",
            )


async def file(gateway: Gateway, actor: Actor, cmd: FileRequest) -> tuple[dict[str, Any], bool]:
    """A request of the court to public security; the row and whether it was made now (False:
    the same client request id read it back)."""
    _only(cmd.kind, cmd)
    record = await _case(gateway, actor, cmd.case_number)
    kind_of_subject = subject_kind(cmd.subject_id)
    rules.check_respondent(record, cmd.subject_id)
    moment = now()
    values: dict[str, Any] = {
        "kind": cmd.kind.value,
        "court_code": record.court_code,
        "case_number": cmd.case_number,
        "subject_kind": kind_of_subject,
        "subject_id": cmd.subject_id,
        "ruling_number": cmd.ruling_number,
        "reason": cmd.reason,
        "status": RequestStatus.OPEN.value,
        "filed_by": actor.user_id,
        "filed_at": moment,
        "client_request_id": cmd.client_request_id,
    }
    detail: dict[str, Any] = {"ruling": cmd.ruling_number}
    if cmd.kind is RequestKind.LOCATE:
        assert cmd.valid_until is not None
        values["valid_until"] = rules.check_validity(cmd.valid_until, moment)
        detail["validUntil"] = cmd.valid_until.isoformat()
    elif cmd.kind is RequestKind.EXIT_BAN:
        assert cmd.term_end is not None and cmd.basis is not None
        rules.check_natural_person(kind_of_subject)
        values["term_end"] = rules.check_term_end(cmd.term_end, court_day(moment))
        values["basis"] = cmd.basis.value
        detail |= {"termEnd": cmd.term_end.isoformat(), "basis": cmd.basis.value}
    else:
        assert cmd.order_id is not None
        async with gateway.engine.connect() as conn:
            try:
                order = await orders_service.get_order(conn, cmd.order_id)
            except NotFound:
                order = None
        if order is None or order["court_code"] != record.court_code:
            raise BadUserInput(
                f"orderId: no order {cmd.order_id} of the court",
                argument="orderId",
                rule="NO_SUCH_ORDER",
            )
        why = rules.watch_holds(order, cmd.case_number)
        if why is None and order["owner_id"] != cmd.subject_id:
            why = f"the vehicle of order {order['id']} is not {cmd.subject_id}'s"
        if why is not None:
            raise BadUserInput(
                f"orderId: {why}; a vehicle is watched while an order of the case holds it"
                f" ({rules.VEHICLE_BASIS})",
                argument="orderId",
                rule="NOT_HELD",
            )
        values["order_id"] = order["id"]
        values["plate"] = order["asset_id"]
        detail |= {"order": order["id"], "plate": order["asset_id"]}
    existing = await _existing(gateway, actor, cmd)
    if existing is not None:
        return existing, False
    values["id"] = service.new_request_id(court_day(moment))
    try:
        async with gateway.engine.begin() as conn:
            await lock_for_write(conn)
            row = await service.insert_request(conn, values)
            await service.add_event(
                conn, row["id"], Event.FILED, by=actor.user_id, at=moment, detail=detail
            )
            await gateway.audit(conn, [_access("POLICE_REQUEST_FILE", row, detail)])
    except IntegrityError:  # the same client request id, filed concurrently: read it back
        again = await _existing(gateway, actor, cmd)
        if again is None:
            raise
        return again, False
    return row, True


async def visible_to_court(gateway: Gateway, actor: Actor, request_id: str) -> dict[str, Any]:
    """The request, if the caller is of its court and (where the role requires it) assigned to
    its case; for anyone else it does not exist."""
    if actor.court_code is None:
        raise not_found(request_id)
    async with gateway.engine.connect() as conn:
        try:
            row = await service.get_request(conn, request_id)
        except NotFound:
            raise not_found(request_id) from None
    if row["court_code"] != actor.court_code:
        raise not_found(request_id)
    if actor.requires_assignment:
        record = await gateway.case(row["case_number"])
        if record is None or actor.user_id not in record.judges:
            raise not_found(request_id)
    return row


async def cancel(gateway: Gateway, actor: Actor, request_id: str, reason: str) -> dict[str, Any]:
    """The court withdraws an OPEN request (CANCELLED), or ends a watch in place (ENDED)."""
    row = await visible_to_court(gateway, actor, request_id)
    watching = row["kind"] == RequestKind.VEHICLE_WATCH.value and row["status"] in SIGHTED
    target = RequestStatus.ENDED if watching else RequestStatus.CANCELLED
    moment = now()
    values: dict[str, Any] = {"ended_at": moment, "end_reason": reason}
    return await _change(
        gateway,
        actor,
        request_id,
        target,
        verb="withdrawn",
        event=Event.ENDED if watching else Event.CANCELLED,
        action="POLICE_REQUEST_CANCEL",
        values=values,
        detail={"reason": reason},
    )


async def stop(gateway: Gateway, actor: Actor, request_id: str, reason: str) -> dict[str, Any]:
    """The court asks for the watched vehicle to be stopped and handed over (查扣)."""
    row = await visible_to_court(gateway, actor, request_id)
    if row["kind"] != RequestKind.VEHICLE_WATCH.value:
        raise Conflict(f"request {request_id} is not a vehicle watch", reason="KIND")
    row = await _still_held(gateway, row)
    return await _change(
        gateway,
        actor,
        request_id,
        RequestStatus.STOP_REQUESTED,
        verb="asked to stop the vehicle",
        event=Event.STOP_REQUESTED,
        action="POLICE_VEHICLE_STOP",
        values={"stop_requested_at": now()},
        detail={"reason": reason, "plate": row["plate"]},
    )


async def lift(gateway: Gateway, actor: Actor, request_id: str, reason: str) -> dict[str, Any]:
    """The court lifts an exit ban in force; public security confirms the lifting."""
    row = await visible_to_court(gateway, actor, request_id)
    if row["kind"] != RequestKind.EXIT_BAN.value:
        raise Conflict(f"request {request_id} is not an exit ban", reason="KIND")
    return await _change(
        gateway,
        actor,
        request_id,
        RequestStatus.LIFT_REQUESTED,
        verb="lifted",
        event=Event.LIFT_REQUESTED,
        action="POLICE_EXIT_BAN_LIFT",
        values={"end_reason": reason},
        detail={"reason": reason},
    )


# --- public security -----------------------------------------------------------------------------


async def visible_to_police(gateway: Gateway, actor: Actor, request_id: str) -> dict[str, Any]:
    if actor.org != POLICE_ORG:
        raise not_found(request_id)
    async with gateway.engine.connect() as conn:
        try:
            return await service.get_request(conn, request_id)
        except NotFound:
            raise not_found(request_id) from None


async def _expire(engine: AsyncEngine, log: SystemLog, row: dict[str, Any], why: str) -> None:
    await _end_by_hub(
        engine,
        log,
        row,
        why,
        RequestStatus.EXPIRED,
        "expired",
        Event.EXPIRED,
        "POLICE_REQUEST_EXPIRE",
    )


async def _end_watch(engine: AsyncEngine, log: SystemLog, row: dict[str, Any], why: str) -> None:
    await _end_by_hub(
        engine, log, row, why, RequestStatus.ENDED, "ended", Event.ENDED, "POLICE_REQUEST_END"
    )


async def _end_by_hub(
    engine: AsyncEngine,
    log: SystemLog,
    row: dict[str, Any],
    why: str,
    status: RequestStatus,
    verb: str,
    event: Event,
    action: str,
) -> None:
    """The hub itself moves the request to ``status`` for ``why`` (nothing if it has moved since
    ``row`` was read), with its ``event`` and a system entry of ``action``."""
    moment = now()
    async with engine.begin() as conn:
        await lock_for_write(conn)
        current = await service.get_request(conn, row["id"])
        if current["status"] != row["status"]:
            return
        changed = await service.move(
            conn,
            row["id"],
            status,
            verb=verb,
            values={"ended_at": moment, "end_reason": why},
        )
        await service.add_event(conn, row["id"], event, by=HUB, at=moment, detail={"reason": why})
        await log.record_system_in(conn, [_system(action, changed, {"reason": why})])


async def _holds(engine: AsyncEngine, row: dict[str, Any]) -> str | None:
    async with engine.connect() as conn:
        try:
            order = await orders_service.get_order(conn, row["order_id"])
        except NotFound:
            return f"order {row['order_id']} no longer exists"
    return rules.watch_holds(order, row["case_number"])


async def _still_held(gateway: Gateway, row: dict[str, Any]) -> dict[str, Any]:
    """A watch whose seizure no longer holds the vehicle ends now (CONFLICT WATCH_ENDED)."""
    why = await _holds(gateway.engine, row)
    if why is None:
        return row
    log = getattr(gateway, "system_log", None)
    if log is not None and row["status"] in (
        RequestStatus.OPEN.value,
        *(s.value for s in SIGHTED),
    ):
        await _end_watch(gateway.engine, log, row, why)
    raise Conflict(
        f"the watch of request {row['id']} ended with the seizure: {why}", reason="WATCH_ENDED"
    )


async def answer(gateway: Gateway, actor: Actor, cmd: AnswerLocate) -> dict[str, Any]:
    """查人 answered with what public security may share, while the request is valid and the
    case open."""
    row = await visible_to_police(gateway, actor, cmd.request_id)
    if row["kind"] != RequestKind.LOCATE.value:
        raise Conflict(
            f"request {cmd.request_id} is a {row['kind']}; only a LOCATE request is answered"
            " with findings",
            reason="KIND",
        )
    moment = now()
    await _check_valid(gateway, row, moment)
    record = await gateway.case(row["case_number"])
    if record is None or record.status != "OPEN":
        raise Conflict(
            f"case {row['case_number']} is no longer open; a closed case is no purpose for"
            " answering — refuse the request instead",
            reason="CASE_CLOSED",
        )
    findings = [
        {
            "category": f.category.value,
            "at": f.at.astimezone(UTC).isoformat(),
            "place": f.place,
            **({"detail": f.detail} if f.detail else {}),
        }
        for f in sorted(cmd.findings, key=lambda f: f.at, reverse=True)
    ]
    answer_doc = {"findings": findings, **({"note": cmd.note} if cmd.note else {})}
    return await _change(
        gateway,
        actor,
        cmd.request_id,
        RequestStatus.ANSWERED,
        verb="answered",
        event=Event.ANSWERED,
        action="POLICE_LOCATE_ANSWER",
        values={
            "answered_by": actor.user_id,
            "answered_at": moment,
            "answer": service.canonical(answer_doc),
        },
        detail={
            "categories": sorted({f["category"] for f in findings}),
            "findings": len(findings),
        },
    )


async def _check_valid(gateway: Gateway, row: dict[str, Any], moment: datetime) -> None:
    """A 查人 request past its validity is not answered (CONFLICT VALIDITY_ENDED); one still
    OPEN EXPIRES now."""
    if row["kind"] != RequestKind.LOCATE.value or row["valid_until"] is None:
        return
    if moment >= row["valid_until"]:
        log = getattr(gateway, "system_log", None)
        if log is not None and row["status"] == RequestStatus.OPEN.value:
            await _expire(gateway.engine, log, row, "validity ended")
        rules.check_valid(row["id"], row["valid_until"], moment)


async def refuse(gateway: Gateway, actor: Actor, request_id: str, reason: str) -> dict[str, Any]:
    """Public security refuses an OPEN request, with the reason the court reads (a 查人 request
    only while it is valid)."""
    row = await visible_to_police(gateway, actor, request_id)
    await _check_valid(gateway, row, now())
    return await _change(
        gateway,
        actor,
        request_id,
        RequestStatus.REFUSED,
        verb="refused",
        event=Event.REFUSED,
        action="POLICE_REQUEST_REFUSE",
        values={"answered_by": actor.user_id, "answered_at": now(), "refusal": reason},
        detail={"reason": reason},
    )


async def confirm(
    gateway: Gateway, actor: Actor, request_id: str, receipt_number: str
) -> dict[str, Any]:
    """Public security confirms: a watch in place (OPEN → WATCHING), an exit ban in force
    (OPEN → IN_FORCE) or lifted (LIFT_REQUESTED → LIFTED), with its receipt number."""
    row = await visible_to_police(gateway, actor, request_id)
    kind, status = RequestKind(row["kind"]), RequestStatus(row["status"])
    moment = now()
    if kind is RequestKind.VEHICLE_WATCH:
        row = await _still_held(gateway, row)
        target = RequestStatus.WATCHING
    elif kind is RequestKind.EXIT_BAN:
        if status is RequestStatus.OPEN and row["term_end"] <= court_day(moment):
            raise Conflict(
                f"the exit ban of request {request_id} ended on {row['term_end'].isoformat()}",
                reason="TERM_ENDED",
            )
        target = (
            RequestStatus.LIFTED
            if status is RequestStatus.LIFT_REQUESTED
            else RequestStatus.IN_FORCE
        )
    else:
        raise Conflict(
            f"request {request_id} is a LOCATE request; answer it with findings", reason="KIND"
        )
    values: dict[str, Any] = {"answered_by": actor.user_id, "answered_at": moment}
    if target is RequestStatus.LIFTED:
        values["ended_at"] = moment
    receipts = dict((row["answer"] or {}).get("receipts", {}))
    receipts[target.value] = receipt_number
    values["answer"] = service.canonical({**(row["answer"] or {}), "receipts": receipts})
    return await _change(
        gateway,
        actor,
        request_id,
        target,
        verb="confirmed",
        event=Event.LIFTED if target is RequestStatus.LIFTED else Event.CONFIRMED,
        action="POLICE_REQUEST_CONFIRM",
        values=values,
        detail={"receipt": receipt_number, "status": target.value},
    )


async def record_sighting(gateway: Gateway, actor: Actor, cmd: RecordSighting) -> dict[str, Any]:
    """A sighting of a watched vehicle (checkpoint, time, place), pushed to the court."""
    row = await visible_to_police(gateway, actor, cmd.request_id)
    return await sighting(gateway.engine, gateway, row, actor.user_id, cmd, audit=gateway.audit)


async def sighting(
    engine: AsyncEngine,
    gateway: Any,
    row: dict[str, Any],
    by: str,
    cmd: RecordSighting,
    *,
    audit: Any,
) -> dict[str, Any]:
    if row["kind"] != RequestKind.VEHICLE_WATCH.value:
        raise Conflict(f"request {row['id']} is not a vehicle watch", reason="KIND")
    if row["status"] not in {s.value for s in SIGHTED}:
        raise Conflict(
            f"request {row['id']} is {row['status']}; sightings are recorded while the watch is"
            " in place (WATCHING or STOP_REQUESTED)",
            reason="STATE",
        )
    if gateway is not None:
        row = await _still_held(gateway, row)
    moment = now()
    if cmd.at > moment + timedelta(minutes=5):
        raise BadUserInput("at is in the future", argument="at", rule="NOT_IN_FUTURE")
    detail = {
        "plate": row["plate"],
        "checkpoint": cmd.checkpoint,
        "place": cmd.place,
        "seenAt": cmd.at.astimezone(UTC).isoformat(),
    }
    async with engine.begin() as conn:
        await lock_for_write(conn)
        current = await service.get_request(conn, row["id"])
        if current["status"] not in {s.value for s in SIGHTED}:
            raise Conflict(f"request {row['id']} is {current['status']}", reason="STATE")
        event = await service.add_event(
            conn, row["id"], Event.SIGHTING, by=by, at=moment, detail=detail
        )
        await audit(conn, [_access("POLICE_SIGHTING_RECORD", current, detail)])
    return event


async def hand_over(gateway: Gateway, actor: Actor, cmd: HandOver) -> dict[str, Any]:
    """The stopped vehicle handed over to the court, with the receipt (查扣 回执)."""
    row = await visible_to_police(gateway, actor, cmd.request_id)
    if row["kind"] != RequestKind.VEHICLE_WATCH.value:
        raise Conflict(f"request {cmd.request_id} is not a vehicle watch", reason="KIND")
    row = await _still_held(gateway, row)
    moment = now()
    if cmd.at > moment + timedelta(minutes=5):
        raise BadUserInput("at is in the future", argument="at", rule="NOT_IN_FUTURE")
    receipt = {
        "receiptNumber": cmd.receipt_number,
        "place": cmd.place,
        "handedOverAt": cmd.at.astimezone(UTC).isoformat(),
    }
    return await _change(
        gateway,
        actor,
        cmd.request_id,
        RequestStatus.HANDED_OVER,
        verb="handed over",
        event=Event.HANDED_OVER,
        action="POLICE_VEHICLE_HAND_OVER",
        values={
            "answered_by": actor.user_id,
            "answered_at": moment,
            "ended_at": moment,
            "answer": service.canonical({**(row["answer"] or {}), "handOver": receipt}),
        },
        detail={"plate": row["plate"], **receipt},
    )


# --- what ends on its own ------------------------------------------------------------------------


async def sweep(engine: AsyncEngine, log: SystemLog) -> int:
    """Watches whose seizure no longer holds the vehicle END; 查人 requests past their validity
    and exit bans past their term EXPIRE. How many changed."""
    moment = now()
    today = court_day(moment)
    changed = 0
    async with engine.connect() as conn:
        watches = await service.in_states(
            conn,
            RequestKind.VEHICLE_WATCH.value,
            [RequestStatus.OPEN.value, *(s.value for s in SIGHTED)],
        )
        locates = await service.in_states(
            conn, RequestKind.LOCATE.value, [RequestStatus.OPEN.value]
        )
        bans = await service.in_states(
            conn,
            RequestKind.EXIT_BAN.value,
            [RequestStatus.OPEN.value, RequestStatus.IN_FORCE.value],
        )
    for row in watches:
        why = await _holds(engine, row)
        if why is not None:
            await _end_watch(engine, log, row, why)
            changed += 1
    for row in locates:
        if row["valid_until"] is not None and moment >= row["valid_until"]:
            await _expire(engine, log, row, "validity ended")
            changed += 1
    for row in bans:
        if row["term_end"] is not None and today > row["term_end"]:
            await _expire(engine, log, row, "term ended")
            changed += 1
    return changed


_CHECKPOINTS = (
    ("G20青银高速潍坊东收费站卡口", "山东省潍坊市奎文区"),
    ("G18荣乌高速烟台收费站卡口", "山东省烟台市芝罘区"),
    ("S16荣潍高速莱山出口卡口", "山东省烟台市莱山区"),
    ("机场路与港城大街路口卡口", "山东省烟台市莱山区"),
    ("G15沈海高速海阳收费站卡口", "山东省烟台市海阳市"),
)


async def demo_sightings(
    engine: AsyncEngine,
    log: SystemLog,
    rng: random.Random,
    source: Any = None,
    turns: dict[str, int] | None = None,
) -> int:
    """Demo mode: one synthetic sighting for every watch in place, recorded by public security
    (``hub`` on its behalf), as a checkpoint would report it, timestamped now. With public
    security's ``source``, a plate's own checkpoint passages (卡口通行) are replayed, oldest
    first, one per sighting and round again (``turns``: how many each plate has had, kept by
    the caller); a plate with none, or a source that does not answer, gets a checkpoint of a
    small fixed list. How many were recorded."""
    async with engine.connect() as conn:
        watches = await service.in_states(
            conn, RequestKind.VEHICLE_WATCH.value, [s.value for s in SIGHTED]
        )
    passages = await _passages(source, [row["plate"] for row in watches if row["plate"]])
    turns = {} if turns is None else turns
    recorded = 0
    for row in watches:
        if await _holds(engine, row) is not None:
            continue
        own = passages.get(row["plate"] or "")
        if own:
            turn = turns.get(row["plate"], 0)
            passage = own[turn % len(own)]
            turns[row["plate"]] = turn + 1
            checkpoint, place = passage.checkpoint, passage.place
        else:
            checkpoint, place = rng.choice(_CHECKPOINTS)

        async def audit(
            conn: Any, accesses: Sequence[AccessRecord], row: dict[str, Any] = row
        ) -> None:
            await log.record_system_in(
                conn, [_system(a.action, row, {**a.detail, "demo": True}) for a in accesses]
            )

        try:
            await sighting(
                engine,
                None,
                row,
                "demo:public_security",
                RecordSighting(row["id"], checkpoint, place, now()),
                audit=audit,
            )
        except Conflict:
            continue
        recorded += 1
    return recorded


async def _passages(source: Any, plates: list[str]) -> dict[str, list[Any]]:
    """The plates' checkpoint passages at public security, oldest first; none without a source
    or when it does not answer (the demo goes on with the fixed list)."""
    if source is None or not plates:
        return {}
    try:
        found = await source.passages(plates)
    except Exception:
        logger.warning("demo sightings: public security's passages unavailable", exc_info=True)
        return {}
    return {plate: sorted(found.get(plate) or [], key=lambda p: p.passed_at) for plate in plates}
