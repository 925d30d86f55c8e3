"""Social security's typed source: insurances, housing fund, qualifications, employer figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection, select

from connectors.base.source import DatabaseSource, group_rows, record_select, select_in
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


_INSURANCE = select(
    insurance_records.c.id_number,
    *record_select(InsuranceRecord, insurance_records).selected_columns,
).order_by(insurance_records.c.id)
_FUND = select(
    housing_fund_accounts.c.id_number,
    *record_select(HousingFundRecord, housing_fund_accounts).selected_columns,
)
_QUALIFICATION = select(
    qualifications.c.id_number, *record_select(QualificationRecord, qualifications).selected_columns
).order_by(qualifications.c.issued_on)
_ENTERPRISE = record_select(EnterpriseInsuranceRecord, enterprise_insurance)


def _insurance(conn: Connection, keys: Sequence[str]) -> dict[str, list[InsuranceRecord]]:
    rows = select_in(conn, _INSURANCE, insurance_records.c.id_number, keys)
    return group_rows(rows, lambda r: r[0], lambda r: InsuranceRecord(*r[1:]))


def _housing_fund(conn: Connection, keys: Sequence[str]) -> dict[str, HousingFundRecord]:
    rows = select_in(conn, _FUND, housing_fund_accounts.c.id_number, keys)
    return {r[0]: HousingFundRecord(*r[1:]) for r in rows}


def _qualifications(conn: Connection, keys: Sequence[str]) -> dict[str, list[QualificationRecord]]:
    rows = select_in(conn, _QUALIFICATION, qualifications.c.id_number, keys)
    return group_rows(rows, lambda r: r[0], lambda r: QualificationRecord(*r[1:]))


def _enterprise_insurance(
    conn: Connection, keys: Sequence[str]
) -> dict[str, EnterpriseInsuranceRecord]:
    rows = select_in(conn, _ENTERPRISE, enterprise_insurance.c.uscc, keys)
    return {r.uscc: EnterpriseInsuranceRecord(*r) for r in rows}


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
