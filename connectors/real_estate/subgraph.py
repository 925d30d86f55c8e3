"""The real-estate registry's federation subgraph: Person/Enterprise.realEstates and RealEstate."""

from __future__ import annotations

from typing import Any

from connectors.base.subgraph import (
    SubgraphSchema,
    build_subgraph,
    entity,
    loader_field,
    record_type,
)
from connectors.real_estate.records import (
    MortgageRecord,
    OwnerRecord,
    PropertyRecord,
    SeizureRecord,
)

MANY = frozenset({"properties_by_owner"})

PropertyOwner = record_type(OwnerRecord, "PropertyOwner", description="An owner with their share")
Mortgage = record_type(MortgageRecord, "Mortgage", description="A registered mortgage (抵押权)")
SeizureAnnotation = record_type(
    SeizureRecord, "SeizureAnnotation", description="A seizure annotation (查封登记)"
)
RealEstate = record_type(
    PropertyRecord,
    "RealEstate",
    description="A real-estate unit (不动产单元)",
    nested={OwnerRecord: PropertyOwner, MortgageRecord: Mortgage, SeizureRecord: SeizureAnnotation},
    key="unit_number",
    reference="properties_by_unit",
)

Person = entity(
    "Person",
    "id_number",
    {
        "real_estates": loader_field(
            "properties_by_owner",
            RealEstate,
            many=True,
            key_attr="id_number",
            description="Units the person owns or co-owns",
        )
    },
    description="A natural person, keyed by ID number",
)
Enterprise = entity(
    "Enterprise",
    "uscc",
    {
        "real_estates": loader_field(
            "properties_by_owner",
            RealEstate,
            many=True,
            key_attr="uscc",
            description="Units the enterprise owns or co-owns",
        )
    },
    description="An enterprise, keyed by unified social credit code",
)


def build_schema(source: Any = None) -> SubgraphSchema:
    return build_subgraph(types=[Person, Enterprise, RealEstate])
