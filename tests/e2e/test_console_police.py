"""The console's police-assistance pages (公安协助): the judge files a 查人 request and follows it,
public security answers it from its inbox, the judge reads the answer (docs/police.md)."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import WAIT_MS, Console

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
