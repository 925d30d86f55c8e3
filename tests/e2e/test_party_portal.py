"""The enterprise party's portal (企业纾困360) in a phone-sized window (390 × 844), and on a desktop.

The demo party (企业授权人) signs in to a menu of its own; each page shows what ``myEnterprise``
answers the party's own token, asked here over HTTP (not through the page's code); no page
scrolls sideways and every tap target is at least 40 px; another role's page, opened by its
address, says 无权访问 and the API refuses its data anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import MY_ENTERPRISE, Console, PartyWorld
from tests.hub.test_serve import Server

PARTY_MENU = ["我的案件", "我的财产上的措施", "我的信用信息", "我的诉求", "法院公开信息"]
BEIJING = timezone(timedelta(hours=8))

# The words the page must use, written out here (not read from labels.js).
CASE_STATUS = {"OPEN": "执行中（未结案）", "CLOSED": "已结案"}
KIND = {"SEIZE": "查封", "DETAIN": "扣押", "FREEZE": "冻结"}
ASSET = {"REAL_ESTATE": "不动产", "VEHICLE": "机动车", "EQUITY": "股权", "DEPOSIT": "存款"}
MEASURE_STATUS = {
    "EFFECTIVE": "已生效",
    "WAITING": "轮候中",
    "RELEASED": "已解除",
    "EXPIRED": "已到期",
}
LIST = {"DISHONEST": "失信被执行人名单", "CONSUMPTION_RESTRICTION": "限制消费名单"}
ENTRY_STATUS = {"ACTIVE": "有效", "DELETED": "已删除", "LIFTED": "已解除", "ANNULLED": "已撤销"}
GROUNDS = {
    "EVADING": "规避执行",
    "ASSET_REPORT": "违反财产报告制度",
    "NOT_PERFORMED": "未按执行通知履行",
}


def mine(hub: Server, party: dict[str, Any], query: str = MY_ENTERPRISE) -> dict[str, Any]:
    """What the API answers the party's own token."""
    response = httpx.post(
        f"{hub.base_url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {party['token']}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def money(amount: str) -> str:
    return f"{Decimal(amount):,.2f} 元"


async def fits(tab: Console) -> None:
    """No sideways scrolling, and every visible link, button and summary at least 40 × 40 px."""
    width, client = await tab.page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client, (width, client)
    small = await tab.page.evaluate(
        """() => [...document.querySelectorAll('a, button, summary')]
          .filter((e) => e.offsetParent !== null)
          .map((e) => [e.textContent.trim(), e.getBoundingClientRect()])
          .filter(([, r]) => r.width < 40 || r.height < 40)
          .map(([t, r]) => `${t}: ${Math.round(r.width)}×${Math.round(r.height)}`)"""
    )
    assert small == [], small


async def row_text(tab: Console, selector: str) -> str:
    return await tab.text(selector)


async def test_the_party_signs_in_to_its_own_menu(narrow: Console, party: dict[str, Any]) -> None:
    # given the demo enterprise party on the sign-in page of a phone
    # when it signs in
    await narrow.sign_in(party["id"])
    # then it sees its own menu only, and lands on its cases
    assert await narrow.page.locator("#nav a").all_inner_texts() == PARTY_MENU
    assert narrow.page.url.endswith("#/my/cases")
    assert "企业授权人" in await narrow.text("#who-name")
    await fits(narrow)
    await narrow.sign_out()


async def test_my_cases_shows_the_cases_the_api_answers(
    narrow: Console, hub: Server, party: dict[str, Any]
) -> None:
    # given the party's cases as the API answers them to its token
    cases = mine(hub, party)["data"]["myEnterprise"]["cases"]
    assert {c["role"] for c in cases} == {"申请执行人", "被执行人"}
    # when the party opens 我的案件 on a phone
    await narrow.sign_in(party["id"])
    await narrow.go("#/my/cases", "#party-cases-total")
    # then every case is shown, under its role, with status, amount, court and judges
    assert f"共 {len(cases)} 件" in await narrow.text("#party-cases-total")
    assert await narrow.page.locator("tr[data-case]").count() == len(cases)
    groups = {"被执行人": "#party-cases-respondent", "申请执行人": "#party-cases-applicant"}
    for c in cases:
        text = await row_text(narrow, f"{groups[c['role']]} tr[data-case='{c['caseNumber']}']")
        assert c["caseNumber"] in text and c["courtName"] in text, text
        assert CASE_STATUS[c["status"]] in text and money(c["amount"]) in text, text
        assert c["kind"] in text and c["cause"] in text and c["filedOn"] in text, text
        assert money(c["deducted"]) in text, text  # 已扣划到法院执行款账户
        for judge in c["judges"]:
            assert f"{judge['name'] or '姓名未登记'}（{judge['role']}）" in text, text
    # and each role is explained in a sentence
    assert "须按法院生效文书履行义务" in await narrow.text("#party-cases-respondent")
    assert "向法院申请强制执行" in await narrow.text("#party-cases-applicant")
    # and a row is a card: its headings are shown in it, not in a header row
    display = await narrow.page.eval_on_selector(
        "tr[data-case] td", "td => getComputedStyle(td).display"
    )
    assert display == "grid"
    await fits(narrow)
    await narrow.shot("party-cases")


async def test_my_measures_shows_the_measures_by_state(
    narrow: Console, hub: Server, party: dict[str, Any], party_world: PartyWorld
) -> None:
    # given measures on the party's assets in effect, in line and ended, as the API answers them
    measures = mine(hub, party)["data"]["myEnterprise"]["measures"]
    assert {m["status"] for m in measures} >= {"EFFECTIVE", "WAITING", "RELEASED", "EXPIRED"}
    # when the party opens 我的财产上的措施
    await narrow.sign_in(party["id"])
    await narrow.go("#/my/measures", "#party-measures-total")
    # then each measure is shown under its state, with its asset, court, place in line and term
    groups = {
        "EFFECTIVE": "#party-measures-effective",
        "WAITING": "#party-measures-waiting",
        "RELEASED": "#party-measures-ended",
        "EXPIRED": "#party-measures-ended",
    }
    assert await narrow.page.locator("tr[data-measure]").count() == len(measures)
    for m in measures:
        text = await row_text(narrow, f"{groups[m['status']]} tr[data-measure='{m['id']}']")
        assert KIND[m["kind"]] in text and ASSET[m["assetType"]] in text, text
        assert m["assetId"] in text and m["caseNumber"] in text, text
        assert MEASURE_STATUS[m["status"]] in text, text
        if m["courtName"]:
            assert m["courtName"] in text, text
        if m["rank"] is not None:
            assert f"第 {m['rank']} 顺位" in text, text
        for day in (m["effectiveFrom"], m["expiresOn"]):
            if day:
                assert day in text, text
    effective = await row_text(narrow, f"tr[data-measure='{party_world.measures['EFFECTIVE']}']")
    assert "3 年" in effective and "已续行 1 次" in effective
    # and a freeze of deposits shows the amount asked, what the bank holds and what was deducted
    (deposit,) = [m for m in measures if m["id"] == party_world.measures["DEPOSIT"]]
    assert (deposit["amount"], deposit["frozenAmount"], deposit["deducted"]) == (
        "600.00", "350.00", "250.00"
    )  # fmt: skip
    frozen = await row_text(narrow, f"tr[data-measure='{deposit['id']}']")
    assert "申请冻结 600.00 元" in frozen and "银行现冻结 350.00 元" in frozen, frozen
    assert "250.00 元" in frozen and "1 年" in frozen, frozen
    assert "扣划" in await narrow.text("#party-measures-words")
    # and 查封 / 冻结 and 轮候 are each explained in a sentence, with the rule
    words = await narrow.text("#party-measures-words")
    assert "禁止被执行人转让、抵押" in words and "第二十四条" in words
    assert "后来的查封排队登记" in words and "第二十六条" in words
    await fits(narrow)
    await narrow.shot("party-measures")


async def test_my_credit_shows_the_entries_with_ground_term_and_end(
    narrow: Console, hub: Server, party: dict[str, Any], party_world: PartyWorld
) -> None:
    # given the party's list entries, in force and ended, as the API answers them
    body = mine(hub, party)["data"]["myEnterprise"]
    entries, courts = body["sanctions"], {c["courtCode"]: c["courtName"] for c in body["cases"]}
    assert {"ACTIVE", "DELETED"} <= {s["status"] for s in entries}
    today = datetime.now(BEIJING).date().isoformat()
    # when the party opens 我的信用信息
    await narrow.sign_in(party["id"])
    await narrow.go("#/my/credit", "#party-credit-total")
    # then each entry is shown as restricting now or not, with its list, ground, term and end
    assert await narrow.page.locator("tr[data-entry]").count() == len(entries)
    for s in entries:
        now = s["status"] == "ACTIVE" and (s["endsOn"] is None or s["endsOn"] >= today)
        group = "#party-credit-active" if now else "#party-credit-ended"
        text = await row_text(narrow, f"{group} tr[data-entry='{s['id']}']")
        assert LIST[s["list"]] in text and ENTRY_STATUS[s["status"]] in text, text
        assert s["caseNumber"] in text and s["publishedOn"] in text, text
        assert s["obligation"] in text, text
        for ground in s["grounds"]:
            if ground in GROUNDS:
                assert GROUNDS[ground] in text, text
        if s["termYears"] is not None:
            assert f"{s['termYears']} 年" in text, text
        if s["endsOn"]:
            assert s["endsOn"] in text, text
        if s["revokedOn"]:
            assert s["revokedOn"] in text, text
        if s["courtCode"] in courts:
            assert courts[s["courtCode"]] in text, text
    deleted = await row_text(narrow, f"tr[data-entry='{party_world.entries['DELETED']}']")
    assert "提前删除" in deleted
    # and 失信 and 限高 are each explained in a sentence, with the rule
    words = await narrow.text("#party-credit-words")
    assert "有履行能力而拒不履行" in words and "法释〔2017〕7号 第一条" in words
    assert "限制其高消费" in words and "法释〔2015〕17号 第一条、第三条" in words
    await fits(narrow)
    await narrow.shot("party-credit")


@pytest.mark.parametrize(
    "route", ["#/cases", "#/lookup", "#/orders", "#/inbox", "#/audit", "#/check"]
)
async def test_another_roles_page_is_refused_to_the_party(
    narrow: Console, hub: Server, party: dict[str, Any], route: str
) -> None:
    # given the party signed in
    await narrow.sign_in(party["id"])
    # when it opens another role's page by its address
    await narrow.go(route, "#route-refused")
    # then the page says so plainly, with a way home, and its own menu stays
    assert await narrow.text("main h1") == "无权访问"
    assert "企业授权人" in await narrow.text("#route-refused")
    assert await narrow.page.get_attribute("#route-home", "href") == "#/my/cases"
    assert await narrow.page.locator("#nav a").all_inner_texts() == PARTY_MENU
    await fits(narrow)
    if route == "#/cases":
        await narrow.shot("party-refused")


async def test_the_api_refuses_the_party_another_roles_data(
    hub: Server, party: dict[str, Any]
) -> None:
    # given the party's token
    # when it asks for what the judge's case list reads (once: a party's refusals are counted)
    body = mine(hub, party, "{ assignedCases(first: 1) { totalCount } }")
    # then it is refused, whatever the console shows
    assert body["data"] is None or body["data"]["assignedCases"] is None, body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body


async def test_the_party_pages_are_refused_to_a_judge(console: Console) -> None:
    # given the demo judge
    await console.sign_in("judge-zhang")
    # when the judge opens the party's page by its address
    await console.go("#/my/cases", "#route-refused")
    # then it is refused plainly, naming whose page it is
    assert "企业授权人" in await console.text("#route-refused")


async def test_the_portal_is_a_table_on_a_desktop(
    console: Console, hub: Server, party: dict[str, Any], party_world: PartyWorld
) -> None:
    # given the party on a desktop
    await console.sign_in(party["id"])
    # when it opens its measures
    await console.go("#/my/measures", "#party-measures-total")
    # then the measures are table rows under a header row, and nothing scrolls sideways
    assert await console.page.locator("#party-measures-effective thead th").first.is_visible()
    display = await console.page.eval_on_selector(
        "tr[data-measure] td", "td => getComputedStyle(td).display"
    )
    assert display == "table-cell"
    width, client = await console.page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client
    await console.shot("party-measures-desktop", full_page=False)
