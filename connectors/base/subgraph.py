"""Building an agency's federation subgraph: GraphQL types derived from its typed records.

Each agency serves ``Person @key(fields: "idNumber")`` and ``Enterprise @key(fields: "uscc")``
with its own fields, plus its own entities. Entity fields resolve through per-request batch
loaders (``info.context["loaders"]``), so an ``_entities`` call for N subjects costs one source
call per look-up.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

# The subgraph type each record is served as (filled by record_type); remote sources use it to
# build selection sets and to name the types the hub's policy speaks of.
TYPE_OF_RECORD: dict[type, str] = {}


@dataclasses.dataclass(frozen=True, slots=True)
class EntityLookup:
    """A source batch method as the subgraph serves it: ``_entities`` of ``typename`` by ``key``,
    then ``field`` of each entity (``None``: the entity itself, a reference look-up)."""

    method: str
    typename: str
    key: str  # GraphQL name of the key field: idNumber, uscc, plate, …
    field: str | None  # GraphQL name of the entity field, or None
    record: type  # the dataclass the method returns (per key: one, a list, or None)
    many: bool


def lookups_of(types: Sequence[Any]) -> list[EntityLookup]:
    """Every look-up the given subgraph types serve."""
    return [lookup for t in types for lookup in getattr(t, "__fyt_lookups__", ())]


def _record_of(returns: Any) -> tuple[type, bool]:
    """The record dataclass behind a field's return annotation, and whether it is a list."""
    many = typing.get_origin(returns) is list
    inner = typing.get_args(returns)[0] if many else returns
    for arg in typing.get_args(inner) or (inner,):  # X | None
        record = getattr(arg, "__fyt_record__", None)
        if record is not None:
            return record, many
    raise TypeError(f"no record type behind {returns!r}")


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
    cls.__fyt_record__ = record  # type: ignore[attr-defined]
    TYPE_OF_RECORD[record] = name
    if key and reference:
        cls.__fyt_lookups__ = [  # type: ignore[attr-defined]
            EntityLookup(reference, name, _camel(key), None, record, many=False)
        ]
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
    field = strawberry.field(resolver=resolve, description=description)
    field.__fyt_method__ = (method, returns)  # type: ignore[attr-defined]
    return field


def entity(name: str, key: str, fields: Mapping[str, Any], *, description: str) -> Any:
    """An entity type keyed by ``key`` (a ``str`` field) with the given resolver fields."""
    namespace: dict[str, Any] = {"__annotations__": {key: str}, **fields}
    cls = type(name, (), namespace)
    lookups = []
    for field_name, f in fields.items():
        method, returns = f.__fyt_method__
        record, many = _record_of(returns)
        lookups.append(EntityLookup(method, name, _camel(key), _camel(field_name), record, many))
    cls.__fyt_lookups__ = lookups  # type: ignore[attr-defined]
    return strawberry.federation.type(cls, keys=[_camel(key)], description=description)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def build_subgraph(*, types: Sequence[Any]) -> Any:
    """A federation v2 schema over ``types``; entities come via ``_entities``.

    Root fields: ``ok`` (a health probe) and, where the subgraph serves them, ``person(idNumber)``
    and ``enterprise(uscc)``: entry points a federated gateway starts a query plan from. They
    are shareable (every agency has them), look nothing up, and answer null for a key that is
    not a valid identifier.
    """
    from connectors.base.identifiers import InvalidIdentifier, validate_id_number, validate_uscc

    by_name = {t.__strawberry_definition__.name: t for t in types}
    namespace: dict[str, Any] = {"__annotations__": {}}

    def ok() -> bool:
        return True

    namespace["ok"] = strawberry.federation.field(
        resolver=ok, shareable=True, description="Always true: the subgraph is serving"
    )
    for type_name, arg, validate, description in (
        ("Person", "id_number", validate_id_number, "A person by ID number (an entry point)"),
        ("Enterprise", "uscc", validate_uscc, "An enterprise by USCC (an entry point)"),
    ):
        cls = by_name.get(type_name)
        if cls is None:
            continue
        namespace[type_name.lower()] = strawberry.federation.field(
            resolver=_entry_point(cls, arg, validate, InvalidIdentifier),
            shareable=True,
            description=description,
        )
    query = strawberry.type(type("Query", (), namespace))
    schema = strawberry.federation.Schema(query=query, types=list(types))
    schema.fyt_lookups = lookups_of(types)  # type: ignore[attr-defined]
    return schema


def _entry_point(cls: Any, arg: str, validate: Any, invalid: type[Exception]) -> Any:
    def resolve(**kwargs: str) -> Any:
        try:
            return cls(**{arg: validate(kwargs[arg])})
        except invalid:
            return None

    resolve.__annotations__ = {arg: str, "return": cls | None}
    resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(arg, inspect.Parameter.KEYWORD_ONLY, annotation=str)],
        return_annotation=cls | None,
    )
    return resolve
