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
from hub.errors import ConnectorFailed
from hub.federation import lookups as L
from hub.graphql import resolvers
from hub.graphql.context import ctx
from hub.graphql.enums import (
    BankAnswer,
    CaseStatus,
    DepositKind,
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
_tax = registry.records("tax")
_utilities = registry.records("utilities")
_bank = registry.records(registry.banks()[0])  # every bank returns the same records


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
    if asset_type not in L.MEASURES:
        # deposits: the bank's register is read with the account (AccountFreeze); here the
        # hub's own freezes on the account, by their place in the bank's line
        orders = await loaders.load(L.WAITING_LINE, f"{asset_type}:{asset_id}")
        return orders_service.waiting_line(
            orders, [], today=orders_service.court_day(orders_service.utcnow())
        )
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


# --- tax ------------------------------------------------------------------------------------


@from_record(
    _tax.TaxRegistrationRecord,
    description="Tax registration (税务登记) of an enterprise or an individual business (tax)",
)
class TaxRegistration:
    taxpayer_id = strawberry.field(description="The taxpayer's USCC (92…: 个体工商户)")
    taxpayer_kind = strawberry.field(description="一般纳税人 / 小规模纳税人 / 个体工商户")
    status = strawberry.field(description="正常 / 非正常 (非正常户) / 注销")
    credit_grade = strawberry.field(
        description="纳税信用级别 A / B / M / C / D of gradedYear (纳税信用管理办法（试行）第十七条);"
        " null: not graded"
    )


@from_record(_tax.TaxFilingRecord, description="A monthly return (纳税申报) and what was paid")
class TaxFiling:
    period = strawberry.field(description="YYYY-MM, the month the return is for")
    filed_on = strawberry.field(description="null: not filed (未申报)")
    tax_payable = strawberry.field(description="应纳税额, CNY")
    tax_paid = strawberry.field(description="已缴税额, CNY")


@from_record(_tax.TaxArrearsRecord, description="Tax owed past its deadline (欠税)")
class TaxArrears:
    due_on = strawberry.field(description="The deadline missed (申报纳税期限)")
    amount = strawberry.field(description="欠税金额, CNY")
    late_fee = strawberry.field(
        description="滞纳金 to asOf: 0.05 % a day from the day after dueOn (税收征收管理法 第三十二条)"
    )


@from_record(_tax.TaxRefundRecord, description="An approved tax refund (退税)")
class TaxRefund:
    status = strawberry.field(description="待退库 (due to the taxpayer: an asset) / 已退库")


@from_record(
    _tax.IncomeTaxRecord,
    description="Individual income tax withheld (个人所得税扣缴) for a person in one month",
)
class IncomeTaxWithholding:
    withholder_uscc = strawberry.field(description="The employer or payer that withheld")
    income_kind = strawberry.field(description="工资薪金 / 劳务报酬")
    income = strawberry.field(description="收入额, CNY, before tax")


# --- utilities ------------------------------------------------------------------------------


@from_record(_utilities.UtilityUsageRecord, description="One month of a utility account")
class UtilityUsage:
    consumption = strawberry.field(description="kWh (电) or m³ (水, 气)")
    amount_due = strawberry.field(description="billed, CNY")
    amount_paid = strawberry.field(description="paid, CNY")


@from_record(
    _utilities.UtilityAccountRecord,
    description="A water (水), electricity (电) or gas (气) account (utilities)",
    types={"holder_kind": SubjectKind, "usage": list[UtilityUsage]},
)
class UtilityAccount:
    account_number = masked(Mask.ACCOUNT)
    kind = strawberry.field(description="水 / 电 / 气")
    address = masked(Mask.ADDRESS, description="Where it is supplied")
    holder_id = masked(Mask.ID_NUMBER, subject_kind="holder_kind")
    holder_name = masked(Mask.NAME, subject_kind="holder_kind")
    status = strawberry.field(description="正常 / 停用")
    arrears = strawberry.field(description="欠费: billed and unpaid, CNY")


# --- banks ----------------------------------------------------------------------------------


@from_record(
    _bank.AccountFreezeRecord,
    description=(
        "A court's freeze (冻结) of an amount on a deposit account, by place in line: an"
        " EFFECTIVE freeze holds its amount; a WAITING one (轮候冻结) was served when nothing was"
        " left and takes effect, for what is then available, when one ahead ends"
    ),
    types={"status": SeizureStatus},
)
class AccountFreeze:
    amount = strawberry.field(description="Frozen (EFFECTIVE) or asked for (WAITING), exact")
    rank = strawberry.field(description="1, 2, … by the time the freeze was served (gapless)")
    start_date = strawberry.field(description="Null while WAITING")
    end_date = strawberry.field(
        description="The term's last day: at most one year (民诉法解释 第四百八十五条); null while"
        " WAITING"
    )


@from_record(
    _bank.DepositAccountRecord,
    description="A deposit account (存款账户) at a bank",
    types={"kind": DepositKind, "holder_kind": SubjectKind, "freezes": list[AccountFreeze]},
)
class DepositAccount:
    account_number = masked(Mask.ACCOUNT)
    holder_id = masked(Mask.ID_NUMBER, subject_kind="holder_kind")
    holder_name = masked(Mask.NAME, subject_kind="holder_kind")
    currency = strawberry.field(description="ISO 4217: CNY, USD")
    balance = strawberry.field(description="余额, exact, in the account's currency")
    frozen_amount = strawberry.field(description="The EFFECTIVE freezes' amounts together")
    available_balance = strawberry.field(description="可用余额: balance − frozenAmount, never < 0")
    matures_on = strawberry.field(description="定期: the end of the deposit's term")
    branch = strawberry.field(description="开户网点")
    status = strawberry.field(description="NORMAL / DORMANT (久悬)")
    freezes = strawberry.field(description="Courts' freezes on the account, by rank")


@strawberry.type(
    description="One bank's answer about a subject's deposits: every bank is asked at once, each"
    " behind its own timeout, breaker and concurrency limit"
)
class BankDeposits:
    bank: str | None = strawberry.field(description="The bank's connector: bank:<code>")
    bank_name: str | None
    answer: BankAnswer | None = strawberry.field(
        description="Whether this bank answered; when not, accounts is null with the error at its"
        " path"
    )
    outcome: strawberry.Private[Any]  # the accounts, or the bank's ConnectorFailed

    @resolvers.field(description="The subject's accounts at this bank ([] when none)")
    def accounts(self) -> list[DepositAccount] | None:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome  # type: ignore[no-any-return]  # records


_ANSWER = {"CONNECTOR_TIMEOUT": BankAnswer.TIMEOUT}


async def deposits(info: Info[Any, Any], holder_id: str) -> list[BankDeposits]:
    """Every bank's answer for ``holder_id``, asked in parallel (each bank's look-up through its
    own batch loader and guard); a bank that fails or is late costs only its own entry."""
    loaders = ctx(info).loaders
    names = list(L.DEPOSITS)
    found = await asyncio.gather(
        *(loaders.load(L.DEPOSITS[name], holder_id) for name in names), return_exceptions=True
    )
    out = []
    for name, outcome in zip(names, found, strict=True):
        if isinstance(outcome, BaseException) and not isinstance(outcome, ConnectorFailed):
            raise outcome
        answer = (
            _ANSWER.get(outcome.code, BankAnswer.UNAVAILABLE)
            if isinstance(outcome, ConnectorFailed)
            else BankAnswer.ANSWERED
        )
        out.append(
            BankDeposits(
                bank=name,
                bank_name=registry.get(name).title,
                answer=answer,
                outcome=outcome,
            )
        )
    return out


__all__ = [
    "AbnormalOperation",
    "AccountFreeze",
    "BankDeposits",
    "CaseParticipation",
    "DepositAccount",
    "EnterpriseCredit",
    "EnterpriseInsurance",
    "EnterpriseRoleKind",
    "HousingFund",
    "Identity",
    "IncomeTaxWithholding",
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
    "TaxArrears",
    "TaxFiling",
    "TaxRefund",
    "TaxRegistration",
    "UtilityAccount",
    "UtilityUsage",
    "Vehicle",
]
