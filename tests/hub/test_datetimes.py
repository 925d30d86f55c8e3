"""Every DateTime the API answers carries its offset, on SQLite and PostgreSQL alike, and names
the instant it was given; a DateTime sent without an offset is refused.

The walk takes the DateTime fields from the committed SDL, so a field added later is covered
without a word here: the test fails until some answer below shows it. Run it on PostgreSQL
with ``HUB_TEST_DATABASE_URL`` (README, Tests).
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from graphql import GraphQLObjectType, build_schema, get_named_type
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.exc import StatementError

from connectors.public_security.models import accommodations, bookings, passages, vehicles
from hub.db.types import UtcDateTime
from hub.inquiries import workflow as inquiry_flow
from hub.orders.models import freeze_orders
from hub.orders.worker import deliver_pending
from hub.sanctions.models import sanction_changes
from tests.conftest import Api, add_case, integrate_all
from tests.hub.assets import fresh_account, strike_off
from tests.hub.test_order_events import context_for, listening, schema_of
from tests.hub.test_orders import submit_input
from tests.hub.test_party_requests import unlisted_enterprise
from tests.hub.test_police import on_record, seized_vehicle
from tests.hub.test_sanctions import (
    a_free_party,
    listed,  # noqa: F401  (fixture)
    published,
    subject,
)

pytestmark = pytest.mark.usefixtures("target_line_answered")

SDL = Path(__file__).resolve().parents[2] / "schema" / "hub.graphql"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# RFC 3339 with the offset the hub answers in (UTC)
UTC_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00")

ORDER_FIELDS = "__typename id submittedAt deliveredAt receiptRegisteredAt"
SUBMIT = f"""mutation($input: FreezeOrderSubmitInput!) {{ freezeOrderSubmit(input: $input) {{
  order {{ {ORDER_FIELDS} }} errors {{ code message }} }} }}"""
ACCEPT = f"""mutation($id: String!, $r: ReceiptInput!) {{ freezeOrderAccept(id: $id, receipt: $r) {{
  order {{ {ORDER_FIELDS} }} errors {{ code message rule }} }} }}"""
ORDER = f"""query($id: String!) {{ freezeOrder(id: $id) {{ {ORDER_FIELDS}
  waitingLine {{ __typename orderId servedAt }} }} }}"""
ORDERS = f"""query($case: String!) {{ freezeOrders(filter: {{caseNumber: $case}}, first: 10) {{
  nodes {{ {ORDER_FIELDS} }} }} }}"""
EVENTS_SUBSCRIPTION = """subscription($case: String!) { freezeOrderEvents(caseNumber: $case) {
  __typename orderId event at } }"""
ME = "{ me { __typename tokenExpiresAt } }"
DEDUCT = """mutation($input: DepositDeductInput!) { depositDeduct(input: $input) {
  deduction { __typename id requestedAt } errors { code message } } }"""
LEDGER = """query($case: String!) { depositLedger(caseNumber: $case) {
  entries { __typename requestedAt transferredAt } } }"""
CHECK = """query($s: SubjectInput!, $m: String!) { sanctionCheck(subject: $s, matter: $m) {
  decision checkId } }"""
FEEDBACK = """mutation($input: SanctionCheckFeedbackInput!) { sanctionCheckFeedback(input: $input) {
  feedback { __typename checkId reportedAt } errors { code message } } }"""
CHANGES = """query($after: String!) { sanctionListChanges(after: $after, first: 50) {
  nodes { __typename entryId change at } } }"""
AUDIT_EVENTS = """query($f: AuditEventFilter) { auditEvents(filter: $f, first: 5) {
  nodes { __typename id requestId occurredAt } } }"""
CHECKPOINT = "{ auditCheckpoint { __typename treeSize createdAt } }"
INTEGRITY = "{ auditIntegrity { __typename ok checkedAt } }"
INTEGRITY_JOB = "{ auditIntegrityJob { __typename startedAt finishedAt } }"
FILE = """mutation($input: PartyRequestFileInput!) { partyRequestFile(input: $input) {
  request { __typename id filedAt answeredAt } errors { code message } } }"""
ANSWER = """mutation($id: String!) { partyRequestAnswer(id: $id, input: {decision: NOTED, text: "已阅"}) {
  request { __typename filedAt answeredAt } errors { code message } } }"""
PUBLISH = """mutation($input: CaseDocumentPublishInput!) { caseDocumentPublish(input: $input) {
  document { __typename publishedAt } errors { code message } } }"""
ZONE = """{ myEnterprise { requests { __typename filedAt answeredAt }
                       documents { __typename publishedAt } } }"""
POLICE_FILE = """mutation($input: PoliceRequestFileInput!) { policeRequestFile(input: $input) {
  request { __typename id filedAt validUntil } errors { code message } } }"""
POLICE_ANSWER = """mutation($id: String!, $at: DateTime!) { policeRequestAnswer(id: $id,
  input: {findings: [{category: CHECKPOINT, at: $at, place: "卡口"}]}) {
  request { __typename answeredAt findings { __typename at } } errors { code message } } }"""
POLICE_CONFIRM = """mutation($id: String!) { policeRequestConfirm(id: $id, receiptNumber: "BK-1") {
  request { __typename id } errors { code message } } }"""
POLICE_SIGHTING = """mutation($id: String!, $at: DateTime!) { policeSightingRecord(id: $id,
  input: {checkpoint: "卡口", place: "烟台", at: $at}) {
  event { __typename at seenAt } errors { code message } } }"""
POLICE_STOP = """mutation($id: String!) { policeVehicleStop(id: $id, reason: "查扣") {
  request { __typename stopRequestedAt } errors { code message } } }"""
POLICE_HAND_OVER = """mutation($id: String!, $at: DateTime!) { policeVehicleHandOver(id: $id,
  input: {receiptNumber: "KC-1", place: "烟台", at: $at}) {
  request { __typename endedAt handOver { __typename handedOverAt } } errors { code message } } }"""
POLICE_ONE = """query($id: String!) { policeRequest(id: $id) { __typename filedAt validUntil
  answeredAt stopRequestedAt endedAt findings { __typename at } handOver { __typename handedOverAt }
  events { __typename at seenAt } } }"""
POLICE_HOLDINGS = """query($id: String!) { policeRequest(id: $id) {
  holdings { __typename at } } }"""
INQUIRY_FILE = """mutation($case: String!, $s: [String!]!) {
  depositInquiryFile(input: {caseNumber: $case, subjects: $s}) {
    inquiry { __typename id filedAt deadline } errors { code message } } }"""
INQUIRY = """query($id: String!) { depositInquiry(id: $id) { __typename filedAt deadline
  banks { __typename answeredAt } } }"""
MATTER = "LH-REAL-ESTATE-TRADE"  # granted by the registry's department


def datetime_fields() -> set[tuple[str, str]]:
    """(type, field) of every object field whose type is DateTime, from the committed SDL."""
    schema = build_schema(SDL.read_text(encoding="utf-8"))
    return {
        (name, field)
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
        for field, definition in t.fields.items()
        if get_named_type(definition.type).name == "DateTime"
    }


def moments(
    answer: Any, fields: set[tuple[str, str]], found: dict[tuple[str, str], list[Any]]
) -> None:
    """Every DateTime value in an answer, by (type, field); objects name their type."""
    if isinstance(answer, dict):
        typename = answer.get("__typename")
        for key, value in answer.items():
            if (typename, key) in fields and value is not None:
                found.setdefault((typename, key), []).append(value)
            moments(value, fields, found)
    elif isinstance(answer, list):
        for item in answer:
            moments(item, fields, found)


def token_expiry(token: str) -> datetime:
    """The ``exp`` claim, read from the token itself (not through the hub)."""
    claims = token.split(".")[1]
    claims += "=" * (-len(claims) % 4)
    return datetime.fromtimestamp(json.loads(base64.urlsafe_b64decode(claims))["exp"], UTC)


def instant(value: str) -> datetime:
    assert UTC_MOMENT.fullmatch(value), f"{value!r} is not a moment with its offset"
    return datetime.fromisoformat(value)


def written_in_cst(app: Any, id_number: str) -> list[datetime]:
    """The times public security's registers hold on a person, as written there (China Standard
    Time, no zone): check-ins, departures, and the passages of the person's vehicles. Read from
    its tables, not through the hub."""
    engine = app.state.runtime.sources["public_security"].engine
    with engine.connect() as conn:
        plates = select(vehicles.c.plate).where(vehicles.c.owner_id == id_number)
        return [
            *conn.scalars(
                select(accommodations.c.check_in).where(accommodations.c.id_number == id_number)
            ),
            *conn.scalars(select(bookings.c.departure).where(bookings.c.id_number == id_number)),
            *conn.scalars(select(passages.c.passed_at).where(passages.c.plate.in_(plates))),
        ]


async def ok(api: Api, document: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    body = await api.query(document, variables, token=token)
    assert "errors" not in body, body
    return body


async def test_every_datetime_field_answers_with_its_offset_and_its_instant(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    tokens: dict[str, str],
    mint: Any,
    target: dict[str, str],
    listed: list[str],  # noqa: F811
) -> None:
    fields = datetime_fields()
    assert ("FreezeOrder", "submittedAt") in fields and len(fields) >= 11
    judge, registry, auditor = tokens["judge-zhang"], tokens["registry-wang"], tokens["auditor-sun"]
    approval = tokens["approval-registry"]
    runtime = app.state.runtime
    answers: list[Any] = []
    # given the judge follows the case's orders
    stream = await schema_of(app).subscribe(
        EVENTS_SUBSCRIPTION,
        variable_values={"case": target["caseNumber"]},
        context_value=context_for(app, judge),
    )
    first_event = await listening(app, stream)
    async with runtime.engine.connect() as conn:
        feed_top = (await conn.execute(select(func.max(sanction_changes.c.seq)))).scalar() or 0
    start = datetime.now(UTC)
    # when an order is submitted, served on the registry and accepted with a receipt registered
    # a minute ago, in Beijing time
    body = await ok(api, SUBMIT, {"input": submit_input(target)}, judge)
    answers.append(body)
    order_id = body["data"]["freezeOrderSubmit"]["order"]["id"]
    submitted_at = body["data"]["freezeOrderSubmit"]["order"]["submittedAt"]
    await deliver_pending(runtime.engine, sources=runtime.sources)
    registered = (datetime.now(SHANGHAI) - timedelta(minutes=1)).replace(microsecond=0)
    receipt = {
        "documentNumber": f"鲁（2026）烟台市不动产查封第{order_id[-6:]}号",
        "registeredAt": registered.isoformat(),
    }
    assert receipt["registeredAt"].endswith("+08:00")
    body = await ok(api, ACCEPT, {"id": order_id, "r": receipt}, registry)
    assert body["data"]["freezeOrderAccept"]["errors"] == [], body
    answers.append(body)
    answers.append((await first_event).data)
    await stream.aclose()
    # and a party is listed, checked by the registry's approval system, and the block handled
    party = await a_free_party(app, "PERSON", demo)
    await published(api, listed, "DISHONEST", party)
    check = (await ok(api, CHECK, {"s": subject(party), "m": MATTER}, approval))["data"]
    assert check["sanctionCheck"]["decision"] == "BLOCK"
    feedback = {
        "checkId": check["sanctionCheck"]["checkId"],
        "subject": subject(party),
        "action": "HANDLED",
    }
    answers.append(await ok(api, FEEDBACK, {"input": feedback}, approval))
    # and money is deducted from a freeze of the respondent's deposits, the bank's transfer made
    account = fresh_account(app, target)
    try:
        body = await ok(
            api,
            SUBMIT,
            {"input": submit_input(target, kind="FREEZE", asset={"type": "DEPOSIT",
                                   "id": account}, amount="10.00")},
            judge,
        )  # fmt: skip
        deposit_order = body["data"]["freezeOrderSubmit"]["order"]["id"]
        await deliver_pending(runtime.engine, sources=runtime.sources, keys=runtime.order_keys)
        ask = {"orderId": deposit_order, "amount": "1.00",
               "rulingNumber": "（2026）鲁0602执1号之九", "idempotencyKey": f"dt-{deposit_order}"}  # fmt: skip
        answers.append(await ok(api, DEDUCT, {"input": ask}, judge))
        await deliver_pending(runtime.engine, sources=runtime.sources, keys=runtime.order_keys)
        answers.append(await ok(api, LEDGER, {"case": target["caseNumber"]}, auditor))
    finally:
        strike_off(app, account)
    # and the judge files a 查控 request for the respondent, a round records every bank's
    # answer, and the judge reads it back
    body = await ok(
        api, INQUIRY_FILE, {"case": target["caseNumber"], "s": [target["idNumber"]]}, judge
    )
    answers.append(body)
    await inquiry_flow.run_round(runtime.engine, runtime.audit, inquiry_flow.asker(runtime.sources))
    inquiry_id = body["data"]["depositInquiryFile"]["inquiry"]["id"]
    answers.append(await ok(api, INQUIRY, {"id": inquiry_id}, judge))
    await integrate_all(runtime)
    # and the order, the lists' changes, the caller and the audit log are read back
    answers.append(await ok(api, ORDER, {"id": order_id}, judge))
    answers.append(await ok(api, ORDERS, {"case": target["caseNumber"]}, registry))
    answers.append(await ok(api, CHANGES, {"after": str(feed_top)}, judge))
    answers.append(await ok(api, ME, {}, judge))
    answers.append(await ok(api, AUDIT_EVENTS, {}, auditor))
    answers.append(await ok(api, CHECKPOINT, {}, auditor))
    answers.append(await ok(api, INTEGRITY, {}, auditor))
    answers.append(await ok(api, INTEGRITY_JOB, {}, auditor))  # the verification just made
    # and an enterprise party files a request in a case of the judge, who answers it and
    # publishes a document of the case (in Beijing time), and the party reads both back
    enterprise = await unlisted_enterprise(app)
    case = await add_case(
        app,
        [
            ("申请执行人", "PERSON", target["idNumber"], target["name"]),
            ("被执行人", "ENTERPRISE", enterprise.uscc, enterprise.name),
        ],
    )
    party = mint(
        sub="370602197001010018", org=f"enterprise:{enterprise.uscc}", roles=("enterprise_party",)
    )
    filed = await ok(
        api, FILE, {"input": {"caseNumber": case, "kind": "OTHER", "text": "时间"}}, party
    )
    assert filed["data"]["partyRequestFile"]["errors"] == [], filed
    answers.append(filed)
    request_id = filed["data"]["partyRequestFile"]["request"]["id"]
    answers.append(await ok(api, ANSWER, {"id": request_id}, judge))
    document = {
        "caseNumber": case,
        "kind": "EXECUTION_INFO",
        "title": "执行信息",
        "text": "执行中",
        "publishedAt": datetime.now(SHANGHAI).isoformat(),
    }
    published_document = await ok(api, PUBLISH, {"input": document}, judge)
    assert published_document["data"]["caseDocumentPublish"]["errors"] == [], published_document
    answers.append(published_document)
    answers.append(await ok(api, ZONE, {}, party))
    # and the judge asks public security to locate the respondent (valid until a day ahead, in
    # Beijing time), which answers with a passage a minute ago; and to watch a vehicle the case
    # holds, sighted, stopped and handed over (the times the police give, in Beijing time)
    police = tokens["police-chen"]
    valid_until = (datetime.now(SHANGHAI) + timedelta(days=1)).replace(microsecond=0)
    given = (datetime.now(SHANGHAI) - timedelta(minutes=1)).replace(microsecond=0)
    locate = {
        "kind": "LOCATE",
        "caseNumber": target["caseNumber"],
        "subject": target["idNumber"],
        "rulingNumber": "（2026）鲁0602执1号之三",
        "reason": "查找",
        "validUntil": valid_until.isoformat(),
    }
    filed = await ok(api, POLICE_FILE, {"input": locate}, judge)
    answers.append(filed)
    locate_id = filed["data"]["policeRequestFile"]["request"]["id"]
    # (the officer reads what public security's registers hold on the respondent first: a
    # stay, a ticket and a passage of the respondent's vehicle, written in China Standard Time)
    with on_record(app, target["idNumber"]):
        answers.append(await ok(api, POLICE_HOLDINGS, {"id": locate_id}, police))
        registers = written_in_cst(app, target["idNumber"])
    answers.append(await ok(api, POLICE_ANSWER, {"id": locate_id, "at": given.isoformat()}, police))
    answers.append(await ok(api, POLICE_ONE, {"id": locate_id}, judge))
    vehicle = await seized_vehicle(app, {"caseNumber": target["caseNumber"],
                                         "respondent": target["idNumber"]})  # fmt: skip
    try:
        watch = {**locate, "kind": "VEHICLE_WATCH", "validUntil": None, "orderId": vehicle}
        filed = await ok(api, POLICE_FILE, {"input": watch}, judge)
        assert filed["data"]["policeRequestFile"]["errors"] == [], filed
        watch_id = filed["data"]["policeRequestFile"]["request"]["id"]
        await ok(api, POLICE_CONFIRM, {"id": watch_id}, police)
        at = {"id": watch_id, "at": given.isoformat()}
        answers.append(await ok(api, POLICE_SIGHTING, at, police))
        answers.append(await ok(api, POLICE_STOP, {"id": watch_id}, judge))
        answers.append(await ok(api, POLICE_HAND_OVER, at, police))
        answers.append(await ok(api, POLICE_ONE, {"id": watch_id}, judge))
    finally:
        async with runtime.engine.begin() as conn:
            await conn.execute(freeze_orders.delete().where(freeze_orders.c.id == vehicle))
    end = datetime.now(UTC)
    found: dict[tuple[str, str], list[Any]] = {}
    moments(answers, fields, found)
    # then every DateTime field of the schema was answered, each value in UTC with its offset
    assert set(found) == fields, f"not seen in any answer: {sorted(fields - set(found))}"
    values = {key: [instant(v) for v in vs] for key, vs in found.items()}
    # and each names the instant it stands for: the receipt the moment the registry gave, the
    # token's expiry its exp claim, everything else a moment of this test (not 8 hours off)
    assert values.pop(("FreezeOrder", "receiptRegisteredAt")) == [registered] * 3
    assert values.pop(("Me", "tokenExpiresAt")) == [token_expiry(judge)]
    # (a 查控 request's deadline is 24 hours after it was filed)
    assert values.pop(("DepositInquiry", "deadline")) == [
        f + timedelta(hours=24) for f in values[("DepositInquiry", "filedAt")]
    ]
    # (what the judge and the police gave: the validity, the times of a passage, a sighting, a
    # hand-over)
    assert set(values.pop(("PoliceRequest", "validUntil"))) == {valid_until}
    # (the registers' times, China Standard Time without a zone, are the instants UTC+8 names)
    cst = timezone(timedelta(hours=8))
    assert len(registers) >= 3
    assert sorted(values.pop(("PoliceHolding", "at"))) == sorted(
        t.replace(tzinfo=cst) for t in registers
    )
    for key in (("PoliceFinding", "at"), ("PoliceRequestEvent", "seenAt"),
                ("PoliceHandOver", "handedOverAt")):  # fmt: skip
        assert set(values.pop(key)) == {given}, key
    slack = timedelta(seconds=2)
    for key, vs in values.items():
        for v in vs:
            assert start - slack <= v <= end + slack, (key, v, start, end)
    # and the order reads back the same instant the submission answered
    assert {o for o in found[("FreezeOrder", "submittedAt")]} == {submitted_at}


async def test_a_filter_takes_moments_in_any_offset(
    api: Api, app: Any, tokens: dict[str, str]
) -> None:
    # given an entry the judge's look-up just wrote, and its moment
    await ok(api, ME, {}, tokens["judge-zhang"])
    newest = (await ok(api, AUDIT_EVENTS, {}, tokens["auditor-sun"]))["data"]["auditEvents"]
    entry = newest["nodes"][0]
    at = datetime.fromisoformat(entry["occurredAt"])
    # when the auditor asks for entries since a second before it, in Beijing time
    since = (at - timedelta(seconds=1)).astimezone(SHANGHAI).isoformat()
    until = (at - timedelta(milliseconds=1)).astimezone(SHANGHAI).isoformat()
    assert since.endswith("+08:00")
    after = await ok(api, AUDIT_EVENTS, {"f": {"from": since}}, tokens["auditor-sun"])
    before = await ok(api, AUDIT_EVENTS, {"f": {"to": until}}, tokens["auditor-sun"])
    # then the entry is found from then on, and not before then: the offset counts
    assert entry["id"] in {n["id"] for n in after["data"]["auditEvents"]["nodes"]}
    assert entry["id"] not in {n["id"] for n in before["data"]["auditEvents"]["nodes"]}


@pytest.mark.parametrize(
    "value", ["2025-03-04T10:20:30", "2025-03-04", "2025-03-04T10:20", "10:20:30+08:00"]
)
async def test_a_moment_without_its_offset_is_refused(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str], value: str
) -> None:
    # given an order served on the registry
    body = await ok(api, SUBMIT, {"input": submit_input(target)}, tokens["judge-zhang"])
    order_id = body["data"]["freezeOrderSubmit"]["order"]["id"]
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    # when the registry sends a receipt time and the auditor a filter without an offset
    receipt = {"documentNumber": "鲁（2026）烟台市不动产查封第000001号", "registeredAt": value}
    accept = await api.query(ACCEPT, {"id": order_id, "r": receipt}, token=tokens["registry-wang"])
    search = await api.query(AUDIT_EVENTS, {"f": {"from": value}}, token=tokens["auditor-sun"])
    # then both are refused, naming the variable and the rule, without the value sent
    for answer, variable in ((accept, "$r"), (search, "$f")):
        [error] = answer["errors"]
        assert error["extensions"] == {
            "code": "BAD_USER_INPUT",
            "argument": variable,
            "rule": "DATETIME_OFFSET",
        }, error
        assert "offset" in error["message"] and value not in error["message"]
    # and the order is still waiting for the registry's answer
    order = await ok(api, ORDER, {"id": order_id}, tokens["judge-zhang"])
    assert order["data"]["freezeOrder"]["receiptRegisteredAt"] is None
    refuse = await api.query(
        """mutation($id: String!) { freezeOrderReject(id: $id, reason: "测试清理") {
        errors { code } } }""",
        {"id": order_id},
        token=tokens["registry-wang"],
    )
    assert refuse["data"]["freezeOrderReject"]["errors"] == []


PROBE = Table(
    "datetime_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime()),
    prefixes=["TEMPORARY"],
)


async def test_the_database_keeps_instants_not_wall_clocks(app: Any) -> None:
    # given a moment in Beijing time and the same instant in UTC
    beijing = datetime(2026, 11, 1, 13, 12, 5, 628399, tzinfo=SHANGHAI)
    async with app.state.runtime.engine.connect() as conn:
        await conn.run_sync(PROBE.create)
        # when both are stored and read back
        await conn.execute(
            insert(PROBE), [{"id": 1, "at": beijing}, {"id": 2, "at": beijing.astimezone(UTC)}]
        )
        back = (await conn.execute(select(PROBE.c.at).order_by(PROBE.c.id))).scalars().all()
        # then each is the same instant, aware and in UTC, on either database
        expected = datetime(2026, 11, 1, 5, 12, 5, 628399, tzinfo=UTC)
        assert back == [expected, expected]
        assert all(v.utcoffset() == timedelta(0) for v in back)
        # and it is compared as an instant: a bound in another offset finds it
        found = (
            (
                await conn.execute(
                    select(PROBE.c.id).where(PROBE.c.at >= beijing - timedelta(seconds=1))
                )
            )
            .scalars()
            .all()
        )
        assert found == [1, 2]
        # and a moment without a zone is refused, not guessed at
        with pytest.raises(StatementError, match="without a time zone"):
            await conn.execute(insert(PROBE).values(id=3, at=datetime(2026, 11, 1, 13, 12)))
        await conn.rollback()
