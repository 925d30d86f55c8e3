"""Market supervision's batch methods over its subgraph service (the remote source)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.base.annotations import Measure
from connectors.base.remote import RemoteSource, Visible
from connectors.market_supervision.records import (
    CreditRecord,
    EnterpriseRecord,
    EnterpriseRoleRecord,
    KeyPersonRecord,
    LicenceRecord,
    PenaltyRecord,
    StakeRecord,
)

if TYPE_CHECKING:
    from connectors.market_supervision.source import MarketSupervisionSource


class RemoteMarketSupervisionSource(RemoteSource):
    """Market supervision's look-ups as ``_entities`` calls; the same records
    as the embedded source."""

    async def enterprises(
        self, usccs: Sequence[str], visible: Visible | None = None
    ) -> dict[str, EnterpriseRecord]:
        return await self._lookup("enterprises", usccs, visible)

    async def registered(
        self, usccs: Sequence[str], visible: Visible | None = None
    ) -> dict[str, bool]:
        """Existence only, through ``enterprises`` (``visible`` is not needed: no field is asked)."""
        return await self._exists_via("enterprises", usccs)

    async def shareholders(
        self, usccs: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[StakeRecord]]:
        return await self._lookup("shareholders", usccs, visible)

    async def stakes_by_holder(
        self, holder_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[StakeRecord]]:
        return await self._lookup("stakes_by_holder", holder_ids, visible)

    async def stakes_by_id(
        self, stake_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, StakeRecord]:
        return await self._lookup("stakes_by_id", stake_ids, visible)

    async def key_personnel(
        self, usccs: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[KeyPersonRecord]]:
        return await self._lookup("key_personnel", usccs, visible)

    async def licences(
        self, usccs: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[LicenceRecord]]:
        return await self._lookup("licences", usccs, visible)

    async def penalties(
        self, usccs: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[PenaltyRecord]]:
        return await self._lookup("penalties", usccs, visible)

    async def credit(
        self, usccs: Sequence[str], visible: Visible | None = None
    ) -> dict[str, CreditRecord]:
        return await self._lookup("credit", usccs, visible)

    async def roles_by_person(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[EnterpriseRoleRecord]]:
        return await self._lookup("roles_by_person", id_numbers, visible)

    async def measures(
        self, stake_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[Measure]]:
        """The agency's register of courts' measures (``POST /measures``; ``visible`` is not
        needed: the register is read whole, for the waiting line)."""
        return await self._measures(stake_ids)


if TYPE_CHECKING:
    # The remote source has every batch method of the agency's source, with its types.
    _remote_is_a_source: type[MarketSupervisionSource] = RemoteMarketSupervisionSource
