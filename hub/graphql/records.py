"""GraphQL types of agency and court records; each resolves straight from the typed record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

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


@strawberry.type(description="户籍 identity record (public security)")
class Identity:
    id_number: str
    name: str
    gender: str = strawberry.field(description="男 / 女")
    birth_date: date
    ethnicity: str
    registered_address: str = strawberry.field(description="户籍地址")
    registration_status: str = strawberry.field(description="正常 / 迁出 / 死亡")
    issuing_authority: str
    phone: str | None


@strawberry.type(description="A motor vehicle registered to the subject (public security)")
class Vehicle:
    plate: str
    vin: str
    brand: str
    model: str
    vehicle_type: str
    colour: str
    registered_on: date
    status: VehicleStatus
    owner_kind: SubjectKind
    owner_id: str
    owner_name: str


@strawberry.type(description="An owner of a property unit with their share")
class PropertyOwner:
    owner_kind: SubjectKind
    owner_id: str
    owner_name: str
    share: Decimal = strawberry.field(description="1 for sole or joint (共同共有) ownership")


@strawberry.type(description="A registered mortgage (抵押权)")
class Mortgage:
    certificate_number: str
    mortgagee: str
    secured_amount: Decimal
    term_start: date
    term_end: date
    registered_on: date


@strawberry.type(
    description="A seizure annotation (查封登记) on an asset, with its place in the waiting line"
)
class SeizureAnnotation:
    court: str
    case_number: str
    document_number: str
    rank: int = strawberry.field(description="1 = in effect; 2, 3, … = waiting line (轮候)")
    start_date: date
    end_date: date
    status: SeizureStatus


@strawberry.type(description="A real-estate unit (不动产单元) from the registry")
class RealEstate:
    unit_number: str = strawberry.field(description="28-character 不动产单元号")
    certificate_number: str = strawberry.field(description="不动产权证号")
    address: str
    usage: str
    area: Decimal = strawberry.field(description="建筑面积, m²")
    ownership_kind: str = strawberry.field(description="单独所有 / 共同共有 / 按份共有")
    registered_on: date
    owners: list[PropertyOwner]
    mortgages: list[Mortgage]
    seizures: list[SeizureAnnotation]


@strawberry.type(description="A professional qualification (职业资格)")
class Qualification:
    certificate_number: str
    name: str
    level: str
    issuing_authority: str
    issued_on: date


@strawberry.type(description="One of a person's five social insurances")
class SocialInsurance:
    kind: InsuranceKind
    employer_uscc: str
    employer_name: str
    contribution_base: Decimal = strawberry.field(description="monthly contribution base, CNY")
    months_paid: int
    last_paid_month: str = strawberry.field(description="YYYY-MM")
    status: str = strawberry.field(description="正常参保 / 暂停缴费 / 终止参保")


@strawberry.type(description="A housing provident fund account (住房公积金)")
class HousingFund:
    account_number: str
    employer_uscc: str
    employer_name: str
    balance: Decimal
    monthly_deposit: Decimal
    opened_on: date
    status: str = strawberry.field(description="正常 / 封存 / 销户")


@strawberry.type(description="A case the subject is a party of (court data)")
class CaseParticipation:
    case_number: str
    court_code: str
    court_name: str
    kind: str
    cause: str
    status: CaseStatus
    filed_on: date
    closed_on: date | None
    amount: Decimal = strawberry.field(description="执行标的, CNY")
    role: str = strawberry.field(description="申请执行人 / 被执行人")


@strawberry.type(description="An entry on a court credit-sanction list")
class SanctionEntry:
    id: str
    list: SanctionList
    subject_kind: SubjectKind
    subject_id: str
    name: str
    court_code: str
    case_number: str
    obligation: str
    published_on: date
    legal_basis: str
    status: SanctionStatus
    revoked_on: date | None


@strawberry.type(description="A licence held by an enterprise (market supervision)")
class Licence:
    licence_number: str
    name: str
    issuing_authority: str
    valid_from: date
    valid_to: date
    status: str


@strawberry.type(description="An administrative penalty decision (行政处罚)")
class Penalty:
    decision_number: str
    violation: str
    penalty: str
    amount: Decimal
    decided_on: date
    authority: str


@strawberry.type(description="An entry on the abnormal-operations list (经营异常名录)")
class AbnormalOperation:
    reason: str
    listed_on: date
    authority: str
    removed_on: date | None
    removal_reason: str | None


@strawberry.type(description="An entry on the serious-violation list (严重违法失信名单)")
class SeriousViolation:
    reason: str
    listed_on: date
    authority: str
    removed_on: date | None


@strawberry.type(description="Market-supervision credit lists of an enterprise")
class EnterpriseCredit:
    abnormal_operations: list[AbnormalOperation]
    serious_violations: list[SeriousViolation]


@strawberry.type(description="An enterprise's social insurance figures")
class EnterpriseInsurance:
    insured_employees: int
    arrears_amount: Decimal = strawberry.field(description="欠缴金额, CNY")
    arrears_months: int
    as_of: date


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
