"""The public_security connector (公安户政与交通管理): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from typing import Any

from connectors.base.connector import Connector
from connectors.public_security.models import metadata


def _embedded(url: str) -> Any:
    from connectors.public_security.source import EmbeddedPublicSecuritySource

    return EmbeddedPublicSecuritySource(url)


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
    register=True,
    exists={"registered": "identities"},
)
