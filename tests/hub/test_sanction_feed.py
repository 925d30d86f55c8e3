"""The sanction-list change feed: sanctionListChanges as a paged query and as a subscription.

An approval system reads the feed from its beginning, then resumes from the last cursor it saw
and misses nothing: one PUBLISHED change per entry, one REVOKED change per revocation, in
sequence order. The session shares one database with other tests, so every test works relative
to the cursor it reads first, on respondents no other entry names.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.cases.models import case_judges, case_parties, cases
from hub.orders.terms import court_day
from hub.sanctions.models import sanction_changes, sanction_entries
from tests.conftest import Api
from tests.hub.test_order_events import connection_init, context_for, schema_of
from tests.servers import graphql_ws_scope

COURT = "370602"

# What an approval system reads of a change: which entry changed, not who is on it (its policy
# withholds subjectId and masks name; see test_an_approval_system_learns_which_entry_not_who).
FIELDS = (
    "cursor change at entryId list subjectKind courtCode caseNumber publishedOn status revokedOn"
)
WHO = """
query($after: String, $first: Int!) {
  sanctionListChanges(after: $after, first: $first) { nodes { cursor subjectId name } }
}
"""
CHANGES = f"""
query($after: String, $first: Int!) {{
  sanctionListChanges(after: $after, first: $first) {{
    nodes {{ {FIELDS} }}
    endCursor
    hasMore
  }}
}}
"""
FOLLOW = f"subscription($after: String) {{ sanctionListChanges(after: $after) {{ {FIELDS} }} }}"
ENTRY = "id list subjectKind subjectId name courtCode caseNumber status publishedOn revokedOn"
PUBLISH = f"""
mutation($input: SanctionEntryPublishInput!) {{
  sanctionEntryPublish(input: $input) {{ entry {{ {ENTRY} }} errors {{ code message rule reason }} }}
}}
"""
REVOKE = f"""
mutation($id: String!, $reason: String!) {{
  sanctionEntryRevoke(id: $id, reason: $reason) {{ entry {{ {ENTRY} }} errors {{ code message }} }}
}}
"""


# --- helpers ----------------------------------------------------------------------------------


def yesterday() -> str:
    return (court_day(datetime.now(UTC)) - timedelta(days=1)).isoformat()


async def fresh_respondents(app: Any, demo: dict[str, Any], n: int) -> list[dict[str, str]]:
    """``n`` distinct persons, each a 被执行人 of an open case of court 370602 assigned to the
    demo judge, with a list they
    are not active on for that case (consumption restriction when they can): what the judge may
    publish. Persons on no list come first and the demo samples other tests look up last, so the
    tests disturb others' data as little as they can (and revoke what they publish)."""
    samples = {p["idNumber"] for p in demo["samples"]["persons"]}
    e = sanction_entries.c
    query = (
        select(case_parties.c.subject_id, case_parties.c.name, cases.c.case_number)
        .join_from(case_parties, cases, cases.c.id == case_parties.c.case_id)
        .where(
            cases.c.court_code == COURT,
            cases.c.status == "OPEN",
            case_parties.c.role == "被执行人",
            case_parties.c.subject_kind == "PERSON",
            # cases the publishing judge is assigned to (court actions need the assignment)
            cases.c.id.in_(
                select(case_judges.c.case_id).where(case_judges.c.judge_id == "judge-zhang")
            ),
        )
        .order_by(cases.c.case_number.desc(), case_parties.c.subject_id)
    )
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
        entries = (await conn.execute(select(e.subject_id, e.case_number, e.list, e.status))).all()
    active = {(s, c, x) for s, c, x, status in entries if status == "ACTIVE"}
    on_any = {s for s, *_ in entries}
    active_any = {s for s, _, _, status in entries if status == "ACTIVE"}
    chosen: dict[str, tuple[tuple[bool, bool, bool], dict[str, str]]] = {}
    for subject_id, name, case_number in rows:
        free = [
            x
            for x in ("CONSUMPTION_RESTRICTION", "DISHONEST")
            if (subject_id, case_number, x) not in active
        ]
        if not free or subject_id in chosen:
            continue
        rank = (subject_id in active_any, subject_id in samples, subject_id in on_any)
        chosen[subject_id] = (
            rank,
            {"idNumber": subject_id, "name": name, "caseNumber": case_number, "list": free[0]},
        )
    assert len(chosen) >= n, f"only {len(chosen)} respondents of open {COURT} cases to publish for"
    return [person for _, person in sorted(chosen.values(), key=lambda c: c[0])[:n]]


def publish_input(person: dict[str, str]) -> dict[str, Any]:
    return {
        "list": person["list"],
        "subject": {"idNumber": person["idNumber"]},
        "caseNumber": person["caseNumber"],
        "obligation": "支付借款本金人民币100000元及利息",
        "publishedOn": yesterday(),
        "legalBasis": "法释〔2015〕17号 第一条",
        "grounds": [
            "ABLE_NOT_PERFORMING" if person["list"] == "DISHONEST" else "NOT_PERFORMED"
        ],
    }


async def publish(api: Api, person: dict[str, str]) -> dict[str, Any]:
    body = await api.query(PUBLISH, {"input": publish_input(person)})
    payload = body["data"]["sanctionEntryPublish"]
    assert payload["errors"] == [], payload
    return payload["entry"]  # type: ignore[no-any-return]


async def revoke(api: Api, entry_id: str) -> dict[str, Any]:
    body = await api.query(REVOKE, {"id": entry_id, "reason": "已履行完毕"})
    payload = body["data"]["sanctionEntryRevoke"]
    assert payload["errors"] == [], payload
    return payload["entry"]  # type: ignore[no-any-return]


async def read(api: Api, token: str, after: str | None, first: int = 500) -> dict[str, Any]:
    variables: dict[str, Any] = {"first": first}
    if after is not None:
        variables["after"] = after
    body = await api.query(CHANGES, variables, token=token)
    assert "errors" not in body, body["errors"]
    return body["data"]["sanctionListChanges"]  # type: ignore[no-any-return]


async def end_cursor(api: Api, token: str) -> str:
    """The cursor after the last change there is now."""
    cursor = None
    while True:
        page = await read(api, token, cursor, 1000)
        cursor = page["endCursor"]
        if not page["hasMore"]:
            return cursor  # type: ignore[no-any-return]


def as_change(entry: dict[str, Any], change: str) -> dict[str, Any]:
    """What a change node repeats of the entry."""
    return {
        "change": change,
        "entryId": entry["id"],
        **{
            k: entry[k]
            for k in (
                "list",
                "subjectKind",
                "courtCode",
                "caseNumber",
                "publishedOn",
                "status",
                "revokedOn",
            )
        },
    }


def without_cursor(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in ("cursor", "at")}


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None or body["data"].get("sanctionListChanges") is None, body
    return body["errors"][0]["extensions"]  # type: ignore[no-any-return]


# --- reading from the beginning ----------------------------------------------------------------


async def test_reading_from_the_beginning_misses_nothing(
    api: Api, app: Any, tokens: dict[str, str]
) -> None:
    # given the approval system of market supervision, with no cursor yet
    token = tokens["approval-market"]
    # when it pages through the whole feed, 50 at a time
    pages = []
    cursor = None
    while True:
        page = await read(api, token, cursor, 50)
        pages.append(page)
        cursor = page["endCursor"]
        if not page["hasMore"]:
            break
        assert len(pages) < 1000, "the feed does not end"
    nodes = [n for p in pages for n in p["nodes"]]
    async with app.state.runtime.engine.connect() as conn:
        entries = {
            r.id: r.status
            for r in (await conn.execute(select(sanction_entries.c.id, sanction_entries.c.status)))
        }
        top = (await conn.execute(select(func.max(sanction_changes.c.seq)))).scalar()
    # then the cursors strictly increase across pages, each page ends on its last node's cursor,
    # and only the last page says there is no more
    seqs = [int(n["cursor"]) for n in nodes]
    assert seqs == sorted(set(seqs))
    assert seqs[-1] == top
    for page in pages[:-1]:
        assert page["hasMore"] is True
        assert len(page["nodes"]) == 50
        assert page["endCursor"] == page["nodes"][-1]["cursor"]
    assert pages[-1]["hasMore"] is False
    assert pages[-1]["endCursor"] == str(top)
    # and one PUBLISHED per entry there is, one end per entry that left its list (its change is
    # its status: annulled, deleted, lifted, or revoked), publication first; the demo's entries
    # whose term ended before its day are among the deleted
    ends = {"ANNULLED", "DELETED", "LIFTED", "REVOKED"}
    published = [n["entryId"] for n in nodes if n["change"] == "PUBLISHED"]
    ended = [(n["entryId"], n["change"]) for n in nodes if n["change"] in ends]
    assert {n["change"] for n in nodes} <= {"PUBLISHED", "CORRECTED", "RELEASED", *ends}
    assert "DELETED" in {change for _, change in ended}
    assert len(published) == len(set(published)) == len(entries)
    assert set(published) == set(entries)
    assert len(ended) == len({e for e, _ in ended})
    assert set(ended) == {(e, status) for e, status in entries.items() if status != "ACTIVE"}
    position = {(n["entryId"], n["change"]): i for i, n in enumerate(nodes)}
    assert all(position[e, "PUBLISHED"] < position[e, change] for e, change in ended)
    # and reading on from the end gives nothing, at the same cursor
    assert await read(api, token, cursor, 50) == {
        "nodes": [],
        "endCursor": cursor,
        "hasMore": False,
    }


async def test_an_empty_after_reads_from_the_beginning(api: Api, tokens: dict[str, str]) -> None:
    # given the first page read without a cursor
    token = tokens["approval-registry"]
    first = await read(api, token, None, 5)
    # when it is read with after "" and after "0"
    empty = await read(api, token, "", 5)
    zero = await read(api, token, "0", 5)
    # then all three are the same page, starting at the feed's first change
    assert first == empty == zero
    assert first["nodes"][0]["cursor"] == "1"
    assert first["hasMore"] is True


# --- resuming ---------------------------------------------------------------------------------


async def test_resuming_after_a_cursor_returns_exactly_the_new_changes(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given an entry published earlier, and the approval system at the end of the feed
    token = tokens["approval-market"]
    earlier_person, new_person = await fresh_respondents(app, demo, 2)
    earlier = await publish(api, earlier_person)
    start = await end_cursor(api, token)
    # when the judge publishes a new entry and revokes the earlier one
    new = await publish(api, new_person)
    gone = await revoke(api, earlier["id"])
    page = await read(api, token, start)
    # then the feed after the cursor holds exactly those two changes, in that order
    assert page["hasMore"] is False
    assert [without_cursor(n) for n in page["nodes"]] == [
        as_change(new, "PUBLISHED"),
        as_change(gone, "REVOKED"),
    ]
    first, second = page["nodes"]
    assert int(start) < int(first["cursor"]) < int(second["cursor"])
    assert page["endCursor"] == second["cursor"]
    # with the entry's fields as published, and the revocation's date pushed too
    assert first["caseNumber"] == new_person["caseNumber"]
    assert (first["courtCode"], first["status"], first["list"]) == (
        COURT,
        "ACTIVE",
        new_person["list"],
    )
    assert (second["entryId"], second["status"]) == (earlier["id"], "REVOKED")
    # (a judge sees who is on them masked: the feed covers every court's entries, not only
    # parties of the judge's cases)
    who = await api.query(WHO, {"after": start, "first": 10}, token=tokens["judge-zhang"])
    assert [n["subjectId"] for n in who["data"]["sanctionListChanges"]["nodes"]] == [
        p["idNumber"][:2] + "*" * 14 + p["idNumber"][-2:] for p in (new_person, earlier_person)
    ]
    assert second["revokedOn"] == court_day(datetime.now(UTC)).isoformat()
    # and asking again after the new end gives nothing, at the same cursor
    again = await read(api, token, page["endCursor"])
    assert again == {"nodes": [], "endCursor": page["endCursor"], "hasMore": False}
    # (the judge's court, which sees the feed too, reads the same two changes)
    assert (await read(api, tokens["judge-zhang"], start))["nodes"] == page["nodes"]
    await revoke(api, new["id"])


async def test_a_small_page_continues_where_it_stopped(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given three new publications after the approval system's cursor
    token = tokens["approval-registry"]
    start = await end_cursor(api, token)
    entries = [await publish(api, p) for p in await fresh_respondents(app, demo, 3)]
    # when it reads them one at a time
    first = await read(api, token, start, 1)
    second = await read(api, token, first["endCursor"], 1)
    third = await read(api, token, second["endCursor"], 1)
    # then each page has the next change, and only the last says there is no more
    assert [p["nodes"][0]["entryId"] for p in (first, second, third)] == [e["id"] for e in entries]
    assert [p["hasMore"] for p in (first, second, third)] == [True, True, False]
    assert [p["endCursor"] for p in (first, second, third)] == [
        p["nodes"][0]["cursor"] for p in (first, second, third)
    ]
    for entry in entries:
        await revoke(api, entry["id"])


async def test_a_change_says_when_it_was_made_in_utc(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given a publication after the approval system's cursor
    token = tokens["approval-market"]
    (person,) = await fresh_respondents(app, demo, 1)
    start = await end_cursor(api, token)
    before = datetime.now(UTC)
    entry = await publish(api, person)
    after = datetime.now(UTC)
    await revoke(api, entry["id"])
    # when the feed is read after the cursor
    published, _ = (await read(api, token, start))["nodes"]
    # then the change's time is an aware timestamp, the moment it was made
    at = datetime.fromisoformat(published["at"])
    assert at.tzinfo is not None, published["at"]
    assert before <= at <= after


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "after",
    ["abc", "-1", "1e5", "+5", " 5", "5 ", "0x10", "1.0", "1" * 19],
    ids=[
        "letters",
        "negative",
        "exponent",
        "plus",
        "leading-space",
        "trailing-space",
        "hex",
        "decimal",
        "19-digits",
    ],
)
async def test_a_cursor_not_of_digits_is_refused(
    api: Api, tokens: dict[str, str], after: str
) -> None:
    # when the feed is asked for with a cursor it never returned
    body = await api.query(CHANGES, {"after": after, "first": 10}, token=tokens["approval-market"])
    # then the input is refused, naming the rule and the argument
    extensions = error_of(body)
    assert extensions["code"] == "BAD_USER_INPUT"
    assert extensions["rule"] == "CURSOR"
    assert extensions["argument"] == "after"


@pytest.mark.parametrize("after", ["²", "①"], ids=["superscript-two", "circled-one"])
async def test_a_cursor_of_unicode_digit_characters_is_refused(
    api: Api, tokens: dict[str, str], after: str
) -> None:
    # when the cursor holds characters Python calls digits but no number is made of
    body = await api.query(CHANGES, {"after": after, "first": 10}, token=tokens["approval-market"])
    # then it is refused as a bad cursor like any other
    extensions = error_of(body)
    assert (extensions["code"], extensions.get("rule")) == ("BAD_USER_INPUT", "CURSOR")


@pytest.mark.parametrize("first", [0, -1, 1001])
async def test_a_page_size_out_of_range_is_refused(
    api: Api, tokens: dict[str, str], first: int
) -> None:
    body = await api.query(CHANGES, {"first": first}, token=tokens["approval-market"])
    extensions = error_of(body)
    assert extensions["code"] == "BAD_USER_INPUT"
    assert extensions["rule"] == "PAGE_SIZE"
    assert extensions["argument"] == "first"


async def test_the_largest_page_is_allowed(api: Api, tokens: dict[str, str]) -> None:
    page = await read(api, tokens["approval-market"], None, 1000)
    assert 0 < len(page["nodes"]) <= 1000


@pytest.mark.parametrize("beyond", [1000, 999_999_999_999_999_999], ids=["near", "18-digits"])
async def test_a_cursor_past_the_end_returns_nothing_at_that_cursor(
    api: Api, tokens: dict[str, str], beyond: int
) -> None:
    # given a cursor past the end of the feed
    token = tokens["approval-market"]
    end = int(await end_cursor(api, token))
    after = str(beyond if beyond > end else end + beyond)
    # when the feed is read after it
    page = await read(api, token, after, 10)
    # then there is nothing, and the cursor to continue from is the one given
    assert page == {"nodes": [], "endCursor": after, "hasMore": False}


# --- policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["approval-market", "approval-registry", "judge-zhang"])
async def test_who_may_read_the_feed(api: Api, tokens: dict[str, str], who: str) -> None:
    page = await read(api, tokens[who], None, 3)
    assert [n["cursor"] for n in page["nodes"]] == ["1", "2", "3"]


async def test_an_approval_system_learns_which_entry_not_who(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given a new entry on the list
    token = tokens["approval-market"]
    start = await end_cursor(api, token)
    person = (await fresh_respondents(app, demo, 1))[0]
    entry = await publish(api, person)
    # when the approval system asks the feed who is on it
    body = await api.query(WHO, {"after": start, "first": 10}, token=token)
    # then the ID number is withheld (a masked one could be recovered by checking candidates)
    # and the name is masked; the entry itself is named, to re-check the subjects it holds
    node = body["data"]["sanctionListChanges"]["nodes"][0]
    assert node["subjectId"] is None
    name = person["name"]
    assert node["name"] == (
        name[0] + "*" if len(name) == 2 else name[0] + "*" * (len(name) - 2) + name[-1]
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["sanctionListChanges", "nodes", 0, "subjectId"]
    assert person["idNumber"] not in json.dumps(body, ensure_ascii=False)
    await revoke(api, entry["id"])


@pytest.mark.parametrize("who", ["auditor-sun", "registry-wang", "market-zhao"])
async def test_who_may_not_read_the_feed(api: Api, tokens: dict[str, str], who: str) -> None:
    body = await api.query(CHANGES, {"first": 3}, token=tokens[who])
    extensions = error_of(body)
    assert extensions["code"] == "FORBIDDEN"
    assert extensions["reason"] == "POLICY"


# --- the subscription --------------------------------------------------------------------------


async def subscribe(app: Any, token: str, after: str | None) -> tuple[Any, Any]:
    """(error result, None) when refused at once, else (None, the stream)."""
    stream = await schema_of(app).subscribe(
        FOLLOW, variable_values={"after": after}, context_value=context_for(app, token)
    )
    if not hasattr(stream, "__anext__"):
        return stream, None
    return None, stream


async def refusal(app: Any, token: str, after: str | None) -> dict[str, Any]:
    error, stream = await subscribe(app, token, after)
    if stream is None:
        return error.errors[0].extensions  # type: ignore[no-any-return]
    try:
        result = await asyncio.wait_for(stream.__anext__(), 5)
    finally:
        await stream.aclose()
    assert result.errors, result
    return result.errors[0].extensions  # type: ignore[no-any-return]


async def test_the_subscription_sends_the_backlog_then_each_new_change(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given a cursor, and an entry published after it (the backlog)
    token = tokens["approval-market"]
    backlog_person, live_person = await fresh_respondents(app, demo, 2)
    start = await end_cursor(api, token)
    backlog = await publish(api, backlog_person)
    # when the approval system subscribes after the cursor
    error, stream = await subscribe(app, token, start)
    assert error is None
    waiting: asyncio.Future[Any] | None = None
    try:
        result = await asyncio.wait_for(stream.__anext__(), 5)
        # then it first receives the backlog
        assert result.errors is None
        first = result.data["sanctionListChanges"]
        assert without_cursor(first) == as_change(backlog, "PUBLISHED")
        assert int(first["cursor"]) > int(start)
        # and, when the judge publishes while it is open, the new change within seconds
        waiting = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.05)
        assert not waiting.done()
        live = await publish(api, live_person)
        result = await asyncio.wait_for(waiting, 5)
        assert result.errors is None
        second = result.data["sanctionListChanges"]
        assert without_cursor(second) == as_change(live, "PUBLISHED")
        assert int(second["cursor"]) > int(first["cursor"])
        # and a revocation is pushed too
        waiting = asyncio.ensure_future(stream.__anext__())
        gone = await revoke(api, backlog["id"])
        result = await asyncio.wait_for(waiting, 5)
        assert without_cursor(result.data["sanctionListChanges"]) == as_change(gone, "REVOKED")
    finally:
        if waiting is not None and not waiting.done():
            waiting.cancel()
            await asyncio.gather(waiting, return_exceptions=True)
        await stream.aclose()
    await revoke(api, live["id"])


async def test_the_judge_may_follow_the_feed(api: Api, app: Any, tokens: dict[str, str]) -> None:
    error, stream = await subscribe(app, tokens["judge-zhang"], "0")
    assert error is None
    try:
        result = await asyncio.wait_for(stream.__anext__(), 5)
    finally:
        await stream.aclose()
    assert result.errors is None
    assert result.data["sanctionListChanges"]["cursor"] == "1"


@pytest.mark.parametrize("who", ["auditor-sun", "registry-wang"])
async def test_the_subscription_refuses_who_may_not_follow(
    app: Any, tokens: dict[str, str], who: str
) -> None:
    extensions = await refusal(app, tokens[who], None)
    assert extensions["code"] == "FORBIDDEN"
    assert extensions["reason"] == "POLICY"


async def test_the_subscription_refuses_a_bad_cursor(app: Any, tokens: dict[str, str]) -> None:
    extensions = await refusal(app, tokens["approval-market"], "-1")
    assert (extensions["code"], extensions["rule"]) == ("BAD_USER_INPUT", "CURSOR")


async def test_a_websocket_without_a_token_is_closed(app: Any) -> None:
    replies = await connection_init(app, None)
    assert (replies[0]["type"], replies[0]["code"]) == ("websocket.close", 4403)


async def test_the_feed_over_a_websocket(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    """graphql-transport-ws end to end: connection_init with the token, subscribe, next."""
    # given an entry published after the approval system's cursor
    token = tokens["approval-registry"]
    (person,) = await fresh_respondents(app, demo, 1)
    start = await end_cursor(api, token)
    entry = await publish(api, person)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def say(message: dict[str, Any]) -> None:
        inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(message)})

    async def hear() -> dict[str, Any]:
        while True:
            message = await asyncio.wait_for(outbox.get(), 5)
            if message["type"] == "websocket.send":
                return json.loads(message.get("text") or message["bytes"])  # type: ignore[no-any-return]
            assert message["type"] == "websocket.accept", message

    async def send(message: dict[str, Any]) -> None:
        outbox.put_nowait(message)

    scope = graphql_ws_scope(app)
    inbox.put_nowait({"type": "websocket.connect"})
    session = asyncio.ensure_future(app(scope, inbox.get, send))
    try:
        # when it opens the connection with its token and subscribes after the cursor
        say({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert (await hear())["type"] == "connection_ack"
        say(
            {
                "id": "feed",
                "type": "subscribe",
                "payload": {"query": FOLLOW, "variables": {"after": start}},
            }
        )
        # then the change arrives as a next message
        message = await hear()
        assert (message["type"], message["id"]) == ("next", "feed"), message
        node = message["payload"]["data"]["sanctionListChanges"]
        assert without_cursor(node) == as_change(entry, "PUBLISHED")
        say({"id": "feed", "type": "complete"})
    finally:
        inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(session, 5)
    await revoke(api, entry["id"])


# --- concurrency (PostgreSQL) -------------------------------------------------------------------


@pytest.mark.postgres
async def test_concurrent_publications_leave_no_gap_and_no_duplicate(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    assert app.state.runtime.engine.dialect.name == "postgresql"
    # given ten respondents and the approval system at the end of the feed
    token = tokens["approval-market"]
    persons = await fresh_respondents(app, demo, 10)
    start = await end_cursor(api, token)
    # when the judge publishes for all ten at once, while a reader polls the feed on its cursor
    seen: list[dict[str, Any]] = []

    async def poll() -> None:
        cursor = start
        while len(seen) < 10:
            page = await read(api, token, cursor, 3)
            seen.extend(page["nodes"])
            cursor = page["endCursor"]
            await asyncio.sleep(0.01)

    reader = asyncio.ensure_future(poll())
    bodies = await asyncio.gather(
        *(api.query(PUBLISH, {"input": publish_input(p)}) for p in persons)
    )
    await asyncio.wait_for(reader, 5)
    entries = [b["data"]["sanctionEntryPublish"] for b in bodies]
    assert all(e["errors"] == [] for e in entries), entries
    ids = [e["entry"]["id"] for e in entries]
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(sanction_changes.c.seq, sanction_changes.c.entry_id)
                .where(sanction_changes.c.seq > int(start))
                .order_by(sanction_changes.c.seq)
            )
        ).all()
    # then there are ten changes with consecutive sequence numbers and distinct entries
    assert len(set(ids)) == 10
    seqs = [seq for seq, _ in rows]
    assert seqs == list(range(int(start) + 1, int(start) + 11))
    assert sorted(entry for _, entry in rows) == sorted(ids)
    # and the feed after the start cursor returns all ten, in sequence order
    page = await read(api, token, start)
    assert [int(n["cursor"]) for n in page["nodes"]] == seqs
    assert sorted(n["entryId"] for n in page["nodes"]) == sorted(ids)
    assert {n["change"] for n in page["nodes"]} == {"PUBLISHED"}
    assert page["hasMore"] is False
    # and the reader that followed while they were committed missed none of them
    assert [n["cursor"] for n in seen] == [n["cursor"] for n in page["nodes"]]
    for entry_id in ids:
        await revoke(api, entry_id)
