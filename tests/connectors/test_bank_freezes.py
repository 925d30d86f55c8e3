"""Freezes served through the hub on banks' registers: release and deduction (扣划), driven at
random across several banks, accounts and courts, and the bank source's once-only answers.

The invariants are the register's own words (connectors/banks/register.py), checked from the
rows: never more frozen than the balance; never more deducted from a freeze than it held; ranks
1, 2, … without gaps and never renumbered; no freeze waits while money is available; and money
only leaves an account by a deduction (balance + deducted = the opening balance).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, insert, select

from connectors import registry
from connectors.banks import models as bk
from connectors.banks.records import FreezeNotice, TransferNotice
from connectors.banks.register import available, deduct, release, serve, settle
from connectors.base.annotations import Annotation

START = date(2025, 1, 1)
amounts = st.integers(min_value=1, max_value=1_000_000).map(lambda c: Decimal(c).scaleb(-2))
BANKS = ("bank:102", "bank:105", "bank:313")
COURTS = ("370602", "370611", "370682")


def check(book: dict[str, Any], today: date) -> None:
    rows, balance = book["rows"], book["balance"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1)), "ranks gapless"
    frozen = sum((r["amount"] for r in rows if r["status"] == "EFFECTIVE"), Decimal(0))
    assert frozen <= balance, "never more frozen than the balance"
    if any(r["status"] == "WAITING" for r in rows):
        assert frozen == balance, "a freeze waits only while nothing is available"
    assert balance + sum(book["deducted"].values(), Decimal(0)) == book["opening"]
    for r in rows:
        taken = book["deducted"].get(id(r), Decimal(0))
        assert taken <= book["held"][id(r)], "never more deducted than the freeze held"
        if r["status"] == "EFFECTIVE":
            assert r["amount"] + taken <= book["held"][id(r)]
            assert r["end_date"] >= today


@settings(max_examples=250, deadline=None)
@given(
    balances=st.lists(amounts, min_size=len(BANKS), max_size=len(BANKS)),
    events=st.lists(
        st.tuples(
            st.sampled_from(["serve", "release", "lapse", "deduct"]),
            st.integers(0, len(BANKS) - 1),  # which bank's account
            st.integers(0, 200),  # days passing
            amounts,
            st.integers(0, 30),  # which freeze (release / deduct)
            st.sampled_from(COURTS),
        ),
        max_size=40,
    ),
)
def test_random_freezes_waits_releases_lapses_and_deductions_keep_the_invariants(
    balances: list[Decimal], events: list[tuple[str, int, int, Decimal, int, str]]
) -> None:
    # given one account at each of three banks, and random courts' actions on them over time
    books = [{"balance": b, "opening": b, "rows": [], "held": {}, "deducted": {}} for b in balances]
    day = START
    for what, at, days, amount, pick, court in events:
        day += timedelta(days=days)
        book = books[at]
        rows = book["rows"]
        ranks = [r["rank"] for r in rows]
        # when the event happens (the lapse job runs first every day, as the bank's does)
        for other in books:
            settle(other["rows"], balance=other["balance"], today=day)
        if what == "serve":
            before = available(rows, book["balance"])
            row = serve(rows, balance=book["balance"], asked=amount, on=day)
            row["court"] = court
            book["held"][id(row)] = row["amount"]
            # then it takes what it asks or what is available, or waits when nothing is
            if before > 0:
                assert (row["status"], row["amount"]) == ("EFFECTIVE", min(amount, before))
            else:
                assert (row["status"], row["amount"]) == ("WAITING", amount)
        elif what == "release" and rows:
            row = rows[pick % len(rows)]
            was = row["status"]
            changed = release(rows, row, balance=book["balance"], today=day)
            assert row["status"] == ("RELEASED" if was in ("EFFECTIVE", "WAITING") else was)
            assert (changed[:1] == [row]) == (was in ("EFFECTIVE", "WAITING"))
        elif what == "deduct" and rows:
            row = rows[pick % len(rows)]
            if row["status"] != "EFFECTIVE" or amount > row["amount"]:
                with pytest.raises(ValueError):
                    deduct(row, amount=amount)
            else:
                deduct(row, amount=amount)
                book["balance"] -= amount
                book["deducted"][id(row)] = book["deducted"].get(id(row), Decimal(0)) + amount
        for r in rows:  # what a freeze held is what it took when it took effect
            if r["status"] == "EFFECTIVE" and r["start_date"] is not None:
                book["held"][id(r)] = max(
                    book["held"][id(r)], r["amount"] + book["deducted"].get(id(r), Decimal(0))
                )
        assert [r["rank"] for r in rows][: len(ranks)] == ranks  # never renumbered
        for other in books:
            check(other, day)


def test_a_release_puts_the_waiting_freezes_into_effect_that_day() -> None:
    # given 100.00 frozen 70 + 30, a third freeze waiting for 50
    rows: list[dict[str, Any]] = []
    for asked, on in (("70.00", date(2026, 1, 5)), ("30.00", date(2026, 2, 1))):
        serve(rows, balance=Decimal("100.00"), asked=Decimal(asked), on=on)
    serve(rows, balance=Decimal("100.00"), asked=Decimal("50.00"), on=date(2026, 3, 1))
    # when the first is released on 2026-04-10
    changed = release(rows, rows[0], balance=Decimal("100.00"), today=date(2026, 4, 10))
    # then the third holds 50 of the 70 freed, from that day for a year (民诉法解释 第四百八十五条)
    assert [(r["rank"], r["status"], r["amount"]) for r in rows] == [
        (1, "RELEASED", Decimal("70.00")),
        (2, "EFFECTIVE", Decimal("30.00")),
        (3, "EFFECTIVE", Decimal("50.00")),
    ]
    assert (rows[2]["start_date"], rows[2]["end_date"]) == (date(2026, 4, 10), date(2027, 4, 9))
    assert [r["rank"] for r in changed] == [1, 3]


def test_a_deduction_takes_only_from_a_freeze_in_effect_and_at_most_what_it_holds() -> None:
    # given a freeze of 40.00 in effect and one waiting
    rows: list[dict[str, Any]] = []
    serve(rows, balance=Decimal("40.00"), asked=Decimal("40.00"), on=date(2026, 1, 5))
    serve(rows, balance=Decimal("40.00"), asked=Decimal("10.00"), on=date(2026, 1, 6))
    # when more than it holds, or from the waiting one, is asked: then refused
    with pytest.raises(ValueError, match=r"holds 40\.00"):
        deduct(rows[0], amount=Decimal("40.01"))
    with pytest.raises(ValueError, match="WAITING"):
        deduct(rows[1], amount=Decimal("1.00"))
    # when 15.50 is deducted: then the freeze holds 24.50
    deduct(rows[0], amount=Decimal("15.50"))
    assert rows[0]["amount"] == Decimal("24.50")


ACCOUNT = "1020602000000000001"


def _bank(tmp_path: Path, balance: str) -> Any:
    url = f"sqlite:///{tmp_path / 'bank.sqlite3'}"
    engine = create_engine(url)
    bk.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(bk.accounts).values(
                account_number=ACCOUNT, holder_kind="PERSON", holder_id="370602199001011234",
                holder_name="张三", kind="CURRENT", currency="CNY", balance=Decimal(balance),
                opened_on=date(2020, 1, 1), matures_on=None, branch="工商银行芝罘支行",
                status="NORMAL",
            )
        )  # fmt: skip
    engine.dispose()
    return registry.get("bank:102").embedded(url)


def _notice(order_id: str, amount: str, currency: str = "CNY") -> FreezeNotice:
    return FreezeNotice(
        order_id=order_id, account_number=ACCOUNT, court="烟台市芝罘区人民法院",
        case_number="（2026）鲁0602执1号", ruling_number="（2026）鲁0602执1号之一",
        amount=Decimal(amount), currency=currency, served_on=date(2026, 12, 1),
    )  # fmt: skip


async def test_the_bank_serves_an_order_once_and_moves_money_once(tmp_path: Path) -> None:
    # given an account of 1000.00 and a freeze of 600 served twice (a retried delivery)
    source = _bank(tmp_path, "1000.00")
    try:
        first = await source.serve_freeze(_notice("FO-2026-A", "600.00"))
        again = await source.serve_freeze(_notice("FO-2026-A", "600.00"))
        second = await source.serve_freeze(_notice("FO-2026-B", "900.00"))
        # when 250.00 is deducted from the first, the same deduction sent twice
        transfer = TransferNotice(
            idempotency_key="DD-1", freeze_order_id="FO-2026-A", account_number=ACCOUNT,
            court="烟台市芝罘区人民法院", case_number="（2026）鲁0602执1号",
            ruling_number="（2026）鲁0602执1号之二", payee="烟台市芝罘区人民法院执行款专户",
            amount=Decimal("250.00"), currency="CNY",
        )  # fmt: skip
        done = await source.transfer(transfer)
        redone = await source.transfer(transfer)
        (account,) = (await source.accounts([ACCOUNT])).values()
        register = (await source.freezes([ACCOUNT]))[ACCOUNT]
        by_case = await source.transfers(["（2026）鲁0602执1号"])
    finally:
        source.close()
    # then the order was frozen once (600), the second took the 400 left
    assert first == again and (first.rank, first.status, first.amount) == (
        1,
        "EFFECTIVE",
        Decimal("600.00"),
    )
    assert (second.rank, second.status, second.amount) == (2, "EFFECTIVE", Decimal("400.00"))
    # and 250.00 moved once: the same receipt twice, the balance 750.00, the freeze 350.00
    assert done == redone and done.amount == Decimal("250.00")
    assert account.balance == Decimal("750.00") and account.available_balance == Decimal("0.00")
    assert [(f.order_id, f.amount) for f in register] == [
        ("FO-2026-A", Decimal("350.00")),
        ("FO-2026-B", Decimal("400.00")),
    ]
    assert by_case == {"（2026）鲁0602执1号": [done]}


async def test_the_bank_refuses_what_does_not_fit_and_releases_on_the_hubs_word(
    tmp_path: Path,
) -> None:
    # given an account of 100.00 in CNY, frozen 100 by one order and waited on by another
    source = _bank(tmp_path, "100.00")
    try:
        # when a notice names another currency or an unknown account: then refused
        with pytest.raises(ValueError, match="CNY, not USD"):
            await source.serve_freeze(_notice("FO-2026-X", "1.00", currency="USD"))
        with pytest.raises(LookupError):
            await source.serve_freeze(
                FreezeNotice(**{**_notice("FO-2026-Y", "1.00").to_json(), "amount": Decimal(1),
                                "served_on": date(2026, 12, 1), "account_number": "999"})
            )  # fmt: skip
        await source.serve_freeze(_notice("FO-2026-A", "100.00"))
        waiting = await source.serve_freeze(_notice("FO-2026-B", "30.00"))
        # when the hub's release of the first arrives (twice)
        released = Annotation(
            order_id="FO-2026-A", asset_id=ACCOUNT, kind="FREEZE", court="芝罘区法院",
            case_number="（2026）鲁0602执1号", document_number="102-DJ-FO-2026-A", rank=1,
            status="RELEASED", start_date=date(2026, 12, 1), end_date=date(2027, 11, 30),
        )  # fmt: skip
        assert await source.annotate(released)
        assert await source.annotate(released)
        register = (await source.freezes([ACCOUNT]))[ACCOUNT]
    finally:
        source.close()
    # then the first is released and the waiting one holds its 30.00
    assert waiting.status == "WAITING"
    assert [(f.rank, f.status, f.amount) for f in register] == [
        (1, "RELEASED", Decimal("100.00")),
        (2, "EFFECTIVE", Decimal("30.00")),
    ]
    engine = create_engine(f"sqlite:///{tmp_path / 'bank.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(select(bk.freezes.c.order_id)).scalars().all() == [
            "FO-2026-A",
            "FO-2026-B",
        ]
    engine.dispose()


async def test_a_remote_bank_answers_what_the_embedded_one_does(tmp_path: Path) -> None:
    from connectors.base.service import agency_app
    from tests.servers import Served

    # given a bank's service over its database of one account of 1000.00, and its remote source
    embedded = _bank(tmp_path, "1000.00")
    connector = registry.get("bank:102")
    server = Served(agency_app(connector, embedded))
    await server.start()
    remote: Any = connector.remote(server.url)
    transfer = TransferNotice(
        idempotency_key="DD-9", freeze_order_id="FO-2026-R", account_number=ACCOUNT,
        court="烟台市芝罘区人民法院", case_number="（2026）鲁0602执1号",
        ruling_number="（2026）鲁0602执1号之二", payee="烟台市芝罘区人民法院执行款专户",
        amount=Decimal("99.99"), currency="CNY",
    )  # fmt: skip
    try:
        # when a freeze is served twice and a transfer made twice over HTTP
        first = await remote.serve_freeze(_notice("FO-2026-R", "300.00"))
        again = await remote.serve_freeze(_notice("FO-2026-R", "300.00"))
        done = await remote.transfer(transfer)
        redone = await remote.transfer(transfer)
        accounts = await remote.accounts([ACCOUNT, "unknown"])
        register = await remote.freezes([ACCOUNT])
        by_case = await remote.transfers(["（2026）鲁0602执1号"])
        # and notices the bank refuses are sent
        with pytest.raises(ValueError, match="CNY, not USD"):
            await remote.serve_freeze(_notice("FO-2026-S", "1.00", currency="USD"))
        with pytest.raises(ValueError, match=r"holds 200\.01"):
            await remote.transfer(
                TransferNotice(**{**transfer.to_json(), "idempotency_key": "DD-10",
                                  "amount": Decimal("300.00")})
            )  # fmt: skip
    finally:
        await remote.aclose()
        await server.stop()
        embedded.close()
    # then the same records as the embedded source: frozen once, moved once
    assert first == again and (first.status, first.amount) == ("EFFECTIVE", Decimal("300.00"))
    assert done == redone and done.amount == Decimal("99.99")
    assert list(accounts) == [ACCOUNT] and accounts[ACCOUNT].balance == Decimal("900.01")
    assert [(f.order_id, f.amount) for f in register[ACCOUNT]] == [("FO-2026-R", Decimal("200.01"))]
    assert by_case == {"（2026）鲁0602执1号": [done]}
