"""The shorter execution path for plain leaf fields answers exactly as graphql-core's own."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
import strawberry

from hub.graphql.execution import HubExecutionContext


@strawberry.enum
class Colour(Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.type
class Item:
    name: str
    colour: Colour
    note: str | None
    tags: list[str]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Item(name="a", colour=Colour.RED, note=None, tags=["x"]),
            Item(name=None, colour=Colour.BLUE, note="n", tags=[]),  # type: ignore[arg-type]
            Item(name="c", colour="GREEN", note="m", tags=[]),  # type: ignore[arg-type]
        ]


QUERY = "{ items { name colour note tags shout alias: name __typename } }"


@pytest.mark.parametrize(
    "query",
    [QUERY, "{ items { colour note } }", "{ items { ...F } } fragment F on Item { name tags }"],
)
def test_plain_fields_answer_as_graphql_core_does(query: str) -> None:
    # given the same schema executed both ways
    plain = strawberry.Schema(query=Query)
    short = strawberry.Schema(query=Query, execution_context_class=HubExecutionContext)
    # when
    expected = plain.execute_sync(query)
    got = short.execute_sync(query)
    # then the data and the errors (a null for a non-null field, an enum value out of range)
    # are the same, at the same paths
    assert got.data == expected.data
    assert got.errors or query != QUERY
    assert [(e.message, e.path) for e in got.errors or ()] == [
        (e.message, e.path) for e in expected.errors or ()
    ]


async def test_an_empty_list_under_the_policy_answers_as_before(
    api: Any, tokens: dict[str, str]
) -> None:
    # given a batch where most subjects are on no list (their entries are empty lists)
    ids = ["110101199003074477"] * 3
    query = """query($ids: [String!]) { sanctionChecks(matter: "LH-COMPANY-OFFICER", idNumbers: $ids) {
      subjectId decision entries { entryId } } }"""
    # when the approval system checks them
    body = await api.query(query, {"ids": ids}, token=tokens["approval-market"])
    # then every answer is there, with its empty entries
    assert "errors" not in body, body
    assert [(r["decision"], r["entries"]) for r in body["data"]["sanctionChecks"]] == [
        ("ALLOW", [])
    ] * 3
    # and a caller the policy refuses still gets FORBIDDEN, not an empty list
    body = await api.query(query, {"ids": ids}, token=tokens["judge-zhang"])
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
