"""Building an agency's federation subgraph: GraphQL types derived from its typed records.

Each agency serves ``Person @key(fields: "idNumber")`` and ``Enterprise @key(fields: "uscc")``
with its own fields, plus its own entities. Entity fields resolve through per-request batch
loaders (``info.context["loaders"]``), so an ``_entities`` call for N subjects costs one source
call per look-up.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info
from strawberry.types.field import StrawberryField

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
            hint = types.GenericAlias(list, (nested[typing.get_args(hint)[0]],))
        annotations[f.name] = hint
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": record.__module__}
    if key and reference:
        key_attr = key

        async def resolve_reference(
            cls: type[Any], /, info: Info[Any, Any], **representation: Any
        ) -> Any:
            record = await info.context["loaders"].load(reference, representation[_camel(key_attr)])
            if record is None:
                return None
            # An instance of the entity type itself, so the _Entity union can resolve it.
            return cls(**{f.name: getattr(record, f.name) for f in dataclasses.fields(record)})

        namespace["resolve_reference"] = classmethod(resolve_reference)
    namespace["__fyt_record__"] = record
    if key and reference:
        namespace["__fyt_lookups__"] = [
            EntityLookup(reference, name, _camel(key), None, record, many=False)
        ]
    cls = type(name, (), namespace)
    TYPE_OF_RECORD[record] = name
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


@dataclasses.dataclass(frozen=True, slots=True)
class LoaderField:
    """An entity field that a batch method resolves (made by :func:`loader_field`)."""

    method: str
    record: type  # the dataclass the method returns per key
    many: bool
    field: StrawberryField


def loader_field(
    method: str, item: Any, *, many: bool, key_attr: str, description: str
) -> LoaderField:
    """A resolver field that loads ``method`` for the entity's key attribute: a list of the
    subgraph type ``item`` (``many``) or one of it, possibly null."""
    # The annotation strawberry reads: list[item] or item | None, made at run time (item is a
    # type built by record_type, which no static annotation can name).
    returns = types.GenericAlias(list, (item,)) if many else item | None

    async def resolve(root: strawberry.Parent[Any], info: Info[Any, Any]) -> Any:
        return await info.context["loaders"].load(method, getattr(root, key_attr))

    resolve.__annotations__["return"] = returns
    field = strawberry.field(resolver=resolve, description=description)
    record, _many = _record_of(returns)
    return LoaderField(method, record, many, field)


def entity(name: str, key: str, fields: Mapping[str, LoaderField], *, description: str) -> Any:
    """An entity type keyed by ``key`` (a ``str`` field) with the given resolver fields."""
    namespace: dict[str, Any] = {
        "__annotations__": {key: str},
        **{field_name: f.field for field_name, f in fields.items()},
        "__fyt_lookups__": [
            EntityLookup(f.method, name, _camel(key), _camel(field_name), f.record, f.many)
            for field_name, f in fields.items()
        ],
    }
    cls = type(name, (), namespace)
    return strawberry.federation.type(cls, keys=[_camel(key)], description=description)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class SubgraphSchema(strawberry.federation.Schema):
    """An agency's federation schema, with the look-ups its entity types serve (what a remote
    source asks ``_entities`` for)."""

    def __init__(self, *, query: type, types: Sequence[Any]) -> None:
        super().__init__(query=query, types=list(types))
        self.fyt_lookups: list[EntityLookup] = lookups_of(types)


def build_subgraph(*, types: Sequence[Any]) -> SubgraphSchema:
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
    return SubgraphSchema(query=query, types=types)


def _entry_point(cls: Any, arg: str, validate: Any, invalid: type[Exception]) -> Any:
    def resolve(**kwargs: str) -> Any:
        try:
            return cls(**{arg: validate(kwargs[arg])})
        except invalid:
            return None

    resolve.__annotations__ = {arg: str, "return": cls | None}
    # inspect.signature reads __signature__ from any function; typeshed does not declare it
    resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(arg, inspect.Parameter.KEYWORD_ONLY, annotation=str)],
        return_annotation=cls | None,
    )
    return resolve
