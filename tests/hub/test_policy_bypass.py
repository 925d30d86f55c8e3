"""Known ways around the field policy and its audit, each with the exact document that found it.

An outside review found that (a) the per-field enforcement plan was cached by the first AST node
of a field and the number of nodes, so a named fragment spread in two places with different
siblings reused the first place's plan and released the second place's denied and masked
leaves; (b) queries sent over the websocket (graphql-transport-ws ``subscribe`` with a query)
were never audited; (c) a batched HTTP request (a JSON array of operations) attributed every
operation's audit entries to the first operation's result, and released the later operations'
data when the audit store failed. The differential test (test_policy_differential.py) then found
(d) a batch whose operations answer different shapes under one key crashing the audit, and (e) a
refused look-up of a non-party recorded twice. Each test here pins one of them down; they
fail until the hub is fixed, and must never be skipped or marked xfail.

The clear values come from the tests-only reader role (it reads everything, see conftest), the
masked forms from the masking rules the fields declare.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hub.policy.masking import mask_id_number, mask_name, mask_phone
from tests.conftest import Api
from tests.hub.policy_support import demo_token, errors_by_path
from tests.hub.transports import audit_mark, audit_since, batch, over_websocket, single

# (a) the document of the review, verbatim
FRAGMENT_TWICE = """
query($id:String!){ a: person(idNumber:$id){ ...P identity { name } }
  b: person(idNumber:$id){ ...P identity { idNumber birthDate phone registeredAddress } } }
fragment P on Person { identity { name } }
"""

# the same shape for the judge: the enterprise's registered phone is masked for judges
FRAGMENT_TWICE_JUDGE = """
query($u:String!, $case:String){ a: enterprise(uscc:$u, caseNumber:$case){ ...E registration { name } }
  b: enterprise(uscc:$u, caseNumber:$case){ ...E registration { name phone } } }
fragment E on Enterprise { registration { name } }
"""

CLEAR_IDENTITY = """query($id:String!){ person(idNumber:$id){
  identity { idNumber name birthDate phone registeredAddress } } }"""
CLEAR_REGISTRATION = """query($u:String!){ enterprise(uscc:$u){ registration { name phone } } }"""

PERSON = """query($id:String!, $case:String){ person(idNumber:$id, caseNumber:$case){
  identity { name birthDate } } }"""
ENTERPRISE = """query($u:String!, $case:String){ enterprise(uscc:$u, caseNumber:$case){
  registration { name status } } }"""


def forbidden_at(body: dict[str, Any], path: tuple[str | int, ...]) -> bool:
    error = errors_by_path(body).get(path)
    return error is not None and error["extensions"]["code"] == "FORBIDDEN"


@pytest.fixture(scope="module")
async def person(reader: Api, demo: dict[str, Any]) -> dict[str, Any]:
    """A party of the judge's open case whose identity has every leaf the review's document asks."""
    for sample in demo["samples"]["persons"]:
        body = await reader.query(CLEAR_IDENTITY, {"id": sample["idNumber"]})
        identity = body["data"]["person"]["identity"]
        if all(identity.values()):
            return {**sample, "identity": identity}
    raise AssertionError("no demo sample has a complete identity")


@pytest.fixture(scope="module")
async def enterprise(reader: Api, app: Any, demo: dict[str, Any]) -> dict[str, Any]:
    """An enterprise party of the judge's open case with a registered phone."""
    from hub.cases.service import parties_of_open_cases

    candidates = [(s["uscc"], s["caseNumber"]) for s in demo["samples"]["enterprises"]]
    async with app.state.runtime.engine.connect() as conn:
        pairs = await parties_of_open_cases(
            conn, judge_id="judge-zhang", subject_kind="ENTERPRISE", limit=40
        )
    candidates += [(p.subject_id, case) for case, p in pairs]
    for uscc, case in candidates:
        body = await reader.query(CLEAR_REGISTRATION, {"u": uscc})
        registration = body["data"]["enterprise"]["registration"]
        if registration and registration["phone"]:
            return {"uscc": uscc, "caseNumber": case, "registration": registration}
    raise AssertionError("no enterprise party of the judge's cases has a registered phone")


def check_registry_view(body: dict[str, Any], identity: dict[str, Any]) -> list[str]:
    """What the registry officer may see of the review's document: names and ID numbers masked,
    birth date, phone and address refused at their paths."""
    problems = []
    data = body.get("data") or {}
    for alias in ("a", "b"):
        got = ((data.get(alias) or {}).get("identity") or {}).get("name")
        if got != mask_name(identity["name"]):
            problems.append(
                f"{alias}.identity.name is {got!r}, not {mask_name(identity['name'])!r}"
            )
    b = ((data.get("b") or {}).get("identity")) or {}
    if b.get("idNumber") != mask_id_number(identity["idNumber"]):
        problems.append(
            f"b.identity.idNumber is {b.get('idNumber')!r},"
            f" not {mask_id_number(identity['idNumber'])!r}"
        )
    for leaf in ("birthDate", "phone", "registeredAddress"):
        if b.get(leaf) is not None:
            problems.append(f"b.identity.{leaf} released: {b[leaf]!r}")
        if not forbidden_at(body, ("b", "identity", leaf)):
            problems.append(f"b.identity.{leaf}: no FORBIDDEN at its path")
    text = json.dumps(body, ensure_ascii=False)
    for leaf in ("idNumber", "birthDate", "phone", "registeredAddress"):
        if str(identity[leaf]) in text:
            problems.append(f"the clear {leaf} {identity[leaf]!r} is in the response")
    return problems


async def test_a_fragment_spread_twice_does_not_leak_the_second_place(
    api: Api, demo: dict[str, Any], person: dict[str, Any]
) -> None:
    # given the registry officer, who sees names and ID numbers masked and no birth date,
    # phone or address
    token = demo_token(demo, "registry_officer")
    # when it sends the review's document: fragment P spread in a and b, b asking for more
    body = await single(api.client, token, FRAGMENT_TWICE, {"id": person["idNumber"]})
    # then b's leaves are masked or refused as the policy says, whatever a's plan was
    assert check_registry_view(body, person["identity"]) == []


async def test_a_fragment_spread_twice_does_not_unmask_the_judges_phone(
    api: Api, demo: dict[str, Any], enterprise: dict[str, Any]
) -> None:
    # given the judge, who sees an enterprise's registered phone masked
    token = demo_token(demo, "enforcement_judge")
    variables = {"u": enterprise["uscc"], "case": enterprise["caseNumber"]}
    # when the judge asks for the phone in the second place a fragment is spread
    body = await single(api.client, token, FRAGMENT_TWICE_JUDGE, variables)
    # then it is masked there too
    assert "errors" not in body, body["errors"]
    phone = enterprise["registration"]["phone"]
    assert body["data"]["b"]["registration"]["phone"] == mask_phone(phone)
    assert body["data"]["a"]["registration"] == {"name": enterprise["registration"]["name"]}
    assert phone not in json.dumps(body, ensure_ascii=False)


async def test_the_same_document_twice_and_by_another_role_between(
    api: Api, demo: dict[str, Any], person: dict[str, Any]
) -> None:
    """The parser cache hands every request of the same text the same AST nodes, so anything
    cached per node outlives the request: the document must be enforced again each time."""
    registry = demo_token(demo, "registry_officer")
    market = demo_token(demo, "market_officer")
    variables = {"id": person["idNumber"]}
    # when the registry officer sends the review's document, then the market officer (the same
    # text: the same parsed document), then the registry officer again
    first = await single(api.client, registry, FRAGMENT_TWICE, variables)
    between = await single(api.client, market, FRAGMENT_TWICE, variables)
    second = await single(api.client, registry, FRAGMENT_TWICE, variables)
    # then every answer masks and refuses as the policy says (the market officer's decisions on
    # these leaves are the registry officer's: names and ID numbers masked, the rest denied)
    assert check_registry_view(first, person["identity"]) == []
    assert check_registry_view(between, person["identity"]) == []
    assert check_registry_view(second, person["identity"]) == []


async def test_a_query_over_the_websocket_is_audited(
    app: Any, demo: dict[str, Any], person: dict[str, Any]
) -> None:
    # given the judge connected over graphql-transport-ws
    token = demo_token(demo, "enforcement_judge")
    mark = await audit_mark(app)
    # when the judge sends a profile look-up as a subscribe message (a query, not a subscription)
    variables = {"id": person["idNumber"], "case": person["caseNumber"]}
    [result] = await over_websocket(app, token, [(PERSON, variables)])
    # then the data came back ...
    assert result.get("errors") is None, result
    assert result["data"]["person"]["identity"]["name"] == person["identity"]["name"]
    # ... and was on record before it left: one PROFILE_VIEW of that person for that case
    entries = await audit_since(app, mark, "judge-zhang")
    assert [(e.action, e.subject, e.case_number, e.outcome) for e in entries] == [
        ("PROFILE_VIEW", person["idNumber"], person["caseNumber"], "OK")
    ]
    assert {"Identity.name", "Identity.birthDate"} <= set(entries[0].granted)


async def test_a_websocket_query_fails_closed_when_the_audit_store_is_down(
    app: Any, demo: dict[str, Any], person: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an audit store that cannot be written
    from sqlalchemy.ext.asyncio import create_async_engine

    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/audit.sqlite3")
    monkeypatch.setattr(app.state.runtime.audit, "writer", broken)
    token = demo_token(demo, "enforcement_judge")
    variables = {"id": person["idNumber"], "case": person["caseNumber"]}
    try:
        # when the judge asks over the websocket
        [result] = await over_websocket(app, token, [(PERSON, variables)])
    finally:
        monkeypatch.undo()
        await broken.dispose()
    # then nothing about the person is released
    assert not (result.get("data") or {}).get("person"), result
    assert person["identity"]["name"] not in json.dumps(result, ensure_ascii=False)


async def test_each_operation_of_a_batch_gets_its_own_audit_entry(
    api: Api, app: Any, demo: dict[str, Any], person: dict[str, Any], enterprise: dict[str, Any]
) -> None:
    # given the judge and two parties of the judge's open cases
    token = demo_token(demo, "enforcement_judge")
    mark = await audit_mark(app)
    # when both look-ups go in one batched request
    first, second = await batch(
        api.client,
        token,
        [
            (PERSON, {"id": person["idNumber"], "case": person["caseNumber"]}),
            (ENTERPRISE, {"u": enterprise["uscc"], "case": enterprise["caseNumber"]}),
        ],
    )
    assert "errors" not in first and "errors" not in second, (first, second)
    assert second["data"]["enterprise"]["registration"]["name"]
    # then each operation has its own entry, with its own outcome: both were answered
    entries = await audit_since(app, mark, "judge-zhang")
    assert sorted((e.action, e.subject, e.case_number, e.outcome) for e in entries) == sorted(
        [
            ("PROFILE_VIEW", person["idNumber"], person["caseNumber"], "OK"),
            ("PROFILE_VIEW", enterprise["uscc"], enterprise["caseNumber"], "OK"),
        ]
    )
    by_subject = {e.subject: e for e in entries}
    assert "EnterpriseRegistration.name" in by_subject[enterprise["uscc"]].granted
    assert "Identity.name" in by_subject[person["idNumber"]].granted


async def test_a_batch_fails_closed_in_every_operation_when_the_audit_store_is_down(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    person: dict[str, Any],
    enterprise: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given an audit store that cannot be written
    from sqlalchemy.ext.asyncio import create_async_engine

    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/audit.sqlite3")
    monkeypatch.setattr(app.state.runtime.audit, "writer", broken)
    token = demo_token(demo, "enforcement_judge")
    try:
        # when the judge sends two look-ups in one batch
        bodies = await batch(
            api.client,
            token,
            [
                (PERSON, {"id": person["idNumber"], "case": person["caseNumber"]}),
                (ENTERPRISE, {"u": enterprise["uscc"], "case": enterprise["caseNumber"]}),
            ],
        )
    finally:
        monkeypatch.undo()
        await broken.dispose()
    # then no operation releases anything: each answers AUDIT_UNAVAILABLE with no data
    for body in bodies:
        assert body["data"] is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["AUDIT_UNAVAILABLE"]
    text = json.dumps(bodies, ensure_ascii=False)
    assert person["identity"]["name"] not in text
    assert enterprise["registration"]["name"] not in text


async def test_a_batch_with_differently_shaped_answers_is_answered_and_audited(
    api: Api, app: Any, demo: dict[str, Any], person: dict[str, Any], enterprise: dict[str, Any]
) -> None:
    """Found by the differential test: the audit of a batch walked the first operation's answer
    with the second operation's paths, and crashed (TypeError) when one answer holds a list where
    the other holds an object under the same response key — the whole request failed."""
    # given the market officer, who may follow an enterprise's legal representative
    token = demo_token(demo, "market_officer")
    mark = await audit_mark(app)
    # when two operations answer different shapes under the same key r0
    try:
        first, second = await batch(
            api.client,
            token,
            [
                (
                    "query($ids:[String!]!){ r0: persons(idNumbers:$ids) { idNumber } }",
                    {"ids": [person["idNumber"]]},
                ),
                (
                    "query($u:String!){ r0: enterprise(uscc:$u) {"
                    " registration { legalRepresentative { idNumber } } } }",
                    {"u": enterprise["uscc"]},
                ),
            ],
        )
    except Exception as exc:  # the ASGI app raised: over HTTP this is a 500
        pytest.fail(f"the hub failed on the batch: {type(exc).__name__}: {exc}")
    # then both are answered, and each look-up is on record with its own outcome
    assert "errors" not in first and "errors" not in second, (first, second)
    representative = second["data"]["r0"]["registration"]["legalRepresentative"]
    assert representative is not None
    entries = await audit_since(app, mark, "market-zhao")
    assert sorted((e.action, e.subject_kind, e.outcome) for e in entries) == [
        ("PROFILE_VIEW", "ENTERPRISE", "OK"),
        ("PROFILE_VIEW", "PERSON", "OK"),
        ("REFERENCE_VIEW", "PERSON", "OK"),
    ]


async def test_a_refused_look_up_is_recorded_once(
    api: Api, app: Any, demo: dict[str, Any], person: dict[str, Any]
) -> None:
    """Found by the differential test: a single ``person`` look-up of someone who is no party of
    the cited case wrote two DENIED entries (one with the verdict, one when the refusal was
    raised), so every such attempt counted twice towards DENIED_BURST."""
    # given the judge and someone who is a party of another court's case only
    token = demo_token(demo, "enforcement_judge")
    outsider = demo["samples"]["otherCourtPersons"][0]["idNumber"]
    mark = await audit_mark(app)
    # when the judge looks them up citing one of the judge's own cases
    body = await single(api.client, token, PERSON, {"id": outsider, "case": person["caseNumber"]})
    assert body["data"] == {"person": None}
    assert body["errors"][0]["extensions"]["reason"] == "NOT_A_PARTY"
    # then the refusal is on record once
    entries = await audit_since(app, mark, "judge-zhang")
    assert [(e.action, e.subject, e.outcome) for e in entries] == [
        ("PROFILE_VIEW", outsider, "DENIED")
    ]


async def test_transports_reach_the_same_hub(
    api: Api, app: Any, demo: dict[str, Any], person: dict[str, Any]
) -> None:
    """The helpers themselves: one look-up answers the same over HTTP, in a batch and over the
    websocket (so the tests above fail for the hub's reasons, not the client's)."""
    token = demo_token(demo, "police_officer")
    operation = (CLEAR_IDENTITY, {"id": person["idNumber"]})
    alone = await single(api.client, token, *operation)
    [in_batch] = await batch(api.client, token, [operation])
    [over_ws] = await over_websocket(app, token, [operation])
    assert alone["data"]["person"]["identity"] == person["identity"]
    assert in_batch["data"] == alone["data"]
    assert over_ws["data"] == alone["data"]
    assert isinstance(api.client, httpx.AsyncClient)
