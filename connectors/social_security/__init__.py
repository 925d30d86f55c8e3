"""The social_security connector (人力资源和社会保障局): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.base.connector import Connector
from connectors.social_security.models import metadata

if TYPE_CHECKING:
    from connectors.base.remote import RemoteSource
    from connectors.base.source import DatabaseSource


def _embedded(url: str) -> DatabaseSource:
    from connectors.social_security.source import EmbeddedSocialSecuritySource

    return EmbeddedSocialSecuritySource(url)


def _remote() -> type[RemoteSource]:
    from connectors.social_security.remote import RemoteSocialSecuritySource

    return RemoteSocialSecuritySource


def _generate(world: Any) -> dict[str, list[dict[str, Any]]]:
    from connectors.social_security.synth import generate

    return generate(world)


def _subgraph(source: Any) -> Any:
    from connectors.social_security.subgraph import build_schema

    return build_schema(source)


CONNECTOR = Connector(
    name="social_security",
    title="人力资源和社会保障局",
    metadata=metadata,
    embedded=_embedded,
    generate=_generate,
    subgraph=_subgraph,
    remote_source=_remote,
)
