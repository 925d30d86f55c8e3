"""Building an agency's federation subgraph: GraphQL types derived from its typed records.

Each agency serves ``Person @key(fields: "idNumber")`` and ``Enterprise @key(fields: "uscc")``
with its own fields, plus its own entities. Entity fields resolve through per-request batch
loaders (``info.context["loaders"]``), so an ``_entities`` call for N subjects costs one source
call per look-up.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info


def record_type(
    record: type,
    name: str,
    *,
    description: str,
    nested: Mapping[type, Any] | None = None,
    key: str | None = None,
    reference: str | None = None,
) -> Any:
    """A strawberry type with the fields of dataclass ``record`` (nested records mapped).

    With ``key`` the type is an entity; ``reference`` names the batch method that resolves a
    representation ``{key: value}`` to the full record.
    """
    hints = typing.get_type_hints(record)
    annotations: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        hint = hints[f.name]
        origin = typing.get_origin(hint)
        if origin is list and nested and typing.get_args(hint)[0] in nested:
            hint = list[nested[typing.get_args(hint)[0]]]  # type: ignore[misc]
        annotations[f.name] = hint
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": record.__module__}
    if key and reference:
        key_attr = key

        async def resolve_reference(cls: type, info: Info, **representation: Any) -> Any:
            record = await info.context["loaders"].load(reference, representation[_camel(key_attr)])
            if record is None:
                return None
            # An instance of the entity type itself, so the _Entity union can resolve it.
            return cls(**{f.name: getattr(record, f.name) for f in dataclasses.fields(record)})

        namespace["resolve_reference"] = classmethod(resolve_reference)
    cls = type(name, (), namespace)
    if key:
        return strawberry.federation.type(cls, keys=[_camel(key)], description=description)
    return strawberry.type(cls, description=description)


class SubgraphLoaders:
    """Per-request DataLoaders over one source's batch methods."""

    def __init__(self, source: Any, many: frozenset[str]) -> None:
        self._source = source
        self._many = many
        self._loaders: dict[str, DataLoader[str, Any]] = {}

    def load(self, method: str, key: str) -> Any:
        dl = self._loaders.get(method)
        if dl is None:
            fn = getattr(self._source, method)
            many = method in self._many

            async def batch(keys: list[str]) -> list[Any]:
                found = await fn(keys)
                return [found.get(k) or ([] if many else None) for k in keys]

            dl = self._loaders[method] = DataLoader(batch)
        return dl.load(key)


def loader_field(method: str, returns: Any, *, key_attr: str, description: str) -> Any:
    """A resolver field that loads ``method`` for the entity's key attribute."""

    async def resolve(root: Any, info: Info) -> Any:
        return await info.context["loaders"].load(method, getattr(root, key_attr))

    resolve.__annotations__ = {"root": strawberry.Parent[Any], "info": Info, "return": returns}
    return strawberry.field(resolver=resolve, description=description)


def entity(name: str, key: str, fields: Mapping[str, Any], *, description: str) -> Any:
    """An entity type keyed by ``key`` (a ``str`` field) with the given resolver fields."""
    namespace: dict[str, Any] = {"__annotations__": {key: str}, **fields}
    cls = type(name, (), namespace)
    return strawberry.federation.type(cls, keys=[_camel(key)], description=description)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def build_subgraph(*, types: Sequence[Any]) -> Any:
    """A federation v2 schema whose only root field is a health probe; entities come via _entities."""

    @strawberry.type
    class Query:
        @strawberry.federation.field(
            shareable=True, description="Always true: the subgraph is serving"
        )
        def ok(self) -> bool:
            return True

    return strawberry.federation.Schema(query=Query, types=list(types))
