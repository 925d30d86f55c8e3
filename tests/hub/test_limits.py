"""Query limits: depth, references, aliases, tokens, cost, batches; production switches."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from connectors.base.identifiers import make_id_number
from connectors.base.world import build_world
from tests.conftest import TEST_PERSONS, TEST_SEED, Api, start_app

DEEP_FIELDS = """query($u:String!){ enterprise(uscc:$u){ registration { legalRepresentative { assets {
  equities { enterprise { assets { realEstates { owners { ownerId } mortgages { mortgagee } } } } } } } } } }"""
MANY_ALIASES = (
    "query($id:String!){ "
    + " ".join(f"a{i}: person(idNumber:$id){{ idNumber }}" for i in range(51))
    + " }"
)
FEW_ALIASES = (
    "query($id:String!){ "
    + " ".join(f"a{i}: person(idNumber:$id){{ idNumber }}" for i in range(3))
    + " }"
)
COSTLY = """query($ids:[String!]!){ persons(idNumbers:$ids){ assets { equities { enterprise {
  shareholders { holder { ... on Enterprise { assets { realEstates { unitNumber } } } } } } } } } }"""
CHEAP = "query($ids:[String!]!){ persons(idNumbers:$ids){ identity { name } } }"
INTROSPECTION = "{ __schema { types { name } } }"
INTROSPECTION_IN_FRAGMENT = "{ ...F } fragment F on Query { __schema { queryType { name } } }"
TYPE_LOOKUP = '{ __type(name: "Person") { fields { name } } }'


def limit_of(body: dict[str, Any]) -> list[str | None]:
    return [
        e["extensions"].get("limit")
        for e in body["errors"]
        if e["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    ]


KNOWN = [p.id_number for p in build_world(TEST_SEED, TEST_PERSONS).persons]


def ids(n: int) -> list[str]:
    """n ID numbers: persons of the test world while there are enough (a user may name only
    a few unknown ones a day), then made-up ones (for queries refused before any look-up)."""
    if n <= len(KNOWN):
        return KNOWN[:n]
    return [
        make_id_number("370602", date(1980 + i // 500, 1, 1), i % 500, male=True) for i in range(n)
    ]


async def test_depth_is_limited(shallow: Api, demo: dict[str, Any]) -> None:
    # given a hub allowing 8 levels and a query nesting fields 10 deep (within the reference limit)
    body = await shallow.query(DEEP_FIELDS, {"u": demo["samples"]["enterprises"][0]["uscc"]})
    # then it is refused before running, naming the limit
    assert body.get("data") is None
    assert "DEPTH" in limit_of(body)


async def test_many_aliases_of_one_field_are_refused(reader: Api, demo: dict[str, Any]) -> None:
    body = await reader.query(MANY_ALIASES, {"id": demo["samples"]["persons"][0]["idNumber"]})
    assert limit_of(body) == ["ALIASES"]
    assert "51 aliases" in body["errors"][0]["message"]


async def test_a_few_aliases_are_fine(reader: Api, demo: dict[str, Any]) -> None:
    pid = demo["samples"]["persons"][0]["idNumber"]
    body = await reader.query(FEW_ALIASES, {"id": pid})
    assert "errors" not in body
    assert body["data"]["a2"] == {"idNumber": pid}


async def test_token_limit(reader: Api) -> None:
    # given a document of more than 5,000 tokens
    query = "{ " + " ".join(["a"] * 5001) + " }"
    body = await reader.query(query)
    assert limit_of(body) == ["TOKENS"]


async def test_cost_counts_subject_lists_by_length(recorded_reader: tuple[Api, Any]) -> None:
    # given 1,000 subjects with nested lists under each (cost above the limit)
    api, sources = recorded_reader
    body = await api.query(COSTLY, {"ids": ids(1000)})
    # then refused with the cost named, and nothing fetched
    assert limit_of(body) == ["COST"]
    assert "at most 50,000" in body["errors"][0]["message"]
    assert all(not s.calls for s in sources.values())


async def test_the_same_query_is_fine_for_few_subjects(reader: Api) -> None:
    body = await reader.query(COSTLY, {"ids": ids(3)})
    assert "errors" not in body, body


async def test_a_cheap_query_over_many_subjects_is_fine(reader: Api) -> None:
    # every person of the test world (unknown ID numbers are limited: test_probing.py)
    body = await reader.query(CHEAP, {"ids": KNOWN})
    assert "errors" not in body
    assert len(body["data"]["persons"]) == len(KNOWN) == TEST_PERSONS


async def test_cost_counts_literal_lists(reader: Api) -> None:
    literal = "[" + ",".join(f'"{i}"' for i in ids(1000)) + "]"
    body = await reader.query(COSTLY.replace("query($ids:[String!]!)", "").replace("$ids", literal))
    assert limit_of(body) == ["COST"]


async def test_batched_operations_are_limited(reader: Api) -> None:
    ops = [{"query": "{ me { userId } }"}] * 11
    response = await reader.client.post(
        "/graphql", json=ops, headers={"Authorization": f"Bearer {reader.token}"}
    )
    assert response.status_code == 400
    assert "at most 10 operations" in response.text


async def test_a_small_batch_runs_every_operation(reader: Api, demo: dict[str, Any]) -> None:
    pid = demo["samples"]["persons"][0]["idNumber"]
    ops = [
        {"query": "{ me { userId } }"},
        {
            "query": "query($id:String!){ person(idNumber:$id){ idNumber } }",
            "variables": {"id": pid},
        },
    ]
    response = await reader.client.post(
        "/graphql", json=ops, headers={"Authorization": f"Bearer {reader.token}"}
    )
    assert response.status_code == 200
    assert [r["data"] for r in response.json()] == [
        {"me": {"userId": "test-reader"}},
        {"person": {"idNumber": pid}},
    ]


async def test_introspection_is_available_in_development(reader: Api) -> None:
    body = await reader.query(INTROSPECTION)
    assert "Person" in {t["name"] for t in body["data"]["__schema"]["types"]}


@pytest.fixture(scope="module")
async def production(settings: Any, tokens: dict[str, str]) -> Any:
    app, lifespan = await start_app(settings.replace(env="production"))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.test")
    try:
        yield Api(client, tokens["reader"])
    finally:
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture(scope="module")
async def shallow(settings: Any, tokens: dict[str, str]) -> Any:
    app, lifespan = await start_app(settings.replace(max_query_depth=8))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.test")
    try:
        yield Api(client, tokens["reader"])
    finally:
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


async def test_depth_within_the_limit_runs(reader: Api, demo: dict[str, Any]) -> None:
    body = await reader.query(DEEP_FIELDS, {"u": demo["samples"]["enterprises"][0]["uscc"]})
    assert "errors" not in body


@pytest.fixture(scope="module")
async def recorded_reader(settings: Any, tokens: dict[str, str]) -> Any:
    from tests.fakes import wrapped_sources

    sources = wrapped_sources(settings)
    app, lifespan = await start_app(settings, sources)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.test")
    try:
        yield Api(client, tokens["reader"]), sources
    finally:
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.mark.parametrize(
    "query",
    [INTROSPECTION, INTROSPECTION_IN_FRAGMENT, TYPE_LOOKUP],
    ids=["schema", "schema-in-fragment", "type"],
)
async def test_introspection_is_off_in_production(production: Api, query: str) -> None:
    body = await production.query(query)
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_names_that_look_like_introspection_do_not_bypass(production: Api) -> None:
    # an operation and a fragment *named* __schema still cannot reach __schema, and are harmless
    body = await production.query(
        "query __schema { ...__schema } fragment __schema on Query { __schema { types { name } } }"
    )
    assert body.get("data") is None
    assert any("introspection" in e["message"].lower() for e in body["errors"])
    harmless = await production.query("query __schema { me { userId } }")
    assert harmless["data"] == {"me": {"userId": "test-reader"}}


async def test_typename_still_works_in_production(production: Api) -> None:
    body = await production.query("{ __typename }")
    assert body["data"] == {"__typename": "Query"}


async def test_no_field_suggestions_in_production(production: Api, reader: Api) -> None:
    query = "{ mee { userId } }"
    dev = await reader.query(query)
    prod = await production.query(query)
    assert "Did you mean" in dev["errors"][0]["message"]
    assert "Did you mean" not in prod["errors"][0]["message"]


async def test_no_graphiql_in_production(production: Api) -> None:
    response = await production.client.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in response.text.lower()


async def test_cost_counts_a_list_in_a_variables_default_value(
    recorded_reader: tuple[Api, Any],
) -> None:
    # given the 1,000 subjects as the default value of a variable that is not sent
    api, sources = recorded_reader
    literal = "[" + ",".join(f'"{i}"' for i in ids(1000)) + "]"
    query = COSTLY.replace("query($ids:[String!]!)", f"query($ids:[String!]! = {literal})")
    # when it is run without variables
    body = await api.query(query, {})
    # then the default counts as if it had been sent, and nothing is fetched
    assert limit_of(body) == ["COST"]
    assert all(not s.calls for s in sources.values())


async def test_a_batch_is_costed_as_a_whole(reader: Api) -> None:
    # given two operations of cost 1 + 100 (the subjects named) + 322 × 100 = 32,301 each
    # (each under 50,000, together over)
    op = {"query": COSTLY, "variables": {"ids": ids(100)}}
    # when they come in one batched request
    response = await reader.client.post(
        "/graphql", json=[op, op], headers={"Authorization": f"Bearer {reader.token}"}
    )
    # then one runs and the other is refused by the batch's budget
    answers = response.json()
    refused = [a for a in answers if a.get("errors") and limit_of(a) == ["COST"]]
    ran = [a for a in answers if not a.get("errors")]
    assert len(refused) == 1 and len(ran) == 1
    assert "batch" in refused[0]["errors"][0]["message"]


async def test_sanction_checks_cost_one_per_subject_checked(
    api: Api, tokens: dict[str, str]
) -> None:
    # given an approval system asking 10,000 checks under ten aliases (100,000 checks)
    ids = ids_for_checks(10_000)
    query = (
        "query($ids: [String!]) { "
        + " ".join(
            f'a{i}: sanctionChecks(matter: "LH-COMPANY-OFFICER", idNumbers: $ids) {{ decision }}'
            for i in range(10)
        )
        + " }"
    )
    # when it is sent
    body = await api.query(query, {"ids": ids}, token=tokens["approval-market"])
    # then it is refused by cost before any check runs (one alias alone costs 10,001)
    assert limit_of(body) == ["COST"]
    one = await api.query(
        'query($ids: [String!]) { sanctionChecks(matter: "LH-COMPANY-OFFICER", idNumbers: $ids) { decision } }',
        {"ids": ids},
        token=tokens["approval-market"],
    )
    assert "errors" not in one and len(one["data"]["sanctionChecks"]) == 10_000


def ids_for_checks(n: int) -> list[str]:
    return [
        make_id_number(
            "110101",
            date(1950 + i // 3000, 1, 1) + timedelta(days=i % 3000 // 10),
            i % 10,
            male=True,
        )
        for i in range(n)
    ]
