"""A list's totalCount counts only the rows its caller may list: the caller's court, the cases
the judge is assigned to, the agency's own orders, and never another's.

Orders and sanction entries are written straight into the hub's tables for each test (one per
court, judge and agency the test compares), and removed when it ends; each caller's count is
compared before and after, so what other tests left does not matter.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert

from hub.orders.models import freeze_orders
from hub.sanctions.models import sanction_entries
from tests.conftest import Api, add_case

ORDER_COUNT = """query($filter: FreezeOrderFilter) { freezeOrders(filter: $filter, first: 1) {
  totalCount } }"""
INBOX = """query($first: Int!, $after: String) { agencyInbox(first: $first, after: $after) {
  nodes { id deliveredAt } pageInfo { endCursor hasNextPage } totalCount } }"""
ENTRY_COUNT = """query($filter: SanctionEntryFilter) { sanctionEntries(filter: $filter, first: 1) {
  totalCount } }"""
ENTRIES = """query($filter: SanctionEntryFilter, $after: String) {
  sanctionEntries(filter: $filter, first: 1, after: $after) {
    nodes { id caseNumber subjectId boundPersons { idNumber } } pageInfo { endCursor hasNextPage }
    totalCount } }"""
CASES = """query($filter: CaseFilter) { assignedCases(filter: $filter, first: 5) {
  nodes { caseNumber } totalCount } }"""

JUDGES = ("judge-zhang", "judge-zhou", "judge-li")
AGENCIES = ("registry-wang", "police-chen", "market-zhao")
LI_COURT = ("370612", "鲁0612")


@pytest.fixture
async def three_cases(app: Any, demo: dict[str, Any]) -> dict[str, str]:
    """A new case of judge-zhang's, one of judge-zhou's (same court) and one of judge-li's
    (court 370612), each with a demo person as the respondent."""
    person = demo["samples"]["persons"][0]
    parties = [("被执行人", "PERSON", person["idNumber"], person["name"])]
    return {
        "judge-zhang": await add_case(app, parties),
        "judge-zhou": await add_case(app, parties, judges=("judge-zhou",)),
        "judge-li": await add_case(app, parties, judges=("judge-li",), court=LI_COURT),
        "owner": person["idNumber"],
    }


def order_row(case: str, court: str, agency: str, status: str, owner: str, at: datetime) -> Any:
    tag = uuid.uuid4().hex[:12].upper()
    return {
        "id": f"FO-2026-T{tag}",
        "kind": "SEIZE",
        "asset_type": "REAL_ESTATE" if agency == "real_estate" else "VEHICLE",
        "asset_id": f"LIST-{tag}",
        "agency": agency,
        "owner_id": owner,
        "court_code": court,
        "case_number": case,
        "ruling_number": case.replace("号", "号之一"),
        "term_months": 36,
        "status": status,
        "submitted_by": "judge-zhang",
        "submitted_at": at,
        "delivered_at": at + timedelta(minutes=1),
        "renewals": 0,
        "idempotency_key": uuid.uuid4().hex,
        "payload_hash": "0" * 64,
        "updated_at": at,
    }


async def counts(api: Api, tokens: dict[str, str], document: str, name: str, **kw: Any) -> Any:
    out = {}
    for user in (*JUDGES, *AGENCIES):
        body = await api.query(document, kw, token=tokens[user])
        value = (body.get("data") or {}).get(name)
        out[user] = None if value is None else value["totalCount"]
    return out


@asynccontextmanager
async def written(app: Any, table: Any, rows: list[dict[str, Any]]) -> AsyncIterator[None]:
    """``rows`` in ``table`` for the length of the block."""
    engine = app.state.runtime.engine
    async with engine.begin() as conn:
        await conn.execute(insert(table), rows)
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(table).where(table.c.id.in_([r["id"] for r in rows])))


def four_orders(cases: dict[str, str]) -> list[dict[str, Any]]:
    """Zhang's case: a unit and a vehicle order, delivered (the registry's and public
    security's inboxes); Zhou's case: a unit order, rejected; Li's court: a unit order,
    delivered."""
    owner = cases["owner"]
    at = datetime.now(UTC) - timedelta(days=1)
    return [
        order_row(cases["judge-zhang"], "370602", "real_estate", "DELIVERED", owner, at),
        order_row(cases["judge-zhang"], "370602", "public_security", "DELIVERED", owner, at),
        order_row(cases["judge-zhou"], "370602", "real_estate", "REJECTED", owner, at),
        order_row(cases["judge-li"], "370612", "real_estate", "DELIVERED", owner, at),
    ]


@pytest.fixture
async def orders_written(app: Any, three_cases: dict[str, str]) -> AsyncIterator[list[str]]:
    rows = four_orders(three_cases)
    async with written(app, freeze_orders, rows):
        yield [r["id"] for r in rows]


async def test_an_order_count_counts_only_the_orders_the_caller_may_list(
    api: Api, app: Any, tokens: dict[str, str], three_cases: dict[str, str]
) -> None:
    # given each caller's counts of orders and of its inbox
    orders_before = await counts(api, tokens, ORDER_COUNT, "freezeOrders")
    inbox_before = await counts(api, tokens, INBOX, "agencyInbox", first=1)
    # when orders are written for two courts, two judges and two agencies
    async with written(app, freeze_orders, four_orders(three_cases)):
        orders_after = await counts(api, tokens, ORDER_COUNT, "freezeOrders")
        inbox_after = await counts(api, tokens, INBOX, "agencyInbox", first=1)
    # then each caller counts only the orders it may list: a judge those of the cases the
    # judge is assigned to, in the judge's court; an agency those addressed to it
    grew = {u: orders_after[u] - orders_before[u] for u in orders_before}
    assert grew == {
        "judge-zhang": 2,
        "judge-zhou": 1,
        "judge-li": 1,
        "registry-wang": 3,
        "police-chen": 1,
        "market-zhao": 0,
    }
    # and the inbox holds only the delivered orders addressed to the agency; judges have none
    assert {u: inbox_after[u] for u in JUDGES} == dict.fromkeys(JUDGES)
    assert {u: inbox_after[u] - inbox_before[u] for u in AGENCIES} == {
        "registry-wang": 2,
        "police-chen": 1,
        "market-zhao": 0,
    }


async def test_a_count_filtered_by_another_judges_case_is_zero(
    api: Api, tokens: dict[str, str], orders_written: list[str], three_cases: dict[str, str]
) -> None:
    # when judge-zhou counts the orders of judge-zhang's case, and judge-li those of a case of
    # another court, and judge-zhang his own
    theirs = {"caseNumber": three_cases["judge-zhang"]}
    zhou = await api.query(ORDER_COUNT, {"filter": theirs}, token=tokens["judge-zhou"])
    li = await api.query(ORDER_COUNT, {"filter": theirs}, token=tokens["judge-li"])
    zhang = await api.query(ORDER_COUNT, {"filter": theirs}, token=tokens["judge-zhang"])
    # then the count says nothing of orders the caller may not list
    assert zhou["data"]["freezeOrders"]["totalCount"] == 0
    assert li["data"]["freezeOrders"]["totalCount"] == 0
    assert zhang["data"]["freezeOrders"]["totalCount"] == 2


async def test_the_inbox_pages_oldest_served_first(
    api: Api, app: Any, tokens: dict[str, str], three_cases: dict[str, str]
) -> None:
    # given three orders delivered to public security an hour apart, written newest first
    owner = three_cases["owner"]
    start = datetime.now(UTC) - timedelta(days=3650)  # before anything else in the inbox
    rows = [
        order_row(three_cases["judge-zhang"], "370602", "public_security", "DELIVERED", owner, at)
        for at in (start + timedelta(hours=2), start + timedelta(hours=1), start)
    ]
    async with written(app, freeze_orders, rows):
        # when the officer reads the inbox one order at a time
        seen: list[str] = []
        after = None
        for _ in range(3):
            body = await api.query(INBOX, {"first": 1, "after": after}, token=tokens["police-chen"])
            page = body["data"]["agencyInbox"]
            seen += [n["id"] for n in page["nodes"]]
            after = page["pageInfo"]["endCursor"]
        # then the first served comes first, each once, across pages
        assert seen == [r["id"] for r in reversed(rows)]
        assert page["pageInfo"]["hasNextPage"] is (page["totalCount"] > 3)


def entry_row(case: str, court: str, person: dict[str, str], status: str) -> dict[str, Any]:
    return {
        "id": f"SX-{court}-2026-T{uuid.uuid4().hex[:8].upper()}",
        "list": "DISHONEST",
        "subject_kind": "PERSON",
        "subject_id": person["idNumber"],
        "name": person["name"],
        "court_code": court,
        "case_number": case,
        "obligation": "支付借款本金及利息",
        "published_on": date(2026, 3, 1),
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条第（一）项",
        # ended entries: they bind nobody, so no check of another test meets them
        "status": status,
        "revoked_on": date(2026, 3, 2),
        "grounds": "ABLE_NOT_PERFORMING",
    }


def three_entries(cases: dict[str, str], person: dict[str, str]) -> dict[str, dict[str, Any]]:
    """An ended entry of each of the three cases, by judge."""
    return {
        "judge-zhang": entry_row(cases["judge-zhang"], "370602", person, "ANNULLED"),
        "judge-zhou": entry_row(cases["judge-zhou"], "370602", person, "DELETED"),
        "judge-li": entry_row(cases["judge-li"], "370612", person, "ANNULLED"),
    }


@pytest.fixture
async def entries_written(
    app: Any, three_cases: dict[str, str], demo: dict[str, Any]
) -> AsyncIterator[dict[str, str]]:
    rows = three_entries(three_cases, demo["samples"]["persons"][0])
    async with written(app, sanction_entries, list(rows.values())):
        yield {judge: row["id"] for judge, row in rows.items()}


async def test_an_entry_count_counts_only_the_judges_own_cases(
    api: Api, app: Any, tokens: dict[str, str], three_cases: dict[str, str], demo: dict[str, Any]
) -> None:
    # given each judge's count of entries
    before = await counts(api, tokens, ENTRY_COUNT, "sanctionEntries")
    # when an entry is written for a case of each judge (two courts)
    rows = three_entries(three_cases, demo["samples"]["persons"][0])
    async with written(app, sanction_entries, list(rows.values())):
        after = await counts(api, tokens, ENTRY_COUNT, "sanctionEntries")
    # then each judge counts the entry of the judge's own case only, and agencies list none
    assert {u: after[u] - before[u] for u in JUDGES} == dict.fromkeys(JUDGES, 1)
    assert {u: after[u] for u in AGENCIES} == dict.fromkeys(AGENCIES)


async def test_a_judge_lists_the_entries_of_a_case_a_page_at_a_time(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    three_cases: dict[str, str],
    entries_written: dict[str, str],
) -> None:
    from tests.hub.test_audit_recording import entries

    # when judge-zhang lists the entries of his case, and of judge-zhou's
    mine = {"caseNumber": three_cases["judge-zhang"]}
    response = await api.post(ENTRIES, {"filter": mine, "after": None})
    body = response.json()
    theirs = await api.query(ENTRIES, {"filter": {"caseNumber": three_cases["judge-zhou"]}})
    # then his own is there, the colleague's is not (not even counted)
    page = body["data"]["sanctionEntries"]
    assert [n["id"] for n in page["nodes"]] == [entries_written["judge-zhang"]]
    assert page["totalCount"] == 1 and page["pageInfo"]["hasNextPage"] is False
    assert theirs["data"]["sanctionEntries"]["totalCount"] == 0
    assert theirs["data"]["sanctionEntries"]["nodes"] == []
    # and the page is on record with a row for the entry's subject
    [listed] = await entries(app, response.headers["X-Request-Id"])
    assert listed["action"] == "SANCTION_LIST" and listed["subjects_hash"] is not None


async def test_another_courts_judge_finds_none_of_the_courts_cases(
    api: Api, tokens: dict[str, str], three_cases: dict[str, str]
) -> None:
    # when judge-li and judge-zhou search for judge-zhang's new case by its number
    term = {"caseNumberContains": three_cases["judge-zhang"]}
    found = {
        judge: (await api.query(CASES, {"filter": term}, token=tokens[judge]))["data"][
            "assignedCases"
        ]
        for judge in JUDGES
    }
    # then only judge-zhang finds it, and the others' counts are 0
    assert found["judge-zhang"] == {
        "nodes": [{"caseNumber": three_cases["judge-zhang"]}],
        "totalCount": 1,
    }
    assert found["judge-zhou"] == {"nodes": [], "totalCount": 0}
    assert found["judge-li"] == {"nodes": [], "totalCount": 0}
