"""The market_supervision connector (市场监督管理局): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.base.connector import Connector
from connectors.market_supervision.models import metadata

if TYPE_CHECKING:
    from connectors.base.remote import RemoteSource
    from connectors.base.source import DatabaseSource


def _embedded(url: str) -> DatabaseSource:
    from connectors.market_supervision.source import EmbeddedMarketSupervisionSource

    return EmbeddedMarketSupervisionSource(url)


def _remote() -> type[RemoteSource]:
    from connectors.market_supervision.remote import RemoteMarketSupervisionSource

    return RemoteMarketSupervisionSource


def _generate(world: Any) -> dict[str, list[dict[str, Any]]]:
    from connectors.market_supervision.synth import generate

    return generate(world)


def _subgraph(source: Any) -> Any:
    from connectors.market_supervision.subgraph import build_schema

    return build_schema(source)


CONNECTOR = Connector(
    name="market_supervision",
    title="市场监督管理局",
    metadata=metadata,
    embedded=_embedded,
    generate=_generate,
    subgraph=_subgraph,
    remote_source=_remote,
    register=True,
)
