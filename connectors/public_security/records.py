"""Typed records public security returns: identity (户籍), motor vehicles, and where persons
and vehicles were (accommodation, bookings, checkpoint passages; China Standard Time, no zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(slots=True)
class IdentityRecord:
    id_number: str
    name: str
    gender: str
    birth_date: date
    ethnicity: str
    registered_address: str
    registration_status: str
    issuing_authority: str
    phone: str | None


@dataclass(slots=True)
class VehicleRecord:
    plate: str
    vin: str
    brand: str
    model: str
    vehicle_type: str
    colour: str
    registered_on: date
    status: str
    owner_kind: str
    owner_id: str
    owner_name: str


@dataclass(slots=True)
class AccommodationRecord:
    """旅馆住宿登记: a stay registered by a hotel."""

    id_number: str
    check_in: datetime
    check_out: datetime | None
    hotel: str
    place: str


@dataclass(slots=True)
class BookingRecord:
    """交通订票: a ticket booked in the person's name."""

    id_number: str
    departure: datetime
    mode: str  # 航空 / 铁路 / 客运
    number: str
    origin: str
    destination: str


@dataclass(slots=True)
class PassageRecord:
    """卡口通行: a vehicle seen passing a checkpoint."""

    plate: str
    passed_at: datetime
    checkpoint: str
    place: str
