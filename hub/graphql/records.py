"""GraphQL types of agency and court records; each resolves straight from the typed record.

Each type's fields are its record's (:func:`hub.graphql.from_record.from_record`); a class
declares only what the hub adds: descriptions, mask rules, enums and resolver fields.
"""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry.types import Info

from connectors import registry
from hub.cases.records import CaseParticipationRecord
from hub.federation import lookups as L
from hub.graphql import resolvers
from hub.graphql.context import ctx
from hub.graphql.enums import (
    CaseStatus,
    EnterpriseRoleKind,
    InsuranceKind,
    SanctionEndGround,
    SanctionGround,
    SanctionList,
    SanctionStatus,
    SeizureStatus,
    SubjectKind,
    VehicleStatus,
)
from hub.graphql.from_record import from_record
from hub.orders import service as orders_service
from hub.orders.service import WaitingLineRecord
from hub.policy.enforce import raw
from hub.policy.masking import Mask, masked
from hub.sanctions.records import SanctionEntryRecord

# The agencies' records, found through the registry like everything else of a connector.
_police = registry.records("public_security")
_estate = registry.records("real_estate")
_market = registry.records("market_supervision")
_social = registry.records("social_security")


@from_record(_police.IdentityRecord, description="户籍 identity record (public security)")
class Identity:
    id_number = masked(Mask.ID_NUMBER)
    name = masked(Mask.NAME)
    gender = strawberry.field(description="男 / 女")
    registered_address = masked(Mask.ADDRESS, description="户籍地址")
    registration_status = strawberry.field(description="正常 / 迁出 / 死亡")
    phone = masked(Mask.PHONE)


@from_record(
    WaitingLineRecord,
    description=(
        "A measure in effect or waiting (轮候) on an asset: an order of the hub's, or one the"
        " agency holds outside the hub (outsideHub)"
    ),
)
class WaitingLineEntry:
    order_id = strawberry.field(description="The hub's order; null outside the hub")
    kind = strawberry.field(description="SEIZE (查封) / DETAIN (扣押) / FREEZE (冻结)")
    court_code = strawberry.field(description="The hub's orders; null outside the hub")
    court = strawberry.field(description="The court's name")
    document_number = strawberry.field(description="The agency's registration number")
    rank = strawberry.field(
        description=(
            "Place in line by the time the court's notice was served (法发〔2004〕5号 第二十条);"
            " the lowest active place is in effect; null while an order served earlier waits"
            " for the agency's answer"
        )
    )
    status = strawberry.field(description="EFFECTIVE / WAITING")
    served_at = strawberry.field(
        description="When the hub's order was served on the agency (送达); null outside the hub"
    )
    outside_hub = strawberry.field(
        description=(
            "Held by the agency outside the hub (served on paper, or registered before the hub)"
        )
    )


async def waiting_line(info: Info[Any, Any], asset_type: str, asset_id: str) -> Any:
    """An asset's waiting line: the hub's orders (court source) put in line with the agency's
    register (both batch loaders of the request, loaded together); records that resolve as
    :class:`WaitingLineEntry`."""
    loaders = ctx(info).loaders
    orders, register = await asyncio.gather(
        loaders.load(L.WAITING_LINE, f"{asset_type}:{asset_id}"),
        loaders.load(L.MEASURES[asset_type], asset_id),
    )
    return orders_service.waiting_line(
        orders, register, today=orders_service.court_day(orders_service.utcnow())
    )


@from_record(
    _police.VehicleRecord,
    description="A motor vehicle registered to the subject (public security)",
    types={"status": VehicleStatus, "owner_kind": SubjectKind},
)
class Vehicle:
    vin = masked(Mask.CERTIFICATE)
    owner_id = masked(Mask.ID_NUMBER, subject_kind="owner_kind")
    owner_name = masked(Mask.NAME, subject_kind="owner_kind")

    @resolvers.field(
        description=(
            "Court measures in effect or waiting on this vehicle: the hub's orders and those"
            " public security holds outside the hub, by place in line"
        )
    )
    async def waiting_line(self, info: Info) -> list[WaitingLineEntry] | None:
        return await waiting_line(info, "VEHICLE", raw(self).plate)  # type: ignore[no-any-return]  # records


@from_record(
    _estate.OwnerRecord,
    description="An owner of a property unit with their share",
    types={"owner_kind": SubjectKind},
)
class PropertyOwner:
    owner_id = masked(Mask.ID_NUMBER, subject_kind="owner_kind")
    owner_name = masked(Mask.NAME, subject_kind="owner_kind")
    share = strawberry.field(description="1 for sole or joint (共同共有) ownership")


@from_record(_estate.MortgageRecord, description="A registered mortgage (抵押权)")
class Mortgage:
    certificate_number = masked(Mask.CERTIFICATE)


@from_record(
    _estate.SeizureRecord,
    description="A seizure annotation (查封登记) on an asset, with its place in the waiting line",
    types={"status": SeizureStatus},
    omit=("kind",),
)
class SeizureAnnotation:
    rank = strawberry.field(description="1 = in effect; 2, 3, … = waiting line (轮候)")


@from_record(
    _estate.PropertyRecord,
    description="A real-estate unit (不动产单元) from the registry",
    types={
        "owners": list[PropertyOwner],
        "mortgages": list[Mortgage],
        "seizures": list[SeizureAnnotation],
    },
)
class RealEstate:
    unit_number = strawberry.field(description="28-character 不动产单元号")
    certificate_number = masked(Mask.CERTIFICATE, description="不动产权证号")
    address = masked(Mask.ADDRESS)
    area = strawberry.field(description="建筑面积, m²")
    ownership_kind = strawberry.field(description="单独所有 / 共同共有 / 按份共有")
    seizures = strawberry.field(description="Seizure annotations registered at the registry")

    @resolvers.field(
        description=(
            "Court measures in effect or waiting on this unit: the hub's orders and those the"
            " registry holds outside the hub, by place in line"
        )
    )
    async def waiting_line(self, info: Info) -> list[WaitingLineEntry] | None:
        return await waiting_line(info, "REAL_ESTATE", raw(self).unit_number)  # type: ignore[no-any-return]  # records


@from_record(_social.QualificationRecord, description="A professional qualification (职业资格)")
class Qualification:
    certificate_number = masked(Mask.CERTIFICATE)


@from_record(
    _social.InsuranceRecord,
    description="One of a person's five social insurances",
    types={"kind": InsuranceKind},
)
class SocialInsurance:
    contribution_base = strawberry.field(description="monthly contribution base, CNY")
    last_paid_month = strawberry.field(description="YYYY-MM")
    status = strawberry.field(description="正常参保 / 暂停缴费 / 终止参保")


@from_record(_social.HousingFundRecord, description="A housing provident fund account (住房公积金)")
class HousingFund:
    account_number = masked(Mask.ACCOUNT)
    status = strawberry.field(description="正常 / 封存 / 销户")


@from_record(
    CaseParticipationRecord,
    description="A case the subject is a party of (court data)",
    types={"status": CaseStatus},
)
class CaseParticipation:
    amount = strawberry.field(description="执行标的, CNY")
    role = strawberry.field(description="申请执行人 / 被执行人")


@from_record(
    SanctionEntryRecord,
    description="An entry on a court credit-sanction list",
    types={
        "list": SanctionList,
        "subject_kind": SubjectKind,
        "status": SanctionStatus,
        "grounds": list[SanctionGround],
        "end_ground": SanctionEndGround,
    },
)
class SanctionEntry:
    subject_id = masked(Mask.ID_NUMBER, subject_kind="subject_kind")
    name = masked(Mask.NAME, subject_kind="subject_kind")
    revoked_on = strawberry.field(
        description="The day it left its list (撤销, 删除, 解除 or the deprecated revocation)"
    )
    grounds = strawberry.field(description="情形 (法释〔2017〕7号 第一条; 法释〔2015〕17号 第一条)")
    term_years = strawberry.field(
        description="纳入期限 in years (法释〔2017〕7号 第二条); null: no term (ground (一): until"
        " performance) or the ground is UNKNOWN"
    )
    ends_on = strawberry.field(
        description="The term's last day: the entry restricts nothing after it, and the hub deletes"
        " it within three working days (第十条第二款)"
    )
    end_ground = strawberry.field(description="Why it left its list")


@from_record(
    _market.LicenceRecord, description="A licence held by an enterprise (market supervision)"
)
class Licence:
    pass


@from_record(_market.PenaltyRecord, description="An administrative penalty decision (行政处罚)")
class Penalty:
    pass


@from_record(
    _market.AbnormalOperationRecord,
    description="An entry on the abnormal-operations list (经营异常名录)",
)
class AbnormalOperation:
    pass


@from_record(
    _market.SeriousViolationRecord,
    description="An entry on the serious-violation list (严重违法失信名单)",
)
class SeriousViolation:
    pass


@from_record(
    _market.CreditRecord,
    description="Market-supervision credit lists of an enterprise",
    types={
        "abnormal_operations": list[AbnormalOperation],
        "serious_violations": list[SeriousViolation],
    },
)
class EnterpriseCredit:
    pass


@from_record(
    _social.EnterpriseInsuranceRecord,
    description="An enterprise's social insurance figures",
    omit=("uscc",),
)
class EnterpriseInsurance:
    arrears_amount = strawberry.field(description="欠缴金额, CNY")


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
