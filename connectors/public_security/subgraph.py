"""Public security's federation subgraph: Person.identity, Person/Enterprise.vehicles, Vehicle,
Person.accommodations / Person.bookings, and a vehicle's checkpoint passages (Plate.passages)."""

from __future__ import annotations

from typing import Any

from connectors.base.subgraph import (
    SubgraphSchema,
    build_subgraph,
    entity,
    loader_field,
    record_type,
)
from connectors.public_security.records import (
    AccommodationRecord,
    BookingRecord,
    IdentityRecord,
    PassageRecord,
    VehicleRecord,
)

MANY = frozenset({"vehicles_by_owner", "accommodations", "bookings", "passages"})

Identity = record_type(IdentityRecord, "Identity", description="户籍 identity record")
Vehicle = record_type(
    VehicleRecord,
    "Vehicle",
    description="A registered motor vehicle",
    key="plate",
    reference="vehicles_by_plate",
)
Accommodation = record_type(
    AccommodationRecord, "Accommodation", description="旅馆住宿登记: a stay a hotel registered"
)
Booking = record_type(
    BookingRecord, "Booking", description="交通订票: a ticket booked (航空/铁路/客运)"
)
Passage = record_type(
    PassageRecord, "Passage", description="卡口通行: a vehicle seen passing a checkpoint"
)

Person = entity(
    "Person",
    "id_number",
    {
        "identity": loader_field(
            "identities", Identity, many=False, key_attr="id_number", description="户籍 identity"
        ),
        "vehicles": loader_field(
            "vehicles_by_owner",
            Vehicle,
            many=True,
            key_attr="id_number",
            description="Vehicles registered to the person",
        ),
        "accommodations": loader_field(
            "accommodations",
            Accommodation,
            many=True,
            key_attr="id_number",
            description="Accommodation registrations (旅馆住宿登记), newest check-in first",
        ),
        "bookings": loader_field(
            "bookings",
            Booking,
            many=True,
            key_attr="id_number",
            description="Transport bookings (交通订票), latest departure first",
        ),
    },
    description="A natural person, keyed by ID number",
)
Enterprise = entity(
    "Enterprise",
    "uscc",
    {
        "vehicles": loader_field(
            "vehicles_by_owner",
            Vehicle,
            many=True,
            key_attr="uscc",
            description="Vehicles registered to the enterprise",
        ),
    },
    description="An enterprise, keyed by unified social credit code",
)

Plate = entity(
    "Plate",
    "plate",
    {
        "passages": loader_field(
            "passages",
            Passage,
            many=True,
            key_attr="plate",
            description="Checkpoint passages (卡口通行), newest first",
        ),
    },
    description="A number plate, as checkpoints read it (registered or not)",
)


def build_schema(source: Any = None) -> SubgraphSchema:
    return build_subgraph(types=[Person, Enterprise, Vehicle, Plate])
