"""The public-security bureau's batch methods over its subgraph service (the remote source)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.base.annotations import Measure
from connectors.base.remote import RemoteSource, Visible
from connectors.public_security.records import (
    AccommodationRecord,
    BookingRecord,
    IdentityRecord,
    PassageRecord,
    VehicleRecord,
)

if TYPE_CHECKING:
    from connectors.public_security.source import PublicSecuritySource


class RemotePublicSecuritySource(RemoteSource):
    """The public-security bureau's look-ups as ``_entities`` calls; the same records
    as the embedded source."""

    async def identities(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, IdentityRecord]:
        return await self._lookup("identities", id_numbers, visible)

    async def vehicles_by_owner(
        self, owner_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[VehicleRecord]]:
        return await self._lookup("vehicles_by_owner", owner_ids, visible)

    async def vehicles_by_plate(
        self, plates: Sequence[str], visible: Visible | None = None
    ) -> dict[str, VehicleRecord]:
        return await self._lookup("vehicles_by_plate", plates, visible)

    async def accommodations(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[AccommodationRecord]]:
        return await self._lookup("accommodations", id_numbers, visible)

    async def bookings(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[BookingRecord]]:
        return await self._lookup("bookings", id_numbers, visible)

    async def passages(
        self, plates: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[PassageRecord]]:
        return await self._lookup("passages", plates, visible)

    async def registered(
        self, id_numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, bool]:
        """Existence only, through ``identities`` (``visible`` is not needed: no field is asked)."""
        return await self._exists_via("identities", id_numbers)

    async def measures(
        self, plates: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[Measure]]:
        """The agency's register of courts' measures (``POST /measures``; ``visible`` is not
        needed: the register is read whole, for the waiting line)."""
        return await self._measures(plates)


if TYPE_CHECKING:
    # The remote source has every batch method of the agency's source, with its types.
    _remote_is_a_source: type[PublicSecuritySource] = RemotePublicSecuritySource
