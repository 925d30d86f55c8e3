"""GraphQL types of agency and court records; each resolves straight from the typed record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from hub.federation import lookups as L
from hub.graphql.enums import (
    CaseStatus,
    EnterpriseRoleKind,
    InsuranceKind,
    SanctionList,
    SanctionStatus,
    SeizureStatus,
    SubjectKind,
    VehicleStatus,
)
from hub.policy.enforce import raw
from hub.policy.masking import Mask, masked


@strawberry.type(description="户籍 identity record (public security)")
class Identity:
    id_number: str | None = masked(Mask.ID_NUMBER)
    name: str | None = masked(Mask.NAME)
    gender: str | None = strawberry.field(description="男 / 女")
    birth_date: date | None
    ethnicity: str | None
    registered_address: str | None = masked(Mask.ADDRESS, description="户籍地址")
    registration_status: str | None = strawberry.field(description="正常 / 迁出 / 死亡")
    issuing_authority: str | None
    phone: str | None = masked(Mask.PHONE)


@strawberry.type(
    description="An order in effect or waiting (轮候) on an asset, from the court's records"
)
class WaitingLineEntry:
    order_id: str | None
    kind: str | None = strawberry.field(description="SEIZE / FREEZE")
    court_code: str | None
    case_number: str | None
    rank: int | None = strawberry.field(description="1 = in effect; 2, 3, … wait in this order")
    status: str | None = strawberry.field(description="EFFECTIVE / WAITING")
    effective_from: date | None
    expires_on: date | None


def waiting_line(info: Info[Any, Any], asset_type: str, asset_id: str) -> Any:
    """The request's batch-loader future for an asset's waiting line."""
    return info.context.loaders.loader(L.WAITING_LINE).load(f"{asset_type}:{asset_id}")


@strawberry.type(description="A motor vehicle registered to the subject (public security)")
class Vehicle:
    plate: str | None
    vin: str | None = masked(Mask.CERTIFICATE)
    brand: str | None
    model: str | None
    vehicle_type: str | None
    colour: str | None
    registered_on: date | None
    status: VehicleStatus | None
    owner_kind: SubjectKind | None
    owner_id: str | None = masked(Mask.ID_NUMBER, subject_kind="owner_kind")
    owner_name: str | None = masked(Mask.NAME, subject_kind="owner_kind")

    @strawberry.field(description="Court orders in effect or waiting on this vehicle")
    def waiting_line(self, info: Info) -> list[WaitingLineEntry] | None:
        return waiting_line(info, "VEHICLE", raw(self).plate)  # type: ignore[no-any-return]


@strawberry.type(description="An owner of a property unit with their share")
class PropertyOwner:
    owner_kind: SubjectKind | None
    owner_id: str | None = masked(Mask.ID_NUMBER, subject_kind="owner_kind")
    owner_name: str | None = masked(Mask.NAME, subject_kind="owner_kind")
    share: Decimal | None = strawberry.field(description="1 for sole or joint (共同共有) ownership")


@strawberry.type(description="A registered mortgage (抵押权)")
class Mortgage:
    certificate_number: str | None = masked(Mask.CERTIFICATE)
    mortgagee: str | None
    secured_amount: Decimal | None
    term_start: date | None
    term_end: date | None
    registered_on: date | None


@strawberry.type(
    description="A seizure annotation (查封登记) on an asset, with its place in the waiting line"
)
class SeizureAnnotation:
    court: str | None
    case_number: str | None
    document_number: str | None
    rank: int | None = strawberry.field(description="1 = in effect; 2, 3, … = waiting line (轮候)")
    start_date: date | None
    end_date: date | None
    status: SeizureStatus | None


@strawberry.type(description="A real-estate unit (不动产单元) from the registry")
class RealEstate:
    unit_number: str | None = strawberry.field(description="28-character 不动产单元号")
    certificate_number: str | None = masked(Mask.CERTIFICATE, description="不动产权证号")
    address: str | None = masked(Mask.ADDRESS)
    usage: str | None
    area: Decimal | None = strawberry.field(description="建筑面积, m²")
    ownership_kind: str | None = strawberry.field(description="单独所有 / 共同共有 / 按份共有")
    registered_on: date | None
    owners: list[PropertyOwner] | None
    mortgages: list[Mortgage] | None
    seizures: list[SeizureAnnotation] | None = strawberry.field(
        description="Seizure annotations registered at the registry"
    )

    @strawberry.field(description="Court orders in effect or waiting on this unit (court records)")
    def waiting_line(self, info: Info) -> list[WaitingLineEntry] | None:
        return waiting_line(info, "REAL_ESTATE", raw(self).unit_number)  # type: ignore[no-any-return]


@strawberry.type(description="A professional qualification (职业资格)")
class Qualification:
    certificate_number: str | None = masked(Mask.CERTIFICATE)
    name: str | None
    level: str | None
    issuing_authority: str | None
    issued_on: date | None


@strawberry.type(description="One of a person's five social insurances")
class SocialInsurance:
    kind: InsuranceKind | None
    employer_uscc: str | None
    employer_name: str | None
    contribution_base: Decimal | None = strawberry.field(
        description="monthly contribution base, CNY"
    )
    months_paid: int | None
    last_paid_month: str | None = strawberry.field(description="YYYY-MM")
    status: str | None = strawberry.field(description="正常参保 / 暂停缴费 / 终止参保")


@strawberry.type(description="A housing provident fund account (住房公积金)")
class HousingFund:
    account_number: str | None = masked(Mask.ACCOUNT)
    employer_uscc: str | None
    employer_name: str | None
    balance: Decimal | None
    monthly_deposit: Decimal | None
    opened_on: date | None
    status: str | None = strawberry.field(description="正常 / 封存 / 销户")


@strawberry.type(description="A case the subject is a party of (court data)")
class CaseParticipation:
    case_number: str | None
    court_code: str | None
    court_name: str | None
    kind: str | None
    cause: str | None
    status: CaseStatus | None
    filed_on: date | None
    closed_on: date | None
    amount: Decimal | None = strawberry.field(description="执行标的, CNY")
    role: str | None = strawberry.field(description="申请执行人 / 被执行人")


@strawberry.type(description="An entry on a court credit-sanction list")
class SanctionEntry:
    id: str | None
    list: SanctionList | None
    subject_kind: SubjectKind | None
    subject_id: str | None = masked(Mask.ID_NUMBER, subject_kind="subject_kind")
    name: str | None = masked(Mask.NAME, subject_kind="subject_kind")
    court_code: str | None
    case_number: str | None
    obligation: str | None
    published_on: date | None
    legal_basis: str | None
    status: SanctionStatus | None
    revoked_on: date | None


@strawberry.type(description="A licence held by an enterprise (market supervision)")
class Licence:
    licence_number: str | None
    name: str | None
    issuing_authority: str | None
    valid_from: date | None
    valid_to: date | None
    status: str | None


@strawberry.type(description="An administrative penalty decision (行政处罚)")
class Penalty:
    decision_number: str | None
    violation: str | None
    penalty: str | None
    amount: Decimal | None
    decided_on: date | None
    authority: str | None


@strawberry.type(description="An entry on the abnormal-operations list (经营异常名录)")
class AbnormalOperation:
    reason: str | None
    listed_on: date | None
    authority: str | None
    removed_on: date | None
    removal_reason: str | None


@strawberry.type(description="An entry on the serious-violation list (严重违法失信名单)")
class SeriousViolation:
    reason: str | None
    listed_on: date | None
    authority: str | None
    removed_on: date | None


@strawberry.type(description="Market-supervision credit lists of an enterprise")
class EnterpriseCredit:
    abnormal_operations: list[AbnormalOperation] | None
    serious_violations: list[SeriousViolation] | None


@strawberry.type(description="An enterprise's social insurance figures")
class EnterpriseInsurance:
    insured_employees: int | None
    arrears_amount: Decimal | None = strawberry.field(description="欠缴金额, CNY")
    arrears_months: int | None
    as_of: date | None


__all__ = [
    "AbnormalOperation",
    "CaseParticipation",
    "EnterpriseCredit",
    "EnterpriseInsurance",
    "EnterpriseRoleKind",
    "HousingFund",
    "Identity",
    "Licence",
    "Mortgage",
    "Penalty",
    "PropertyOwner",
    "Qualification",
    "RealEstate",
    "SanctionEntry",
    "SeizureAnnotation",
    "SeriousViolation",
    "SocialInsurance",
    "Vehicle",
]
