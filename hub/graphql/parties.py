"""An enterprise party's own zone (企业纾困360): ``myEnterprise`` — its cases, the measures on its
assets, its entries on the sanction lists, its requests (诉求反映) and what the courts published
for its cases.

The enterprise is the caller's: the USCC of the token's ``org`` (``enterprise:<USCC>``, checked
with the ID number in ``sub`` when the token is verified). The root field takes no argument, so
there is no subject to name and nothing to probe; every part re-reads the enterprise from the
caller, never from the value it was handed. The policy grants the field to the
``enterprise_party`` role only (defence in depth: a caller of another kind is refused here too).
Each read is one audit entry (``PARTY_VIEW``: the person's ID number as the user, the
enterprise as org and subject)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.types import Info

from hub.audit.entries import AccessRecord
from hub.cases import service as cases_service
from hub.errors import Forbidden
from hub.graphql import resolvers
from hub.graphql.context import ctx
from hub.graphql.enums import CaseStatus
from hub.graphql.orders import AssetType, FreezeOrderKind, FreezeOrderStatus
from hub.graphql.party_requests import CaseDocument, PartyRequest, documents_of, requests_of
from hub.graphql.records import SanctionEntry
from hub.orders import deductions
from hub.orders import service as orders_service
from hub.policy.enforce import plan_for
from hub.sanctions import service as sanctions_service

ACTION = "PARTY_VIEW"


def own_enterprise(info: Info) -> str:
    """The caller's enterprise (USCC), or FORBIDDEN for a caller who is not an enterprise party.
    The same refusal whatever was asked: nothing in it depends on a subject."""
    uscc = ctx(info).principal.enterprise
    if uscc is None:
        raise Forbidden(
            "myEnterprise is the zone of an enterprise party: sign in as an enterprise's"
            " authorised person (a token with org enterprise:<USCC>)",
            reason="NOT_AN_ENTERPRISE",
        )
    return uscc


def _check_own(info: Info, uscc: str) -> str:
    """The enterprise a part is read for is the caller's own, again (not the parent's value)."""
    own = own_enterprise(info)
    if own != uscc:  # cannot happen through the API: the root makes the object from the caller
        raise Forbidden("an enterprise party reads its own data only", reason="NOT_OWN")
    return own


@strawberry.type(description="A judge of one of the enterprise's cases")
class PartyCaseJudge:
    name: str | None = strawberry.field(description="The judge's name (null if the hub has none)")
    role: str = strawberry.field(description="承办人 / 合议庭成员")


@strawberry.type(description="A case the enterprise is a party of, as its party sees it")
class PartyCase:
    case_number: str
    court_code: str
    court_name: str
    kind: str = strawberry.field(description="首次执行 / 恢复执行 / 执行保全 …")
    cause: str = strawberry.field(description="案由")
    status: CaseStatus
    filed_on: date
    closed_on: date | None
    amount: Decimal = strawberry.field(description="执行标的, CNY")
    role: str = strawberry.field(description="The enterprise's part: 申请执行人 / 被执行人")
    judges: list[PartyCaseJudge] = strawberry.field(description="承办人 first")
    deducted: Decimal = strawberry.field(
        description="Money deducted (扣划) in the case from the respondent's frozen deposits to the"
        " court's 执行款 account, CNY, with the banks' receipts (0 when none). For the 申请执行人"
        " this is what was recovered for it; the court pays it out from that account (发放), which"
        " its finance system records, not the hub"
    )


@strawberry.type(
    description="A measure the agency registered on an asset of the enterprise: in effect,"
    " waiting in line (轮候), or ended (released, lapsed)"
)
class PartyMeasure:
    id: str = strawberry.field(description="The court's order (FO-2026-…)")
    kind: FreezeOrderKind
    asset_type: AssetType
    asset_id: str = strawberry.field(description="Unit number, plate or stake id")
    court_code: str
    court_name: str | None
    case_number: str
    status: FreezeOrderStatus
    rank: int | None = strawberry.field(
        description="Place in the asset's waiting line (轮候); the lowest active place is in effect"
    )
    effective_from: date | None
    expires_on: date | None = strawberry.field(description="The term's last day")
    term_months: int | None
    term_days: int | None
    renewals: int = strawberry.field(description="How many times it was renewed (续封)")
    amount: Decimal | None = strawberry.field(
        description="A freeze of deposits: the amount asked (null for other assets)"
    )
    frozen_amount: Decimal | None = strawberry.field(
        description="A freeze of deposits: what the bank holds for it now (after deductions; 0"
        " while it waits in line)"
    )
    currency: str | None = strawberry.field(description="A freeze of deposits: ISO 4217 (CNY)")
    deducted: Decimal | None = strawberry.field(
        description="A freeze of deposits: the money deducted (扣划) from it so far"
    )


@strawberry.type(
    description="The caller's own enterprise (企业纾困360): its cases, the measures on its assets,"
    " its sanction-list entries — nobody else's"
)
class MyEnterprise:
    uscc: str = strawberry.field(description="The enterprise's unified social credit code")

    @resolvers.field(
        description="Cases the enterprise is a party of (as 申请执行人 or 被执行人), newest filed"
        " first, with the court and the judges"
    )
    async def cases(self, info: Info) -> list[PartyCase]:
        uscc = _check_own(info, self.uscc)
        async with ctx(info).runtime.engine.connect() as conn:
            rows = await cases_service.cases_of_party(conn, uscc)
            numbers = [r.case_number for r in rows]
            judges = await cases_service.judges_of_cases(conn, numbers)
            deducted = await deductions.deducted_by_case(conn, numbers)
        return [
            PartyCase(
                case_number=r.case_number,
                court_code=r.court_code,
                court_name=r.court_name,
                kind=r.kind,
                cause=r.cause,
                status=CaseStatus(r.status),
                filed_on=r.filed_on,
                closed_on=r.closed_on,
                amount=r.amount,
                role=r.role,
                judges=[PartyCaseJudge(name=j.name, role=j.role) for j in judges[r.case_number]],
                deducted=deducted.get(r.case_number, Decimal(0)),
            )
            for r in rows
        ]

    @resolvers.field(
        description="Measures registered on the enterprise's assets (查封 / 扣押 / 冻结) with their"
        " place in line and term; orders not yet registered by the agency are not shown"
    )
    async def measures(self, info: Info) -> list[PartyMeasure]:
        uscc = _check_own(info, self.uscc)
        async with ctx(info).runtime.engine.connect() as conn:
            rows = await orders_service.measures_on_owner(conn, uscc)
            deducted = await deductions.deducted_by_order(
                conn, [r["id"] for r in rows if r["asset_type"] == AssetType.DEPOSIT.value]
            )
        return [
            PartyMeasure(
                id=r["id"],
                kind=FreezeOrderKind(r["kind"]),
                asset_type=AssetType(r["asset_type"]),
                asset_id=r["asset_id"],
                court_code=r["court_code"],
                court_name=r["court_name"],
                case_number=r["case_number"],
                status=FreezeOrderStatus(r["status"]),
                rank=r["rank"],
                effective_from=r["effective_from"],
                expires_on=r["expires_on"],
                term_months=r["term_months"],
                term_days=r["term_days"],
                renewals=r["renewals"],
                amount=r["amount"],
                frozen_amount=r["frozen_amount"],
                currency=r["currency"],
                deducted=(
                    deducted.get(r["id"], Decimal(0))
                    if r["asset_type"] == AssetType.DEPOSIT.value
                    else None
                ),
            )
            for r in rows
        ]

    @resolvers.field(
        description="The enterprise's entries on the dishonest-debtor and consumption-restriction"
        " lists, in force or ended, with ground, term and end (法释〔2017〕7号 第一条、第二条)"
    )
    async def sanctions(self, info: Info) -> list[SanctionEntry]:
        uscc = _check_own(info, self.uscc)
        async with ctx(info).runtime.engine.connect() as conn:
            rows = await sanctions_service.entries_of_subject(conn, uscc)
        return rows  # type: ignore[return-value]  # records stand in for SanctionEntry (from_record)

    @resolvers.field(
        description="The enterprise's requests (诉求反映: 申请解除 / 申请履行 / 信用修复 / 其他),"
        " newest filed first, with their status and the judge's answer"
    )
    async def requests(self, info: Info) -> list[PartyRequest]:
        return await requests_of(info, _check_own(info, self.uscc))

    @resolvers.field(
        description="What the courts published for the enterprise's cases (裁判文书公开 /"
        " 执行信息公开), newest published first"
    )
    async def documents(self, info: Info) -> list[CaseDocument]:
        return await documents_of(info, _check_own(info, self.uscc))


async def resolve_my_enterprise(info: Info) -> MyEnterprise:
    uscc = own_enterprise(info)
    c = ctx(info)
    plan = plan_for(c.grants, c.runtime.policy_fields, info)
    c.audit_subjects.append(
        AccessRecord(
            action=ACTION,
            subject_kind="ENTERPRISE",
            subject_id=uscc,
            case_number=None,
            path=(info.path.key,),
            granted=plan.granted,
            masked=plan.masked,
            denied=plan.denied,
        )
    )
    return MyEnterprise(uscc=uscc)
