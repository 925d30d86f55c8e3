"""Step 8 regressions: ways around the field policy and the audit log that were closed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from hub.audit.models import audit_entries
from tests.conftest import Api
from tests.hub.policy_support import codes, demo_token, errors_by_path
from tests.servers import WsClient

# The same named fragment spread in two places with different siblings: the enforcement plan
# of ``identity`` must stand for each place's whole merged selection.
FRAGMENT_TWICE = """
query($id: String!) {
  a: person(idNumber: $id) { ...P identity { name } }
  b: person(idNumber: $id) { ...P identity { idNumber birthDate phone registeredAddress } }
}
fragment P on Person { identity { name } }
"""


async def test_a_fragment_spread_twice_cannot_borrow_the_first_places_plan(
    api: Api, demo: dict[str, Any]
) -> None:
    # given a registry officer, who sees identity masked and birth date, phone, address denied
    sample = demo["samples"]["persons"][0]
    officer = demo_token(demo, "registry_officer")
    for attempt in range(2):  # the second time the parsed document and its plans are cached
        # when the fragment is spread once beside `name` and once beside the denied fields
        body = (await api.post(FRAGMENT_TWICE, {"id": sample["idNumber"]}, token=officer)).json()
        # then the second place is judged on its own selection
        b = body["data"]["b"]["identity"]
        assert b["idNumber"] != sample["idNumber"], attempt
        assert b["idNumber"][:6] + "********" + b["idNumber"][-4:] == b["idNumber"]
        assert b["birthDate"] is None and b["phone"] is None and b["registeredAddress"] is None
        denied = errors_by_path(body)
        for leaf in ("birthDate", "phone", "registeredAddress"):
            assert denied[("b", "identity", leaf)]["extensions"]["code"] == "FORBIDDEN"
        assert set(codes(body)) == {"FORBIDDEN"}


# --- the audit trail runs in the pipeline: websocket, batches, refusals ----------------------

PROFILE = """query($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) { idNumber identity { name } } }"""


async def entries_of(app: Any, request_id: str) -> list[dict[str, Any]]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_entries)
            .where(audit_entries.c.request_id.like(f"{request_id}%"))
            .order_by(audit_entries.c.id)
        )
        return [dict(r._mapping) for r in rows]


@pytest.fixture
def audit_down(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The audit store refuses every write."""
    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/audit.sqlite3")
    monkeypatch.setattr(app.state.runtime.audit, "engine", broken)
    yield


async def test_a_query_over_the_websocket_is_audited(
    app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given a judge on a graphql-transport-ws connection
    sample = demo["samples"]["persons"][0]
    async with WsClient(app, tokens["judge-zhang"]) as ws:
        # when a look-up is sent as a subscribe message (a query, not a subscription)
        await ws.subscribe(
            "1", PROFILE, {"id": sample["idNumber"], "case": sample["caseNumber"]}
        )
        message = await ws.result("1")
    # then it is answered, and an entry of its own is on record
    assert message["type"] == "next"
    assert message["payload"]["data"]["person"]["idNumber"] == sample["idNumber"]
    async with app.state.runtime.engine.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in await conn.execute(
                select(audit_entries)
                .where(audit_entries.c.user_id == "judge-zhang")
                .order_by(audit_entries.c.id.desc())
                .limit(1)
            )
        ]
    assert rows[0]["action"] == "PROFILE_VIEW"
    assert rows[0]["outcome"] == "OK"
    assert rows[0]["case_number"] == sample["caseNumber"]
    assert rows[0]["subject_index"] == app.state.runtime.audit.keys.blind_index(
        sample["idNumber"]
    )


async def test_the_websocket_fails_closed_when_the_audit_store_is_down(
    app: Any, demo: dict[str, Any], tokens: dict[str, str], audit_down: None
) -> None:
    sample = demo["samples"]["persons"][0]
    async with WsClient(app, tokens["judge-zhang"]) as ws:
        await ws.subscribe(
            "1", PROFILE, {"id": sample["idNumber"], "case": sample["caseNumber"]}
        )
        message = await ws.result("1")
    payload = message["payload"]
    assert payload["data"] is None
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["AUDIT_UNAVAILABLE"]
    assert sample["idNumber"] not in json.dumps(payload, ensure_ascii=False)


async def test_every_operation_of_a_batch_fails_closed(
    api: Api, demo: dict[str, Any], audit_down: None
) -> None:
    # given the audit store refusing writes
    a, b = demo["samples"]["persons"][:2]
    # when a batch of two look-ups arrives
    response = await api.client.post(
        "/graphql",
        json=[
            {"query": PROFILE, "variables": {"id": a["idNumber"], "case": a["caseNumber"]}},
            {"query": PROFILE, "variables": {"id": b["idNumber"], "case": b["caseNumber"]}},
        ],
        headers={"Authorization": f"Bearer {api.token}"},
    )
    # then neither releases anything
    answers = response.json()
    assert len(answers) == 2
    for answer in answers:
        assert answer["data"] is None
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["AUDIT_UNAVAILABLE"]
    text = response.text
    assert a["idNumber"] not in text and b["idNumber"] not in text


async def test_each_operation_of_a_batch_has_its_own_entry_and_outcome(
    api: Api, app: Any, demo: dict[str, Any]
) -> None:
    # given a batch: a look-up that finds the person, then one of an unknown ID number
    a = demo["samples"]["persons"][0]
    unknown = "110101199003070011"
    response = await api.client.post(
        "/graphql",
        json=[
            {"query": PROFILE, "variables": {"id": a["idNumber"], "case": a["caseNumber"]}},
            {"query": PROFILE, "variables": {"id": unknown, "case": a["caseNumber"]}},
        ],
        headers={"Authorization": f"Bearer {api.token}"},
    )
    rid = response.headers["X-Request-Id"]
    # then the entries carry each operation's own request id and its own outcome
    rows = await entries_of(app, rid)
    by_id = {r["request_id"]: r for r in rows}
    assert by_id[f"{rid}-1"]["outcome"] == "OK"
    assert by_id[f"{rid}-2"]["outcome"] == "DENIED"  # not a party of the case: refused
    assert by_id[f"{rid}-2"]["subject_index"] == app.state.runtime.audit.keys.blind_index(
        unknown
    )


async def test_a_whole_field_refused_by_role_is_on_record(
    api: Api, app: Any, demo: dict[str, Any]
) -> None:
    # given an agency officer, whom the policy does not let search the audit log
    officer = demo_token(demo, "registry_officer")
    # when the officer tries
    response = await api.post(
        "{ auditEvents(first: 5) { nodes { id } } }", token=officer
    )
    assert codes(response.json()) == ["FORBIDDEN"]
    # then the attempt is an entry without a subject, outcome DENIED, naming the field
    rows = await entries_of(app, response.headers["X-Request-Id"])
    assert [(r["action"], r["outcome"], r["subject_index"]) for r in rows] == [
        ("ACCESS_REFUSED", "DENIED", None)
    ]
    content = json.loads(rows[0]["content"])
    assert content["detail"] == {"field": "Query.auditEvents"}


async def test_refused_fields_count_toward_a_denied_burst(
    api: Api, app: Any, mint: Any
) -> None:
    # given a fresh officer account (its own burst window)
    token = mint(sub="burst-probe", org="agency:real_estate", roles=("registry_officer",))
    rids = []
    for _ in range(app.state.settings.denied_burst):
        response = await api.post("{ auditEvents(first: 1) { nodes { id } } }", token=token)
        rids.append(response.headers["X-Request-Id"])
    # then the attempt that completes the burst is flagged
    last = await entries_of(app, rids[-1])
    assert "DENIED_BURST" in last[0]["flags"].split()
    first = await entries_of(app, rids[0])
    assert "DENIED_BURST" not in first[0]["flags"].split()


async def test_a_websocket_ends_when_its_token_expires(app: Any, mint: Any) -> None:
    # given a connection opened with a token that expires in two seconds
    token = mint(ttl=timedelta(seconds=2))
    async with WsClient(app, token) as ws:
        assert ws.ack is not None and ws.ack["type"] == "connection_ack"
        # then the server closes it with 4401 once the token has expired
        message = await ws.receive(within=6)
    assert message["type"] == "close"
    assert message["code"] == 4401


async def test_an_operation_started_with_an_expired_token_runs_nothing(
    app: Any, demo: dict[str, Any], mint: Any
) -> None:
    # given an operation context whose token has just expired (a connection still open)
    token = mint(ttl=timedelta(seconds=1))
    principal = app.state.runtime.verifier.verify(token)
    await asyncio.sleep(1.2)
    from hub.graphql.schema import build_schema

    built = build_schema()
    context = in_process_context(app, principal)
    sample = demo["samples"]["persons"][0]
    result = await built.execute(
        PROFILE,
        variable_values={"id": sample["idNumber"], "case": sample["caseNumber"]},
        context_value=context,
    )
    assert result.data is None
    assert [e.extensions["code"] for e in result.errors or []] == ["UNAUTHENTICATED"]


def in_process_context(app: Any, principal: Any) -> Any:
    from hub.federation.loaders import Loaders
    from hub.graphql.context import HubContext

    runtime = app.state.runtime
    return HubContext(
        request=None,
        response=None,
        principal=principal,
        loaders=Loaders(runtime.sources, runtime.guards, "in-process", None),
        runtime=runtime,
        request_id="in-process",
    )


# --- one request cannot freeze the hub -------------------------------------------------------


async def test_a_huge_document_is_refused_before_parsing(api: Api) -> None:
    # given a document that is mostly one enormous comment (comments are not tokens)
    query = "#" + "x" * 200_000 + "\n{ me { userId } }"
    # when it is posted
    response = await api.post(query)
    # then it is refused by size, without being lexed
    body = response.json()
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "DOCUMENT_SIZE"}


async def test_a_huge_document_over_the_websocket_is_refused(
    app: Any, tokens: dict[str, str]
) -> None:
    async with WsClient(app, tokens["judge-zhang"]) as ws:
        await ws.subscribe("1", "#" + "x" * 200_000 + "\n{ me { userId } }")
        message = await ws.result("1")
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["limit"] == "DOCUMENT_SIZE"


async def test_an_oversized_body_is_refused_before_it_is_read(api: Api, app: Any) -> None:
    # given a body larger than the limit, with and without a declared length
    limit = app.state.settings.max_body_bytes
    big = b'{"query": "{ me { userId } }", "x": "' + b"x" * (limit + 10) + b'"}'
    headers = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"}
    declared = await api.client.post("/graphql", content=big, headers=headers)

    async def chunks() -> Any:
        for k in range(0, len(big), 65_536):
            yield big[k : k + 65_536]

    chunked = await api.client.post("/graphql", content=chunks(), headers=headers)
    # then both are 413 with the JSON error shape and a request id
    for response in (declared, chunked):
        assert response.status_code == 413
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["rule"] == "PAYLOAD_TOO_LARGE"
        assert response.headers["x-request-id"]


def test_forwarded_addresses_count_only_from_trusted_proxies() -> None:
    from hub.proxies import Proxies, parse_networks

    def scope(peer: str, forwarded: str | None) -> dict[str, Any]:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return {"client": (peer, 5000), "headers": headers}

    proxies = Proxies(parse_networks(["10.0.0.0/24"]))
    # a caller that is not a proxy cannot claim another address
    assert proxies.client(scope("192.0.2.7", "1.2.3.4")) == "192.0.2.7"
    # behind a trusted proxy, the client is the right-most untrusted hop (the left is forgeable)
    assert proxies.client(scope("10.0.0.2", "6.6.6.6, 198.51.100.9")) == "198.51.100.9"
    assert proxies.client(scope("10.0.0.2", "198.51.100.9, 10.0.0.3")) == "198.51.100.9"
    # a malformed hop stops the walk at the last trusted address
    assert proxies.client(scope("10.0.0.2", "not-an-ip")) == "10.0.0.2"
    with pytest.raises(ValueError, match="not an IP"):
        parse_networks(["10.0.0.0/33"])


async def test_the_audit_records_the_peer_not_a_forged_forwarded_for(
    api: Api, app: Any, demo: dict[str, Any]
) -> None:
    sample = demo["samples"]["persons"][0]
    response = await api.post(
        PROFILE,
        {"id": sample["idNumber"], "case": sample["caseNumber"]},
        headers={"X-Forwarded-For": "203.0.113.66", "X-Request-Id": "forged-1"},
    )
    rows = await entries_of(app, response.headers["X-Request-Id"])
    content = json.loads(rows[0]["content"])
    assert content["client"] != "203.0.113.66"
    assert "upstreamRequestId" not in content
    assert rows[0]["request_id"] != "forged-1"


async def test_a_wrongly_typed_variable_is_bad_input_and_its_value_is_not_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # given an ID number sent as a number where a string is declared
    value = 370602199001011234
    with caplog.at_level("DEBUG"):
        response = await api.post(
            "query($id: String!) { person(idNumber: $id) { idNumber } }", {"id": value}
        )
    body = response.json()
    # then it is the caller's mistake, named, and the value is neither echoed nor logged
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "$id",
        "rule": "VARIABLE_TYPE",
    }
    assert str(value) not in response.text
    assert str(value) not in caplog.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.fixture(scope="module")
async def production_app(settings: Any) -> Any:
    from dataclasses import replace

    from tests.conftest import start_app

    app, lifespan = await start_app(replace(settings, env="production"))
    yield app
    await lifespan.__aexit__(None, None, None)


@pytest.mark.parametrize(
    "query",
    [
        '{ person(idNumbr: "1") { idNumber } }',  # an argument
        '{ sanctionStats(from: "2026-01-01", to: "2026-02-01", groupBy: MONTHS) { key } }',
        "{ mee { userId } }",  # a field
    ],
    ids=["argument", "enum", "field"],
)
async def test_production_suggests_no_names(
    production_app: Any, tokens: dict[str, str], query: str
) -> None:
    transport = httpx.ASGITransport(app=production_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        response = await client.post(
            "/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {tokens['reader']}"},
        )
    messages = [e["message"] for e in response.json()["errors"]]
    assert messages and not any("Did you mean" in m for m in messages)


@pytest.mark.parametrize("path", ["/metrics", "/readyz"])
async def test_ops_endpoints_answer_only_on_this_host_in_production(
    production_app: Any, path: str
) -> None:
    far = httpx.ASGITransport(app=production_app, client=("198.51.100.4", 40000))
    near = httpx.ASGITransport(app=production_app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=far, base_url="http://hub.test") as client:
        assert (await client.get(path)).status_code == 403
    async with httpx.AsyncClient(transport=near, base_url="http://hub.test") as client:
        assert (await client.get(path)).status_code in (200, 503)


async def test_ops_endpoints_need_the_ops_token_when_one_is_set(settings: Any) -> None:
    from dataclasses import replace

    from tests.conftest import start_app

    secret = "ops-" + "s" * 30
    app, lifespan = await start_app(replace(settings, ops_token=secret))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            assert (await client.get("/metrics")).status_code == 401
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            right = await client.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
            assert right.status_code == 200
    finally:
        await lifespan.__aexit__(None, None, None)
