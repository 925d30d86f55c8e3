"""The utilities connector (供水、供电、供气 companies): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.base.connector import Connector
from connectors.utilities.models import metadata

if TYPE_CHECKING:
    from connectors.base.remote import RemoteSource
    from connectors.base.source import DatabaseSource


def _embedded(url: str) -> DatabaseSource:
    from connectors.utilities.source import EmbeddedUtilitiesSource

    return EmbeddedUtilitiesSource(url)


def _remote() -> type[RemoteSource]:
    from connectors.utilities.remote import RemoteUtilitiesSource

    return RemoteUtilitiesSource


def _generate(world: Any) -> dict[str, list[dict[str, Any]]]:
    from connectors.utilities.synth import generate

    return generate(world)


def _subgraph(source: Any) -> Any:
    from connectors.utilities.subgraph import build_schema

    return build_schema(source)


CONNECTOR = Connector(
    name="utilities",
    title="公用事业（供水、供电、供气）",
    metadata=metadata,
    embedded=_embedded,
    generate=_generate,
    subgraph=_subgraph,
    remote_source=_remote,
)
