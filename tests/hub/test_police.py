"""Police assistance (公安协助): 查人, 车辆布控 and 限制出境, end to end through the API.

A judge files a request for a respondent (被执行人) of an open case of theirs; public security
reads it in its inbox and answers, refuses or confirms; the judge reads the answer and follows
the request live. The rules tested come from the articles' words:

- 民事诉讼法 第二百五十三条 / 第二百六十六条 speak of the **被执行人**: an applicant of the case is
  refused (NOT_A_RESPONDENT).
- 出境入境管理法 第十二条: "**中国公民** … 有未了结的民事案件，人民法院决定不准出境的" — an exit ban
  is of a natural person; an enterprise is refused (NATURAL_PERSON_ONLY).
- 民诉法解释 第五百一十六条: "应当由申请执行人向执行法院提出书面申请；必要时，执行法院可以依职权
  决定" — the request names its basis; without one it is refused (REQUIRED).
- A 查人 request's validity: nothing is answered after it (VALIDITY_ENDED).
- A vehicle is watched while an order of the case holds it; the watch ends with the seizure.
- 查人 is answered from what public security holds (its registers, read by the officer only).

Cases and orders are written with the tests' own SQL; expected values come from the rules' words.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update

from connectors.base.identifiers import make_id_number
from connectors.base.world import build_world
from connectors.public_security.models import accommodations, bookings, passages
from hub.audit.models import audit_entries, audit_subjects
from hub.cases.models import case_parties, cases
from hub.orders.models import freeze_orders
from hub.police import workflow
from hub.police.models import police_requests
from tests.conftest import TEST_PERSONS, TEST_SEED, Api, add_case
from tests.hub.assets import fresh_vehicle, strike_off
from tests.hub.test_audit_recording import ask
from tests.hub.test_audit_recording import entries as audit_entries_of
from tests.hub.test_order_events import context_for, schema_of

WORLD = build_world(TEST_SEED, TEST_PERSONS)
KNOWN = {p.id_number for p in WORLD.persons}
_DAY = itertools.count(date(1961, 3, 1).toordinal())
_PLATE = itertools.count(10_000)

FILE = """mutation($input: PoliceRequestFileInput!) {
  policeRequestFile(input: $input) {
    request { id kind status caseNumber subjectId validUntil orderId plate termEnd basis }
    errors { code message field reason rule }
  }
}"""
ONE = """query($id: String!) {
  policeRequest(id: $id) {
    id kind status refusal receiptNumber endReason
    findings { category at place detail }
    handOver { receiptNumber place }
    events { id event checkpoint place seenAt }
  }
}"""
MINE = """query($filter: PoliceRequestFilter) {
  policeRequests(filter: $filter, first: 50) { nodes { id status } totalCount }
}"""
INBOX = """query($filter: PoliceRequestFilter) {
  policeInbox(filter: $filter, first: 200) { nodes { id kind status subjectId } totalCount }
}"""
ANSWER = """mutation($id: String!, $input: PoliceLocateAnswerInput!) {
  policeRequestAnswer(id: $id, input: $input) {
    request { id status findings { category place } }
    errors { code message field reason rule }
  }
}"""
REFUSE = """mutation($id: String!, $reason: String!) {
  policeRequestRefuse(id: $id, reason: $reason) {
    request { id status refusal } errors { code message reason rule }
  }
}"""
CONFIRM = """mutation($id: String!, $receipt: String!) {
  policeRequestConfirm(id: $id, receiptNumber: $receipt) {
    request { id status receiptNumber } errors { code message reason }
  }
}"""
SIGHTING = """mutation($id: String!, $input: PoliceSightingInput!) {
  policeSightingRecord(id: $id, input: $input) {
    event { id event checkpoint place seenAt } errors { code message reason }
  }
}"""
STOP = """mutation($id: String!, $reason: String!) {
  policeVehicleStop(id: $id, reason: $reason) { request { id status } errors { code reason } }
}"""
HAND_OVER = """mutation($id: String!, $input: PoliceHandOverInput!) {
  policeVehicleHandOver(id: $id, input: $input) {
    request { id status handOver { receiptNumber place } } errors { code message reason }
  }
}"""
CANCEL = """mutation($id: String!, $reason: String!) {
  policeRequestCancel(id: $id, reason: $reason) { request { id status } errors { code reason } }
}"""
LIFT = """mutation($id: String!, $reason: String!) {
  policeExitBanLift(id: $id, reason: $reason) { request { id status } errors { code reason } }
}"""
FOLLOW = "subscription($id: String!) { policeRequestEvents(id: $id) { id event checkpoint place } }"


def fresh_person() -> str:
    while (p := make_id_number("370602", date.fromordinal(next(_DAY)), 5, male=False)) in KNOWN:
        pass
    return p


def later(**kw: Any) -> str:
    return (datetime.now(UTC) + timedelta(**kw)).isoformat()


@pytest.fixture
async def case(app: Any, demo: dict[str, Any]) -> AsyncIterator[dict[str, str]]:
    """A new open 执 case of judge-zhang: an enterprise applicant, a natural person respondent
    no agency knows. Its cases are closed after the test, so that tests looking for an open
    case's respondent to look up (the sanction tests) do not meet one."""
    applicant = demo["samples"]["enterprises"][0]
    respondent = fresh_person()
    number = await add_case(
        app,
        [
            ("申请执行人", "ENTERPRISE", applicant["uscc"], applicant["name"]),
            ("被执行人", "PERSON", respondent, "测试被执行人"),
        ],
    )
    yield {"caseNumber": number, "respondent": respondent, "applicant": applicant["uscc"]}
    theirs = select(case_parties.c.case_id).where(case_parties.c.subject_id == respondent)
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(update(cases).where(cases.c.id.in_(theirs)).values(status="CLOSED"))


def locate(case: dict[str, str], **over: Any) -> dict[str, Any]:
    return {
        "kind": "LOCATE",
        "caseNumber": case["caseNumber"],
        "subject": case["respondent"],
        "rulingNumber": "（2026）鲁0602执1号之一",
        "reason": "被执行人下落不明，申请查找",
        "validUntil": later(days=7),
        **over,
    }


async def file(api: Api, token: str, fields: dict[str, Any]) -> dict[str, Any]:
    body = await api.query(FILE, {"input": fields}, token=token)
    assert "errors" not in body, body
    return body["data"]["policeRequestFile"]  # type: ignore[no-any-return]


async def call(api: Api, query: str, token: str, **variables: Any) -> dict[str, Any]:
    body = await api.query(query, variables, token=token)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))  # type: ignore[no-any-return]


async def actions_of(app: Any, request_id: str) -> list[tuple[str, str, str | None]]:
    """(action, subject index, outcome) of the audit entries naming the request."""
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(audit_entries).order_by(audit_entries.c.id))).all()
    out = []
    for r in rows:
        if request_id in (r.content or ""):
            out.append((r.action, r.subject_index, r.outcome))
    return out


# --- 查人 ----------------------------------------------------------------------------------------


async def test_locate_is_answered_to_the_judge_and_audited_as_subject_data(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    judge, police = tokens["judge-zhang"], tokens["police-chen"]
    # given a 查人 request of the judge's case
    filed = await file(api, judge, locate(case))
    assert filed["errors"] == []
    request = filed["request"]
    assert (request["kind"], request["status"], request["subjectId"]) == (
        "LOCATE",
        "OPEN",
        case["respondent"],
    )
    # when public security finds it in its inbox and answers
    inbox = await call(api, INBOX, police, filter={"kind": "LOCATE"})
    assert request["id"] in [n["id"] for n in inbox["nodes"]]
    older, newer = later(days=-3), later(hours=-2)
    answered = await call(
        api,
        ANSWER,
        police,
        id=request["id"],
        input={
            "findings": [
                {"category": "ACCOMMODATION", "at": older, "place": "烟台市芝罘区某宾馆"},
                {"category": "TRANSPORT", "at": newer, "place": "G1234 烟台—北京南"},
            ]
        },
    )
    assert answered["errors"] == []
    assert answered["request"]["status"] == "ANSWERED"
    # then the judge reads the findings, newest first, and the request left the inbox
    seen = await call(api, ONE, judge, id=request["id"])
    assert [(f["category"], f["place"]) for f in seen["findings"]] == [
        ("TRANSPORT", "G1234 烟台—北京南"),
        ("ACCOMMODATION", "烟台市芝罘区某宾馆"),
    ]
    assert [e["event"] for e in seen["events"]] == ["FILED", "ANSWERED"]
    inbox = await call(api, INBOX, police, filter={"kind": "LOCATE"})
    assert request["id"] not in [n["id"] for n in inbox["nodes"]]
    # and the filing, the answer and both reads are on record with the respondent as subject
    keys = app.state.runtime.audit.keys
    index = keys.blind_index(case["respondent"])
    actions = await actions_of(app, request["id"])
    for action in (
        "POLICE_REQUEST_FILE",
        "POLICE_LOCATE_ANSWER",
        "POLICE_REQUEST_LIST",
        "POLICE_REQUEST_VIEW",
    ):
        assert any(a == action for a, _, _ in actions), (action, actions)
    assert all(
        i == index for a, i, _ in actions if a in ("POLICE_REQUEST_FILE", "POLICE_LOCATE_ANSWER")
    )


async def test_nothing_is_answered_after_the_validity_ends(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    # given a request whose validity has ended (set back with the test's own SQL)
    request = (await file(api, tokens["judge-zhang"], locate(case)))["request"]
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            update(police_requests)
            .where(police_requests.c.id == request["id"])
            .values(valid_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    # when public security answers, or refuses
    answer = {"findings": [{"category": "CHECKPOINT", "at": later(hours=-1), "place": "卡口"}]}
    answered = await call(api, ANSWER, tokens["police-chen"], id=request["id"], input=answer)
    refused = await call(api, REFUSE, tokens["police-chen"], id=request["id"], reason="无")
    # then nothing is answered, the request has EXPIRED and holds no findings
    for payload in (answered, refused):
        assert payload["request"] is None
        assert [(e["code"], e["reason"]) for e in payload["errors"]] == [
            ("CONFLICT", "VALIDITY_ENDED")
        ]
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    assert (seen["status"], seen["findings"]) == ("EXPIRED", [])


FILE_WITH_EVENTS = """mutation($input: PoliceRequestFileInput!) {
  policeRequestFile(input: $input) {
    request { id status events { event } } errors { code reason }
  }
}"""
ANSWER_WITH_EVENTS = """mutation($id: String!, $input: PoliceLocateAnswerInput!) {
  policeRequestAnswer(id: $id, input: $input) {
    request { id status events { event } } errors { code reason }
  }
}"""
MINE_WITH_EVENTS = """query($filter: PoliceRequestFilter) {
  policeRequests(filter: $filter, first: 50) { nodes { id events { event } } }
}"""


async def test_a_payload_and_a_list_show_the_requests_events(
    api: Api, tokens: dict[str, str], case: dict[str, str]
) -> None:
    """The FILED event is written with the request: the filing's payload showed events [] (and
    so did every other mutation's payload and every list row) until a policeRequest read."""
    judge, police = tokens["judge-zhang"], tokens["police-chen"]
    # when the judge files a 查人 request
    filed = await call(api, FILE_WITH_EVENTS, judge, input=locate(case))
    # then its payload shows the filing
    assert filed["errors"] == []
    assert [e["event"] for e in filed["request"]["events"]] == ["FILED"]
    # and an answer's payload both events, as does the judge's list
    answer = {"findings": [{"category": "CHECKPOINT", "at": later(hours=-1), "place": "卡口"}]}
    answered = await call(api, ANSWER_WITH_EVENTS, police, id=filed["request"]["id"], input=answer)
    assert [e["event"] for e in answered["request"]["events"]] == ["FILED", "ANSWERED"]
    mine = await call(api, MINE_WITH_EVENTS, judge, filter={"caseNumber": case["caseNumber"]})
    assert [[e["event"] for e in n["events"]] for n in mine["nodes"]] == [["FILED", "ANSWERED"]]


async def test_an_answered_request_past_its_validity_is_told_its_state(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    """An answered request is answered again, or refused, after its validity ended: the
    request's state is what stands in the way (STATE), not the validity (it ended answered)."""
    police = tokens["police-chen"]
    request = (await file(api, tokens["judge-zhang"], locate(case)))["request"]
    answer = {"findings": [{"category": "CHECKPOINT", "at": later(hours=-1), "place": "卡口"}]}
    first = await call(api, ANSWER, police, id=request["id"], input=answer)
    assert first["errors"] == []
    # given its validity has ended since (set back with the test's own SQL)
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            update(police_requests)
            .where(police_requests.c.id == request["id"])
            .values(valid_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    # when public security answers it again, or refuses it
    again = await call(api, ANSWER, police, id=request["id"], input=answer)
    refused = await call(api, REFUSE, police, id=request["id"], reason="无")
    # then each is CONFLICT for its state, and the request stays ANSWERED
    for payload in (again, refused):
        assert payload["request"] is None
        assert [(e["code"], e["reason"]) for e in payload["errors"]] == [("CONFLICT", "STATE")]
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    assert seen["status"] == "ANSWERED"


async def test_a_refusal_reaches_the_judge_with_its_reason(
    api: Api, tokens: dict[str, str], case: dict[str, str]
) -> None:
    request = (await file(api, tokens["judge-zhang"], locate(case)))["request"]
    refused = await call(
        api, REFUSE, tokens["police-chen"], id=request["id"], reason="涉及在办案件，暂不提供"
    )
    assert refused["request"]["status"] == "REFUSED"
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    assert (seen["status"], seen["refusal"]) == ("REFUSED", "涉及在办案件，暂不提供")
    # and a refused request is not answered afterwards
    again = await call(api, ANSWER, tokens["police-chen"], id=request["id"], input={"findings": []})
    assert [(e["code"], e["reason"]) for e in again["errors"]] == [("CONFLICT", "STATE")]


async def test_who_may_file_and_for_whom(
    api: Api, app: Any, tokens: dict[str, str], mint: Any, case: dict[str, str]
) -> None:
    # the applicant is no 被执行人 (民事诉讼法 第二百五十三条)
    applicant = await file(api, tokens["judge-zhang"], locate(case, subject=case["applicant"]))
    assert [(e["code"], e["reason"]) for e in applicant["errors"]] == [
        ("FORBIDDEN", "NOT_A_RESPONDENT")
    ]
    # a judge of the court not assigned to the case
    other = await file(api, tokens["judge-zhou"], locate(case))
    assert [(e["code"], e["reason"]) for e in other["errors"]] == [("FORBIDDEN", "NOT_ASSIGNED")]
    # a judge of another court
    foreign = await file(api, tokens["judge-li"], locate(case))
    assert [(e["code"], e["reason"]) for e in foreign["errors"]] == [
        ("FORBIDDEN", "CASE_OTHER_COURT")
    ]
    # a closed case
    closed = await add_case(
        app, [("被执行人", "PERSON", case["respondent"], "测试被执行人")], status="CLOSED"
    )
    shut = await file(api, tokens["judge-zhang"], locate(case, caseNumber=closed))
    assert [(e["code"], e["reason"]) for e in shut["errors"]] == [("FORBIDDEN", "CASE_CLOSED")]
    # police, other agencies and parties may not file at all (the policy)
    for token in (
        tokens["police-chen"],
        tokens["registry-wang"],
        mint(
            sub=case["respondent"],
            org=f"enterprise:{case['applicant']}",
            roles=("enterprise_party",),
        ),
    ):
        body = await api.query(FILE, {"input": locate(case)}, token=token)
        assert body["data"]["policeRequestFile"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # a validity in the past or too far ahead
    for when in (later(hours=-1), later(days=91)):
        bad = await file(api, tokens["judge-zhang"], locate(case, validUntil=when))
        assert [(e["code"], e["rule"]) for e in bad["errors"]] == [("BAD_USER_INPUT", "VALIDITY")]
    # nothing was filed by any of them
    async with app.state.runtime.engine.connect() as conn:
        n = (
            await conn.execute(
                select(police_requests.c.id).where(
                    police_requests.c.case_number.in_([case["caseNumber"], closed])
                )
            )
        ).all()
    assert n == []


async def test_who_may_read_and_answer(
    api: Api, tokens: dict[str, str], mint: Any, case: dict[str, str]
) -> None:
    request = (await file(api, tokens["judge-zhang"], locate(case)))["request"]
    # a judge not assigned, a judge of another court: as if it did not exist
    for token in (tokens["judge-zhou"], tokens["judge-li"]):
        body = await api.query(ONE, {"id": request["id"]}, token=token)
        assert body["data"]["policeRequest"] is None
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        mine = await call(api, MINE, token)
        assert request["id"] not in [n["id"] for n in mine["nodes"]]
    # a police officer of another org, other agencies' officers: refused by the policy
    stranger = mint(sub="police-x", org="agency:real_estate", roles=("police_officer",))
    for token in (stranger, tokens["registry-wang"], tokens["judge-zhang"]):
        body = await api.query(
            ANSWER, {"id": request["id"], "input": {"findings": []}}, token=token
        )
        assert body["data"]["policeRequestAnswer"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        body = await api.query(INBOX, {}, token=token)
        assert body["data"]["policeInbox"] is None
    # the request is still open
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    assert seen["status"] == "OPEN"


# --- 车辆布控 -------------------------------------------------------------------------------------


async def seized_vehicle(app: Any, case: dict[str, str], status: str = "EFFECTIVE") -> str:
    """An order of the case seizing a vehicle of the respondent (the test's own SQL)."""
    order_id = f"FO-POL-{uuid.uuid4().hex[:10].upper()}"
    now = datetime.now(UTC)
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            freeze_orders.insert().values(
                id=order_id,
                kind="SEIZE",
                asset_type="VEHICLE",
                asset_id=f"鲁F{next(_PLATE)}",
                agency="public_security",
                owner_id=case["respondent"],
                court_code="370602",
                case_number=case["caseNumber"],
                ruling_number="（2026）鲁0602执1号",
                term_months=24,
                status=status,
                submitted_by="judge-zhang",
                submitted_at=now,
                renewals=0,
                idempotency_key=uuid.uuid4().hex,
                payload_hash="h",
                updated_at=now,
            )
        )
    return order_id


async def set_order(app: Any, order_id: str, status: str) -> None:
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            update(freeze_orders).where(freeze_orders.c.id == order_id).values(status=status)
        )


def watch(case: dict[str, str], order_id: str) -> dict[str, Any]:
    return {
        "kind": "VEHICLE_WATCH",
        "caseNumber": case["caseNumber"],
        "subject": case["respondent"],
        "rulingNumber": "（2026）鲁0602执1号",
        "reason": "查封车辆下落不明，请求布控",
        "orderId": order_id,
    }


@pytest.fixture
async def vehicle(app: Any, case: dict[str, str]) -> Any:
    order_id = await seized_vehicle(app, case)
    yield order_id
    # the watches of the test end now, not at a later sweep of the app's worker (whose audit
    # entry would land in another test)
    await set_order(app, order_id, "RELEASED")
    await workflow.sweep(app.state.runtime.engine, app.state.runtime.audit)
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(freeze_orders.delete().where(freeze_orders.c.id == order_id))


async def test_a_watch_pushes_sightings_then_the_vehicle_is_handed_over(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str], vehicle: str
) -> None:
    judge, police = tokens["judge-zhang"], tokens["police-chen"]
    # given a watch of the seized vehicle, confirmed in place by public security
    request = (await file(api, judge, watch(case, vehicle)))["request"]
    assert (request["status"], request["orderId"]) == ("OPEN", vehicle)
    confirmed = await call(api, CONFIRM, police, id=request["id"], receipt="GA-BK-001")
    assert confirmed["request"]["status"] == "WATCHING"
    # and the judge following it live
    stream = await schema_of(app).subscribe(
        FOLLOW, variable_values={"id": request["id"]}, context_value=context_for(app, judge)
    )
    first = await asyncio.wait_for(stream.__anext__(), 5)
    assert first.errors is None
    assert first.data["policeRequestEvents"]["event"] == "FILED"
    second = await asyncio.wait_for(stream.__anext__(), 5)
    assert second.data["policeRequestEvents"]["event"] == "CONFIRMED"
    # when public security records a sighting
    seen = await call(
        api,
        SIGHTING,
        police,
        id=request["id"],
        input={"checkpoint": "G20潍坊东卡口", "place": "潍坊市奎文区", "at": later(minutes=-3)},
    )
    assert seen["errors"] == []
    # then it reaches the judge
    pushed = await asyncio.wait_for(stream.__anext__(), 5)
    assert pushed.data["policeRequestEvents"] == {
        "id": seen["event"]["id"],
        "event": "SIGHTING",
        "checkpoint": "G20潍坊东卡口",
        "place": "潍坊市奎文区",
    }
    # when the court asks for the vehicle to be stopped and the police hand it over
    stopped = await call(api, STOP, judge, id=request["id"], reason="请予查扣")
    assert stopped["request"]["status"] == "STOP_REQUESTED"
    handed = await call(
        api,
        HAND_OVER,
        police,
        id=request["id"],
        input={
            "receiptNumber": "GA-KC-009",
            "place": "潍坊市公安局停车场",
            "at": later(minutes=-1),
        },
    )
    assert handed["request"]["status"] == "HANDED_OVER"
    assert handed["request"]["handOver"] == {
        "receiptNumber": "GA-KC-009",
        "place": "潍坊市公安局停车场",
    }
    # then the judge is told, and the stream ends with the watch
    events = [e.data["policeRequestEvents"]["event"] async for e in stream]
    assert events == ["STOP_REQUESTED", "HANDED_OVER"]
    # and every delivery of the stream is on record with the respondent as subject
    index = app.state.runtime.audit.keys.blind_index(case["respondent"])
    delivered = [a for a in await actions_of(app, request["id"]) if a[0] == "POLICE_EVENT_DELIVER"]
    assert delivered and all(i == index for _, i, _ in delivered)
    # and no sighting is recorded after the hand-over
    late = await call(
        api,
        SIGHTING,
        police,
        id=request["id"],
        input={"checkpoint": "卡口", "place": "某地", "at": later(minutes=-1)},
    )
    assert [(e["code"], e["reason"]) for e in late["errors"]] == [("CONFLICT", "STATE")]


@pytest.mark.parametrize("ended", ["RELEASED", "EXPIRED"])
async def test_the_watch_ends_with_the_seizure(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str], vehicle: str, ended: str
) -> None:
    # given a watch in place
    request = (await file(api, tokens["judge-zhang"], watch(case, vehicle)))["request"]
    await call(api, CONFIRM, tokens["police-chen"], id=request["id"], receipt="GA-BK-002")
    # when the seizure is released or lapses
    await set_order(app, vehicle, ended)
    changed = await workflow.sweep(app.state.runtime.engine, app.state.runtime.audit)
    # then the watch has ENDED on its own (the app's worker may have swept first)
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    assert changed >= 0
    assert seen["status"] == "ENDED"
    assert ended in seen["endReason"]
    assert seen["events"][-1]["event"] == "ENDED"
    # and no sighting is recorded any more
    late = await call(
        api,
        SIGHTING,
        tokens["police-chen"],
        id=request["id"],
        input={"checkpoint": "卡口", "place": "某地", "at": later(minutes=-1)},
    )
    assert [(e["code"], e["reason"]) for e in late["errors"]] == [("CONFLICT", "STATE")]
    # and the end is on record as the hub's own
    assert "POLICE_REQUEST_END" in [a for a, _, _ in await actions_of(app, request["id"])]


async def test_a_sighting_after_the_release_ends_the_watch_at_once(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str], vehicle: str
) -> None:
    request = (await file(api, tokens["judge-zhang"], watch(case, vehicle)))["request"]
    await call(api, CONFIRM, tokens["police-chen"], id=request["id"], receipt="GA-BK-003")
    await set_order(app, vehicle, "RELEASED")
    late = await call(
        api,
        SIGHTING,
        tokens["police-chen"],
        id=request["id"],
        input={"checkpoint": "卡口", "place": "某地", "at": later(minutes=-1)},
    )
    assert late["event"] is None
    assert late["errors"][0]["code"] == "CONFLICT"
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    assert seen["status"] == "ENDED"
    assert "SIGHTING" not in [e["event"] for e in seen["events"]]


async def test_only_a_vehicle_the_case_holds_is_watched(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    released = await seized_vehicle(app, case, status="RELEASED")
    other = await add_case(app, [("被执行人", "PERSON", case["respondent"], "测试被执行人")])
    elsewhere = await seized_vehicle(app, {**case, "caseNumber": other})
    try:
        body = await file(api, tokens["judge-zhang"], watch(case, released))
        assert [(e["code"], e["rule"]) for e in body["errors"]] == [("BAD_USER_INPUT", "NOT_HELD")]
        # an order of another case of the court is answered as one that does not exist: code,
        # rule, field and message alike but for the id quoted (a filing tells nothing of the
        # court's other cases' orders)
        answers = []
        for order_id in (elsewhere, "FO-2026-000000000000"):
            body = await file(api, tokens["judge-zhang"], watch(case, order_id))
            [error] = body["errors"]
            answers.append({**error, "message": error["message"].replace(order_id, "…")})
        assert answers[0] == answers[1]
        assert (answers[0]["code"], answers[0]["rule"], answers[0]["field"]) == (
            "BAD_USER_INPUT",
            "NO_SUCH_ORDER",
            "orderId",
        )
        # a watch names its order; a 查人 request does not
        missing = await file(api, tokens["judge-zhang"], {**watch(case, released), "orderId": None})
        assert [(e["field"], e["rule"]) for e in missing["errors"]] == [("orderId", "REQUIRED")]
        mixed = await file(api, tokens["judge-zhang"], locate(case, orderId=released))
        assert [(e["field"], e["rule"]) for e in mixed["errors"]] == [("orderId", "NOT_FOR_KIND")]
    finally:
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(
                freeze_orders.delete().where(freeze_orders.c.id.in_([released, elsewhere]))
            )


async def test_demo_sightings_reach_every_watch_in_place(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str], vehicle: str
) -> None:
    request = (await file(api, tokens["judge-zhang"], watch(case, vehicle)))["request"]
    await call(api, CONFIRM, tokens["police-chen"], id=request["id"], receipt="GA-BK-004")
    runtime = app.state.runtime
    recorded = await workflow.demo_sightings(runtime.engine, runtime.audit, random.Random(1))
    assert recorded >= 1
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    sightings = [e for e in seen["events"] if e["event"] == "SIGHTING"]
    assert len(sightings) == 1
    assert sightings[0]["checkpoint"] and sightings[0]["place"]


# --- 限制出境 -------------------------------------------------------------------------------------


def exit_ban(case: dict[str, str], **over: Any) -> dict[str, Any]:
    return {
        "kind": "EXIT_BAN",
        "caseNumber": case["caseNumber"],
        "subject": case["respondent"],
        "rulingNumber": "（2026）鲁0602执1号之二",
        "reason": "被执行人未履行义务，限制出境",
        "termEnd": (date.today() + timedelta(days=365)).isoformat(),
        "basis": "APPLICATION",
        **over,
    }


async def test_an_exit_ban_is_confirmed_then_lifted(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    judge, police = tokens["judge-zhang"], tokens["police-chen"]
    request = (await file(api, judge, exit_ban(case)))["request"]
    assert (request["status"], request["basis"]) == ("OPEN", "APPLICATION")
    in_force = await call(api, CONFIRM, police, id=request["id"], receipt="BK-2026-0001")
    assert in_force["request"] == {
        "id": request["id"],
        "status": "IN_FORCE",
        "receiptNumber": "BK-2026-0001",
    }
    # a lifting is the court's; public security confirms it
    refused = await api.query(LIFT, {"id": request["id"], "reason": "x"}, token=police)
    assert refused["data"]["policeExitBanLift"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    lifting = await call(api, LIFT, judge, id=request["id"], reason="被执行人已履行完毕")
    assert lifting["request"]["status"] == "LIFT_REQUESTED"
    lifted = await call(api, CONFIRM, police, id=request["id"], receipt="BK-2026-0001-J")
    assert lifted["request"]["status"] == "LIFTED"
    seen = await call(api, ONE, judge, id=request["id"])
    assert [e["event"] for e in seen["events"]] == [
        "FILED",
        "CONFIRMED",
        "LIFT_REQUESTED",
        "LIFTED",
    ]
    assert {"POLICE_REQUEST_FILE", "POLICE_REQUEST_CONFIRM", "POLICE_EXIT_BAN_LIFT"} <= {
        a for a, _, _ in await actions_of(app, request["id"])
    }


async def test_an_exit_ban_is_of_a_natural_person_and_names_its_basis(
    api: Api, app: Any, tokens: dict[str, str], demo: dict[str, Any], case: dict[str, str]
) -> None:
    # 出境入境管理法 第十二条: 中国公民 — an enterprise respondent is refused
    enterprise = demo["samples"]["enterprises"][1]
    number = await add_case(
        app, [("被执行人", "ENTERPRISE", enterprise["uscc"], enterprise["name"])]
    )
    body = await file(
        api,
        tokens["judge-zhang"],
        exit_ban({"caseNumber": number, "respondent": enterprise["uscc"]}),
    )
    assert [(e["code"], e["rule"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", "NATURAL_PERSON_ONLY")
    ]
    # 民诉法解释 第五百一十六条: on the applicant's written application or of the court's own
    # motion — the basis is named
    body = await file(api, tokens["judge-zhang"], exit_ban(case, basis=None))
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("basis", "REQUIRED")]
    # an end date that has passed
    body = await file(api, tokens["judge-zhang"], exit_ban(case, termEnd=date.today().isoformat()))
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("termEnd", "TERM_END")]


async def test_an_exit_ban_past_its_term_expires(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    request = (await file(api, tokens["judge-zhang"], exit_ban(case)))["request"]
    await call(api, CONFIRM, tokens["police-chen"], id=request["id"], receipt="BK-2026-0002")
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            update(police_requests)
            .where(police_requests.c.id == request["id"])
            .values(term_end=date.today() - timedelta(days=2))
        )
    await workflow.sweep(app.state.runtime.engine, app.state.runtime.audit)
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    assert seen["status"] == "EXPIRED"
    assert json.dumps(seen["events"][-1]["event"]) == '"EXPIRED"'


async def test_a_client_request_id_files_once(
    api: Api, tokens: dict[str, str], case: dict[str, str]
) -> None:
    key = uuid.uuid4().hex
    first = await file(api, tokens["judge-zhang"], locate(case, clientRequestId=key))
    again = await file(api, tokens["judge-zhang"], locate(case, clientRequestId=key))
    assert first["request"]["id"] == again["request"]["id"]
    other = await file(
        api, tokens["judge-zhang"], locate(case, clientRequestId=key, reason="另一理由")
    )
    assert [(e["code"], e["reason"]) for e in other["errors"]] == [
        ("CONFLICT", "CLIENT_REQUEST_ID_REUSED")
    ]


async def test_a_following_judge_is_cut_off_when_the_policy_changes(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    case: dict[str, str],
    vehicle: str,
    tmp_path: Path,
) -> None:
    judge, police = tokens["judge-zhang"], tokens["police-chen"]
    runtime = app.state.runtime
    # given a confirmed watch the judge follows live
    request = (await file(api, judge, watch(case, vehicle)))["request"]
    await call(api, CONFIRM, police, id=request["id"], receipt="GA-BK-002")
    stream = await schema_of(app).subscribe(
        FOLLOW, variable_values={"id": request["id"]}, context_value=context_for(app, judge)
    )
    for expected in ("FILED", "CONFIRMED"):
        got = await asyncio.wait_for(stream.__anext__(), 5)
        assert got.data["policeRequestEvents"]["event"] == expected
    deliveries = [a for a in await actions_of(app, request["id"]) if a[0] == "POLICE_EVENT_DELIVER"]
    assert deliveries
    # when a policy without the judge's grant of the events is reloaded
    reduced = shutil.copytree(runtime.settings.policy_dir, tmp_path / "policies")
    lines = (reduced / "policy.csv").read_text(encoding="utf-8").splitlines()
    kept = [
        ln
        for ln in lines
        if not (ln.startswith("p, enforcement_judge,") and "PoliceRequestEvent" in ln)
    ]
    assert len(kept) == len(lines) - 1
    (reduced / "policy.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    runtime.reload_policy(reduced)
    try:
        # and public security then records a sighting
        seen = await call(
            api,
            SIGHTING,
            police,
            id=request["id"],
            input={"checkpoint": "G20潍坊东卡口", "place": "潍坊市奎文区", "at": later(minutes=-2)},
        )
        assert seen["errors"] == []
        # then the open subscription does not release it: it ends, refused for the change
        cut = await asyncio.wait_for(stream.__anext__(), 5)
        assert cut.data is None
        assert [(e.extensions["code"], e.extensions["reason"]) for e in cut.errors] == [
            ("FORBIDDEN", "POLICY_CHANGED")
        ]
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(stream.__anext__(), 5)
        # and no delivery of the sighting is on record
        after = [a for a in await actions_of(app, request["id"]) if a[0] == "POLICE_EVENT_DELIVER"]
        assert after == deliveries
        # and subscribing again is refused by the policy now in force
        again = await schema_of(app).subscribe(
            FOLLOW, variable_values={"id": request["id"]}, context_value=context_for(app, judge)
        )
        # (the new policy's grants of the judge are compiled first: seconds on a loaded machine)
        refused = await asyncio.wait_for(again.__anext__(), 60)
        assert refused.data is None and refused.errors[0].extensions["code"] == "FORBIDDEN"
    finally:
        runtime.reload_policy()


# --- on record: refusals, reads of closed cases, anomaly flags --------------------------------


async def entries_naming(app: Any, text: str, since: int = 0) -> list[dict[str, Any]]:
    """The audit entries after id ``since`` whose contents name ``text`` (a request id), in
    order, each with its subject rows (``subjects``: (blind index, outcome))."""
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_entries).where(audit_entries.c.id > since).order_by(audit_entries.c.id)
            )
        ).all()
        out = []
        for r in rows:
            if text not in (r.content or ""):
                continue
            subjects = (
                await conn.execute(
                    select(audit_subjects.c.subject_index, audit_subjects.c.outcome)
                    .where(audit_subjects.c.entry_id == r.id)
                    .order_by(audit_subjects.c.position)
                )
            ).all()
            out.append({**r._mapping, "subjects": [tuple(s) for s in subjects]})
    return out


async def last_entry_id(app: Any) -> int:
    async with app.state.runtime.engine.connect() as conn:
        found = (await conn.execute(select(func.max(audit_entries.c.id)))).scalar_one()
    return int(found or 0)


def header(e: dict[str, Any]) -> tuple[Any, ...]:
    return (e["user_id"], e["action"], e["outcome"], e["case_number"], e["subject_index"])


async def close_case(app: Any, case_number: str) -> None:
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            update(cases).where(cases.c.case_number == case_number).values(status="CLOSED")
        )


async def test_a_read_refused_as_not_found_is_on_record_naming_only_the_id(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    # given a request of judge-zhang's case
    request = (await file(api, tokens["judge-zhang"], locate(case)))["request"]
    since = await last_entry_id(app)
    # when a judge not assigned and a judge of another court read it, and follow it
    for user in ("judge-zhou", "judge-li"):
        body = await api.query(ONE, {"id": request["id"]}, token=tokens[user])
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        stream = await schema_of(app).subscribe(
            FOLLOW,
            variable_values={"id": request["id"]},
            context_value=context_for(app, tokens[user]),
        )
        refused = await asyncio.wait_for(stream.__anext__(), 5)
        assert refused.data is None
        assert refused.errors[0].extensions["code"] == "NOT_FOUND"
    # then each attempt is on record as NOT_FOUND, naming the request id and nothing of it
    # (neither its case nor its respondent: the entry says what was asked, not what exists)
    on_record = [header(e) for e in await entries_naming(app, request["id"], since)]
    assert on_record == [
        ("judge-zhou", "POLICE_REQUEST_VIEW", "NOT_FOUND", None, None),
        ("judge-zhou", "POLICE_EVENT_DELIVER", "NOT_FOUND", None, None),
        ("judge-li", "POLICE_REQUEST_VIEW", "NOT_FOUND", None, None),
        ("judge-li", "POLICE_EVENT_DELIVER", "NOT_FOUND", None, None),
    ]
    for e in await entries_naming(app, request["id"], since):
        content = json.loads(e["content"])
        assert (content["subject"], content["reason"]) == (None, "REQUEST_UNKNOWN")
        assert content["detail"] == {"request": request["id"]}


async def test_public_securitys_refusals_for_the_state_are_on_record_with_the_respondent(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str], vehicle: str
) -> None:
    police = tokens["police-chen"]
    index = app.state.runtime.audit.keys.blind_index(case["respondent"])
    number = case["caseNumber"]
    # given a 查人 request past its validity, another of a case closed meanwhile, and a watch
    # whose seizure was released
    lapsed = (await file(api, tokens["judge-zhang"], locate(case)))["request"]["id"]
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            update(police_requests)
            .where(police_requests.c.id == lapsed)
            .values(valid_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    shut = (await file(api, tokens["judge-zhang"], locate(case)))["request"]["id"]
    watched = (await file(api, tokens["judge-zhang"], watch(case, vehicle)))["request"]["id"]
    await call(api, CONFIRM, police, id=watched, receipt="GA-BK-010")
    await close_case(app, number)
    await set_order(app, vehicle, "RELEASED")
    since = await last_entry_id(app)
    # when public security answers and refuses the first, answers the second, and records
    # sightings of the watch (the first ends it, the second finds it ended)
    finding = {"findings": [{"category": "CHECKPOINT", "at": later(hours=-1), "place": "卡口"}]}
    answers = [
        await call(api, ANSWER, police, id=lapsed, input=finding),
        await call(api, REFUSE, police, id=lapsed, reason="无"),
        await call(api, ANSWER, police, id=shut, input=finding),
    ]
    sight = {"checkpoint": "卡口", "place": "某地", "at": later(minutes=-1)}
    sightings = [await call(api, SIGHTING, police, id=watched, input=sight) for _ in range(2)]
    reasons = [p["errors"][0]["reason"] for p in answers + sightings]
    assert reasons == ["VALIDITY_ENDED", "VALIDITY_ENDED", "CASE_CLOSED", "WATCH_ENDED", "STATE"]
    # then each refusal is on record as CONFLICT with its reason, the case and the respondent
    refused = [
        e
        for request_id in (lapsed, shut, watched)
        for e in await entries_naming(app, request_id, since)
        if e["user_id"] == "police-chen"
    ]
    assert [header(e) for e in refused] == [
        ("police-chen", "POLICE_LOCATE_ANSWER", "CONFLICT", number, index),
        ("police-chen", "POLICE_REQUEST_REFUSE", "CONFLICT", number, index),
        ("police-chen", "POLICE_LOCATE_ANSWER", "CONFLICT", number, index),
        ("police-chen", "POLICE_SIGHTING_RECORD", "CONFLICT", number, index),
        ("police-chen", "POLICE_SIGHTING_RECORD", "CONFLICT", number, index),
    ]
    assert [json.loads(e["content"])["reason"] for e in refused] == reasons
    # and the answer to a closed case is flagged as a closed case's
    assert ["CASE_CLOSED" in e["flags"].split() for e in refused] == [
        False,
        False,
        True,
        False,
        False,
    ]


async def test_a_refused_filing_names_the_case_cited_and_the_subject_named(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    keys = app.state.runtime.audit.keys
    closed = await add_case(
        app, [("被执行人", "PERSON", case["respondent"], "测试被执行人")], status="CLOSED"
    )
    unknown = "（2026）鲁0602执999999号"
    attempts = [
        ("judge-zhang", case["caseNumber"], case["applicant"], "NOT_A_RESPONDENT"),
        ("judge-li", case["caseNumber"], case["respondent"], "CASE_OTHER_COURT"),
        ("judge-zhang", closed, case["respondent"], "CASE_CLOSED"),
        ("judge-zhang", unknown, case["respondent"], "CASE_UNKNOWN"),
    ]
    for user, number, subject, reason in attempts:
        since = await last_entry_id(app)
        # when a judge files a request that is refused
        body, request_id = await ask(
            api, FILE, {"input": locate(case, caseNumber=number, subject=subject)}, tokens[user]
        )
        [error] = body["data"]["policeRequestFile"]["errors"]
        assert (error["code"], error["reason"]) == ("FORBIDDEN", reason)
        # then the refusal is on record with the case cited and the subject named (encrypted,
        # found by the subject's blind index), flagged as its reason says
        [entry] = [e for e in await audit_entries_of(app, request_id) if e["id"] > since]
        assert header(entry) == (
            user,
            "POLICE_REQUEST_FILE",
            "DENIED",
            number,
            keys.blind_index(subject),
        )
        assert keys.decrypt(json.loads(entry["content"])["subject"]) == subject
        flags = set(entry["flags"].split())
        assert ("CASE_CLOSED" in flags, "CASE_OTHER_COURT" in flags) == (
            reason == "CASE_CLOSED",
            reason == "CASE_OTHER_COURT",
        )


async def test_reading_a_closed_cases_requests_is_flagged_case_closed(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    judge = tokens["judge-zhang"]
    request = (await file(api, judge, locate(case)))["request"]
    # given a read while the case is open: no CASE_CLOSED
    since = await last_entry_id(app)
    await call(api, ONE, judge, id=request["id"])
    [open_read] = await entries_naming(app, request["id"], since)
    assert open_read["action"] == "POLICE_REQUEST_VIEW"
    assert open_read["case_number"] == case["caseNumber"]
    assert "CASE_CLOSED" not in open_read["flags"].split()
    # when the case is closed and the judge reads the request, lists it and follows it
    await close_case(app, case["caseNumber"])
    since = await last_entry_id(app)
    seen = await call(api, ONE, judge, id=request["id"])
    assert seen["status"] == "OPEN"  # the court's own records: still readable
    mine = await call(api, MINE, judge, filter={"caseNumber": case["caseNumber"]})
    assert [n["id"] for n in mine["nodes"]] == [request["id"]]
    stream = await schema_of(app).subscribe(
        FOLLOW, variable_values={"id": request["id"]}, context_value=context_for(app, judge)
    )
    try:
        first = await asyncio.wait_for(stream.__anext__(), 5)
        assert first.data["policeRequestEvents"]["event"] == "FILED"
    finally:
        await stream.aclose()
    # and public security reads what it holds on the respondent
    await call(api, HOLDINGS, tokens["police-chen"], id=request["id"])
    # then every read is on record with the case, flagged CASE_CLOSED
    index = app.state.runtime.audit.keys.blind_index(case["respondent"])
    reads = await entries_naming(app, request["id"], since)
    assert [
        (e["action"], e["case_number"], "CASE_CLOSED" in e["flags"].split()) for e in reads
    ] == [
        ("POLICE_REQUEST_VIEW", case["caseNumber"], True),
        ("POLICE_REQUEST_LIST", case["caseNumber"], True),
        ("POLICE_EVENT_DELIVER", case["caseNumber"], True),
        ("POLICE_REQUEST_VIEW", case["caseNumber"], True),
        ("POLICE_HOLDINGS_VIEW", case["caseNumber"], True),
    ]
    assert [e["subjects"] for e in reads[:2]] == [[(index, "OK")], [(index, "OK")]]
    assert reads[2]["subject_index"] == index


async def test_reads_and_lists_are_flagged_off_hours(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    case: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    judge, police = tokens["judge-zhang"], tokens["police-chen"]
    request = (await file(api, judge, locate(case)))["request"]
    # given working hours that never hold (HUB_WORKING_HOURS: every moment is off hours)
    flags = app.state.runtime.audit.flags
    monkeypatch.setattr(flags, "start", clock(0, 0))
    monkeypatch.setattr(flags, "end", clock(0, 0))
    since = await last_entry_id(app)
    # when the judge reads and lists, and public security reads its inbox and the request
    await call(api, ONE, judge, id=request["id"])
    await call(api, MINE, judge, filter={"caseNumber": case["caseNumber"]})
    await call(api, INBOX, police, filter={"kind": "LOCATE"})
    await call(api, ONE, police, id=request["id"])
    # then every entry is flagged OFF_HOURS, whichever path wrote it
    reads = await entries_naming(app, request["id"], since)
    assert [(e["user_id"], e["action"]) for e in reads] == [
        ("judge-zhang", "POLICE_REQUEST_VIEW"),
        ("judge-zhang", "POLICE_REQUEST_LIST"),
        ("police-chen", "POLICE_REQUEST_LIST"),
        ("police-chen", "POLICE_REQUEST_VIEW"),
    ]
    assert all("OFF_HOURS" in e["flags"].split() for e in reads), [e["flags"] for e in reads]


# --- what public security holds: 查人 answered from its registers, demo sightings -------------

HOLDINGS = """query($id: String!) {
  policeRequest(id: $id) { id holdings { category at place detail } }
}"""
STAY_IN = datetime(2026, 10, 20, 21, 5)
DEPART = datetime(2026, 10, 20, 17, 30)
PASSED = datetime(2026, 10, 21, 8, 15)


def _engine(app: Any) -> Any:
    return app.state.runtime.sources["public_security"].engine


@contextmanager
def on_record(app: Any, respondent: str) -> Iterator[str]:
    """A stay, a booking, and a vehicle of the respondent's with one passage; struck off after."""
    plate = fresh_vehicle(app, {"idNumber": respondent, "name": "测试被执行人"})
    with _engine(app).begin() as conn:
        conn.execute(
            insert(accommodations).values(
                id_number=respondent,
                check_in=STAY_IN,
                check_out=None,
                hotel="测试宾馆（莱山观海路店）",
                place="山东省烟台市莱山区观海路1号",
            )
        )
        conn.execute(
            insert(bookings).values(
                id_number=respondent,
                departure=DEPART,
                mode="铁路",
                number="G1234",
                origin="济南西站",
                destination="烟台站",
            )
        )
        conn.execute(
            insert(passages).values(
                plate=plate,
                passed_at=PASSED,
                checkpoint="测试路与观海路路口卡口",
                place="山东省烟台市莱山区",
            )
        )
    try:
        yield plate
    finally:
        with _engine(app).begin() as conn:
            conn.execute(delete(accommodations).where(accommodations.c.id_number == respondent))
            conn.execute(delete(bookings).where(bookings.c.id_number == respondent))
            conn.execute(delete(passages).where(passages.c.plate == plate))
        strike_off(app, plate)


async def holdings_views(app: Any, request_id: str) -> list[list[str]]:
    """The subjects (blind indexes) of each POLICE_HOLDINGS_VIEW entry naming the request."""
    async with app.state.runtime.engine.connect() as conn:
        entries = (
            await conn.execute(
                select(audit_entries.c.id, audit_entries.c.content)
                .where(audit_entries.c.action == "POLICE_HOLDINGS_VIEW")
                .order_by(audit_entries.c.id)
            )
        ).all()
        out = []
        for entry_id, content in entries:
            if request_id in (content or ""):
                rows = await conn.execute(
                    select(audit_subjects.c.subject_index)
                    .where(audit_subjects.c.entry_id == entry_id)
                    .order_by(audit_subjects.c.position)
                )
                out.append(list(rows.scalars()))
    return out


async def test_the_officer_reads_the_registers_and_answers_with_what_it_picks(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    judge, police = tokens["judge-zhang"], tokens["police-chen"]
    with on_record(app, case["respondent"]) as plate:
        # given a 查人 request for a respondent public security holds records on
        request = (await file(api, judge, locate(case)))["request"]
        # when the officer reads it
        seen = await call(api, HOLDINGS, police, id=request["id"])
        # then the stay, the booking and the passage of the respondent's vehicle are there,
        # newest first; the registers' China Standard Time read as the instant it is (UTC)
        assert [(h["category"], h["at"], h["place"]) for h in seen["holdings"]] == [
            ("CHECKPOINT", "2026-10-21T00:15:00+00:00", "山东省烟台市莱山区"),
            ("ACCOMMODATION", "2026-10-20T13:05:00+00:00", "山东省烟台市莱山区观海路1号"),
            ("TRANSPORT", "2026-10-20T09:30:00+00:00", "济南西站→烟台站"),
        ]
        checkpoint, stay, ticket = (h["detail"] for h in seen["holdings"])
        assert plate in checkpoint and "测试路与观海路路口卡口" in checkpoint
        assert "测试宾馆（莱山观海路店）" in stay and "未退房" in stay
        assert "铁路" in ticket and "G1234" in ticket
        # and the read is on record with the respondent as the subject
        index = app.state.runtime.audit.keys.blind_index(case["respondent"])
        assert await holdings_views(app, request["id"]) == [[index]]
        # when the officer answers with the stay alone
        _, picked, _ = seen["holdings"]
        answered = await call(
            api,
            ANSWER,
            police,
            id=request["id"],
            input={"findings": [{k: picked[k] for k in ("category", "at", "place", "detail")}]},
        )
        assert answered["errors"] == []
        # then the judge reads that finding and nothing else of the registers
        read = await call(api, ONE, judge, id=request["id"])
        assert [(f["category"], f["place"]) for f in read["findings"]] == [
            ("ACCOMMODATION", "山东省烟台市莱山区观海路1号")
        ]


async def test_the_judge_is_refused_the_registers(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str]
) -> None:
    judge = tokens["judge-zhang"]
    with on_record(app, case["respondent"]):
        request = (await file(api, judge, locate(case)))["request"]
        # when the judge of the case asks for the registers behind the request
        body = await api.query(HOLDINGS, {"id": request["id"]}, token=judge)
        # then the field is refused by the policy, the rest of the request is read
        assert body["data"]["policeRequest"] == {"id": request["id"], "holdings": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
        assert [e["path"] for e in body["errors"]] == [["policeRequest", "holdings"]]
        # and no register was read on the judge's behalf
        assert await holdings_views(app, request["id"]) == []


async def test_other_kinds_have_no_holdings(
    api: Api, tokens: dict[str, str], case: dict[str, str], vehicle: str
) -> None:
    request = (await file(api, tokens["judge-zhang"], watch(case, vehicle)))["request"]
    seen = await call(api, HOLDINGS, tokens["police-chen"], id=request["id"])
    assert seen["holdings"] is None


async def test_demo_sightings_replay_the_plates_own_passages(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str], vehicle: str
) -> None:
    # given a watch in place of a plate with two passages at public security
    request = (await file(api, tokens["judge-zhang"], watch(case, vehicle)))["request"]
    await call(api, CONFIRM, tokens["police-chen"], id=request["id"], receipt="GA-BK-010")
    plate = (
        await call(
            api, ONE.replace("id kind", "id plate kind"), tokens["judge-zhang"], id=request["id"]
        )
    )["plate"]
    rows = [
        (datetime(2026, 10, 3, 9, 0), "第一卡口", "山东省烟台市芝罘区"),
        (datetime(2026, 10, 9, 18, 30), "第二卡口", "山东省烟台市福山区"),
    ]
    with _engine(app).begin() as conn:
        for at, checkpoint, place in rows:
            conn.execute(
                insert(passages).values(
                    plate=plate, passed_at=at, checkpoint=checkpoint, place=place
                )
            )
    runtime = app.state.runtime
    turns: dict[str, int] = {}
    try:
        # when three rounds of demo sightings run with public security's source
        for _ in range(3):
            await workflow.demo_sightings(
                runtime.engine,
                runtime.audit,
                random.Random(1),
                runtime.sources["public_security"],
                turns,
            )
    finally:
        with _engine(app).begin() as conn:
            conn.execute(delete(passages).where(passages.c.plate == plate))
    # then the sightings are the plate's passages, oldest first, then round again
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    sightings = [(e["checkpoint"], e["place"]) for e in seen["events"] if e["event"] == "SIGHTING"]
    assert sightings == [
        ("第一卡口", "山东省烟台市芝罘区"),
        ("第二卡口", "山东省烟台市福山区"),
        ("第一卡口", "山东省烟台市芝罘区"),
    ]


async def test_a_plate_without_passages_is_sighted_at_a_listed_checkpoint(
    api: Api, app: Any, tokens: dict[str, str], case: dict[str, str], vehicle: str
) -> None:
    request = (await file(api, tokens["judge-zhang"], watch(case, vehicle)))["request"]
    await call(api, CONFIRM, tokens["police-chen"], id=request["id"], receipt="GA-BK-011")
    runtime = app.state.runtime
    await workflow.demo_sightings(
        runtime.engine, runtime.audit, random.Random(1), runtime.sources["public_security"]
    )
    seen = await call(api, ONE, tokens["judge-zhang"], id=request["id"])
    (sighting,) = [e for e in seen["events"] if e["event"] == "SIGHTING"]
    assert sighting["checkpoint"].endswith("卡口") and sighting["place"].startswith("山东省")
