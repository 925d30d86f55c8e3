"""Tax's typed source: registrations, filings, arrears, refunds, income tax withheld."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, select

from connectors.base.source import DatabaseSource, KeyedQuery, group_rows, record_select
from connectors.tax.models import arrears, filings, refunds, registrations, withholdings
from connectors.tax.records import (
    IncomeTaxRecord,
    TaxArrearsRecord,
    TaxFilingRecord,
    TaxRefundRecord,
    TaxRegistrationRecord,
)


class TaxSource(Protocol):
    async def registrations(
        self, taxpayer_ids: Sequence[str]
    ) -> dict[str, TaxRegistrationRecord]: ...

    async def businesses(self, id_numbers: Sequence[str]) -> dict[str, list[TaxRegistrationRecord]]:
        """The individual businesses (个体工商户) each person operates, by registration date."""
        ...

    async def filings(self, taxpayer_ids: Sequence[str]) -> dict[str, list[TaxFilingRecord]]:
        """Monthly returns, by period."""
        ...

    async def arrears(self, taxpayer_ids: Sequence[str]) -> dict[str, list[TaxArrearsRecord]]:
        """Tax owed past its deadline with the late fee to date, by period."""
        ...

    async def refunds(self, taxpayer_ids: Sequence[str]) -> dict[str, list[TaxRefundRecord]]:
        """Refunds approved, by approval date."""
        ...

    async def income_tax(self, id_numbers: Sequence[str]) -> dict[str, list[IncomeTaxRecord]]:
        """Individual income tax withheld for each person, by period then withholder."""
        ...


def _keyed(record: type, table: Any, key: Any, *order: Any) -> KeyedQuery:
    stmt = select(key, *record_select(record, table).selected_columns).order_by(*order)
    return KeyedQuery(stmt, key)


_REGISTRATION = _keyed(TaxRegistrationRecord, registrations, registrations.c.taxpayer_id)
_BUSINESS = _keyed(
    TaxRegistrationRecord,
    registrations,
    registrations.c.operator_id,
    registrations.c.registered_on,
    registrations.c.taxpayer_id,
)
_FILING = _keyed(TaxFilingRecord, filings, filings.c.taxpayer_id, filings.c.period)
_ARREARS = _keyed(TaxArrearsRecord, arrears, arrears.c.taxpayer_id, arrears.c.period, arrears.c.id)
_REFUND = _keyed(
    TaxRefundRecord, refunds, refunds.c.taxpayer_id, refunds.c.approved_on, refunds.c.refund_number
)
_WITHHELD = _keyed(
    IncomeTaxRecord,
    withholdings,
    withholdings.c.id_number,
    withholdings.c.period,
    withholdings.c.withholder_uscc,
    withholdings.c.id,
)


def _one(query: KeyedQuery, record: type) -> Any:
    def run(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
        return {r[0]: record(*r[1:]) for r in query.rows(conn, keys)}

    return run


def _many(query: KeyedQuery, record: type) -> Any:
    def run(conn: Connection, keys: Sequence[str]) -> dict[str, list[Any]]:
        return group_rows(query.rows(conn, keys), lambda r: r[0], lambda r: record(*r[1:]))

    return run


_registrations = _one(_REGISTRATION, TaxRegistrationRecord)
_businesses = _many(_BUSINESS, TaxRegistrationRecord)
_filings = _many(_FILING, TaxFilingRecord)
_arrears = _many(_ARREARS, TaxArrearsRecord)
_refunds = _many(_REFUND, TaxRefundRecord)
_income_tax = _many(_WITHHELD, IncomeTaxRecord)


class EmbeddedTaxSource(DatabaseSource):
    connector = "tax"

    async def registrations(self, taxpayer_ids: Sequence[str]) -> dict[str, TaxRegistrationRecord]:
        return await self.run(_registrations, taxpayer_ids)

    async def businesses(self, id_numbers: Sequence[str]) -> dict[str, list[TaxRegistrationRecord]]:
        return await self.run(_businesses, id_numbers)

    async def filings(self, taxpayer_ids: Sequence[str]) -> dict[str, list[TaxFilingRecord]]:
        return await self.run(_filings, taxpayer_ids)

    async def arrears(self, taxpayer_ids: Sequence[str]) -> dict[str, list[TaxArrearsRecord]]:
        return await self.run(_arrears, taxpayer_ids)

    async def refunds(self, taxpayer_ids: Sequence[str]) -> dict[str, list[TaxRefundRecord]]:
        return await self.run(_refunds, taxpayer_ids)

    async def income_tax(self, id_numbers: Sequence[str]) -> dict[str, list[IncomeTaxRecord]]:
        return await self.run(_income_tax, id_numbers)


if TYPE_CHECKING:
    # The embedded source has every batch method of the agency's source, with its types.
    _embedded_is_a_source: type[TaxSource] = EmbeddedTaxSource
