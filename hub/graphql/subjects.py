"""Person (个人全息视图) and Enterprise (企业全息视图): groups of fields, each from one look-up."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from connectors import registry
from hub.errors import HubError
from hub.federation import lookups as L
from hub.graphql import resolvers
from hub.graphql.context import ctx
from hub.graphql.enums import EnterpriseRoleKind, SubjectKind
from hub.graphql.from_record import from_record
from hub.graphql.records import (
    BankDeposits,
    CaseParticipation,
    EnterpriseCredit,
    EnterpriseInsurance,
    HousingFund,
    Identity,
    IncomeTaxWithholding,
    Licence,
    Penalty,
    Qualification,
    RealEstate,
    SanctionEntry,
    SocialInsurance,
    TaxArrears,
    TaxFiling,
    TaxRefund,
    TaxRegistration,
    UtilityAccount,
    Vehicle,
    WaitingLineEntry,
    deposits,
    waiting_line,
)
from hub.graphql.subject_access import check_reference
from hub.policy.enforce import raw
from hub.policy.masking import Mask, masked
from hub.signals import service as signals

_market = registry.records("market_supervision")


def _load(info: Info[Any, Any], lookup: L.Lookup, key: str) -> Any:
    """The request's batch-loader future for ``key``: resolvers return it without awaiting, so
    graphql-core awaits it directly and no task is created per field.

    A resolver declares the GraphQL type it resolves to (strawberry reads the annotation), not
    the future it returns, so returning this is ``no-any-return`` to mypy: ignored line by line,
    as no annotation strawberry accepts says "an awaitable of that type"."""
    return ctx(info).loaders.loader(lookup).load(key)


async def person_ref(
    info: Info[Any, Any], id_number: str | None, *, represents: str | None = None
) -> Person | None:
    """A reference to a person: the full object if public security knows them, else null.

    For purpose-bound callers the referenced person must be a party of a case cited in this
    request, or the legal representative of an enterprise that is (``represents``: its USCC);
    otherwise ``FORBIDDEN`` / ``NOT_A_PARTY``, nothing fetched. Their asset sections are shown
    only if they are a respondent of such a case (:func:`check_reference`).
    """
    if not id_number:
        return None
    refusal = check_reference(info, id_number, "PERSON", represents=represents)
    return (
        Person(key=id_number, id_number=id_number, asset_refusal=refusal)
        if await _load(info, L.IDENTITIES, id_number)
        else None
    )


async def enterprise_ref(info: Info[Any, Any], uscc: str | None) -> Enterprise | None:
    """A reference to an enterprise; the same rules as :func:`person_ref`."""
    if not uscc:
        return None
    refusal = check_reference(info, uscc, "ENTERPRISE")
    return (
        Enterprise(key=uscc, uscc=uscc, asset_refusal=refusal)
        if await _load(info, L.ENTERPRISES, uscc)
        else None
    )


def _asset_section(subject: Person | Enterprise) -> None:
    """An asset section of a subject the cited case's measures are not for is refused here,
    before anything of it is fetched (see :mod:`hub.graphql.subject_access`, step 5)."""
    refusal = subject.asset_refusal
    if refusal is not None:
        raise type(refusal)(refusal.message, **refusal.extra)


# --- shared groups --------------------------------------------------------------------------


@strawberry.type(description="Assets registered to the subject at the agencies")
class Assets:
    owner_id: strawberry.Private[str]

    @resolvers.field(description="Real-estate units (real-estate registry)")
    def real_estates(self, info: Info) -> list[RealEstate] | None:
        return _load(info, L.PROPERTIES_BY_OWNER, self.owner_id)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Motor vehicles (public security)")
    def vehicles(self, info: Info) -> list[Vehicle] | None:
        return _load(info, L.VEHICLES_BY_OWNER, self.owner_id)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Equity stakes held in enterprises (market supervision)")
    def equities(self, info: Info) -> list[Equity] | None:
        return _load(info, L.STAKES_BY_HOLDER, self.owner_id)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(
        description="Bank deposits (存款), one entry per bank, every bank asked in parallel; says"
        " which banks answered"
    )
    async def deposits(self, info: Info) -> list[BankDeposits] | None:
        return await deposits(info, self.owner_id)


@strawberry.type(description="The subject's cases and sanction-list entries (court data)")
class Legal:
    subject_id: strawberry.Private[str]

    @resolvers.field(description="Cases the subject is a party of")
    def cases(self, info: Info) -> list[CaseParticipation] | None:
        return _load(info, L.CASES_BY_PARTY, self.subject_id)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Dishonest-debtor and consumption-restriction entries")
    def sanctions(self, info: Info) -> list[SanctionEntry] | None:
        return _load(info, L.SANCTIONS_BY_SUBJECT, self.subject_id)  # type: ignore[no-any-return]  # a loader future (_load)


@from_record(
    _market.StakeRecord,
    description="An equity stake (股权) in an enterprise",
    types={"holder_kind": SubjectKind},
)
class Equity:
    stake_id = strawberry.field(description="Identifies the stake for freeze orders")
    holder_id = masked(Mask.ID_NUMBER, subject_kind="holder_kind")
    holder_name = masked(Mask.NAME, subject_kind="holder_kind")
    subscribed_capital = strawberry.field(description="认缴出资, 10,000 CNY")
    ratio = strawberry.field(description="0.35 = 35 %")
    freeze_status = strawberry.field(
        description="NORMAL / FROZEN: a court's freeze (股权冻结) registered at market supervision"
    )

    @resolvers.field(
        description=(
            "Court freezes in effect or waiting on this stake: the hub's orders and those"
            " market supervision holds outside the hub, by place in line"
        )
    )
    async def waiting_line(self, info: Info) -> list[WaitingLineEntry] | None:
        return await waiting_line(info, "EQUITY", raw(self).stake_id)  # type: ignore[no-any-return]  # records

    @resolvers.field(description="The enterprise the stake is in")
    async def enterprise(self, info: Info) -> Enterprise | None:
        return await enterprise_ref(info, raw(self).uscc)


# --- person ---------------------------------------------------------------------------------


@from_record(
    _market.EnterpriseRoleRecord,
    description="A person's role in an enterprise (market supervision)",
    types={"role": EnterpriseRoleKind},
)
class EnterpriseRole:
    ratio = strawberry.field(description="shareholding ratio, for shareholders")

    @strawberry.field
    async def enterprise(self, info: Info) -> Enterprise | None:
        return await enterprise_ref(info, raw(self).uscc)


@strawberry.type(description="Social insurance and housing fund (social security)")
class PersonInsurance:
    id_number: strawberry.Private[str]

    @resolvers.field(description="The five insurances (五险)")
    def records(self, info: Info) -> list[SocialInsurance] | None:
        return _load(info, L.INSURANCE, self.id_number)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Housing provident fund account (住房公积金)")
    def housing_fund(self, info: Info) -> HousingFund | None:
        return _load(info, L.HOUSING_FUND, self.id_number)  # type: ignore[no-any-return]  # a loader future (_load)


@strawberry.type(description="Income tax withheld and individual businesses (tax)")
class PersonTax:
    id_number: strawberry.Private[str]

    @resolvers.field(
        description="Income tax withheld for the person, by month and withholder: wages (工资薪金)"
        " from the employer and labour-service pay (劳务报酬) from anyone else"
    )
    def income_tax(self, info: Info) -> list[IncomeTaxWithholding] | None:
        return _load(info, L.INCOME_TAX, self.id_number)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Individual businesses (个体工商户) the person operates")
    def businesses(self, info: Info) -> list[TaxRegistration] | None:
        return _load(info, L.TAX_BUSINESSES, self.id_number)  # type: ignore[no-any-return]  # a loader future (_load)


@strawberry.type(description="Water, electricity and gas (utilities)")
class PersonUtilities:
    id_number: strawberry.Private[str]

    @resolvers.field(description="Accounts the person holds, wherever they are supplied")
    def accounts(self, info: Info) -> list[UtilityAccount] | None:
        return _load(info, L.UTILITIES_BY_HOLDER, self.id_number)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(
        description="Whether the person lives at the registered address (户籍地址): a meter"
        " supplied there, whoever holds it, used in the last three months; false when those"
        " meters are idle, or there are none and the person holds meters elsewhere; null when"
        " nothing is known (docs/tax_utilities.md)"
    )
    async def lives_at_registered_address(self, info: Info) -> bool | None:
        identity = await _load(info, L.IDENTITIES, self.id_number)
        address = identity.registered_address if identity is not None else None
        if not address:
            return None
        loaders = ctx(info).loaders
        at_address, held = await asyncio.gather(
            loaders.load(L.UTILITIES_BY_ADDRESS, address),
            loaders.load(L.UTILITIES_BY_HOLDER, self.id_number),
        )
        return signals.lives_at(address, at_address, held)


@strawberry.type(description="个人全息视图: a person's profile assembled from the agencies")
class Person:
    key: strawberry.Private[str]  # the ID number used for look-ups (never masked)
    id_number: str | None = masked(Mask.ID_NUMBER)
    # set for a purpose-bound caller when the cited case's measures are not for this person
    asset_refusal: strawberry.Private[HubError | None] = None

    @resolvers.field(description="户籍 identity (public security)")
    def identity(self, info: Info) -> Identity | None:
        return _load(info, L.IDENTITIES, self.key)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(
        description="Real estate, vehicles, equity, deposits (a respondent's: see purpose binding)"
    )
    def assets(self) -> Assets | None:
        _asset_section(self)
        return Assets(owner_id=self.key)

    @resolvers.field(description="Professional qualifications (social security)")
    def qualifications(self, info: Info) -> list[Qualification] | None:
        return _load(info, L.QUALIFICATIONS, self.key)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(
        description="Social insurance and housing fund (a respondent's: see purpose binding)"
    )
    def insurance(self) -> PersonInsurance | None:
        _asset_section(self)
        return PersonInsurance(id_number=self.key)

    @resolvers.field(
        description="Income tax withheld and individual businesses (a respondent's: see purpose"
        " binding)"
    )
    def tax(self) -> PersonTax | None:
        _asset_section(self)
        return PersonTax(id_number=self.key)

    @resolvers.field(
        description="Water, electricity and gas accounts, and whether the person lives at the"
        " registered address (a respondent's: see purpose binding)"
    )
    def utilities(self) -> PersonUtilities | None:
        _asset_section(self)
        return PersonUtilities(id_number=self.key)

    @resolvers.field(description="Legal representative, shareholder and key-personnel roles")
    def enterprise_roles(self, info: Info) -> list[EnterpriseRole] | None:
        return _load(info, L.ROLES_BY_PERSON, self.key)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Cases and sanction-list entries")
    def legal(self) -> Legal | None:
        return Legal(subject_id=self.key)


# --- enterprise -----------------------------------------------------------------------------


@from_record(
    _market.KeyPersonRecord,
    description="A member of an enterprise's key personnel (主要人员)",
    omit=("uscc",),
)
class KeyPerson:
    id_number = masked(Mask.ID_NUMBER)
    name = masked(Mask.NAME)

    @strawberry.field
    async def person(self, info: Info) -> Person | None:
        return await person_ref(info, raw(self).id_number)


@from_record(
    _market.EnterpriseRecord,
    description="Registration (登记信息) of an enterprise (market supervision)",
)
class EnterpriseRegistration:
    legal_representative_id = masked(Mask.ID_NUMBER)
    legal_representative_name = masked(Mask.NAME)
    registered_capital = strawberry.field(description="注册资本, 10,000 CNY")
    address = masked(Mask.ADDRESS)
    status = strawberry.field(description="存续 / 在业 / 吊销 / 注销")
    phone = masked(Mask.PHONE)

    @resolvers.field(
        description="The legal representative (法定代表人) as a full profile; for a purpose-bound"
        " caller, reached when the enterprise is a party of a cited case (it acts through them,"
        " 民事诉讼法 第五十一条第二款), their asset sections a respondent's only"
    )
    async def legal_representative(self, info: Info) -> Person | None:
        record = raw(self)
        return await person_ref(info, record.legal_representative_id, represents=record.uscc)

    @resolvers.field(description="Key personnel: directors, supervisors, managers")
    def key_personnel(self, info: Info) -> list[KeyPerson] | None:
        return _load(info, L.KEY_PERSONNEL, raw(self).uscc)  # type: ignore[no-any-return]  # a loader future (_load)


@from_record(
    _market.StakeRecord,
    description="A shareholder (股东) of an enterprise with its stake",
    types={"holder_kind": SubjectKind},
    omit=("uscc", "enterprise_name", "freeze_status"),
)
class Shareholder:
    holder_id = masked(Mask.ID_NUMBER, subject_kind="holder_kind")
    holder_name = masked(Mask.NAME, subject_kind="holder_kind")

    @resolvers.field(description="The shareholder: a Person or an Enterprise")
    async def holder(self, info: Info) -> Subject | None:
        record = raw(self)
        if record.holder_kind == "PERSON":
            return await person_ref(info, record.holder_id)
        return await enterprise_ref(info, record.holder_id)


@strawberry.type(description="Tax registration, returns, arrears and refunds (tax)")
class EnterpriseTax:
    uscc: strawberry.Private[str]

    @resolvers.field(description="Tax registration and credit grade (纳税信用级别)")
    def registration(self, info: Info) -> TaxRegistration | None:
        return _load(info, L.TAX_REGISTRATION, self.uscc)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Monthly returns and payments, the last twelve months")
    def filings(self, info: Info) -> list[TaxFiling] | None:
        return _load(info, L.TAX_FILINGS, self.uscc)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Tax owed past its deadline (欠税), with the late fee")
    def arrears(self, info: Info) -> list[TaxArrears] | None:
        return _load(info, L.TAX_ARREARS, self.uscc)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(
        description="Whether tax is owed past its deadline (presence only: no amounts)"
    )
    async def in_arrears(self, info: Info) -> bool | None:
        return signals.in_arrears(await _load(info, L.TAX_ARREARS, self.uscc))

    @resolvers.field(
        description="Approved refunds; one 待退库 is due to the enterprise (a claim a court can"
        " reach)"
    )
    def refunds(self, info: Info) -> list[TaxRefund] | None:
        return _load(info, L.TAX_REFUNDS, self.uscc)  # type: ignore[no-any-return]  # a loader future (_load)


@strawberry.type(description="Water, electricity and gas (utilities)")
class EnterpriseUtilities:
    uscc: strawberry.Private[str]

    @resolvers.field(description="Accounts the enterprise holds")
    def accounts(self, info: Info) -> list[UtilityAccount] | None:
        return _load(info, L.UTILITIES_BY_HOLDER, self.uscc)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(
        description="Whether the enterprise operates: a meter it holds used in the last three"
        " months; null with no account (docs/tax_utilities.md)"
    )
    async def operating(self, info: Info) -> bool | None:
        return signals.operating(await _load(info, L.UTILITIES_BY_HOLDER, self.uscc))


@strawberry.type(description="企业全息视图: an enterprise's profile assembled from the agencies")
class Enterprise:
    key: strawberry.Private[str]  # the USCC used for look-ups
    uscc: str | None
    asset_refusal: strawberry.Private[HubError | None] = None  # as Person's

    @resolvers.field(description="Registration (market supervision)")
    def registration(self, info: Info) -> EnterpriseRegistration | None:
        return _load(info, L.ENTERPRISES, self.key)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Licences (market supervision)")
    def licences(self, info: Info) -> list[Licence] | None:
        return _load(info, L.LICENCES, self.key)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Shareholders (market supervision)")
    def shareholders(self, info: Info) -> list[Shareholder] | None:
        return _load(info, L.SHAREHOLDERS, self.key)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Insured employees and arrears (social security)")
    def insurance(self, info: Info) -> EnterpriseInsurance | None:
        return _load(info, L.ENTERPRISE_INSURANCE, self.key)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Tax registration, credit grade, returns, arrears, refunds (tax)")
    def tax(self) -> EnterpriseTax | None:
        return EnterpriseTax(uscc=self.key)

    @resolvers.field(description="Water, electricity and gas accounts; whether it operates")
    def utilities(self) -> EnterpriseUtilities | None:
        return EnterpriseUtilities(uscc=self.key)

    @resolvers.field(description="Administrative penalties (market supervision)")
    def penalties(self, info: Info) -> list[Penalty] | None:
        return _load(info, L.PENALTIES, self.key)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(description="Abnormal-operations and serious-violation lists")
    def credit(self, info: Info) -> EnterpriseCredit | None:
        return _load(info, L.CREDIT, self.key)  # type: ignore[no-any-return]  # a loader future (_load)

    @resolvers.field(
        description="Real estate, vehicles, outbound equity and deposits (a respondent's: see"
        " purpose binding)"
    )
    def assets(self) -> Assets | None:
        _asset_section(self)
        return Assets(owner_id=self.key)

    @resolvers.field(description="Cases and sanction-list entries")
    def legal(self) -> Legal | None:
        return Legal(subject_id=self.key)


Subject = Annotated[
    Person | Enterprise, strawberry.union("Subject", description="A person or an enterprise")
]

SUBJECT_TYPES = frozenset({"Person", "Enterprise"})
