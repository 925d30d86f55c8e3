"""One error shape: every error the hub answers over HTTP is JSON with a code and the request id.

Malformed requests (a body that is not JSON, not an object, without a query, another content
type, too many operations…) used to be answered ``400 text/plain`` with neither; so were paths
the hub does not serve and methods a route does not take.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import Api

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
ME = "{ me { userId } }"
SUBSCRIPTION = "subscription { sanctionListChanges { cursor } }"
TWO_OPERATIONS = "query A { me { userId } } query B { me { name } }"


def assert_error_shape(response: httpx.Response, status: int, code: str, **extensions: Any) -> None:
    """The documented shape: JSON, one error with its code (and more), the hub's request id."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert REQUEST_ID.fullmatch(response.headers.get("x-request-id", "")), response.headers
    body = response.json()
    assert set(body) == {"errors"}, body
    [error] = body["errors"]
    assert error["message"]
    assert error["extensions"]["code"] == code, body
    for name, value in extensions.items():
        assert error["extensions"][name] == value, body


@pytest.mark.parametrize(
    ("content", "content_type", "rule", "argument"),
    [
        (b"not json", "application/json", "JSON_BODY", None),
        (b'{"query": ', "application/json", "JSON_BODY", None),
        (b"", "application/json", "JSON_BODY", None),
        (b"\xff\xfe\x00", "application/json", "JSON_BODY", None),
        (b'{"query": "{ me { userId } }"}', "text/plain", "CONTENT_TYPE", None),
        (b'{"query": "{ me { userId } }"}', None, "CONTENT_TYPE", None),
        (
            b"query=%7B%20me%20%7B%20userId%20%7D%20%7D",
            "application/x-www-form-urlencoded",
            "CONTENT_TYPE",
            None,
        ),
        (b"{}", "application/json", "QUERY_MISSING", "query"),
        (b'{"variables": {}}', "application/json", "QUERY_MISSING", "query"),
        (b"5", "application/json", "REQUEST_SHAPE", None),
        (b'"{ me { userId } }"', "application/json", "REQUEST_SHAPE", None),
        (b"[1]", "application/json", "REQUEST_SHAPE", None),
        (b'{"query": 5}', "application/json", "REQUEST_PARAMETER", "query"),
        (
            b'{"query": "{ me { userId } }", "variables": []}',
            "application/json",
            "REQUEST_PARAMETER",
            "variables",
        ),
        (
            b'{"query": "{ me { userId } }", "operationName": 1}',
            "application/json",
            "REQUEST_PARAMETER",
            "operationName",
        ),
        (
            b'{"query": "{ me { userId } }", "extensions": "x"}',
            "application/json",
            "REQUEST_PARAMETER",
            "extensions",
        ),
        (
            b"[" + b",".join([b'{"query": "{ me { userId } }"}'] * 11) + b"]",
            "application/json",
            "BATCH_OPERATIONS",
            None,
        ),
        (b"[]", "application/json", "BATCH_OPERATIONS", None),
    ],
    ids=[
        "not-json",
        "truncated",
        "empty",
        "binary",
        "text-plain",
        "no-content-type",
        "form",
        "no-query",
        "variables-only",
        "a-number",
        "a-string",
        "batch-of-a-number",
        "query-not-string",
        "variables-not-object",
        "operation-name-not-string",
        "extensions-not-object",
        "batch-over-limit",
        "empty-batch",
    ],
)
async def test_a_malformed_request_is_a_400_in_the_error_shape(
    api: Api, content: bytes, content_type: str | None, rule: str, argument: str | None
) -> None:
    # given a request that is not a well-formed GraphQL-over-HTTP request
    headers = {"Authorization": f"Bearer {api.token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    # when it is posted
    response = await api.client.post("/graphql", content=content, headers=headers)
    # then the answer is a 400 in the documented shape, naming the rule that was broken
    extra = {"argument": argument} if argument else {}
    assert_error_shape(response, 400, "BAD_USER_INPUT", rule=rule, **extra)


async def test_a_get_with_variables_that_are_not_json_is_a_400(api: Api) -> None:
    # when the variables of a GET are not JSON
    response = await api.client.get(
        "/graphql",
        params={"query": ME, "variables": "{not json"},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    # then
    assert_error_shape(
        response, 400, "BAD_USER_INPUT", rule="REQUEST_PARAMETER", argument="variables"
    )


async def test_a_subscription_over_http_is_a_400_in_the_error_shape(
    api: Api, tokens: dict[str, str]
) -> None:
    response = await api.post(SUBSCRIPTION, token=tokens["approval-market"])
    assert_error_shape(response, 400, "BAD_USER_INPUT", rule="OPERATION_TYPE")
    assert "graphql-transport-ws" in response.json()["errors"][0]["message"]


async def test_an_operation_name_the_document_lacks_is_a_400(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": TWO_OPERATIONS, "operationName": "C"},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert_error_shape(
        response, 400, "BAD_USER_INPUT", rule="OPERATION_NAME", argument="operationName"
    )


async def test_a_mutation_over_get_is_405(api: Api) -> None:
    # when a mutation is sent as a GET (GraphQL over HTTP: 405 Method Not Allowed)
    response = await api.client.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    # then
    assert_error_shape(response, 405, "BAD_USER_INPUT", rule="OPERATION_TYPE")
    assert response.headers["allow"] == "POST"


async def test_a_method_the_endpoint_does_not_take_is_405_in_the_error_shape(api: Api) -> None:
    response = await api.client.put(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert_error_shape(response, 405, "BAD_USER_INPUT", rule="HTTP_METHOD")


async def test_a_path_the_hub_does_not_serve_is_404_in_the_error_shape(api: Api) -> None:
    response = await api.client.get("/no/such/page")
    assert_error_shape(response, 404, "NOT_FOUND")


async def test_an_unauthenticated_request_is_401_in_the_error_shape(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": ME})
    assert_error_shape(response, 401, "UNAUTHENTICATED", reason="MISSING")


async def test_a_body_over_the_limit_is_413_in_the_error_shape(api: Api, app: Any) -> None:
    limit = app.state.settings.max_body_bytes
    response = await api.client.post(
        "/graphql",
        content=b" " * (limit + 1),
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    assert_error_shape(response, 413, "BAD_USER_INPUT", rule="PAYLOAD_TOO_LARGE")


async def test_an_unexpected_failure_outside_graphql_is_500_with_the_request_id(
    app: Any, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a failure the hub does not expect, before GraphQL runs (token verification)
    def explode(header: str | None) -> Any:
        raise RuntimeError("secret-detail")

    monkeypatch.setattr(app.state.runtime.verifier, "verify_header", explode)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        # when a request meets it
        response = await client.post("/graphql", json={"query": ME})
    # then the answer is a 500 in the documented shape, with no details but the request id
    assert_error_shape(response, 500, "INTERNAL_SERVER_ERROR")
    error = response.json()["errors"][0]
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "secret-detail" not in response.text


async def test_every_answer_has_its_own_request_id(api: Api) -> None:
    # when the same malformed request and a plain page are asked twice
    answers = [await api.client.post("/graphql", content=b"x") for _ in range(2)]
    answers += [await api.client.get("/healthz") for _ in range(2)]
    # then each carries the hub's id of it, all different
    ids = [a.headers["x-request-id"] for a in answers]
    assert all(REQUEST_ID.fullmatch(i) for i in ids)
    assert len(set(ids)) == 4
