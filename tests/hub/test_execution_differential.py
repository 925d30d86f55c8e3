"""The hub's executor answers exactly as graphql-core's own, over the real schema.

``HubExecutionContext`` overrides graphql-core's (private) ``Executor.execute_field`` with a
shorter path for plain leaf fields and empty policy-only lists. Here the same documents go
through the real pipeline (HTTP, authentication, policy, loaders, audit) twice: with the hub's
executor, and with graphql-core's — strawberry's default execution context, which changes how
a resolve info is built but executes and completes fields with graphql-core's own code (checked
below). The answers must be the same, byte for byte: data, nulls, errors and their paths.

The schema is the real one plus test-only field extensions on some leaves without a resolver
(the real schema has none today): one reads ``info.context`` (what strawberry's ``_is_default``
flag once let the shortcut skip), one answers with an awaitable (an async leaf).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from graphql.execution import Executor
from strawberry.extensions.field_extension import FieldExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info

from hub.config import Settings
from hub.graphql.context import AuthedContext
from hub.graphql.execution import HubExecutionContext
from hub.graphql.query import Mutation, Query
from hub.graphql.schema import HubSchema, _strawberry_types
from tests.conftest import start_app
from tests.hub.queries import ENTERPRISE_FULL, PERSON_FULL, PERSONS_FULL

# graphql-core's own field execution, as strawberry's default context inherits it unchanged
GraphQLCoreExecutor = StrawberryGraphQLCoreExecutionContext


class ReadsContext(FieldExtension):
    """A leaf extension that needs the resolve info: it reads the operation's context."""

    calls = 0

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        assert isinstance(info.context, AuthedContext), info.context
        ReadsContext.calls += 1
        return next_(source, info, **kwargs)


class AnswersLater(FieldExtension):
    """A leaf extension whose value is awaitable (an async leaf), reading the context too."""

    calls = 0

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        context = info.context
        value = next_(source, info, **kwargs)

        async def later() -> Any:
            await asyncio.sleep(0)
            assert isinstance(context, AuthedContext), context
            AnswersLater.calls += 1
            return await value if inspect.isawaitable(value) else value

        return later()


# (type, python field name) -> the extension added for these tests
LEAF_EXTENSIONS: dict[tuple[str, str], type[FieldExtension]] = {
    ("Identity", "name"): ReadsContext,  # masked for some callers
    ("Identity", "gender"): AnswersLater,
    ("Person", "id_number"): ReadsContext,  # a subject's identifier
    ("PropertyOwner", "owner_id"): AnswersLater,  # an identifier, async
    ("RealEstate", "area"): ReadsContext,  # a Decimal
    ("Vehicle", "plate"): AnswersLater,
    ("SanctionCheckResult", "decision"): ReadsContext,  # an enum, non-null
    ("SanctionCheckResult", "legal_basis"): AnswersLater,  # mostly null
    ("Case", "amount"): AnswersLater,
}


def _schema_of(app: Any) -> HubSchema:
    for route in app.routes:
        view = getattr(getattr(route, "endpoint", None), "view", None)
        if view is not None:
            return view.schema  # type: ignore[no-any-return]
    raise AssertionError("no GraphQL view in the app")


@pytest.fixture(scope="module")
async def hub(app: Any, settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, HubSchema]]:
    """An app whose schema is the real one with the test leaf extensions. The session's app is
    built first (``app``), so that it never gets them."""
    added: list[tuple[Any, FieldExtension]] = []
    for cls in {t for root in (Query, Mutation) for t in _strawberry_types(root)}:
        definition = cls.__strawberry_definition__
        for field in definition.fields:
            extension = LEAF_EXTENSIONS.get((definition.name, field.python_name))
            if extension is not None:
                assert field.base_resolver is None, (definition.name, field.python_name)
                instance = extension()
                field.extensions.append(instance)
                added.append((field, instance))
    assert len(added) == len(LEAF_EXTENSIONS), added
    try:
        test_app, lifespan = await start_app(settings)
    finally:
        for field, instance in added:
            field.extensions.remove(instance)
    try:
        transport = httpx.ASGITransport(app=test_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client, _schema_of(test_app)
    finally:
        await lifespan.__aexit__(None, None, None)


def test_the_baseline_is_graphql_cores_own_field_execution() -> None:
    # strawberry's context only builds the resolve info its own way: executing and completing
    # fields is graphql-core's code, which the hub's context replaces for execute_field
    for name in ("execute_field", "complete_value", "complete_leaf_value", "handle_field_error"):
        assert getattr(GraphQLCoreExecutor, name) is getattr(Executor, name), name
    assert HubExecutionContext.execute_field is not Executor.execute_field


UNKNOWN_PERSON = "110101199003074477"  # valid, not in the demo

ALIASES_AND_FRAGMENTS = """
query($id: String!) {
  a: person(idNumber: $id) { ...P t: __typename }
  b: person(idNumber: $id) {
    identity { n: name name gender g: gender }
    ...P
    ... on Person { assets { vehicles { plate other: plate } } }
  }
}
fragment P on Person {
  idNumber
  identity { name gender }
  assets { realEstates { unitNumber area owners { ownerId share } } vehicles { plate status } }
}
"""

CHECKS = """query($ids: [String!], $m: String!) {
  sanctionChecks(matter: $m, idNumbers: $ids) {
    subjectKind subjectId decision legalBasis entries { entryId list role courtName caseNumber viaUscc }
  }
}"""

MINE = """{ me { userId org roles courtCode }
  myCases(first: 5) { caseNumber status amount parties { role subjectId } } }"""

CHANGES = """{ sanctionListChanges(first: 30) {
  hasMore nodes { change entryId list subjectKind subjectId name status revokedOn } } }"""

BAD_INPUT = """query($id: String!) { person(idNumber: $id) { idNumber identity { name } } }"""


def _normalise(body: Any) -> Any:
    """The answer without what differs between any two requests: nothing but the request id
    of an unexpected error."""
    for error in body.get("errors") or ():
        (error.get("extensions") or {}).pop("requestId", None)
    return body


async def _answers(
    client: httpx.AsyncClient, schema: HubSchema, token: str, query: str, variables: dict[str, Any]
) -> list[Any]:
    async def ask() -> Any:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return _normalise(response.json())

    assert schema.execution_context_class is HubExecutionContext
    first = await ask()  # plans and field shapes made on the way
    schema.execution_context_class = GraphQLCoreExecutor
    try:
        plain = await ask()
    finally:
        schema.execution_context_class = HubExecutionContext
    again = await ask()  # with everything cached: the shortcuts' path
    return [first, plain, again]


async def _listed(client: httpx.AsyncClient, reader: str) -> list[str]:
    """Persons on a list (so that some checks BLOCK, with entries)."""
    response = await client.post(
        "/graphql", json={"query": CHANGES}, headers={"Authorization": f"Bearer {reader}"}
    )
    nodes = response.json()["data"]["sanctionListChanges"]["nodes"]
    listed = [n["subjectId"] for n in nodes if n["subjectKind"] == "PERSON"][:6]
    assert listed, nodes
    return listed


async def _cases(
    client: httpx.AsyncClient, demo: dict[str, Any], tokens: dict[str, str], reader: str
) -> dict[str, tuple[str, str, dict[str, Any]]]:
    person = demo["samples"]["persons"][0]
    other = demo["samples"]["persons"][1]
    enterprise = demo["samples"]["enterprises"][0]
    foreign = demo["samples"]["otherCourtPersons"][0]
    ids = [p["idNumber"] for p in demo["samples"]["persons"][:12]] + await _listed(client, reader)
    return {
        "reader-person": (reader, PERSON_FULL, {"id": person["idNumber"]}),
        "reader-persons-with-unknown": (
            reader,
            PERSONS_FULL,
            {"ids": [person["idNumber"], UNKNOWN_PERSON, other["idNumber"]]},
        ),
        "reader-enterprise": (reader, ENTERPRISE_FULL, {"uscc": enterprise["uscc"]}),
        "reader-aliases-fragments": (reader, ALIASES_AND_FRAGMENTS, {"id": person["idNumber"]}),
        "judge-person-with-case": (
            tokens["judge-zhang"],
            PERSON_FULL,
            {"id": person["idNumber"], "case": person["caseNumber"]},
        ),
        "judge-other-court": (
            tokens["judge-zhang"],
            PERSON_FULL,
            {"id": foreign["idNumber"], "case": foreign["caseNumber"]},
        ),
        "judge-own-cases": (tokens["judge-zhang"], MINE, {}),
        "registry-masked-and-denied": (
            tokens["registry-wang"],
            PERSON_FULL,
            {"id": person["idNumber"]},
        ),
        "police-aliases-fragments": (
            tokens["police-chen"],
            ALIASES_AND_FRAGMENTS,
            {"id": person["idNumber"]},
        ),
        "approval-checks": (
            tokens["approval-market"],
            CHECKS,
            {"ids": [*ids, *ids[:3]], "m": "LH-COMPANY-OFFICER"},
        ),
        "approval-changes": (tokens["approval-market"], CHANGES, {}),
        "reader-changes": (reader, CHANGES, {}),
        "bad-identifier": (reader, BAD_INPUT, {"id": "110101199003074478"}),
    }


# the cases whose answers carry errors: refused purpose, denied fields, a bad identifier
WITH_ERRORS = {
    "judge-other-court",
    "registry-masked-and-denied",
    "police-aliases-fragments",
    "bad-identifier",
    "approval-changes",  # approval systems may not see who is listed
}
CASES = [
    "reader-person",
    "reader-persons-with-unknown",
    "reader-enterprise",
    "reader-aliases-fragments",
    "judge-person-with-case",
    "judge-other-court",
    "judge-own-cases",
    "registry-masked-and-denied",
    "police-aliases-fragments",
    "approval-checks",
    "approval-changes",
    "reader-changes",
    "bad-identifier",
]


@pytest.mark.parametrize("case", CASES)
async def test_the_hub_executor_answers_as_graphql_core(
    hub: tuple[httpx.AsyncClient, HubSchema],
    demo: dict[str, Any],
    tokens: dict[str, str],
    mint: Any,
    case: str,
) -> None:
    # given one document of the real API, asked by one caller
    client, schema = hub
    reader = mint(sub="differential-reader", org="court:370602", roles=("test_reader",))
    token, query, variables = (await _cases(client, demo, tokens, reader))[case]
    before = (ReadsContext.calls, AnswersLater.calls)
    # when it runs through the hub's executor, graphql-core's, and the hub's again
    first, plain, again = await _answers(client, schema, token, query, variables)
    # then the three answers are the same
    assert first == plain, case
    assert again == plain, case
    # and the answer is a real one (data, or the errors the case is about)
    assert plain.get("data") is not None or plain.get("errors"), plain
    assert bool(plain.get("errors")) == (case in WITH_ERRORS), plain
    if case == "approval-checks":  # both decisions, entries and empty lists
        results = plain["data"]["sanctionChecks"]
        assert {r["decision"] for r in results} == {"ALLOW", "BLOCK"}, results
        assert any(r["entries"] for r in results) and any(not r["entries"] for r in results)
    # and the test leaf extensions ran wherever their fields were asked for
    if case not in ("judge-other-court", "bad-identifier", "approval-changes", "reader-changes"):
        assert (ReadsContext.calls, AnswersLater.calls) != before, case
