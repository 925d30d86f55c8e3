"""The utilities' federation subgraph: accounts by holder (persons, enterprises) and by address."""

from __future__ import annotations

from typing import Any

from connectors.base.subgraph import (
    SubgraphSchema,
    build_subgraph,
    entity,
    loader_field,
    record_type,
)
from connectors.utilities.records import UtilityAccountRecord, UtilityUsageRecord

MANY = frozenset({"accounts_by_holder", "accounts_by_address"})

UtilityUsage = record_type(
    UtilityUsageRecord, "UtilityUsage", description="One month's consumption, bill and payment"
)
UtilityAccount = record_type(
    UtilityAccountRecord,
    "UtilityAccount",
    description="A water (水), electricity (电) or gas (气) account with its monthly usage",
    nested={UtilityUsageRecord: UtilityUsage},
)


def _accounts(description: str, method: str, key_attr: str) -> Any:
    return loader_field(
        method, UtilityAccount, many=True, key_attr=key_attr, description=description
    )


Person = entity(
    "Person",
    "id_number",
    {
        "utility_accounts": _accounts(
            "Water, electricity and gas accounts the person holds",
            "accounts_by_holder",
            "id_number",
        )
    },
    description="A natural person, keyed by ID number",
)
Enterprise = entity(
    "Enterprise",
    "uscc",
    {
        "utility_accounts": _accounts(
            "Water, electricity and gas accounts the enterprise holds", "accounts_by_holder", "uscc"
        )
    },
    description="An enterprise, keyed by unified social credit code",
)
UtilityAddress = entity(
    "UtilityAddress",
    "address",
    {
        "accounts": _accounts(
            "The accounts supplied at the address, whoever holds them",
            "accounts_by_address",
            "address",
        )
    },
    description="A supply address, as the household register writes it",
)


def build_schema(source: Any = None) -> SubgraphSchema:
    return build_subgraph(types=[Person, Enterprise, UtilityAddress])
