"""Social security's typed source: insurances, housing fund, qualifications, employer figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, select

from connectors.base.source import DatabaseSource, KeyedQuery, group_rows, record_select
from connectors.social_security.models import (
    enterprise_insurance,
    housing_fund_accounts,
    insurance_records,
    qualifications,
)
from connectors.social_security.records import (
    EnterpriseInsuranceRecord,
    HousingFundRecord,
    InsuranceRecord,
    QualificationRecord,
)


class SocialSecuritySource(Protocol):
    async def insurance(self, id_numbers: Sequence[str]) -> dict[str, list[InsuranceRecord]]: ...

    async def housing_fund(self, id_numbers: Sequence[str]) -> dict[str, HousingFundRecord]: ...

    async def qualifications(
        self, id_numbers: Sequence[str]
    ) -> dict[str, list[QualificationRecord]]: ...

    async def enterprise_insurance(
        self, usccs: Sequence[str]
    ) -> dict[str, EnterpriseInsuranceRecord]: ...


def _by_person(record: type, table: Any, order: Any) -> KeyedQuery:
    stmt = select(table.c.id_number, *record_select(record, table).selected_columns).order_by(order)
    return KeyedQuery(stmt, table.c.id_number)


_INSURANCE = _by_person(InsuranceRecord, insurance_records, insurance_records.c.id)
_FUND = _by_person(HousingFundRecord, housing_fund_accounts, housing_fund_accounts.c.account_number)
_QUALIFICATION = _by_person(QualificationRecord, qualifications, qualifications.c.issued_on)
_ENTERPRISE = KeyedQuery(
    record_select(EnterpriseInsuranceRecord, enterprise_insurance), enterprise_insurance.c.uscc
)


def _insurance(conn: Connection, keys: Sequence[str]) -> dict[str, list[InsuranceRecord]]:
    return group_rows(
        _INSURANCE.rows(conn, keys), lambda r: r[0], lambda r: InsuranceRecord(*r[1:])
    )


def _housing_fund(conn: Connection, keys: Sequence[str]) -> dict[str, HousingFundRecord]:
    return {r[0]: HousingFundRecord(*r[1:]) for r in _FUND.rows(conn, keys)}


def _qualifications(conn: Connection, keys: Sequence[str]) -> dict[str, list[QualificationRecord]]:
    rows = _QUALIFICATION.rows(conn, keys)
    return group_rows(rows, lambda r: r[0], lambda r: QualificationRecord(*r[1:]))


def _enterprise_insurance(
    conn: Connection, keys: Sequence[str]
) -> dict[str, EnterpriseInsuranceRecord]:
    return {r[0]: EnterpriseInsuranceRecord(*r) for r in _ENTERPRISE.rows(conn, keys)}


class EmbeddedSocialSecuritySource(DatabaseSource):
    connector = "social_security"

    async def insurance(self, id_numbers: Sequence[str]) -> dict[str, list[InsuranceRecord]]:
        return await self.run(_insurance, id_numbers)

    async def housing_fund(self, id_numbers: Sequence[str]) -> dict[str, HousingFundRecord]:
        return await self.run(_housing_fund, id_numbers)

    async def qualifications(
        self, id_numbers: Sequence[str]
    ) -> dict[str, list[QualificationRecord]]:
        return await self.run(_qualifications, id_numbers)

    async def enterprise_insurance(
        self, usccs: Sequence[str]
    ) -> dict[str, EnterpriseInsuranceRecord]:
        return await self.run(_enterprise_insurance, usccs)


if TYPE_CHECKING:
    # The embedded source has every batch method of the agency's source, with its types.
    _embedded_is_a_source: type[SocialSecuritySource] = EmbeddedSocialSecuritySource
