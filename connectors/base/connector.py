"""The connector spec: what an agency package hands the registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData

if TYPE_CHECKING:
    from connectors.base.world import World


@dataclass(frozen=True, slots=True)
class Connector:
    """One agency: its tables, how to open its embedded source, its generator and subgraph."""

    name: str  # registry key and config section: "real_estate"
    title: str  # the agency's name, for people: "不动产登记中心"
    metadata: MetaData  # the agency database's tables
    embedded: Callable[[str], Any]  # database URL -> embedded source
    generate: Callable[[World], dict[str, list[dict[str, Any]]]]  # synthetic rows per table
    subgraph: Callable[[Any], Any]  # source -> strawberry federation schema
    # Existence look-ups answered through another look-up when remote: "registered" -> "identities"
    exists: Mapping[str, str] = field(default_factory=dict)
    # Keeps a register of courts' measures on its assets (connectors.base.annotations): its
    # source reads it (``measures``), registers orders (``annotate``) and lapses ended terms.
    register: bool = False

    def database_file(self) -> str:
        return f"{self.name}.sqlite3"

    def remote(self, url: str, **options: Any) -> Any:
        """The remote source: this agency's service at ``url``, through its own subgraph."""
        from connectors.base.remote import RemoteSource

        lookups = self.subgraph(None).fyt_lookups
        return RemoteSource(
            self.name, url, lookups, exists=self.exists, register=self.register, **options
        )
