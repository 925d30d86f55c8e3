"""Public security's typed source: batch look-ups of identities and vehicles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection

from connectors.base.source import DatabaseSource, group_rows, record_select, select_in
from connectors.public_security.models import residents, vehicles
from connectors.public_security.records import IdentityRecord, VehicleRecord


class PublicSecuritySource(Protocol):
    async def identities(self, id_numbers: Sequence[str]) -> dict[str, IdentityRecord]: ...

    async def vehicles_by_owner(
        self, owner_ids: Sequence[str]
    ) -> dict[str, list[VehicleRecord]]: ...

    async def vehicles_by_plate(self, plates: Sequence[str]) -> dict[str, VehicleRecord]: ...


_IDENTITY = record_select(IdentityRecord, residents)
_VEHICLE = record_select(VehicleRecord, vehicles).order_by(vehicles.c.registered_on)


def _identities(conn: Connection, keys: Sequence[str]) -> dict[str, IdentityRecord]:
    return {
        r.id_number: IdentityRecord(*r)
        for r in select_in(conn, _IDENTITY, residents.c.id_number, keys)
    }


def _vehicles_by_owner(conn: Connection, keys: Sequence[str]) -> dict[str, list[VehicleRecord]]:
    rows = select_in(conn, _VEHICLE, vehicles.c.owner_id, keys)
    return group_rows(rows, lambda r: r.owner_id, lambda r: VehicleRecord(*r))


def _vehicles_by_plate(conn: Connection, keys: Sequence[str]) -> dict[str, VehicleRecord]:
    return {r.plate: VehicleRecord(*r) for r in select_in(conn, _VEHICLE, vehicles.c.plate, keys)}


class EmbeddedPublicSecuritySource(DatabaseSource):
    connector = "public_security"

    async def identities(self, id_numbers: Sequence[str]) -> dict[str, IdentityRecord]:
        return await self.run(_identities, id_numbers)

    async def vehicles_by_owner(self, owner_ids: Sequence[str]) -> dict[str, list[VehicleRecord]]:
        return await self.run(_vehicles_by_owner, owner_ids)

    async def vehicles_by_plate(self, plates: Sequence[str]) -> dict[str, VehicleRecord]:
        return await self.run(_vehicles_by_plate, plates)
