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
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

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
