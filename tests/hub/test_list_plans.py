"""The paged lists count and find their rows by index, not by reading a whole table.

Each list's count runs on every page the console shows, so it must stay fast as the hub's tables
grow: on SQLite, the plan of every statement a count runs searches its tables by an index
(``SEARCH … USING … INDEX``) and never scans one whole (``SCAN``); and a page of a court's or an
agency's orders or entries is read in its order from an index, not sorted whole each time
(``USE TEMP B-TREE FOR ORDER BY``; sorting the rows of one moment by id is fine). The indexes are
migration 0011's and those the tables had.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event

from hub.audit import queries as audit_queries
from hub.cases import service as cases_service
from hub.orders import service as orders_service
from hub.sanctions import queries as sanction_queries
from tests.conftest import PG_ENV

pytestmark = pytest.mark.skipif(
    bool(os.environ.get(PG_ENV)),
    reason="SQLite's plans (PostgreSQL chooses its plans by its own statistics of the tables)",
)

Count = Callable[[Any], Awaitable[Any]]

COUNTS: dict[str, Count] = {
    "a court's orders": lambda c: orders_service.count_orders(c, court_code="370602"),
    "a judge's orders": lambda c: orders_service.count_orders(
        c, court_code="370602", assigned_to="judge-zhang"
    ),
    "an agency's orders": lambda c: orders_service.count_orders(c, agency="real_estate"),
    "an agency's inbox": lambda c: orders_service.count_orders(
        c, agency="real_estate", status="DELIVERED"
    ),
    "a court's entries": lambda c: sanction_queries.count_entries(
        c, court_code="370602", assigned_to=None
    ),
    "a judge's entries": lambda c: sanction_queries.count_entries(
        c, court_code="370602", assigned_to="judge-zhang"
    ),
    "a judge's open cases": lambda c: cases_service.count_cases_of_judge(
        c, "judge-zhang", status="OPEN", number_contains=None
    ),
    "a user's audit entries": lambda c: audit_queries.count(
        c, audit_queries.EventFilter(user_id="judge-zhang")
    ),
    "a person's accesses": lambda c: audit_queries.count(
        c, audit_queries.EventFilter(subject_index="0" * 64, exclude_action="AUDIT_QUERY")
    ),
}
TABLES = ("freeze_orders", "sanction_entries", "cases", "case_judges", "audit_entries")

PAGES: dict[str, Count] = {
    "a court's orders": lambda c: orders_service.list_orders(
        c, court_code="370602", first=50, after=None
    ),
    "an agency's orders": lambda c: orders_service.list_orders(
        c, agency="real_estate", first=50, after=None
    ),
    "a court's entries": lambda c: sanction_queries.entry_page(
        c, court_code="370602", assigned_to=None, after=None, limit=51
    ),
}


async def plans(app: Any, run: Count) -> list[tuple[str, list[str]]]:
    """(statement, the steps of SQLite's plan) of each statement ``run`` makes."""
    ran: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # not the connection's set-up
            ran.append((statement, parameters))

    # on a connection of its own: the hub's background work runs statements of its own meanwhile
    async with app.state.runtime.engine.connect() as conn:
        event.listen(conn.sync_connection, "before_cursor_execute", capture)
        await run(conn)
        event.remove(conn.sync_connection, "before_cursor_execute", capture)
        assert ran
        out = []
        for statement, parameters in ran:
            plan = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            out.append((statement, [str(row[-1]) for row in plan]))
        return out


@pytest.mark.parametrize("name", sorted(COUNTS))
async def test_a_count_searches_by_index(app: Any, name: str) -> None:
    # given the statements the count runs, when SQLite says how it would run each
    for statement, steps in await plans(app, COUNTS[name]):
        # then no table of the lists is read whole, and each is searched by an index
        scans = {("SCAN", table) for table in TABLES}
        assert not [s for s in steps if tuple(s.split(" ")[:2]) in scans], (statement, steps)
        assert any(s.startswith("SEARCH") and "INDEX" in s for s in steps), steps


@pytest.mark.parametrize("name", sorted(PAGES))
async def test_a_page_is_read_in_order_from_an_index(app: Any, name: str) -> None:
    # given the statement a page runs, when SQLite says how it would run it
    [(statement, steps)] = await plans(app, PAGES[name])
    # then the rows are searched by an index in the list's order, not all sorted first
    assert any(s.startswith("SEARCH") and "INDEX" in s for s in steps), steps
    assert "USE TEMP B-TREE FOR ORDER BY" not in steps, (statement, steps)
