"""Sanction lists: courts publish and revoke, approval systems check, every check is audited (one
entry per check, a row per subject) and counted, and a check fails closed when the audit log
cannot be written.

The session's database is shared and already holds demo entries (some on the demo samples), so
each test picks parties that are on no active list at that moment, asserts on its own rows and
revokes what it published.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from hub.audit.models import audit_entries, audit_subjects
from hub.cases.models import case_judges, case_parties, cases
from hub.config import POLICY_DIR
from hub.orders.terms import court_day
from hub.sanctions.catalogue import load_catalogue
from hub.sanctions.models import sanction_changes, sanction_entries, sanction_entry_persons
from tests.conftest import Api, start_app
from tests.fakes import FailingSource, wrapped_sources

COURT = "370602"
COURT_NAME = "烟台市芝罘区人民法院"
ORG_MARKET = "agency:market_supervision"
ORG_REGISTRY = "agency:real_estate"
RESPONDENT, APPLICANT = "被执行人", "申请执行人"
PREFIX = {"DISHONEST": "SX", "CONSUMPTION_RESTRICTION": "XF"}
MATTERS = load_catalogue(POLICY_DIR)

PUBLISH = """mutation($input: SanctionEntryPublishInput!) { sanctionEntryPublish(input: $input) {
  entry { id list subjectKind subjectId name courtCode caseNumber obligation publishedOn legalBasis
          status revokedOn revokeReason }
  errors { code message field reason rule } } }"""
REVOKE = """mutation($id: String!, $reason: String!) { sanctionEntryRevoke(id: $id, reason: $reason) {
  entry { id status revokedOn revokeReason } errors { code message field reason rule } } }"""
CHECK = """query($s: SubjectInput!, $m: String!) { sanctionCheck(subject: $s, matter: $m) {
  subjectKind subjectId matter decision legalBasis
  entries { entryId list courtCode courtName caseNumber publishedOn role viaUscc viaName } } }"""
CHECKS = """query($m: String!, $s: [SubjectInput!], $ids: [String!], $us: [String!]) {
  sanctionChecks(matter: $m, subjects: $s, idNumbers: $ids, usccs: $us) {
    subjectKind subjectId matter decision legalBasis entries { entryId role } } }"""
STATS = """query($from: Date!, $to: Date!, $g: SanctionStatsGroup!) {
  sanctionStats(from: $from, to: $to, groupBy: $g) { key checks blocked } }"""
PROFILE_SANCTIONS = """query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) {
  legal { sanctions { id list status } } } }"""
REGISTRATION = """query($u: String!) { enterprise(uscc: $u) { registration {
  name legalRepresentativeId legalRepresentativeName keyPersonnel { idNumber name position } } } }"""
HISTORY = """query($id: String!) { accessHistory(idNumber: $id, first: 200) {
  requestId userId org action outcome subjectKind } }"""
SUBJECT_HISTORY = """query($id: String!) { accessHistory(idNumber: $id, first: 200) {
  id requestId userId org action outcome subjectKind subjectId subjectPosition client redacted
  leafIndex } }"""
SUBJECT_EVENTS = """query($id: String!, $first: Int!, $after: String) {
  auditEvents(filter: {subjectIdNumber: $id}, first: $first, after: $after) {
    nodes { id requestId action outcome subjectId subjectPosition }
    pageInfo { endCursor hasNextPage } } }"""


# --- helpers -----------------------------------------------------------------------------------


def today() -> date:
    """The court's day (Asia/Shanghai), as the hub counts days: from 16:00 UTC it is already
    tomorrow in court."""
    return court_day(datetime.now(UTC))


async def free_parties(
    app: Any,
    kind: str,
    *,
    role: str = RESPONDENT,
    court: str = COURT,
    judge: str | None = None,
    exclude: tuple[str, ...] = (),
) -> list[dict[str, str]]:
    """Parties of open cases of ``court`` on no active list: not as the listed subject, and not
    as a person of a listed enterprise. Newest case first (the demo samples are the oldest)."""
    e, p = sanction_entries.c, sanction_entry_persons.c
    active = select(e.subject_id).where(e.status == "ACTIVE")
    extended = (
        select(p.id_number)
        .join_from(sanction_entry_persons, sanction_entries, e.id == p.entry_id)
        .where(e.status == "ACTIVE")
    )
    stmt = (
        select(cases.c.case_number, case_parties.c.subject_id, case_parties.c.name)
        .join_from(case_parties, cases, cases.c.id == case_parties.c.case_id)
        .where(
            cases.c.court_code == court,
            cases.c.status == "OPEN",
            case_parties.c.role == role,
            case_parties.c.subject_kind == kind,
            case_parties.c.subject_id.not_in(active),
            case_parties.c.subject_id.not_in(extended),
        )
        .order_by(cases.c.id.desc(), case_parties.c.id)
    )
    if judge is not None:
        stmt = stmt.where(
            cases.c.id.in_(select(case_judges.c.case_id).where(case_judges.c.judge_id == judge))
        )
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    out: dict[str, dict[str, str]] = {}
    for case, subject, name in rows:
        if subject not in exclude and subject not in out:
            out[subject] = {"caseNumber": case, "id": subject, "name": name}
    return list(out.values())


async def a_free_party(app: Any, kind: str, demo: dict[str, Any], **kw: Any) -> dict[str, str]:
    samples = tuple(s["idNumber"] for s in demo["samples"]["persons"])
    found = await free_parties(app, kind, exclude=samples, **kw)
    assert found, f"no {kind} {kw.get('role', RESPONDENT)} of an open case is off the lists"
    return found[0]


def subject(party: dict[str, str], kind: str = "PERSON") -> dict[str, str]:
    return {"idNumber": party["id"]} if kind == "PERSON" else {"uscc": party["id"]}


GROUND = {"DISHONEST": "ABLE_NOT_PERFORMING", "CONSUMPTION_RESTRICTION": "NOT_PERFORMED"}


def publish_input(
    list_: str, party: dict[str, str], kind: str = "PERSON", **over: Any
) -> dict[str, Any]:
    return {
        "list": list_,
        "subject": subject(party, kind),
        "caseNumber": party["caseNumber"],
        "obligation": "向申请执行人支付借款本金人民币100000元及利息",
        "publishedOn": today().isoformat(),
        "legalBasis": "法释〔2017〕7号 第一条第（一）项",
        "grounds": [GROUND[list_]],
        **over,
    }


def org_granting(matter: str) -> str:
    """An organisation whose approval system may check ``matter`` (its department grants it)."""
    return MATTERS[matter].orgs[0]


async def published(
    api: Api,
    listed: list[str],
    list_: str,
    party: dict[str, str],
    kind: str = "PERSON",
    **over: Any,
) -> dict[str, Any]:
    body = await api.query(PUBLISH, {"input": publish_input(list_, party, kind, **over)})
    payload = body["data"]["sanctionEntryPublish"]
    assert payload["errors"] == [], payload
    listed.append(payload["entry"]["id"])
    return payload["entry"]  # type: ignore[no-any-return]


async def sanction_rows(app: Any) -> tuple[int, int, int]:
    async with app.state.runtime.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            [
                (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                for t in (sanction_entries, sanction_entry_persons, sanction_changes)
            ]
        )


async def audit_rows(app: Any, request_id: str) -> list[dict[str, Any]]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_entries)
            .where(audit_entries.c.request_id == request_id)
            .order_by(audit_entries.c.id)
        )
        return [dict(r._mapping) for r in rows]


async def subject_rows(app: Any, request_id: str) -> list[dict[str, Any]]:
    """The subject rows of the request's entries, in order."""
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_subjects)
            .join(audit_entries, audit_entries.c.id == audit_subjects.c.entry_id)
            .where(audit_entries.c.request_id == request_id)
            .order_by(audit_subjects.c.entry_id, audit_subjects.c.position)
        )
        return [dict(r._mapping) for r in rows]


async def subject_row_count(app: Any) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(audit_subjects))).scalar_one()
        )


async def ask(
    api: Api, query: str, variables: dict[str, Any], token: str | None = None
) -> tuple[dict[str, Any], str]:
    response = await api.post(query, variables, token=token)
    assert response.status_code == 200, response.text
    return response.json(), response.headers["X-Request-Id"]


async def check(api: Api, token: str, subj: dict[str, str], matter: str) -> dict[str, Any]:
    body = await api.query(CHECK, {"s": subj, "m": matter}, token=token)
    assert "errors" not in body, body
    return body["data"]["sanctionCheck"]  # type: ignore[no-any-return]


async def stats(api: Api, token: str, group: str) -> dict[str, tuple[int, int]]:
    span = {"from": (today() - timedelta(days=1)).isoformat(), "to": today().isoformat()}
    body = await api.query(STATS, {**span, "g": group}, token=token)
    assert "errors" not in body, body
    return {r["key"]: (r["checks"], r["blocked"]) for r in body["data"]["sanctionStats"]}


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or ()]


@pytest.fixture(scope="module")
def approver(mint: Any) -> Any:
    """A token of an approval system of an organisation that grants the matter."""

    def token(matter: str) -> str:
        org = org_granting(matter)
        return str(mint(sub=f"approval-{org.split(':')[1]}", org=org, roles=("approval_system",)))

    return token


@pytest.fixture
async def listed(api: Api) -> AsyncIterator[list[str]]:
    """Entry ids the test published; revoked afterwards so the parties are free again."""
    ids: list[str] = []
    yield ids
    for entry_id in ids:
        await api.query(REVOKE, {"id": entry_id, "reason": "测试结束"})


# --- publish -----------------------------------------------------------------------------------


@pytest.mark.parametrize("list_", ["DISHONEST", "CONSUMPTION_RESTRICTION"])
async def test_a_judge_puts_a_respondent_on_a_list(
    api: Api, app: Any, demo: dict[str, Any], listed: list[str], list_: str
) -> None:
    # given a respondent of one of the judge's open cases, on no list
    party = await a_free_party(app, "PERSON", demo, judge="judge-zhang")
    before = await sanction_rows(app)
    # when the judge publishes the entry
    entry = await published(api, listed, list_, party)
    # then it is active, numbered for the list, court and year, and named as in the case
    year = today().year
    assert re.fullmatch(rf"{PREFIX[list_]}-{COURT}-{year}-\d{{6}}", entry["id"]), entry["id"]
    assert entry == {
        "id": entry["id"],
        "list": list_,
        "subjectKind": "PERSON",
        "subjectId": party["id"],
        "name": party["name"],
        "courtCode": COURT,
        "caseNumber": party["caseNumber"],
        "obligation": "向申请执行人支付借款本金人民币100000元及利息",
        "publishedOn": today().isoformat(),
        "legalBasis": "法释〔2017〕7号 第一条第（一）项",
        "status": "ACTIVE",
        "revokedOn": None,
        "revokeReason": None,
    }
    # one entry and one change, no persons (a person's entry extends to nobody)
    after = await sanction_rows(app)
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (1, 0, 1)
    # and the judge sees it in the profile
    body = await api.query(PROFILE_SANCTIONS, {"id": party["id"], "case": party["caseNumber"]})
    assert "errors" not in body, body
    sanctions = body["data"]["person"]["legal"]["sanctions"]
    assert {"id": entry["id"], "list": list_, "status": "ACTIVE"} in sanctions


async def test_entry_numbers_follow_the_last_of_the_list_court_and_year(
    api: Api, app: Any, demo: dict[str, Any], listed: list[str]
) -> None:
    # given the highest DISHONEST number of the court this year
    prefix = f"SX-{COURT}-{today().year}-"
    async with app.state.runtime.engine.connect() as conn:
        last = (
            await conn.execute(
                select(func.max(sanction_entries.c.id)).where(
                    sanction_entries.c.id.like(f"{prefix}%")
                )
            )
        ).scalar()
    n = int(last.rsplit("-", 1)[1]) if last else 0
    # when the judge publishes an entry, then it takes the next number
    party = await a_free_party(app, "PERSON", demo)
    entry = await published(api, listed, "DISHONEST", party)
    assert entry["id"] == f"{prefix}{n + 1:06d}"


async def test_a_second_active_entry_for_the_same_list_subject_and_case_is_a_conflict(
    api: Api, app: Any, demo: dict[str, Any], listed: list[str]
) -> None:
    # given a respondent on the dishonest list (an obligation of the full 500 characters)
    party = await a_free_party(app, "PERSON", demo)
    first = await published(api, listed, "DISHONEST", party, obligation="欠" * 500)
    assert len(first["obligation"]) == 500
    before = await sanction_rows(app)
    # when the judge publishes the same again, the case number spelt with ASCII brackets
    half_width = party["caseNumber"].replace("（", "(").replace("）", ")")
    assert half_width != party["caseNumber"]
    body = await api.query(
        PUBLISH, {"input": publish_input("DISHONEST", party, caseNumber=half_width)}
    )
    payload = body["data"]["sanctionEntryPublish"]
    # then CONFLICT naming the active entry, and nothing is written
    assert payload["entry"] is None
    assert payload["errors"][0]["code"] == "CONFLICT"
    assert first["id"] in payload["errors"][0]["message"]
    assert await sanction_rows(app) == before
    # but the other list is a separate entry
    other = await published(api, listed, "CONSUMPTION_RESTRICTION", party)
    assert other["id"].startswith(f"XF-{COURT}-")
    # and once revoked, the subject can be listed again under a new number
    body = await api.query(REVOKE, {"id": first["id"], "reason": "已履行"})
    assert body["data"]["sanctionEntryRevoke"]["errors"] == []
    again = await published(api, listed, "DISHONEST", party)
    assert again["id"] != first["id"] and again["status"] == "ACTIVE"


REFUSALS = [
    # (id, how the input changes, token, code, reason, rule)
    ("applicant", "applicant", "judge-zhang", "FORBIDDEN", "NOT_A_RESPONDENT", None),
    ("other-court", None, "judge-li", "FORBIDDEN", "CASE_OTHER_COURT", None),
    ("closed-case", "closed", "judge-zhang", "FORBIDDEN", "CASE_CLOSED", None),
    (
        "unknown-case",
        {"caseNumber": "（2026）鲁0602执99999号"},
        "judge-zhang",
        "FORBIDDEN",
        "CASE_UNKNOWN",
        None,
    ),
    ("both-ids", "both", "judge-zhang", "BAD_USER_INPUT", None, "ONE_IDENTIFIER"),
    ("no-id", {"subject": {}}, "judge-zhang", "BAD_USER_INPUT", None, "ONE_IDENTIFIER"),
    ("check-char", "check-char", "judge-zhang", "BAD_USER_INPUT", None, "GB11643_CHECK_CHARACTER"),
    (
        "short-id",
        {"subject": {"idNumber": "37060219800101"}},
        "judge-zhang",
        "BAD_USER_INPUT",
        None,
        "GB11643_LENGTH",
    ),
    (
        "empty-obligation",
        {"obligation": "   "},
        "judge-zhang",
        "BAD_USER_INPUT",
        None,
        "TEXT_LENGTH",
    ),
    (
        "long-obligation",
        {"obligation": "欠" * 501},
        "judge-zhang",
        "BAD_USER_INPUT",
        None,
        "TEXT_LENGTH",
    ),
    ("future", "future", "judge-zhang", "BAD_USER_INPUT", None, "NOT_IN_FUTURE"),
    (
        "bad-case-number",
        {"caseNumber": "bogus"},
        "judge-zhang",
        "BAD_USER_INPUT",
        None,
        "CASE_NUMBER_FORMAT",
    ),
]


@pytest.mark.parametrize(
    ("change", "user", "code", "reason", "rule"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
async def test_publish_refusals_write_nothing(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    tokens: dict[str, str],
    change: Any,
    user: str,
    code: str,
    reason: str | None,
    rule: str | None,
) -> None:
    # given a respondent of an open case of the court, and the input changed to break one rule
    party = await a_free_party(app, "PERSON", demo)
    data = publish_input("DISHONEST", party)
    if change == "applicant":
        applicant = await a_free_party(app, "PERSON", demo, role=APPLICANT)
        data = publish_input("DISHONEST", applicant)
    elif change == "closed":
        closed = demo["samples"]["closedCasePersons"][0]
        data = publish_input(
            "DISHONEST", {"id": closed["idNumber"], "caseNumber": closed["caseNumber"]}
        )
    elif change == "both":
        enterprise = demo["samples"]["enterprises"][0]["uscc"]
        data["subject"] = {"idNumber": party["id"], "uscc": enterprise}
    elif change == "check-char":
        wrong = "0" if party["id"][-1] != "0" else "1"
        data["subject"] = {"idNumber": party["id"][:17] + wrong}
    elif change == "future":
        data["publishedOn"] = (today() + timedelta(days=1)).isoformat()
    elif isinstance(change, dict):
        data.update(change)
    before = await sanction_rows(app)
    # when the judge publishes it
    body, rid = await ask(api, PUBLISH, {"input": data}, token=tokens[user])
    # then the payload names the refusal
    payload = body["data"]["sanctionEntryPublish"]
    assert payload["entry"] is None
    [error] = payload["errors"]
    assert error["code"] == code, error
    assert error["reason"] == reason, error
    if rule is not None:
        assert error["rule"] == rule, error
    # and nothing is written: no entry, no person, no change, no publication on record
    # (a refusal for who asked or what it named is on record as a refused attempt, OK never)
    assert await sanction_rows(app) == before
    published = [r for r in await audit_rows(app, rid) if r["action"] == "SANCTION_PUBLISH"]
    assert [r["outcome"] for r in published] == (["DENIED"] if code == "FORBIDDEN" else [])


@pytest.mark.parametrize(
    "user", ["registry-wang", "market-zhao", "approval-market", "approval-registry", "auditor-sun"]
)
async def test_only_courts_publish_and_revoke(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str], user: str
) -> None:
    # given a respondent of an open case and an active entry of the court
    party = await a_free_party(app, "PERSON", demo)
    async with app.state.runtime.engine.connect() as conn:
        entry_id = (
            await conn.execute(
                select(sanction_entries.c.id)
                .where(
                    sanction_entries.c.court_code == COURT,
                    sanction_entries.c.status == "ACTIVE",
                )
                .limit(1)
            )
        ).scalar_one()
    before = await sanction_rows(app)
    # when an agency user or an approval system tries to publish or revoke
    body = await api.query(
        PUBLISH, {"input": publish_input("DISHONEST", party)}, token=tokens[user]
    )
    # then the policy refuses the mutation itself
    assert body["data"] is None
    assert codes(body) == ["FORBIDDEN"]
    body = await api.query(REVOKE, {"id": entry_id, "reason": "x"}, token=tokens[user])
    assert body["data"] is None
    assert codes(body) == ["FORBIDDEN"]
    # and nothing changed
    assert await sanction_rows(app) == before
    async with app.state.runtime.engine.connect() as conn:
        status = (
            await conn.execute(
                select(sanction_entries.c.status).where(sanction_entries.c.id == entry_id)
            )
        ).scalar_one()
    assert status == "ACTIVE"


async def test_concurrent_publications_get_distinct_numbers_and_one_wins_a_duplicate(
    api: Api, app: Any, demo: dict[str, Any], listed: list[str]
) -> None:
    # given two respondents off the lists
    found = await free_parties(
        app, "PERSON", exclude=tuple(s["idNumber"] for s in demo["samples"]["persons"])
    )
    assert len(found) >= 2
    a, b = found[0], found[1]
    # when both are published at the same moment
    bodies = await asyncio.gather(
        api.query(PUBLISH, {"input": publish_input("CONSUMPTION_RESTRICTION", a)}),
        api.query(PUBLISH, {"input": publish_input("CONSUMPTION_RESTRICTION", b)}),
    )
    entries = [body["data"]["sanctionEntryPublish"]["entry"] for body in bodies]
    listed.extend(e["id"] for e in entries if e)
    # then both are on the list under consecutive numbers
    assert all(entries), bodies
    numbers = sorted(int(e["id"].rsplit("-", 1)[1]) for e in entries)
    assert numbers[1] == numbers[0] + 1
    # and of two identical publications at the same moment exactly one is written
    before = await sanction_rows(app)
    bodies = await asyncio.gather(
        *(api.query(PUBLISH, {"input": publish_input("DISHONEST", a)}) for _ in range(2))
    )
    payloads = [body["data"]["sanctionEntryPublish"] for body in bodies]
    listed.extend(p["entry"]["id"] for p in payloads if p["entry"])
    assert sorted(p["errors"][0]["code"] if p["errors"] else "OK" for p in payloads) == [
        "CONFLICT",
        "OK",
    ]
    after = await sanction_rows(app)
    assert (after[0] - before[0], after[2] - before[2]) == (1, 1)


async def test_an_enterprise_is_not_listed_without_its_persons(
    app: Any, settings: Any, tokens: dict[str, str], reader: Api
) -> None:
    # given a hub whose market-supervision connector is down
    party, _ = await a_listable_enterprise(reader, app)
    sources = wrapped_sources(settings, FailingSource, only=["market_supervision"])
    down, lifespan = await start_app(settings, sources)
    transport = httpx.ASGITransport(app=down)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            judge = Api(client, tokens["judge-zhang"])
            before = await sanction_rows(app)
            # when the judge publishes an enterprise (whose persons come from market supervision)
            body = await judge.query(
                PUBLISH, {"input": publish_input("CONSUMPTION_RESTRICTION", party, "ENTERPRISE")}
            )
    finally:
        await lifespan.__aexit__(None, None, None)
    # then the connector's failure is the answer, and no entry is written without its persons
    payload = body["data"]["sanctionEntryPublish"]
    assert payload["entry"] is None
    assert payload["errors"][0]["code"] == "CONNECTOR_UNAVAILABLE"
    assert await sanction_rows(app) == before
    assert [m for m, _ in sources["market_supervision"].calls] != []


async def test_a_publication_dated_today_in_china_is_not_in_the_future(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    listed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hub.sanctions import workflow as sanctions_workflow

    # given 07:30 in Yantai (23:30 UTC the day before)
    china_day = today()
    moment = datetime.combine(china_day - timedelta(days=1), time(23, 30), tzinfo=UTC)
    assert moment.astimezone(ZoneInfo("Asia/Shanghai")).date() == china_day
    monkeypatch.setattr(sanctions_workflow, "now", lambda: moment)
    party = await a_free_party(app, "PERSON", demo)
    # when the judge publishes an entry dated today (the court's today)
    body = await api.query(
        PUBLISH,
        {"input": publish_input("DISHONEST", party, publishedOn=china_day.isoformat())},
    )
    payload = body["data"]["sanctionEntryPublish"]
    if payload["entry"]:
        listed.append(payload["entry"]["id"])
    # then it is accepted
    assert payload["errors"] == [], payload["errors"]


# --- enterprises -------------------------------------------------------------------------------


async def a_listable_enterprise(reader: Api, app: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """A respondent enterprise off the lists whose legal representative is off them too."""
    e, p = sanction_entries.c, sanction_entry_persons.c
    async with app.state.runtime.engine.connect() as conn:
        listed_persons = {
            r[0] for r in await conn.execute(select(e.subject_id).where(e.status == "ACTIVE"))
        } | {
            r[0]
            for r in await conn.execute(
                select(p.id_number)
                .join_from(sanction_entry_persons, sanction_entries, e.id == p.entry_id)
                .where(e.status == "ACTIVE")
            )
        }
    for party in await free_parties(app, "ENTERPRISE"):
        body = await reader.query(REGISTRATION, {"u": party["id"]})
        registration = (body["data"]["enterprise"] or {}).get("registration")
        if registration and registration["legalRepresentativeId"] not in listed_persons:
            return party, registration
    raise AssertionError("no respondent enterprise whose legal representative is off the lists")


@pytest.mark.parametrize("list_", ["CONSUMPTION_RESTRICTION", "DISHONEST"])
async def test_an_enterprise_entry_binds_its_legal_representative_and_principal(
    api: Api, app: Any, reader: Api, approver: Any, listed: list[str], list_: str
) -> None:
    """法释〔2015〕17号 第三条第二款: "被执行人为单位的，被采取限制消费措施后，被执行人及其法定代表人、
    主要负责人、影响债务履行的直接责任人员、实际控制人不得实施前款规定的行为。" With no persons named
    by the court, the entry binds the registered legal representative and manager."""
    # given a respondent enterprise, and who market supervision says runs it
    party, registration = await a_listable_enterprise(reader, app)
    rep = registration["legalRepresentativeId"]
    positions = {k["idNumber"]: k["position"] for k in registration["keyPersonnel"] or []}
    managers = {
        i for i, pos in positions.items() if "经理" in pos and "副" not in pos and "财务" not in pos
    }
    before = await sanction_rows(app)
    # when the judge puts it on a list
    entry = await published(api, listed, list_, party, "ENTERPRISE")
    assert (entry["subjectKind"], entry["name"]) == ("ENTERPRISE", party["name"])
    # then the entry binds the legal representative and the manager, named by the register
    async with app.state.runtime.engine.connect() as conn:
        persons = {
            (r.id_number, r.role, r.named_by)
            for r in await conn.execute(
                select(sanction_entry_persons).where(
                    sanction_entry_persons.c.entry_id == entry["id"]
                )
            )
        }
    expected = {(rep, "LEGAL_REPRESENTATIVE", "REGISTER")}
    expected |= {(m, "PRINCIPAL", "REGISTER") for m in managers}
    assert persons == expected
    after = await sanction_rows(app)
    assert after[1] - before[1] == len(expected)
    approval = approver("XF-FLIGHT")
    # the enterprise itself is blocked from flights, as the listed subject
    result = await check(api, approval, {"uscc": party["id"]}, "XF-FLIGHT")
    assert result["decision"] == "BLOCK"
    assert [(m["entryId"], m["role"]) for m in result["entries"]] == [(entry["id"], "SUBJECT")]
    # its legal representative too, through the enterprise, citing 第三条第二款
    result = await check(api, approval, {"idNumber": rep}, "XF-FLIGHT")
    assert (result["decision"], result["subjectKind"]) == ("BLOCK", "PERSON")
    assert result["legalBasis"] == "法释〔2015〕17号 第三条第二款（第一款第（一）项所列行为）"
    mine = [m for m in result["entries"] if m["entryId"] == entry["id"]]
    assert mine == [
        {
            "entryId": entry["id"],
            "list": list_,
            "courtCode": COURT,
            "courtName": COURT_NAME,
            "caseNumber": party["caseNumber"],
            "publishedOn": today().isoformat(),
            "role": "LEGAL_REPRESENTATIVE",
            "viaUscc": party["id"],
            "viaName": party["name"],
        }
    ]
    # a supervisor or an ordinary director is not bound
    others = sorted(set(positions) - {rep} - managers)
    for other in others:
        result = await check(api, approval, {"idNumber": other}, "XF-FLIGHT")
        assert entry["id"] not in [m["entryId"] for m in result["entries"]], positions[other]
    # a matter that does not extend to the persons (a company office) does not block the
    # representative through the enterprise
    result = await check(
        api, approver("LH-COMPANY-OFFICER"), {"idNumber": rep}, "LH-COMPANY-OFFICER"
    )
    assert (result["decision"], result["entries"], result["legalBasis"]) == ("ALLOW", [], None)
    # and once revoked, the legal representative may fly again
    body = await api.query(REVOKE, {"id": entry["id"], "reason": "已履行"})
    assert body["data"]["sanctionEntryRevoke"]["entry"]["status"] == "REVOKED"
    result = await check(api, approval, {"idNumber": rep}, "XF-FLIGHT")
    assert (result["decision"], result["entries"]) == ("ALLOW", [])


# --- revoke ------------------------------------------------------------------------------------


async def test_revoke_own_active_entries_only(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    tokens: dict[str, str],
    approver: Any,
    listed: list[str],
) -> None:
    # given an active entry of the judge's court
    party = await a_free_party(app, "PERSON", demo, judge="judge-zhang")
    entry = await published(api, listed, "DISHONEST", party)
    approval = approver("LH-BIDDING")
    assert (await check(api, approval, subject(party), "LH-BIDDING"))["decision"] == "BLOCK"
    # another court may not revoke it: answered as an entry that does not exist
    body = await api.query(
        REVOKE, {"id": entry["id"], "reason": "已履行"}, token=tokens["judge-li"]
    )
    [error] = body["data"]["sanctionEntryRevoke"]["errors"]
    assert (error["code"], error["reason"]) == ("NOT_FOUND", None)
    assert error["message"] == f"no sanction entry {entry['id']}"
    # a reason is required
    body = await api.query(REVOKE, {"id": entry["id"], "reason": "  "})
    [error] = body["data"]["sanctionEntryRevoke"]["errors"]
    assert (error["code"], error["field"], error["rule"]) == (
        "BAD_USER_INPUT",
        "reason",
        "TEXT_LENGTH",
    )
    # an unknown entry is not found
    body = await api.query(REVOKE, {"id": f"SX-{COURT}-1999-000001", "reason": "已履行"})
    [error] = body["data"]["sanctionEntryRevoke"]["errors"]
    assert error["code"] == "NOT_FOUND"
    # none of that changed it
    before = await sanction_rows(app)
    assert (await check(api, approval, subject(party), "LH-BIDDING"))["decision"] == "BLOCK"
    # the court revokes it: one change, the reason and the day kept
    body = await api.query(REVOKE, {"id": entry["id"], "reason": "已履行生效法律文书确定的义务"})
    payload = body["data"]["sanctionEntryRevoke"]
    assert payload["errors"] == []
    assert payload["entry"] == {
        "id": entry["id"],
        "status": "REVOKED",
        "revokedOn": today().isoformat(),
        "revokeReason": "已履行生效法律文书确定的义务",
    }
    after = await sanction_rows(app)
    assert (after[0] - before[0], after[2] - before[2]) == (0, 1)
    # a second revocation is a conflict and writes nothing
    body = await api.query(REVOKE, {"id": entry["id"], "reason": "again"})
    [error] = body["data"]["sanctionEntryRevoke"]["errors"]
    assert error["code"] == "CONFLICT"
    assert await sanction_rows(app) == after
    # the subject is allowed again, and the profile shows the entry as revoked
    result = await check(api, approval, subject(party), "LH-BIDDING")
    assert (result["decision"], result["entries"], result["legalBasis"]) == ("ALLOW", [], None)
    body = await api.query(PROFILE_SANCTIONS, {"id": party["id"], "case": party["caseNumber"]})
    sanctions = body["data"]["person"]["legal"]["sanctions"]
    assert {"id": entry["id"], "list": "DISHONEST", "status": "REVOKED"} in sanctions


# --- checks ------------------------------------------------------------------------------------


async def test_a_listed_person_is_blocked_and_an_unlisted_one_allowed(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str], listed: list[str]
) -> None:
    # given a respondent on the dishonest list and an applicant on no list
    party = await a_free_party(app, "PERSON", demo)
    entry = await published(api, listed, "DISHONEST", party)
    applicant = await a_free_party(app, "PERSON", demo, role=APPLICANT)
    approval = tokens["approval-market"]
    # when the approval system checks them for serving as a company officer
    blocked = await check(api, approval, subject(party), "LH-COMPANY-OFFICER")
    allowed = await check(api, approval, subject(applicant), "LH-COMPANY-OFFICER")
    # then the listed one is blocked, with the entry and the legal basis
    assert blocked == {
        "subjectKind": "PERSON",
        "subjectId": party["id"],
        "matter": "LH-COMPANY-OFFICER",
        "decision": "BLOCK",
        "legalBasis": "《中华人民共和国公司法》（2023年修订）第一百七十八条第一款第（五）项",
        "entries": [
            {
                "entryId": entry["id"],
                "list": "DISHONEST",
                "courtCode": COURT,
                "courtName": COURT_NAME,
                "caseNumber": party["caseNumber"],
                "publishedOn": today().isoformat(),
                "role": "SUBJECT",
                "viaUscc": None,
                "viaName": None,
            }
        ],
    }
    # and the other allowed, with no entries and no legal basis
    assert allowed == {
        "subjectKind": "PERSON",
        "subjectId": applicant["id"],
        "matter": "LH-COMPANY-OFFICER",
        "decision": "ALLOW",
        "legalBasis": None,
        "entries": [],
    }


async def test_a_list_the_matter_does_not_name_does_not_block(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str], listed: list[str]
) -> None:
    # given a respondent on the consumption-restriction list only
    party = await a_free_party(app, "PERSON", demo)
    entry = await published(api, listed, "CONSUMPTION_RESTRICTION", party)
    approval = tokens["approval-registry"]
    # then a matter of that list blocks (the matter code may come with blanks)
    purchase = await check(api, approval, subject(party), " XF-PROPERTY ")
    assert purchase["decision"] == "BLOCK" and purchase["matter"] == "XF-PROPERTY"
    assert [(m["entryId"], m["list"]) for m in purchase["entries"]] == [
        (entry["id"], "CONSUMPTION_RESTRICTION")
    ]
    # but a matter naming only the dishonest list does not
    trade = await check(api, approval, subject(party), "LH-REAL-ESTATE-TRADE")
    assert (trade["decision"], trade["entries"]) == ("ALLOW", [])


@pytest.mark.parametrize(
    ("variables", "rule", "argument"),
    [
        ({"s": {"idNumber": "110101199003074477"}, "m": "XF-NOPE"}, "MATTER_UNKNOWN", "matter"),
        (
            {"s": {"uscc": "91370602272620019X"}, "m": "XF-SCHOOL"},
            "MATTER_SUBJECT_KIND",
            "subject",
        ),
        (
            {"s": {"uscc": "91370602272620019X"}, "m": "LH-PUBLIC-SERVICE"},
            "MATTER_SUBJECT_KIND",
            "subject",
        ),
        (
            {"s": {"idNumber": "110101199003074477"}, "m": "LH-BOND-ISSUE"},
            "MATTER_SUBJECT_KIND",
            "subject",
        ),
        ({"s": {}, "m": "XF-FLIGHT"}, "ONE_IDENTIFIER", "subject"),
        (
            {"s": {"idNumber": "110101199003074477\n"}, "m": "XF-FLIGHT"},
            "CONTROL_CHARACTER",
            "subject",
        ),
        (
            {"s": {"idNumber": "110101199003074470"}, "m": "XF-FLIGHT"},
            "GB11643_CHECK_CHARACTER",
            "subject",
        ),
    ],
    ids=[
        "unknown-matter",
        "school-enterprise",
        "public-service-enterprise",
        "bond-person",
        "no-id",
        "newline",
        "bad-id",
    ],
)
async def test_check_refuses_bad_input_and_records_nothing(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    approver: Any,
    variables: dict[str, Any],
    rule: str,
    argument: str,
) -> None:
    # when an approval system that grants the matter asks something the catalogue or the
    # identifiers rule out (sanctionCheck's argument is ``subject``: the error names it, not
    # ``subjects[0]`` of sanctionChecks)
    matter = variables["m"]
    token = approver(matter) if matter in MATTERS else tokens["approval-market"]
    body, rid = await ask(api, CHECK, variables, token=token)
    # then BAD_USER_INPUT naming the rule, no data, and no check on record
    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == rule
    assert body["errors"][0]["extensions"]["argument"] == argument
    assert await audit_rows(app, rid) == []


async def test_an_empty_batch_answers_nothing_but_the_matter_must_exist(
    api: Api, app: Any, tokens: dict[str, str]
) -> None:
    body, rid = await ask(api, CHECKS, {"m": "LH-COMPANY-OFFICER"}, token=tokens["approval-market"])
    assert body == {"data": {"sanctionChecks": []}}
    assert await audit_rows(app, rid) == []
    body, _ = await ask(api, CHECKS, {"m": "XF-NOPE", "ids": []}, token=tokens["approval-market"])
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == "MATTER_UNKNOWN"


async def test_batch_answers_in_order_and_records_one_entry_with_a_row_per_subject(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str], listed: list[str]
) -> None:
    # given a listed respondent, an unlisted person and two unlisted enterprises
    party = await a_free_party(app, "PERSON", demo)
    entry = await published(api, listed, "DISHONEST", party)
    person = await a_free_party(app, "PERSON", demo, role=APPLICANT)
    firms = await free_parties(app, "ENTERPRISE", role=APPLICANT)
    assert len(firms) >= 2
    u1, u2 = firms[0]["id"], firms[1]["id"]
    # when the approval system checks them at once: subjects, then idNumbers, then usccs
    body, rid = await ask(
        api,
        CHECKS,
        {
            "m": "LH-FOOD-DRUG",
            "s": [{"uscc": u1}, {"idNumber": party["id"]}],
            "ids": [person["id"], party["id"].lower()],
            "us": [u2],
        },
        token=tokens["approval-market"],
    )
    assert "errors" not in body, body
    # then the answers come in that order
    results = body["data"]["sanctionChecks"]
    assert [(r["subjectKind"], r["subjectId"], r["decision"]) for r in results] == [
        ("ENTERPRISE", u1, "ALLOW"),
        ("PERSON", party["id"], "BLOCK"),
        ("PERSON", person["id"], "ALLOW"),
        ("PERSON", party["id"].upper(), "BLOCK"),
        ("ENTERPRISE", u2, "ALLOW"),
    ]
    assert results[1]["entries"] == [{"entryId": entry["id"], "role": "SUBJECT"}]
    assert {r["matter"] for r in results} == {"LH-FOOD-DRUG"}
    # and the batch is one audit entry of the approval system, with no subject of its own
    [row] = await audit_rows(app, rid)
    assert (row["action"], row["subject_kind"], row["subject_index"], row["outcome"]) == (
        "SANCTION_CHECK",
        None,
        None,
        "OK",
    )
    assert (row["user_id"], row["org"], row["case_number"]) == ("approval-market", ORG_MARKET, None)
    # automatic checks raise no anomaly flags (no BULK, no OFF_HOURS)
    assert row["flags"] == ""
    assert json.loads(row["content"])["detail"] == {
        "matter": "LH-FOOD-DRUG",
        "subjects": 5,
        "blocked": 2,
    }
    assert row["subjects_hash"] is not None
    # and a row per subject checked, in the order asked, with its decision
    rows = await subject_rows(app, rid)
    keys = app.state.runtime.audit.keys
    assert [(r["position"], r["subject_kind"], r["outcome"]) for r in rows] == [
        (0, "ENTERPRISE", "ALLOW"),
        (1, "PERSON", "BLOCK"),
        (2, "PERSON", "ALLOW"),
        (3, "PERSON", "BLOCK"),
        (4, "ENTERPRISE", "ALLOW"),
    ]
    assert [r["subject_index"] for r in rows] == [
        keys.blind_index(s) for s in (u1, party["id"], person["id"], party["id"].upper(), u2)
    ]
    content = json.loads(rows[1]["content"])
    assert content["entries"] == [entry["id"]]
    assert keys.decrypt(content["subject"]) == party["id"]
    # no subject in clear on record
    assert not any(party["id"] in r["content"] for r in rows)
    assert party["id"] not in row["content"]


async def test_a_subject_checked_in_a_batch_is_in_its_access_history(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str], listed: list[str]
) -> None:
    # given a listed respondent and an unlisted person
    party = await a_free_party(app, "PERSON", demo)
    await published(api, listed, "DISHONEST", party)
    other = await a_free_party(app, "PERSON", demo, role=APPLICANT)
    # when an approval system checks them in one batch, the listed one twice
    body, rid = await ask(
        api,
        CHECKS,
        {"m": "LH-REAL-ESTATE-TRADE", "ids": [other["id"], party["id"], other["id"], party["id"]]},
        token=tokens["approval-registry"],
    )
    assert [r["decision"] for r in body["data"]["sanctionChecks"]] == [
        "ALLOW",
        "BLOCK",
        "ALLOW",
        "BLOCK",
    ]
    [entry_row] = await audit_rows(app, rid)
    # then the auditor finds the listed one in its access history, at each position, blocked
    auditor = tokens["auditor-sun"]
    body = await api.query(SUBJECT_HISTORY, {"id": party["id"]}, token=auditor)
    assert "errors" not in body, body
    events = [e for e in body["data"]["accessHistory"] if e["requestId"] == rid]
    common = {
        "id": str(entry_row["id"]),
        "requestId": rid,
        "userId": "approval-registry",
        "org": ORG_REGISTRY,
        "action": "SANCTION_CHECK",
        "outcome": "BLOCK",
        "subjectKind": "PERSON",
        "subjectId": party["id"][:2] + "*" * 14 + party["id"][-2:],  # masked for the auditor
        "client": "127.0.0.1",
        "redacted": False,
    }
    assert [{k: e[k] for k in common} for e in events] == [common, common]
    assert [e["subjectPosition"] for e in events] == [3, 1]
    # and the other one with its own outcome, nobody else's
    body = await api.query(SUBJECT_HISTORY, {"id": other["id"]}, token=auditor)
    events = [e for e in body["data"]["accessHistory"] if e["requestId"] == rid]
    assert [(e["outcome"], e["subjectId"], e["subjectPosition"]) for e in events] == [
        ("ALLOW", other["id"][:2] + "*" * 14 + other["id"][-2:], 2),
        ("ALLOW", other["id"][:2] + "*" * 14 + other["id"][-2:], 0),
    ]
    # the subject filter of auditEvents pages through the same rows, one at a time (after the
    # auditor's own queries about the person, which are on record too)
    seen = []
    after = None
    for _ in range(20):
        body = await api.query(
            SUBJECT_EVENTS, {"id": party["id"], "first": 1, "after": after}, token=auditor
        )
        assert "errors" not in body, body
        page = body["data"]["auditEvents"]
        seen += [
            (n["requestId"], n["subjectPosition"], n["outcome"])
            for n in page["nodes"]
            if n["requestId"] == rid
        ]
        after = page["pageInfo"]["endCursor"]
        if len(seen) >= 2 or not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == [(rid, 3, "BLOCK"), (rid, 1, "BLOCK")]


async def test_a_batch_above_ten_thousand_is_refused(api: Api, app: Any, approver: Any) -> None:
    # given 10,001 subjects (5,000 in subjects and 5,001 plain ID numbers)
    valid = "110101199003074477"
    variables = {
        "m": "XF-FLIGHT",
        "s": [{"idNumber": valid}] * 5000,
        "ids": [valid] * 5001,
    }
    rows_before = await subject_row_count(app)
    # when they are checked at once, then BATCH_SIZE and nothing on record
    body, rid = await ask(api, CHECKS, variables, token=approver("XF-FLIGHT"))
    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == "BATCH_SIZE"
    assert await audit_rows(app, rid) == []
    assert await subject_row_count(app) == rows_before


@pytest.mark.parametrize(
    ("variables", "argument", "rule"),
    [
        (
            {"ids": ["110101199003074477", "110101199003074477", "11010119900307447"]},
            "idNumbers[2]",
            "GB11643_LENGTH",
        ),
        (
            {"s": [{"idNumber": "110101199003074477"}, {"idNumber": "110101199003074470"}]},
            "subjects[1]",
            "GB11643_CHECK_CHARACTER",
        ),
        (
            {"us": ["91370602272620019X", "91370602272620019A"]},
            "usccs[1]",
            "GB32100_CHECK_CHARACTER",
        ),
        (
            {"ids": ["110101199003074477"], "us": ["110101199003074477"]},
            "usccs[0]",
            None,
        ),
    ],
    ids=["idNumbers", "subjects", "usccs", "id-as-uscc"],
)
async def test_one_invalid_identifier_refuses_the_whole_batch(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    approver: Any,
    variables: dict[str, Any],
    argument: str,
    rule: str | None,
) -> None:
    rows_before = await subject_row_count(app)
    counts_before = await stats(api, tokens["auditor-sun"], "MATTER")
    # when a batch holds one invalid identifier
    body, rid = await ask(api, CHECKS, {"m": "XF-FLIGHT", **variables}, token=approver("XF-FLIGHT"))
    # then the batch is refused naming its index, and no check is on record
    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    extensions = body["errors"][0]["extensions"]
    assert extensions["argument"] == argument
    if rule is not None:
        assert extensions["rule"] == rule
    assert await audit_rows(app, rid) == []
    # nor any subject row, nor a count
    assert await subject_row_count(app) == rows_before
    assert await stats(api, tokens["auditor-sun"], "MATTER") == counts_before


# --- who may do what ---------------------------------------------------------------------------


async def test_the_approval_system_sees_no_profile_and_the_judge_does_not_check(
    api: Api, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    sample = demo["samples"]["persons"][0]
    approval = tokens["approval-market"]
    # the approval system may not look at a person or an enterprise
    body = await api.query(
        "query($id: String!) { person(idNumber: $id) { idNumber } }",
        {"id": sample["idNumber"]},
        token=approval,
    )
    assert body["data"]["person"] is None
    assert codes(body) == ["FORBIDDEN"]
    body = await api.query(
        "query($u: String!) { enterprise(uscc: $u) { uscc } }",
        {"u": demo["samples"]["enterprises"][0]["uscc"]},
        token=approval,
    )
    assert codes(body) == ["FORBIDDEN"]
    # nor ask for the interception statistics
    body = await api.query(
        STATS, {"from": "2026-01-01", "to": "2026-12-31", "g": "AGENCY"}, token=approval
    )
    assert codes(body) == ["FORBIDDEN"]
    # the judge, the auditor and an agency officer may not run checks
    for user in ("judge-zhang", "auditor-sun", "market-zhao"):
        body = await api.query(
            CHECK, {"s": {"idNumber": sample["idNumber"]}, "m": "XF-FLIGHT"}, token=tokens[user]
        )
        assert body["data"] is None, user
        assert codes(body) == ["FORBIDDEN"], user
        body = await api.query(
            CHECKS, {"m": "XF-FLIGHT", "ids": [sample["idNumber"]]}, token=tokens[user]
        )
        assert codes(body) == ["FORBIDDEN"], user


# --- audit -------------------------------------------------------------------------------------


async def test_checks_publications_and_revocations_are_on_record(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str], listed: list[str]
) -> None:
    keys = app.state.runtime.audit.keys
    party = await a_free_party(app, "PERSON", demo)
    # given a publication
    body, rid = await ask(api, PUBLISH, {"input": publish_input("DISHONEST", party)})
    entry = body["data"]["sanctionEntryPublish"]["entry"]
    listed.append(entry["id"])
    [row] = await audit_rows(app, rid)
    assert (row["action"], row["outcome"], row["user_id"], row["org"]) == (
        "SANCTION_PUBLISH",
        "OK",
        "judge-zhang",
        f"court:{COURT}",
    )
    assert (row["case_number"], row["subject_kind"], row["subject_index"]) == (
        party["caseNumber"],
        "PERSON",
        keys.blind_index(party["id"]),
    )
    assert json.loads(row["content"])["detail"]["entry"] == entry["id"]
    # when the approval system checks the subject
    body, check_rid = await ask(
        api, CHECK, {"s": subject(party), "m": "XF-PROPERTY"}, token=tokens["approval-registry"]
    )
    assert body["data"]["sanctionCheck"]["decision"] == "BLOCK"
    # then one entry: SANCTION_CHECK by the caller's org, and its one subject row: BLOCK, the
    # subject by blind index (a single check is a batch of one)
    [row] = await audit_rows(app, check_rid)
    assert (row["action"], row["outcome"], row["user_id"], row["org"], row["roles"]) == (
        "SANCTION_CHECK",
        "OK",
        "approval-registry",
        ORG_REGISTRY,
        "approval_system",
    )
    [subject_row] = await subject_rows(app, check_rid)
    assert (
        subject_row["position"],
        subject_row["subject_kind"],
        subject_row["subject_index"],
        subject_row["outcome"],
    ) == (0, "PERSON", keys.blind_index(party["id"]), "BLOCK")
    # and the auditor finds it in the person's access history
    body = await api.query(HISTORY, {"id": party["id"]}, token=tokens["auditor-sun"])
    assert "errors" not in body, body
    events = [e for e in body["data"]["accessHistory"] if e["requestId"] == check_rid]
    assert events == [
        {
            "requestId": check_rid,
            "userId": "approval-registry",
            "org": ORG_REGISTRY,
            "action": "SANCTION_CHECK",
            "outcome": "BLOCK",
            "subjectKind": "PERSON",
        }
    ]
    assert rid in {e["requestId"] for e in body["data"]["accessHistory"]}
    # the revocation is on record too
    body, rid = await ask(api, REVOKE, {"id": entry["id"], "reason": "已履行"})
    assert body["data"]["sanctionEntryRevoke"]["errors"] == []
    [row] = await audit_rows(app, rid)
    assert (row["action"], row["outcome"], row["case_number"], row["subject_index"]) == (
        "SANCTION_REVOKE",
        "OK",
        party["caseNumber"],
        keys.blind_index(party["id"]),
    )
    # and an allowed check is on record as ALLOW
    body, check_rid = await ask(
        api, CHECK, {"s": subject(party), "m": "XF-PROPERTY"}, token=tokens["approval-registry"]
    )
    assert body["data"]["sanctionCheck"]["decision"] == "ALLOW"
    assert [r["action"] for r in await audit_rows(app, check_rid)] == ["SANCTION_CHECK"]
    assert [r["outcome"] for r in await subject_rows(app, check_rid)] == ["ALLOW"]


# --- statistics --------------------------------------------------------------------------------


async def test_stats_count_exactly_the_checks_made(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str], listed: list[str]
) -> None:
    # given a listed respondent and two unlisted persons
    party = await a_free_party(app, "PERSON", demo)
    await published(api, listed, "DISHONEST", party)
    others = await free_parties(app, "PERSON", role=APPLICANT)
    assert len(others) >= 2
    b, c = others[0]["id"], others[1]["id"]
    month = f"{today():%Y-%m}"
    auditor, judge = tokens["auditor-sun"], tokens["judge-zhang"]
    before = {g: await stats(api, auditor, g) for g in ("AGENCY", "MATTER", "MONTH")}
    judge_before = await stats(api, judge, "MATTER")
    # when the registry's approval system checks a subject, then five at once (two blocked)
    assert (await check(api, tokens["approval-registry"], {"idNumber": c}, "LH-REAL-ESTATE-TRADE"))[
        "decision"
    ] == "ALLOW"
    body = await api.query(
        CHECKS,
        {"m": "LH-REAL-ESTATE-TRADE", "ids": [party["id"], b, party["id"], c, b]},
        token=tokens["approval-registry"],
    )
    assert [r["decision"] for r in body["data"]["sanctionChecks"]] == [
        "BLOCK",
        "ALLOW",
        "BLOCK",
        "ALLOW",
        "ALLOW",
    ]
    # then the counts grew by exactly six checks, two of them blocked
    after = {g: await stats(api, auditor, g) for g in ("AGENCY", "MATTER", "MONTH")}

    def grown(group: str, key: str, was: dict[str, dict[str, tuple[int, int]]]) -> tuple[int, int]:
        old = was[group].get(key, (0, 0))
        new = after[group][key]
        return new[0] - old[0], new[1] - old[1]

    assert grown("AGENCY", ORG_REGISTRY, before) == (6, 2)
    assert grown("MATTER", "LH-REAL-ESTATE-TRADE", before) == (6, 2)
    assert grown("MONTH", month, before) == (6, 2)
    # the other agencies did nothing meanwhile
    assert after["AGENCY"].get(ORG_MARKET) == before["AGENCY"].get(ORG_MARKET)
    # and the judge sees the same
    judge_after = await stats(api, judge, "MATTER")
    old = judge_before.get("LH-REAL-ESTATE-TRADE", (0, 0))
    assert (
        judge_after["LH-REAL-ESTATE-TRADE"][0] - old[0],
        judge_after["LH-REAL-ESTATE-TRADE"][1] - old[1],
    ) == (6, 2)


@pytest.mark.parametrize(
    ("span", "rule"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "DATE_RANGE"),
        ({"from": "2000-01-01", "to": "2026-03-01"}, "DATE_RANGE"),
    ],
    ids=["to-before-from", "more-than-ten-years"],
)
async def test_stats_refuse_a_bad_range(
    api: Api, tokens: dict[str, str], span: dict[str, str], rule: str
) -> None:
    body = await api.query(STATS, {**span, "g": "MONTH"}, token=tokens["auditor-sun"])
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == rule


# --- fail closed -------------------------------------------------------------------------------


async def test_a_check_fails_closed_when_the_audit_log_cannot_be_written(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    tokens: dict[str, str],
    listed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    # given a listed respondent
    party = await a_free_party(app, "PERSON", demo)
    await published(api, listed, "DISHONEST", party)
    before = await stats(api, tokens["auditor-sun"], "MATTER")
    # and an audit store that cannot be written
    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/audit.sqlite3")
    monkeypatch.setattr(app.state.runtime.audit, "writer", broken)
    try:
        approval = tokens["approval-registry"]
        # when the approval system checks the subject, alone or in a batch
        single, rid1 = await ask(api, CHECK, {"s": subject(party), "m": "LH-LAND"}, token=approval)
        batch, rid2 = await ask(
            api, CHECKS, {"m": "LH-LAND", "ids": [party["id"], party["id"]]}, token=approval
        )
    finally:
        monkeypatch.undo()
        await broken.dispose()
    # then no decision leaves: no data, AUDIT_UNAVAILABLE
    for body in (single, batch):
        assert body["data"] is None
        assert codes(body) == ["AUDIT_UNAVAILABLE"]
        assert party["id"] not in json.dumps(body, ensure_ascii=False)
    # nothing is on record and nothing was counted
    assert await audit_rows(app, rid1) == []
    assert await audit_rows(app, rid2) == []
    assert await subject_rows(app, rid1) == await subject_rows(app, rid2) == []
    assert await stats(api, tokens["auditor-sun"], "MATTER") == before
    # and once the log is back, the check answers and counts again
    result = await check(api, tokens["approval-registry"], subject(party), "LH-LAND")
    assert result["decision"] == "BLOCK"
    after = await stats(api, tokens["auditor-sun"], "MATTER")
    old = before.get("LH-LAND", (0, 0))
    assert (after["LH-LAND"][0] - old[0], after["LH-LAND"][1] - old[1]) == (1, 1)


async def test_a_publication_is_not_kept_when_its_audit_entry_cannot_be_written(
    api: Api, app: Any, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a respondent off the lists, and an audit log that refuses writes
    import hub.audit.writer as audit_log

    party = await a_free_party(app, "PERSON", demo)

    async def refuse(conn: Any, rows: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(audit_log, "insert_entries", refuse)
    async with app.state.runtime.engine.connect() as conn:
        before = (
            await conn.execute(
                select(func.count())
                .select_from(sanction_entries)
                .where(sanction_entries.c.subject_id == party["id"])
            )
        ).scalar()
    # when the judge publishes an entry
    body = await api.query(PUBLISH, {"input": publish_input("DISHONEST", party)})
    monkeypatch.undo()
    # then the answer says the audit log is unavailable and no entry was kept
    payload = body["data"]["sanctionEntryPublish"]
    assert payload["entry"] is None
    assert payload["errors"][0]["code"] == "AUDIT_UNAVAILABLE"
    async with app.state.runtime.engine.connect() as conn:
        after = (
            await conn.execute(
                select(func.count())
                .select_from(sanction_entries)
                .where(sanction_entries.c.subject_id == party["id"])
            )
        ).scalar()
    assert after == before
