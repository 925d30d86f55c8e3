"""The real_estate connector (不动产登记中心): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.base.connector import Connector
from connectors.real_estate.models import metadata

if TYPE_CHECKING:
    from connectors.base.remote import RemoteSource
    from connectors.base.source import DatabaseSource


def _embedded(url: str) -> DatabaseSource:
    from connectors.real_estate.source import EmbeddedRealEstateSource

    return EmbeddedRealEstateSource(url)


def _remote() -> type[RemoteSource]:
    from connectors.real_estate.remote import RemoteRealEstateSource

    return RemoteRealEstateSource


def _generate(world: Any) -> dict[str, list[dict[str, Any]]]:
    from connectors.real_estate.synth import generate

    return generate(world)


def _subgraph(source: Any) -> Any:
    from connectors.real_estate.subgraph import build_schema

    return build_schema(source)


CONNECTOR = Connector(
    name="real_estate",
    title="不动产登记中心",
    metadata=metadata,
    embedded=_embedded,
    generate=_generate,
    subgraph=_subgraph,
    remote_source=_remote,
    register=True,
)
