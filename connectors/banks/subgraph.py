"""A bank's federation subgraph: Person/Enterprise.deposits, the same SDL for every bank."""

from __future__ import annotations

from typing import Any

from connectors.banks.records import AccountFreezeRecord, DepositAccountRecord
from connectors.base.subgraph import (
    SubgraphSchema,
    build_subgraph,
    entity,
    loader_field,
    record_type,
)

MANY = frozenset({"deposits"})

AccountFreeze = record_type(
    AccountFreezeRecord,
    "AccountFreeze",
    description="A court's freeze (冻结) of an amount on the account, with its place in line",
)
DepositAccount = record_type(
    DepositAccountRecord,
    "DepositAccount",
    description="A deposit account (存款账户) at this bank",
    nested={AccountFreezeRecord: AccountFreeze},
)

Person = entity(
    "Person",
    "id_number",
    {
        "deposits": loader_field(
            "deposits",
            DepositAccount,
            many=True,
            key_attr="id_number",
            description="The person's deposit accounts at this bank",
        )
    },
    description="A natural person, keyed by ID number",
)
Enterprise = entity(
    "Enterprise",
    "uscc",
    {
        "deposits": loader_field(
            "deposits",
            DepositAccount,
            many=True,
            key_attr="uscc",
            description="The enterprise's deposit accounts at this bank",
        )
    },
    description="An enterprise, keyed by unified social credit code",
)


def build_schema(source: Any = None) -> SubgraphSchema:
    return build_subgraph(types=[Person, Enterprise])
