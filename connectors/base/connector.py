"""The connector spec: what an agency package hands the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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

    def database_file(self) -> str:
        return f"{self.name}.sqlite3"
