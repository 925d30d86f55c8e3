"""Public security's typed source: batch look-ups of identities, vehicles, and where persons and
vehicles were (accommodation registrations, transport bookings, checkpoint passages)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection, select, update

from connectors.base.annotations import (
    Annotation,
    Measure,
    has_active,
    lapse_register,
    measures_of,
    store_annotation,
)
from connectors.base.source import DatabaseSource, KeyedQuery, group_rows, record_select
from connectors.public_security.models import (
    accommodations,
    bookings,
    passages,
    residents,
    vehicle_seizures,
    vehicles,
)
from connectors.public_security.records import (
    AccommodationRecord,
    BookingRecord,
    IdentityRecord,
    PassageRecord,
    VehicleRecord,
)


class PublicSecuritySource(Protocol):
    async def identities(self, id_numbers: Sequence[str]) -> dict[str, IdentityRecord]: ...

    async def vehicles_by_owner(
        self, owner_ids: Sequence[str]
    ) -> dict[str, list[VehicleRecord]]: ...

    async def vehicles_by_plate(self, plates: Sequence[str]) -> dict[str, VehicleRecord]: ...

    async def registered(self, id_numbers: Sequence[str]) -> dict[str, bool]:
        """Which ID numbers are registered (existence only, no personal data)."""
        ...

    async def measures(self, plates: Sequence[str]) -> dict[str, list[Measure]]:
        """The register of courts' seizures of each vehicle (every row, in rank order)."""
        ...

    async def accommodations(
        self, id_numbers: Sequence[str]
    ) -> dict[str, list[AccommodationRecord]]:
        """旅馆住宿登记 of each person, newest check-in first."""
        ...

    async def bookings(self, id_numbers: Sequence[str]) -> dict[str, list[BookingRecord]]:
        """交通订票 of each person, latest departure first."""
        ...

    async def passages(self, plates: Sequence[str]) -> dict[str, list[PassageRecord]]:
        """卡口通行 of each vehicle, newest first."""
        ...


# 查封、扣押动产的期限不得超过两年 (民诉法解释 第四百八十五条): vehicles are movables.
TERM_YEARS = 2


_IDENTITY = KeyedQuery(record_select(IdentityRecord, residents), residents.c.id_number)
_REGISTERED = KeyedQuery(select(residents.c.id_number), residents.c.id_number)
_VEHICLE = record_select(VehicleRecord, vehicles).order_by(vehicles.c.registered_on)
_VEHICLE_BY_OWNER = KeyedQuery(_VEHICLE, vehicles.c.owner_id)
_VEHICLE_BY_PLATE = KeyedQuery(_VEHICLE, vehicles.c.plate)
_ACCOMMODATIONS = KeyedQuery(
    record_select(AccommodationRecord, accommodations).order_by(
        accommodations.c.id_number, accommodations.c.check_in.desc()
    ),
    accommodations.c.id_number,
)
_BOOKINGS = KeyedQuery(
    record_select(BookingRecord, bookings).order_by(
        bookings.c.id_number, bookings.c.departure.desc()
    ),
    bookings.c.id_number,
)
_PASSAGES = KeyedQuery(
    record_select(PassageRecord, passages).order_by(passages.c.plate, passages.c.passed_at.desc()),
    passages.c.plate,
)


def _identities(conn: Connection, keys: Sequence[str]) -> dict[str, IdentityRecord]:
    return {r[0]: IdentityRecord(*r) for r in _IDENTITY.rows(conn, keys)}


def _registered(conn: Connection, keys: Sequence[str]) -> dict[str, bool]:
    return {r[0]: True for r in _REGISTERED.rows(conn, keys)}


def _vehicles_by_owner(conn: Connection, keys: Sequence[str]) -> dict[str, list[VehicleRecord]]:
    return group_rows(
        _VEHICLE_BY_OWNER.rows(conn, keys), lambda r: r[9], lambda r: VehicleRecord(*r)
    )


def _vehicles_by_plate(conn: Connection, keys: Sequence[str]) -> dict[str, VehicleRecord]:
    return {r[0]: VehicleRecord(*r) for r in _VEHICLE_BY_PLATE.rows(conn, keys)}


def _accommodations(conn: Connection, keys: Sequence[str]) -> dict[str, list[AccommodationRecord]]:
    return group_rows(
        _ACCOMMODATIONS.rows(conn, keys), lambda r: r[0], lambda r: AccommodationRecord(*r)
    )


def _bookings(conn: Connection, keys: Sequence[str]) -> dict[str, list[BookingRecord]]:
    return group_rows(_BOOKINGS.rows(conn, keys), lambda r: r[0], lambda r: BookingRecord(*r))


def _passages(conn: Connection, keys: Sequence[str]) -> dict[str, list[PassageRecord]]:
    return group_rows(_PASSAGES.rows(conn, keys), lambda r: r[0], lambda r: PassageRecord(*r))


def _annotate(conn: Connection, a: Annotation) -> bool:
    """Register a court's measure on a vehicle (查封 or 扣押); the vehicle is SEIZED while any
    is active."""
    if conn.execute(select(vehicles.c.plate).where(vehicles.c.plate == a.asset_id)).first() is None:
        raise LookupError(f"no vehicle {a.asset_id} at public security")
    store_annotation(conn, vehicle_seizures, "plate", a)
    _follow_register(conn, a.asset_id)
    return True


def _follow_register(conn: Connection, plate: str) -> None:
    """SEIZED while the register holds an active measure; the earlier status back after."""
    status, before = conn.execute(
        select(vehicles.c.status, vehicles.c.status_before_seizure).where(vehicles.c.plate == plate)
    ).one()
    if has_active(conn, vehicle_seizures, "plate", plate):
        values = {"status": "SEIZED", "status_before_seizure": status} if status != "SEIZED" else {}
    elif status == "SEIZED" and before is not None:
        values = {"status": before, "status_before_seizure": None}
    else:
        values = {}
    if values:
        conn.execute(update(vehicles).where(vehicles.c.plate == plate).values(**values))


def _measures(conn: Connection, keys: Sequence[str]) -> dict[str, list[Measure]]:
    return measures_of(conn, vehicle_seizures, "plate", keys)


def _lapse(conn: Connection, today: date) -> list[str]:
    plates = lapse_register(conn, vehicle_seizures, "plate", today=today, years=TERM_YEARS)
    for plate in plates:
        _follow_register(conn, plate)
    return plates


class EmbeddedPublicSecuritySource(DatabaseSource):
    connector = "public_security"

    async def identities(self, id_numbers: Sequence[str]) -> dict[str, IdentityRecord]:
        return await self.run(_identities, id_numbers)

    async def registered(self, id_numbers: Sequence[str]) -> dict[str, bool]:
        return await self.run(_registered, id_numbers)

    async def vehicles_by_owner(self, owner_ids: Sequence[str]) -> dict[str, list[VehicleRecord]]:
        return await self.run(_vehicles_by_owner, owner_ids)

    async def vehicles_by_plate(self, plates: Sequence[str]) -> dict[str, VehicleRecord]:
        return await self.run(_vehicles_by_plate, plates)

    async def measures(self, plates: Sequence[str]) -> dict[str, list[Measure]]:
        return await self.run(_measures, plates)

    async def accommodations(
        self, id_numbers: Sequence[str]
    ) -> dict[str, list[AccommodationRecord]]:
        return await self.run(_accommodations, id_numbers)

    async def bookings(self, id_numbers: Sequence[str]) -> dict[str, list[BookingRecord]]:
        return await self.run(_bookings, id_numbers)

    async def passages(self, plates: Sequence[str]) -> dict[str, list[PassageRecord]]:
        return await self.run(_passages, plates)

    async def annotate(self, annotation: Annotation) -> bool:
        return await self.write(_annotate, annotation)

    async def lapse(self, today: date) -> list[str]:
        """The register's lapse job: seizures whose term ended lapse, the next takes effect."""
        return await self.write(_lapse, today)


if TYPE_CHECKING:
    # The embedded source has every batch method of the agency's source, with its types.
    _embedded_is_a_source: type[PublicSecuritySource] = EmbeddedPublicSecuritySource
