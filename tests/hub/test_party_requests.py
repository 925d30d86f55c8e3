"""An enterprise party's requests (诉求反映) and what the courts publish for its cases.

The party files a request against one of its own cases; the judges assigned to the case read it
in their inbox and answer; nobody else sees it. A GRANTED 信用修复 of a respondent that performed
ends its entries of the case by the sanction rules (法释〔2017〕7号 第十条第一款第（一）项 and
第二条第二款; 法释〔2015〕17号 第九条); a GRANTED 申请解除 releases the case's measures on its assets
through the order workflow's release. A court publishes documents for a case without natural
persons' ID numbers (法释〔2016〕19号 第十条第一款第（一）项), read by the case's parties.

The cases, orders and entries are written here with the tests' own SQL; the expected values come
from the rules' words, not from the code under test.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from connectors.base.identifiers import make_id_number, make_uscc
from connectors.base.world import build_world
from hub.audit.models import audit_entries
from hub.cases.models import case_parties
from hub.config import Settings
from hub.orders.models import freeze_order_events, freeze_orders, outbox
from hub.parties.models import case_documents
from hub.parties.rules import id_numbers_in
from hub.sanctions.models import sanction_changes, sanction_entries
from tests.conftest import TEST_PERSONS, TEST_SEED, Api, add_case, served

WORLD = build_world(TEST_SEED, TEST_PERSONS)
KNOWN = {e.uscc for e in WORLD.enterprises} | {p.id_number for p in WORLD.persons}
_SERIAL = itertools.count(97_000_000)
_DAY = itertools.count(date(1972, 5, 1).toordinal())
JUDGE = "judge-zhang"  # the demo judge of court 370602; add_case assigns the new cases to them

FILE = """mutation($input: PartyRequestFileInput!) {
  partyRequestFile(input: $input) {
    request { id caseNumber kind role status text attachments { name sha256 } answer
              releasedOrders endedEntries }
    errors { code message field reason rule }
  }
}"""
ANSWER = """mutation($id: String!, $input: PartyRequestAnswerInput!) {
  partyRequestAnswer(id: $id, input: $input) {
    request { id status answer releasedOrders endedEntries }
    errors { code message field reason rule }
  }
}"""
INBOX = """query($status: PartyRequestStatus, $first: Int!, $after: String) {
  partyRequestInbox(filter: {status: $status}, first: $first, after: $after) {
    nodes { id uscc caseNumber kind status text }
    pageInfo { endCursor hasNextPage }
    totalCount
  }
}"""
MINE = """{ myEnterprise { requests { id caseNumber kind status answer releasedOrders endedEntries }
                        documents { id caseNumber kind title text courtName } } }"""
PUBLISH = """mutation($input: CaseDocumentPublishInput!) {
  caseDocumentPublish(input: $input) {
    document { id caseNumber kind title }
    errors { code field rule }
  }
}"""


def fresh_uscc() -> str:
    """A valid USCC no enterprise of the test world has (an owner or signer no one looks up)."""
    while (u := make_uscc("370602", next(_SERIAL))) in KNOWN:
        pass
    return u


async def unlisted_enterprise(app: Any) -> Any:
    """An enterprise of the test world that is no party of any case yet: market supervision
    knows it, so whoever lists the judge's cases and looks their parties up finds it."""
    async with app.state.runtime.engine.connect() as conn:
        taken = set((await conn.execute(select(case_parties.c.subject_id))).scalars())
    return next(e for e in WORLD.enterprises if e.uscc not in taken)


def fresh_person() -> str:
    while (p := make_id_number("370602", date.fromordinal(next(_DAY)), 3, male=True)) in KNOWN:
        pass
    return p


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
async def world(app: Any, mint: Any, demo: dict[str, Any]) -> dict[str, Any]:
    """An enterprise that is 被执行人 of a new case of judge-zhang, and 申请执行人 of another, with a
    token for its authorised person."""
    enterprise = await unlisted_enterprise(app)
    uscc, name = enterprise.uscc, enterprise.name
    applicant = demo["samples"]["enterprises"][0]
    respondent_case = await add_case(
        app,
        [
            ("申请执行人", "ENTERPRISE", applicant["uscc"], applicant["name"]),
            ("被执行人", "ENTERPRISE", uscc, name),
        ],
    )
    applicant_case = await add_case(
        app,
        [
            ("申请执行人", "ENTERPRISE", uscc, name),
            ("被执行人", "ENTERPRISE", applicant["uscc"], applicant["name"]),
        ],
    )
    person = fresh_person()
    token = mint(sub=person, org=f"enterprise:{uscc}", roles=("enterprise_party",))
    return {
        "uscc": uscc,
        "person": person,
        "case": respondent_case,
        "applicant_case": applicant_case,
        "token": token,
    }


async def file(api: Api, token: str, **fields: Any) -> dict[str, Any]:
    body = await api.query(FILE, {"input": fields}, token=token)
    assert "errors" not in body, body
    return body["data"]["partyRequestFile"]  # type: ignore[no-any-return]


async def answer(api: Api, token: str, request_id: str, **fields: Any) -> dict[str, Any]:
    body = await api.query(ANSWER, {"id": request_id, "input": fields}, token=token)
    assert "errors" not in body, body
    return body["data"]["partyRequestAnswer"]  # type: ignore[no-any-return]


async def actions_of(app: Any, request_id: str) -> list[tuple[str, str, str]]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_entries.c.action, audit_entries.c.outcome, audit_entries.c.user_id)
            .where(audit_entries.c.request_id == request_id)
            .order_by(audit_entries.c.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def remove_orders(app: Any, ids: list[str]) -> None:
    """No other test meets these orders (an agency's inbox, a court's list, the policy oracle)."""
    async with app.state.runtime.engine.begin() as conn:
        for table in (outbox, freeze_order_events):
            await conn.execute(table.delete().where(table.c.order_id.in_(ids)))
        await conn.execute(freeze_orders.delete().where(freeze_orders.c.id.in_(ids)))


async def remove_entries(app: Any, ids: list[str]) -> None:
    """No other test meets these entries (a check, the feed, a court's list)."""
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(sanction_changes.delete().where(sanction_changes.c.entry_id.in_(ids)))
        await conn.execute(sanction_entries.delete().where(sanction_entries.c.id.in_(ids)))


# --- filing, the inbox and the answer -------------------------------------------------------------


async def test_a_request_goes_to_the_assigned_judge_and_back(
    app: Any, api: Api, tokens: dict[str, str], mint: Any, world: dict[str, Any]
) -> None:
    # given the party, and a judge of the same court not assigned to the case
    colleague = mint(sub="judge-colleague", org="court:370602")
    # when it files a request (申请履行) with two attachments' hashes
    filed = await file(
        api,
        world["token"],
        caseNumber=world["case"],
        kind="PERFORMANCE",
        text="请求法院督促申请执行人接受履行。\n附：付款凭证。",
        attachments=[
            {"name": "付款凭证.pdf", "sha256": sha("a").upper()},
            {"name": "对账单.pdf", "sha256": sha("b")},
        ],
    )
    # then it is OPEN, recorded as the respondent's, the hashes in lower case, lines kept
    assert filed["errors"] == [], filed
    request = filed["request"]
    assert (request["status"], request["role"], request["kind"]) == (
        "OPEN",
        "被执行人",
        "PERFORMANCE",
    )
    assert request["text"] == "请求法院督促申请执行人接受履行。\n附：付款凭证。"
    assert request["attachments"] == [
        {"name": "付款凭证.pdf", "sha256": sha("a")},
        {"name": "对账单.pdf", "sha256": sha("b")},
    ]
    # and the assigned judge sees it in the inbox, the colleague does not
    inbox = await api.query(INBOX, {"status": "OPEN", "first": 200}, token=tokens[JUDGE])
    assert request["id"] in [n["id"] for n in inbox["data"]["partyRequestInbox"]["nodes"]]
    other = await api.query(INBOX, {"first": 200}, token=colleague)
    assert request["id"] not in [n["id"] for n in other["data"]["partyRequestInbox"]["nodes"]]
    # and the colleague's answer is refused as for a request that does not exist, word for word
    theirs = await answer(api, colleague, request["id"], decision="NOTED", text="已阅")
    missing = await answer(api, colleague, "SQ-2026-000000000000", decision="NOTED", text="已阅")
    assert theirs["errors"][0]["code"] == "NOT_FOUND"
    assert theirs["errors"][0]["message"].replace(request["id"], "X") == missing["errors"][0][
        "message"
    ].replace("SQ-2026-000000000000", "X")
    # when the assigned judge answers
    done = await answer(
        api, tokens[JUDGE], request["id"], decision="NOTED", text="已收到，将通知申请人。"
    )
    # then the party reads the answer with the request
    assert done["errors"] == [] and done["request"]["status"] == "NOTED"
    mine = await api.query(MINE, token=world["token"])
    got = {r["id"]: r for r in mine["data"]["myEnterprise"]["requests"]}
    assert got[request["id"]]["status"] == "NOTED"
    assert got[request["id"]]["answer"] == "已收到，将通知申请人。"
    # and a request is answered once
    again = await answer(api, tokens[JUDGE], request["id"], decision="GRANTED", text="准许")
    assert [(e["code"], e["reason"]) for e in again["errors"]] == [("CONFLICT", "ANSWERED")]


async def test_filing_reading_and_answering_are_on_record(
    app: Any, api: Api, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    async def post(token: str, query: str, variables: dict[str, Any]) -> httpx.Response:
        return await api.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )

    # given the party filing a request, the judge reading the inbox and answering
    filing = await post(
        world["token"],
        FILE,
        {"input": {"caseNumber": world["case"], "kind": "OTHER", "text": "咨询"}},
    )
    request_id = filing.json()["data"]["partyRequestFile"]["request"]["id"]
    reading = await post(tokens[JUDGE], INBOX, {"first": 200})
    answering = await post(
        tokens[JUDGE],
        ANSWER,
        {"id": request_id, "input": {"decision": "REFUSED", "text": "不予准许"}},
    )
    # then each is an audit entry of its own action, with who did it (the hub's request id)
    for response, action, user in (
        (filing, "PARTY_REQUEST_FILE", world["person"]),
        (reading, "PARTY_REQUEST_INBOX", JUDGE),
        (answering, "PARTY_REQUEST_ANSWER", JUDGE),
    ):
        assert await actions_of(app, response.headers["x-request-id"]) == [(action, "OK", user)]


async def test_the_inbox_pages_and_filters(
    api: Api, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    # given three requests of the party, one of them answered
    ids = []
    for n in range(3):
        filed = await file(
            api, world["token"], caseNumber=world["case"], kind="OTHER", text=f"第{n}件"
        )
        ids.append(filed["request"]["id"])
    await answer(api, tokens[JUDGE], ids[0], decision="NOTED", text="已阅")
    # when the judge reads the open ones a page of one at a time
    seen: list[str] = []
    after = None
    while True:
        body = await api.query(
            INBOX, {"status": "OPEN", "first": 1, "after": after}, token=tokens[JUDGE]
        )
        page = body["data"]["partyRequestInbox"]
        seen += [n["id"] for n in page["nodes"]]
        assert all(n["status"] == "OPEN" for n in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then the open ones come newest first, the answered one not among them, and counted alike
    assert [i for i in seen if i in ids] == [ids[2], ids[1]]
    assert page["totalCount"] == len(seen)


async def test_refiling_with_the_same_client_request_id(api: Api, world: dict[str, Any]) -> None:
    # given a request filed with a client request id
    key = uuid.uuid4().hex
    first = await file(
        api, world["token"], caseNumber=world["case"], kind="OTHER", text="一", clientRequestId=key
    )
    # when it is filed again with the same id and contents, then the same request answers
    second = await file(
        api, world["token"], caseNumber=world["case"], kind="OTHER", text="一", clientRequestId=key
    )
    assert second["request"]["id"] == first["request"]["id"]
    # and with other contents the id is refused
    third = await file(
        api, world["token"], caseNumber=world["case"], kind="OTHER", text="二", clientRequestId=key
    )
    assert [(e["code"], e["reason"]) for e in third["errors"]] == [
        ("CONFLICT", "CLIENT_REQUEST_ID_REUSED")
    ]
    mine = await api.query(MINE, token=world["token"])
    assert [r["id"] for r in mine["data"]["myEnterprise"]["requests"]].count(
        first["request"]["id"]
    ) == 1


@pytest.mark.parametrize(
    ("fields", "argument", "rule"),
    [
        ({"text": "a\u0007b"}, "text", "CONTROL_CHARACTER"),
        ({"text": "字" * 2001}, "text", "TEXT_LENGTH"),
        ({"text": "  "}, "text", "TEXT_LENGTH"),
        (
            {"attachments": [{"name": f"{i}.pdf", "sha256": sha(str(i))} for i in range(11)]},
            "attachments",
            "BATCH_SIZE",
        ),
        (
            {"attachments": [{"name": "a.pdf", "sha256": "abc"}]},
            "attachments[0].sha256",
            "SHA256_HEX",
        ),
        (
            {"attachments": [{"name": "a\u202e.pdf", "sha256": sha("a")}]},
            "attachments[0].name",
            "CONTROL_CHARACTER",
        ),
        ({"caseNumber": "2026-1"}, "caseNumber", None),
    ],
)
async def test_bad_input_is_refused_and_files_nothing(
    api: Api, world: dict[str, Any], fields: dict[str, Any], argument: str, rule: str | None
) -> None:
    # given a request with one bad argument
    given = {"caseNumber": world["case"], "kind": "OTHER", "text": "正文", **fields}
    # when it is filed
    body = await file(api, world["token"], **given)
    # then it is BAD_USER_INPUT naming the argument (and the rule), and nothing was filed
    assert body["request"] is None
    [error] = body["errors"]
    assert error["code"] == "BAD_USER_INPUT" and error["field"] == argument
    if rule is not None:
        assert error["rule"] == rule
    mine = await api.query(MINE, token=world["token"])
    assert mine["data"]["myEnterprise"]["requests"] == []


async def test_release_and_credit_repair_are_the_respondents(
    api: Api, world: dict[str, Any]
) -> None:
    # given the party's case where it is 申请执行人
    for kind in ("RELEASE", "CREDIT_REPAIR"):
        # when it asks for release or credit repair there
        body = await file(
            api, world["token"], caseNumber=world["applicant_case"], kind=kind, text="申请"
        )
        # then it is refused: the measures and list entries of a case are the respondent's
        assert [(e["code"], e["rule"]) for e in body["errors"]] == [
            ("BAD_USER_INPUT", "RESPONDENT_ONLY")
        ]
    # while 申请履行 is an applicant's too
    ok = await file(
        api, world["token"], caseNumber=world["applicant_case"], kind="PERFORMANCE", text="申请"
    )
    assert ok["errors"] == [] and ok["request"]["role"] == "申请执行人"


# --- another's case: nothing learnt, and counted -------------------------------------------------------


async def test_a_case_not_its_own_is_answered_as_one_that_does_not_exist_and_counted(
    settings: Settings, mint: Any, demo: dict[str, Any], world: dict[str, Any]
) -> None:
    # given a hub that allows a party 3 refused attempts an hour
    async with served(settings.replace(party_refusals_per_hour=3)) as (_app, client):
        api = Api(client, world["token"])
        someone_elses = demo["samples"]["persons"][0]["caseNumber"]
        nobodys = "（2026）鲁0602执999998号"
        # when it files against another's case and one that does not exist
        answers = []
        for case in (someone_elses, nobodys, someone_elses):
            body = await file(api, world["token"], caseNumber=case, kind="OTHER", text="探测")
            answers.append(
                [{**e, "message": e["message"].replace(case, "<case>")} for e in body["errors"]]
            )
        # then the answers are the same, word for word (the case number aside)
        assert answers[0] == answers[1] == answers[2]
        assert [(e["code"], e["reason"]) for e in answers[0]] == [("NOT_FOUND", "NOT_OWN_CASE")]
        # and the three attempts count: its next operation is refused whole
        body = await api.query("{ myEnterprise { uscc } }", token=world["token"])
        assert body.get("data") is None, body
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "RATE_LIMITED", "reason": "REFUSALS"}
        ]


async def test_filings_in_one_operation_are_held_to_the_limit_before_they_run(
    settings: Settings, demo: dict[str, Any], world: dict[str, Any]
) -> None:
    # given a hub that allows a party 3 refused attempts an hour
    async with served(settings.replace(party_refusals_per_hour=3)) as (app, client):
        api = Api(client, world["token"])
        probe = {
            "caseNumber": demo["samples"]["persons"][0]["caseNumber"],
            "kind": "OTHER",
            "text": "探测",
        }
        # when one mutation files against another's case five times (aliases)
        many = (
            "mutation($i: PartyRequestFileInput!) { "
            + " ".join(
                f"a{n}: partyRequestFile(input: $i) {{ errors {{ code }} }}" for n in range(5)
            )
            + " }"
        )
        body = await api.query(many, {"i": probe}, token=world["token"])
        # then it is refused whole: no filing of it runs
        assert body.get("data") is None, body
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "RATE_LIMITED", "reason": "REFUSALS"}
        ]
        async with app.state.runtime.engine.connect() as conn:
            filings = (
                await conn.execute(
                    select(func.count())
                    .select_from(audit_entries)
                    .where(
                        audit_entries.c.user_id == world["person"],
                        audit_entries.c.action == "PARTY_REQUEST_FILE",
                    )
                )
            ).scalar_one()
        assert filings == 0
        # while filings that are granted are not counted: three in one operation on its own
        # case, then three more, all filed
        own = {**probe, "caseNumber": world["case"], "text": "申请"}
        three = (
            "mutation($i: PartyRequestFileInput!) { "
            + " ".join(
                f"a{n}: partyRequestFile(input: $i) {{ request {{ id }} errors {{ code }} }}"
                for n in range(3)
            )
            + " }"
        )
        for _ in range(2):
            body = await api.query(three, {"i": own}, token=world["token"])
            assert "errors" not in body, body
            assert [body["data"][f"a{n}"]["errors"] for n in range(3)] == [[]] * 3


# --- what a decision does ------------------------------------------------------------------------------


def _entry(entry_id: str, uscc: str, case: str, **values: Any) -> dict[str, Any]:
    return {
        "id": entry_id,
        "subject_kind": "ENTERPRISE",
        "subject_id": uscc,
        "name": "测试债务企业有限公司",
        "court_code": "370602",
        "case_number": case,
        "obligation": "支付货款人民币100000元",
        "published_on": date(2026, 2, 2),
        "legal_basis": "法释〔2017〕7号 第一条",
        "status": "ACTIVE",
        "term_years": None,
        "ends_on": None,
        **values,
    }


async def test_granted_credit_repair_ends_the_entries_of_the_case_by_the_list_rules(
    app: Any, api: Api, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    # given the respondent's entries in the case — a dishonest-list entry with a term, one without
    # (ground (一)), a consumption restriction — and one in another case
    tag = uuid.uuid4().hex[:6].upper()
    other_case = world["applicant_case"]
    rows = [
        _entry(
            f"SX-T-{tag}-1",
            world["uscc"],
            world["case"],
            list="DISHONEST",
            grounds="EVADING",
            term_years=2,
            ends_on=date(2028, 2, 1),
        ),
        _entry(
            f"SX-T-{tag}-2",
            world["uscc"],
            world["case"],
            list="DISHONEST",
            grounds="ABLE_NOT_PERFORMING",
        ),
        _entry(
            f"SX-T-{tag}-3",
            world["uscc"],
            world["case"],
            list="CONSUMPTION_RESTRICTION",
            grounds="NOT_PERFORMED",
        ),
        _entry(
            f"SX-T-{tag}-4",
            world["uscc"],
            other_case,
            list="DISHONEST",
            grounds="ABLE_NOT_PERFORMING",
        ),
    ]
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(sanction_entries.insert(), rows)
    try:
        await _repair(app, api, tokens, world, tag)
    finally:
        await remove_entries(app, [r["id"] for r in rows])


async def _repair(
    app: Any, api: Api, tokens: dict[str, str], world: dict[str, Any], tag: str
) -> None:
    # when it applies for credit repair, having performed, and the judge grants it
    filed = await file(
        api,
        world["token"],
        caseNumber=world["case"],
        kind="CREDIT_REPAIR",
        text="已履行完毕，申请信用修复。",
    )
    done = await answer(
        api,
        tokens[JUDGE],
        filed["request"]["id"],
        decision="GRANTED",
        text="经审查已履行完毕，准许。",
    )
    assert done["errors"] == [], done
    async with app.state.runtime.engine.connect() as conn:
        ended = {
            r.id: (r.status, r.end_ground)
            for r in await conn.execute(
                select(sanction_entries).where(sanction_entries.c.id.like(f"SX-T-{tag}-%"))
            )
        }
    # then 法释〔2017〕7号 第二条第二款 "失信被执行人积极履行生效法律文书确定义务 … 人民法院可以决定提前
    # 删除失信信息": the entry with a term is deleted early
    assert ended[f"SX-T-{tag}-1"] == ("DELETED", "EARLY")
    # and 第十条第一款第（一）项 "被执行人已履行生效法律文书确定的义务": the one without a term deleted
    assert ended[f"SX-T-{tag}-2"] == ("DELETED", "PERFORMED")
    # and 法释〔2015〕17号 第九条 "被执行人履行完毕生效法律文书确定的义务": the restriction lifted
    assert ended[f"SX-T-{tag}-3"] == ("LIFTED", "PERFORMED")
    # and another case's entry is untouched
    assert ended[f"SX-T-{tag}-4"] == ("ACTIVE", None)
    # and the party reads what the decision did
    assert sorted(done["request"]["endedEntries"]) == [f"SX-T-{tag}-{n}" for n in (1, 2, 3)]


async def test_credit_repair_with_nothing_in_force_is_not_granted(
    api: Api, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    # given a credit repair request of a respondent with no entry in the case
    filed = await file(
        api, world["token"], caseNumber=world["case"], kind="CREDIT_REPAIR", text="申请"
    )
    # when the judge grants it, then it is refused, and the request stays open
    done = await answer(api, tokens[JUDGE], filed["request"]["id"], decision="GRANTED", text="准许")
    assert [(e["code"], e["reason"]) for e in done["errors"]] == [("CONFLICT", "NOTHING_TO_REPAIR")]
    inbox = await api.query(INBOX, {"status": "OPEN", "first": 200}, token=tokens[JUDGE])
    assert filed["request"]["id"] in [n["id"] for n in inbox["data"]["partyRequestInbox"]["nodes"]]


def _order(order_id: str, owner: str, case: str, status: str, asset: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": order_id,
        "kind": "SEIZE",
        "asset_type": "REAL_ESTATE",
        "asset_id": asset,
        "agency": "real_estate",
        "owner_id": owner,
        "court_code": "370602",
        "case_number": case,
        "ruling_number": f"{case[:-1]}号之一",
        "term_months": 36,
        "status": status,
        "rank": 1 if status == "EFFECTIVE" else 2,
        "submitted_by": JUDGE,
        "submitted_at": now,
        "effective_from": date(2026, 3, 2) if status == "EFFECTIVE" else None,
        "expires_on": date(2029, 3, 1) if status == "EFFECTIVE" else None,
        "renewals": 0,
        "idempotency_key": uuid.uuid4().hex,
        "payload_hash": "0" * 64,
        "updated_at": now,
    }


async def test_granted_release_releases_the_case_measures_on_the_party(
    app: Any, api: Api, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    # given measures of the case on the party's assets (one in effect, one waiting), one of
    # another case on its assets, and one of the case on someone else's
    tag = uuid.uuid4().hex[:8].upper()
    case = world["case"]
    rows = [
        _order(f"FO-T-{tag}-E", world["uscc"], case, "EFFECTIVE", f"U{tag}1"),
        _order(f"FO-T-{tag}-W", world["uscc"], case, "WAITING", f"U{tag}2"),
        _order(f"FO-T-{tag}-O", world["uscc"], world["applicant_case"], "EFFECTIVE", f"U{tag}3"),
        _order(f"FO-T-{tag}-X", fresh_uscc(), case, "EFFECTIVE", f"U{tag}4"),
    ]
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(freeze_orders.insert(), rows)
    try:
        await _release(api, tokens, world, tag, app)
    finally:
        await remove_orders(app, [r["id"] for r in rows])


async def _release(
    api: Api, tokens: dict[str, str], world: dict[str, Any], tag: str, app: Any
) -> None:
    case = world["case"]
    filed = await file(
        api, world["token"], caseNumber=case, kind="RELEASE", text="已提供担保，申请解除查封。"
    )
    request_id = filed["request"]["id"]
    ruling = f"{case[:-1]}号之二"
    # when the judge grants it without the release ruling, or naming an order it may not release
    no_ruling = await answer(api, tokens[JUDGE], request_id, decision="GRANTED", text="准许")
    foreign = await answer(
        api,
        tokens[JUDGE],
        request_id,
        decision="GRANTED",
        text="准许",
        rulingNumber=ruling,
        orderIds=[f"FO-T-{tag}-X"],
    )
    # then each is refused and nothing is released
    assert [(e["code"], e["rule"]) for e in no_ruling["errors"]] == [
        ("BAD_USER_INPUT", "RULING_REQUIRED")
    ]
    assert [(e["code"], e["rule"]) for e in foreign["errors"]] == [
        ("BAD_USER_INPUT", "NOT_RELEASABLE")
    ]
    # when the judge grants it with the ruling
    done = await answer(
        api, tokens[JUDGE], request_id, decision="GRANTED", text="准许解除。", rulingNumber=ruling
    )
    assert done["errors"] == [], done
    async with app.state.runtime.engine.connect() as conn:
        status = {
            r.id: (r.status, r.release_ruling)
            for r in await conn.execute(
                select(freeze_orders).where(freeze_orders.c.id.like(f"FO-T-{tag}-%"))
            )
        }
    # then the case's measures on the party's assets are released (解封) by that ruling
    assert status[f"FO-T-{tag}-E"] == ("RELEASED", ruling)
    assert status[f"FO-T-{tag}-W"] == ("RELEASED", ruling)
    # and another case's measure, and the case's measure on someone else's asset, stay
    assert status[f"FO-T-{tag}-O"] == ("EFFECTIVE", None)
    assert status[f"FO-T-{tag}-X"] == ("EFFECTIVE", None)
    assert sorted(done["request"]["releasedOrders"]) == [f"FO-T-{tag}-E", f"FO-T-{tag}-W"]
    assert done["request"]["status"] == "GRANTED"


async def test_ruling_and_orders_belong_to_a_granted_release_only(
    api: Api, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    # given a request for performance
    filed = await file(
        api, world["token"], caseNumber=world["case"], kind="PERFORMANCE", text="申请"
    )
    # when the judge answers with a release ruling, then it is refused
    done = await answer(
        api,
        tokens[JUDGE],
        filed["request"]["id"],
        decision="GRANTED",
        text="准许",
        rulingNumber=f"{world['case'][:-1]}号之三",
    )
    assert [(e["code"], e["rule"]) for e in done["errors"]] == [("BAD_USER_INPUT", "RELEASE_ONLY")]


# --- what the court publishes ---------------------------------------------------------------------------


async def test_the_court_publishes_and_the_party_reads(
    app: Any, api: Api, tokens: dict[str, str], mint: Any, world: dict[str, Any]
) -> None:
    # given a document of the party's case
    title = f"执行裁定书 {uuid.uuid4().hex[:6]}"
    document = {
        "caseNumber": world["case"],
        "kind": "JUDGMENT",
        "title": title,
        "text": "本院在执行中，裁定如下：\n解除对被执行人财产的查封。",
        "publishedAt": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
    }
    # when the judge publishes it
    body = await api.query(PUBLISH, {"input": document}, token=tokens[JUDGE])
    # then it is published, and the party reads it with its court
    assert body["data"]["caseDocumentPublish"]["errors"] == [], body
    mine = await api.query(MINE, token=world["token"])
    got = [d for d in mine["data"]["myEnterprise"]["documents"] if d["title"] == title]
    assert [(d["kind"], d["text"], d["courtName"]) for d in got] == [
        ("JUDGMENT", document["text"], "烟台市芝罘区人民法院")
    ]
    # and an enterprise that is no party of the case does not
    stranger = mint(
        sub=fresh_person(), org=f"enterprise:{fresh_uscc()}", roles=("enterprise_party",)
    )
    theirs = await api.query(MINE, token=stranger)
    assert theirs["data"]["myEnterprise"]["documents"] == []


async def test_a_text_with_an_id_number_is_not_published(
    app: Any, api: Api, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    # given a text naming a natural person by ID number (法释〔2016〕19号 第十条第一款第（一）项:
    # "自然人的 … 身份证号码" is deleted from what is published on the internet)
    person = WORLD.persons[0].id_number
    title = f"执行信息 {uuid.uuid4().hex[:6]}"
    for text, argument in ((f"被执行人（公民身份号码{person}）", "text"), ("正文", "title")):
        document = {
            "caseNumber": world["case"],
            "kind": "EXECUTION_INFO",
            "title": title if argument == "text" else f"{title} {person}",
            "text": text,
            "publishedAt": datetime.now(UTC).isoformat(),
        }
        # when the judge publishes it
        body = await api.query(PUBLISH, {"input": document}, token=tokens[JUDGE])
        # then it is refused with the rule, and nothing is published
        assert body["data"]["caseDocumentPublish"]["errors"] == [
            {"code": "BAD_USER_INPUT", "field": argument, "rule": "ID_NUMBER_IN_TEXT"}
        ]
    async with app.state.runtime.engine.connect() as conn:
        stored = (
            await conn.execute(
                select(case_documents.c.id).where(case_documents.c.title.like(f"{title}%"))
            )
        ).all()
    assert stored == []


async def test_only_the_court_of_the_case_publishes(
    api: Api, mint: Any, world: dict[str, Any]
) -> None:
    # given a judge of another court
    other = mint(sub="judge-other-court", org="court:370613")
    body = await api.query(
        PUBLISH,
        {
            "input": {
                "caseNumber": world["case"],
                "kind": "EXECUTION_INFO",
                "title": "执行信息",
                "text": "正文",
                "publishedAt": datetime.now(UTC).isoformat(),
            }
        },
        token=other,
    )
    # then the publication is refused
    assert [e["code"] for e in body["data"]["caseDocumentPublish"]["errors"]] == ["FORBIDDEN"]


async def test_the_demo_party_reads_what_the_demo_published(api: Api, demo: dict[str, Any]) -> None:
    # given the demo party (the seed publishes for its cases)
    party = next(u for u in demo["users"] if "enterprise_party" in u["roles"])
    # when it reads its documents
    body = await api.query(MINE, token=party["token"])
    documents = body["data"]["myEnterprise"]["documents"]
    # then each of its cases has a ruling and execution information, none with an ID number
    kinds = {(d["caseNumber"], d["kind"]) for d in documents}
    cases = {d["caseNumber"] for d in documents}
    assert cases and kinds == {(c, k) for c in cases for k in ("JUDGMENT", "EXECUTION_INFO")}
    assert all(id_numbers_in(d["text"]) == [] for d in documents)


# --- the rule's own words -------------------------------------------------------------------------------


def test_id_numbers_are_found_as_written() -> None:
    # given a valid ID number (GB 11643), the same with a wrong check character, full-width digits
    person = make_id_number("370602", date(1980, 1, 2), 12, male=False)
    wrong = person[:-1] + ("0" if person[-1] != "0" else "1")
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in person)
    # then a valid one is found where it stands, in ASCII or full width; a wrong one and one inside
    # a longer number are not ID numbers
    assert id_numbers_in(f"号码{person}。") == [3]
    assert id_numbers_in(f"号码{full_width}") == [3]
    assert id_numbers_in(f"号码{wrong}") == []
    assert id_numbers_in(f"6222{person}") == []


def test_id_numbers_are_found_when_written_in_groups() -> None:
    # given a valid ID number (GB 11643) as people write it out: in groups (6, 8 and 4 characters
    # as on the card's face; every character apart), the groups parted by spaces, no-break or
    # ideographic spaces, hyphens or a line break, or in another script's decimal digits
    person = make_id_number("370602", date(1980, 1, 2), 12, male=False)
    head, birth, tail = person[:6], person[6:14], person[14:]
    arabic_indic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in person)
    written = [
        f"{head} {birth} {tail}",
        " ".join(person),
        f"{head}\u00a0{birth}\u00a0{tail}",
        f"{head}\u3000{birth}\u3000{tail}",
        f"{head}-{birth}-{tail}",
        f"{head}{birth}\n{tail}",
        f"{head} - {birth} - {tail}",
        arabic_indic,
    ]
    # then each is the ID number 法释〔2016〕19号 第十条第一款第（一）项 has deleted, found where its
    # first character stands
    for text in written:
        assert id_numbers_in(f"号码{text}。") == [3], text
    # and two written one after the other are two
    assert id_numbers_in(f"{person} {person}") == [1, 20]
    # but a number begun or ended inside a longer group is not one (a card number's 6222…), and
    # groups parted by more than three characters are apart
    assert id_numbers_in(f"6222{head} {birth} {tail}") == []
    assert id_numbers_in(f"{head} {birth} {tail}1") == []
    assert id_numbers_in(f"{head}    {birth}{tail}") == []
