"""The console's police-assistance pages (公安协助): the judge files a 查人 request and follows it,
public security answers it from its inbox, the judge reads the answer; a 车辆布控 from filing to
the vehicle handed over and a 限制出境 from filing to its lifting, the judge's page following what
public security does (docs/police.md)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from hub.orders.models import freeze_orders
from tests.e2e.conftest import DESKTOP, WAIT_MS, Console, _measure
from tests.hub.test_serve import Server

MINE = "{ policeRequests(first: 1) { nodes { id kind status caseNumber } } }"


async def test_judge_files_a_locate_request_and_reads_the_police_answer(
    console: Console, graphql: Any, demo: dict[str, Any]
) -> None:
    sample = demo["samples"]["persons"][0]
    # given the judge on the police-assistance page
    await console.sign_in("judge-zhang")
    await console.go("#/police", "#police-new-locate")
    # when they file a 查人 request for a respondent of their case
    await console.page.click("#police-new-locate")
    await console.page.fill("#police-caseNumber", sample["caseNumber"])
    await console.page.fill("#police-subject", sample["idNumber"])
    await console.page.fill("#police-rulingNumber", "（2026）鲁0602执1号之一")
    await console.page.fill("#police-reason", "被执行人下落不明，请求查找")
    await console.shot("judge-police-file", full_page=False)
    await console.confirm()
    mine = graphql("judge-zhang", MINE)["data"]["policeRequests"]["nodes"][0]
    assert (mine["kind"], mine["status"], mine["caseNumber"]) == (
        "LOCATE",
        "OPEN",
        sample["caseNumber"],
    )
    request_id = mine["id"]
    await console.page.wait_for_selector(f"tr[data-police='{request_id}']", timeout=WAIT_MS)
    await console.sign_out()
    # then public security finds it in its inbox and answers
    await console.sign_in("police-chen")
    await console.go("#/police-inbox", f"tr[data-police='{request_id}']")
    await console.shot("police-inbox")
    await console.page.click(f"[data-answer='{request_id}']")
    # the dialog first shows what public security's registers hold on the respondent
    await console.page.wait_for_selector("#answer-holdings", timeout=WAIT_MS)
    await console.page.fill("#answer-place", "烟台市芝罘区某宾馆")
    await console.confirm()
    await console.page.wait_for_selector(
        f"tr[data-police='{request_id}']", state="detached", timeout=WAIT_MS
    )
    await console.sign_out()
    # and the judge reads the answer and what happened
    await console.sign_in("judge-zhang")
    await console.go("#/police", f"tr[data-police='{request_id}'][data-status='ANSWERED']")
    row = await console.text(f"tr[data-police='{request_id}']")
    assert "已答复" in row and "住宿登记" in row and "烟台市芝罘区某宾馆" in row
    await console.page.click(f"button[data-events='{request_id}']")
    await console.page.wait_for_selector(f"ol[data-events='{request_id}'] li", timeout=WAIT_MS)
    events = await console.text(f"ol[data-events='{request_id}']")
    assert "提出请求" in events and "公安答复" in events
    await console.shot("judge-police-answered")
    assert console.errors == []


ONE = """query R($id: String!) { policeRequest(id: $id) {
  kind status plate orderId termEnd basis receiptNumber
  handOver { receiptNumber place } events { event checkpoint place } } }"""


@pytest.fixture
async def police_tab(browser: Any, hub: Server, screenshots: Path) -> AsyncIterator[Console]:
    """A second browser, public security's, beside the judge's (which stays on its page)."""
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    tab = Console(await context.new_page(), hub.base_url, screenshots)
    try:
        yield tab
    finally:
        await context.close()
    assert not tab.errors, tab.errors


@pytest.fixture
def seized_vehicle(hub: Server, demo: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(case, respondent, order id, plate): an EFFECTIVE seizure of a vehicle of a respondent of
    the demo judge's case, written into the hub's table (the test's own row); released and taken
    out again at the end."""
    sample = demo["samples"]["persons"][1]
    tag = secrets.token_hex(5).upper()
    order_id, plate = f"FO-2026-{tag}", f"鲁Y{int(tag, 16) % 100000:05d}"
    start = date.today() - timedelta(days=10)
    row = _measure(
        order_id,
        sample["idNumber"],
        sample["caseNumber"],
        "370602",
        "EFFECTIVE",
        rank=1,
        asset=("SEIZE", "VEHICLE", plate, "public_security"),
        start=start,
        end=start + timedelta(days=730),
    )
    engine = create_engine(f"sqlite:///{hub.data_dir / 'hub.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(freeze_orders.insert(), [row])
        yield sample["caseNumber"], sample["idNumber"], order_id, plate
        with engine.begin() as conn:
            conn.execute(freeze_orders.delete().where(freeze_orders.c.id == order_id))
    finally:
        engine.dispose()


async def test_a_vehicle_watch_from_filing_to_hand_over(
    console: Console, police_tab: Console, graphql: Any, seized_vehicle: tuple[str, str, str, str]
) -> None:
    case, respondent, order_id, plate = seized_vehicle
    police = police_tab
    # given the judge files a 车辆布控 of the vehicle their case's order seizes
    await console.sign_in("judge-zhang")
    await console.go("#/police", "#police-new-watch")
    await console.page.click("#police-new-watch")
    await console.page.fill("#police-caseNumber", case)
    await console.page.fill("#police-subject", respondent)
    await console.page.fill("#police-rulingNumber", "（2026）鲁0602执1号之二")
    await console.page.fill("#police-reason", "查封车辆下落不明，请求布控")
    await console.page.fill("#police-orderId", order_id)
    await console.confirm()
    mine = graphql("judge-zhang", MINE)["data"]["policeRequests"]["nodes"][0]
    assert (mine["kind"], mine["status"], mine["caseNumber"]) == ("VEHICLE_WATCH", "OPEN", case)
    request_id = mine["id"]
    row = f"tr[data-police='{request_id}']"
    await console.page.wait_for_selector(f"{row}[data-status='OPEN']", timeout=WAIT_MS)
    assert plate in await console.text(row)
    # the page stays as it is while nothing happens (following a request replays none of it)
    await console.page.evaluate("s => { document.querySelector(s).dataset.mark = 'kept' }", row)
    await asyncio.sleep(2)
    assert await console.page.locator(f"{row}[data-mark='kept']").count() == 1
    # (the judge's page stays open from here on: what public security does appears by itself)
    await police.sign_in("police-chen")
    await police.go("#/police-inbox", row)
    # when public security confirms the watch in place with its receipt number
    await police.page.click(f"[data-confirm='{request_id}']")
    await police.page.fill("dialog input[name=receipt]", "烟公交布字〔2026〕17号")
    await police.confirm()
    await police.page.wait_for_selector(f"{row}[data-status='WATCHING']", timeout=WAIT_MS)
    # then the judge's page shows it in place, with the receipt
    await console.page.wait_for_selector(f"{row}[data-status='WATCHING']", timeout=WAIT_MS)
    watching = await console.text(row)
    assert "布控中" in watching and "烟公交布字〔2026〕17号" in watching
    # when public security records a sighting
    await police.page.click(f"[data-sighting='{request_id}']")
    await police.page.fill("dialog input[name=checkpoint]", "G20青银高速潍坊东收费站卡口")
    await police.page.fill("dialog input[name=place]", "山东省潍坊市奎文区")
    await police.confirm()
    await police.shot("police-inbox-watch")
    # then it reaches the judge's page without a reload
    sighting = f"{row} [data-last-sighting='{request_id}']"
    await console.page.wait_for_selector(
        f"{sighting}:has-text('G20青银高速潍坊东收费站卡口')", timeout=WAIT_MS
    )
    assert "山东省潍坊市奎文区" in await console.text(sighting)
    await console.shot("judge-police-watch")
    # when the judge asks for the vehicle to be stopped and handed over (查扣)
    await console.page.click(f"[data-stop='{request_id}']")
    await console.page.fill("dialog input[name=reason]", "请依法扣押并移交本院")
    await console.confirm()
    await console.page.wait_for_selector(f"{row}[data-status='STOP_REQUESTED']", timeout=WAIT_MS)
    assert "待查扣" in await console.text(row)
    # and public security hands it over with a receipt
    await police.page.reload()
    await police.ready()
    await police.page.click(f"{row}[data-status='STOP_REQUESTED'] [data-handover='{request_id}']")
    await police.page.fill("dialog input[name=receiptNumber]", "烟公交移字〔2026〕5号")
    await police.page.fill("dialog input[name=place]", "烟台市公安局交警支队停车场")
    await police.confirm()
    await police.page.wait_for_selector(row, state="detached", timeout=WAIT_MS)
    # then the judge sees it handed over, with the receipt, and what happened
    await console.page.wait_for_selector(f"{row}[data-status='HANDED_OVER']", timeout=WAIT_MS)
    done = await console.text(row)
    assert "已移交" in done and "烟公交移字〔2026〕5号" in done and "停车场" in done
    await console.page.click(f"button[data-events='{request_id}']")
    await console.page.wait_for_selector(f"ol[data-events='{request_id}'] li", timeout=WAIT_MS)
    events = await console.text(f"ol[data-events='{request_id}']")
    for said in ("提出请求", "公安确认", "发现车辆", "请求查扣", "车辆移交"):
        assert said in events, events
    # and the API holds the same
    held = graphql("judge-zhang", ONE, {"id": request_id})["data"]["policeRequest"]
    assert (held["status"], held["plate"], held["orderId"]) == ("HANDED_OVER", plate, order_id)
    assert held["handOver"]["receiptNumber"] == "烟公交移字〔2026〕5号"
    assert [e["event"] for e in held["events"]] == [
        "FILED",
        "CONFIRMED",
        "SIGHTING",
        "STOP_REQUESTED",
        "HANDED_OVER",
    ]
    assert held["events"][2]["checkpoint"] == "G20青银高速潍坊东收费站卡口"


async def test_an_exit_ban_in_force_then_lifted(
    console: Console, police_tab: Console, graphql: Any, demo: dict[str, Any]
) -> None:
    sample = demo["samples"]["persons"][2]
    police = police_tab
    term_end = (date.today() + timedelta(days=180)).isoformat()
    # given the judge files a 限制出境 on the applicant's written application
    await console.sign_in("judge-zhang")
    await console.go("#/police", "#police-new-exit")
    await console.page.click("#police-new-exit")
    await console.page.fill("#police-caseNumber", sample["caseNumber"])
    await console.page.fill("#police-subject", sample["idNumber"])
    await console.page.fill("#police-rulingNumber", "（2026）鲁0602执1号之三")
    await console.page.fill("#police-reason", "被执行人有出境可能，申请执行人书面申请限制出境")
    await console.page.fill("#police-termEnd", term_end)
    await console.page.select_option("#police-basis", "APPLICATION")
    await console.confirm()
    mine = graphql("judge-zhang", MINE)["data"]["policeRequests"]["nodes"][0]
    assert (mine["kind"], mine["status"], mine["caseNumber"]) == (
        "EXIT_BAN",
        "OPEN",
        sample["caseNumber"],
    )
    request_id = mine["id"]
    row = f"tr[data-police='{request_id}']"
    await console.page.wait_for_selector(f"{row}[data-status='OPEN']", timeout=WAIT_MS)
    assert f"限制出境 至 {term_end}（依申请）" in await console.text(row)
    # when public security confirms it in force
    await police.sign_in("police-chen")
    await police.go("#/police-inbox", row)
    await police.page.click(f"[data-confirm='{request_id}']")
    await police.page.fill("dialog input[name=receipt]", "鲁公边控字〔2026〕31号")
    await police.confirm()
    await police.page.wait_for_selector(row, state="detached", timeout=WAIT_MS)
    # then the judge's page shows it in force (without a reload)
    await console.page.wait_for_selector(f"{row}[data-status='IN_FORCE']", timeout=WAIT_MS)
    assert "边控生效" in await console.text(row)
    # when the judge lifts it
    await console.page.click(f"[data-lift='{request_id}']")
    await console.page.fill("dialog input[name=reason]", "被执行人已履行全部义务")
    await console.confirm()
    await console.page.wait_for_selector(f"{row}[data-status='LIFT_REQUESTED']", timeout=WAIT_MS)
    # and public security confirms the lifting
    await police.page.reload()
    await police.ready()
    await police.page.click(f"{row}[data-status='LIFT_REQUESTED'] [data-confirm='{request_id}']")
    await police.page.fill("dialog input[name=receipt]", "鲁公边控解字〔2026〕9号")
    await police.confirm()
    await police.page.wait_for_selector(row, state="detached", timeout=WAIT_MS)
    # then the judge sees it lifted
    await console.page.wait_for_selector(f"{row}[data-status='LIFTED']", timeout=WAIT_MS)
    lifted = await console.text(row)
    assert "已解除" in lifted and "鲁公边控解字〔2026〕9号" in lifted
    await console.shot("judge-police-exit-ban")
    held = graphql("judge-zhang", ONE, {"id": request_id})["data"]["policeRequest"]
    assert (held["status"], held["termEnd"], held["basis"]) == ("LIFTED", term_end, "APPLICATION")
    assert held["receiptNumber"] == "鲁公边控解字〔2026〕9号"
    assert [e["event"] for e in held["events"]] == [
        "FILED",
        "CONFIRMED",
        "LIFT_REQUESTED",
        "LIFTED",
    ]
