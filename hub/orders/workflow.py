"""What a court and an agency do with an order: typed commands, their rules, one transaction each.

GraphQL mutations, the order worker and the CLI call these functions. Each court or agency
action checks who may take it, runs in its own transaction with its audit entry (both are
committed or neither), and returns the order as it then stands with the transitions it made;
the hub's own transitions (delivery, a waiting order taking effect, a lapse) are recorded by
:func:`record_transitions`. What the workflow needs from the rest of the hub (the agencies'
registers, the cited case, the audit log) comes through a :class:`Gateway`, so it imports no
transport.

States and the transitions between them (``TRANSITIONS`` in :mod:`hub.orders.states`)::

    SUBMITTED ──deliver──▶ DELIVERED ──accept──▶ EFFECTIVE ──release──▶ RELEASED
                               │            └──▶ WAITING ──(ahead released/lapsed)──▶ EFFECTIVE
                               └──reject──▶ REJECTED          │
                                            EFFECTIVE ──term ends──▶ EXPIRED
                                            WAITING ──release──▶ RELEASED

The waiting line is the agency's register (``Gateway.measures``): an accepted order takes its
place by the time it was served, behind the measures the agency already holds, and is held
(WAITING without a place) while an order served earlier on the asset waits for the agency's
answer (法发〔2004〕5号 第二十条); see :mod:`hub.orders.service`. Terms and renewals follow
民诉法解释 第四百八十五条 on the court's calendar (:mod:`hub.orders.terms`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from connectors.base.annotations import Measure
from hub.audit.entries import AccessRecord
from hub.cases.records import CasePurposeRecord
from hub.cases.rules import check_case, check_measure_case, respondent_role
from hub.db.engine import lock_for_write
from hub.errors import Conflict, ConnectorFailed, Forbidden
from hub.identifiers import subject_kind
from hub.orders import deductions, measures, service
from hub.orders.measures import Assessment, AssetFacts, HeldMeasure, Valuation, ValuedMeasure
from hub.orders.service import Transition
from hub.orders.signing import OrderKeys
from hub.orders.states import TRANSITIONS, AssetType, OrderKind, OrderStatus, may_become

owner_kind = subject_kind  # PERSON for an ID number, ENTERPRISE for a USCC


# --- who acts, and what the workflow asks of the hub ------------------------------------------


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller as the rules see them."""

    user_id: str
    org: str
    court_code: str | None
    agency: str | None
    requires_assignment: bool = False  # the policy marks the role @assignment


class Gateway(Protocol):
    """The hub as an order action needs it (GraphQL passes one per request)."""

    engine: AsyncEngine
    keys: OrderKeys | None
    renewal_window_days: int  # a renewal is made in the last this many days of the term
    valuation: Valuation

    async def asset(self, asset_type: AssetType, asset_id: str) -> AssetFacts | None:
        """What the owning agency registers about an asset (None if it is unknown)."""
        ...

    async def measures(self, asset_type: AssetType, asset_id: str) -> list[Measure]:
        """The agency's register of courts' measures on the asset, every row in rank order
        (ConnectorFailed when the agency cannot be read)."""
        ...

    async def case(self, case_number: str) -> CasePurposeRecord | None:
        """The case as it stands now (court, status, judges, parties)."""
        ...

    async def audit(self, conn: AsyncConnection, accesses: Sequence[AccessRecord]) -> None:
        """Write entries in this transaction (AUDIT_UNAVAILABLE otherwise)."""
        ...


# --- commands and outcomes -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    kind: OrderKind
    asset_type: AssetType
    asset_id: str
    case_number: str  # normalised
    ruling_number: str
    term_days: int | None
    idempotency_key: str
    term_months: int | None = None
    over_seizure_reason: str | None = None  # the judge's confirmation (超标的查封)
    amount: Decimal | None = None  # a freeze of deposits: the amount to freeze
    currency: str = "CNY"  # … in the account's currency


@dataclass(frozen=True, slots=True)
class AssessOrder:
    """The over-seizure check of a case, and of an asset about to be added (the order form)."""

    case_number: str  # normalised
    asset_type: AssetType | None = None
    asset_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseOrder:
    order_id: str
    ruling_number: str
    reason: str


@dataclass(frozen=True, slots=True)
class RenewOrder:
    order_id: str
    ruling_number: str
    term_days: int | None
    term_months: int | None = None


@dataclass(frozen=True, slots=True)
class AcceptOrder:
    order_id: str
    document_number: str
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class RejectOrder:
    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Outcome:
    order: dict[str, Any]  # the order's row as it now stands
    transitions: list[Transition] = field(default_factory=list)
    created: bool = True  # False: a resubmission with the same key read the order back


def _access(action: str, order: dict[str, Any], detail: dict[str, Any]) -> AccessRecord:
    return AccessRecord(
        action=action,
        subject_kind=owner_kind(order["owner_id"]),
        subject_id=order["owner_id"],
        case_number=order["case_number"],
        path=(),
        outcome="OK",
        detail={
            "order": order["id"],
            "asset": f"{order['asset_type']}:{order['asset_id']}",
            **detail,
        },
    )


# --- court actions ---------------------------------------------------------------------------


async def _case(
    gateway: Gateway, actor: Actor, case_number: str, *, open_required: bool = True
) -> CasePurposeRecord:
    """The case, if the caller may act on it: :func:`hub.cases.rules.check_case`, the one rule
    every court action on a case goes through (its court, open, the caller assigned when the
    policy marks the role ``@assignment``)."""
    return check_case(
        await gateway.case(case_number),
        case_number,
        court_code=actor.court_code,
        org=actor.org,
        user_id=actor.user_id,
        open_required=open_required,
        assignment_required=actor.requires_assignment,
    )


async def assess(
    gateway: Gateway,
    actor: Actor,
    cmd: AssessOrder,
    *,
    except_key: str | None = None,
    amount: Decimal | None = None,
) -> Assessment:
    """The over-seizure check of a case of the caller (see :mod:`hub.orders.measures`): its
    outstanding amount, the known value of the assets its orders hold and, when an asset is
    named, that asset's — which must be registered to a respondent of the case (被执行人, or
    被保全人 in 执保): 《民事诉讼法》第二百五十五条, 查封规定 第一条、第二条. A freeze of deposits is
    worth its ``amount``. An asset that is not
    (an applicant's, a stranger's or an unregistered one) is refused the same way
    (``NOT_A_RESPONDENT``), so the answer does not tell whose it is or whether it exists."""
    record = await _case(gateway, actor, cmd.case_number)
    check_measure_case(record)
    respondents: tuple[str, ...] = ()
    facts: AssetFacts | None = None
    if cmd.asset_type is not None and cmd.asset_id is not None:
        facts = await gateway.asset(cmd.asset_type, cmd.asset_id)
        owners = list(facts.owners) if facts is not None else []
        respondents = tuple(o for o in owners if o in record.respondents)
        if not respondents:
            role = respondent_role(record.case_type)
            raise Forbidden(
                f"{cmd.asset_type.value} {cmd.asset_id} is not registered to a {role} of case"
                f" {cmd.case_number}; property measures are for the {role} (民事诉讼法"
                " 第二百五十五条, 查封规定 第二条) — check the asset's number",
                reason="NOT_A_RESPONDENT",
            )
    async with gateway.engine.connect() as conn:
        held = await measures.held_in_case(
            conn, cmd.case_number, court_code=actor.court_code or "", except_key=except_key
        )
    deposit = AssetType.DEPOSIT.value
    found = await asyncio.gather(
        *(
            gateway.asset(AssetType(m.asset_type), m.asset_id)
            for m in held
            if m.asset_type != deposit
        )
    )
    facts_of = iter(found)
    holders = record.respondents
    return Assessment(
        case_number=cmd.case_number,
        outstanding=record.amount,
        factor=gateway.valuation.factor,
        measures=[
            # a freeze of deposits is worth the amount it holds (or asks for, while waiting)
            ValuedMeasure(m, m.amount)
            if m.asset_type == deposit
            else ValuedMeasure(
                m, measures.known_value(m.asset_type, next(facts_of), holders, gateway.valuation)
            )
            for m in held
        ],
        asset_value=(
            measures.known_value(cmd.asset_type, facts, holders, gateway.valuation)
            if cmd.asset_type is not None and cmd.asset_type is not AssetType.DEPOSIT
            else amount
        ),
        respondents=respondents,
        facts=facts,
    )


def _already_held(existing: HeldMeasure | None, cmd: SubmitOrder) -> None:
    if existing is not None:
        raise Conflict(
            f"order {existing.order_id} ({existing.status}) of case {cmd.case_number} already"
            f" holds {cmd.asset_type.value} {cmd.asset_id}; one measure per asset and case —"
            " renew or release that order instead of submitting another",
            reason="MEASURE_EXISTS",
        )


SUBMIT_ROUNDS = 5  # assessments of one submission while the case's measures keep changing


class _Changed(Exception):
    """The case's measures changed between the assessment and the submission's lock."""


def _signature(held: Sequence[HeldMeasure]) -> tuple[tuple[str, Decimal | None], ...]:
    """What the over-seizure check of a case depends on among its measures: which orders hold
    an asset, and the amount each freeze of deposits holds."""
    return tuple(sorted((m.order_id, m.amount) for m in held))


async def submit(gateway: Gateway, actor: Actor, cmd: SubmitOrder) -> Outcome:
    """查封 / 扣押 / 冻结: an asset of a respondent of one of the court's open enforcement or
    preservation cases, the caller assigned; the kind the asset takes; one measure per asset
    and case; beyond the over-seizure threshold only with the judge's confirmation.

    The assessment asks the agencies for the assets' values, so it is made before the case is
    locked; under the lock the case's measures are read again, and if another submission
    changed them in between the submission is assessed again (查封规定 第十九条 is judged on
    what the case holds when the order is made, so simultaneous submissions of one case cannot
    each pass it against the case as it was)."""
    measures.check_kind(cmd.kind, cmd.asset_type)
    term = service.check_term(cmd.asset_type.value, months=cmd.term_months, days=cmd.term_days)
    for _ in range(SUBMIT_ROUNDS):
        try:
            return await _submit_once(gateway, actor, cmd, term)
        except _Changed:
            continue
    raise Conflict(
        f"the measures of case {cmd.case_number} kept changing while this submission was"
        f" assessed ({SUBMIT_ROUNDS} times); nothing was submitted — submit again",
        reason="CASE_BUSY",
    )


async def _submit_once(
    gateway: Gateway, actor: Actor, cmd: SubmitOrder, term: service.Term
) -> Outcome:
    assessment = await assess(
        gateway,
        actor,
        AssessOrder(cmd.case_number, cmd.asset_type, cmd.asset_id),
        except_key=cmd.idempotency_key,
        amount=cmd.amount if cmd.asset_type is AssetType.DEPOSIT else None,
    )
    assessed = _signature([v.measure for v in assessment.measures])
    deposit: dict[str, Any] = {}
    if cmd.asset_type is AssetType.DEPOSIT:
        facts = assessment.facts or AssetFacts({})
        amount = measures.check_amount(
            cmd.amount, currency=cmd.currency, facts=facts, outstanding=assessment.outstanding
        )
        deposit = {"amount": str(amount), "currency": cmd.currency, "agency": facts.agency}
    _already_held(
        measures.holding([v.measure for v in assessment.measures], cmd.asset_type, cmd.asset_id),
        cmd,
    )
    if assessment.exceeds and not cmd.over_seizure_reason:
        raise assessment.refusal(f"{cmd.asset_type.value} {cmd.asset_id}")
    if gateway.keys is None:
        raise Conflict("the hub has no order signing key; ask the operator")
    payload = {
        "kind": cmd.kind.value,
        "assetType": cmd.asset_type.value,
        "assetId": cmd.asset_id,
        "caseNumber": cmd.case_number,
        "rulingNumber": cmd.ruling_number,
        "termMonths": term.months,
        "termDays": term.days,
        "idempotencyKey": cmd.idempotency_key,
        **deposit,
    }
    detail: dict[str, Any] = {"valuation": assessment.detail()}
    if cmd.over_seizure_reason:
        detail["overSeizureReason"] = cmd.over_seizure_reason
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        await measures.lock_case(conn, cmd.case_number)
        held = await measures.held_in_case(
            conn,
            cmd.case_number,
            court_code=actor.court_code or "",
            except_key=cmd.idempotency_key,
        )
        _already_held(measures.holding(held, cmd.asset_type, cmd.asset_id), cmd)
        if _signature(held) != assessed:
            raise _Changed  # rolled back: nothing of this round is written
        row, transitions = await service.submit(
            conn,
            payload=payload,
            owner_id=assessment.respondents[0],
            court_code=actor.court_code or "",
            actor=actor.user_id,
            now=service.utcnow(),
            keys=gateway.keys,
        )
        if transitions:  # a new order (a resubmission with the same key only reads it back)
            await gateway.audit(
                conn,
                [
                    _access(
                        "ORDER_SUBMIT",
                        row,
                        {
                            "kind": row["kind"],
                            "term": service.term_of(row).describe(),
                            **detail,
                        },
                    )
                ],
            )
    return Outcome(row, transitions, created=bool(transitions))


async def _court_order(gateway: Gateway, actor: Actor, order_id: str) -> dict[str, Any]:
    """A court acts on its own orders, in cases the caller is assigned to. Any other order —
    another court's, one of a case the caller is not assigned to — is NOT_FOUND word for word as
    one that does not exist (:func:`hub.orders.service.no_order`), as ``freezeOrder(id)`` reads
    it: an action is no way to learn which orders exist."""
    async with gateway.engine.connect() as conn:
        order = await service.get_order(conn, order_id)
    if order["court_code"] != actor.court_code:
        raise service.no_order(order_id, "OTHER_COURT")
    # a measure is released or renewed in a case closed since (the release is what ends it)
    try:
        await _case(gateway, actor, order["case_number"], open_required=False)
    except Forbidden as exc:
        reason = exc.extra.get("reason")
        if reason in HIDDEN_CASE_REASONS:
            raise service.no_order(order_id, str(reason)) from None
        raise
    return order


# why a case refuses the caller that would tell the order exists (hub.cases.rules.check_case)
HIDDEN_CASE_REASONS = frozenset({"CASE_UNKNOWN", "CASE_OTHER_COURT", "NOT_ASSIGNED"})


async def _register(
    gateway: Gateway, order_id: str, *, required: bool, agency: str | None = None
) -> list[Measure] | None:
    """The agency's register of the order's asset. Placing an order in line needs it
    (``required``: the action fails with the connector's error); after a release or a
    rejection the worker's next pass settles the line if the agency cannot be read now.
    An answer the order is not waiting for (another agency's, an answered order) reads
    nothing: the action is refused for that before the register matters."""
    async with gateway.engine.connect() as conn:
        order = await service.get_order(conn, order_id)
    if agency is not None and (order["agency"] != agency or order["status"] != "DELIVERED"):
        return []
    if order["asset_type"] == AssetType.DEPOSIT.value:
        # the bank's register answers a freeze of deposits itself (served by the order worker);
        # after a release the worker tells the bank and reads back who took effect
        if required:
            raise Conflict(
                f"order {order_id} freezes deposits: the bank's register answers it when the"
                " hub serves it, there is nothing to accept",
                reason="BANK_ANSWERS",
            )
        return None
    try:
        return await gateway.measures(AssetType(order["asset_type"]), order["asset_id"])
    except ConnectorFailed:
        if required:
            raise
        return None


Step = Callable[[AsyncConnection], Awaitable[list[Transition]]]


async def _transition(
    gateway: Gateway, order_id: str, action: str, step: Step, detail: dict[str, Any]
) -> Outcome:
    """One action on an existing order and its audit entry, in one transaction."""
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        transitions = await step(conn)
        row = await service.get_order(conn, order_id)
        await gateway.audit(conn, [_access(action, row, detail)])
    return Outcome(row, transitions)


async def release(gateway: Gateway, actor: Actor, cmd: ReleaseOrder) -> Outcome:
    """解封: an effective or waiting order of the court; the next in line takes effect."""
    await _court_order(gateway, actor, cmd.order_id)
    register = await _register(gateway, cmd.order_id, required=False)
    return await _transition(
        gateway,
        cmd.order_id,
        "ORDER_RELEASE",
        lambda conn: service.release(
            conn,
            cmd.order_id,
            court_code=actor.court_code or "",
            ruling_number=cmd.ruling_number,
            reason=cmd.reason,
            actor=actor.user_id,
            now=service.utcnow(),
            register=register,
        ),
        {"ruling_number": cmd.ruling_number, "reason": cmd.reason},
    )


async def renew(gateway: Gateway, actor: Actor, cmd: RenewOrder) -> Outcome:
    """续行查封 / 续冻: an effective order of the court, in the last days of its term, for at
    most the class's term again (民诉法解释 第四百八十五条)."""
    order = await _court_order(gateway, actor, cmd.order_id)
    term = service.check_term(order["asset_type"], months=cmd.term_months, days=cmd.term_days)
    return await _transition(
        gateway,
        cmd.order_id,
        "ORDER_RENEW",
        lambda conn: service.renew(
            conn,
            cmd.order_id,
            court_code=actor.court_code or "",
            ruling_number=cmd.ruling_number,
            term=term,
            window_days=gateway.renewal_window_days,
            actor=actor.user_id,
            now=service.utcnow(),
        ),
        {"ruling_number": cmd.ruling_number, "term": term.describe()},
    )


@dataclass(frozen=True, slots=True)
class DeductDeposit:
    """扣划: money from a freeze of deposits of the court's case, by a ruling."""

    order_id: str
    amount: Decimal
    ruling_number: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class DeductionOutcome:
    deduction: dict[str, Any]
    created: bool = True  # False: a resubmission with the same key read the deduction back


async def deduct(gateway: Gateway, actor: Actor, cmd: DeductDeposit) -> DeductionOutcome:
    """扣划 (《民事诉讼法》第二百五十三条: 划拨): from a freeze of deposits of the court's case that
    is in effect, at most what it holds less the deductions on their way, by a ruling; the
    order worker serves it on the bank once (:mod:`hub.orders.deductions`)."""
    if gateway.keys is None:
        raise Conflict("the hub has no order signing key; ask the operator")
    keys = gateway.keys
    order = await _court_order(gateway, actor, cmd.order_id)
    # money is drawn in an open case (a closed one is only released)
    await _case(gateway, actor, order["case_number"])
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        await service.lock_asset(conn, order["asset_type"], order["asset_id"])
        row, created = await deductions.request(
            conn,
            order_id=cmd.order_id,
            amount=cmd.amount,
            ruling_number=cmd.ruling_number,
            idempotency_key=cmd.idempotency_key,
            court_code=actor.court_code or "",
            actor=actor.user_id,
            now=service.utcnow(),
            keys=keys,
        )
        if created:
            await gateway.audit(
                conn,
                [
                    _access(
                        "DEPOSIT_DEDUCT",
                        order,
                        {
                            "deduction": row["id"],
                            "amount": str(row["amount"]),
                            "currency": row["currency"],
                            "ruling_number": row["ruling_number"],
                        },
                    )
                ],
            )
    return DeductionOutcome(row, created)


# --- agency actions ---------------------------------------------------------------------------


async def accept(gateway: Gateway, actor: Actor, cmd: AcceptOrder) -> Outcome:
    """The agency registers a delivered order, with its receipt; it takes its place in the
    asset's line (the agency's register) by the time it was served."""
    if gateway.keys is None:
        raise Conflict("the hub has no order signing key; ask the operator")
    keys = gateway.keys
    register = await _register(gateway, cmd.order_id, required=True, agency=actor.agency or "")
    assert register is not None
    return await _transition(
        gateway,
        cmd.order_id,
        "ORDER_ACCEPT",
        lambda conn: service.accept(
            conn,
            cmd.order_id,
            agency=actor.agency or "",
            document_number=cmd.document_number,
            registered_at=cmd.registered_at,
            actor=actor.user_id,
            now=service.utcnow(),
            keys=keys,
            register=register,
        ),
        {"document_number": cmd.document_number, "registered_at": str(cmd.registered_at)},
    )


async def reject(gateway: Gateway, actor: Actor, cmd: RejectOrder) -> Outcome:
    """The agency refuses a delivered order, with the reason."""
    register = await _register(gateway, cmd.order_id, required=False, agency=actor.agency or "")
    return await _transition(
        gateway,
        cmd.order_id,
        "ORDER_REJECT",
        lambda conn: service.reject(
            conn,
            cmd.order_id,
            agency=actor.agency or "",
            reason=cmd.reason,
            actor=actor.user_id,
            now=service.utcnow(),
            register=register,
        ),
        {"reason": cmd.reason},
    )


# --- what the hub does on its own ----------------------------------------------------------------


class SystemRecorder(Protocol):
    async def record_system(
        self,
        *,
        action: str,
        case_number: str | None,
        subject_kind: str | None,
        subject_id: str | None,
        detail: dict[str, Any],
    ) -> None: ...


def record_transitions(
    engine: AsyncEngine, audit: SystemRecorder
) -> Callable[[list[Transition]], Awaitable[None]]:
    """What the order worker did (deliveries, waiting orders taking effect, lapses), on the
    audit log with the hub as the actor."""

    async def record(transitions: list[Transition]) -> None:
        async with engine.connect() as conn:
            for t in transitions:
                order = await service.get_order(conn, t.order_id)
                await audit.record_system(
                    action=f"ORDER_{t.event}",
                    case_number=t.case_number,
                    subject_kind=owner_kind(order["owner_id"]),
                    subject_id=order["owner_id"],
                    detail={"order": t.order_id, **t.detail},
                )

    return record


__all__ = [
    "TRANSITIONS",
    "AcceptOrder",
    "Actor",
    "AssessOrder",
    "AssetType",
    "DeductDeposit",
    "DeductionOutcome",
    "Gateway",
    "OrderKind",
    "OrderStatus",
    "Outcome",
    "RejectOrder",
    "ReleaseOrder",
    "RenewOrder",
    "SubmitOrder",
    "accept",
    "assess",
    "deduct",
    "may_become",
    "owner_kind",
    "record_transitions",
    "reject",
    "release",
    "renew",
    "submit",
]
