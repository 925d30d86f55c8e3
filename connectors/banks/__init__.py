"""The banks (银行): a connector kind with one agency service per bank (``bank:<code>``).

Each bank is a connector of its own in the registry — its own database, service, timeout,
breaker and concurrency limit — and every bank serves the same subgraph
(``schema/subgraphs/bank.graphql``).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from connectors.banks.models import metadata
from connectors.banks.synth import BANKS, Bank
from connectors.base.connector import Connector

if TYPE_CHECKING:
    from connectors.base.remote import RemoteSource
    from connectors.base.source import DatabaseSource

KIND = "bank"
PREFIX = f"{KIND}:"

__all__ = ["BANKS", "KIND", "PREFIX", "Bank", "bank_of", "connector", "names"]


def names() -> list[str]:
    """Every demo bank's connector name, ``bank:<code>``."""
    return [f"{PREFIX}{b.code}" for b in BANKS]


def bank_of(name: str) -> Bank:
    """The bank behind a connector name ``bank:<code>``."""
    code = name.removeprefix(PREFIX)
    for bank in BANKS:
        if name.startswith(PREFIX) and bank.code == code:
            return bank
    raise KeyError(name)


def _remote() -> type[RemoteSource]:
    from connectors.banks.remote import RemoteBankSource

    return RemoteBankSource


def _subgraph(source: Any) -> Any:
    from connectors.banks.subgraph import build_schema

    return build_schema(source)


def _calls() -> Any:
    from connectors.banks.service import handle

    return handle


@cache
def connector(name: str) -> Connector:
    """The connector of bank ``name`` (``bank:<code>``)."""
    bank = bank_of(name)

    def embedded(url: str) -> DatabaseSource:
        from connectors.banks.source import EmbeddedBankSource

        return EmbeddedBankSource(url, name)

    def generate(world: Any) -> dict[str, list[dict[str, Any]]]:
        from connectors.banks.synth import generate as generate_bank

        return generate_bank(world, bank.code)

    return Connector(
        name=name,
        title=bank.name,
        metadata=metadata,
        embedded=embedded,
        generate=generate,
        subgraph=_subgraph,
        remote_source=_remote,
        kind=KIND,
        package_name="banks",
        calls=_calls,
    )
