"""The web console in headless Chromium against a real `fyt serve --demo`."""

from __future__ import annotations

import asyncio
import re
import secrets
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from hub.audit.models import audit_entries, audit_leaves
from hub.auth.tokens import issue_token, load_private_key
from hub.config import Settings
from hub.db.engine import create_hub_engine
from tests.e2e.conftest import WAIT_MS, Console
from tests.hub.test_audit_integrity import tamper
from tests.hub.test_serve import Server

CASES = """
{ assignedCases(filter: {status: OPEN}, first: 100) {
    nodes { caseNumber parties { role subjectKind subjectId name } } } }
"""
ASSETS = """
query A($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {
    assets { realEstates { unitNumber waitingLine { rank } } vehicles { plate } }
  }
}
"""


def mint(hub: Server, sub: str, org: str, role: str, **kw: Any) -> str:
    """A token signed with the served hub's own development key."""
    settings = Settings.from_env({"HUB_DATA_DIR": str(hub.data_dir)})
    key, kid = load_private_key(settings.private_key_path)
    return issue_token(
        private_key=key,
        kid=kid,
        sub=sub,
        org=org,
        roles=[role],
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        **kw,
    )


def respondents(graphql: Any, kind: str = "PERSON") -> list[tuple[str, str, str]]:
    """(case number, id, name) of the demo judge's open cases' respondents."""
    body = graphql("judge-zhang", CASES)
    return [
        (c["caseNumber"], p["subjectId"], p["name"])
        for c in body["data"]["assignedCases"]["nodes"]
        for p in c["parties"]
        if p["subjectKind"] == kind and p["role"] == "被执行人"
    ]


@pytest.fixture(scope="package")
def respondent(graphql: Any) -> tuple[str, str, str]:
    return respondents(graphql)[0]


@pytest.fixture(scope="package")
def units_to_seize(graphql: Any) -> list[tuple[str, str, str]]:
    """(case, owner id, unit number) of respondents' real estate nobody has seized."""
    found = []
    for case, id_number, _ in respondents(graphql):
        body = graphql("judge-zhang", ASSETS, {"id": id_number, "case": case})
        for unit in body["data"]["person"]["assets"]["realEstates"] or []:
            if not unit["waitingLine"]:
                found.append((case, id_number, unit["unitNumber"]))
    if len(found) < 2:
        pytest.fail("the demo judge's respondents own fewer than two units of real estate")
    return found


# --- sign-in and the menu of each role ----------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "menu", "heading"),
    [
        (
            "judge-zhang",
            ["我的案件", "全息查询", "查控文书", "查控请求", "名单信息", "诉求反映", "公安协助"],
            "我承办的未结执行案件",
        ),
        ("registry-wang", ["协助执行收件箱", "已办理", "信息查询"], "协助执行收件箱"),
        ("market-zhao", ["协助执行收件箱", "已办理", "信息查询"], "协助执行收件箱"),
        # social security registers no measures: no inbox (the policy grants it none)
        ("social-liu", ["信息查询"], "全息查询"),
        (
            "auditor-sun",
            ["访问记录", "个人访问历史", "统计图表", "日志完整性", "执行款台账"],
            "访问记录",
        ),
        ("approval-market", ["联合惩戒核查"], "联合惩戒核查"),
    ],
)
async def test_each_role_signs_in_to_its_own_pages_and_signs_out(
    console: Console, user: str, menu: list[str], heading: str
) -> None:
    await console.sign_in(user)
    await console.page.wait_for_selector(f"h1:has-text('{heading}')", timeout=WAIT_MS)
    nav = await console.page.locator("#nav a").all_inner_texts()
    assert nav == menu
    if user == "judge-zhang":
        await console.shot("judge-cases", full_page=False)
    await console.sign_out()
    assert "您已退出登录" in await console.notice()
    assert await console.page.evaluate("sessionStorage.length") == 0
    # the back button does not bring the pages back without signing in again
    await console.page.go_back()
    await console.page.wait_for_selector("#token-input", timeout=WAIT_MS)


async def test_sign_in_page_offers_the_demo_users(console: Console) -> None:
    await console.open()
    await console.page.wait_for_selector("[data-user='judge-zhang']", timeout=WAIT_MS)
    users = await console.page.locator("[data-user]").count()
    assert users == 12  # the ten named users, the bank officer and the enterprise party
    await console.shot("sign-in")


async def test_a_token_is_accepted_and_its_expiry_returns_to_sign_in(
    console: Console, hub: Server
) -> None:
    token = mint(hub, "auditor-sun", "court:370602", "auditor", ttl=timedelta(seconds=4))
    await console.open("#/signin")
    await console.page.fill("#token-input", "Bearer " + token)
    await console.page.click("form:has(#token-input) button[type=submit]")
    await console.page.wait_for_selector("#who-name", timeout=WAIT_MS)
    assert "孙丽" in await console.text("#who-name")
    # the session ends by itself when the token expires
    await console.page.wait_for_selector("#token-input", timeout=10_000)
    assert "登录已过期" in await console.notice()


# --- the hand-over from a login in front (HUB_CONSOLE_LOGIN_URL) ------------------------------

LOGIN_PATH = "/test-login"
HANDOVER_REFUSED = "登录链接无效或已过期，请重新登录"


class LoginInFront:
    """Plays the OIDC login in front of the console in one tab: the console's config names it,
    and it answers each visit with ``answer(state)`` (a hand-over fragment, or None to stay on
    the login page). The states it was given are kept in ``states``."""

    def __init__(self, tab: Console, answer: Any) -> None:
        self.tab = tab
        self.answer = answer
        self.states: list[str] = []
        self.returns: list[str] = []

    async def install(self) -> LoginInFront:
        async def config(route: Any) -> None:
            response = await route.fetch()
            await route.fulfill(
                response=response, json={**await response.json(), "loginUrl": LOGIN_PATH}
            )

        async def login(route: Any) -> None:
            query = parse_qs(urlsplit(route.request.url).query)
            self.states += query.get("state", [])
            self.returns += query.get("return", [])
            fragment = self.answer(query.get("state", [""])[0])
            if fragment is None:
                await route.fulfill(
                    status=200, content_type="text/html", body="<p>统一身份认证</p>"
                )
            else:
                await route.fulfill(status=302, headers={"location": "/console/#" + fragment})

        await self.tab.page.route("**/console/api/config", config)
        await self.tab.page.route(re.compile(r".*/test-login\?.*"), login)
        return self

    async def start(self) -> None:
        """Open the sign-in page and press the login button."""
        await self.tab.open("#/signin")
        await self.tab.page.click("#oidc-login", timeout=WAIT_MS)


def token_of(demo: dict[str, Any], user: str) -> str:
    return next(u["token"] for u in demo["users"] if u["id"] == user)


async def signed_in_as(tab: Console, name: str) -> None:
    await tab.page.wait_for_selector("#who-name", timeout=WAIT_MS)
    assert name in await tab.text("#who-name")


async def not_signed_in(tab: Console, token: str) -> None:
    """The sign-in page with the plain message; no token kept; the address bar holds none."""
    await tab.page.wait_for_selector("#token-input", timeout=WAIT_MS)
    assert HANDOVER_REFUSED in await tab.notice()
    assert await tab.page.locator("#who-name").count() == 0
    assert await tab.page.evaluate("sessionStorage.getItem('fyt.console.token')") is None
    assert token not in tab.page.url and "state=" not in tab.page.url
    assert tab.page.url.endswith("/console/#/signin")


async def test_a_login_in_front_hands_the_token_over_with_the_state_it_was_given(
    console: Console, demo: dict[str, Any]
) -> None:
    # given a login in front that hands the market officer's token back with the state it got
    token = token_of(demo, "market-zhao")
    login = await LoginInFront(console, lambda state: f"token={token}&state={state}").install()
    # when the user presses the login button
    await login.start()
    # then the console signed in, and nothing of the hand-over is left in the address bar
    await signed_in_as(console, "赵强")
    assert token not in console.page.url and "state=" not in console.page.url
    # and the login was given a fresh random state (256 bits, hex) and the way back
    assert len(login.states) == 1 and re.fullmatch("[0-9a-f]{64}", login.states[0])
    assert login.returns == [f"{console.base_url}/console/"]
    # which is used up: no pending login is left in the tab
    assert await console.page.evaluate("sessionStorage.getItem('fyt.console.loginStates')") is None


@pytest.mark.parametrize(
    "fragment",
    [
        "token={t}",
        "token={t}&state=",
        "state=&token={t}",
        "%74oken={t}",
        "token={t}&token={t}",
        "error=access_denied&token={t}",
    ],
)
async def test_a_link_with_a_token_and_no_state_does_not_sign_in(
    console: Console, demo: dict[str, Any], fragment: str
) -> None:
    # given an attacker's link carrying the attacker's token, opened in a fresh tab
    token = token_of(demo, "market-zhao")
    await console.open("#" + fragment.format(t=token))
    # then the tab is not signed in, says the link is not valid, and the token is out of the URL
    await not_signed_in(console, token)
    if fragment == "token={t}":
        await console.shot("sign-in-handover-refused")


@pytest.mark.parametrize("forged", ["random", "prefix", "longer", "empty", "twice"])
async def test_a_hand_over_with_a_state_the_tab_did_not_start_does_not_sign_in(
    console: Console, demo: dict[str, Any], forged: str
) -> None:
    # given the user started a login, but the hand-over comes back with another state:
    # a random one, the real one cut short or lengthened, none, or the real one twice
    token = token_of(demo, "market-zhao")

    def answer(state: str) -> str:
        other = {
            "random": secrets.token_hex(32),
            "prefix": state[:-1],
            "longer": state + "0",
            "empty": "",
        }.get(forged)
        if other is None:
            return f"token={token}&state={state}&state={state}"
        return f"token={token}&state={other}"

    login = await LoginInFront(console, answer).install()
    await login.start()
    # then the console does not sign in
    await not_signed_in(console, token)


async def test_a_replayed_hand_over_does_not_sign_in(
    console: Console, demo: dict[str, Any]
) -> None:
    # given a login completed in this tab with its state, then a sign-out
    token = token_of(demo, "market-zhao")
    login = await LoginInFront(console, lambda state: f"token={token}&state={state}").install()
    await login.start()
    await signed_in_as(console, "赵强")
    await console.sign_out()
    # when the same hand-over link is opened again in the tab
    await console.open(f"#token={token}&state={login.states[0]}")
    # then the used-up state signs nobody in
    await not_signed_in(console, token)


async def test_a_hand_over_after_ten_minutes_does_not_sign_in(
    console: Console, demo: dict[str, Any]
) -> None:
    # given a login started, the user lingering at the login page
    token = token_of(demo, "market-zhao")
    await console.page.clock.install()
    login = await LoginInFront(console, lambda state: None).install()
    await login.start()
    await console.page.wait_for_url(re.compile(r".*/test-login\?.*"), timeout=WAIT_MS)
    # when the hand-over arrives 11 minutes later
    await console.page.clock.fast_forward("11:00")
    await console.page.goto(f"{console.url}#token={token}&state={login.states[0]}")
    # then the state has expired
    await not_signed_in(console, token)


async def test_two_tabs_each_take_only_their_own_hand_over(
    browser: Any, hub: Server, screenshots: Any, demo: dict[str, Any]
) -> None:
    # given two tabs of one browser, each starting a login, both held at the login page
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        tabs = [Console(await context.new_page(), hub.base_url, screenshots) for _ in range(2)]
        logins = [await LoginInFront(tab, lambda state: None).install() for tab in tabs]
        for login in logins:
            await login.start()
            await login.tab.page.wait_for_url(re.compile(r".*/test-login\?.*"), timeout=WAIT_MS)
        (first,), (second,) = logins[0].states, logins[1].states
        assert first != second
        market, registry = token_of(demo, "market-zhao"), token_of(demo, "registry-wang")
        # when the first tab is handed the second tab's state, it refuses
        await tabs[0].page.goto(f"{tabs[0].url}#token={registry}&state={second}")
        await not_signed_in(tabs[0], registry)
        # and each tab takes the hand-over of the login it started itself
        await tabs[1].page.goto(f"{tabs[1].url}#token={registry}&state={second}")
        await signed_in_as(tabs[1], "王")
        await tabs[0].page.goto(f"{tabs[0].url}#token={market}&state={first}")
        await signed_in_as(tabs[0], "赵强")
        for tab in tabs:
            assert not tab.errors, tab.errors
    finally:
        await context.close()


async def test_a_refused_token_returns_to_sign_in_with_a_message(console: Console) -> None:
    await console.open("#/signin")
    await console.page.fill("#token-input", "not-a-token")
    await console.page.click("form:has(#token-input) button[type=submit]")
    message = await console.notice()
    assert "登录已过期或令牌无效" in message or "令牌" in message
    assert await console.page.evaluate("sessionStorage.length") == 0
    # an empty token is refused before anything is sent
    await console.page.fill("#token-input", "")
    await console.page.click("form:has(#token-input) button[type=submit]")
    assert "请粘贴访问令牌" in await console.notice()


async def test_an_expired_stored_token_goes_back_to_sign_in(console: Console, hub: Server) -> None:
    token = mint(
        hub,
        "judge-zhang",
        "court:370602",
        "enforcement_judge",
        ttl=timedelta(minutes=5),
        now=datetime.now(UTC) - timedelta(hours=1),  # expired well beyond the verifier's leeway
    )
    await console.open("#/signin")
    await console.page.evaluate("t => sessionStorage.setItem('fyt.console.token', t)", token)
    await console.page.reload()  # a new page load with the stored token
    await console.page.wait_for_selector("#token-input", timeout=WAIT_MS)
    assert "登录已过期或令牌无效" in await console.notice()


# --- the judge ---------------------------------------------------------------------------------


async def test_judge_looks_up_a_party_of_a_case_and_sees_the_full_profile(
    console: Console, respondent: tuple[str, str, str]
) -> None:
    case, id_number, name = respondent
    await console.sign_in("judge-zhang")
    # from the case list, click the party
    await console.page.click(f"a.party-link[href*='{id_number}']")
    await console.page.wait_for_selector("#profile", timeout=WAIT_MS)
    heading = await console.text("#profile h1")
    assert name in heading and id_number in heading
    for section in (
        "identity",
        "assets",
        "insurance",
        "tax",
        "utilities",
        "qualifications",
        "enterpriseRoles",
        "legal",
    ):
        assert await console.page.locator(f"[data-section='{section}']").count() == 1
    assert await console.page.locator(".denied").count() == 0
    assert await console.page.input_value("#case-select") == case
    assert name in await console.text("[data-section='identity'] [data-field='name']")
    await console.shot("judge-person-profile")


async def test_judge_sees_the_deposits_of_a_party_per_bank(
    console: Console, respondent: tuple[str, str, str]
) -> None:
    _case, id_number, _name = respondent
    await console.sign_in("judge-zhang")
    await console.page.click(f"a.party-link[href*='{id_number}']")
    await console.page.wait_for_selector(
        "#profile [data-section='assets'] .deposits", timeout=WAIT_MS
    )
    # then every bank has its entry, each saying it answered
    banks = console.page.locator("[data-section='assets'] .deposits .bank")
    assert await banks.count() == 8
    assert await console.page.locator(".deposits .bank[data-answer='ANSWERED']").count() == 8
    assert "银行存款" in await console.text("[data-section='assets']")


DEPOSITS = """
query D($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {
    assets { deposits { accounts {
      accountNumber currency balance frozenAmount availableBalance
      freezes { caseNumber amount status } } } }
  }
}
"""
OUTSTANDING = "query A($case: String!) { freezeOrderAssessment(caseNumber: $case) { outstanding } }"
FREEZE = """query O($id: String!) { freezeOrder(id: $id) {
  status amount frozenAmount currency assetId caseNumber } }"""
LEDGER = """query L($case: String!) { depositLedger(caseNumber: $case) {
  deducted receipted bankRecorded pending receiptsValid reconciled unmatchedTransfers
  entries { id orderId accountNumber amount status transferNumber } } }"""


def account_of(graphql: Any, owner: str, case: str, number: str) -> dict[str, Any]:
    body = graphql("judge-zhang", DEPOSITS, {"id": owner, "case": case})
    return next(
        a
        for bank in body["data"]["person"]["assets"]["deposits"]
        for a in bank["accounts"] or []
        if a["accountNumber"] == number
    )


@pytest.fixture(scope="package")
def account_to_freeze(graphql: Any) -> tuple[str, str, str, Decimal, Decimal]:
    """(case, owner, account, available, outstanding): a respondent's CNY account holding more
    than the case's outstanding amount (at least 100.00), with no freeze of the case on it."""
    for case, owner, _ in respondents(graphql):
        outstanding = Decimal(
            graphql("judge-zhang", OUTSTANDING, {"case": case})["data"]["freezeOrderAssessment"][
                "outstanding"
            ]
        )
        body = graphql("judge-zhang", DEPOSITS, {"id": owner, "case": case})
        for bank in body["data"]["person"]["assets"]["deposits"]:
            for a in bank["accounts"] or []:
                available = Decimal(a["availableBalance"])
                if (
                    a["currency"] == "CNY"
                    and outstanding >= Decimal("100.00")
                    and available > outstanding + 1
                    and all(f["caseNumber"] != case for f in a["freezes"])
                ):
                    return case, owner, a["accountNumber"], available, outstanding
    pytest.fail("no respondent of the demo judge holds a CNY account above the case's amount")


def _until(graphql: Any, user: str, query: str, variables: dict[str, Any], done: Any) -> Any:
    """The API's answer once ``done(answer)`` (the worker serves the bank within seconds)."""
    for _ in range(100):
        body = graphql(user, query, variables)
        assert "errors" not in body, body
        if done(body["data"]):
            return body["data"]
        time.sleep(0.3)
    pytest.fail(f"not done within 30 s: {body}")


async def test_judge_freezes_an_amount_then_deducts_and_the_auditor_sees_it_reconciled(
    console: Console,
    graphql: Any,
    account_to_freeze: tuple[str, str, str, Decimal, Decimal],
) -> None:
    case, owner, number, available, outstanding = account_to_freeze
    # given the judge on the respondent's profile, the account listed with a 冻结 action
    await console.sign_in("judge-zhang")
    await console.go(
        f"#/lookup?kind=PERSON&id={owner}&case={case}", f"[data-freeze-account='{number}']"
    )
    # when the judge starts a freeze from the account: the order form, pre-filled
    await console.page.click(f"[data-freeze-account='{number}']")
    await console.page.wait_for_selector("#order-amount", timeout=WAIT_MS)
    assert await console.page.input_value("#order-asset-type") == "DEPOSIT"
    assert await console.page.input_value("#order-kind") == "FREEZE"
    assert await console.page.input_value("#order-asset-id") == number
    assert await console.page.input_value("#order-case") == case
    assert "人民币" in await console.text("#order-available")
    assert f"{available:,.2f} 元" in await console.text("#order-available")
    await console.page.fill("#order-ruling", case.replace("号", "号之一"))
    # then an amount in more than cents, or above what is available, is refused before sending
    await console.page.fill("#order-amount", "100.005")
    await console.page.click("#order-submit")
    await console.page.wait_for_selector("#notice:has-text('最多两位小数')", timeout=WAIT_MS)
    await console.page.fill("#order-amount", str(available + Decimal("0.01")))
    await console.page.click("#order-submit")
    await console.page.wait_for_selector(
        "#notice:has-text('超出该账户的可用余额')", timeout=WAIT_MS
    )
    # and above the case's outstanding amount the API refuses it, said in Chinese
    await console.page.fill("#order-amount", str(outstanding + Decimal("0.01")))
    await console.page.click("#order-submit")
    await console.page.wait_for_selector(
        "#notice:has-text('冻结金额超出本案执行标的')", timeout=WAIT_MS
    )
    # and 100.00 is frozen (with the over-seizure reason when the case already holds enough)
    await console.page.fill("#order-amount", "100.00")
    await console.page.click("#order-submit")
    await console.page.wait_for_selector(
        "#order-created, #order-confirmation:not([hidden])", timeout=WAIT_MS
    )
    if await console.page.is_visible("#order-confirmation"):
        await console.page.fill("#order-over-reason", "被执行人无其他可供执行的财产")
        await console.page.click("#order-submit")
    await console.page.wait_for_selector("#order-created", timeout=WAIT_MS)
    order_id = (await console.text("#order-created")).split("文书编号 ")[1].split("，")[0]
    assert "由银行系统登记冻结并回执" in await console.text("#order-created")
    order = _until(
        graphql,
        "judge-zhang",
        FREEZE,
        {"id": order_id},
        lambda d: d["freezeOrder"]["status"] == "EFFECTIVE",
    )["freezeOrder"]
    assert order == {
        "status": "EFFECTIVE",
        "amount": "100.00",
        "frozenAmount": "100.00",
        "currency": "CNY",
        "assetId": number,
        "caseNumber": case,
    }

    # when the judge opens the profile again: the freeze is on the account, with 扣划
    await console.go(f"#/lookup?kind=PERSON&id={owner}&case={case}", f"[data-deduct='{order_id}']")
    row = f"tr[data-account='{number}']"
    account = account_of(graphql, owner, case, number)
    ours = console.page.locator(f"{row} .freeze[data-case='{case}']")
    assert await ours.count() == 1
    text = await ours.inner_text()
    assert "100.00 元" in text and "已生效" in text and "本案" in text
    for key in ("balance", "frozenAmount", "availableBalance"):  # as the API answers them
        shown = await console.text(f"{row} [data-field='{key}']")
        assert shown == f"{Decimal(account[key]):,.2f} 元", (key, shown, account[key])
    await console.shot("judge-deposits")
    # then a deduction above what the freeze holds is refused by the API, in the dialog
    await console.page.click(f"[data-deduct='{order_id}']")
    await console.page.wait_for_selector("dialog[open]", timeout=WAIT_MS)
    assert order_id in await console.text("dialog[open]")
    assert "不能撤回" in await console.text("dialog[open]")
    await console.page.fill("dialog input[name=amount]", "150.00")
    await console.page.fill("dialog input[name=rulingNumber]", case.replace("号", "号之二"))
    await console.page.click("dialog button[type=submit]")
    await console.page.wait_for_selector("dialog [role=alert]:has-text('扣划金额超出')")
    # and 40.00 is deducted once confirmed
    await console.page.fill("dialog input[name=amount]", "40.00")
    await console.confirm()
    assert "已提交扣划 40.00 元" in await console.notice()
    ledger = _until(
        graphql,
        "auditor-sun",
        LEDGER,
        {"case": case},
        lambda d: d["depositLedger"]["pending"] == "0.00",
    )["depositLedger"]
    assert ledger["deducted"] == ledger["receipted"] == ledger["bankRecorded"] == "40.00"
    assert ledger["reconciled"] is True and ledger["receiptsValid"] is True
    (entry,) = ledger["entries"]
    assert (entry["orderId"], entry["amount"], entry["status"]) == (order_id, "40.00", "DONE")
    after = graphql("judge-zhang", FREEZE, {"id": order_id})["data"]["freezeOrder"]
    assert after["frozenAmount"] == "60.00"
    await console.sign_out()

    # when the auditor opens the case's ledger from the menu
    await console.sign_in("auditor-sun")
    await console.page.click("#nav a[href='#/audit/ledger']")
    await console.ready()
    await console.page.fill("#ledger-case", case)
    await console.page.click("#ledger-form button[type=submit]")
    await console.page.wait_for_selector("#ledger-summary", timeout=WAIT_MS)
    # then it shows the deduction, reconciled, the account masked as the API gives it
    assert await console.text("[data-field='reconciled']") == "已核对一致"
    for key in ("deducted", "receipted", "bankRecorded"):
        assert await console.text(f"#ledger-summary [data-field='{key}']") == "40.00 元"
    line = await console.text(f"tr[data-deduction='{entry['id']}']")
    assert entry["accountNumber"] in line and "*" in entry["accountNumber"]
    assert number not in line
    assert "40.00 元" in line and "已划款" in line and entry["transferNumber"] in line
    await console.shot("auditor-ledger")


async def test_judge_sees_a_partys_tax_and_utilities_in_chinese(
    console: Console, graphql: Any, respondent: tuple[str, str, str]
) -> None:
    # given a respondent of the judge's case, and an enterprise respondent
    case, id_number, _name = respondent
    enterprise_case, uscc, _ = respondents(graphql, "ENTERPRISE")[0]
    await console.sign_in("judge-zhang")
    # when the judge opens the person's profile
    await console.go(f"#/lookup?kind=PERSON&id={id_number}&case={case}", "#profile")
    # then the tax and utilities sections are there with their Chinese labels, nothing refused
    tax = await console.text("[data-section='tax']")
    assert "个人所得税扣缴（按月）" in tax and "个体工商户" in tax
    utilities = await console.text("[data-section='utilities']")
    assert "是否居住在户籍地址" in utilities
    lives = await console.text(
        "[data-section='utilities'] [data-field='livesAtRegisteredAddress']"
    )
    assert lives.startswith(("是", "否", "无法判断"))
    assert await console.page.locator("[data-section='tax'] .denied").count() == 0
    # when the judge opens the enterprise's profile
    await console.go(f"#/lookup?kind=ENTERPRISE&id={uscc}&case={enterprise_case}", "#profile")
    # then its tax registration, credit grade and whether it operates are shown
    tax = await console.text("[data-section='tax']")
    assert "纳税信用级别" in tax and "纳税申报与缴款（按月）" in tax and "是否欠税" in tax
    operating = await console.text("[data-section='utilities'] [data-field='operating']")
    assert operating.startswith(("是", "否", "无法判断"))
    await console.shot("judge-tax-utilities")


async def test_judge_without_a_case_is_told_why_in_plain_words(
    console: Console, respondent: tuple[str, str, str]
) -> None:
    _, id_number, name = respondent
    await console.sign_in("judge-zhang")
    await console.go("#/lookup", "#lookup-form")
    await console.page.fill("#subject-id", id_number)
    await console.page.select_option("#case-select", "")
    await console.page.click("#lookup-form button[type=submit]")
    await console.page.wait_for_selector("#lookup-refused", timeout=WAIT_MS)
    message = await console.text("#lookup-refused")
    assert "须选择您承办的" in message
    assert await console.page.locator("#profile").count() == 0
    assert name not in await console.page.inner_text("main")
    await console.shot("judge-no-case")


async def test_a_bad_id_number_is_refused_in_plain_words(console: Console) -> None:
    await console.sign_in("judge-zhang")
    await console.go("#/lookup", "#lookup-form")
    await console.page.fill("#subject-id", "370602199001011234")  # wrong check character
    await console.page.click("#lookup-form button[type=submit]")
    assert "身份证号码校验位不正确" in await console.notice()


async def test_judge_sees_an_enterprise_with_its_masked_phone_and_clickable_persons(
    console: Console, graphql: Any
) -> None:
    case, uscc, name = respondents(graphql, "ENTERPRISE")[0]
    await console.sign_in("judge-zhang")
    await console.go(f"#/lookup?kind=ENTERPRISE&id={uscc}&case={case}", "#profile")
    assert name in await console.text("#profile h1")
    phone = console.page.locator("[data-section='registration'] [data-field='phone'] .masked")
    assert await phone.count() == 1
    assert "*" in await phone.inner_text()
    # the legal representative links to their own profile (the case decides if it may be seen)
    links = console.page.locator("[data-section='registration'] a.subject-link")
    assert await links.count() >= 1
    assert "kind=PERSON" in (await links.first.get_attribute("href") or "")
    await console.shot("judge-enterprise-profile")


async def open_inbox_row(console: Console, order_id: str) -> str:
    row = f"tr[data-order='{order_id}']"
    for _ in range(40):  # the worker delivers within a few seconds
        await console.go("#/handled", "h1:has-text('本机关')")
        await console.go("#/inbox", "h1:has-text('协助执行收件箱')")
        if await console.page.locator(row).count():
            break
        await asyncio.sleep(0.5)
    await console.page.wait_for_selector(row, timeout=WAIT_MS)
    return row


async def test_an_order_submitted_by_the_judge_is_accepted_by_the_registry(
    console: Console, units_to_seize: list[tuple[str, str, str]], graphql: Any
) -> None:
    case, owner, unit = units_to_seize[0]
    await console.sign_in("judge-zhang")
    await console.go(f"#/lookup?kind=PERSON&id={owner}&case={case}", "#profile")
    await console.page.click(f"[data-asset='{unit}']")
    await console.page.wait_for_selector("#order-form", timeout=WAIT_MS)
    # pre-filled from the asset and the case
    assert await console.page.input_value("#order-asset-id") == unit
    assert await console.page.input_value("#order-asset-type") == "REAL_ESTATE"
    assert await console.page.input_value("#order-kind") == "SEIZE"
    assert await console.page.input_value("#order-case") == case
    await console.page.fill("#order-ruling", "（2026）鲁0602执保1号")
    # the form shows the case's outstanding amount beside what is already held and the unit's
    # known value (超标的查封, 查封规定 第十九条); beyond the threshold it asks for a reason
    await console.page.wait_for_selector("#order-outstanding", timeout=WAIT_MS)
    assert "执行标的" in await console.text("#order-outstanding")
    assert "已查控财产" in await console.text("#order-seized")
    if await console.page.is_visible("#order-confirmation"):
        await console.page.fill("#order-over-reason", "被执行人无其他可供执行的财产")
    await console.shot("judge-order-form")
    # a term beyond the legal maximum is refused in plain words and submits nothing
    await console.page.fill("#order-term", "5000")
    await console.page.evaluate("document.getElementById('order-term').removeAttribute('max')")
    await console.page.click("#order-submit")
    assert "期限超出法定上限" in await console.notice()
    await console.page.fill("#order-term", "")
    await console.page.click("#order-submit")
    await console.page.wait_for_selector("#order-created", timeout=WAIT_MS)
    order_id = (await console.text("#order-created")).split("文书编号 ")[1].split("，")[0]
    await console.sign_out()

    await console.sign_in("registry-wang")
    row = await open_inbox_row(console, order_id)
    await console.shot("agency-inbox")
    await console.page.click(f"[data-accept='{order_id}']")
    await console.page.fill("dialog input[name=documentNumber]", "烟不动产查字〔2026〕1号")
    await console.confirm()
    await console.page.wait_for_selector(f"{row}", state="detached", timeout=WAIT_MS)
    assert "已办理" in await console.notice()
    await console.sign_out()

    await console.sign_in("judge-zhang")
    await console.go("#/orders", f"tr[data-order='{order_id}']")
    cells = await console.text(f"tr[data-order='{order_id}']")
    assert "已生效" in cells and "第 1 顺位" in cells and "烟不动产查字〔2026〕1号" in cells
    await console.shot("judge-orders")
    # the 30-day tab lists only orders in effect that expire within 30 days (this one: 3 years)
    await console.page.click("#tab-expiring")
    await console.page.wait_for_function("() => location.hash.includes('expiring=30')")
    await console.ready()
    assert await console.page.locator(f"tr[data-order='{order_id}']").count() == 0
    # the API agrees: the order is in effect with its receipt
    body = graphql(
        "judge-zhang",
        "query O($id: String!) { freezeOrder(id: $id) { status rank receiptNumber } }",
        {"id": order_id},
    )
    assert body["data"]["freezeOrder"] == {
        "status": "EFFECTIVE",
        "rank": 1,
        "receiptNumber": "烟不动产查字〔2026〕1号",
    }
    # and the profile shows the unit's waiting line
    await console.go(f"#/lookup?kind=PERSON&id={owner}&case={case}", "#profile")
    assert "第 1 顺位" in await console.text("[data-section='assets']")

    # the judge releases it: the ruling and the reason are asked for
    await console.go("#/orders", f"[data-release='{order_id}']")
    await console.page.click(f"[data-release='{order_id}']")
    await console.page.fill("dialog input[name=rulingNumber]", "（2026）鲁0602执保1号之一")
    await console.page.fill("dialog input[name=reason]", "被执行人已履行")
    await console.confirm()
    assert "已办理" in await console.notice()
    assert "已解除" in await console.text(f"tr[data-order='{order_id}']")


SUBMIT = """
mutation S($input: FreezeOrderSubmitInput!) {
  freezeOrderSubmit(input: $input) { order { id } errors { code message } }
}
"""


async def test_the_registry_rejects_an_order_with_its_reason(
    console: Console, units_to_seize: list[tuple[str, str, str]], graphql: Any
) -> None:
    case, _, unit = units_to_seize[1]
    # the officer has the inbox open before the order exists: it appears by itself
    await console.sign_in("registry-wang")
    await console.page.wait_for_selector("h1:has-text('协助执行收件箱')", timeout=WAIT_MS)
    await asyncio.sleep(0.5)  # the page's subscription is connected
    body = graphql(
        "judge-zhang",
        SUBMIT,
        {
            "input": {
                "kind": "SEIZE",
                "asset": {"type": "REAL_ESTATE", "id": unit},
                "caseNumber": case,
                "rulingNumber": "（2026）鲁0602执保2号",
                "idempotencyKey": f"e2e-reject-{unit}",
                # (the demo case may recover less than half the unit's known value)
                "overSeizureReason": "端到端测试",
            }
        },
    )
    assert body["data"]["freezeOrderSubmit"]["errors"] == [], body
    order_id = body["data"]["freezeOrderSubmit"]["order"]["id"]
    row = f"tr[data-order='{order_id}']"
    await console.page.wait_for_selector(row, timeout=WAIT_MS)  # no reload, no navigation
    await console.page.click(f"[data-reject='{order_id}']")
    # the reason is required: an empty form is not sent
    await console.page.click("dialog button[type=submit]")
    assert await console.page.locator("dialog[open]").count() == 1
    assert await console.page.locator(row).count() == 1
    await console.page.fill("dialog input[name=reason]", "该不动产单元已注销")
    await console.confirm()
    await console.page.wait_for_selector(row, state="detached", timeout=WAIT_MS)
    await console.go("#/handled", f"tr >> text={unit}")
    handled = await console.text("main")
    assert "已退回" in handled and "该不动产单元已注销" in handled
    await console.shot("agency-handled")
    status = graphql(
        "judge-zhang",
        "query O($id: String!) { freezeOrder(id: $id) { status closedReason } }",
        {"id": order_id},
    )["data"]["freezeOrder"]
    assert status == {"status": "REJECTED", "closedReason": "该不动产单元已注销"}


async def test_judge_publishes_and_revokes_a_list_entry(console: Console, graphql: Any) -> None:
    case, id_number, _ = respondents(graphql)[-1]
    await console.sign_in("judge-zhang")
    await console.go(f"#/lookup?kind=PERSON&id={id_number}&case={case}", "#sanction-publish")
    before = await console.page.locator("[data-section='legal'] [data-revoke]").count()
    await console.page.click("#sanction-publish")
    await console.page.select_option("dialog select[name=list]", "CONSUMPTION_RESTRICTION")
    assert "限制被执行人高消费" in await console.page.input_value("dialog input[name=legalBasis]")
    # the ground (情形) follows the list: 法释〔2015〕17号 第一条 for a consumption restriction
    await console.page.select_option("dialog select[name=ground]", "NOT_PERFORMED")
    # a publication date in the future is refused in plain words and publishes nothing
    await console.page.fill("dialog input[name=obligation]", "支付借款本金及利息")
    await console.page.fill("dialog input[name=publishedOn]", "2099-01-01")
    await console.page.click("dialog button[type=submit]")
    await console.page.wait_for_selector("dialog [role=alert]:not(:empty)", timeout=WAIT_MS)
    assert "输入有误" in await console.text("dialog [role=alert]")
    await console.page.fill("dialog input[name=publishedOn]", "")
    await console.page.evaluate(
        "document.querySelector('dialog input[name=publishedOn]').valueAsDate = new Date()"
    )
    await console.confirm()
    assert "已办理" in await console.notice()
    revoke = console.page.locator("[data-section='legal'] [data-revoke]")
    assert await revoke.count() == before + 1
    entry_id = await revoke.last.get_attribute("data-revoke")
    check = (
        'query C($id: String!) { sanctionCheck(subject: {idNumber: $id}, matter: "XF-PROPERTY")'
        " { decision entries { entryId } } }"
    )
    listed = graphql("approval-registry", check, {"id": id_number})["data"]["sanctionCheck"]
    assert listed["decision"] == "BLOCK"
    assert entry_id in [e["entryId"] for e in listed["entries"]]
    await console.page.click(f"[data-revoke='{entry_id}']")
    # 解除 on performance (法释〔2015〕17号 第九条)
    await console.page.select_option("dialog select[name=ground]", "PERFORMED")
    await console.page.fill("dialog input[name=reason]", "已履行完毕")
    await console.confirm()
    assert "已办理" in await console.notice()
    assert await console.page.locator(f"[data-revoke='{entry_id}']").count() == 0
    after = graphql("approval-registry", check, {"id": id_number})["data"]["sanctionCheck"]
    assert entry_id not in [e["entryId"] for e in after["entries"]]


# --- an agency officer: masked and denied ------------------------------------------------------


async def test_registry_officer_sees_masked_identity_and_no_permission_sections(
    console: Console, respondent: tuple[str, str, str]
) -> None:
    _, id_number, name = respondent
    await console.sign_in("registry-wang")
    await console.go(f"#/lookup?kind=PERSON&id={id_number}", "#profile")
    masked = console.page.locator("[data-section='identity'] [data-field='name'] .masked")
    assert await masked.count() == 1
    shown = await masked.inner_text()
    assert "*" in shown and shown != name
    assert name not in await console.page.inner_text("main")
    for section in ("insurance", "qualifications", "enterpriseRoles", "legal"):
        denied = console.page.locator(f"[data-section='{section}'] .denied")
        assert await denied.count() == 1, section
        assert await denied.inner_text() == "无权限查看"
    # a field refused inside a granted section is refused in place
    assert (
        await console.page.locator("[data-section='identity'] [data-field='phone'] .denied").count()
        == 1
    )
    await console.shot("registry-masked-and-denied")


# --- the auditor -------------------------------------------------------------------------------


async def test_auditor_finds_the_judges_access(
    console: Console, respondent: tuple[str, str, str]
) -> None:
    case, id_number, _ = respondent
    await console.sign_in("judge-zhang")
    await console.go(f"#/lookup?kind=PERSON&id={id_number}&case={case}", "#profile")
    await console.sign_out()

    await console.sign_in("auditor-sun")
    await console.page.wait_for_selector("#audit-filter", timeout=WAIT_MS)
    await console.page.fill("#filter-userId", "judge-zhang")
    await console.page.fill("#filter-subjectIdNumber", id_number)
    await console.page.click("#audit-filter button[type=submit]")
    await console.page.wait_for_function("() => location.hash.includes('userId=judge-zhang')")
    await console.ready()
    await console.page.wait_for_selector("#audit-results tbody tr", timeout=WAIT_MS)
    rows = await console.page.locator("#audit-results tbody tr").all_inner_texts()
    masked = id_number[:2] + "*" * 14 + id_number[-2:]  # the auditor sees ID numbers masked
    assert rows and all("judge-zhang" in r and masked in r for r in rows)
    assert not any(id_number in r for r in rows)
    assert any(case in r and "查看全息视图" in r for r in rows)
    await console.shot("auditor-log", full_page=False)

    # flagged entries are highlighted: the same judge without a case is refused and flagged
    await console.page.select_option("#filter-flag", "NO_CASE")
    await console.page.fill("#filter-subjectIdNumber", "")
    await console.page.click("#audit-filter button[type=submit]")
    await console.page.wait_for_function("() => location.hash.includes('flag=NO_CASE')")
    await console.ready()
    rows = console.page.locator("#audit-results tbody tr")
    assert await rows.count() > 0
    assert (
        await rows.count() == await console.page.locator("#audit-results tbody tr.flagged").count()
    )

    # the person's access history, from a subject in the log
    await console.page.click("#audit-results a.subject-link >> nth=0")
    await console.page.wait_for_function("() => location.hash.startsWith('#/audit/history')")
    await console.ready()
    await console.go(f"#/audit/history?id={id_number}", "#history-results tbody tr")
    history = await console.text("#history-results")
    assert "judge-zhang" in history and case in history
    await console.shot("auditor-history", full_page=False)


async def test_auditor_filter_refuses_a_bad_time_range(console: Console) -> None:
    await console.sign_in("auditor-sun")
    await console.page.wait_for_selector("#audit-filter", timeout=WAIT_MS)
    await console.page.fill("#filter-from", "2026-03-02")
    await console.page.fill("#filter-to", "2026-03-01")
    await console.page.click("#audit-filter button[type=submit]")
    assert "起始时间须早于结束时间" in await console.notice()


async def test_auditor_chart_of_accesses_per_agency_and_denied(
    console: Console, graphql: Any, respondent: tuple[str, str, str]
) -> None:
    case, id_number, _ = respondent
    graphql("judge-zhang", ASSETS, {"id": id_number, "case": case})  # one access today
    graphql("judge-zhang", ASSETS, {"id": id_number})  # one denied attempt (no case)
    await console.sign_in("auditor-sun")
    await console.go("#/audit/chart", "#activity-chart svg")
    bars = await console.page.locator("#activity-chart svg rect").count()
    assert bars > 0
    legend = await console.text("#activity-chart .legend")
    assert "不动产登记机构" in legend and "被拒绝" in legend
    assert await console.page.locator("#activity-chart rect[fill='#b3261e']").count() >= 2
    await console.shot("auditor-chart")


async def test_auditor_verifies_the_log_now(console: Console) -> None:
    await console.sign_in("auditor-sun")
    await console.go("#/audit/integrity", "#verify-now")
    await console.page.wait_for_selector("#checkpoint-size", timeout=WAIT_MS)
    assert int(await console.text("#checkpoint-size")) > 0
    await console.page.click("#verify-now")
    await console.page.wait_for_selector("#verify-status", timeout=60_000)
    assert "校验通过" in await console.text("#verify-status")
    await console.shot("auditor-integrity")


async def test_a_verification_asked_within_the_pause_shows_the_last_report(
    console: Console,
) -> None:
    # given a verification done (the one above, or this one's own)
    await console.sign_in("auditor-sun")
    await console.go("#/audit/integrity", "#verify-now")
    await console.page.click("#verify-now")
    await console.page.wait_for_selector("#verify-status", timeout=60_000)

    # and the hub answering a new start as one within its pause does (this hub pauses 0 s)
    async def paused(route: Any) -> None:
        body = route.request.post_data_json or {}
        if "auditIntegrityStart" not in str(body.get("query", "")):
            await route.continue_()
            return
        await route.fulfill(
            status=200,
            json={
                "data": None,
                "errors": [
                    {
                        "message": "verification 1 finished …; another may start from …",
                        "path": ["auditIntegrityStart"],
                        "extensions": {"code": "RATE_LIMITED", "reason": "PAUSE"},
                    }
                ],
            },
        )

    await console.page.route("**/graphql", paused)
    try:
        # when the auditor asks again
        await console.page.reload()
        await console.page.wait_for_selector("#verify-now", timeout=WAIT_MS)
        await console.page.click("#verify-now")
        # then the page says none was started and shows the last verification's report
        await console.page.wait_for_selector("#verify-paused", timeout=60_000)
        assert "稍后方可再次发起" in await console.text("#verify-paused")
        assert "校验通过" in await console.text("#verify-status")
    finally:
        await console.page.unroute("**/graphql", paused)


# --- the approval system -----------------------------------------------------------------------


async def test_approval_system_check_blocks_a_listed_person(
    console: Console, graphql: Any, hub: Server
) -> None:
    # a listed person, from the hub's own database (the feed shows no one's ID number in clear)
    with sqlite3.connect(hub.data_dir / "hub.sqlite3") as db:
        (listed,) = db.execute(
            "SELECT subject_id FROM sanction_entries WHERE subject_kind = 'PERSON'"
            " AND status = 'ACTIVE' AND list = 'DISHONEST'"
            " AND (ends_on IS NULL OR ends_on >= date('now', '+8 hours')) ORDER BY id LIMIT 1"
        ).fetchone()
    matters = graphql("approval-market", "{ sanctionMatters { code lists subjects checkable } }")
    # a matter market supervision grants (an approval system checks only its own department's)
    matter = next(
        m["code"]
        for m in matters["data"]["sanctionMatters"]
        if "DISHONEST" in m["lists"] and "PERSON" in m["subjects"] and m["checkable"]
    )
    await console.sign_in("approval-market")
    await console.page.wait_for_selector("#check-matter", timeout=WAIT_MS)
    await console.page.select_option("#check-matter", matter)
    await console.page.fill("#check-id", listed)
    await console.page.click("form:has(#check-id) button[type=submit]")
    await console.page.wait_for_selector("#check-decision", timeout=WAIT_MS)
    assert "拦截" in await console.text("#check-decision")
    await console.shot("approval-check")


# --- a narrow window ---------------------------------------------------------------------------


async def _no_sideways_scroll(tab: Console) -> None:
    width = await tab.page.evaluate("document.documentElement.scrollWidth")
    viewport = await tab.page.evaluate("window.innerWidth")
    assert width <= viewport + 1, (width, viewport)


async def test_the_pages_fit_a_narrow_window(
    narrow: Console, respondent: tuple[str, str, str]
) -> None:
    case, id_number, _ = respondent
    await narrow.sign_in("judge-zhang")
    await narrow.page.wait_for_selector("a.party-link", timeout=WAIT_MS)
    await _no_sideways_scroll(narrow)
    await narrow.go(f"#/lookup?kind=PERSON&id={id_number}&case={case}", "#profile")
    await _no_sideways_scroll(narrow)
    await narrow.shot("narrow-judge-profile")
    await narrow.go("#/orders", "h1")
    await _no_sideways_scroll(narrow)
    await narrow.sign_out()
    await narrow.sign_in("auditor-sun")
    await narrow.page.wait_for_selector("#audit-results tbody tr", timeout=WAIT_MS)
    await _no_sideways_scroll(narrow)
    await narrow.go("#/audit/chart", "#activity-chart svg")
    await _no_sideways_scroll(narrow)


async def test_verify_now_names_an_altered_entry(
    console: Console, hub: Server, graphql: Any
) -> None:
    """Runs last: it alters an entry behind the triggers' back, then puts it back."""
    graphql("judge-zhang", CASES)  # at least one entry
    engine = create_hub_engine(Settings.from_env({"HUB_DATA_DIR": str(hub.data_dir)}).database_url)
    e = audit_entries
    try:
        row = None
        for _ in range(50):  # the integrator puts it in the tree within a second
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        select(e.c.id, e.c.content)
                        .join(audit_leaves, audit_leaves.c.entry_id == e.c.id)
                        .where(e.c.content.is_not(None))
                        .order_by(e.c.id)
                        .limit(1)
                    )
                ).first()
            if row is not None:
                break
            await asyncio.sleep(0.1)
        assert row is not None
        await tamper(engine, update(e).where(e.c.id == row.id).values(content=row.content + " "))
        try:
            await console.sign_in("auditor-sun")
            await console.go("#/audit/integrity", "#verify-now")
            await console.page.click("#verify-now")
            await console.page.wait_for_selector("#verify-status", timeout=60_000)
            assert "校验失败" in await console.text("#verify-status")
            assert f"entry {row.id}" in await console.text("#verify-result")
            await console.shot("auditor-integrity-failed")
        finally:
            await tamper(engine, update(e).where(e.c.id == row.id).values(content=row.content))
    finally:
        await engine.dispose()
    await console.page.click("#verify-now")
    await console.page.wait_for_function(
        "() => (document.getElementById('verify-status') || {}).textContent?.includes('校验通过')",
        timeout=60_000,
    )
