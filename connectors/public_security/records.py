"""Typed records public security returns: identity (户籍) and motor vehicles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


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
