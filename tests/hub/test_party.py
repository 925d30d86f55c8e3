"""The enterprise party as a user (企业纾困360, Step 15): its own data only, nothing to probe.

An enterprise's authorised person signs in with a token whose ``org`` is ``enterprise:<USCC>``
and whose ``sub`` is the person's ID number. ``myEnterprise`` (no argument) answers the
enterprise's cases, the measures registered on its assets and its sanction-list entries; every
other root field is refused by the policy before any look-up, on every transport, with the same
answer whether what it names exists or not, and refused attempts are rate limited.

The expected values are read here from the hub's tables with SQL of the tests' own, not through
the hub's services.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
)
from sqlalchemy import select, text

from connectors.base.identifiers import make_id_number, make_uscc, validate_id_number
from connectors.base.world import build_world
from hub.audit.models import audit_entries
from hub.auth.tokens import issue_token, load_private_key
from hub.config import Settings
from hub.graphql.schema import schema as hub_schema
from hub.orders.models import freeze_orders
from hub.sanctions.models import sanction_entries
from tests.conftest import TEST_PERSONS, TEST_SEED, Api, served, start_app
from tests.hub.transports import over_websocket

S = hub_schema._schema
PARTY_ROLE = "enterprise_party"
# The test world's demo party (tests/policy_intent.md names it as the matrix's caller): an
# enterprise that is 被执行人 in one demo case and 申请执行人 in another.
DEMO_PARTY_USCC = "91370203998075304C"

MY_ENTERPRISE = """{ myEnterprise {
  uscc
  cases { caseNumber courtCode courtName kind cause status filedOn closedOn amount role
          judges { name role } }
  measures { id kind assetType assetId courtCode courtName caseNumber status rank
             effectiveFrom expiresOn termMonths termDays renewals }
  sanctions { id list subjectKind subjectId name courtCode caseNumber status grounds termYears
              endsOn endGround }
} }"""
# The roots a party may call — its zone and its requests against its own cases (a case not its
# own answers as one that does not exist: tests/hub/test_party_requests.py) — and the caller's
# own account (not governed by the policy: every signed-in caller reads who they are).
ALLOWED = {"myEnterprise", "partyRequestFile", "me"}


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def party(demo: dict[str, Any]) -> dict[str, Any]:
    users = [u for u in demo["users"] if PARTY_ROLE in u["roles"]]
    assert len(users) == 1, users
    return users[0]  # type: ignore[no-any-return]


def fresh_person(n: int) -> str:
    """A valid ID number no test person has (a person signing in for some enterprise)."""
    known = {p.id_number for p in WORLD.persons}
    day = date(1971, 3, 1).toordinal() + n
    while True:
        candidate = make_id_number("370602", date.fromordinal(day), 7, male=bool(n % 2))
        if candidate not in known:
            return candidate
        day += 1


WORLD = build_world(TEST_SEED, TEST_PERSONS)
KNOWN_USCCS = {e.uscc for e in WORLD.enterprises}
UNKNOWN_USCC = next(
    u for u in (make_uscc("370602", 99_000_000 + i) for i in range(100)) if u not in KNOWN_USCCS
)
UNKNOWN_PERSON = fresh_person(0)


@pytest.fixture(scope="module")
def party_token(settings: Settings) -> Any:
    key, kid = load_private_key(settings.private_key_path)

    def make(uscc: str, person: str) -> str:
        return issue_token(
            private_key=key,
            kid=kid,
            sub=person,
            org=f"enterprise:{uscc}",
            roles=[PARTY_ROLE],
            ttl=timedelta(hours=1),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )

    return make


async def ask(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": uuid.uuid4().hex},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def lenient(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own whose party limit is out of reach (the enumeration tests are refused
    dozens of times; the limit itself is tested below)."""
    async with served(settings.replace(party_refusals_per_hour=100_000)) as (app, client):
        client.app = app  # type: ignore[attr-defined]
        yield client


# --- the demo party and its token -----------------------------------------------------------------


def test_the_demo_has_an_enterprise_party(party: dict[str, Any]) -> None:
    # the demo's enterprise party: a person's ID number as the user, the enterprise as the org
    assert party["roles"] == [PARTY_ROLE]
    assert party["org"] == f"enterprise:{DEMO_PARTY_USCC}"
    assert validate_id_number(party["id"]) == party["id"]
    # its legal representative (the authorised person of the demo)
    enterprise = next(e for e in WORLD.enterprises if e.uscc == DEMO_PARTY_USCC)
    assert WORLD.persons[enterprise.legal_rep].id_number == party["id"]


@pytest.mark.parametrize(
    ("sub", "org", "words"),
    [
        ("judge-zhang", f"enterprise:{DEMO_PARTY_USCC}", "ID number"),
        ("370602197103010001", f"enterprise:{DEMO_PARTY_USCC}", "check character"),
        (UNKNOWN_PERSON, "enterprise:91370203998075304D", "check character"),
        (UNKNOWN_PERSON, "enterprise:91370203998075304c", "must look like"),
        (UNKNOWN_PERSON, "enterprise:9137020399807530", "must look like"),
    ],
)
def test_fyt_token_issue_refuses_bad_party_claims(
    settings: Settings, sub: str, org: str, words: str
) -> None:
    # given claims of an enterprise party that break GB 11643 or GB 32100
    key, kid = load_private_key(settings.private_key_path)
    # when a token is minted with them, then nothing is minted and the rule is named
    with pytest.raises(ValueError, match=words):
        issue_token(
            private_key=key,
            kid=kid,
            sub=sub,
            org=org,
            roles=[PARTY_ROLE],
            ttl=timedelta(hours=1),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )


@pytest.mark.parametrize(
    ("sub", "org"),
    [
        ("judge-zhang", f"enterprise:{DEMO_PARTY_USCC}"),  # not an ID number
        (UNKNOWN_PERSON, "enterprise:91370203998075304D"),  # bad USCC
        (UNKNOWN_PERSON, "enterprise:91370203998075304c"),  # lower case
    ],
)
async def test_the_hub_refuses_a_party_token_with_bad_claims(
    api: Api, settings: Settings, sub: str, org: str
) -> None:
    # given a correctly signed token whose party claims break the identifier rules
    from tests.hub.test_tokens_hardening import forge

    key, kid = load_private_key(settings.private_key_path)
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "sub": sub,
        "org": org,
        "roles": [PARTY_ROLE],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 600,
    }
    token = forge({"alg": "EdDSA", "kid": kid}, claims, key)
    # when it is used
    response = await api.client.post(
        "/graphql",
        json={"query": "{ myEnterprise { uscc } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    # then it is a 401 with the reason MALFORMED, before anything runs
    assert response.status_code == 401, response.text
    assert response.json()["errors"][0]["extensions"] == {
        "code": "UNAUTHENTICATED",
        "reason": "MALFORMED",
    }


# --- its own data ---------------------------------------------------------------------------------


async def own_cases(app: Any, uscc: str) -> dict[tuple[str, str], list[str | None]]:
    """(case number, role) -> the judges' names, from the court's tables."""
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT c.case_number, p.role, u.name FROM case_parties p"
                    " JOIN cases c ON c.id = p.case_id"
                    " LEFT JOIN case_judges j ON j.case_id = c.id"
                    " LEFT JOIN users u ON u.id = j.judge_id"
                    " WHERE p.subject_id = :uscc"
                ),
                {"uscc": uscc},
            )
        ).all()
    out: dict[tuple[str, str], list[str | None]] = {}
    for number, role, name in rows:
        out.setdefault((number, role), []).append(name)
    return out


async def test_the_party_sees_its_cases_in_both_roles(
    app: Any, api: Api, party: dict[str, Any]
) -> None:
    # given the demo party, 被执行人 in one case and 申请执行人 in another
    expected = await own_cases(app, DEMO_PARTY_USCC)
    assert {role for _, role in expected} == {"申请执行人", "被执行人"}
    # when it reads its zone
    body = await api.query(MY_ENTERPRISE, token=party["token"])
    # then it sees exactly its cases, each in its role, with the judges' names and the court
    assert "errors" not in body, body
    mine = body["data"]["myEnterprise"]
    assert mine["uscc"] == DEMO_PARTY_USCC
    got = {
        (c["caseNumber"], c["role"]): sorted(j["name"] for j in c["judges"]) for c in mine["cases"]
    }
    assert got == {k: sorted(v) for k, v in expected.items()}
    for case in mine["cases"]:
        assert case["courtName"].endswith("人民法院")
        assert case["status"] in ("OPEN", "CLOSED")
        assert float(case["amount"]) > 0


async def test_another_enterprise_sees_only_its_own(
    app: Any, api: Api, party: dict[str, Any], party_token: Any, demo: dict[str, Any]
) -> None:
    # given another enterprise that is a party of demo cases, signed in by some person
    other = demo["samples"]["enterprises"][0]["uscc"]
    assert other != DEMO_PARTY_USCC
    token = party_token(other, fresh_person(1))
    # when both read their zones
    theirs = (await api.query(MY_ENTERPRISE, token=token))["data"]["myEnterprise"]
    mine = (await api.query(MY_ENTERPRISE, token=party["token"]))["data"]["myEnterprise"]
    # then each sees its own cases, and none of the other's it is not itself a party of
    assert theirs["uscc"] == other
    assert {(c["caseNumber"], c["role"]) for c in theirs["cases"]} == set(
        await own_cases(app, other)
    )
    shared = {n for n, _ in await own_cases(app, other)} & {
        n for n, _ in await own_cases(app, DEMO_PARTY_USCC)
    }
    assert (
        not ({c["caseNumber"] for c in mine["cases"]} - {c["caseNumber"] for c in theirs["cases"]})
        & shared
    )
    assert {c["caseNumber"] for c in mine["cases"]}.isdisjoint(
        {c["caseNumber"] for c in theirs["cases"]} - shared
    )
    # and an enterprise no case names has an empty zone, not someone else's
    empty = await api.query(MY_ENTERPRISE, token=party_token(UNKNOWN_USCC, fresh_person(2)))
    assert empty["data"]["myEnterprise"] == {
        "uscc": UNKNOWN_USCC,
        "cases": [],
        "measures": [],
        "sanctions": [],
    }


def _order(order_id: str, owner: str, status: str, rank: int | None, asset: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": order_id,
        "kind": "SEIZE",
        "asset_type": "REAL_ESTATE",
        "asset_id": asset,
        "agency": "real_estate",
        "owner_id": owner,
        "court_code": "370613",
        "case_number": "（2026）鲁0613执582号",
        "ruling_number": "（2026）鲁0613执582号之一",
        "term_months": 36,
        "status": status,
        "rank": rank,
        "submitted_by": "judge-wu",
        "submitted_at": now,
        "effective_from": date(2026, 3, 2) if status in ("EFFECTIVE", "RELEASED") else None,
        "expires_on": date(2029, 3, 1) if status in ("EFFECTIVE", "RELEASED") else None,
        "renewals": 0,
        "idempotency_key": uuid.uuid4().hex,
        "payload_hash": "0" * 64,
        "updated_at": now,
    }


async def test_the_party_sees_the_measures_registered_on_its_assets(
    app: Any, api: Api, party: dict[str, Any]
) -> None:
    # given orders on the party's assets in every state, and one on another owner's asset
    tag = uuid.uuid4().hex[:8].upper()
    rows = [
        _order(f"FO-T-{tag}-E", DEMO_PARTY_USCC, "EFFECTIVE", 1, f"U{tag}1"),
        _order(f"FO-T-{tag}-W", DEMO_PARTY_USCC, "WAITING", 2, f"U{tag}1"),
        _order(f"FO-T-{tag}-R", DEMO_PARTY_USCC, "RELEASED", None, f"U{tag}2"),
        _order(f"FO-T-{tag}-S", DEMO_PARTY_USCC, "SUBMITTED", None, f"U{tag}3"),
        _order(f"FO-T-{tag}-D", DEMO_PARTY_USCC, "DELIVERED", None, f"U{tag}4"),
        _order(f"FO-T-{tag}-X", DEMO_PARTY_USCC, "REJECTED", None, f"U{tag}5"),
        _order(f"FO-T-{tag}-O", UNKNOWN_USCC, "EFFECTIVE", 1, f"U{tag}6"),
    ]
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(freeze_orders.insert(), rows)
    try:
        # when it reads its measures
        body = await api.query(
            "{ myEnterprise { measures { id status rank expiresOn } } }", token=party["token"]
        )
    finally:  # no other test meets these orders (an agency's inbox, a court's list)
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(
                freeze_orders.delete().where(freeze_orders.c.id.in_([r["id"] for r in rows]))
            )
    # then it sees those the agency registered (in effect, waiting, ended), not orders still on
    # their way to the agency, nor a rejected one, nor another owner's
    assert "errors" not in body, body
    got = {m["id"]: m for m in body["data"]["myEnterprise"]["measures"] if tag in m["id"]}
    assert sorted(got) == sorted(f"FO-T-{tag}-{s}" for s in "EWR")
    assert got[f"FO-T-{tag}-E"]["rank"] == 1 and got[f"FO-T-{tag}-W"]["rank"] == 2
    assert got[f"FO-T-{tag}-E"]["expiresOn"] == "2029-03-01"


async def test_the_party_sees_its_own_sanction_entries(
    app: Any, api: Api, party: dict[str, Any]
) -> None:
    # given an entry on the party and one on another enterprise
    tag = uuid.uuid4().hex[:6].upper()
    base = {
        "list": "DISHONEST",
        "subject_kind": "ENTERPRISE",
        "court_code": "370613",
        "case_number": "（2026）鲁0613执582号",
        "obligation": "支付货款人民币100000元",
        "published_on": date(2026, 2, 2),
        "legal_basis": "法释〔2017〕7号 第一条第（三）项",
        "status": "ACTIVE",
        "grounds": "EVADING",
        "term_years": 2,
        "ends_on": date(2028, 2, 1),
    }
    entries = [
        {**base, "id": f"SX-T-{tag}-1", "subject_id": DEMO_PARTY_USCC, "name": "本企业"},
        {**base, "id": f"SX-T-{tag}-2", "subject_id": UNKNOWN_USCC, "name": "他企业"},
    ]
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(sanction_entries.insert(), entries)
    try:
        # when it reads its entries
        body = await api.query(
            "{ myEnterprise { sanctions { id subjectId grounds termYears endsOn status } } }",
            token=party["token"],
        )
    finally:  # no check or list of another test meets these entries
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(
                sanction_entries.delete().where(
                    sanction_entries.c.id.in_([e["id"] for e in entries])
                )
            )
    # then it sees its own, with ground, term and end (法释〔2017〕7号 第一条、第二条), not the other's
    assert "errors" not in body, body
    got = [s for s in body["data"]["myEnterprise"]["sanctions"] if tag in s["id"]]
    assert got == [
        {
            "id": f"SX-T-{tag}-1",
            "subjectId": DEMO_PARTY_USCC,
            "grounds": ["EVADING"],
            "termYears": 2,
            "endsOn": "2028-02-01",
            "status": "ACTIVE",
        }
    ]
    assert all(s["subjectId"] == DEMO_PARTY_USCC for s in body["data"]["myEnterprise"]["sanctions"])


async def test_reading_the_zone_is_audited(app: Any, api: Api, party: dict[str, Any]) -> None:
    # given the party reading its zone with a request id of its own
    request_id = uuid.uuid4().hex
    response = await api.client.post(
        "/graphql",
        json={"query": "{ myEnterprise { cases { caseNumber } } }"},
        headers={"Authorization": f"Bearer {party['token']}", "X-Request-Id": request_id},
    )
    assert response.status_code == 200 and "errors" not in response.json()
    request_id = response.headers["x-request-id"]  # the hub's own (the caller's is not trusted)
    # then one entry records it: the person as the user, the enterprise as org and subject
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_entries).where(audit_entries.c.request_id == request_id)
            )
        ).all()
    assert [(r.action, r.user_id, r.org, r.subject_kind, r.outcome) for r in rows] == [
        ("PARTY_VIEW", party["id"], f"enterprise:{DEMO_PARTY_USCC}", "ENTERPRISE", "OK")
    ]
    keys = app.state.runtime.audit.keys
    contents = json.loads(rows[0].content)
    assert keys.decrypt(contents["subject"]) == DEMO_PARTY_USCC
    assert "MyEnterprise.cases" in contents["fields"]["granted"]


async def test_the_auditor_sees_the_party_person_masked(
    api: Api, tokens: dict[str, str], party: dict[str, Any]
) -> None:
    # given the party and a judge each on record
    for token, query in (
        (party["token"], "{ myEnterprise { cases { caseNumber } } }"),
        (tokens["judge-zhang"], "{ myCases { caseNumber } }"),
    ):
        assert "errors" not in await ask(api.client, token, query)
    # when the auditor reads the log
    body = await ask(
        api.client,
        tokens["auditor-sun"],
        "query($f: AuditEventFilter) { auditEvents(filter: $f, first: 50) { nodes { userId org } } }",
        {"f": {"org": f"enterprise:{DEMO_PARTY_USCC}"}},
    )
    assert "errors" not in body, body
    users = {n["userId"] for n in body["data"]["auditEvents"]["nodes"]}
    # then the party's person shows as a masked ID number (an auditor sees no one's in clear) …
    person = party["id"]
    assert users == {person[:2] + "*" * 14 + person[-2:]}
    staff = await ask(
        api.client,
        tokens["auditor-sun"],
        "query($f: AuditEventFilter) { auditEvents(filter: $f, first: 1) { nodes { userId } } }",
        {"f": {"userId": "judge-zhang"}},
    )
    # … and a staff id stays in clear
    assert staff["data"]["auditEvents"]["nodes"] == [{"userId": "judge-zhang"}]


async def test_other_callers_are_refused_the_zone(api: Api, tokens: dict[str, str]) -> None:
    # given a judge and an auditor, when they ask for myEnterprise, then the policy refuses it
    for user in ("judge-zhang", "auditor-sun", "approval-market"):
        body = await api.query("{ myEnterprise { uscc } }", token=tokens[user])
        assert body["data"] == {"myEnterprise": None}, body
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- every other root field: refused, on every transport --------------------------------------------


def _value(t: Any, names: dict[str, Any], field: str) -> Any:
    if isinstance(t, GraphQLNonNull):
        return _value(t.of_type, names, field)
    if isinstance(t, GraphQLList):
        return [_value(t.of_type, names, field)]
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLInputObjectType):
        return {
            name: _value(f.type, names, name)
            for name, f in t.fields.items()
            if isinstance(f.type, GraphQLNonNull) or name in names
        }
    for stem, value in names.items():  # identifiers by the argument's name
        if field.lower().startswith(stem.lower()):
            return value[0] if isinstance(value, list) else value
    return {
        "Int": 1,
        "Float": 1.0,
        "Boolean": True,
        "Date": "2026-01-05",
        "DateTime": "2026-01-05T00:00:00+00:00",
        "Decimal": "1.00",
    }.get(t.name, "1")


def operation(
    kind: str, name: str, field: GraphQLField, names: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """A valid document calling one root field with every argument it takes given."""
    declared, passed, variables = [], [], {}
    for i, (arg_name, arg) in enumerate(field.args.items()):
        declared.append(f"$a{i}: {arg.type}")
        passed.append(f"{arg_name}: $a{i}")
        variables[f"a{i}"] = _value(arg.type, names, arg_name)
    named = get_named_type(field.type)
    selection = " { __typename }" if isinstance(named, GraphQLObjectType | GraphQLUnionType) else ""
    head = f"{kind}({', '.join(declared)})" if declared else kind
    call = f"{name}({', '.join(passed)})" if passed else name
    return f"{head} {{ {call}{selection} }}", variables


def roots(kind: str) -> list[tuple[str, GraphQLField]]:
    root = {
        "query": S.query_type,
        "mutation": S.mutation_type,
        "subscription": S.subscription_type,
    }[kind]
    assert root is not None
    return [(n, f) for n, f in root.fields.items() if n not in ALLOWED]


# What an argument names, by its name: a person, an enterprise, a case, an order or an entry.
def names_of(person: str, uscc: str, case: str) -> dict[str, Any]:
    return {"idNumber": person, "uscc": uscc, "caseNumber": case, "id": "FO-2026-0000000001"}


def refused(body: dict[str, Any], name: str) -> bool:
    data = body.get("data")
    errors = [e for e in body.get("errors", []) if e.get("path") == [name]]
    return (data is None or data.get(name) is None) and [
        e["extensions"]["code"] for e in errors
    ] == ["FORBIDDEN"]


QUERY_AND_MUTATION = [("query", n) for n, _ in roots("query")] + [
    ("mutation", n) for n, _ in roots("mutation")
]


def test_the_schema_has_roots_to_refuse() -> None:
    # the list is the schema's: a new root field is checked here without anyone adding it
    assert len(QUERY_AND_MUTATION) > 30 and roots("subscription")


async def test_every_other_root_field_is_refused(
    lenient: httpx.AsyncClient, party_token: Any, demo: dict[str, Any]
) -> None:
    # given a party, and every other query and mutation of the schema with its arguments
    token = party_token(DEMO_PARTY_USCC, fresh_person(3))
    person = demo["samples"]["persons"][0]
    names = names_of(
        person["idNumber"], demo["samples"]["enterprises"][0]["uscc"], person["caseNumber"]
    )
    wrong = []
    for kind, name in QUERY_AND_MUTATION:
        field = (S.query_type if kind == "query" else S.mutation_type).fields[name]  # type: ignore[union-attr]
        document, variables = operation(kind, name, field, names)
        # when it calls one over HTTP
        body = await ask(lenient, token, document, variables)
        # then the field is refused by the policy, and nothing else is answered
        if not refused(body, name):
            wrong.append((name, body))
    assert wrong == []


async def test_subscriptions_and_websocket_queries_are_refused(
    lenient: httpx.AsyncClient, party_token: Any, demo: dict[str, Any]
) -> None:
    # given a party on a websocket
    token = party_token(DEMO_PARTY_USCC, fresh_person(4))
    names = names_of(UNKNOWN_PERSON, UNKNOWN_USCC, demo["samples"]["persons"][0]["caseNumber"])
    operations = [operation("subscription", n, f, names) for n, f in roots("subscription")]
    person = S.query_type.fields["person"]  # type: ignore[union-attr]
    operations.append(operation("query", "person", person, names))
    operations.append(("{ myEnterprise { uscc } }", {}))
    # when it subscribes to every subscription, asks a profile and its own zone there
    bodies = await over_websocket(lenient.app, token, operations)  # type: ignore[attr-defined]
    # then every subscription and the profile are refused, and its zone answers
    names_asked = [n for n, _ in roots("subscription")] + ["person"]
    for name, body in zip(names_asked, bodies, strict=False):
        assert refused(body, name) or [e["extensions"]["code"] for e in body["errors"]] == [
            "FORBIDDEN"
        ], (name, body)
    assert bodies[-1] == {"data": {"myEnterprise": {"uscc": DEMO_PARTY_USCC}}}


async def test_batches_and_get_are_held_to_the_same_rule(
    lenient: httpx.AsyncClient, party_token: Any, demo: dict[str, Any]
) -> None:
    token = party_token(DEMO_PARTY_USCC, fresh_person(5))
    person = demo["samples"]["persons"][0]
    headers = {"Authorization": f"Bearer {token}"}
    # given a batch: its own zone, then a profile
    response = await lenient.post(
        "/graphql",
        json=[
            {"query": "{ myEnterprise { uscc } }"},
            {
                "query": "query($id: String!) { person(idNumber: $id) { idNumber } }",
                "variables": {"id": person["idNumber"]},
            },
        ],
        headers=headers,
    )
    # then the zone answers and the profile is refused
    first, second = response.json()
    assert first == {"data": {"myEnterprise": {"uscc": DEMO_PARTY_USCC}}}
    assert refused(second, "person"), second
    # and over GET the same
    refused_get = await lenient.get(
        "/graphql",
        params={
            "query": "query($u: String!) { enterprise(uscc: $u) { uscc } }",
            "variables": json.dumps({"u": demo["samples"]["enterprises"][0]["uscc"]}),
        },
        headers=headers,
    )
    assert refused(refused_get.json(), "enterprise"), refused_get.text
    own = await lenient.get(
        "/graphql", params={"query": "{ myEnterprise { uscc } }"}, headers=headers
    )
    assert own.json() == {"data": {"myEnterprise": {"uscc": DEMO_PARTY_USCC}}}


# --- probing ----------------------------------------------------------------------------------------


async def test_probing_other_subjects_learns_nothing(
    lenient: httpx.AsyncClient, party_token: Any, demo: dict[str, Any]
) -> None:
    # given a party, and every argument-taking root field asked once with subjects that exist
    # (a demo person, another demo enterprise, one of their cases) and once with ones that do not
    token = party_token(DEMO_PARTY_USCC, fresh_person(6))
    person = demo["samples"]["persons"][0]
    existing = names_of(
        person["idNumber"], demo["samples"]["enterprises"][0]["uscc"], person["caseNumber"]
    )
    missing = names_of(UNKNOWN_PERSON, UNKNOWN_USCC, "（2026）鲁0602执999999号")
    invalid = names_of("370602197103010001", "91370203998075304D", "2026-999")
    differ = []
    for kind, name in QUERY_AND_MUTATION:
        field = (S.query_type if kind == "query" else S.mutation_type).fields[name]  # type: ignore[union-attr]
        if not field.args:
            continue
        # when it asks all three (and an identifier that is not even valid)
        answers = []
        for names in (existing, missing, invalid):
            document, variables = operation(kind, name, field, names)
            answers.append(await ask(lenient, token, document, variables))
        # then the answers are the same, word for word: nothing tells whether a subject exists
        if any(a != answers[0] for a in answers) or not refused(answers[0], name):
            differ.append((name, answers))
    assert differ == []


async def test_a_party_that_keeps_probing_is_rate_limited(
    settings: Settings, party_token: Any, demo: dict[str, Any]
) -> None:
    # given a hub that allows a party 3 refused attempts an hour
    async with served(settings.replace(party_refusals_per_hour=3)) as (app, client):
        prober = party_token(DEMO_PARTY_USCC, fresh_person(7))
        bystander = party_token(DEMO_PARTY_USCC, fresh_person(8))
        document = "query($u: String!) { enterprise(uscc: $u) { uscc } }"
        # (fields it may not call that name nothing — the court table the console asks at
        # sign-in — are refused but not counted)
        for _ in range(5):
            body = await ask(client, prober, "{ courts { code } }")
            assert refused(body, "courts"), body
        # when it is refused three times naming enterprises
        for uscc in (UNKNOWN_USCC, demo["samples"]["enterprises"][0]["uscc"], UNKNOWN_USCC):
            body = await ask(client, prober, document, {"u": uscc})
            assert refused(body, "enterprise"), body
        # then whatever it asks next is refused whole, its own zone included
        for query, variables in (
            (document, {"u": UNKNOWN_USCC}),
            ("{ myEnterprise { uscc } }", {}),
        ):
            request_id = uuid.uuid4().hex
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {prober}", "X-Request-Id": request_id},
            )
            body = response.json()
            request_id = response.headers["x-request-id"]
            assert body.get("data") is None, body
            assert [e["extensions"] for e in body["errors"]] == [
                {"code": "RATE_LIMITED", "reason": "REFUSALS"}
            ]
            # and the refusal is on record
            assert await on_record(app, request_id) == [("ACCESS_REFUSED", "RATE_LIMITED")]
        # while another person of the same enterprise still reads the zone
        body = await ask(client, bystander, "{ myEnterprise { uscc } }")
        assert body == {"data": {"myEnterprise": {"uscc": DEMO_PARTY_USCC}}}


async def test_refused_subscriptions_count_and_a_limited_party_subscribes_to_nothing(
    settings: Settings, party_token: Any, demo: dict[str, Any]
) -> None:
    # given a hub that allows a party 3 refused attempts an hour, and a party on a websocket
    app, lifespan = await start_app(settings.replace(party_refusals_per_hour=3))
    try:
        person = fresh_person(21)
        prober = party_token(DEMO_PARTY_USCC, person)
        follow = "subscription($c: String) { freezeOrderEvents(caseNumber: $c) { orderId } }"
        case = demo["samples"]["persons"][0]["caseNumber"]
        # when it subscribes to a case's orders five times, then asks its own zone
        bodies = await over_websocket(
            app, prober, [(follow, {"c": case})] * 5 + [("{ myEnterprise { uscc } }", {})]
        )
        # then the first three are refused by the policy and counted (a field that names a
        # case), and from then on everything is refused whole, subscriptions included
        codes = [[e["extensions"].get("code") for e in b.get("errors", [])] for b in bodies]
        assert codes == [["FORBIDDEN"]] * 3 + [["RATE_LIMITED"]] * 3, bodies
        # and each refusal is on record
        async with app.state.runtime.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(audit_entries.c.action, audit_entries.c.outcome)
                    .where(audit_entries.c.user_id == person)
                    .order_by(audit_entries.c.id)
                )
            ).all()
        assert [tuple(r) for r in rows] == [("ACCESS_REFUSED", "DENIED")] * 3 + [
            ("ACCESS_REFUSED", "RATE_LIMITED")
        ] * 3
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_refused_audit_tile_reads_count_toward_the_party_limit(
    settings: Settings, party_token: Any
) -> None:
    # given a hub that allows a party 3 refused attempts an hour
    async with served(settings.replace(party_refusals_per_hour=3)) as (app, client):
        prober = party_token(DEMO_PARTY_USCC, fresh_person(9))
        headers = {"Authorization": f"Bearer {prober}"}
        # when it asks the audit log's read API for tiles three times (each refused)
        for n in range(3):
            response = await client.get(f"/audit/tile/0/00{n}", headers=headers)
            assert response.status_code == 403, response.text
            assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # then its next GraphQL operation is refused whole, its own zone included
        body = await ask(client, prober, "{ myEnterprise { uscc } }")
        assert body.get("data") is None, body
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "RATE_LIMITED", "reason": "REFUSALS"}
        ]
        # and so is its next read of the audit API, with the limit's own answer, on record
        request_id = uuid.uuid4().hex
        response = await client.get(
            "/audit/checkpoint", headers={**headers, "X-Request-Id": request_id}
        )
        assert response.status_code == 429, response.text
        request_id = response.headers["x-request-id"]
        assert response.json()["errors"][0]["extensions"] == {
            "code": "RATE_LIMITED",
            "reason": "REFUSALS",
        }
        assert await on_record(app, request_id) == [("ACCESS_REFUSED", "RATE_LIMITED")]


# --- each attempt counted before it runs --------------------------------------------------------


async def on_record(app: Any, request_id: str) -> list[tuple[str, str]]:
    """The actions and outcomes of a request's audit entries."""
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_entries.c.action, audit_entries.c.outcome).where(
                    audit_entries.c.request_id == request_id
                )
            )
        ).all()
    return [tuple(r) for r in rows]


async def _outcomes(app: Any, person: str) -> list[str]:
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_entries.c.outcome)
                .where(audit_entries.c.user_id == person)
                .order_by(audit_entries.c.id)
            )
        ).all()
    return [r[0] for r in rows]


async def test_the_attempts_of_one_operation_are_held_to_the_limit(
    settings: Settings, party_token: Any
) -> None:
    # given a hub that allows a party 3 refused attempts an hour
    async with served(settings.replace(party_refusals_per_hour=3)) as (app, client):
        person = fresh_person(22)
        prober = party_token(DEMO_PARTY_USCC, person)
        # when one operation names five enterprises: aliases, and a named fragment spread
        # twice (each spread is an attempt), one of them skipped by its directive
        document = """
            query($u: String!) {
              a: enterprise(uscc: $u) { uscc }
              b: enterprise(uscc: $u) { uscc }
              ...E ...E
              c: enterprise(uscc: $u) @skip(if: true) { uscc }
            }
            fragment E on Query { d: enterprise(uscc: $u) { uscc } }
        """
        body = await ask(client, prober, document, {"u": UNKNOWN_USCC})
        # then nothing of it runs: it is refused whole, before any attempt
        assert body.get("data") is None, body
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "RATE_LIMITED", "reason": "REFUSALS"}
        ]
        assert await _outcomes(app, person) == ["RATE_LIMITED"]
        # while three attempts in one operation are let in (and refused by the policy) ...
        three = "query($u: String!) { a: enterprise(uscc: $u) { uscc } ...E }" + (
            " fragment E on Query { b: enterprise(uscc: $u) { uscc }"
            " c: enterprise(uscc: $u) { uscc } }"
        )
        body = await ask(client, prober, three, {"u": UNKNOWN_USCC})
        assert sorted(e["extensions"]["code"] for e in body["errors"]) == ["FORBIDDEN"] * 3
        # ... and counted once, not again when their refusals are written: the party's own
        # zone is then refused, the limit reached
        body = await ask(client, prober, "{ myEnterprise { uscc } }")
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "RATE_LIMITED", "reason": "REFUSALS"}
        ]
        assert await _outcomes(app, person) == ["RATE_LIMITED"] + ["DENIED"] * 3 + ["RATE_LIMITED"]


async def test_a_batch_and_parallel_requests_are_held_to_the_limit(
    settings: Settings, party_token: Any
) -> None:
    # given a hub that allows a party 3 refused attempts an hour
    async with served(settings.replace(party_refusals_per_hour=3)) as (app, client):
        document = "query($u: String!) { enterprise(uscc: $u) { uscc } }"
        # when a party sends six attempts in one batch
        batcher = fresh_person(23)
        response = await client.post(
            "/graphql",
            json=[{"query": document, "variables": {"u": UNKNOWN_USCC}}] * 6,
            headers={"Authorization": f"Bearer {party_token(DEMO_PARTY_USCC, batcher)}"},
        )
        codes = sorted(e["extensions"]["code"] for b in response.json() for e in b["errors"])
        # then three run (refused by the policy) and three are refused by the limit
        assert codes == ["FORBIDDEN"] * 3 + ["RATE_LIMITED"] * 3, response.text
        assert sorted(await _outcomes(app, batcher)) == ["DENIED"] * 3 + ["RATE_LIMITED"] * 3
        # and so when another sends six requests at once
        racer = fresh_person(24)
        token = party_token(DEMO_PARTY_USCC, racer)
        bodies = await asyncio.gather(
            *(ask(client, token, document, {"u": UNKNOWN_USCC}) for _ in range(6))
        )
        codes = sorted(e["extensions"]["code"] for b in bodies for e in b["errors"])
        assert codes == ["FORBIDDEN"] * 3 + ["RATE_LIMITED"] * 3, bodies
        # and six reads of the audit log's tiles at once
        tiler = fresh_person(25)
        headers = {"Authorization": f"Bearer {party_token(DEMO_PARTY_USCC, tiler)}"}
        responses = await asyncio.gather(
            *(client.get(f"/audit/tile/0/00{n}", headers=headers) for n in range(6))
        )
        assert sorted(r.status_code for r in responses) == [403] * 3 + [429] * 3
