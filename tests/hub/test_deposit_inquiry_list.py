"""The judge's list of 查控 requests (``depositInquiries``): the requests of the cases the judge
is assigned to in the judge's court, newest filed first, a page at a time, found by case and
status; nobody else's, not even counted; every other role refused; a page on record.

Requests are filed over the API by each judge on a case of their own, made for the test."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from hub.audit.models import audit_subjects
from hub.config import Settings
from hub.inquiries import workflow
from tests.conftest import Api, add_case
from tests.hub.test_audit_recording import ask, entries
from tests.hub.test_deposits import respondent_with_deposits

FILE = """mutation($case: String!, $subjects: [String!]!) {
  depositInquiryFile(input: {caseNumber: $case, subjects: $subjects}) {
    inquiry { id } errors { code reason rule }
  }
}"""
LIST = """query($filter: DepositInquiryFilter, $first: Int!, $after: String) {
  depositInquiries(filter: $filter, first: $first, after: $after) {
    nodes { id caseNumber status filedAt subjectCount banks { bank state } }
    pageInfo { endCursor hasNextPage }
    totalCount
  }
}"""
WITH_ANSWERS = """query($filter: DepositInquiryFilter) {
  depositInquiries(filter: $filter, first: 10) {
    nodes { id banks { state results { subjectId accounts { balance } } } }
  }
}"""
COUNT = """query($filter: DepositInquiryFilter) {
  depositInquiries(filter: $filter, first: 1) { totalCount } }"""

LI_COURT = ("370612", "鲁0612")
JUDGES = ("judge-zhang", "judge-zhou", "judge-li")
REFUSED = (
    "auditor-sun",
    "registry-wang",
    "market-zhao",
    "police-chen",
    "social-liu",
    "bank-qian",
    "approval-market",
    "approval-registry",
)


async def file(api: Api, token: str, case: str, subjects: list[str]) -> str:
    body = await api.query(FILE, {"case": case, "subjects": subjects}, token=token)
    payload = body["data"]["depositInquiryFile"]
    assert payload["errors"] == [], payload
    return str(payload["inquiry"]["id"])


async def listed(api: Api, token: str, **variables: Any) -> dict[str, Any]:
    body = await api.query(LIST, {"first": 50, **variables}, token=token)
    assert "errors" not in body, body
    return body["data"]["depositInquiries"]  # type: ignore[no-any-return]


async def total(api: Api, token: str, filter: dict[str, Any] | None = None) -> int:
    body = await api.query(COUNT, {"filter": filter}, token=token)
    return int(body["data"]["depositInquiries"]["totalCount"])


@pytest.fixture
async def filed(
    app: Any, api: Api, settings: Settings, demo: dict[str, Any], tokens: dict[str, str]
) -> dict[str, Any]:
    """A request on a case of judge-zhang's, one on a case judge-zhang and judge-zhou share
    (filed by judge-zhou), one on judge-zhou's own case and one on judge-li's (court 370612),
    each for a respondent with accounts; every judge's count before them."""
    person = respondent_with_deposits(settings, demo)
    respondent = [("被执行人", "PERSON", person["idNumber"], person["name"])]
    cases = {
        "zhang": await add_case(app, respondent),
        "shared": await add_case(app, respondent, judges=("judge-zhang", "judge-zhou")),
        "zhou": await add_case(app, respondent, judges=("judge-zhou",)),
        "li": await add_case(app, respondent, judges=("judge-li",), court=LI_COURT),
    }
    before = {judge: await total(api, tokens[judge]) for judge in JUDGES}
    by = {"zhang": "judge-zhang", "shared": "judge-zhou", "zhou": "judge-zhou", "li": "judge-li"}
    ids = {}
    for name in ("zhang", "shared", "zhou", "li"):  # filed in this order: newest last
        ids[name] = await file(api, tokens[by[name]], cases[name], [person["idNumber"]])
    return {"cases": cases, "ids": ids, "before": before, "person": person}


async def test_a_judge_lists_the_requests_of_the_cases_assigned_to_them_only(
    api: Api, tokens: dict[str, str], filed: dict[str, Any]
) -> None:
    ids = filed["ids"]
    # when each judge lists the requests
    pages = {judge: await listed(api, tokens[judge]) for judge in JUDGES}
    seen = {judge: [n["id"] for n in page["nodes"]] for judge, page in pages.items()}
    # then judge-zhang sees his own and the one of the shared case (filed by judge-zhou), newest
    # first, and neither judge-zhou's own nor the other court's
    assert seen["judge-zhang"][:2] == [ids["shared"], ids["zhang"]]
    assert ids["zhou"] not in seen["judge-zhang"] and ids["li"] not in seen["judge-zhang"]
    # and judge-zhou sees his own and the shared one, not judge-zhang's alone
    assert seen["judge-zhou"][:2] == [ids["zhou"], ids["shared"]]
    assert ids["zhang"] not in seen["judge-zhou"]
    # and judge-li (another court) sees only his own
    assert seen["judge-li"][0] == ids["li"]
    assert not {ids["zhang"], ids["shared"], ids["zhou"]} & set(seen["judge-li"])
    # and each count grew by the requests that judge may list, and no more
    grown = {judge: pages[judge]["totalCount"] - filed["before"][judge] for judge in JUDGES}
    assert grown == {"judge-zhang": 2, "judge-zhou": 2, "judge-li": 1}
    # and a node says what the console's list shows: case, status, subjects, banks, when
    node = pages["judge-zhang"]["nodes"][1]
    assert node["caseNumber"] == filed["cases"]["zhang"]
    assert (node["status"], node["subjectCount"]) == ("OPEN", 1)
    assert {b["state"] for b in node["banks"]} == {"PENDING"} and len(node["banks"]) == 8
    assert node["filedAt"] <= pages["judge-zhang"]["nodes"][0]["filedAt"]


async def test_a_filter_naming_another_judges_case_finds_and_counts_none(
    api: Api, tokens: dict[str, str], filed: dict[str, Any]
) -> None:
    cases, ids = filed["cases"], filed["ids"]
    # when judge-zhang filters by his case, by judge-zhou's and by judge-li's
    mine = await listed(api, tokens["judge-zhang"], filter={"caseNumber": cases["zhang"]})
    theirs = await listed(api, tokens["judge-zhang"], filter={"caseNumber": cases["zhou"]})
    other_court = await listed(api, tokens["judge-zhang"], filter={"caseNumber": cases["li"]})
    # then his own case's request alone, and nothing (not even a count) of the others
    assert [n["id"] for n in mine["nodes"]] == [ids["zhang"]] and mine["totalCount"] == 1
    assert theirs == {
        "nodes": [],
        "pageInfo": {"endCursor": None, "hasNextPage": False},
        "totalCount": 0,
    }
    assert other_court["nodes"] == [] and other_court["totalCount"] == 0
    # and a case number written with ASCII brackets is the same case
    ascii_number = cases["zhang"].replace("（", "(").replace("）", ")")
    again = await listed(api, tokens["judge-zhang"], filter={"caseNumber": ascii_number})
    assert [n["id"] for n in again["nodes"]] == [ids["zhang"]]


async def test_the_status_filter_follows_the_rounds(
    app: Any, api: Api, tokens: dict[str, str], filed: dict[str, Any]
) -> None:
    case = filed["cases"]["zhang"]
    # given the request of judge-zhang's case, open
    assert await total(api, tokens["judge-zhang"], {"caseNumber": case, "status": "OPEN"}) == 1
    # when a round asks every bank
    runtime = app.state.runtime
    await workflow.run_round(runtime.engine, runtime.audit, workflow.asker(runtime.sources))
    # then it is listed as DONE, every bank answered, and no longer as OPEN
    done = await listed(api, tokens["judge-zhang"], filter={"caseNumber": case, "status": "DONE"})
    [node] = done["nodes"]
    assert node["id"] == filed["ids"]["zhang"]
    assert {b["state"] for b in node["banks"]} == {"ANSWERED"}
    assert await total(api, tokens["judge-zhang"], {"caseNumber": case, "status": "OPEN"}) == 0


@pytest.mark.parametrize("user", REFUSED)
async def test_every_other_role_is_refused(api: Api, tokens: dict[str, str], user: str) -> None:
    # when a role that is not a judge asks for the list
    body = await api.query(LIST, {"first": 5}, token=tokens[user])
    # then it is refused as a whole, nothing listed
    assert (body["data"] or {}).get("depositInquiries") is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN", error


async def test_the_enterprise_party_is_refused(api: Api, demo: dict[str, Any]) -> None:
    party = next(u for u in demo["users"] if "enterprise_party" in u["roles"])
    body = await api.query(LIST, {"first": 5}, token=party["token"])
    assert (body["data"] or {}).get("depositInquiries") is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_paging_reaches_each_request_once_newest_filed_first(
    api: Api, tokens: dict[str, str], filed: dict[str, Any]
) -> None:
    # when judge-zhang walks his list two at a time
    nodes: list[dict[str, Any]] = []
    counts = []
    after = None
    for _ in range(1000):
        page = await listed(api, tokens["judge-zhang"], first=2, after=after)
        assert len(page["nodes"]) <= 2
        nodes += page["nodes"]
        counts.append(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then each request comes once, newest filed first, every page counting them all
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids)) and len(ids) >= 2
    assert {filed["ids"]["zhang"], filed["ids"]["shared"]} <= set(ids)
    times = [n["filedAt"] for n in nodes]
    assert times == sorted(times, reverse=True)
    assert set(counts) == {len(ids)}


@pytest.mark.parametrize(
    ("variables", "argument", "rule"),
    [
        ({"first": 0}, "first", "PAGE_SIZE"),
        ({"first": 201}, "first", "PAGE_SIZE"),
        ({"first": 5, "after": "bm90IGEgY3Vyc29y"}, "after", "CURSOR"),
        (
            {"first": 5, "filter": {"caseNumber": "执123"}},
            "filter.caseNumber",
            "CASE_NUMBER_FORMAT",
        ),
    ],
    ids=["no-rows", "too-many", "cursor", "case-number"],
)
async def test_bad_input_is_refused_naming_the_argument_and_rule(
    api: Api, variables: dict[str, Any], argument: str, rule: str
) -> None:
    body = await api.query(LIST, variables)
    assert (body["data"] or {}).get("depositInquiries") is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert (error["extensions"]["argument"], error["extensions"]["rule"]) == (argument, rule)


async def subject_rows(app: Any, entry_id: int) -> list[dict[str, Any]]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_subjects)
            .where(audit_subjects.c.entry_id == entry_id)
            .order_by(audit_subjects.c.position)
        )
        return [dict(r._mapping) for r in rows]


async def test_a_page_is_on_record_naming_the_subjects_whose_accounts_it_shows(
    app: Any, api: Api, tokens: dict[str, str], filed: dict[str, Any]
) -> None:
    case, inquiry = filed["cases"]["zhang"], filed["ids"]["zhang"]
    person = filed["person"]["idNumber"]
    keys = app.state.runtime.audit.keys
    # given the request of judge-zhang's case, still open: no bank has answered
    # when the judge reads a page of states and counts
    body, request_id = await ask(
        api, LIST, {"filter": {"caseNumber": case}, "first": 5}, tokens["judge-zhang"]
    )
    assert "errors" not in body, body
    # then one entry names the request served and the case, and no subject: none is shown
    [entry] = await entries(app, request_id)
    assert (entry["action"], entry["outcome"], entry["case_number"]) == (
        "DEPOSIT_INQUIRY_LIST",
        "OK",
        case,
    )
    detail = json.loads(entry["content"])["detail"]
    assert detail["inquiries"] == [inquiry] and detail["subjects"] == 0
    assert await subject_rows(app, entry["id"]) == []
    # when every bank has answered and the judge reads the page with the answers
    runtime = app.state.runtime
    await workflow.run_round(runtime.engine, runtime.audit, workflow.asker(runtime.sources))
    body, request_id = await ask(
        api, WITH_ANSWERS, {"filter": {"caseNumber": case}}, tokens["judge-zhang"]
    )
    [node] = body["data"]["depositInquiries"]["nodes"]
    assert {r["subjectId"] for b in node["banks"] for r in b["results"]} == {person}
    # then the entry names the subject whose accounts it showed, by its blind index only
    [entry] = await entries(app, request_id)
    assert entry["action"] == "DEPOSIT_INQUIRY_LIST"
    rows = await subject_rows(app, entry["id"])
    assert [(r["subject_kind"], r["subject_index"]) for r in rows] == [
        ("PERSON", keys.blind_index(person))
    ]
    assert person not in json.dumps([entry["content"], *(r["content"] for r in rows)])


async def test_a_refused_list_is_on_record_as_refused(
    app: Any, api: Api, tokens: dict[str, str]
) -> None:
    # when the auditor asks for the list
    _, request_id = await ask(api, LIST, {"first": 5}, tokens["auditor-sun"])
    # then the attempt is on record, refused
    [entry] = await entries(app, request_id)
    assert (entry["action"], entry["outcome"]) == ("ACCESS_REFUSED", "DENIED")
