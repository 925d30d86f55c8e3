"""GraphQL types derived from typed records: the record's fields, with the hub's rules on them.

The agency subgraphs serve their records as they are (``connectors.base.subgraph.record_type``);
the hub serves the same records with more said about each field. A class decorated with
:func:`from_record` declares only that: a field's description or mask rule
(``vin = masked(Mask.CERTIFICATE)``), resolver fields, and which fields have a GraphQL type of
their own (an enum for a status string, the hub's type for a nested record). Its fields are the
record's, in the record's order, every one nullable (an agency may withhold any value); the
resolver fields follow them.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from strawberry.types.field import StrawberryField

_CLASS_ATTRIBUTES = frozenset(
    {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__annotations__"}
)


def from_record(
    record: type,
    *,
    description: str,
    types: Mapping[str, Any] | None = None,
    omit: tuple[str, ...] = (),
) -> Callable[[type], Any]:
    """A strawberry type with the fields of dataclass ``record`` (less ``omit``), each ``T |
    None``; ``types`` gives a field's GraphQL type instead of the record's (an enum, or the
    hub's type of a nested record: ``{"owners": list[PropertyOwner]}``)."""
    hints = typing.get_type_hints(record)
    names = [f.name for f in dataclasses.fields(record) if f.name not in omit]
    overrides = dict(types or {})
    unknown = sorted((set(overrides) | set(omit)) - set(hints))
    if unknown:
        raise TypeError(f"{record.__name__} has no field {', '.join(unknown)}")

    def derive(cls: type) -> Any:
        if inspect.get_annotations(cls):
            raise TypeError(f"{cls.__name__}: fields come from {record.__name__}, not annotations")
        for name, value in cls.__dict__.items():
            if (
                isinstance(value, StrawberryField)
                and value.base_resolver is None
                and name not in names
            ):
                raise TypeError(f"{cls.__name__}.{name} is not a field of {record.__name__}")
        namespace: dict[str, Any] = {
            "__annotations__": {name: overrides.get(name, hints[name]) | None for name in names},
            **{k: v for k, v in cls.__dict__.items() if k not in _CLASS_ATTRIBUTES},
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "__fyt_record__": record,
        }
        derived = type(cls.__name__, (), namespace)
        return strawberry.type(derived, description=description)

    return derive
