"""What an enterprise party and the judges of its cases do with requests (诉求反映), and what a
court publishes for a case: typed commands, their rules, one transaction each, the audit entry
with it.

States and the transitions between them (:data:`hub.parties.states.TRANSITIONS`)::

    OPEN ──answer GRANTED──▶ GRANTED      (申请解除: the measures released; 信用修复: the entries
      │                                    deleted or lifted — each by its own workflow)
      ├──answer REFUSED──▶ REFUSED
      └──answer NOTED───▶ NOTED

- **Filing** (:func:`file`): the enterprise is the caller's (the token's ``org``); the case is
  looked up among the enterprise's own cases only, so a case of someone else and a case that
  does not exist are the same NOT_FOUND, word for word (the GraphQL layer counts it toward the
  party's refusal limit). 申请解除 and 信用修复 are the respondent's (被执行人; 被保全人 in 执保).
  A client request id makes filing idempotent (one request per id and person).
- **Answering** (:func:`answer`): only a judge assigned to the request's case (of the case's
  court) sees and answers it; anyone else is told it does not exist. A GRANTED 申请解除 releases,
  through the order workflow's own release (:func:`hub.orders.workflow.release`, so a judge
  releases only what ``freezeOrderRelease`` would let them), the measures in effect or waiting
  of the case on the enterprise's assets — all of them, or the ones the answer names. A GRANTED
  信用修复 ends every entry in force of the enterprise in that case through the sanctions
  workflow's own end (:func:`hub.sanctions.workflow.delete`) on the ground the rules give for a
  respondent that performed (:func:`hub.parties.rules.repair_ground`). Everything the decision
  will do is checked before any of it is done; each release and deletion is its own transaction
  with its own audit entry (as if the judge had made it by hand), and the answer is recorded last,
  with what it did. Should one fail half-way (an agency's register unreadable, a concurrent
  release), the request stays OPEN and the answer can be given again: it acts on what is still in
  effect.
- **Publishing** (:func:`publish_document`): a judgment document or execution information for a
  case of the court (the caller assigned when the policy marks the role ``@assignment``); the
  text carries no natural person's ID number (法释〔2016〕19号 第十条第一款第（一）项).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.audit.entries import AccessRecord
from hub.cases import service as cases_service
from hub.cases.records import CasePurposeRecord
from hub.cases.rules import case_type_of, check_case, respondent_role
from hub.db.engine import lock_for_write
from hub.errors import BadUserInput, Conflict, Forbidden, NotFound
from hub.orders import service as orders_service
from hub.orders import workflow as order_flow
from hub.orders.states import OrderStatus
from hub.parties import rules, service
from hub.parties.rules import Attachment
from hub.parties.states import (
    RESPONDENT_KINDS,
    Decision,
    DocumentKind,
    RequestKind,
    RequestStatus,
    check_move,
)
from hub.sanctions import service as sanctions_service
from hub.sanctions import workflow as sanction_flow

IN_EFFECT = (OrderStatus.EFFECTIVE.value, OrderStatus.WAITING.value)  # what a release ends
MAX_ORDERS = 50  # orders an answer names
PUBLISH_LEEWAY = timedelta(minutes=5)  # a publication dated ahead of the hub's clock by less


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller as the rules see them: an enterprise's authorised person (``enterprise``) or
    a court user (``court_code``)."""

    user_id: str
    org: str
    court_code: str | None
    enterprise: str | None
    requires_assignment: bool = False

    def for_orders(self) -> order_flow.Actor:
        return order_flow.Actor(
            self.user_id, self.org, self.court_code, None, self.requires_assignment
        )

    def for_sanctions(self) -> sanction_flow.Actor:
        return sanction_flow.Actor(
            self.user_id, self.org, self.court_code, self.requires_assignment
        )


class Gateway(Protocol):
    """The hub as a party action needs it: the cited case, the audit log in the same
    transaction, and the order and sanctions workflows' own gateways for what a decision does."""

    engine: AsyncEngine

    @property
    def orders(self) -> order_flow.Gateway: ...

    @property
    def sanctions(self) -> sanction_flow.Gateway: ...

    async def case(self, case_number: str) -> CasePurposeRecord | None: ...

    async def audit(self, conn: AsyncConnection, accesses: Sequence[AccessRecord]) -> None: ...


# --- commands and outcomes -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileRequest:
    case_number: str  # normalised
    kind: RequestKind
    text: str  # checked (rules.long_text)
    attachments: tuple[Attachment, ...] = ()
    client_request_id: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerRequest:
    request_id: str
    decision: Decision
    text: str
    ruling_number: str | None = None  # a GRANTED 申请解除: the release ruling (解除裁定)
    order_ids: tuple[str, ...] | None = None  # a GRANTED 申请解除: these (default: all in effect)


@dataclass(frozen=True, slots=True)
class PublishDocument:
    case_number: str  # normalised
    kind: DocumentKind
    title: str
    text: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class RequestOutcome:
    request: dict[str, Any]
    created: bool = True  # False: a refiling with the same client request id read it back
    released: list[dict[str, Any]] = field(default_factory=list)  # orders as they now stand
    ended: list[dict[str, Any]] = field(default_factory=list)  # entries as they now stand


def now() -> datetime:
    return datetime.now(UTC)


def _access(action: str, row: dict[str, Any], detail: dict[str, Any]) -> AccessRecord:
    return AccessRecord(
        action=action,
        subject_kind="ENTERPRISE",
        subject_id=row["uscc"],
        case_number=row["case_number"],
        path=(),
        outcome="OK",
        detail={"request": row["id"], "kind": row["kind"], **detail},
    )


# --- the party's side ----------------------------------------------------------------------------


def not_own_case(case_number: str) -> NotFound:
    """The one answer for a case that is not the enterprise's and one that does not exist."""
    return NotFound(
        f"{case_number} is not among the enterprise's cases; file against a case"
        " myEnterprise.cases lists",
        reason="NOT_OWN_CASE",
    )


def _enterprise(actor: Actor) -> str:
    if actor.enterprise is None:
        raise Forbidden(
            "requests are filed by an enterprise party (a token with org enterprise:<USCC>)",
            reason="NOT_AN_ENTERPRISE",
        )
    return actor.enterprise


def _same(row: dict[str, Any], cmd: FileRequest) -> bool:
    return bool(
        row["case_number"] == cmd.case_number
        and row["kind"] == cmd.kind.value
        and row["text"] == cmd.text
        and row["attachments"] == [{"name": a.name, "sha256": a.sha256} for a in cmd.attachments]
    )


async def _existing(gateway: Gateway, uscc: str, actor: Actor, cmd: FileRequest) -> Any:
    if cmd.client_request_id is None:
        return None
    async with gateway.engine.connect() as conn:
        row = await service.request_by_client_id(
            conn, uscc=uscc, filed_by=actor.user_id, client_request_id=cmd.client_request_id
        )
    if row is not None and not _same(row, cmd):
        raise Conflict(
            f"clientRequestId {cmd.client_request_id} was used for request {row['id']} with"
            " other contents; use a new id for a new request",
            reason="CLIENT_REQUEST_ID_REUSED",
        )
    return row


async def file(gateway: Gateway, actor: Actor, cmd: FileRequest) -> RequestOutcome:
    """诉求反映: a request of the caller's enterprise against one of its own cases."""
    uscc = _enterprise(actor)
    async with gateway.engine.connect() as conn:
        mine = [
            c
            for c in await cases_service.cases_of_party(conn, uscc)
            if c.case_number == cmd.case_number
        ]
    if not mine:
        raise not_own_case(cmd.case_number)
    existing = await _existing(gateway, uscc, actor, cmd)
    if existing is not None:
        return RequestOutcome(existing, created=False)
    case = mine[0]
    role = respondent_role(case_type_of(case.case_number))
    roles = {c.role for c in mine}
    if cmd.kind in RESPONDENT_KINDS and (role is None or role not in roles):
        raise BadUserInput(
            f"kind {cmd.kind.value} is filed by the {role or '被执行人'} of a case (the measures and"
            " the list entries of a case are on the respondent: 民事诉讼法 第二百五十三条至第二百五十五条;"
            f" 法释〔2017〕7号 第一条); the enterprise is {'、'.join(sorted(roles))} of"
            f" {cmd.case_number}",
            argument="kind",
            rule="RESPONDENT_ONLY",
        )
    moment = now()
    values = {
        "id": service.new_request_id(orders_service.court_day(moment)),
        "uscc": uscc,
        "filed_by": actor.user_id,
        "court_code": case.court_code,
        "case_number": cmd.case_number,
        "role": role if role in roles else sorted(roles)[0],
        "kind": cmd.kind.value,
        "text": cmd.text,
        "attachments": [{"name": a.name, "sha256": a.sha256} for a in cmd.attachments],
        "client_request_id": cmd.client_request_id,
        "status": RequestStatus.OPEN.value,
        "filed_at": moment,
    }
    try:
        async with gateway.engine.begin() as conn:
            await lock_for_write(conn)
            row = await service.insert_request(conn, values)
            await gateway.audit(
                conn,
                [
                    _access(
                        "PARTY_REQUEST_FILE",
                        row,
                        {
                            "attachments": row["attachments"],
                            "clientRequestId": cmd.client_request_id,
                        },
                    )
                ],
            )
    except IntegrityError:  # the same client request id, filed concurrently: read it back
        existing = await _existing(gateway, uscc, actor, cmd)
        if existing is None:
            raise
        return RequestOutcome(existing, created=False)
    return RequestOutcome(row)


# --- the judge's side ----------------------------------------------------------------------------


def not_in_inbox(request_id: str) -> NotFound:
    """The one answer for a request that does not exist and one the caller may not see."""
    return NotFound(f"no request {request_id} in your inbox", reason="REQUEST_UNKNOWN")


async def visible(gateway: Gateway, actor: Actor, request_id: str) -> dict[str, Any]:
    """The request, if the caller is a judge assigned to its case (of the case's court); for
    anyone else it does not exist."""
    if actor.court_code is None:
        raise not_in_inbox(request_id)
    async with gateway.engine.connect() as conn:
        try:
            row = await service.get_request(conn, request_id)
        except NotFound:
            raise not_in_inbox(request_id) from None
    record = await gateway.case(row["case_number"])
    if (
        record is None
        or record.court_code != actor.court_code
        or row["court_code"] != actor.court_code
        or actor.user_id not in record.judges
    ):
        raise not_in_inbox(request_id)
    return row


async def _releasable(
    gateway: Gateway, row: dict[str, Any], cmd: AnswerRequest
) -> list[dict[str, Any]]:
    """The orders a granted 申请解除 releases: the case's measures in effect or waiting on the
    enterprise's assets, or those of them the answer names."""
    async with gateway.engine.connect() as conn:
        held = [
            m
            for m in await orders_service.measures_on_owner(conn, row["uscc"])
            if m["case_number"] == row["case_number"] and m["status"] in IN_EFFECT
        ]
    if cmd.order_ids is None:
        if not held:
            raise Conflict(
                f"case {row['case_number']} holds no measure in effect on the enterprise's"
                " assets; answer NOTED or REFUSED instead",
                reason="NOTHING_TO_RELEASE",
            )
        return held
    if not cmd.order_ids or len(cmd.order_ids) > MAX_ORDERS:
        raise BadUserInput(
            f"orderIds: 1 to {MAX_ORDERS} orders (or leave it out for all in effect)",
            argument="orderIds",
            rule="BATCH_SIZE",
        )
    by_id = {m["id"]: m for m in held}
    for i, order_id in enumerate(cmd.order_ids):
        if order_id not in by_id:
            raise BadUserInput(
                f"orderIds[{i}]: {order_id} is not a measure in effect or waiting of case"
                f" {row['case_number']} on the enterprise's assets",
                argument=f"orderIds[{i}]",
                rule="NOT_RELEASABLE",
            )
    return [by_id[o] for o in dict.fromkeys(cmd.order_ids)]


async def _repairable(gateway: Gateway, row: dict[str, Any]) -> list[Any]:
    """The entries a granted 信用修复 ends: the enterprise's entries in force of the case."""
    async with gateway.engine.connect() as conn:
        entries = [
            e
            for e in await sanctions_service.entries_of_subject(conn, row["uscc"])
            if e.case_number == row["case_number"] and e.status == "ACTIVE"
        ]
    if not entries:
        raise Conflict(
            f"the enterprise has no entry in force on the sanction lists in case"
            f" {row['case_number']}; answer NOTED or REFUSED instead",
            reason="NOTHING_TO_REPAIR",
        )
    return entries


async def answer(gateway: Gateway, actor: Actor, cmd: AnswerRequest) -> RequestOutcome:
    """The assigned judge's answer; a GRANTED 申请解除 or 信用修复 does what it grants (see the
    module docstring)."""
    row = await visible(gateway, actor, cmd.request_id)
    target = RequestStatus(cmd.decision.value)
    check_move(cmd.request_id, row["status"], target)
    granted = cmd.decision is Decision.GRANTED
    kind = RequestKind(row["kind"])
    if (cmd.ruling_number is not None or cmd.order_ids is not None) and not (
        granted and kind is RequestKind.RELEASE
    ):
        raise BadUserInput(
            "rulingNumber and orderIds belong to a GRANTED RELEASE (申请解除) only",
            argument="rulingNumber" if cmd.ruling_number is not None else "orderIds",
            rule="RELEASE_ONLY",
        )
    effects: dict[str, Any] = {}
    released: list[dict[str, Any]] = []
    ended: list[dict[str, Any]] = []
    reason = f"准许当事人诉求 {cmd.request_id}"
    if granted and kind is RequestKind.RELEASE:
        if cmd.ruling_number is None:
            raise BadUserInput(
                "rulingNumber: a release is made by a ruling (解除裁定); give its number",
                argument="rulingNumber",
                rule="RULING_REQUIRED",
            )
        orders_actor = actor.for_orders()
        for order in await _releasable(gateway, row, cmd):
            done = await order_flow.release(
                gateway.orders,
                orders_actor,
                order_flow.ReleaseOrder(order["id"], cmd.ruling_number, reason),
            )
            released.append(done.order)
        effects = {"released": [o["id"] for o in released], "ruling": cmd.ruling_number}
    elif granted and kind is RequestKind.CREDIT_REPAIR:
        sanctions_actor = actor.for_sanctions()
        for entry in await _repairable(gateway, row):
            ground = rules.repair_ground(entry.list, has_term=entry.term_years is not None)
            outcome = await sanction_flow.delete(
                gateway.sanctions,
                sanctions_actor,
                sanction_flow.DeleteEntry(entry.id, ground, reason),
            )
            ended.append(outcome.entry)
        effects = {
            "ended": [
                {"entry": e["id"], "status": e["status"], "ground": e["end_ground"]} for e in ended
            ]
        }
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        answered = await service.answer(
            conn,
            cmd.request_id,
            status=target,
            judge_id=actor.user_id,
            text=cmd.text,
            effects=effects,
            now=now(),
        )
        await gateway.audit(
            conn,
            [_access("PARTY_REQUEST_ANSWER", answered, {"decision": target.value, **effects})],
        )
    return RequestOutcome(answered, released=released, ended=ended)


# --- what the court publishes ------------------------------------------------------------------


async def publish_document(gateway: Gateway, actor: Actor, cmd: PublishDocument) -> dict[str, Any]:
    """裁判文书公开 / 执行信息公开 for a case of the court (see the module docstring)."""
    if actor.court_code is None:
        raise Forbidden("only a court publishes documents of its cases", reason="NOT_A_COURT")
    rules.refuse_id_numbers(cmd.title, "title")
    rules.refuse_id_numbers(cmd.text, "text")
    moment = now()
    if cmd.published_at > moment + PUBLISH_LEEWAY:
        raise BadUserInput(
            f"publishedAt {cmd.published_at.isoformat()} is in the future",
            argument="publishedAt",
            rule="NOT_IN_FUTURE",
        )
    check_case(
        await gateway.case(cmd.case_number),
        cmd.case_number,
        court_code=actor.court_code,
        org=actor.org,
        user_id=actor.user_id,
        open_required=False,
        assignment_required=actor.requires_assignment,
    )
    values = {
        "id": service.new_document_id(orders_service.court_day(moment)),
        "court_code": actor.court_code,
        "case_number": cmd.case_number,
        "kind": cmd.kind.value,
        "title": cmd.title,
        "text": cmd.text,
        "published_at": cmd.published_at,
        "published_by": actor.user_id,
        "created_at": moment,
    }
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        row = await service.insert_document(conn, values)
        await gateway.audit(
            conn,
            [
                AccessRecord(
                    action="CASE_DOCUMENT_PUBLISH",
                    subject_kind=None,
                    subject_id=None,
                    case_number=cmd.case_number,
                    path=(),
                    outcome="OK",
                    detail={"document": row["id"], "kind": row["kind"], "title": row["title"]},
                )
            ],
        )
    return row
