"""Edges of input found by probing the API as an outsider: each answered in the documented shape.

- a DateTime within a day of year 1 or 9999 has no UTC form: it was taken, then failed inside
  the resolver's SQL, and the caller was told the audit log could not be written;
- ``freezeOrder(id:)`` took control and format characters, which no identifier may hold;
- a parameter named twice in a request was settled silently (the last one won), so a proxy
  reading the first saw another operation than the hub ran;
- ``/graphiql/index.html`` left without the GraphiQL page's headers, so it could be framed.
"""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.hub.test_error_shape import assert_error_shape

AUDIT_FROM = "query($d: DateTime) { auditEvents(filter: {from: $d}, first: 1) { nodes { id } } }"
ORDER = "query($id: String!) { freezeOrder(id: $id) { id } }"


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
async def test_a_datetime_without_a_utc_form_is_bad_input(
    api: Api, tokens: dict[str, str], moment: str
) -> None:
    body = await api.query(AUDIT_FROM, {"d": moment}, token=tokens["auditor-sun"])
    assert body["data"] is None
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["rule"]) == (
        "BAD_USER_INPUT",
        "DATETIME_RANGE",
    ), error


@pytest.mark.parametrize("bad", ["12\u00003", "FO-2026-\u202eAB", "FO-\u200b1"])
async def test_an_order_id_with_control_characters_is_refused(api: Api, bad: str) -> None:
    body = await api.query(ORDER, {"id": bad})
    assert body["data"] == {"freezeOrder": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["rule"] == "CONTROL_CHARACTER"
    assert bad not in error["message"]


async def test_a_parameter_named_twice_in_a_body_is_refused(api: Api) -> None:
    body = b'{"query": "{ me { userId } }", "query": "{ courts { code } }"}'
    response = await api.client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    assert_error_shape(response, 400, "BAD_USER_INPUT", rule="REQUEST_PARAMETER", argument="query")


async def test_a_parameter_named_twice_in_a_get_is_refused(api: Api) -> None:
    response = await api.client.get(
        "/graphql?query=%7B+me+%7B+userId+%7D+%7D&query=%7B+courts+%7B+code+%7D+%7D",
        headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json"},
    )
    assert_error_shape(response, 400, "BAD_USER_INPUT", rule="REQUEST_PARAMETER", argument="query")


async def test_a_query_mentioning_query_in_a_string_still_runs(api: Api) -> None:
    # the word in a value makes the body look at its keys again, and there is no duplicate
    doc = '{ me { userId } } # "query" "query"'
    response = await api.post(doc)
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def test_the_graphiql_files_carry_the_pages_headers(api: Api) -> None:
    response = await api.client.get("/graphiql/index.html")
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
