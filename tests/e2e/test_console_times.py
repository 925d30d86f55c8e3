"""Court time in a browser that is not in China: the console shows every moment in Beijing time
(Asia/Shanghai, named on the page) and reads every day and time typed in as Beijing time, in a
browser set to New York. The expected texts are worked out here with Python's zoneinfo, not by
the console."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import DESKTOP, WAIT_MS, Console
from tests.e2e.test_console import (  # noqa: F401  (units_to_seize is a fixture)
    SUBMIT,
    open_inbox_row,
    respondents,
    units_to_seize,
)
from tests.hub.test_serve import Server

SHANGHAI = ZoneInfo("Asia/Shanghai")
ELSEWHERE = "America/New_York"  # 12 or 13 hours behind Beijing
JUDGE_ENTRIES = """{ auditEvents(filter: {userId: "judge-zhang"}, first: 1) {
  nodes { id occurredAt } } }"""
CHECKPOINT = "{ auditCheckpoint { treeSize createdAt } }"
ORDER = "query O($id: String!) { freezeOrder(id: $id) { status receiptRegisteredAt } }"
LOOKUP = "query A($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) { identity { name } } }"


def beijing(moment: str | datetime) -> str:
    """How the console must show a moment: Beijing wall time, seconds, the zone named."""
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return f"{at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S} 北京时间"


def shown(text: str) -> datetime:
    """A moment as the console shows it, read back as Beijing time."""
    return datetime.strptime(text.removesuffix(" 北京时间"), "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=SHANGHAI
    )


@pytest.fixture
async def elsewhere(browser: Any, hub: Server, screenshots: Path) -> AsyncIterator[Console]:
    """A tab in a browser whose clock is New York's."""
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id=ELSEWHERE)
    page = await context.new_page()
    tab = Console(page, hub.base_url, screenshots)
    try:
        # the browser really is elsewhere: its own clock is not Beijing's
        offset = await page.evaluate("() => new Date().getTimezoneOffset()")
        assert offset in (240, 300), offset
        yield tab
    finally:
        await context.close()
    assert not tab.errors, tab.errors


async def test_a_known_instant_shows_in_beijing_time_in_a_browser_elsewhere(
    elsewhere: Console, graphql: Any
) -> None:
    # given a look-up by the judge, on record at a moment the API states with its offset
    case, id_number, _ = respondents(graphql)[0]
    graphql("judge-zhang", LOOKUP, {"id": id_number, "case": case})
    [entry] = graphql("auditor-sun", JUDGE_ENTRIES)["data"]["auditEvents"]["nodes"]
    # when the auditor, in a browser set to New York, opens the judge's accesses
    await elsewhere.sign_in("auditor-sun")
    await elsewhere.go("#/audit?userId=judge-zhang", f"tr[data-entry='{entry['id']}']")
    row = await elsewhere.text(f"tr[data-entry='{entry['id']}']")
    # then the entry's time is Beijing time, named so, whatever the browser's zone
    assert beijing(entry["occurredAt"]) in row, (entry, row)


async def test_the_integrity_page_signs_and_checks_on_one_clock(elsewhere: Console) -> None:
    # when the auditor, in New York, verifies the log moments after a checkpoint was signed
    await elsewhere.sign_in("auditor-sun")
    await elsewhere.go("#/audit/integrity", "#verify-now")
    await elsewhere.page.click("#verify-now")
    await elsewhere.page.wait_for_selector("#verify-status", timeout=60_000)
    now = datetime.now(UTC)
    times = {
        label: await elsewhere.text(f"dt:has-text('{label}') + dd")
        for label in ("签署时间", "校验时间")
    }
    signed, checked = shown(times["签署时间"]), shown(times["校验时间"])
    # then both read as Beijing time: the check is now, and the signature shortly before it
    # (not 8 or 13 hours apart)
    assert abs(checked - now) < timedelta(minutes=2), times
    assert timedelta(0) <= checked - signed < timedelta(minutes=10), times


async def test_a_receipt_time_typed_in_is_beijing_time(
    elsewhere: Console,
    graphql: Any,
    units_to_seize: list[tuple[str, str, str]],  # noqa: F811
) -> None:
    # (the console tests seize the first two units: this one takes the last)
    assert len(units_to_seize) >= 3, units_to_seize
    case, _, unit = units_to_seize[-1]
    body = graphql(
        "judge-zhang",
        SUBMIT,
        {
            "input": {
                "kind": "SEIZE",
                "asset": {"type": "REAL_ESTATE", "id": unit},
                "caseNumber": case,
                "rulingNumber": case.replace("号", "号之一"),
                "idempotencyKey": f"times-{unit}",
                "overSeizureReason": "被执行人无其他可供执行的财产",
            }
        },
    )
    order_id = body["data"]["freezeOrderSubmit"]["order"]["id"]
    # given the registry officer, in a browser set to New York, answers the order
    await elsewhere.sign_in("registry-wang")
    await open_inbox_row(elsewhere, order_id)
    await elsewhere.page.click(f"[data-accept='{order_id}']")
    field = elsewhere.page.locator("dialog input[name=registeredAt]")
    # the form offers now on Beijing's clock, and says so
    offered = datetime.strptime(await field.input_value(), "%Y-%m-%dT%H:%M").replace(
        tzinfo=SHANGHAI
    )
    assert abs(offered - datetime.now(UTC)) < timedelta(minutes=2), offered
    assert "北京时间" in await elsewhere.text("dialog")
    # when the officer types the registration time, this minute in Beijing (a receipt is
    # registered after the order's delivery, a few minutes' skew allowed: hub/orders/receipts.py)
    registered = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    await field.fill(f"{registered:%Y-%m-%dT%H:%M}")
    await elsewhere.page.fill("dialog input[name=documentNumber]", "烟不动产查字〔2026〕9号")
    await elsewhere.confirm()
    # then the hub holds that instant, not New York's 09:00 for Beijing's 09:00
    order = graphql("registry-wang", ORDER, {"id": order_id})["data"]["freezeOrder"]
    assert datetime.fromisoformat(order["receiptRegisteredAt"]) == registered, order


async def test_the_audit_log_filter_takes_court_days(elsewhere: Console, graphql: Any) -> None:
    # given a look-up by the judge just now
    case, id_number, _ = respondents(graphql)[0]
    graphql("judge-zhang", LOOKUP, {"id": id_number, "case": case})
    [entry] = graphql("auditor-sun", JUDGE_ENTRIES)["data"]["auditEvents"]["nodes"]
    today = datetime.fromisoformat(entry["occurredAt"]).astimezone(SHANGHAI).date()
    sent: list[dict[str, Any]] = []
    await elsewhere.sign_in("auditor-sun")
    elsewhere.page.on(
        "request",
        lambda r: (
            sent.append(json.loads(r.post_data))
            if r.url.endswith("/graphql") and r.post_data and "auditEvents" in r.post_data
            else None
        ),
    )
    # when the auditor, in New York, asks for the judge's accesses from and to that court day
    await elsewhere.page.wait_for_selector("#audit-filter", timeout=WAIT_MS)
    await elsewhere.page.fill("#filter-userId", "judge-zhang")
    await elsewhere.page.fill("#filter-from", today.isoformat())
    await elsewhere.page.fill("#filter-to", today.isoformat())
    await elsewhere.page.click("#audit-filter button[type=submit]")
    await elsewhere.page.wait_for_function("() => location.hash.includes('userId=judge-zhang')")
    await elsewhere.ready()
    # then the day asked for is the court's day, 00:00 to 24:00 Beijing time, both ends given
    # with their offset
    assert sent[-1]["variables"]["filter"] == {
        "userId": "judge-zhang",
        "from": f"{today}T00:00:00+08:00",
        "to": f"{today + timedelta(days=1)}T00:00:00+08:00",
    }
    # and the judge's look-up is found in it
    await elsewhere.page.wait_for_selector(f"tr[data-entry='{entry['id']}']", timeout=WAIT_MS)
