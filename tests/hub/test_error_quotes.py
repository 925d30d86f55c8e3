"""An error message quotes at most the first characters of a caller's value (README "Errors").

A rulingNumber of 10,000 characters was answered with a message of 10,162 characters, a
caseNumber of 10,000 digits likewise: the message quoted the whole value. Every text argument of
every query and mutation — at the top level and inside input objects — is sent a value of
10,000 characters here, by each kind of caller, and no message may be longer than a sentence
with a short quote.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)

from hub.errors import QUOTE_LIMIT
from tests.conftest import Api

LONG_DIGITS = "1" * 10_000
LONG_TEXT = "鲁A" * 5_000
MAX_MESSAGE = 600  # characters: a sentence or two with a quote of at most QUOTE_LIMIT
CALLERS = ("judge-zhang", "police-chen", "registry-wang", "bank-qian", "auditor-sun")

SCALARS = {
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2026-01-01T00:00:00Z",
    "Date": "2026-01-01",
    "Decimal": "1.00",
    "JSON": {},
}


def _plain(type_: GraphQLInputType) -> tuple[GraphQLInputType, bool]:
    required = isinstance(type_, GraphQLNonNull)
    return (type_.of_type if required else type_), required


def sample(type_: GraphQLInputType, path: tuple[str, ...], long: Any) -> Any:
    """A value of ``type_``: ``long`` where ``path`` (a list of field names) leads to text,
    short plausible values for what is required elsewhere, nothing for the rest."""
    plain, _ = _plain(type_)
    if isinstance(plain, GraphQLList):
        return [sample(plain.of_type, path, long)]
    if isinstance(plain, GraphQLInputObjectType):
        out = {}
        for name, field in plain.fields.items():
            _, required = _plain(field.type)
            if path and path[0] == name:
                out[name] = sample(field.type, path[1:], long)
            elif required:
                out[name] = sample(field.type, (), None)
        return out
    if isinstance(plain, GraphQLEnumType):
        return next(iter(plain.values))
    assert isinstance(plain, GraphQLScalarType)
    if plain.name in ("String", "ID"):
        return long if long is not None else "x"
    return SCALARS.get(plain.name, "x")


def text_paths(type_: GraphQLInputType, depth: int = 0) -> list[tuple[str, ...]]:
    """The paths inside an input type that lead to text (String, ID), to a depth of three."""
    plain, _ = _plain(type_)
    if isinstance(plain, GraphQLList):
        return text_paths(plain.of_type, depth)
    if isinstance(plain, GraphQLInputObjectType) and depth < 3:
        return [
            (name, *rest)
            for name, field in plain.fields.items()
            for rest in text_paths(field.type, depth + 1)
        ]
    if isinstance(plain, GraphQLScalarType) and plain.name in ("String", "ID"):
        return [()]
    return []


def cases_of(schema: Any) -> list[Any]:
    out = []
    for op, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                for path in text_paths(arg.type):
                    where = ".".join((name, arg_name, *path))
                    out.append(pytest.param(op, name, arg_name, path, id=where))
    return out


def document(schema: Any, op: str, name: str) -> str:
    root = schema.query_type if op == "query" else schema.mutation_type
    field = root.fields[name]
    declared = ", ".join(f"${a}: {t.type}" for a, t in field.args.items())
    passed = ", ".join(f"{a}: ${a}" for a in field.args)
    returned = field.type
    while isinstance(returned, GraphQLNonNull | GraphQLList):
        returned = returned.of_type
    if isinstance(returned, GraphQLObjectType) and "errors" in returned.fields:
        selection = "{ __typename errors { message } }"
    elif isinstance(returned, GraphQLScalarType | GraphQLEnumType):
        selection = ""
    else:
        selection = "{ __typename }"
    head = f"{op}({declared})" if declared else op
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {selection} }}"


def messages(body: dict[str, Any]) -> list[str]:
    out = [e["message"] for e in body.get("errors") or []]
    for value in (body.get("data") or {}).values():
        for payload in value if isinstance(value, list) else [value]:
            if isinstance(payload, dict):
                out += [e["message"] for e in payload.get("errors") or []]
    return out


def _schema() -> Any:
    from hub.graphql.schema import build_schema

    return build_schema()._schema


SCHEMA = _schema()


@pytest.mark.parametrize(("op", "name", "arg", "path"), cases_of(SCHEMA))
async def test_no_message_quotes_a_long_value_whole(
    api: Api, tokens: dict[str, str], op: str, name: str, arg: str, path: tuple[str, ...]
) -> None:
    field = (SCHEMA.query_type if op == "query" else SCHEMA.mutation_type).fields[name]
    query = document(SCHEMA, op, name)
    for long in (LONG_DIGITS, LONG_TEXT):
        variables = {
            a: sample(t.type, path if a == arg else (), long if a == arg else None)
            for a, t in field.args.items()
            if a == arg or isinstance(t.type, GraphQLNonNull)
        }
        for caller in CALLERS:
            body = await api.query(query, variables, token=tokens[caller])
            for message in messages(body):
                assert len(message) <= MAX_MESSAGE, (caller, len(message), message[:300])
                assert long[: QUOTE_LIMIT + 1] not in message, (caller, message[:300])


async def test_a_long_case_and_ruling_number_are_quoted_cut(
    api: Api, tokens: dict[str, str]
) -> None:
    """The two values of the finding: the quote is the value's first QUOTE_LIMIT characters and
    an ellipsis."""
    body = await api.query(
        """query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) {
        idNumber } }""",
        {"id": "370602198001011234", "case": LONG_DIGITS},
        token=tokens["judge-zhang"],
    )
    [error] = body["errors"]
    assert error["extensions"]["rule"] == "CASE_NUMBER_FORMAT"
    assert "1" * QUOTE_LIMIT + "…" in error["message"]
    assert "1" * (QUOTE_LIMIT + 1) not in error["message"]
    ruling = "（2026）鲁0602执" + LONG_DIGITS
    body = await api.query(
        """mutation($id: String!, $input: FreezeOrderReleaseInput!) {
        freezeOrderRelease(id: $id, input: $input) { errors { message field rule } } }""",
        {"id": "FO-2026-000000000000", "input": {"rulingNumber": ruling, "reason": "已履行"}},
        token=tokens["judge-zhang"],
    )
    [error] = body["data"]["freezeOrderRelease"]["errors"]
    assert error["field"] == "rulingNumber"
    assert ruling[:QUOTE_LIMIT] + "…" in error["message"]
    assert len(error["message"]) <= MAX_MESSAGE


async def test_the_documents_own_values_and_names_are_quoted_cut(api: Api) -> None:
    """What graphql-core and the transport quote of the request itself — an enum literal, an
    unknown input field, an operation name, a path — is cut as the hub's own quotes are."""
    z = "Z" * 20_000

    def short(message: str) -> None:
        assert "Z" * (QUOTE_LIMIT - 1) + "…" in message, message[:200]
        assert "Z" * (QUOTE_LIMIT + 1) not in message
        assert len(message) <= MAX_MESSAGE

    # an enum literal inline, and an unknown input field (quoted twice by graphql-core)
    for document in (
        "{ policeRequests(filter: {kind: " + z + "}) { totalCount } }",
        "{ policeRequests(filter: {kind: LOCATE, " + z + ": 1}) { totalCount } }",
    ):
        response = await api.post(document)
        for error in response.json()["errors"]:
            short(error["message"])
    # an operation name the document does not have
    response = await api.client.post(
        "/graphql",
        json={"query": "query A { me { id } }", "operationName": z[:10_000]},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 400
    for error in response.json()["errors"]:
        short(error["message"])
    # a path nothing is at
    response = await api.client.get("/" + z[:8_000])
    assert response.status_code == 404
    for error in response.json()["errors"]:
        short(error["message"])
