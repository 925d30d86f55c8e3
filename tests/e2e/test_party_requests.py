"""The party's requests (诉求反映) and the courts' published documents in the console.

The demo party files a request on a phone (390 × 844) with an attachment whose SHA-256 the
browser computes — the test computes it itself with hashlib and finds it in the API's answer —
the assigned judge (judge-zhang: the party is 申请执行人 of one of the judge's cases) answers it in
the inbox after a confirmation, and the party reads the answer. 法院公开信息 shows what
``myEnterprise.documents`` answers the party's own token, newest first. No page scrolls sideways.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path
from typing import Any

from tests.e2e.conftest import WAIT_MS, Console
from tests.e2e.test_party_portal import fits, mine
from tests.hub.test_serve import Server

REQUESTS = """{ myEnterprise { cases { caseNumber role }
  requests { id caseNumber kind role text attachments { name sha256 } status answer
             releasedOrders endedEntries } } }"""
DOCUMENTS = (
    """{ myEnterprise { documents { id caseNumber courtName kind title text publishedAt } } }"""
)
INBOX = """{ partyRequestInbox(first: 50) { nodes { id status answer } } }"""

# The words the page must use, written out here (not read from labels.js).
KIND = {
    "RELEASE": "申请解除",
    "PERFORMANCE": "申请履行",
    "CREDIT_REPAIR": "信用修复",
    "OTHER": "其他",
}
DOCUMENT_KIND = {"JUDGMENT": "裁判文书", "EXECUTION_INFO": "执行信息"}


def cases_by_role(hub: Server, party: dict[str, Any]) -> dict[str, str]:
    body = mine(hub, party, REQUESTS)["data"]["myEnterprise"]
    return {c["role"]: c["caseNumber"] for c in body["cases"]}


async def kinds_offered(tab: Console, case_number: str) -> list[str]:
    await tab.page.select_option("#request-case", case_number)
    return await tab.page.locator("#request-kind option").all_inner_texts()  # type: ignore[no-any-return]


async def test_a_request_is_filed_answered_and_read(
    narrow: Console, hub: Server, party: dict[str, Any], graphql: Any, tmp_path: Path
) -> None:
    # given the party, 被执行人 of one case and 申请执行人 of one of judge-zhang's, and a file on its
    # device whose SHA-256 is computed here
    roles = cases_by_role(hub, party)
    content = b"payment receipt " + secrets.token_bytes(64)
    receipt = tmp_path / "付款凭证.pdf"
    receipt.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    text = f"本企业请求法院督促被执行人履行付款义务。编号{secrets.token_hex(4)}"
    await narrow.sign_in(party["id"])
    await narrow.go("#/my/requests", "#request-form")
    # then the form offers 申请解除 and 信用修复 only where the enterprise is the respondent
    assert await kinds_offered(narrow, roles["被执行人"]) == list(KIND.values())
    assert await kinds_offered(narrow, roles["申请执行人"]) == ["申请履行", "其他"]
    # and says that the file does not leave the device
    assert "文件不会上传" in await narrow.text("#request-files-note")

    # when it files a 申请履行 on the judge's case with the file attached
    await narrow.page.select_option("#request-kind", "PERFORMANCE")
    await narrow.page.fill("#request-text", text)
    await narrow.page.set_input_files("#request-files", str(receipt))
    await narrow.page.wait_for_selector(
        f"#request-attachments li[data-sha256='{digest}']", timeout=WAIT_MS
    )
    await narrow.page.click("#request-submit")
    await narrow.ready()
    # then it is filed with the file's name and the hash computed here, and nothing else
    assert "诉求已提交" in await narrow.notice()
    filed = [
        r
        for r in mine(hub, party, REQUESTS)["data"]["myEnterprise"]["requests"]
        if r["text"] == text
    ]
    assert len(filed) == 1, filed
    request = filed[0]
    assert request["caseNumber"] == roles["申请执行人"] and request["kind"] == "PERFORMANCE"
    assert request["attachments"] == [{"name": "付款凭证.pdf", "sha256": digest}]
    assert request["status"] == "OPEN" and request["role"] == "申请执行人"
    # and the page lists it, waiting for the judge
    row = await narrow.text(f"tr[data-request='{request['id']}']")
    assert text in row and "申请履行" in row and "待答复" in row and digest in row, row
    await fits(narrow)
    await narrow.shot("party-requests")
    await narrow.sign_out()

    # when the assigned judge opens the inbox (on the same phone) and answers it, granting it
    await narrow.sign_in("judge-zhang")
    await narrow.go("#/requests?status=OPEN", f"[data-answer='{request['id']}']")
    card = await narrow.text(f"[data-request='{request['id']}']")
    assert text in card and digest in card and roles["申请执行人"] in card, card
    await fits(narrow)
    await narrow.page.click(f"[data-answer='{request['id']}']")
    await narrow.page.wait_for_selector("dialog[open]", timeout=WAIT_MS)
    await narrow.page.select_option("#answer-decision", "GRANTED")
    # then the dialog says what the answer will do before it is confirmed
    assert "准许本身不改变任何措施" in await narrow.text("#answer-consequence")
    assert not await narrow.page.is_visible("#answer-ruling")  # a release's ruling only
    await narrow.page.fill("#answer-text", "本院已向被执行人发出执行通知，督促其履行。")
    await narrow.confirm()
    assert "已答复：准许" in await narrow.notice()
    inbox = graphql("judge-zhang", INBOX)["data"]["partyRequestInbox"]["nodes"]
    answered = next(n for n in inbox if n["id"] == request["id"])
    assert answered["status"] == "GRANTED", answered
    await narrow.go("#/requests?status=GRANTED", f"[data-request='{request['id']}']")
    await narrow.page.click(f"[data-request='{request['id']}'] > summary")  # open it
    done = await narrow.text(f"[data-request='{request['id']}']")
    assert "本院已向被执行人发出执行通知" in done and "未改变措施或名单信息" in done, done
    await fits(narrow)
    await narrow.shot("judge-requests")
    await narrow.sign_out()

    # when the party opens 我的诉求 again
    await narrow.sign_in(party["id"])
    await narrow.go("#/my/requests", f"tr[data-request='{request['id']}']")
    # then it reads the judge's answer
    row = await narrow.text(f"tr[data-request='{request['id']}']")
    assert "准许" in row and "本院已向被执行人发出执行通知，督促其履行。" in row, row
    await fits(narrow)


async def test_an_api_refusal_is_said_in_plain_words(
    narrow: Console, hub: Server, party: dict[str, Any]
) -> None:
    # given the party's form, and an API that refuses the filing as a respondent's kind (the
    # form does not offer it to an applicant: the answer is stubbed, nothing is counted)
    async def refuse(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        if "partyRequestFile" not in body.get("query", ""):
            await route.continue_()
            return
        error = {
            "code": "BAD_USER_INPUT",
            "message": "kind RELEASE ...",
            "field": "kind",
            "reason": None,
            "rule": "RESPONDENT_ONLY",
        }
        payload = {"data": {"partyRequestFile": {"request": None, "errors": [error]}}}
        await route.fulfill(status=200, content_type="application/json", body=json.dumps(payload))

    await narrow.sign_in(party["id"])
    await narrow.go("#/my/requests", "#request-form")
    await narrow.page.route("**/graphql", refuse)
    # when it submits
    await narrow.page.fill("#request-text", "请求解除查封。")
    await narrow.page.click("#request-submit")
    # then the refusal is said in Chinese, by its rule, and the form stays
    await narrow.page.wait_for_function(
        "() => document.getElementById('request-message').textContent !== ''", timeout=WAIT_MS
    )
    message = await narrow.text("#request-message")
    assert message == "输入有误：申请解除和信用修复只能由本案被执行人（被保全人）提出", message


async def test_documents_are_what_the_courts_published_newest_first(
    narrow: Console, hub: Server, party: dict[str, Any]
) -> None:
    # given what the courts published for the party's cases, as the API answers its token
    documents = mine(hub, party, DOCUMENTS)["data"]["myEnterprise"]["documents"]
    assert {d["kind"] for d in documents} == {"JUDGMENT", "EXECUTION_INFO"}, documents
    newest = sorted(documents, key=lambda d: d["publishedAt"], reverse=True)
    # when the party opens 法院公开信息
    await narrow.sign_in(party["id"])
    await narrow.go("#/my/documents", "#party-documents-total")
    # then every document is shown, newest first, with its kind, court, case, title and text
    assert f"共 {len(documents)} 件" in await narrow.text("#party-documents-total")
    shown = await narrow.page.eval_on_selector_all(
        "article[data-document]", "items => items.map(a => a.dataset.document)"
    )
    assert sorted(shown) == sorted(d["id"] for d in documents)
    times = {d["id"]: d["publishedAt"] for d in documents}
    assert [times[i] for i in shown] == [d["publishedAt"] for d in newest]
    for d in documents:
        text = await narrow.text(f"article[data-document='{d['id']}']")
        assert d["title"] in text and d["caseNumber"] in text, text
        assert DOCUMENT_KIND[d["kind"]] in text and d["courtName"] in text, text
        for line in d["text"].splitlines():
            assert line in text, (line, text)
    # and what is published is explained, with the rule
    words = await narrow.text("#party-documents-words")
    assert "身份证号码" in words and "法释〔2016〕19号 第十条" in words
    await fits(narrow)
    await narrow.shot("party-documents")
