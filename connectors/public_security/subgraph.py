"""Public security's federation subgraph: Person.identity, Person/Enterprise.vehicles, Vehicle."""

from __future__ import annotations

from typing import Any

from connectors.base.subgraph import (
    SubgraphSchema,
    build_subgraph,
    entity,
    loader_field,
    record_type,
)
from connectors.public_security.records import IdentityRecord, VehicleRecord

MANY = frozenset({"vehicles_by_owner"})

Identity = record_type(IdentityRecord, "Identity", description="户籍 identity record")
Vehicle = record_type(
    VehicleRecord,
    "Vehicle",
    description="A registered motor vehicle",
    key="plate",
    reference="vehicles_by_plate",
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


def build_schema(source: Any = None) -> SubgraphSchema:
    return build_subgraph(types=[Person, Enterprise, Vehicle])
