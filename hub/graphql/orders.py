"""Orders over GraphQL: each mutation decodes its input, calls the order workflow
(:mod:`hub.orders.workflow`), and maps the outcome to its payload.

Expected failures are part of each payload (``errors`` with a code per domain); who may call
which mutation is in the policy (``Mutation.freezeOrderSubmit`` …); the rules of each action
(own court, open case, assignment, the asset's owner a party, addressed agency) are the
workflow's.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from connectors.base.annotations import Measure
from hub.audit.entries import AccessRecord, BatchRecord
from hub.errors import BadUserInput, HubError
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
from hub.graphql.records import WaitingLineEntry, waiting_line
from hub.identifiers import normalize_case_number, normalize_ruling_number
from hub.orders import service, workflow
from hub.orders.measures import Assessment, AssetFacts, Valuation
from hub.orders.signing import OrderKeys
from hub.policy.enforce import policy_plan
from hub.policy.masking import Mask, masked

CURSOR = "order"
INBOX_CURSOR = "inbox"


# strawberry.enum marks the workflow's enums in place and returns them: aliases are types.
strawberry.enum(workflow.OrderKind, name="FreezeOrderKind")
strawberry.enum(workflow.AssetType, name="AssetType")
strawberry.enum(workflow.OrderStatus, name="FreezeOrderStatus")
FreezeOrderKind = workflow.OrderKind
AssetType = workflow.AssetType
FreezeOrderStatus = workflow.OrderStatus


@strawberry.enum
class FreezeOrderErrorCode(Enum):
    AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    FORBIDDEN = "FORBIDDEN"
    PURPOSE_REQUIRED = "PURPOSE_REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    CONNECTOR_UNAVAILABLE = "CONNECTOR_UNAVAILABLE"
    CONNECTOR_TIMEOUT = "CONNECTOR_TIMEOUT"


@strawberry.type
class FreezeOrderError(PayloadError):
    code: FreezeOrderErrorCode


@strawberry.type(description="A seizure or freeze order and where it stands")
class FreezeOrder:
    id: str
    kind: FreezeOrderKind
    asset_type: AssetType
    asset_id: str
    agency: str
    owner_kind: strawberry.Private[str]  # PERSON / ENTERPRISE (an enterprise's USCC is public)
    owner_id: str = masked(Mask.ID_NUMBER, subject_kind="owner_kind")
    court_code: str
    case_number: str
    ruling_number: str
    term_months: int | None = strawberry.field(
        description="The term in calendar months on the court's calendar (null: in days)"
    )
    term_days: int | None = strawberry.field(
        description=(
            "The term in days, for an order that names it (orders made before terms were"
            " counted in months, or a court that asked for days); null for a term in months"
        )
    )
    status: FreezeOrderStatus
    rank: int | None = strawberry.field(
        description=(
            "Place in the asset's waiting line (轮候) by the time the order was served, after"
            " the measures the agency already held; the lowest active place is in effect. Null"
            " until accepted, and while an order served earlier on the asset waits for the"
            " agency's answer"
        )
    )
    submitted_by: str
    submitted_at: datetime
    delivered_at: datetime | None = strawberry.field(
        description="When the order was served on the agency (送达): its place in line follows it"
    )
    effective_from: date | None
    expires_on: date | None
    receipt_number: str | None
    receipt_registered_at: datetime | None
    closed_reason: str | None
    release_ruling: str | None
    renewals: int
    amount: Decimal | None = strawberry.field(
        default=None,
        description="A freeze of deposits: the amount the court asked to freeze (exact decimal)",
    )
    frozen_amount: Decimal | None = strawberry.field(
        default=None,
        description="A freeze of deposits: what the bank's register holds for it now — what it"
        " took when it took effect (at most what was available), less the deductions (扣划) made"
        " from it; 0 while waiting",
    )
    currency: str | None = strawberry.field(
        default=None, description="A freeze of deposits: the account's currency (ISO 4217)"
    )

    @resolvers.field(
        description=(
            "The waiting line of the order's asset: the hub's orders and the measures the"
            " agency holds outside the hub, by place"
        )
    )
    async def waiting_line(self, info: Info) -> list[WaitingLineEntry] | None:
        asset_type = getattr(self.asset_type, "value", self.asset_type)
        return await waiting_line(info, str(asset_type), self.asset_id)  # type: ignore[no-any-return]  # records


@strawberry.type
class FreezeOrderPayload:
    order: FreezeOrder | None = None
    errors: list[FreezeOrderError] = strawberry.field(default_factory=list)


@strawberry.type(description="A page of orders")
class FreezeOrderConnection:
    nodes: list[FreezeOrder]
    page_info: PageInfo
    end_cursor: str | None = strawberry.field(deprecation_reason="Use pageInfo.endCursor")
    has_next_page: bool = strawberry.field(deprecation_reason="Use pageInfo.hasNextPage")
    count: strawberry.Private[Counter]

    @resolvers.field(description="How many orders the list holds for the caller, on all pages")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.input
class AssetInput:
    type: AssetType
    id: str


@strawberry.input
class FreezeOrderSubmitInput:
    kind: FreezeOrderKind = strawberry.field(
        description="SEIZE (查封) real estate or a vehicle, DETAIN (扣押) a vehicle, FREEZE (冻结) an"
        " equity stake or a deposit account (DEPOSIT: the account number); any other pairing is"
        " refused (rule KIND_FOR_ASSET)"
    )
    asset: AssetInput
    case_number: str
    ruling_number: str = strawberry.field(
        description="The ruling (裁定书) number, in the case-number form: （2026）鲁0602执123号之一"
    )
    term_days: int | None = strawberry.field(
        default=None, description="The term in days (or give termMonths; default: the longest)"
    )
    idempotency_key: str
    term_months: int | None = strawberry.field(
        default=None,
        description=(
            "The term in calendar months: at most 24 for a vehicle, 36 for real estate and"
            " equity (民诉法解释 第四百八十五条); default the longest"
        ),
    )
    over_seizure_reason: str | None = strawberry.field(
        default=None,
        description="The judge's confirmation, with the reason, of a measure that takes the known"
        " value held in the case above the over-seizure threshold (超标的查封, 查封规定 第十九条;"
        " see freezeOrderAssessment); refused without it (rule OVER_SEIZURE)",
    )
    amount: Decimal | None = strawberry.field(
        default=None,
        description="A freeze of deposits (DEPOSIT): the amount to freeze, more than 0, in cents,"
        " at most the case's outstanding amount (rules AMOUNT_REQUIRED, AMOUNT_POSITIVE,"
        " AMOUNT_CENTS, AMOUNT_ABOVE_OUTSTANDING); the bank freezes what is available of it"
        " or puts it in line (轮候冻结)",
    )
    currency: str = strawberry.field(
        default="CNY",
        description="The currency of the account frozen (rule CURRENCY_OF_ACCOUNT); the hub"
        " compares amounts in CNY only (rule CURRENCY_NOT_CNY)",
    )


@strawberry.type(description="An order of the case that holds its asset, with its known value")
class FreezeOrderMeasure:
    order_id: str
    kind: FreezeOrderKind
    asset_type: AssetType
    asset_id: str
    status: FreezeOrderStatus
    known_value: Decimal | None = strawberry.field(
        description="CNY: the registered area × the reference price per m² × the respondents'"
        " share (real estate), the subscribed capital (equity); null when the agency holds no"
        " value (vehicles)"
    )


@strawberry.type(
    description="超标的查封 (查封规定 第十九条): the case's outstanding amount beside the known value"
    " of what its orders hold and of the asset about to be added"
)
class FreezeOrderAssessment:
    case_number: str
    outstanding: Decimal = strawberry.field(description="执行标的 of the case (cases.amount), CNY")
    measures: list[FreezeOrderMeasure] = strawberry.field(
        description="The case's orders on their way, waiting or in effect"
    )
    seized_value: Decimal = strawberry.field(description="The known values of those, summed")
    unvalued_measures: int = strawberry.field(description="How many of those have no known value")
    asset_value: Decimal | None = strawberry.field(
        description="The known value of the asset asked about (null: unknown, or none asked)"
    )
    factor: Decimal = strawberry.field(description="HUB_OVER_SEIZURE_FACTOR")
    threshold: Decimal = strawberry.field(description="factor × outstanding")
    needs_confirmation: bool = strawberry.field(
        description="seizedValue + assetValue exceed the threshold: a submission needs"
        " overSeizureReason"
    )


@strawberry.input
class FreezeOrderReleaseInput:
    ruling_number: str
    reason: str


@strawberry.input
class FreezeOrderRenewInput:
    ruling_number: str
    term_days: int | None = strawberry.field(
        default=None, description="The renewal's term in days (or give termMonths)"
    )
    term_months: int | None = strawberry.field(
        default=None,
        description=(
            "The renewal's term in calendar months from the day after the old end, at most the"
            " class's (24 / 36); default the longest"
        ),
    )


@strawberry.input
class ReceiptInput:
    document_number: str
    registered_at: datetime


@strawberry.input
class FreezeOrderFilter:
    case_number: str | None = None
    status: FreezeOrderStatus | None = None
    asset_type: AssetType | None = None
    expiring_within_days: int | None = None


_ORDER_FIELDS = tuple(
    f.name
    for f in get_object_definition(FreezeOrder, strict=True).fields
    if f.name not in ("owner_kind", "waiting_line")
)


def _order(row: dict[str, Any]) -> FreezeOrder:
    fields: dict[str, Any] = {name: row.get(name) for name in _ORDER_FIELDS}
    return FreezeOrder(owner_kind=owner_kind(row["owner_id"]), **fields)


def _failed(exc: HubError) -> FreezeOrderPayload:
    return FreezeOrderPayload(errors=[FreezeOrderError(**error_fields(exc, FreezeOrderErrorCode))])


owner_kind = workflow.owner_kind


class _RequestGateway(WorkflowGateway):
    """The order workflow's view of the hub during one GraphQL operation."""

    def __init__(self, info: Info) -> None:
        super().__init__(info)
        self.keys: OrderKeys | None = self.context.runtime.order_keys
        settings = self.context.runtime.settings
        self.renewal_window_days = settings.order_renewal_window_days
        self.valuation = Valuation(
            price_per_sqm=settings.reference_price_per_sqm, factor=settings.over_seizure_factor
        )

    async def asset(self, asset_type: workflow.AssetType, asset_id: str) -> AssetFacts | None:
        loaders = self.context.loaders
        if asset_type is workflow.AssetType.DEPOSIT:
            # account numbers are unique across banks: every bank is asked at once
            banks = list(L.ACCOUNTS)
            found = await asyncio.gather(
                *(loaders.load(L.ACCOUNTS[b], asset_id) for b in banks), return_exceptions=True
            )
            for bank, account in zip(banks, found, strict=True):
                if account is not None and not isinstance(account, BaseException):
                    return AssetFacts(
                        {account.holder_id: Decimal(1)}, currency=account.currency, agency=bank
                    )
            failed = next((f for f in found if isinstance(f, BaseException)), None)
            if failed is not None:
                raise failed  # a bank that did not answer may hold it: say so
            return None
        if asset_type is workflow.AssetType.REAL_ESTATE:
            unit = await loaders.load(L.PROPERTIES_BY_UNIT, asset_id)
            if not unit:
                return None
            return AssetFacts({o.owner_id: o.share for o in unit.owners}, area=unit.area)
        if asset_type is workflow.AssetType.VEHICLE:
            vehicle = await loaders.load(L.VEHICLES_BY_PLATE, asset_id)
            return AssetFacts({vehicle.owner_id: Decimal(1)}) if vehicle else None
        stake = await loaders.load(L.STAKES_BY_ID, asset_id)
        if not stake:
            return None
        return AssetFacts({stake.holder_id: Decimal(1)}, capital=stake.subscribed_capital)

    async def measures(self, asset_type: workflow.AssetType, asset_id: str) -> list[Measure]:
        found = await self.context.loaders.load(L.MEASURES[asset_type.value], asset_id)
        return list(found)


RequestGateway = _RequestGateway  # for workflows that act through the order workflow


def _target(command: Any) -> dict[str, Any]:
    """What a refused order action was aimed at, for its audit entry."""
    if isinstance(command, workflow.SubmitOrder):
        return {
            "asset": f"{command.asset_type.value}:{command.asset_id}",
            "caseNumber": command.case_number,
        }
    return {"order": command.order_id}


def _actor(info: Info) -> workflow.Actor:
    return workflow.Actor(**actor_fields(info), agency=ctx(info).principal.agency)


_ACTIONS = {
    workflow.submit: "ORDER_SUBMIT",
    workflow.release: "ORDER_RELEASE",
    workflow.renew: "ORDER_RENEW",
    workflow.accept: "ORDER_ACCEPT",
    workflow.reject: "ORDER_REJECT",
}


async def _run(info: Info, action: Any, command: Any) -> FreezeOrderPayload:
    try:
        outcome = await action(_RequestGateway(info), _actor(info), command)
    except HubError as exc:
        record_refusal(info, _ACTIONS[action], exc, _target(command))
        return _failed(exc)
    if not outcome.created:
        _served(info, [outcome.order], single=True)  # a resubmission only read the order back
    return FreezeOrderPayload(order=_order(outcome.order))


async def submit(info: Info, data: FreezeOrderSubmitInput) -> FreezeOrderPayload:
    try:
        command = workflow.SubmitOrder(
            kind=workflow.OrderKind(data.kind.value),
            asset_type=workflow.AssetType(data.asset.type.value),
            asset_id=text_argument(data.asset.id, "asset.id", 32),
            case_number=normalize_case_number(data.case_number),
            ruling_number=normalize_ruling_number(data.ruling_number),
            term_days=data.term_days,
            idempotency_key=text_argument(data.idempotency_key, "idempotencyKey"),
            term_months=data.term_months,
            over_seizure_reason=optional_text_argument(
                data.over_seizure_reason, "overSeizureReason", 200
            ),
            amount=data.amount,
            currency=text_argument(data.currency, "currency", 3),
        )
    except HubError as exc:
        return _failed(exc)
    return await _run(info, workflow.submit, command)


async def release(info: Info, order_id: str, data: FreezeOrderReleaseInput) -> FreezeOrderPayload:
    try:
        command = workflow.ReleaseOrder(
            order_id=text_argument(order_id, "id", 32),
            ruling_number=normalize_ruling_number(data.ruling_number),
            reason=text_argument(data.reason, "reason", 200),
        )
    except HubError as exc:
        return _failed(exc)
    return await _run(info, workflow.release, command)


async def renew(info: Info, order_id: str, data: FreezeOrderRenewInput) -> FreezeOrderPayload:
    try:
        command = workflow.RenewOrder(
            order_id=text_argument(order_id, "id", 32),
            ruling_number=normalize_ruling_number(data.ruling_number),
            term_days=data.term_days,
            term_months=data.term_months,
        )
    except HubError as exc:
        return _failed(exc)
    return await _run(info, workflow.renew, command)


async def accept(info: Info, order_id: str, receipt: ReceiptInput) -> FreezeOrderPayload:
    try:
        command = workflow.AcceptOrder(
            order_id=text_argument(order_id, "id", 32),
            document_number=text_argument(receipt.document_number, "receipt.documentNumber"),
            registered_at=receipt.registered_at,
        )
    except HubError as exc:
        return _failed(exc)
    return await _run(info, workflow.accept, command)


async def reject(info: Info, order_id: str, reason: str) -> FreezeOrderPayload:
    try:
        command = workflow.RejectOrder(
            order_id=text_argument(order_id, "id", 32), reason=text_argument(reason, "reason", 200)
        )
    except HubError as exc:
        return _failed(exc)
    return await _run(info, workflow.reject, command)


def _assessment(a: Assessment) -> FreezeOrderAssessment:
    return FreezeOrderAssessment(
        case_number=a.case_number,
        outstanding=a.outstanding,
        measures=[
            FreezeOrderMeasure(
                order_id=v.measure.order_id,
                kind=FreezeOrderKind(v.measure.kind),
                asset_type=AssetType(v.measure.asset_type),
                asset_id=v.measure.asset_id,
                status=FreezeOrderStatus(v.measure.status),
                known_value=v.value,
            )
            for v in a.measures
        ],
        seized_value=a.seized_value,
        unvalued_measures=a.unvalued,
        asset_value=a.asset_value,
        factor=a.factor,
        threshold=a.threshold,
        needs_confirmation=a.exceeds,
    )


async def assess(info: Info, case_number: str, asset: AssetInput | None) -> FreezeOrderAssessment:
    """The order form's over-seizure check; on record like a look-up of the asset's owner."""
    command = workflow.AssessOrder(
        case_number=normalize_case_number(case_number),
        asset_type=workflow.AssetType(asset.type.value) if asset else None,
        asset_id=text_argument(asset.id, "asset.id", 32) if asset else None,
    )
    try:
        assessment = await workflow.assess(_RequestGateway(info), _actor(info), command)
    except HubError as exc:
        target = {"caseNumber": command.case_number}
        if command.asset_type is not None:
            target["asset"] = f"{command.asset_type.value}:{command.asset_id}"
        record_refusal(info, "ORDER_ASSESS", exc, target)
        raise
    owner = assessment.respondents[0] if assessment.respondents else None
    ctx(info).audit_subjects.append(
        AccessRecord(
            action="ORDER_ASSESS",
            subject_kind=owner_kind(owner) if owner else None,
            subject_id=owner,
            case_number=command.case_number,
            path=tuple(info.path.as_list()),
            detail={
                "asset": (
                    f"{command.asset_type.value}:{command.asset_id}"
                    if command.asset_type is not None
                    else None
                ),
                "orders": [v.measure.order_id for v in assessment.measures],
                **assessment.detail(),
            },
        )
    )
    return _assessment(assessment)


def _scope(info: Info) -> dict[str, str | None]:
    """Whose orders the caller sees: a court's own (for a judge of an @assignment role, those
    of the cases the judge is assigned to), or those addressed to an agency."""
    c = ctx(info)
    p = c.principal
    if p.court_code:
        assigned = bool(c.grants and c.grants.requires_assignment)
        return {
            "court_code": p.court_code,
            "agency": None,
            "assigned_to": p.sub if assigned else None,
        }
    return {"court_code": None, "agency": p.agency or "-", "assigned_to": None}


def _served(info: Info, rows: list[dict[str, Any]], *, single: bool = False) -> None:
    """Orders name their owners: serving them is on record like any subject data (one entry
    for an order, one with a row per order for a page), written before the answer leaves."""
    c = ctx(info)
    path = tuple(info.path.as_list())
    if single:
        row = rows[0]
        c.audit_subjects.append(
            AccessRecord(
                action="ORDER_VIEW",
                subject_kind=owner_kind(row["owner_id"]),
                subject_id=row["owner_id"],
                case_number=row["case_number"],
                path=path,
                detail={"order": row["id"]},
            )
        )
    elif rows:
        c.audit_batches.append(
            BatchRecord(
                action="ORDER_LIST",
                path=path,
                subjects=[(owner_kind(r["owner_id"]), r["owner_id"]) for r in rows],
                detail={"orders": [r["id"] for r in rows]},
            )
        )


async def one(info: Info, order_id: str) -> FreezeOrder | None:
    order_id = text_argument(order_id, "id", 32)
    c = ctx(info)
    async with c.runtime.engine.connect() as conn:
        try:
            row = await service.get_order(conn, order_id)
        except HubError:
            return None
    scope = _scope(info)
    if (scope["court_code"] and row["court_code"] != scope["court_code"]) or (
        scope["agency"] and row["agency"] != scope["agency"]
    ):
        return None  # another court's or agency's order does not exist for this caller
    if scope["assigned_to"] is not None:
        record = await c.loaders.load(L.CASE_PURPOSES, row["case_number"])
        if record is None or scope["assigned_to"] not in record.judges:
            return None  # a colleague's case: not this judge's to see
    _served(info, [row], single=True)
    return _order(row)


async def many(
    info: Info, filter: FreezeOrderFilter | None, first: int, after: str | None, inbox: bool = False
) -> FreezeOrderConnection:
    """A page of the caller's orders (newest submitted first), or of its inbox (delivered
    orders waiting for an answer, oldest served first: the waiting line follows service)."""
    page_size(first)
    kind = INBOX_CURSOR if inbox else CURSOR
    anchor = decode(after, kind, moment, _order_id)
    f = filter or FreezeOrderFilter()
    expiring = None
    if f.expiring_within_days is not None:
        if not 0 <= f.expiring_within_days <= 3650:
            raise BadUserInput(
                "expiringWithinDays must be between 0 and 3650",
                argument="expiringWithinDays",
                rule="RANGE",
            )
        expiring = service.court_day(service.utcnow()) + timedelta(days=f.expiring_within_days)
    scope = _scope(info)
    where: dict[str, Any] = {
        "court_code": scope["court_code"],
        "agency": scope["agency"],
        "case_number": normalize_case_number(f.case_number) if f.case_number else None,
        "status": "DELIVERED" if inbox else (f.status.value if f.status else None),
        "asset_type": f.asset_type.value if f.asset_type else None,
        "expiring_before": expiring,
        "assigned_to": scope["assigned_to"],
    }
    c = ctx(info)
    async with c.runtime.engine.connect() as conn:
        rows = await service.list_orders(
            conn,
            **where,
            first=first,
            after=anchor,
            oldest_served_first=inbox,
        )
    page = rows[:first]
    _served(info, page)

    async def count() -> int:
        async with c.runtime.engine.connect() as conn:
            return await service.count_orders(conn, **where)

    end = None
    if page:
        at, order_id = service.sort_key(page[-1], oldest_served_first=inbox)
        end = encode(kind, micros(at), order_id)
    more = len(rows) > first
    return FreezeOrderConnection(
        nodes=[_order(r) for r in page],
        page_info=PageInfo(end_cursor=end, has_next_page=more),
        end_cursor=end,
        has_next_page=more,
        count=count,
    )


def _order_id(value: str) -> str:
    """An order id in a cursor: FO-<year>-<hex> as the hub makes them (no SQL sees another)."""
    if not (value.isascii() and 1 <= len(value) <= 32 and value.replace("-", "").isalnum()):
        raise ValueError(value)
    return value


@strawberry.type(description="A transition of an order, pushed to subscribers")
class FreezeOrderEvent:
    order_id: str
    event: str = strawberry.field(
        description="SUBMITTED, DELIVERED, WAITING, EFFECTIVE, RELEASED, …"
    )
    case_number: str
    agency: str
    at: datetime
    detail: str = strawberry.field(description="JSON")


async def events(info: Info, case_number: str | None) -> Any:
    """Transitions of orders: a court sees its own (of one case, or all), an agency the orders
    addressed to it (of one case, or all: the inbox)."""
    import json

    from hub.errors import Forbidden, Unauthenticated

    c = ctx(info)
    if c.principal is None:
        raise Unauthenticated(
            'send the token in the connection_init payload: {"Authorization": "Bearer …"}'
        )
    plan = policy_plan(info)  # refuses a role the policy does not let follow orders
    case = normalize_case_number(case_number) if case_number is not None else None
    principal = c.principal
    if principal.court_code is not None:
        if case is not None:
            async with c.runtime.engine.connect() as conn:
                from hub.cases.service import case_by_number

                record = await case_by_number(conn, case)
            if record is None or record.court_code != principal.court_code:
                raise Forbidden(
                    f"case {case} is not a case of {principal.org}", reason="CASE_OTHER_COURT"
                )

        mine: frozenset[str] | None = None
        if c.grants is not None and c.grants.requires_assignment:
            # a judge follows the orders of the cases the judge is assigned to (as they are
            # when the subscription starts)
            async with c.runtime.engine.connect() as conn:
                from hub.cases.service import case_numbers_of_judge

                mine = frozenset(await case_numbers_of_judge(conn, principal.sub))
            if case is not None and case not in mine:
                raise Forbidden(
                    f"{principal.sub} is not assigned to case {case}", reason="NOT_ASSIGNED"
                )

        def wants(e: Any) -> bool:
            return bool(
                (case is None or e.case_number == case)
                and e.court_code == principal.court_code
                and (mine is None or e.case_number in mine)
            )
    else:

        def wants(e: Any) -> bool:
            return bool((case is None or e.case_number == case) and e.agency == principal.agency)

    async for event in c.runtime.order_events.subscribe(wants):
        yield plan.apply(
            FreezeOrderEvent(
                order_id=event.order_id,
                event=event.event,
                case_number=event.case_number,
                agency=event.agency,
                at=event.at,
                detail=json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
            )
        )


# --- deductions (扣划) from frozen deposits, and the ledger -------------------------------------


@strawberry.type(description="A deduction (扣划) from a freeze of deposits, and the bank's receipt")
class DepositDeduction:
    id: str
    order_id: str = strawberry.field(description="The freeze of deposits it was drawn from")
    court_code: str
    case_number: str
    bank: str = strawberry.field(description="bank:<code>")
    account_number: str = masked(Mask.ACCOUNT)
    amount: Decimal
    currency: str
    ruling_number: str = strawberry.field(description="The ruling (扣划裁定书) it was made by")
    payee: str = strawberry.field(description="The court's 执行款 account the money went to")
    status: str = strawberry.field(
        description="PENDING (on its way to the bank), DONE (the bank's receipt held), REFUSED"
    )
    requested_by: str
    requested_at: datetime
    transfer_number: str | None = strawberry.field(description="The bank's 划款凭证 number")
    transferred_at: datetime | None
    refused_reason: str | None
    receipt: str | None = strawberry.field(
        description="The bank's transfer receipt (canonical JSON), signed with the bank's key"
    )
    receipt_signature: str | None


@strawberry.type
class DepositDeductionPayload:
    deduction: DepositDeduction | None = None
    errors: list[FreezeOrderError] = strawberry.field(default_factory=list)


@strawberry.input
class DepositDeductInput:
    order_id: str = strawberry.field(description="A freeze of deposits of the case, in effect")
    amount: Decimal = strawberry.field(
        description="More than 0, in cents, at most what the freeze holds less the deductions on"
        " their way (rule AMOUNT_ABOVE_FROZEN)"
    )
    ruling_number: str = strawberry.field(description="The ruling (扣划裁定书) number")
    idempotency_key: str


@strawberry.type(
    description="A case's deductions beside the banks' receipts and records: reconciled when"
    " the sum deducted equals the sum of the signed receipts and the banks' transfers"
)
class DepositLedger:
    case_number: str
    entries: list[DepositDeduction]
    deducted: Decimal = strawberry.field(description="The sum of the DONE deductions")
    receipted: Decimal = strawberry.field(description="The sum of the banks' signed receipts")
    bank_recorded: Decimal | None = strawberry.field(
        description="The sum of the transfers the banks record for the case (null: a bank could"
        " not be read)"
    )
    pending: Decimal = strawberry.field(description="Deductions still on their way to a bank")
    receipts_valid: bool = strawberry.field(
        description="Every receipt names its deduction and its bank's signature verifies"
    )
    unmatched_transfers: list[str] = strawberry.field(
        description="Transfer numbers a bank records for the case that the ledger does not hold"
        " with the same amount"
    )
    reconciled: bool


_DEDUCTION_FIELDS = tuple(
    f.name for f in get_object_definition(DepositDeduction, strict=True).fields
)


def _deduction(row: dict[str, Any]) -> DepositDeduction:
    fields: dict[str, Any] = {name: row.get(name) for name in _DEDUCTION_FIELDS}
    return DepositDeduction(**fields)


async def deduct(info: Info, data: DepositDeductInput) -> DepositDeductionPayload:
    try:
        command = workflow.DeductDeposit(
            order_id=text_argument(data.order_id, "orderId", 32),
            amount=data.amount,
            ruling_number=normalize_ruling_number(data.ruling_number),
            idempotency_key=text_argument(data.idempotency_key, "idempotencyKey"),
        )
    except HubError as exc:
        return DepositDeductionPayload(
            errors=[FreezeOrderError(**error_fields(exc, FreezeOrderErrorCode))]
        )
    try:
        outcome = await workflow.deduct(_RequestGateway(info), _actor(info), command)
    except HubError as exc:
        record_refusal(info, "DEPOSIT_DEDUCT", exc, {"order": command.order_id})
        return DepositDeductionPayload(
            errors=[FreezeOrderError(**error_fields(exc, FreezeOrderErrorCode))]
        )
    if not outcome.created:  # a resubmission only read the deduction back
        row = outcome.deduction
        ctx(info).audit_subjects.append(
            AccessRecord(
                action="DEPOSIT_DEDUCTION_VIEW",
                subject_kind=owner_kind(row["owner_id"]),
                subject_id=row["owner_id"],
                case_number=row["case_number"],
                path=tuple(info.path.as_list()),
                detail={"deduction": row["id"], "order": row["order_id"]},
            )
        )
    return DepositDeductionPayload(deduction=_deduction(outcome.deduction))


async def ledger(info: Info, case_number: str) -> DepositLedger:
    """The auditor's view of a case's deductions, reconciled against the banks' receipts and
    the banks' own records; on record like any view of subject data."""
    from hub.orders import deductions

    case = normalize_case_number(case_number)
    c = ctx(info)
    async with c.runtime.engine.connect() as conn:
        entries = await deductions.ledger(conn, case)
    try:
        transfers: list[Any] | None = await deductions.bank_transfers(
            case, [e["bank"] for e in entries], c.runtime.sources
        )
    except Exception:  # a bank that cannot be read leaves its side unknown, not zero
        transfers = None
    r = deductions.reconcile(case, entries, keys=c.runtime.order_keys, bank_transfers=transfers)
    owners = sorted({e["owner_id"] for e in entries})
    c.audit_batches.append(
        BatchRecord(
            action="DEPOSIT_LEDGER_VIEW",
            path=tuple(info.path.as_list()),
            subjects=[(owner_kind(o), o) for o in owners],
            detail={
                "caseNumber": case,
                "deductions": [e["id"] for e in entries],
                "reconciled": r.reconciled,
            },
        )
    )
    return DepositLedger(
        case_number=case,
        entries=[_deduction(e) for e in entries],
        deducted=r.deducted,
        receipted=r.receipted,
        bank_recorded=r.bank_recorded,
        pending=r.pending,
        receipts_valid=r.receipts_valid,
        unmatched_transfers=r.unmatched,
        reconciled=r.reconciled,
    )
