"""Social security's batch methods over its subgraph service (the remote source)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.base.remote import RemoteSource, Visible
from connectors.social_security.records import (
    EnterpriseInsuranceRecord,
    HousingFundRecord,
    InsuranceRecord,
    QualificationRecord,
)

if TYPE_CHECKING:
    from connectors.social_security.source import SocialSecuritySource


class RemoteSocialSecuritySource(RemoteSource):
    """Social security's look-ups as ``_entities`` calls; the same records
    as the embedded source."""

    async def insurance(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[InsuranceRecord]]:
        return await self._lookup("insurance", id_numbers, visible)

    async def housing_fund(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, HousingFundRecord]:
        return await self._lookup("housing_fund", id_numbers, visible)

    async def qualifications(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[QualificationRecord]]:
        return await self._lookup("qualifications", id_numbers, visible)

    async def enterprise_insurance(
        self, usccs: Sequence[str], visible: Visible | None = None
    ) -> dict[str, EnterpriseInsuranceRecord]:
        return await self._lookup("enterprise_insurance", usccs, visible)


if TYPE_CHECKING:
    # The remote source has every batch method of the agency's source, with its types.
    _remote_is_a_source: type[SocialSecuritySource] = RemoteSocialSecuritySource
