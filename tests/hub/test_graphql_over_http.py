"""GraphQL over HTTP: application/graphql-response+json when the client asks for it.

With it, an answer where nothing was executed (a document that does not parse or validate, a
variable that does not fit its type, a document refused for its size or cost) is an error
status without a ``data`` entry; with ``application/json`` (or no Accept header) it stays
200 with ``"data": null``, as clients of the hub have always had it. The specification's own
audit suite runs in ``tests/interop/test_graphql_over_http.py``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hub.graphql.over_http import status_of
from hub.responses import negotiate
from tests.conftest import Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
PREFERRED = f"{GRAPHQL_RESPONSE}, application/json;q=0.9"
ME = "{ me { userId } }"
UNPARSED = "{ me { userId "
INVALID = "{ me { noSuchField } }"
COERCION = "query($first: Int!) { myCases(first: $first) { caseNumber } }"
PERSON = "query($id: String!) { person(idNumber: $id) { idNumber } }"
ALIASED = "{ " + " ".join(f"a{i}: me {{ userId }}" for i in range(60)) + " }"  # over 50 aliases


async def post(
    api: Api, query: str, accept: str | None, variables: dict[str, Any] | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.token}"}
    if accept is not None:
        headers["Accept"] = accept
    return await api.client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (PREFERRED, GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/json;q=1, application/graphql-response+json;q=0.5", "application/json"),
        ("application/graphql-response+json;q=0", "application/json"),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE),
        ("text/html", "application/json"),
        ("application/graphql-response+json;q=abc, application/json", "application/json"),
    ],
)
def test_the_media_type_follows_the_accept_header(accept: str | None, media: str) -> None:
    assert negotiate(accept) == media


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, PREFERRED])
async def test_a_query_is_answered_in_the_media_type_asked_for(api: Api, accept: str) -> None:
    # when a client that prefers application/graphql-response+json asks
    response = await post(api, ME, accept)
    # then it gets it
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"me": {"userId": "judge-zhang"}}}


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (UNPARSED, None, "GRAPHQL_PARSE_FAILED"),
        (INVALID, None, "GRAPHQL_VALIDATION_FAILED"),
        (COERCION, {"first": "ten"}, "BAD_USER_INPUT"),
        (COERCION, {}, "BAD_USER_INPUT"),
        (ALIASED, None, "QUERY_TOO_COMPLEX"),
    ],
    ids=["parse", "validation", "variable-type", "variable-missing", "too-many-aliases"],
)
async def test_a_request_error_is_400_without_data_in_graphql_response_json(
    api: Api, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    # when a document that cannot be executed is sent by a client asking for the spec's type
    response = await post(api, query, PREFERRED, variables)
    # then nothing was executed: 400, no data entry, the error's code
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
@pytest.mark.parametrize(
    ("query", "variables"),
    [(UNPARSED, None), (INVALID, None), (COERCION, {"first": "ten"})],
    ids=["parse", "validation", "variable-type"],
)
async def test_application_json_keeps_200_with_null_data(
    api: Api, query: str, variables: dict[str, Any] | None, accept: str | None
) -> None:
    response = await post(api, query, accept, variables)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["data"] is None
    assert body["errors"]


async def test_a_field_error_keeps_its_data_and_200(api: Api) -> None:
    # when the document runs and a field fails (an ID number that breaks GB 11643)
    response = await post(api, PERSON, PREFERRED, {"id": "not-an-id-number"})
    # then the answer has its data entry and 200: something was executed
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"person": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["person"]


async def test_a_batch_answers_each_operation_in_the_media_type(api: Api) -> None:
    # when a batch of a good and a broken operation asks for the spec's type
    response = await api.client.post(
        "/graphql",
        json=[{"query": ME}, {"query": UNPARSED}],
        headers={"Authorization": f"Bearer {api.token}", "Accept": PREFERRED},
    )
    # then the batch is 200 (each answer has its own outcome); the broken one has no data entry
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    good, broken = response.json()
    assert good == {"data": {"me": {"userId": "judge-zhang"}}}
    assert "data" not in broken
    assert broken["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_a_malformed_request_answers_in_the_media_type_asked_for(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        content=b"not json",
        headers={
            "Authorization": f"Bearer {api.token}",
            "Content-Type": "application/json",
            "Accept": GRAPHQL_RESPONSE,
        },
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json()["errors"][0]["extensions"]["rule"] == "JSON_BODY"


async def test_audit_unavailable_is_503_without_data(
    api: Api, app: Any, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an audit store that cannot be written
    from sqlalchemy.ext.asyncio import create_async_engine

    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/audit.sqlite3")
    monkeypatch.setattr(app.state.runtime.audit, "writer", broken)
    sample = demo["samples"]["persons"][0]
    query = "query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) { identity { name } } }"
    variables = {"id": sample["idNumber"], "case": sample["caseNumber"]}
    try:
        # when the judge asks for a profile in the spec's media type
        response = await post(api, query, PREFERRED, variables)
    finally:
        monkeypatch.undo()
        await broken.dispose()
        # (the store back: a good write ends the failure the hub reports in /readyz)
        assert (await post(api, query, PREFERRED, variables)).status_code == 200
        assert app.state.runtime.audit.failing_since is None
    # then nothing is released, and the status says the hub could not serve it
    assert response.status_code == 503
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["AUDIT_UNAVAILABLE"]
    assert sample["idNumber"] not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(
    ("codes", "status"),
    [
        (["GRAPHQL_PARSE_FAILED"], 400),
        (["BAD_USER_INPUT"], 400),
        (["QUERY_TOO_COMPLEX"], 400),
        (["AUDIT_UNAVAILABLE"], 503),
        (["UNAUTHENTICATED"], 401),
        (["INTERNAL_SERVER_ERROR"], 500),
        (["BAD_USER_INPUT", "INTERNAL_SERVER_ERROR"], 500),
    ],
)
def test_the_status_of_an_answer_without_data(codes: list[str], status: int) -> None:
    assert status_of([{"message": "m", "extensions": {"code": c}} for c in codes]) == status
