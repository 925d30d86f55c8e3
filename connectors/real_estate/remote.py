"""The real-estate registry's batch methods over its subgraph service (the remote source)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.base.annotations import Measure
from connectors.base.remote import RemoteSource, Visible
from connectors.real_estate.records import PropertyRecord

if TYPE_CHECKING:
    from connectors.real_estate.source import RealEstateSource


class RemoteRealEstateSource(RemoteSource):
    """The real-estate registry's look-ups as ``_entities`` calls; the same records
    as the embedded source."""

    async def properties_by_owner(
        self, owner_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[PropertyRecord]]:
        return await self._lookup("properties_by_owner", owner_ids, visible)

    async def properties_by_unit(
        self, unit_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, PropertyRecord]:
        return await self._lookup("properties_by_unit", unit_numbers, visible)

    async def measures(
        self, unit_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[Measure]]:
        """The agency's register of courts' measures (``POST /measures``; ``visible`` is not
        needed: the register is read whole, for the waiting line)."""
        return await self._measures(unit_numbers)


if TYPE_CHECKING:
    # The remote source has every batch method of the agency's source, with its types.
    _remote_is_a_source: type[RealEstateSource] = RemoteRealEstateSource
