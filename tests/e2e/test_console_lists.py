"""Every list of the console pages and says how many rows it holds; the judge finds any case.

The demo judge has 176 open cases, more than a page: the sample cases `fyt demo info` prints are
the oldest, so the first page does not show them. They are reached by 加载更多 and by a search
on the case number, from the case list and from the look-up form's case picker.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.e2e.conftest import WAIT_MS, Console

COUNT = """query($filter: CaseFilter) { assignedCases(filter: $filter, first: 1) { totalCount } }"""
ENTRY_COUNT = "{ sanctionEntries(first: 1) { totalCount } }"
ORDER_COUNT = "{ freezeOrders(first: 1) { totalCount } }"
EVENT_COUNT = """query($f: AuditEventFilter) { auditEvents(filter: $f, first: 1) { totalCount } }"""


def total_of(text: str) -> int:
    """N of "共 N 条" / "共 N 件" (and "，已显示 M …" when not all are shown)."""
    found = re.search(r"共 (\d+) [条件]", text)
    assert found, text
    return int(found.group(1))


def shown_of(text: str) -> int:
    found = re.search(r"已显示 (\d+) [条件]", text)
    return int(found.group(1)) if found else total_of(text)


async def rows(console: Console, selector: str) -> int:
    return await console.page.locator(selector).count()  # type: ignore[no-any-return]


async def test_the_last_sample_case_is_reached_from_the_case_list(
    console: Console, demo: dict[str, Any], graphql: Any
) -> None:
    sample = demo["samples"]["enterprises"][-1]
    case, uscc = sample["caseNumber"], sample["uscc"]
    row = f"#cases-list tr[data-case='{case}']"
    total = graphql("judge-zhang", COUNT, {"filter": {"status": "OPEN"}})["data"]["assignedCases"]
    assert total["totalCount"] > 50  # more than one page
    # when the judge signs in (the case list is the first page)
    await console.sign_in("judge-zhang")
    # then the list says how many open cases there are, shows the first 50, not the sample's
    said = await console.text("#cases-list-total")
    assert total_of(said) == total["totalCount"] and shown_of(said) == 50
    assert await rows(console, "#cases-list tbody tr") == 50
    assert await rows(console, row) == 0
    # when the judge loads more until the sample's case is there
    for _ in range(10):
        if await rows(console, row):
            break
        before = await rows(console, "#cases-list tbody tr")
        await console.page.click("#cases-list-more")
        await console.page.wait_for_function(
            f"() => document.querySelectorAll('#cases-list tbody tr').length > {before}",
            timeout=WAIT_MS,
        )
    # then it is listed, and the count of those shown follows
    assert await rows(console, row) == 1
    shown = await rows(console, "#cases-list tbody tr")
    assert shown_of(await console.text("#cases-list-total")) == shown

    # when the judge searches for it by part of its number instead
    term = case[-9:]  # the court's code, the type and the serial: 602执1119号
    await console.page.fill("#cases-search", term)
    await console.page.click("#cases-filter button[type=submit]")
    await console.page.wait_for_function("() => location.hash.includes('q=')")
    await console.ready()
    # then it is on the first page, with every case that holds the term, and counted
    assert await rows(console, row) == 1
    listed = await console.page.locator("#cases-list tbody tr").all_inner_texts()
    assert all(term in r for r in listed)
    assert total_of(await console.text("#cases-list-total")) == len(listed)
    await console.shot("judge-cases-search")
    # and its party opens with the case as the purpose of the look-up
    await console.page.click(f"{row} a.party-link[href*='{uscc}']")
    await console.page.wait_for_selector("#profile", timeout=WAIT_MS)
    assert sample["name"] in await console.text("#profile h1")
    assert await console.page.input_value("#case-select") == case


async def test_the_look_up_forms_case_picker_finds_the_last_sample_case(
    console: Console, demo: dict[str, Any]
) -> None:
    sample = demo["samples"]["enterprises"][-1]
    case = sample["caseNumber"]
    await console.sign_in("judge-zhang")
    await console.go("#/lookup", "#lookup-form")
    # the picker offers the newest cases first: the sample's is not among them
    options = await console.page.locator("#case-select option").all_inner_texts()
    assert not any(case in o for o in options)
    assert "共" in await console.text("#case-select-total")
    # when the judge types part of its number (ASCII brackets are fine)
    term = case.replace("（", "(").replace("）", ")")
    await console.page.fill("#case-select-search", term)
    await console.page.press("#case-select-search", "Enter")
    # then the case is found and chosen
    await console.page.wait_for_function(
        f"() => document.getElementById('case-select').value === {json.dumps(case)}",
        timeout=WAIT_MS,
    )
    assert "共 1 件" in await console.text("#case-select-total")
    # and the look-up of its party with it as the purpose shows the profile
    await console.page.select_option("#subject-kind", "ENTERPRISE")
    await console.page.fill("#subject-id", sample["uscc"])
    await console.page.click("#lookup-form button[type=submit]")
    await console.page.wait_for_selector("#profile", timeout=WAIT_MS)
    assert sample["name"] in await console.text("#profile h1")
    assert await console.page.input_value("#case-select") == case


async def test_the_order_forms_case_picker_finds_a_case_by_number(
    console: Console, demo: dict[str, Any]
) -> None:
    case = demo["samples"]["persons"][-1]["caseNumber"]
    await console.sign_in("judge-zhang")
    await console.go("#/order/new", "#order-form")
    assert await console.page.input_value("#order-case") != case  # the newest case is chosen
    # when the judge types the case's number in the order form's case picker (the serial alone
    # may be found in cases of other years too, newest first)
    await console.page.fill("#order-case-search", case)
    # then (typing searches by itself after a moment) the case is found and chosen
    await console.page.wait_for_function(
        f"() => document.getElementById('order-case').value === {json.dumps(case)}",
        timeout=WAIT_MS,
    )


async def test_the_judges_sanction_entries_page_through_with_their_count(
    console: Console, graphql: Any
) -> None:
    total = graphql("judge-zhang", ENTRY_COUNT)["data"]["sanctionEntries"]["totalCount"]
    assert total > 50  # the demo judge's cases have more entries than a page
    await console.sign_in("judge-zhang")
    # when the judge opens the list from the menu
    await console.page.click("#nav a[href='#/sanctions']")
    await console.ready()
    await console.page.wait_for_selector("#entries-results tbody tr", timeout=WAIT_MS)
    # then the count is the API's, a page is shown, and more loads on demand
    said = await console.text("#entries-results-total")
    assert total_of(said) == total and shown_of(said) == 50
    await console.shot("judge-sanction-entries", full_page=False)
    await console.page.click("#entries-results-more")
    await console.page.wait_for_function(
        "() => document.querySelectorAll('#entries-results tbody tr').length > 50",
        timeout=WAIT_MS,
    )
    shown = await rows(console, "#entries-results tbody tr")
    assert shown == min(total, 100)
    assert shown_of(await console.text("#entries-results-total")) == shown
    # and a filter narrows the list and its count alike
    await console.page.select_option("#entries-status", "ACTIVE")
    await console.page.click("#entries-filter button[type=submit]")
    await console.page.wait_for_function("() => location.hash.includes('status=ACTIVE')")
    await console.ready()
    active = graphql(
        "judge-zhang", "{ sanctionEntries(filter: {status: ACTIVE}, first: 1) { totalCount } }"
    )["data"]["sanctionEntries"]["totalCount"]
    assert total_of(await console.text("#entries-results-total")) == active


async def test_every_other_list_says_how_many_it_holds(
    console: Console, graphql: Any, demo: dict[str, Any]
) -> None:
    # the judge's orders
    orders = graphql("judge-zhang", ORDER_COUNT)["data"]["freezeOrders"]["totalCount"]
    await console.sign_in("judge-zhang")
    await console.go("#/orders", "#orders-list-total")
    assert total_of(await console.text("#orders-list-total")) == orders
    await console.sign_out()
    # the registry's inbox and its orders
    await console.sign_in("registry-wang")
    await console.go("#/inbox", "#inbox-list-total")
    inbox = graphql("registry-wang", "{ agencyInbox(first: 1) { totalCount } }")
    assert total_of(await console.text("#inbox-list-total")) == (
        inbox["data"]["agencyInbox"]["totalCount"]
    )
    await console.go("#/handled", "#handled-list-total")
    handled = graphql("registry-wang", ORDER_COUNT)["data"]["freezeOrders"]["totalCount"]
    assert total_of(await console.text("#handled-list-total")) == handled
    await console.sign_out()
    # the auditor's log of one user, and a person's accesses
    await console.sign_in("auditor-sun")
    await console.go("#/audit?userId=judge-li", "#audit-results-total")
    events = graphql("auditor-sun", EVENT_COUNT, {"f": {"userId": "judge-li"}})
    assert total_of(await console.text("#audit-results-total")) == (
        events["data"]["auditEvents"]["totalCount"]
    )
    person = demo["samples"]["persons"][0]["idNumber"]
    await console.go(f"#/audit/history?id={person}", "#history-results-total")
    accesses = graphql(
        "auditor-sun",
        "query($id: String!) { personAccesses(idNumber: $id, first: 1) { totalCount } }",
        {"id": person},
    )
    assert total_of(await console.text("#history-results-total")) == (
        accesses["data"]["personAccesses"]["totalCount"]
    )
