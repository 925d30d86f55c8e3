"""Orders over GraphQL: the court submits, releases and renews; the agency accepts or rejects.

Expected failures are part of each payload (``errors`` with a code per domain); who may call
which mutation is in the policy (``Mutation.freezeOrderSubmit`` …). A court acts only on its
own open cases (the purpose rules of look-ups: own court, open, assigned, the asset's owner a
party); an agency only on orders addressed to it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from connectors.base.identifiers import InvalidIdentifier, validate_id_number
from hub.audit.entries import AccessRecord, BatchRecord
from hub.db.engine import lock_for_write
from hub.errors import HubError
from hub.federation import lookups as L
from hub.graphql.context import ctx
from hub.graphql.payloads import error_fields, text_argument
from hub.identifiers import normalize_case_number
from hub.orders import service
from hub.policy.enforce import policy_plan
from hub.policy.masking import Mask, masked
from hub.policy.subjects import purpose_verdicts, require_assignment

MAX_PAGE = 200


@strawberry.enum
class FreezeOrderKind(Enum):
    SEIZE = "SEIZE"  # 查封
    FREEZE = "FREEZE"  # 冻结


@strawberry.enum
class AssetType(Enum):
    REAL_ESTATE = "REAL_ESTATE"
    VEHICLE = "VEHICLE"
    EQUITY = "EQUITY"


@strawberry.enum
class FreezeOrderStatus(Enum):
    SUBMITTED = "SUBMITTED"
    DELIVERED = "DELIVERED"
    EFFECTIVE = "EFFECTIVE"
    WAITING = "WAITING"
    REJECTED = "REJECTED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


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
class FreezeOrderError:
    code: FreezeOrderErrorCode
    message: str
    field: str | None = None
    reason: str | None = None
    rule: str | None = None


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
    term_days: int
    status: FreezeOrderStatus
    rank: int | None = strawberry.field(description="Place in the waiting line (1 = in effect)")
    submitted_by: str
    submitted_at: datetime
    delivered_at: datetime | None
    effective_from: date | None
    expires_on: date | None
    receipt_number: str | None
    receipt_registered_at: datetime | None
    closed_reason: str | None
    release_ruling: str | None
    renewals: int


@strawberry.type
class FreezeOrderPayload:
    order: FreezeOrder | None = None
    errors: list[FreezeOrderError] = strawberry.field(default_factory=list)


@strawberry.type
class FreezeOrderConnection:
    nodes: list[FreezeOrder]
    end_cursor: str | None
    has_next_page: bool


@strawberry.input
class AssetInput:
    type: AssetType
    id: str


@strawberry.input
class FreezeOrderSubmitInput:
    kind: FreezeOrderKind
    asset: AssetInput
    case_number: str
    ruling_number: str
    term_days: int | None = None
    idempotency_key: str


@strawberry.input
class FreezeOrderReleaseInput:
    ruling_number: str
    reason: str


@strawberry.input
class FreezeOrderRenewInput:
    ruling_number: str
    term_days: int | None = None


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
    f.name for f in FreezeOrder.__strawberry_definition__.fields if f.name != "owner_kind"
)


def _order(row: dict[str, Any]) -> FreezeOrder:
    return FreezeOrder(
        owner_kind=owner_kind(row["owner_id"]), **{name: row.get(name) for name in _ORDER_FIELDS}
    )


def _failed(exc: HubError) -> FreezeOrderPayload:
    return FreezeOrderPayload(errors=[FreezeOrderError(**error_fields(exc, FreezeOrderErrorCode))])


def owner_kind(owner_id: str) -> str:
    try:
        validate_id_number(owner_id)
    except InvalidIdentifier:
        return "ENTERPRISE"
    return "PERSON"


async def _audit(
    conn: Any, info: Info, action: str, order: dict[str, Any], detail: dict[str, Any]
) -> None:
    """The action's audit entry, in the action's own transaction (both or neither)."""
    c = ctx(info)
    access = AccessRecord(
        action=action,
        subject_kind=owner_kind(order["owner_id"]),
        subject_id=order["owner_id"],
        case_number=order["case_number"],
        path=(info.path.key,),
        outcome="OK",
        detail={
            "order": order["id"],
            "asset": f"{order['asset_type']}:{order['asset_id']}",
            **detail,
        },
    )
    await c.runtime.audit.record_in(conn, c, [access])


async def _asset_owners(info: Info, asset_type: str, asset_id: str) -> list[str]:
    loaders = ctx(info).loaders
    if asset_type == "REAL_ESTATE":
        rec = await loaders.load(L.PROPERTIES_BY_UNIT, asset_id)
        return [o.owner_id for o in rec.owners] if rec else []
    if asset_type == "VEHICLE":
        rec = await loaders.load(L.VEHICLES_BY_PLATE, asset_id)
        return [rec.owner_id] if rec else []
    rec = await loaders.load(L.STAKES_BY_ID, asset_id)
    return [rec.holder_id] if rec else []


async def submit(info: Info, data: FreezeOrderSubmitInput) -> FreezeOrderPayload:
    from hub.errors import BadUserInput, Forbidden

    c = ctx(info)
    try:
        case = normalize_case_number(data.case_number)
        asset_type = data.asset.type.value
        asset_id = text_argument(data.asset.id, "asset.id", 32)
        term = service.check_term(asset_type, data.term_days)
        payload = {
            "kind": data.kind.value,
            "assetType": asset_type,
            "assetId": asset_id,
            "caseNumber": case,
            "rulingNumber": text_argument(data.ruling_number, "rulingNumber"),
            "termDays": term,
            "idempotencyKey": text_argument(data.idempotency_key, "idempotencyKey"),
        }
        owners = await _asset_owners(info, asset_type, asset_id)
        if not owners:
            raise BadUserInput(
                f"{asset_type} {asset_id} is not registered at the agency",
                argument="asset.id",
                rule="ASSET_UNKNOWN",
            )
        verdicts = await purpose_verdicts(c, c.grants, case, owners)
        parties = [o for o, v in zip(owners, verdicts, strict=True) if v is None]
        if not parties:
            raise Forbidden(
                f"{asset_type} {asset_id} belongs to no party of case {case}", reason="NOT_A_PARTY"
            )
        await require_assignment(c, case)
        async with c.runtime.engine.begin() as conn:
            await lock_for_write(conn)
            row, transitions = await service.submit(
                conn,
                payload=payload,
                owner_id=parties[0],
                court_code=c.principal.court_code or "",
                actor=c.principal.sub,
                now=service.utcnow(),
                keys=c.runtime.order_keys,
            )
            if transitions:  # a new order (a resubmission with the same key only reads it)
                await _audit(
                    conn,
                    info,
                    "ORDER_SUBMIT",
                    row,
                    {"kind": row["kind"], "termDays": row["term_days"]},
                )
        if not transitions:
            _served(info, [row], single=True)
    except HubError as exc:
        return _failed(exc)
    return FreezeOrderPayload(order=_order(row))


async def _act(info: Info, order_id: str, action: str, fn: Any, **kw: Any) -> FreezeOrderPayload:
    """One transition of an existing order in its own transaction: audited (subscribers hear of it from the event feed)."""
    c = ctx(info)
    try:
        async with c.runtime.engine.begin() as conn:
            await lock_for_write(conn)
            await fn(conn, order_id, actor=c.principal.sub, now=service.utcnow(), **kw)
            row = await service.get_order(conn, order_id)
            detail = {k: str(v) for k, v in kw.items() if k not in ("keys", "court_code", "agency")}
            await _audit(conn, info, action, row, detail)
    except HubError as exc:
        return _failed(exc)
    return FreezeOrderPayload(order=_order(row))


async def _court_action(
    info: Info, order_id: str, action: str, fn: Any, **kw: Any
) -> FreezeOrderPayload:
    c = ctx(info)
    court = c.principal.court_code or ""
    try:
        async with c.runtime.engine.connect() as conn:
            order = await service.get_order(conn, order_id)
        if order["court_code"] == court:  # another court's order: the service says so
            await require_assignment(c, order["case_number"])
    except HubError as exc:
        return _failed(exc)
    return await _act(info, order_id, action, fn, court_code=court, **kw)


async def release(info: Info, order_id: str, data: FreezeOrderReleaseInput) -> FreezeOrderPayload:
    try:
        ruling, reason = (
            text_argument(data.ruling_number, "rulingNumber"),
            text_argument(data.reason, "reason", 200),
        )
    except HubError as exc:
        return _failed(exc)
    return await _court_action(
        info, order_id, "ORDER_RELEASE", service.release, ruling_number=ruling, reason=reason
    )


async def renew(info: Info, order_id: str, data: FreezeOrderRenewInput) -> FreezeOrderPayload:
    try:
        ruling = text_argument(data.ruling_number, "rulingNumber")
    except HubError as exc:
        return _failed(exc)
    return await _court_action(
        info, order_id, "ORDER_RENEW", service.renew, ruling_number=ruling, term_days=data.term_days
    )


async def _agency_action(
    info: Info, order_id: str, action: str, fn: Any, **kw: Any
) -> FreezeOrderPayload:
    return await _act(info, order_id, action, fn, agency=ctx(info).principal.agency or "", **kw)


async def accept(info: Info, order_id: str, receipt: ReceiptInput) -> FreezeOrderPayload:
    try:
        number = text_argument(receipt.document_number, "receipt.documentNumber")
    except HubError as exc:
        return _failed(exc)
    return await _agency_action(
        info,
        order_id,
        "ORDER_ACCEPT",
        service.accept,
        document_number=number,
        registered_at=receipt.registered_at,
        keys=ctx(info).runtime.order_keys,
    )


async def reject(info: Info, order_id: str, reason: str) -> FreezeOrderPayload:
    try:
        text = text_argument(reason, "reason", 200)
    except HubError as exc:
        return _failed(exc)
    return await _agency_action(info, order_id, "ORDER_REJECT", service.reject, reason=text)


def _scope(info: Info) -> dict[str, str | None]:
    p = ctx(info).principal
    return (
        {"court_code": p.court_code, "agency": None}
        if p.court_code
        else {"court_code": None, "agency": p.agency or "-"}
    )


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
    _served(info, [row], single=True)
    return _order(row)


async def many(
    info: Info, filter: FreezeOrderFilter | None, first: int, after: str | None, inbox: bool = False
) -> FreezeOrderConnection:
    from datetime import timedelta

    from hub.errors import BadUserInput

    if not 1 <= first <= MAX_PAGE:
        raise BadUserInput(
            f"first must be between 1 and {MAX_PAGE}", argument="first", rule="PAGE_SIZE"
        )
    f = filter or FreezeOrderFilter()
    expiring = None
    if f.expiring_within_days is not None:
        if not 0 <= f.expiring_within_days <= 3650:
            raise BadUserInput(
                "expiringWithinDays must be between 0 and 3650",
                argument="expiringWithinDays",
                rule="RANGE",
            )
        expiring = service.utcnow().date() + timedelta(days=f.expiring_within_days)
    scope = _scope(info)
    c = ctx(info)
    async with c.runtime.engine.connect() as conn:
        rows = await service.list_orders(
            conn,
            court_code=scope["court_code"],
            agency=scope["agency"],
            case_number=normalize_case_number(f.case_number) if f.case_number else None,
            status="DELIVERED" if inbox else (f.status.value if f.status else None),
            asset_type=f.asset_type.value if f.asset_type else None,
            expiring_before=expiring,
            first=first,
            after=after,
        )
    page = rows[:first]
    _served(info, page)
    return FreezeOrderConnection(
        nodes=[_order(r) for r in page],
        end_cursor=page[-1]["id"] if page else None,
        has_next_page=len(rows) > first,
    )


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

        def wants(e: Any) -> bool:
            return bool(
                (case is None or e.case_number == case) and e.court_code == principal.court_code
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
