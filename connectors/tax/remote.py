"""Tax's batch methods over its subgraph service (the remote source)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.base.remote import RemoteSource, Visible
from connectors.tax.records import (
    IncomeTaxRecord,
    TaxArrearsRecord,
    TaxFilingRecord,
    TaxRefundRecord,
    TaxRegistrationRecord,
)

if TYPE_CHECKING:
    from connectors.tax.source import TaxSource


class RemoteTaxSource(RemoteSource):
    """Tax's look-ups as ``_entities`` calls; the same records as the embedded source."""

    async def registrations(
        self, taxpayer_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, TaxRegistrationRecord]:
        return await self._lookup("registrations", taxpayer_ids, visible)

    async def businesses(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[TaxRegistrationRecord]]:
        return await self._lookup("businesses", id_numbers, visible)

    async def filings(
        self, taxpayer_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[TaxFilingRecord]]:
        return await self._lookup("filings", taxpayer_ids, visible)

    async def arrears(
        self, taxpayer_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[TaxArrearsRecord]]:
        return await self._lookup("arrears", taxpayer_ids, visible)

    async def refunds(
        self, taxpayer_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[TaxRefundRecord]]:
        return await self._lookup("refunds", taxpayer_ids, visible)

    async def income_tax(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[IncomeTaxRecord]]:
        return await self._lookup("income_tax", id_numbers, visible)


if TYPE_CHECKING:
    # The remote source has every batch method of the agency's source, with its types.
    _remote_is_a_source: type[TaxSource] = RemoteTaxSource
