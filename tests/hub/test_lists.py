"""Every list pages the same way: first / after, pageInfo, totalCount; bad input refused alike.

The lists: the judge's cases (``assignedCases``), orders (``freezeOrders``), an agency's inbox
(``agencyInbox``), the audit log (``auditEvents``), a person's accesses (``personAccesses``), a
court's sanction entries (``sanctionEntries``), a judge's 查控 requests (``depositInquiries``) and
the lists' change feed (``sanctionListChanges``). Who sees which rows, and that each count counts only those, is
``tests/hub/test_list_counts.py``.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.cases.models import case_judges, cases
from hub.sanctions.models import sanction_changes
from tests.conftest import Api

ASSIGNED = """query($filter: CaseFilter, $first: Int!, $after: String) {
  assignedCases(filter: $filter, first: $first, after: $after) {
    nodes { caseNumber filedOn status } pageInfo { endCursor hasNextPage } totalCount } }"""
ORDERS = """query($first: Int!, $after: String) { freezeOrders(first: $first, after: $after) {
  nodes { id } pageInfo { endCursor hasNextPage } totalCount } }"""
INBOX = """query($first: Int!, $after: String) { agencyInbox(first: $first, after: $after) {
  nodes { id } pageInfo { endCursor hasNextPage } totalCount } }"""
EVENTS = """query($filter: AuditEventFilter, $first: Int!, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    nodes { id } pageInfo { endCursor hasNextPage } totalCount } }"""
ACCESSES = """query($id: String!, $first: Int!, $after: String) {
  personAccesses(idNumber: $id, first: $first, after: $after) {
    nodes { id action userId } pageInfo { endCursor hasNextPage } totalCount } }"""
ENTRIES = """query($first: Int!, $after: String) { sanctionEntries(first: $first, after: $after) {
  nodes { id } pageInfo { endCursor hasNextPage } totalCount } }"""
INQUIRIES = """query($first: Int!, $after: String) {
  depositInquiries(first: $first, after: $after) {
    nodes { id } pageInfo { endCursor hasNextPage } totalCount } }"""
FEED = """query($first: Int!, $after: String) { sanctionListChanges(first: $first, after: $after) {
  nodes { cursor } pageInfo { endCursor hasNextPage } totalCount } }"""
MY_CASES = """query($first: Int!, $offset: Int!) {
  myCases(status: OPEN, first: $first, offset: $offset) { caseNumber } }"""
HISTORY = """query($id: String!, $first: Int!) { accessHistory(idNumber: $id, first: $first) {
  id } }"""
OLD_ORDER_PAGE = """query($after: String) { freezeOrders(first: 1, after: $after) {
  nodes { id } endCursor hasNextPage pageInfo { endCursor hasNextPage } } }"""

# (list, document, caller, extra variables)
LISTS = [
    ("assignedCases", ASSIGNED, "judge-zhang", {}),
    ("freezeOrders", ORDERS, "judge-zhang", {}),
    ("agencyInbox", INBOX, "registry-wang", {}),
    ("auditEvents", EVENTS, "auditor-sun", {"filter": {"userId": "judge-zhang"}}),
    ("personAccesses", ACCESSES, "auditor-sun", {"id": None}),
    ("sanctionEntries", ENTRIES, "judge-zhang", {}),
    ("depositInquiries", INQUIRIES, "judge-zhang", {}),
    ("sanctionListChanges", FEED, "approval-market", {}),
]
IDS = [name for name, *_ in LISTS]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


# cursors no list hands out: garbage, an order id (freezeOrders took one until now, and said
# NOT_FOUND when no such order existed), another list's kind, a cursor with a field too many,
# negative and huge numbers, a cursor far too long
BAD_CURSORS = [
    "not a cursor",
    "FO-2026-000000000000",
    b64("order:1:FO-2026-1:extra"),
    b64("case:-5:3"),
    b64("audit:99999999999999999999999"),
    b64("nobody:1"),
    "A" * 300,
    "",
]


def variables_of(extra: dict[str, Any], demo: dict[str, Any], **kw: Any) -> dict[str, Any]:
    out = {**extra, **kw}
    if "id" in out:
        out["id"] = demo["samples"]["persons"][0]["idNumber"]
    return out


# (the feed reads an empty cursor as its start, as it always has)
BAD_CURSOR_CASES = [
    pytest.param(*lst, cursor, id=f"{lst[0]}-{i}")
    for lst in LISTS
    for i, cursor in enumerate(BAD_CURSORS)
    if not (lst[0] == "sanctionListChanges" and cursor == "")
]


@pytest.mark.parametrize(("name", "document", "user", "extra", "cursor"), BAD_CURSOR_CASES)
async def test_a_cursor_no_list_returned_is_bad_user_input(
    api: Api,
    tokens: dict[str, str],
    demo: dict[str, Any],
    name: str,
    document: str,
    user: str,
    extra: dict[str, Any],
    cursor: str,
) -> None:
    # when a list is asked for the page after a cursor it never returned
    body = await api.query(
        document, variables_of(extra, demo, first=5, after=cursor), token=tokens[user]
    )
    # then the list is refused as bad input naming the argument and the rule, never NOT_FOUND
    assert (body["data"] or {}).get(name) is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["argument"] == "after"
    assert error["extensions"]["rule"] == "CURSOR"


@pytest.mark.parametrize(("name", "document", "user", "extra"), LISTS, ids=IDS)
async def test_another_lists_cursor_is_bad_user_input(
    api: Api,
    tokens: dict[str, str],
    demo: dict[str, Any],
    name: str,
    document: str,
    user: str,
    extra: dict[str, Any],
) -> None:
    # given a real cursor of the judge's case list
    first = await api.query(ASSIGNED, {"first": 1})
    cursor = first["data"]["assignedCases"]["pageInfo"]["endCursor"]
    assert cursor
    if name == "assignedCases":
        cursor = cursor[:-4] + "AAAA"  # altered
    # when another list (or the case list, altered) is given it
    body = await api.query(
        document, variables_of(extra, demo, first=5, after=cursor), token=tokens[user]
    )
    # then it is refused as not a cursor of that list
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["rule"] == "CURSOR"


@pytest.mark.parametrize(("name", "document", "user", "extra"), LISTS, ids=IDS)
@pytest.mark.parametrize("first", [0, -1, 1001])
async def test_a_page_size_out_of_range_is_bad_user_input(
    api: Api,
    tokens: dict[str, str],
    demo: dict[str, Any],
    name: str,
    document: str,
    user: str,
    extra: dict[str, Any],
    first: int,
) -> None:
    # when a list is asked for no rows, fewer than none, or more than a page may hold
    body = await api.query(document, variables_of(extra, demo, first=first), token=tokens[user])
    # then it is refused as bad input naming first and the rule
    assert (body["data"] or {}).get(name) is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "first"
    assert error["extensions"]["rule"] == "PAGE_SIZE"
    assert "between 1 and" in error["message"]


@pytest.mark.parametrize(
    ("document", "variables", "limit"),
    [
        (ASSIGNED, {"first": 201}, 200),
        (MY_CASES, {"first": 201, "offset": 0}, 200),
        (HISTORY, {"first": 201}, 200),
    ],
)
async def test_a_page_holds_at_most_two_hundred_rows(
    api: Api,
    tokens: dict[str, str],
    demo: dict[str, Any],
    document: str,
    variables: dict[str, Any],
    limit: int,
) -> None:
    # given the deprecated lists too (myCases, accessHistory)
    variables = {**variables, "id": demo["samples"]["persons"][0]["idNumber"]}
    token = tokens["auditor-sun"] if "accessHistory" in document else tokens["judge-zhang"]
    # when one page of 201 is asked
    body = await api.query(document, variables, token=token)
    # then the limit is named
    [error] = body["errors"]
    assert error["extensions"]["rule"] == "PAGE_SIZE"
    assert f"between 1 and {limit}" in error["message"]


async def walk(api: Api, document: str, name: str, token: str, size: int, **kw: Any) -> Any:
    """Every page of a list: (the nodes in order, the totalCount of each page)."""
    nodes: list[dict[str, Any]] = []
    counts = []
    after = None
    for _ in range(1000):
        body = await api.query(document, {**kw, "first": size, "after": after}, token=token)
        assert "errors" not in body, body
        page = body["data"][name]
        nodes += page["nodes"]
        counts.append(page["totalCount"])
        assert len(page["nodes"]) <= size
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, counts
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("more than 1000 pages")


async def test_paging_the_judges_cases_reaches_each_case_once_newest_filed_first(
    api: Api, app: Any
) -> None:
    # given the judge's open cases in the court's records
    async with app.state.runtime.engine.connect() as conn:
        expected = set(
            (
                await conn.execute(
                    select(cases.c.case_number)
                    .join(case_judges, case_judges.c.case_id == cases.c.id)
                    .where(case_judges.c.judge_id == "judge-zhang", cases.c.status == "OPEN")
                )
            ).scalars()
        )
    assert len(expected) > 7
    # when the judge walks the list seven at a time
    nodes, counts = await walk(
        api, ASSIGNED, "assignedCases", api.token, 7, filter={"status": "OPEN"}
    )
    # then every case comes once, newest filed first, and every page gives the same total
    numbers = [n["caseNumber"] for n in nodes]
    assert len(numbers) == len(set(numbers)) == len(expected)
    assert set(numbers) == expected
    assert [n["filedOn"] for n in nodes] == sorted((n["filedOn"] for n in nodes), reverse=True)
    assert set(counts) == {len(expected)}


async def test_every_sample_case_is_found_by_its_case_number(
    api: Api, demo: dict[str, Any]
) -> None:
    samples = demo["samples"]["persons"] + demo["samples"]["enterprises"]
    for sample in samples:
        number = sample["caseNumber"]  # （2023）鲁0602执620号
        for term in (number, number.replace("（", "(").replace("）", ")"), number[-8:]):
            # when the judge searches for the sample's case by its number (or a part of it,
            # with ASCII brackets too)
            body = await api.query(
                ASSIGNED, {"filter": {"status": "OPEN", "caseNumberContains": term}, "first": 50}
            )
            page = body["data"]["assignedCases"]
            # then it is found, and every case found holds the term
            found = [n["caseNumber"] for n in page["nodes"]]
            assert number in found, (term, found)
            assert page["totalCount"] == len(found) >= 1
            key = term.replace("(", "（").replace(")", "）")
            assert all(key in n for n in found)


@pytest.mark.parametrize("term", ["%", "_", "执%号", "鲁0602执_"])
async def test_a_case_number_search_is_literal(api: Api, term: str) -> None:
    # when the search holds SQL's wildcards
    body = await api.query(ASSIGNED, {"filter": {"caseNumberContains": term}, "first": 10})
    # then they match only themselves (no case number holds them)
    assert body["data"]["assignedCases"] == {
        "nodes": [],
        "pageInfo": {"endCursor": None, "hasNextPage": False},
        "totalCount": 0,
    }


@pytest.mark.parametrize(
    ("term", "rule"),
    [
        ("执\u0000", "CONTROL_CHARACTER"),
        ("执\u202e1", "CONTROL_CHARACTER"),
        ("执1119\n", "CONTROL_CHARACTER"),
        ("x" * 65, "SEARCH_TEXT"),
    ],
    ids=["nul", "rtl-override", "newline-at-the-end", "too-long"],
)
async def test_a_bad_case_number_search_is_bad_user_input(api: Api, term: str, rule: str) -> None:
    # when the search holds a control character (anywhere, an end too) or is too long
    body = await api.query(ASSIGNED, {"filter": {"caseNumberContains": term}, "first": 10})
    # then it is refused under the rule every text argument follows, naming the argument
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "filter.caseNumberContains"
    assert error["extensions"]["rule"] == rule


async def test_the_deprecated_case_list_still_pages_by_offset(api: Api) -> None:
    # given the first twelve cases of the new list
    body = await api.query(ASSIGNED, {"filter": {"status": "OPEN"}, "first": 12})
    newest = [n["caseNumber"] for n in body["data"]["assignedCases"]["nodes"]]
    # when the deprecated list is asked for the second six
    old = await api.query(MY_CASES, {"first": 6, "offset": 6})
    # then it answers the same cases
    assert [c["caseNumber"] for c in old["data"]["myCases"]] == newest[6:]


async def test_the_deprecated_order_page_fields_match_page_info(api: Api) -> None:
    # when a page of orders is read with the old fields beside pageInfo
    body = await api.query(OLD_ORDER_PAGE, {"after": None})
    page = body["data"]["freezeOrders"]
    # then they say the same, and the old endCursor leads to the same next page
    assert page["endCursor"] == page["pageInfo"]["endCursor"]
    assert page["hasNextPage"] == page["pageInfo"]["hasNextPage"]
    if page["hasNextPage"]:
        again = await api.query(OLD_ORDER_PAGE, {"after": page["endCursor"]})
        assert "errors" not in again
        assert again["data"]["freezeOrders"]["nodes"] != page["nodes"]


async def test_the_feed_counts_every_change_and_keeps_its_position(
    api: Api, app: Any, tokens: dict[str, str]
) -> None:
    # given the number of changes on record
    async with app.state.runtime.engine.connect() as conn:
        total = (await conn.execute(select(func.count()).select_from(sanction_changes))).scalar()
    assert total
    # when the approval system reads the feed from the start, a page after another
    nodes, counts = await walk(api, FEED, "sanctionListChanges", tokens["approval-market"], 100)
    # then it read every change once, oldest first, and each page counted all of them
    cursors = [int(n["cursor"]) for n in nodes]
    assert cursors == sorted(set(cursors))
    assert set(counts) == {len(cursors)} and len(cursors) >= total
    # and at the end the page is empty but still says where the feed is
    body = await api.query(
        FEED, {"first": 5, "after": str(cursors[-1])}, token=tokens["approval-market"]
    )
    end = body["data"]["sanctionListChanges"]
    assert end["nodes"] == [] and end["pageInfo"] == {
        "endCursor": str(cursors[-1]),
        "hasNextPage": False,
    }


async def test_paging_the_audit_log_reaches_each_entry_once(
    api: Api, tokens: dict[str, str]
) -> None:
    # given a few look-ups of the judge on record since a moment (a page of cases writes one)
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    for _ in range(5):
        await api.query(ASSIGNED, {"first": 1})
    # when the auditor walks the judge's entries since then, two at a time
    nodes, counts = await walk(
        api,
        EVENTS,
        "auditEvents",
        tokens["auditor-sun"],
        2,
        filter={"userId": "judge-zhang", "from": since},
    )
    # then every entry comes once, newest first, and the count is the number walked (entries
    # written meanwhile are newer, so they are not in this walk: the first count is)
    ids = [int(n["id"]) for n in nodes]
    assert ids == sorted(set(ids), reverse=True)
    assert counts[0] == len(ids) >= 5


async def test_a_persons_accesses_page_leaves_the_auditors_searches_out(
    api: Api, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    sample = demo["samples"]["persons"][1]
    auditor = tokens["auditor-sun"]
    # given the judge looked at the person six times, and the auditor searched for them
    profile = """query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) {
      identity { name } } }"""
    for _ in range(6):
        body = await api.query(profile, {"id": sample["idNumber"], "case": sample["caseNumber"]})
        assert "errors" not in body
    await api.query(ACCESSES, {"id": sample["idNumber"], "first": 1}, token=auditor)
    # when the auditor walks the person's accesses one at a time
    nodes, counts = await walk(api, ACCESSES, "personAccesses", auditor, 5, id=sample["idNumber"])
    # then the judge's look-ups are there, the auditor's own searches are not, and the count
    # is what was walked
    assert [n["action"] for n in nodes].count("PROFILE_VIEW") >= 6  # more than one page
    assert "AUDIT_QUERY" not in {n["action"] for n in nodes}
    assert set(counts) == {len(nodes)}


OLD_SHAPE = {
    "freezeOrders": ("{ freezeOrders(first: 5, after: %s) { nodes { id } } }", "judge-zhang"),
    "agencyInbox": ("{ agencyInbox(first: 5, after: %s) { nodes { id } } }", "registry-wang"),
}


@pytest.mark.parametrize("name", sorted(OLD_SHAPE))
async def test_an_unknown_order_as_a_cursor_is_bad_user_input_not_not_found(
    api: Api, tokens: dict[str, str], name: str
) -> None:
    # given the page shape clients used before (an order id was the cursor)
    document, user = OLD_SHAPE[name]
    # when the cursor names no order
    body = await api.query(document % '"FO-2026-000000000000"', token=tokens[user])
    # then it is bad input like every other list's bad cursor (it was NOT_FOUND)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["rule"] == "CURSOR"


# --- every list's cursor is its own ------------------------------------------------------------

PARTY_INBOX = """query($first: Int!, $after: String) {
  partyRequestInbox(first: $first, after: $after) {
    nodes { id } pageInfo { endCursor hasNextPage } totalCount } }"""
POLICE_REQUESTS = """query($first: Int!, $after: String) {
  policeRequests(first: $first, after: $after) {
    nodes { id } pageInfo { endCursor hasNextPage } totalCount } }"""
POLICE_INBOX = """query($first: Int!, $after: String) {
  policeInbox(first: $first, after: $after) {
    nodes { id } pageInfo { endCursor hasNextPage } totalCount } }"""

# (list, document, caller, extra variables, a cursor of the shape that list hands out: its
# name, then the sort values of a row; written out here, not made by the hub's encoder)
OWN_CURSORS = [
    ("assignedCases", ASSIGNED, "judge-zhang", {}, b64("case:739617:1")),
    ("freezeOrders", ORDERS, "judge-zhang", {}, b64("order:1780000000000000:FO-2026-1")),
    ("agencyInbox", INBOX, "registry-wang", {}, b64("inbox:1780000000000000:FO-2026-1")),
    ("auditEvents", EVENTS, "auditor-sun", {"filter": {"userId": "judge-zhang"}}, b64("audit:5")),
    ("personAccesses", ACCESSES, "auditor-sun", {"id": None}, b64("accesses:5")),
    ("sanctionEntries", ENTRIES, "judge-zhang", {}, b64("entry:739617:SX-370602-2026-1")),
    ("depositInquiries", INQUIRIES, "judge-zhang", {}, b64("inquiry:1780000000000000:CK-1")),
    ("partyRequestInbox", PARTY_INBOX, "judge-zhang", {}, b64("request:1780000000000000:SQ-1")),
    ("policeRequests", POLICE_REQUESTS, "judge-zhang", {}, b64("police:1780000000000000:GA-1")),
    ("policeInbox", POLICE_INBOX, "police-chen", {}, b64("police-inbox:1780000000000000:GA-1")),
]


@pytest.mark.parametrize(
    ("name", "document", "user", "extra", "own"), OWN_CURSORS, ids=[c[0] for c in OWN_CURSORS]
)
async def test_each_list_takes_its_own_cursor_and_no_other_lists(
    api: Api,
    tokens: dict[str, str],
    demo: dict[str, Any],
    name: str,
    document: str,
    user: str,
    extra: dict[str, Any],
    own: str,
) -> None:
    """README "Paging": another list's cursor is BAD_USER_INPUT (rule CURSOR) — policeInbox's
    cursor was taken by policeRequests (and auditEvents' by personAccesses): both lists named
    their cursors alike."""
    # given a cursor of the list's own shape, it answers a page
    body = await api.query(
        document, variables_of(extra, demo, first=5, after=own), token=tokens[user]
    )
    assert "errors" not in body, body
    assert body["data"][name]["pageInfo"] is not None
    # when it is given the cursor of every other list
    for other, *_, cursor in OWN_CURSORS:
        if other == name:
            continue
        body = await api.query(
            document, variables_of(extra, demo, first=5, after=cursor), token=tokens[user]
        )
        # then each is refused as not a cursor of this list
        [error] = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["rule"]) == (
            "BAD_USER_INPUT",
            "CURSOR",
        ), (other, error)
