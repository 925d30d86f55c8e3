"""The judge's 存款查控请求 pages, on a phone (390 × 844): filing a request for a case's 被执行人,
its progress followed live until every bank has answered, each bank's accounts per subject, the
list; a bank that failed said as such; the API's refusals beside their fields; another role
refused the pages.

What the pages show is compared with what the API answers the judge's token, asked here over
HTTP. `fyt serve --demo` runs the rounds (every 2 s) with the demo's eight banks embedded.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from tests.e2e.conftest import WAIT_MS, Console
from tests.e2e.test_party_portal import fits

CASES = """query($after: String) { assignedCases(filter: {status: OPEN}, first: 50, after: $after) {
  nodes { caseNumber parties { role subjectKind subjectId name } } } }"""
READ = """query($id: String!) { depositInquiry(id: $id) {
  id caseNumber status subjectCount
  banks { bank bankName state attempts lastError results { subjectId accounts { accountNumber } } }
} }"""
LIST = """query($filter: DepositInquiryFilter) { depositInquiries(filter: $filter, first: 50) {
  nodes { id caseNumber status subjectCount banks { state } } totalCount } }"""
BANKS = 8
RESPONDENT = "被执行人"

# The words the page must use, written out here (not read from labels.js).
STATE = {"PENDING": "等待答复", "ANSWERED": "已答复", "TIMED_OUT": "超时未答复"}
STATUS = {"OPEN": "查询中", "DONE": "已完成"}


@pytest.fixture(scope="module")
def case(graphql: Any) -> dict[str, Any]:
    """An open case of judge-zhang's with person respondents and another party: the one of the
    first page with the most respondents."""
    nodes = graphql("judge-zhang", CASES)["data"]["assignedCases"]["nodes"]

    def respondents(c: dict[str, Any]) -> list[dict[str, Any]]:
        return [p for p in c["parties"] if p["role"] == RESPONDENT]

    fit = [c for c in nodes if respondents(c) and len(c["parties"]) > len(respondents(c))]
    assert fit, "no open case of judge-zhang's with a respondent and an applicant"
    best = max(fit, key=lambda c: len(respondents(c)))
    return {**best, "respondents": respondents(best)}


def answer_of(graphql: Any, inquiry: str) -> dict[str, Any]:
    body = graphql("judge-zhang", READ, {"id": inquiry})
    assert "errors" not in body, body
    return body["data"]["depositInquiry"]  # type: ignore[no-any-return]


async def test_the_judge_files_a_request_and_watches_every_bank_answer(
    narrow: Console, graphql: Any, case: dict[str, Any]
) -> None:
    number = case["caseNumber"]
    ids = [p["subjectId"] for p in case["respondents"]]
    # given the judge's form for the case
    await narrow.sign_in("judge-zhang")
    assert "查控请求" in await narrow.page.locator("#nav a").all_inner_texts()
    await narrow.go(f"#/inquiry/new?case={number}", "#inquiry-subjects .subject")
    # then the case's 被执行人 are offered, each checked, and the other parties are not
    offered = await narrow.page.eval_on_selector_all(
        "#inquiry-subjects input[type=checkbox]", "boxes => boxes.map(b => [b.value, b.checked])"
    )
    assert offered == [[i, True] for i in ids]
    others = [p for p in case["parties"] if p["role"] != RESPONDENT]
    note = await narrow.text("#inquiry-others")
    assert all(p["name"] in note for p in others) and "不是被执行人" in note, note
    assert "第二百五十三条" in await narrow.text("#inquiry-basis")
    await fits(narrow)
    # when nobody is chosen and the form is sent
    before = graphql("judge-zhang", LIST, {"filter": {"caseNumber": number}})
    for box in await narrow.page.query_selector_all("#inquiry-subjects input[type=checkbox]"):
        await box.uncheck()
    await narrow.page.click("#inquiry-submit")
    # then the form says so beside the subjects, stays, and files nothing
    assert "请至少填写一个主体" in await narrow.text("#inquiry-subjects-error")
    assert "#/inquiry/new" in narrow.page.url
    after = graphql("judge-zhang", LIST, {"filter": {"caseNumber": number}})
    assert (
        after["data"]["depositInquiries"]["totalCount"]
        == (before["data"]["depositInquiries"]["totalCount"])
    )

    # when every respondent is chosen again and the request is filed, with the first answer of
    # the request shown as it was at filing (every bank pending), so that what follows is the
    # subscription's doing
    for box in await narrow.page.query_selector_all("#inquiry-subjects input[type=checkbox]"):
        await box.check()
    first_read: list[str] = []

    async def pending_once(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        if "depositInquiry(" not in body.get("query", "") or first_read:
            await route.continue_()
            return
        first_read.append(body["variables"]["id"])
        response = await route.fetch()
        answer = await response.json()
        inquiry = answer["data"]["depositInquiry"]
        inquiry["status"] = "OPEN"
        for bank in inquiry["banks"]:
            bank.update(state="PENDING", attempts=0, answeredAt=None, results=None)
        await route.fulfill(response=response, json=answer)

    await narrow.page.route("**/graphql", pending_once)
    await narrow.page.click("#inquiry-submit")
    await narrow.page.wait_for_function("() => location.hash.startsWith('#/inquiry?id=')")
    await narrow.ready()
    inquiry = narrow.page.url.split("id=", 1)[1]
    assert first_read == [inquiry]
    assert "已提交存款查控请求" in await narrow.notice()
    # then the page starts with every bank pending
    assert await narrow.page.get_attribute("#inquiry-counts", "data-pending") == str(BANKS)
    assert await narrow.page.locator("[data-bank][data-state='PENDING']").count() == BANKS
    await narrow.page.evaluate("window.summaryNode = document.getElementById('inquiry-summary')")
    # and, without being reloaded, follows every bank to its answer
    await narrow.page.wait_for_function(
        "() => document.getElementById('inquiry-counts')?.dataset.answered === '8'"
        " && document.getElementById('inquiry-status')?.dataset.status === 'DONE'"
        " && document.querySelectorAll('[data-bank-results][data-state=ANSWERED]').length === 8",
        timeout=60_000,
    )
    assert await narrow.page.evaluate(
        "document.getElementById('inquiry-summary') === window.summaryNode"
    )
    assert "8 / 8 家已答复" in await narrow.text("#inquiry-counts")
    # and what it shows is what the API answers: each bank answered, each subject's accounts
    answer = answer_of(graphql, inquiry)
    assert answer["status"] == "DONE" and answer["caseNumber"] == number
    assert answer["subjectCount"] == len(ids)
    for bank in answer["banks"]:
        row = await narrow.text(f"[data-bank='{bank['bank']}']")
        assert bank["bankName"] in row and STATE["ANSWERED"] in row, row
        assert [r["subjectId"] for r in bank["results"]] == ids
        section = f"[data-bank-results='{bank['bank']}']"
        for result in bank["results"]:
            numbers = [a["accountNumber"] for a in result["accounts"]]
            shown = await narrow.page.eval_on_selector_all(
                f"{section} [data-subject='{result['subjectId']}'] tr[data-account]",
                "rows => rows.map(r => r.dataset.account)",
            )
            assert shown == numbers, (bank["bank"], result["subjectId"], shown, numbers)
    await fits(narrow)
    await narrow.page.evaluate("window.scrollTo(0, 0)")
    await narrow.shot("judge-inquiry-progress", full_page=False)

    # when the judge opens the list
    await narrow.go("#/inquiries", f"tr[data-inquiry='{inquiry}']")
    # then the request is first, as the API lists it: case, status, subjects, banks, time
    listed = graphql("judge-zhang", LIST)["data"]["depositInquiries"]
    assert listed["nodes"][0]["id"] == inquiry
    first = await narrow.page.get_attribute("tr[data-inquiry]", "data-inquiry")
    assert first == inquiry
    row = await narrow.text(f"tr[data-inquiry='{inquiry}']")
    assert number in row and STATUS["DONE"] in row and f"{len(ids)} 人" in row, row
    assert "8 / 8 家已答复" in row, row
    total = await narrow.text("#inquiries-list-total")
    assert f"共 {listed['totalCount']} 件" in total, total
    await fits(narrow)
    await narrow.shot("judge-inquiries")
    # and the request opens from it
    await narrow.page.click(f"tr[data-inquiry='{inquiry}'] a")
    await narrow.ready()
    await narrow.page.wait_for_selector("#inquiry-summary dl", timeout=WAIT_MS)
    assert inquiry in await narrow.text("#inquiry-summary")


def fabricated(real: dict[str, Any]) -> dict[str, Any]:
    """A request as the API would answer it with one bank timed out and one failing, the other
    banks' answers taken from a real request (an id no request has: nothing follows it)."""
    out = json.loads(json.dumps(real))
    out["id"] = "CK-2026-0000000000FF"
    out["status"] = "DONE"
    out["banks"][0].update(
        state="TIMED_OUT", attempts=9, lastError="CONNECTOR_TIMEOUT", results=None
    )
    out["banks"][1].update(
        state="PENDING",
        attempts=3,
        lastError="CONNECTOR_UNAVAILABLE",
        answeredAt=None,
        results=None,
    )
    return out


FULL_READ = """query($id: String!) { depositInquiry(id: $id) {
  id caseNumber status filedAt deadline subjectCount
  banks { bank bankName state attempts lastError answeredAt
    results { subjectId accounts { accountNumber kind currency balance frozenAmount
      availableBalance branch } } } } }"""
FILE = """mutation($case: String!, $subjects: [String!]!) {
  depositInquiryFile(input: {caseNumber: $case, subjects: $subjects}) { inquiry { id } } }"""


async def test_a_bank_that_failed_is_shown_as_such(
    narrow: Console, graphql: Any, case: dict[str, Any]
) -> None:
    # given a request whose every bank answered
    ids = [p["subjectId"] for p in case["respondents"]]
    filed = graphql("judge-zhang", FILE, {"case": case["caseNumber"], "subjects": ids})
    inquiry = filed["data"]["depositInquiryFile"]["inquiry"]["id"]
    deadline = time.monotonic() + 60
    while (real := graphql("judge-zhang", FULL_READ, {"id": inquiry}))["data"]["depositInquiry"][
        "status"
    ] != "DONE":
        assert time.monotonic() < deadline, "the banks did not answer within 60 s"
        await asyncio.sleep(0.5)
    # and the API answering, for another request, that one bank timed out and one is failing
    stub = fabricated(real["data"]["depositInquiry"])
    timed_out, failing = stub["banks"][0], stub["banks"][1]

    async def answer(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        if "depositInquiry(" in body.get("query", ""):
            await route.fulfill(json={"data": {"depositInquiry": stub}})
        else:
            await route.continue_()

    await narrow.sign_in("judge-zhang")
    await narrow.page.route("**/graphql", answer)
    # when the judge opens it
    await narrow.go(f"#/inquiry?id={stub['id']}", "#inquiry-bank-list")
    # then the timed-out bank says so, in its row and in its answers
    row = await narrow.text(f"[data-bank='{timed_out['bank']}']")
    assert STATE["TIMED_OUT"] in row and "24 小时内未答复" in row, row
    results = await narrow.text(f"[data-bank-results='{timed_out['bank']}']")
    assert "未在期限内答复" in results and "未取得其存款信息" in results, results
    # and the failing one says how often it was asked, why it failed, and that it is asked again
    row = await narrow.text(f"[data-bank='{failing['bank']}']")
    assert "第 3 次查询未成功（银行系统无法访问），将自动重试" in row, row
    assert STATE["PENDING"] in row
    # and the counts say six answered, one timed out, one waiting
    counts = await narrow.text("#inquiry-counts")
    assert counts == "6 / 8 家已答复，1 家超时未答复，1 家等待答复", counts
    await fits(narrow)


async def test_the_apis_refusal_is_shown_beside_its_field(
    narrow: Console, case: dict[str, Any]
) -> None:
    # given the form, and an API that refuses the request: first the first subject (not a
    # respondent of the case), then the case (closed meanwhile)
    refusals = [
        {
            "code": "FORBIDDEN",
            "message": "subjects[0]: … is not a 被执行人 of case …",
            "field": "subjects[0]",
            "reason": "NOT_A_RESPONDENT",
            "rule": None,
        },
        {
            "code": "FORBIDDEN",
            "message": "case … is closed",
            "field": None,
            "reason": "CASE_CLOSED",
            "rule": None,
        },
    ]

    async def refuse(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        if "depositInquiryFile" not in body.get("query", ""):
            await route.continue_()
            return
        payload = {"inquiry": None, "errors": [refusals.pop(0)]}
        await route.fulfill(json={"data": {"depositInquiryFile": payload}})

    await narrow.sign_in("judge-zhang")
    await narrow.go(f"#/inquiry/new?case={case['caseNumber']}", "#inquiry-subjects .subject")
    await narrow.page.route("**/graphql", refuse)
    # when it is sent
    await narrow.page.click("#inquiry-submit")
    # then the refusal is said in Chinese beside the first subject, and the form stays
    first = f"#inquiry-subjects [data-subject='{case['respondents'][0]['subjectId']}'] .field-error"
    await narrow.page.wait_for_function(
        f"() => document.querySelector(\"{first}\").textContent !== ''", timeout=WAIT_MS
    )
    assert await narrow.text(first) == (
        "无权限：非本案被执行人（被保全人）：财产信息和查控措施仅限被执行人"
    )
    assert "#/inquiry/new" in narrow.page.url
    # when it is sent again
    await narrow.page.click("#inquiry-submit")
    # then the case's refusal is said beside the case, and the subject's is gone
    await narrow.page.wait_for_function(
        "() => document.getElementById('inquiry-case-error').textContent !== ''",
        timeout=WAIT_MS,
    )
    assert await narrow.text("#inquiry-case-error") == "无权限：所选案件已结案，不能再据此查询"
    assert await narrow.page.eval_on_selector(first, "e => e.textContent") == ""
    await fits(narrow)


@pytest.mark.parametrize("user", ["registry-wang", "auditor-sun", "bank-qian"])
async def test_another_role_gets_neither_the_menu_entry_nor_the_pages(
    console: Console, graphql: Any, user: str
) -> None:
    # given a user who is not a judge
    await console.sign_in(user)
    # then the menu has no 查控请求
    assert "查控请求" not in await console.page.locator("#nav a").all_inner_texts()
    # and each page, opened by its address, says 无权访问 and asks the API nothing of it
    asked: list[str] = []
    console.page.on(
        "request",
        lambda r: asked.append(r.post_data or "") if r.url.endswith("/graphql") else None,
    )
    for hash_ in ("#/inquiries", "#/inquiry/new", "#/inquiry?id=CK-2026-000000000000"):
        await console.go(hash_, "#route-refused")
        assert "执行法官" in await console.text("#route-refused")
    assert not any("depositInquir" in body for body in asked), asked
    # and the API refuses the user the list anyway
    body = graphql(user, LIST)
    assert body["data"]["depositInquiries"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
