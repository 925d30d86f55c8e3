"""The public_security connector (公安户政与交通管理): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.base.connector import Connector
from connectors.public_security.models import metadata

if TYPE_CHECKING:
    from connectors.base.remote import RemoteSource
    from connectors.base.source import DatabaseSource


def _embedded(url: str) -> DatabaseSource:
    from connectors.public_security.source import EmbeddedPublicSecuritySource

    return EmbeddedPublicSecuritySource(url)


def _remote() -> type[RemoteSource]:
    from connectors.public_security.remote import RemotePublicSecuritySource

    return RemotePublicSecuritySource


def _generate(world: Any) -> dict[str, list[dict[str, Any]]]:
    from connectors.public_security.synth import generate

    return generate(world)


def _subgraph(source: Any) -> Any:
    from connectors.public_security.subgraph import build_schema

    return build_schema(source)


CONNECTOR = Connector(
    name="public_security",
    title="公安户政与交通管理",
    metadata=metadata,
    embedded=_embedded,
    generate=_generate,
    subgraph=_subgraph,
    remote_source=_remote,
    register=True,
)
