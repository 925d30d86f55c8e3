"""End-to-end: `fyt serve --demo` as a subprocess, driven by headless Chromium (Playwright).

Chromium is the system's (Debian packages ``chromium`` and ``chromium-driver``; ``HUB_CHROMIUM``
names another binary). Without it these tests skip with the reason, unless
``HUB_TEST_REQUIRE_BROWSER`` is set (CI), where they fail. Screenshots of the main pages go to
``HUB_SCREENSHOT_DIR`` when set (``docs/screenshots`` keeps the README's), else to a temporary
directory.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from hub.orders.models import deposit_deductions, freeze_orders
from hub.sanctions.models import sanction_entries
from tests.hub.test_serve import Server, serving

CHROMIUM = os.environ.get("HUB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=zh-CN",
]
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}
WAIT_MS = 20_000
DEMO_PERSONS = 10_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _require_browser() -> None:
    reason = None
    if not Path(CHROMIUM).exists():
        reason = (
            f"no Chromium at {CHROMIUM}: install the Debian packages chromium and chromium-driver"
            " (or set HUB_CHROMIUM)"
        )
    else:
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            reason = "Playwright for Python is not installed: pip install -e '.[test]'"
    if reason:
        if os.environ.get("HUB_TEST_REQUIRE_BROWSER"):
            pytest.fail(reason + " (HUB_TEST_REQUIRE_BROWSER is set)")
        pytest.skip(reason)


@pytest.fixture(scope="package")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require_browser()
    root = tmp_path_factory.mktemp("console")
    # the demo as `fyt serve --demo` makes it (10,000 persons): the judge's open cases and list
    # entries fill more than a page of every list
    # the integrity page is verified after each change to the log (an altered entry, then the
    # entry put back), so the pause between two verifications is off here; the page's answer
    # to a verification asked within the pause is tested with the API's answer stubbed
    with serving(
        root / "fyt-data",
        root / "hub.log",
        persons=DEMO_PERSONS,
        wait=180,
        env={"HUB_AUDIT_VERIFY_PAUSE": "0"},
    ) as server:
        yield server


@pytest.fixture(scope="package")
def demo(hub: Server) -> dict[str, Any]:
    return json.loads((hub.data_dir / "demo-tokens.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="package")
def graphql(hub: Server, demo: dict[str, Any]) -> Any:
    """Set-up and cross-checks over the API, as a given demo user."""
    tokens = {u["id"]: u["token"] for u in demo["users"]}

    def run(user: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(
            f"{hub.base_url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {tokens[user]}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    return run


PARTY_ROLE = "enterprise_party"
MY_ENTERPRISE = """{ myEnterprise {
  uscc
  cases { caseNumber courtCode courtName kind cause status filedOn closedOn amount role
          deducted judges { name role } }
  measures { id kind assetType assetId courtCode courtName caseNumber status rank
             effectiveFrom expiresOn termMonths termDays renewals amount frozenAmount
             currency deducted }
  sanctions { id list courtCode caseNumber obligation publishedOn status revokedOn grounds
              termYears endsOn endGround }
} }"""


@pytest.fixture(scope="package")
def party(demo: dict[str, Any]) -> dict[str, Any]:
    """The demo enterprise party (企业授权人): its user id is the person's ID number."""
    users = [u for u in demo["users"] if PARTY_ROLE in u["roles"]]
    assert len(users) == 1, users
    return users[0]  # type: ignore[no-any-return]


@dataclass
class PartyWorld:
    """What the party's pages are filled with beyond the demo: measures on its assets in every
    registered state, and list entries in force and ended, on its own respondent case."""

    uscc: str
    case: str
    measures: dict[str, str]  # order id by the state it is in
    entries: dict[str, str]  # entry id by its status


def _measure(
    order_id: str,
    owner: str,
    case: str,
    court: str,
    status: str,
    *,
    rank: int | None,
    asset: tuple[str, str, str, str],
    start: date | None,
    end: date | None,
    renewals: int = 0,
    money: tuple[str, str, str] | None = None,  # a freeze of deposits: (asked, held now, currency)
) -> dict[str, Any]:
    kind, asset_type, asset_id, agency = asset
    now = datetime.now(UTC)
    amount, frozen, currency = money or (None, None, None)
    return {
        "id": order_id,
        "kind": kind,
        "asset_type": asset_type,
        "asset_id": asset_id,
        "agency": agency,
        "owner_id": owner,
        "court_code": court,
        "case_number": case,
        "ruling_number": case.replace("号", "号之一"),
        "term_months": {"VEHICLE": 24, "DEPOSIT": 12}.get(asset_type, 36),
        "status": status,
        "rank": rank,
        "submitted_by": "judge-e2e",
        "submitted_at": now,
        "effective_from": start,
        "expires_on": end,
        "renewals": renewals,
        "idempotency_key": secrets.token_hex(16),
        "payload_hash": "0" * 64,
        "updated_at": now,
        # every row names the same columns (an executemany takes the first row's)
        "amount": None if amount is None else Decimal(amount),
        "frozen_amount": None if frozen is None else Decimal(frozen),
        "currency": currency,
    }


@pytest.fixture(scope="package")
def party_world(hub: Server, party: dict[str, Any]) -> Iterator[PartyWorld]:
    """Measures and entries written straight into the hub's tables (the party's respondent case
    is another court's, so no demo judge can submit them); taken out again at the end."""
    body = httpx.post(
        f"{hub.base_url}/graphql",
        json={"query": MY_ENTERPRISE},
        headers={"Authorization": f"Bearer {party['token']}"},
        timeout=30,
    ).json()
    mine = body["data"]["myEnterprise"]
    uscc = mine["uscc"]
    case = next(c for c in mine["cases"] if c["role"] == "被执行人")
    number, court = case["caseNumber"], case["courtCode"]
    tag = secrets.token_hex(6).upper()
    serial = int(tag[:4], 16)
    unit = f"370613001001TS{serial:05d}F{serial:08d}"  # one unit: one in effect, one in line
    other = f"370613001001TS{serial + 1:05d}F{serial + 1:08d}"
    lapsed = f"370613001001TS{serial + 2:05d}F{serial + 2:08d}"
    plate = f"鲁Y{serial % 100000:05d}"
    account = f"998{serial:016d}"  # an account number no demo bank gives
    today = date.today()
    measures = {
        "EFFECTIVE": _measure(
            f"FO-2026-{tag}",
            uscc,
            number,
            court,
            "EFFECTIVE",
            rank=1,
            asset=("SEIZE", "REAL_ESTATE", unit, "real_estate"),
            start=date(2026, 7, 2),
            end=date(2029, 7, 1),
            renewals=1,
        ),
        "WAITING": _measure(
            f"FO-2026-{secrets.token_hex(6).upper()}",
            uscc,
            number,
            court,
            "WAITING",
            rank=2,
            asset=("SEIZE", "REAL_ESTATE", unit, "real_estate"),
            start=None,
            end=None,
        ),
        "RELEASED": _measure(
            f"FO-2026-{secrets.token_hex(6).upper()}",
            uscc,
            number,
            court,
            "RELEASED",
            rank=None,
            asset=("SEIZE", "REAL_ESTATE", other, "real_estate"),
            start=date(2026, 7, 3),
            end=date(2029, 7, 2),
        ),
        "EXPIRED": _measure(
            f"FO-2026-{secrets.token_hex(6).upper()}",
            uscc,
            number,
            court,
            "EXPIRED",
            rank=None,
            asset=("DETAIN", "VEHICLE", plate, "public_security"),
            start=today - timedelta(days=800),
            end=today - timedelta(days=70),
        ),
        "LAPSED_UNIT": _measure(
            f"FO-2026-{secrets.token_hex(6).upper()}",
            uscc,
            number,
            court,
            "EXPIRED",
            rank=None,
            asset=("SEIZE", "REAL_ESTATE", lapsed, "real_estate"),
            start=today - timedelta(days=1200),
            end=today - timedelta(days=105),
        ),
        "DEPOSIT": _measure(
            f"FO-2026-{secrets.token_hex(6).upper()}",
            uscc,
            number,
            court,
            "EFFECTIVE",
            rank=1,
            asset=("FREEZE", "DEPOSIT", account, "bank:102"),
            start=date(2026, 9, 1),
            end=date(2027, 8, 31),
            money=("600.00", "350.00", "CNY"),
        ),
    }
    now = datetime.now(UTC)
    deduction = {  # 250.00 deducted from the freeze of deposits, the bank's receipt on record
        "id": f"DD-2026-{tag}",
        "order_id": measures["DEPOSIT"]["id"],
        "court_code": court,
        "case_number": number,
        "bank": "bank:102",
        "account_number": account,
        "owner_id": uscc,
        "amount": Decimal("250.00"),
        "currency": "CNY",
        "ruling_number": number.replace("号", "号之三"),
        "payee": "执行款专户",
        "status": "DONE",
        "requested_by": "judge-e2e",
        "requested_at": now,
        "order_signature": "-",
        "transfer_number": f"102-HK-{tag}",
        "transferred_at": now,
        "receipt": "{}",
        "receipt_signature": "-",
        "idempotency_key": secrets.token_hex(16),
        "payload_hash": "0" * 64,
        "updated_at": now,
    }
    base = {
        "subject_kind": "ENTERPRISE",
        "subject_id": uscc,
        "name": "本企业",
        "court_code": court,
        "case_number": number,
        "obligation": "支付货款人民币100000元及利息",
        "legal_basis": "法释〔2017〕7号 第一条第（三）项",
        # every row names the same columns (an executemany takes the first row's)
        "revoked_on": None,
        "end_ground": None,
        "revoke_reason": None,
        "revoked_by": None,
    }
    entries = {
        "ACTIVE": {
            **base,
            "id": f"SX-{court}-2026-9{serial:05d}",
            "list": "DISHONEST",
            "published_on": today - timedelta(days=30),
            "status": "ACTIVE",
            "grounds": "EVADING",
            "term_years": 2,
            "ends_on": today - timedelta(days=30) + timedelta(days=730),
        },
        "DELETED": {
            **base,
            "id": f"SX-{court}-2026-8{serial:05d}",
            "list": "DISHONEST",
            "published_on": today - timedelta(days=400),
            "status": "DELETED",
            "grounds": "ASSET_REPORT",
            "term_years": 2,
            "ends_on": today - timedelta(days=400) + timedelta(days=730),
            "revoked_on": today - timedelta(days=20),
            "end_ground": "EARLY",
            "revoke_reason": "被执行人已履行",
            "revoked_by": "judge-e2e",
        },
    }
    engine = create_engine(f"sqlite:///{hub.data_dir / 'hub.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(freeze_orders.insert(), list(measures.values()))
            conn.execute(deposit_deductions.insert(), [deduction])
            conn.execute(sanction_entries.insert(), list(entries.values()))
        yield PartyWorld(
            uscc,
            number,
            {state: m["id"] for state, m in measures.items()},
            {status: e["id"] for status, e in entries.items()},
        )
        with engine.begin() as conn:
            conn.execute(
                deposit_deductions.delete().where(deposit_deductions.c.id == deduction["id"])
            )
            conn.execute(
                freeze_orders.delete().where(
                    freeze_orders.c.id.in_([m["id"] for m in measures.values()])
                )
            )
            conn.execute(
                sanction_entries.delete().where(
                    sanction_entries.c.id.in_([e["id"] for e in entries.values()])
                )
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="package")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("HUB_SCREENSHOT_DIR")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="package")
async def browser(hub: Server) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


class Console:
    """One browser tab on the console, with the page errors it saw (a test fails on any)."""

    def __init__(self, page: Any, base_url: str, shots: Path) -> None:
        self.page = page
        self.base_url = base_url
        self.shots = shots
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}")
                if m.type == "error" and "401" not in m.text
                else None
            ),
        )

    @property
    def url(self) -> str:
        return f"{self.base_url}/console/"

    async def open(self, hash_: str = "") -> None:
        await self.page.goto(self.url + hash_)

    async def sign_in(self, user: str) -> None:
        await self.open("#/signin")
        await self.page.click(f"[data-user='{user}']", timeout=WAIT_MS)
        await self.page.wait_for_selector("#who-name", timeout=WAIT_MS)
        await self.ready()  # the role's first page has loaded

    async def sign_out(self) -> None:
        await self.page.click("#sign-out")
        await self.page.wait_for_selector("#token-input", timeout=WAIT_MS)

    async def ready(self) -> None:
        """Until the page for the current address has finished loading."""
        await self.page.wait_for_function(
            "() => document.getElementById('app').dataset.ready === location.hash",
            timeout=WAIT_MS,
        )

    async def confirm(self) -> None:
        """Submit the open dialog; wait until it has closed and the page has reloaded."""
        await self.page.click("dialog button[type=submit]")
        await self.page.wait_for_selector("dialog", state="detached", timeout=WAIT_MS)
        await self.ready()

    async def go(self, hash_: str, ready: str) -> None:
        await self.page.evaluate("h => { location.hash = h }", hash_)
        await self.ready()
        await self.page.wait_for_selector(ready, timeout=WAIT_MS)

    async def text(self, selector: str) -> str:
        return await self.page.inner_text(selector, timeout=WAIT_MS)  # type: ignore[no-any-return]

    async def notice(self) -> str:
        await self.page.wait_for_selector("#notice:not([hidden])", timeout=WAIT_MS)
        return await self.text("#notice")

    async def shot(self, name: str, *, full_page: bool = True) -> None:
        """The page (or, ``full_page=False``, the window: the top of a long list)."""
        await self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page)


@pytest.fixture
async def console(browser: Any, hub: Server, screenshots: Path) -> AsyncIterator[Console]:
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = await context.new_page()
    tab = Console(page, hub.base_url, screenshots)
    try:
        yield tab
    finally:
        await context.close()
    assert not tab.errors, tab.errors


@pytest.fixture
async def narrow(browser: Any, hub: Server, screenshots: Path) -> AsyncIterator[Console]:
    context = await browser.new_context(viewport=NARROW, locale="zh-CN", is_mobile=True)
    page = await context.new_page()
    tab = Console(page, hub.base_url, screenshots)
    try:
        yield tab
    finally:
        await context.close()
    assert not tab.errors, tab.errors
