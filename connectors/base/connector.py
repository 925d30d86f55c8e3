"""The connector spec: what an agency package hands the registry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData

if TYPE_CHECKING:
    import httpx

    from connectors.base.remote import RemoteSource
    from connectors.base.source import DatabaseSource
    from connectors.base.subgraph import SubgraphSchema
    from connectors.base.world import World


@dataclass(frozen=True, slots=True)
class Connector:
    """One agency: its tables, how to open its embedded source, its generator and subgraph."""

    name: str  # registry key and config section: "real_estate"
    title: str  # the agency's name, for people: "不动产登记中心"
    metadata: MetaData  # the agency database's tables
    embedded: Callable[[str], DatabaseSource]  # database URL -> embedded source
    generate: Callable[[World], dict[str, list[dict[str, Any]]]]  # synthetic rows per table
    subgraph: Callable[[Any], SubgraphSchema]  # source -> strawberry federation schema
    remote_source: Callable[[], type[RemoteSource]]  # the agency's RemoteSource subclass
    # Keeps a register of courts' measures on its assets (connectors.base.annotations): its
    # sources read it (``measures``), register orders (``annotate``), and lapse ended terms.
    register: bool = False
    # A connector kind with many instances (banks: ``bank:<code>``) names its package and its
    # subgraph's SDL file by the kind; a one-service agency's kind is its name.
    kind: str = ""
    package_name: str = ""  # the package under ``connectors`` when it is not ``name``
    # Calls of its service beyond the subgraph and the register (``POST /<kind>/<what>``): a
    # handler (source, what, JSON body) -> (HTTP status, JSON answer); banks answer freezes and
    # transfers this way.
    calls: Callable[[], Callable[[Any, str, Any], Awaitable[tuple[int, Any]]]] | None = None

    @property
    def package(self) -> str:
        """The agency package under ``connectors`` (its records, subgraph, …)."""
        return self.package_name or self.name

    @property
    def sdl_name(self) -> str:
        """The name of its subgraph's committed SDL: ``schema/subgraphs/<sdl_name>.graphql``."""
        return self.kind or self.name

    def database_file(self) -> str:
        return f"{self.name.replace(':', '_')}.sqlite3"

    def env_name(self) -> str:
        """The name in variables: ``HUB_<ENV_NAME>_DATABASE_URL`` (``BANK_102`` for bank:102)."""
        return self.name.replace(":", "_").upper()

    def remote(
        self,
        url: str,
        *,
        timeout: float = 2.0,
        max_connections: int = 64,
        token: str | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> RemoteSource:
        """The remote source: this agency's service at ``url``, through its own subgraph."""
        return self.remote_source()(
            self.name,
            url,
            self.subgraph(None).fyt_lookups,
            timeout=timeout,
            max_connections=max_connections,
            token=token,
            client=client,
        )


def agency_connector(
    name: str,
    title: str,
    metadata: MetaData,
    *,
    embedded: str,
    remote: str,
    register: bool = False,
) -> Connector:
    """The connector of a one-service agency whose package ``connectors.<name>`` holds its
    embedded source class ``embedded`` (module ``source``), its RemoteSource subclass ``remote``
    (module ``remote``), ``generate`` (module ``synth``) and ``build_schema`` (module
    ``subgraph``); each module is imported when first used, not with the package."""
    package = f"connectors.{name}"

    def _from(module: str, attribute: str) -> Any:
        return getattr(import_module(f"{package}.{module}"), attribute)

    def _embedded(url: str) -> DatabaseSource:
        source: DatabaseSource = _from("source", embedded)(url)
        return source

    def _remote() -> type[RemoteSource]:
        source_class: type[RemoteSource] = _from("remote", remote)
        return source_class

    def _generate(world: World) -> dict[str, list[dict[str, Any]]]:
        rows: dict[str, list[dict[str, Any]]] = _from("synth", "generate")(world)
        return rows

    def _subgraph(source: Any) -> SubgraphSchema:
        schema: SubgraphSchema = _from("subgraph", "build_schema")(source)
        return schema

    return Connector(
        name=name,
        title=title,
        metadata=metadata,
        embedded=_embedded,
        generate=_generate,
        subgraph=_subgraph,
        remote_source=_remote,
        register=register,
    )
