"""The tax connector (税务局): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.base.connector import Connector
from connectors.tax.models import metadata

if TYPE_CHECKING:
    from connectors.base.remote import RemoteSource
    from connectors.base.source import DatabaseSource


def _embedded(url: str) -> DatabaseSource:
    from connectors.tax.source import EmbeddedTaxSource

    return EmbeddedTaxSource(url)


def _remote() -> type[RemoteSource]:
    from connectors.tax.remote import RemoteTaxSource

    return RemoteTaxSource


def _generate(world: Any) -> dict[str, list[dict[str, Any]]]:
    from connectors.tax.synth import generate

    return generate(world)


def _subgraph(source: Any) -> Any:
    from connectors.tax.subgraph import build_schema

    return build_schema(source)


CONNECTOR = Connector(
    name="tax",
    title="税务局",
    metadata=metadata,
    embedded=_embedded,
    generate=_generate,
    subgraph=_subgraph,
    remote_source=_remote,
)
