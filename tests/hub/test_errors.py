"""Errors as clients see them: masked internals with request ids, bad input, malformed requests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.cases.models import case_judges, case_parties, cases
from hub.config import Settings
from hub.db.engine import create_hub_engine
from tests.conftest import Api, start_app
from tests.fakes import RecordingSource, wrapped_sources

SECRET = "secret-detail"

ME = "{ me { userId name } }"

PERSON = """
query Person($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {
    idNumber
    identity { idNumber name }
    assets { realEstates { unitNumber } }
  }
}
"""

PERSONS = """
query Persons($ids: [String!]!, $case: String) {
  persons(idNumbers: $ids, caseNumber: $case) { idNumber identity { idNumber } }
}
"""

ENTERPRISES = """
query Enterprises($usccs: [String!]!, $case: String) {
  enterprises(usccs: $usccs, caseNumber: $case) { uscc }
}
"""


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


class Misbehaving(RecordingSource):
    """A real source whose ``method`` raises ``error`` or answers ``answer`` for every key."""

    def __init__(
        self, inner: Any, method: str, *, error: BaseException | None = None, answer: Any = None
    ) -> None:
        super().__init__(inner)
        self._method = method
        self._error = error
        self._answer = answer

    def __getattr__(self, name: str) -> Any:
        target = super().__getattr__(name)
        if name != self._method:
            return target

        async def call(keys: Sequence[str]) -> Any:
            self.calls.append((name, list(keys)))
            if self._error is not None:
                raise self._error
            return {k: self._answer for k in keys}

        return call


async def client_for(settings: Settings, sources: dict[str, Any], token: str) -> Any:
    app, lifespan = await start_app(settings, sources)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.test")
    return Api(client, token), lifespan


@pytest.fixture(scope="module")
async def recorded(
    settings: Settings, tokens: dict[str, str]
) -> AsyncIterator[tuple[Api, dict[str, Any]]]:
    """An app whose sources record every call, as the demo judge."""
    sources = wrapped_sources(settings)
    api, lifespan = await client_for(settings, sources, tokens["judge-zhang"])
    try:
        yield api, sources
    finally:
        await api.client.aclose()
        await lifespan.__aexit__(None, None, None)


def calls(sources: dict[str, Any]) -> int:
    return sum(len(s.calls) for s in sources.values())


@pytest.fixture(scope="module")
async def x_party(settings: Settings) -> tuple[str, str]:
    """(case number, ID number ending in X) of a respondent in one of the judge's open cases."""
    engine = create_hub_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(cases.c.case_number, case_parties.c.subject_id)
                    .join_from(case_parties, cases, cases.c.id == case_parties.c.case_id)
                    .join(case_judges, case_judges.c.case_id == cases.c.id)
                    .where(
                        case_judges.c.judge_id == "judge-zhang",
                        cases.c.status == "OPEN",
                        case_parties.c.subject_kind == "PERSON",
                        case_parties.c.subject_id.like("%X"),
                        case_parties.c.role == "被执行人",
                    )
                    .order_by(cases.c.id)
                )
            ).first()
    finally:
        await engine.dispose()
    assert row is not None, "the demo data has no party with an X check character"
    return row[0], row[1]


# --- unexpected failures -----------------------------------------------------------------------


async def test_unexpected_error_in_a_resolver_is_masked_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given the user look-up behind `me` crashes with an internal detail
    import hub.cases.service

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise KeyError(SECRET)

    monkeypatch.setattr(hub.cases.service, "user_by_id", crash)
    # when
    with caplog.at_level(logging.ERROR):
        response = await api.post(ME)
    # then the client gets a bare INTERNAL_SERVER_ERROR with the request id, and no details
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert codes(body) == ["INTERNAL_SERVER_ERROR"]
    error = body["errors"][0]
    assert error["path"] == ["me"]
    request_id = response.headers["x-request-id"]
    assert error["extensions"]["requestId"] == request_id
    assert request_id in error["message"]
    assert SECRET not in response.text and "KeyError" not in response.text
    assert "Traceback" not in response.text
    # and the log has the traceback under the same request id
    logged = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], KeyError)]
    assert logged and request_id in logged[0].getMessage()


async def test_a_client_request_id_does_not_replace_the_hubs(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    import hub.cases.service

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise KeyError(SECRET)

    monkeypatch.setattr(hub.cases.service, "user_by_id", crash)
    # when a client that is not a trusted proxy sends its own request id
    response = await api.post(ME, headers={"X-Request-Id": "client-req.42"})
    # then the header and the error quote the hub's own id (a caller cannot forge the audit's)
    hub_id = response.headers["x-request-id"]
    assert hub_id != "client-req.42"
    assert response.json()["errors"][0]["extensions"]["requestId"] == hub_id


@pytest.mark.parametrize(
    "bad",
    ["has spaces", "x" * 65, "semi;colon", "中文"],
    ids=["spaces", "long", "semicolon", "non-ascii"],
)
async def test_unusable_client_request_id_is_replaced(
    api: Api, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    import hub.cases.service

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise KeyError(SECRET)

    monkeypatch.setattr(hub.cases.service, "user_by_id", crash)
    response = await api.client.post(
        "/graphql",
        json={"query": ME},
        headers={"Authorization": f"Bearer {api.token}", "X-Request-Id": bad.encode()},
    )
    request_id = response.headers["x-request-id"]
    assert request_id != bad and 1 <= len(request_id) <= 64
    assert response.json()["errors"][0]["extensions"]["requestId"] == request_id


async def test_every_response_has_a_request_id(api: Api) -> None:
    first = await api.post(ME)
    second = await api.post(ME)
    assert first.status_code == 200 and "errors" not in first.json()
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_crashing_source_costs_only_its_fields_and_leaks_nothing(
    settings: Settings,
    tokens: dict[str, str],
    demo: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given public security's identity look-up crashes with an internal detail
    from connectors import registry

    inner = registry.get("public_security").embedded(settings.connectors["public_security"].url)
    sources = {"public_security": Misbehaving(inner, "identities", error=KeyError(SECRET))}
    api, lifespan = await client_for(settings, sources, tokens["judge-zhang"])
    sample = demo["samples"]["persons"][0]
    try:
        # when a judge asks for a party's profile
        with caplog.at_level(logging.ERROR):
            response = await api.post(
                PERSON, {"id": sample["idNumber"], "case": sample["caseNumber"]}
            )
    finally:
        await api.client.aclose()
        await lifespan.__aexit__(None, None, None)
    # then identity is null with CONNECTOR_UNAVAILABLE, the rest is there, nothing leaks
    body = response.json()
    person = body["data"]["person"]
    assert person["identity"] is None
    assert isinstance(person["assets"]["realEstates"], list)
    assert codes(body) == ["CONNECTOR_UNAVAILABLE"]
    assert body["errors"][0]["path"] == ["person", "identity"]
    assert body["errors"][0]["extensions"]["connector"] == "public_security"
    assert SECRET not in response.text and "KeyError" not in response.text
    # and the operator finds the cause in the log
    assert any(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in caplog.records)


async def test_malformed_record_from_a_source_is_an_internal_error(
    settings: Settings, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    # given public security answers something that is not an identity record
    from connectors import registry

    inner = registry.get("public_security").embedded(settings.connectors["public_security"].url)
    sources = {"public_security": Misbehaving(inner, "identities", answer=SECRET)}
    api, lifespan = await client_for(settings, sources, tokens["judge-zhang"])
    sample = demo["samples"]["persons"][0]
    try:
        # when
        response = await api.post(PERSON, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    finally:
        await api.client.aclose()
        await lifespan.__aexit__(None, None, None)
    # then the failure is masked, with the request id, and limited to the identity
    body = response.json()
    assert response.status_code == 200
    assert set(codes(body)) == {"INTERNAL_SERVER_ERROR"}
    for error in body["errors"]:
        assert error["path"][:2] == ["person", "identity"]
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    identity = body["data"]["person"]["identity"]
    assert identity is None or set(identity.values()) == {None}
    assert "object has no attribute" not in response.text and SECRET not in response.text


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [(PERSONS, {"ids": []}, "idNumbers"), (ENTERPRISES, {"usccs": []}, "usccs")],
    ids=["persons", "enterprises"],
)
async def test_empty_batch_is_bad_user_input_before_any_lookup(
    recorded: tuple[Api, dict[str, Any]], query: str, variables: dict[str, Any], argument: str
) -> None:
    # given
    api, sources = recorded
    before = calls(sources)
    # when
    body = await api.query(query, variables)
    # then
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == "BATCH_EMPTY"
    assert body["errors"][0]["extensions"]["argument"] == argument
    assert body["data"] is None
    assert calls(sources) == before


async def test_lowercase_check_character_is_normalised(api: Api, x_party: tuple[str, str]) -> None:
    # given a party whose ID number ends in X, written with a lower-case x and stray spaces
    case, id_number = x_party
    asked = f" {id_number.lower()} "
    # when
    body = await api.query(PERSON, {"id": asked, "case": case})
    # then the profile comes back under the canonical (upper-case) ID number
    assert "errors" not in body, body
    person = body["data"]["person"]
    assert person["idNumber"] == id_number
    assert person["identity"]["idNumber"] == id_number


async def test_lowercase_check_character_is_normalised_in_a_batch(
    api: Api, x_party: tuple[str, str]
) -> None:
    case, id_number = x_party
    body = await api.query(PERSONS, {"ids": [id_number.lower(), id_number], "case": case})
    assert "errors" not in body, body
    assert [p["idNumber"] for p in body["data"]["persons"]] == [id_number, id_number]
    assert [p["identity"]["idNumber"] for p in body["data"]["persons"]] == [id_number, id_number]


async def test_wrong_check_character_is_still_refused_in_lower_case(
    api: Api, x_party: tuple[str, str]
) -> None:
    # given an ID number whose check character should be a digit, written as x
    case, id_number = x_party
    wrong = id_number[:17] + ("0" if id_number[17] != "0" else "1")
    body = await api.query(PERSON, {"id": wrong.lower(), "case": case})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == "GB11643_CHECK_CHARACTER"


# --- malformed requests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("{ me { userId ", "Syntax Error"),
        ("query { me { userId } ", "Syntax Error"),
        ("{ me { noSuchField } }", "noSuchField"),
        ("{ person { idNumber } }", "idNumber"),
    ],
    ids=["unclosed", "unclosed-operation", "unknown-field", "missing-argument"],
)
async def test_invalid_documents_get_a_graphql_error_not_a_500(
    recorded: tuple[Api, dict[str, Any]], query: str, fragment: str
) -> None:
    # given
    api, sources = recorded
    before = calls(sources)
    # when
    response = await api.post(query)
    # then
    assert response.status_code < 500
    body = response.json()
    assert body.get("data") is None
    assert body["errors"] and fragment in body["errors"][0]["message"]
    assert "Traceback" not in response.text
    assert calls(sources) == before


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"not json", "application/json"),
        (b'{"query": ', "application/json"),
        (b'{"query": 5}', "application/json"),
        (b"{}", "application/json"),
        (b"[" + b",".join([b'{"query": "{ me { userId } }"}'] * 11) + b"]", "application/json"),
        (b"query=1", "text/plain"),
        (b"\xff\xfe\x00", "application/json"),
        ('{"query": "{ me { name } }", "x": "张明"}'.encode("gbk"), "application/json"),
    ],
    ids=[
        "not-json",
        "truncated",
        "query-not-string",
        "no-query",
        "batch-over-limit",
        "text-plain",
        "binary",
        "gbk-not-utf8",
    ],
)
async def test_malformed_post_bodies_are_4xx(api: Api, content: bytes, content_type: str) -> None:
    # when
    response = await api.client.post(
        "/graphql",
        content=content,
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": content_type},
    )
    # then
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text


async def test_malformed_body_without_a_token_is_refused_first(api: Api) -> None:
    response = await api.client.post(
        "/graphql", content=b"not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401


async def test_unsupported_method_is_405(api: Api) -> None:
    response = await api.client.put(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 405
