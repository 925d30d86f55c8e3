"""The policy-controlled fields of the live schema, with the mask rule each declares."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType, get_named_type, is_leaf_type

from hub.policy.masking import MASK_METADATA, SUBJECT_KIND_METADATA
from hub.policy.table import FieldInfo

# The caller's own account is not subject data.
UNCONTROLLED = frozenset({"Query.me", "Me"})


def schema_fields(schema: Any) -> dict[str, FieldInfo]:
    """coordinate -> FieldInfo for every field of every object type a policy governs."""
    converter = schema.schema_converter
    out: dict[str, FieldInfo] = {}
    for type_name, graphql_type in schema._schema.type_map.items():
        if type_name.startswith("__") or type_name in UNCONTROLLED:
            continue
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        entry = converter.type_map.get(type_name)
        definition = getattr(entry, "definition", None)
        by_name = {}
        for f in getattr(definition, "fields", ()):
            by_name[converter.config.name_converter.get_graphql_name(f)] = f
        for graphql_name, gql_field in graphql_type.fields.items():
            coordinate = f"{type_name}.{graphql_name}"
            if coordinate in UNCONTROLLED:
                continue
            sf = by_name.get(graphql_name)
            metadata = (sf.metadata or {}) if sf is not None else {}
            out[coordinate] = FieldInfo(
                coordinate=coordinate,
                type_name=type_name,
                graphql_name=graphql_name,
                python_name=sf.python_name if sf is not None else graphql_name,
                mask=metadata.get(MASK_METADATA),
                kind_attr=metadata.get(SUBJECT_KIND_METADATA),
                is_leaf=is_leaf_type(get_named_type(gql_field.type)),
            )
    return out
