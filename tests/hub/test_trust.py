"""Step 8 regressions: ways around the field policy and the audit log that were closed."""

from __future__ import annotations

import asyncio
import gc
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from hub.audit.models import audit_entries, audit_subjects
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
        assert b["idNumber"][:2] + "*" * 14 + b["idNumber"][-2:] == b["idNumber"]
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
    monkeypatch.setattr(app.state.runtime.audit, "writer", broken)
    yield


async def test_a_query_over_the_websocket_is_audited(
    app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given a judge on a graphql-transport-ws connection
    sample = demo["samples"]["persons"][0]
    async with WsClient(app, tokens["judge-zhang"]) as ws:
        # when a look-up is sent as a subscribe message (a query, not a subscription)
        await ws.subscribe("1", PROFILE, {"id": sample["idNumber"], "case": sample["caseNumber"]})
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
    assert rows[0]["subject_index"] == app.state.runtime.audit.keys.blind_index(sample["idNumber"])


async def test_each_operation_on_one_websocket_has_its_own_context(
    app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    """Item 2, last sentence: one connection used to share one context (request id, loaders,
    cited cases) among all its operations."""
    a, b = demo["samples"]["persons"][:2]
    assert a["caseNumber"] != b["caseNumber"]
    keys = app.state.runtime.audit.keys
    # given one connection; when two look-ups, each citing its own case, are sent on it
    async with WsClient(app, tokens["judge-zhang"]) as ws:
        for n, person in enumerate((a, b), start=1):
            variables = {"id": person["idNumber"], "case": person["caseNumber"]}
            await ws.subscribe(str(n), PROFILE, variables)
            message = await ws.result(str(n))
            assert message["payload"]["data"]["person"]["idNumber"] == person["idNumber"]
    # then each is on record once, under a request id of its own, with its own case
    async with app.state.runtime.engine.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in await conn.execute(
                select(audit_entries)
                .where(audit_entries.c.user_id == "judge-zhang")
                .order_by(audit_entries.c.id.desc())
                .limit(2)
            )
        ]
    by_subject = {r["subject_index"]: r for r in rows}
    assert set(by_subject) == {keys.blind_index(a["idNumber"]), keys.blind_index(b["idNumber"])}
    assert by_subject[keys.blind_index(a["idNumber"])]["case_number"] == a["caseNumber"]
    assert by_subject[keys.blind_index(b["idNumber"])]["case_number"] == b["caseNumber"]
    assert len({r["request_id"] for r in rows}) == 2


async def test_the_websocket_fails_closed_when_the_audit_store_is_down(
    app: Any, demo: dict[str, Any], tokens: dict[str, str], audit_down: None
) -> None:
    sample = demo["samples"]["persons"][0]
    async with WsClient(app, tokens["judge-zhang"]) as ws:
        await ws.subscribe("1", PROFILE, {"id": sample["idNumber"], "case": sample["caseNumber"]})
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
    assert by_id[f"{rid}-2"]["subject_index"] == app.state.runtime.audit.keys.blind_index(unknown)


async def test_a_whole_field_refused_by_role_is_on_record(
    api: Api, app: Any, demo: dict[str, Any]
) -> None:
    # given an agency officer, whom the policy does not let search the audit log
    officer = demo_token(demo, "registry_officer")
    # when the officer tries
    response = await api.post("{ auditEvents(first: 5) { nodes { id } } }", token=officer)
    assert codes(response.json()) == ["FORBIDDEN"]
    # then the attempt is an entry without a subject, outcome DENIED, naming the field
    rows = await entries_of(app, response.headers["X-Request-Id"])
    assert [(r["action"], r["outcome"], r["subject_index"]) for r in rows] == [
        ("ACCESS_REFUSED", "DENIED", None)
    ]
    content = json.loads(rows[0]["content"])
    assert content["detail"] == {"field": "Query.auditEvents"}


async def test_refused_fields_count_toward_a_denied_burst(api: Api, app: Any, mint: Any) -> None:
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
    from hub.graphql.context import HubContext

    return HubContext(
        request=None,
        response=None,
        principal=principal,
        runtime=app.state.runtime,
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
    assert body["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "DOCUMENT_SIZE",
    }


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


LOOK_UP = "query($id: String!) { person(idNumber: $id) { idNumber identity { name } } }"


def documents_kept(marker: str) -> int:
    """How many parsed documents whose text holds ``marker`` are still alive."""
    from graphql.language import Source

    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Source) and marker in o.body)


async def test_a_large_document_is_not_kept_once_answered(
    reader: Api, demo: dict[str, Any]
) -> None:
    """Item 5: the parser, validation, cost and plan caches keep what they hold for the life of
    the process, so a large document (within the size limit) must not stay in them."""
    sample = demo["samples"]["persons"][0]
    small, large = uuid.uuid4().hex, uuid.uuid4().hex
    # given a small document and one of 24 KB (a long comment), each looking a person up
    for marker, padding in ((small, ""), (large, "x" * 24_000)):
        body = await reader.query(f"# {marker}{padding}\n{LOOK_UP}", {"id": sample["idNumber"]})
        # when each has been answered
        assert body["data"]["person"]["idNumber"] == sample["idNumber"], body
    # then the small one may stay cached (which shows the probe finds a cached document),
    # and the large one is gone
    assert documents_kept(small) >= 1
    assert documents_kept(large) == 0


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
    from tests.conftest import start_app

    app, lifespan = await start_app(settings.replace(env="production"))
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
    from tests.conftest import start_app

    secret = "ops-" + "s" * 30
    app, lifespan = await start_app(settings.replace(ops_token=secret))
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


# --- court actions need the assignment; order and list data go through policy and audit -------


async def judges_of(app: Any, case_number: str) -> list[str]:
    from hub.cases.service import judges_of_case

    async with app.state.runtime.engine.connect() as conn:
        return await judges_of_case(conn, case_number)


async def test_an_unassigned_judge_of_the_same_court_cannot_release_or_renew(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    from tests.hub.test_orders import RELEASE, RENEW, SUBMIT, submit_input

    # given judge-zhang's seizure in a case judge-zhou (same court) is not assigned to
    assert "judge-zhou" not in await judges_of(app, target["caseNumber"])
    body = await api.query(SUBMIT, {"input": submit_input(target)})
    order = body["data"]["freezeOrderSubmit"]["order"]
    ruling = target["caseNumber"].replace("号", "号之二")
    # when judge-zhou tries to release it, and to renew it
    released = await api.query(
        RELEASE,
        {"id": order["id"], "input": {"rulingNumber": ruling, "reason": "x"}},
        token=tokens["judge-zhou"],
    )
    renewed = await api.query(
        RENEW, {"id": order["id"], "input": {"rulingNumber": ruling}}, token=tokens["judge-zhou"]
    )
    # then both are refused as for an order that does not exist (the order is not named to one
    # who may not act on it: README, Orders), and the order is as it was
    for payload in (released["data"]["freezeOrderRelease"], renewed["data"]["freezeOrderRenew"]):
        assert payload["order"] is None
        assert (payload["errors"][0]["code"], payload["errors"][0]["reason"]) == (
            "NOT_FOUND",
            None,
        )
    still = await api.query(
        "query($id: String!) { freezeOrder(id: $id) { status renewals } }", {"id": order["id"]}
    )
    assert still["data"]["freezeOrder"]["status"] != "RELEASED"
    assert still["data"]["freezeOrder"]["renewals"] == 0


async def test_an_unassigned_judge_cannot_publish_or_revoke_a_list_entry(
    api: Api, app: Any, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    from tests.hub.test_sanctions import PUBLISH, REVOKE, a_free_party, publish_input

    # given a respondent of judge-zhang's case that judge-zhou is not assigned to
    party = await a_free_party(app, "PERSON", demo, judge="judge-zhang")
    assert "judge-zhou" not in await judges_of(app, party["caseNumber"])
    # when judge-zhou publishes an entry for it
    body = await api.query(
        PUBLISH, {"input": publish_input("DISHONEST", party)}, token=tokens["judge-zhou"]
    )
    error = body["data"]["sanctionEntryPublish"]["errors"][0]
    assert (error["code"], error["reason"]) == ("FORBIDDEN", "NOT_ASSIGNED")
    # and when judge-zhang's own entry is revoked by judge-zhou
    own = await api.query(PUBLISH, {"input": publish_input("DISHONEST", party)})
    entry = own["data"]["sanctionEntryPublish"]["entry"]
    body = await api.query(
        REVOKE, {"id": entry["id"], "reason": "已履行"}, token=tokens["judge-zhou"]
    )
    error = body["data"]["sanctionEntryRevoke"]["errors"][0]
    # then it is answered as an entry that does not exist (naming no case)
    assert (error["code"], error["reason"]) == ("NOT_FOUND", None)
    assert error["message"] == f"no sanction entry {entry['id']}"
    # (cleanup: the assigned judge revokes it)
    done = await api.query(REVOKE, {"id": entry["id"], "reason": "测试结束"})
    assert done["data"]["sanctionEntryRevoke"]["errors"] == []


async def release_orders_in_force(api: Api, unit: str) -> None:
    """Releases (as the assigned judge) every order in force on ``unit``, so that the next one
    accepted is EFFECTIVE rather than WAITING behind them."""
    from tests.hub.test_orders import RELEASE

    for status in ("WAITING", "EFFECTIVE"):
        listed = await api.query(
            "query($f: FreezeOrderFilter) { freezeOrders(filter: $f, first: 200) {"
            " nodes { id assetId caseNumber } } }",
            {"f": {"status": status}},
        )
        for node in listed["data"]["freezeOrders"]["nodes"]:
            if node["assetId"] != unit:
                continue
            ruling = node["caseNumber"].replace("号", "号之九")
            done = await api.query(
                RELEASE, {"id": node["id"], "input": {"rulingNumber": ruling, "reason": "测试"}}
            )
            assert done["data"]["freezeOrderRelease"]["errors"] == [], done


async def test_an_unassigned_judge_cannot_renew_or_release_an_order_in_force(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    target: dict[str, str],
    target_line_answered: None,
) -> None:
    """Item 8 on an order whose state allows both actions: an order only submitted is refused
    for its state (CONFLICT) whoever asks, so it cannot show a missing assignment check."""
    from tests.hub.test_orders import RELEASE, RENEW, delivered_and_accepted

    # given judge-zhang's seizure in force (delivered, accepted), in a case judge-zhou (same
    # court) is not assigned to
    assert "judge-zhou" not in await judges_of(app, target["caseNumber"])
    await release_orders_in_force(api, target["unit"])
    order = await delivered_and_accepted(api, app, tokens, target)
    assert order["status"] == "EFFECTIVE"
    ruling = target["caseNumber"].replace("号", "号之三")
    # when judge-zhou renews it, then releases it
    renewed = await api.query(
        RENEW, {"id": order["id"], "input": {"rulingNumber": ruling}}, token=tokens["judge-zhou"]
    )
    released = await api.query(
        RELEASE,
        {"id": order["id"], "input": {"rulingNumber": ruling, "reason": "x"}},
        token=tokens["judge-zhou"],
    )
    # then both are refused as for an order that does not exist (README, Orders)
    for payload in (renewed["data"]["freezeOrderRenew"], released["data"]["freezeOrderRelease"]):
        assert payload["order"] is None, payload
        assert [(e["code"], e["reason"]) for e in payload["errors"]] == [("NOT_FOUND", None)]
    # and the order is still in force as accepted: not renewed, not released
    still = await api.query(
        "query($id: String!) { freezeOrder(id: $id) { status expiresOn renewals } }",
        {"id": order["id"]},
    )
    assert still["data"]["freezeOrder"] == {
        "status": "EFFECTIVE",
        "expiresOn": order["expiresOn"],
        "renewals": 0,
    }
    # while the assigned judge may release it (the state allowed it all along)
    mine = await api.query(
        RELEASE, {"id": order["id"], "input": {"rulingNumber": ruling, "reason": "测试结束"}}
    )
    assert mine["data"]["freezeOrderRelease"]["errors"] == []
    assert mine["data"]["freezeOrderRelease"]["order"]["status"] == "RELEASED"


ORDERS_OWNERS = "{ freezeOrders(first: 200) { nodes { id ownerId } } }"
ORDER_OWNER = "query($id: String!) { freezeOrder(id: $id) { id ownerId } }"


async def test_a_judges_order_reads_are_on_record_and_fail_closed(
    api: Api, app: Any, target: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 10 for the court's side: ``freezeOrders`` and ``freezeOrder`` name the owners."""
    from tests.hub.test_orders import SUBMIT, submit_input

    # given an order of the judge's case, naming the target as its owner
    order = (await api.query(SUBMIT, {"input": submit_input(target)}))["data"]["freezeOrderSubmit"][
        "order"
    ]
    assert order["ownerId"] == target["idNumber"]
    # when the judge lists the orders, and reads that one
    listed = await api.post(ORDERS_OWNERS)
    read = await api.post(ORDER_OWNER, {"id": order["id"]})
    assert listed.json()["data"]["freezeOrders"]["nodes"]
    assert read.json()["data"]["freezeOrder"]["ownerId"] == target["idNumber"]
    # then each read is on record: the page as one entry, the order as one about its owner
    page = await entries_of(app, listed.headers["X-Request-Id"])
    assert [(r["action"], r["user_id"]) for r in page] == [("ORDER_LIST", "judge-zhang")]
    single = await entries_of(app, read.headers["X-Request-Id"])
    assert [(r["action"], r["subject_index"]) for r in single] == [
        ("ORDER_VIEW", app.state.runtime.audit.keys.blind_index(target["idNumber"]))
    ]
    # and when the audit store refuses writes, neither read releases anything
    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/audit.sqlite3")
    monkeypatch.setattr(app.state.runtime.audit, "writer", broken)
    for query, variables in ((ORDERS_OWNERS, None), (ORDER_OWNER, {"id": order["id"]})):
        response = await api.post(query, variables)
        body = response.json()
        assert body["data"] is None, body
        assert codes(body) == ["AUDIT_UNAVAILABLE"]
        assert target["idNumber"] not in response.text


INBOX_OWNERS = "{ agencyInbox(first: 50) { nodes { id ownerId } } }"


async def test_agency_officers_see_order_owners_masked_and_on_record(
    api: Api, app: Any, demo: dict[str, Any], target: dict[str, str]
) -> None:
    from hub.orders.worker import deliver_pending
    from tests.hub.test_orders import SUBMIT, submit_input

    # given an order delivered to the registry
    await api.query(SUBMIT, {"input": submit_input(target)})
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    officer = demo_token(demo, "registry_officer")
    # when the registry officer opens the inbox
    response = await api.post(INBOX_OWNERS, token=officer)
    nodes = response.json()["data"]["agencyInbox"]["nodes"]
    assert nodes
    # then no owner's ID number leaves in clear
    persons = [n for n in nodes if len(n["ownerId"]) == 18 and "*" in n["ownerId"]]
    assert persons, nodes
    assert target["idNumber"] not in response.text
    # and the page is on record: one entry with a row per order
    rows = await entries_of(app, response.headers["X-Request-Id"])
    assert [(r["action"], r["subject_index"]) for r in rows] == [("ORDER_LIST", None)]
    async with app.state.runtime.engine.connect() as conn:
        count = (
            await conn.execute(
                select(func.count())
                .select_from(audit_subjects)
                .where(audit_subjects.c.entry_id == rows[0]["id"])
            )
        ).scalar_one()
    assert count == len(nodes)


@pytest.fixture
async def in_the_inbox(api: Api, app: Any, target: dict[str, str]) -> str:
    """An order of this test's own, delivered to the real-estate registry's inbox."""
    from hub.orders.worker import deliver_pending
    from tests.hub.test_orders import SUBMIT, submit_input

    body = await api.query(SUBMIT, {"input": submit_input(target)})
    order_id: str = body["data"]["freezeOrderSubmit"]["order"]["id"]
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    return order_id


async def test_the_inbox_fails_closed_when_the_audit_store_is_down(
    api: Api, demo: dict[str, Any], in_the_inbox: str, audit_down: None
) -> None:
    # given an order in the registry's inbox (this test's own: an empty inbox shows no one),
    # when the audit store refuses writes, the inbox releases nothing
    response = await api.post(INBOX_OWNERS, token=demo_token(demo, "registry_officer"))
    body = response.json()
    assert body["data"] is None
    assert codes(body) == ["AUDIT_UNAVAILABLE"]


async def test_the_list_feed_is_on_record_and_fails_closed(
    api: Api, app: Any, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = "{ sanctionListChanges(first: 5) { nodes { entryId name } endCursor } }"
    approval = demo_token(demo, "approval_system")
    response = await api.post(feed, token=approval)
    nodes = response.json()["data"]["sanctionListChanges"]["nodes"]
    assert nodes
    rows = await entries_of(app, response.headers["X-Request-Id"])
    assert [r["action"] for r in rows] == ["SANCTION_FEED"]
    # when the audit store refuses writes, the feed releases nothing
    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/audit.sqlite3")
    monkeypatch.setattr(app.state.runtime.audit, "writer", broken)
    body = (await api.post(feed, token=approval)).json()
    assert body["data"] is None and codes(body) == ["AUDIT_UNAVAILABLE"]


# --- audit noise ---------------------------------------------------------------------------


async def test_a_refusal_for_a_non_party_is_written_once(
    api: Api, app: Any, demo: dict[str, Any]
) -> None:
    # given a judge citing their case for someone who is not a party of it
    case = demo["samples"]["persons"][0]["caseNumber"]
    stranger = "110101199003070011"
    response = await api.post(PROFILE, {"id": stranger, "case": case})
    assert codes(response.json()) == ["FORBIDDEN"]
    # then one entry records the refusal
    rows = await entries_of(app, response.headers["X-Request-Id"])
    assert [(r["action"], r["outcome"]) for r in rows] == [("PROFILE_VIEW", "DENIED")]


async def test_an_idempotent_resubmission_is_not_a_second_submission(
    api: Api, app: Any, target: dict[str, str]
) -> None:
    from tests.hub.test_orders import SUBMIT, submit_input

    # given an order submitted, then sent again with the same idempotency key
    order = submit_input(target)
    first = await api.post(SUBMIT, {"input": order})
    again = await api.post(SUBMIT, {"input": order})
    ids = {r.json()["data"]["freezeOrderSubmit"]["order"]["id"] for r in (first, again)}
    assert len(ids) == 1
    # then only the first is an ORDER_SUBMIT; the second only read the order back
    assert [r["action"] for r in await entries_of(app, first.headers["X-Request-Id"])] == [
        "ORDER_SUBMIT"
    ]
    assert [r["action"] for r in await entries_of(app, again.headers["X-Request-Id"])] == [
        "ORDER_VIEW"
    ]


async def test_listing_ones_cases_raises_no_anomaly(api: Api, app: Any) -> None:
    response = await api.post("{ myCases(first: 20) { caseNumber } }")
    rows = await entries_of(app, response.headers["X-Request-Id"])
    assert [r["action"] for r in rows] == ["CASE_LIST"]
    assert "NO_CASE" not in rows[0]["flags"].split()


# --- the audit writer is bounded -----------------------------------------------------------


@pytest.mark.postgres
async def test_the_group_commit_connections_carry_the_write_bound(settings: Any) -> None:
    from hub.audit.keys import AuditKeys
    from hub.audit.writer import AuditLog
    from hub.db.engine import create_hub_engine

    engine = create_hub_engine(settings.database_url)
    keys = AuditKeys.load(
        settings.audit_key_path, settings.audit_signing_path, settings.audit_origin
    )
    # given an audit log whose writes may wait 1.5 s
    log = AuditLog(engine, keys, flags=None, write_timeout=1.5)  # type: ignore[arg-type]
    try:
        # then the group commit's connections fail a lock wait or a statement after 1.5 s on
        # their own (no SET per transaction), and the hub's other connections are not bounded
        async with log.writer.connect() as conn:
            bounds = [
                (await conn.exec_driver_sql(f"SHOW {name}")).scalar_one()
                for name in ("lock_timeout", "statement_timeout")
            ]
        async with engine.connect() as conn:
            other = (await conn.exec_driver_sql("SHOW statement_timeout")).scalar_one()
        assert log.writer is not engine
        assert bounds == ["1500ms", "1500ms"]
        assert other == "0"
    finally:
        await log.close()
        await engine.dispose()


@pytest.mark.postgres
async def test_a_locked_audit_table_answers_audit_unavailable_within_the_bound(
    settings: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    import time

    from tests.conftest import start_app

    app, lifespan = await start_app(settings.replace(audit_write_timeout=1.0))
    locker = create_async_engine(settings.database_url)
    try:
        sample = demo["samples"]["persons"][0]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
            # (the hub warmed up first: a cold app compiles the caller's policy table and its
            # caches on its first request, which is not what the bound is about)
            warm = await c.post(
                "/graphql",
                json={
                    "query": PROFILE,
                    "variables": {"id": sample["idNumber"], "case": sample["caseNumber"]},
                },
                headers={"Authorization": f"Bearer {tokens['judge-zhang']}"},
            )
            assert "errors" not in warm.json()
        async with locker.connect() as conn:
            # given another session holding the audit table locked
            await conn.exec_driver_sql("BEGIN")
            await conn.exec_driver_sql("LOCK TABLE audit_entries IN ACCESS EXCLUSIVE MODE")
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
                started = time.monotonic()
                # when a judge looks a party up (an unbounded writer would wait for ever)
                async with asyncio.timeout(15):
                    response = await c.post(
                        "/graphql",
                        json={
                            "query": PROFILE,
                            "variables": {"id": sample["idNumber"], "case": sample["caseNumber"]},
                        },
                        headers={"Authorization": f"Bearer {tokens['judge-zhang']}"},
                    )
                elapsed = time.monotonic() - started
            await conn.exec_driver_sql("ROLLBACK")
        # then AUDIT_UNAVAILABLE comes within the bound, and nothing is released
        body = response.json()
        assert codes(body) == ["AUDIT_UNAVAILABLE"] and body["data"] is None
        assert elapsed < 4.0
    finally:
        await locker.dispose()
        await lifespan.__aexit__(None, None, None)


async def test_a_refusal_names_the_callers_own_org_after_another_orgs_was_cached(
    api: Api, tokens: dict[str, str]
) -> None:
    # given a judge of court 370612 refused a field first (its plan is cached)
    query = "{ agencyInbox(first: 7) { nodes { id } } }"
    first = await api.post(query, token=tokens["judge-li"])
    assert "court:370612" in first.json()["errors"][0]["message"]
    # when a judge of court 370602 sends the same document
    second = await api.post(query, token=tokens["judge-zhou"])
    # then the refusal names 370602, not the other court
    message = second.json()["errors"][0]["message"]
    assert "court:370602" in message and "370612" not in message


async def test_a_subscription_over_plain_http_is_refused_cleanly(
    api: Api, tokens: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # given a subscription posted as an ordinary HTTP request (it needs a websocket)
    with caplog.at_level("ERROR"):
        response = await api.post(
            "subscription { sanctionListChanges { cursor } }", token=tokens["approval-market"]
        )
    # then it is the caller's mistake (400), with no internal error logged
    assert response.status_code == 400
    assert "subscription" in response.text.lower()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_judge_sees_only_orders_of_cases_assigned_to_them(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    from tests.hub.test_orders import SUBMIT, submit_input

    # given judge-zhang's order in a case judge-zhou (same court) is not assigned to
    assert "judge-zhou" not in await judges_of(app, target["caseNumber"])
    order = (await api.query(SUBMIT, {"input": submit_input(target)}))["data"]["freezeOrderSubmit"][
        "order"
    ]
    # when judge-zhou lists the court's orders and asks for this one
    listed = await api.query(
        "{ freezeOrders(first: 200) { nodes { id caseNumber } } }", token=tokens["judge-zhou"]
    )
    one = await api.query(
        "query($id: String!) { freezeOrder(id: $id) { id ownerId } }",
        {"id": order["id"]},
        token=tokens["judge-zhou"],
    )
    # then the colleague's order is not among them, and does not exist for judge-zhou
    assert order["id"] not in {n["id"] for n in listed["data"]["freezeOrders"]["nodes"]}
    assert target["caseNumber"] not in {
        n["caseNumber"] for n in listed["data"]["freezeOrders"]["nodes"]
    }
    assert one["data"]["freezeOrder"] is None
    # while the assigned judge sees it
    mine = await api.query(
        "query($id: String!) { freezeOrder(id: $id) { id } }", {"id": order["id"]}
    )
    assert mine["data"]["freezeOrder"]["id"] == order["id"]


async def test_the_auditor_role_is_a_courts(api: Api, mint: Any) -> None:
    # given a token with the auditor role issued to an agency
    token = mint(sub="agency-auditor", org="agency:real_estate", roles=("auditor",))
    # when it searches the audit log
    body = (await api.post("{ auditEvents(first: 1) { nodes { id } } }", token=token)).json()
    # then it is refused: the auditor role is granted to courts' audit offices only
    assert codes(body) == ["FORBIDDEN"]


async def test_two_authorization_headers_are_refused(api: Api, tokens: dict[str, str]) -> None:
    # given a request carrying two bearer tokens (the first a judge's, the second an auditor's)
    response = await api.client.post(
        "/graphql",
        json={"query": "{ me { userId } }"},
        headers=[
            ("Authorization", f"Bearer {tokens['judge-zhang']}"),
            ("Authorization", f"Bearer {tokens['auditor-sun']}"),
        ],
    )
    # then it is refused rather than either being picked
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "MALFORMED"


async def test_an_unregistered_asset_answers_as_another_persons_and_both_are_on_record(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    from tests.hub.test_orders import SUBMIT, submit_input

    # given a plate nobody has, and a unit registered to someone who is no party of the case
    unknown = submit_input(target, asset={"type": "VEHICLE", "id": "鲁F00000"})
    answers = []
    for order in (unknown, submit_input(target, asset={"type": "VEHICLE", "id": "鲁FZZ999"})):
        response = await api.post(SUBMIT, {"input": order})
        answers.append((response, response.json()["data"]["freezeOrderSubmit"]["errors"][0]))
    # then both answer the same refusal (a submission does not tell which assets exist): the
    # asset is not registered to a respondent of the case
    assert {(e["code"], e["reason"]) for _, e in answers} == {("FORBIDDEN", "NOT_A_RESPONDENT")}
    # and every refused attempt is on record, without a subject, naming what it aimed at
    for response, _ in answers:
        rows = await entries_of(app, response.headers["X-Request-Id"])
        assert [(r["action"], r["outcome"], r["subject_index"]) for r in rows] == [
            ("ORDER_SUBMIT", "DENIED", None)
        ]


async def test_a_refused_court_or_agency_action_is_on_record(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    from tests.hub.test_orders import RELEASE, SUBMIT, submit_input
    from tests.hub.test_sanctions import REVOKE as REVOKE_SANCTION

    order = (await api.query(SUBMIT, {"input": submit_input(target)}))["data"]["freezeOrderSubmit"][
        "order"
    ]
    attempts = [
        # an unassigned judge of the same court releases a colleague's order
        (
            RELEASE,
            {
                "id": order["id"],
                "input": {"rulingNumber": "（2026）鲁0602执1号之二", "reason": "y"},
            },
            "judge-zhou",
        ),
        # an agency answers an order addressed to another
        (
            'mutation($id: String!) { freezeOrderReject(id: $id, reason: "x") { errors { code } } }',
            {"id": order["id"]},
            "market-zhao",
        ),
        # a judge of another court revokes this court's entry
        (REVOKE_SANCTION, {"id": "SX-370602-2023-000001", "reason": "x"}, "judge-li"),
    ]
    for query, variables, who in attempts:
        response = await api.post(query, variables, token=tokens[who])
        rows = await entries_of(app, response.headers["X-Request-Id"])
        assert len(rows) == 1, (who, rows)
        assert rows[0]["outcome"] in ("DENIED", "NOT_FOUND"), (who, rows[0])
        assert rows[0]["user_id"] == who


async def test_a_locked_sqlite_database_is_bounded_and_the_hub_recovers(
    settings: Any, demo: dict[str, Any], tokens: dict[str, str], target: dict[str, str]
) -> None:
    import sqlite3
    import time

    from tests.conftest import start_app
    from tests.hub.test_orders import SUBMIT, submit_input

    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the SQLite busy-timeout path (PostgreSQL: the locked-table test above)")
    app, lifespan = await start_app(settings.replace(audit_write_timeout=1.0))
    path = settings.database_url.split("///", 1)[1]
    sample = demo["samples"]["persons"][0]
    profile = {"id": sample["idNumber"], "case": sample["caseNumber"]}
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
            auth = {"Authorization": f"Bearer {tokens['judge-zhang']}"}

            async def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
                r = await c.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=auth
                )
                return r.json()  # type: ignore[no-any-return]

            # (the hub warmed up first: a cold app compiles the caller's policy table and its
            # caches on its first request, which is not what the bound below is about)
            assert "errors" not in await post(PROFILE, profile)
            # given another process holding the hub database's write lock for 4 seconds
            # (taken off the event loop: the hub's background writers, mid-transaction on
            # this loop, finish first instead of waiting for a blocked loop)
            holder = sqlite3.connect(path, timeout=30, check_same_thread=False)
            await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")
            try:
                started = time.monotonic()
                # when a judge looks a party up, and submits an order
                looked = await post(PROFILE, profile)
                waited = time.monotonic() - started
                submitted = await post(SUBMIT, {"input": submit_input(target)})
                ready = (await c.get("/readyz")).json()
            finally:
                await asyncio.sleep(max(0.0, 4 - (time.monotonic() - started)))
                holder.rollback()
                holder.close()
            # then both fail within the bound, closed and in plain words, and readiness says so
            assert looked["data"] is None and codes(looked) == ["AUDIT_UNAVAILABLE"]
            assert waited < 3.0
            errors = submitted["data"]["freezeOrderSubmit"]["errors"]
            assert [e["code"] for e in errors] == ["AUDIT_UNAVAILABLE"]
            assert ready["status"] == "degraded" and ready["auditWrites"].startswith("failing")
            # and once the lock is gone the hub works again (no write was left holding it)
            again = await post(PROFILE, profile)
            assert "errors" not in again, again
            assert (await c.get("/readyz")).json()["auditWrites"] == "ok"
            probe = sqlite3.connect(path, timeout=10, check_same_thread=False)
            await asyncio.to_thread(probe.execute, "BEGIN IMMEDIATE")  # nobody holds the lock
            probe.rollback()
            probe.close()
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_third_parties_shown_in_a_profile_find_it_in_their_access_history(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given an enterprise party of the judge's case, whose key personnel are no parties
    sample = demo["samples"]["enterprises"][0]
    query = """query($u: String!, $case: String) { enterprise(uscc: $u, caseNumber: $case) {
      registration { keyPersonnel { idNumber name } } } }"""
    body = (await api.post(query, {"u": sample["uscc"], "case": sample["caseNumber"]})).json()
    people = [p["idNumber"] for p in body["data"]["enterprise"]["registration"]["keyPersonnel"]]
    assert people and all("*" not in p for p in people)  # the judge sees them in clear
    # when the auditor asks who saw the first of them
    history = await api.query(
        "query($id: String!) { accessHistory(idNumber: $id) { userId action outcome } }",
        {"id": people[0]},
        token=tokens["auditor-sun"],
    )
    # then the judge's answer that showed the ID number is there: the profile view's entry,
    # with this person's row (outcome SHOWN)
    assert ("judge-zhang", "PROFILE_VIEW", "SHOWN") in {
        (e["userId"], e["action"], e["outcome"]) for e in history["data"]["accessHistory"]
    }


async def test_an_enterprises_uscc_in_the_feed_stays_in_clear_where_persons_are_masked(
    api: Api, tokens: dict[str, str]
) -> None:
    # given the feed as a judge (persons' ID numbers masked; subjectKind is an enum there)
    body = await api.query(
        "{ sanctionListChanges(first: 1000) { nodes { subjectKind subjectId } } }",
        token=tokens["judge-zhang"],
    )
    nodes = body["data"]["sanctionListChanges"]["nodes"]
    enterprises = [n["subjectId"] for n in nodes if n["subjectKind"] == "ENTERPRISE"]
    persons = [n["subjectId"] for n in nodes if n["subjectKind"] == "PERSON"]
    assert enterprises and persons
    # then an enterprise's USCC is public register data, a person's ID number is masked
    assert all("*" not in u and len(u) == 18 for u in enterprises)
    assert all("*" in p for p in persons)
