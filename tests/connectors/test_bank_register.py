"""A bank's register of freezes of amounts: serving and lapse, driven at random (hypothesis).

The invariants are the rule's own words (connectors/banks/register.py), checked from the rows:
never more frozen than the balance; ranks 1, 2, … without gaps and never renumbered; no freeze
waits while money is available; a freeze in effect runs one year (民诉法解释 第四百八十五条:
冻结银行存款的期限不得超过一年) and none is in effect past its end after the lapse job.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, insert, select

from connectors import registry
from connectors.banks import models as bk
from connectors.banks.register import available, serve, settle

START = date(2025, 1, 1)
amounts = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c).scaleb(-2))


def one_year(start: date) -> date:
    """The last day of a one-year term from ``start`` (the first day counted), by hand."""
    if (start.month, start.day) == (2, 29):
        return date(start.year + 1, 2, 28)
    return date(start.year + 1, start.month, start.day) - timedelta(days=1)


def check(rows: list[dict[str, Any]], balance: Decimal, today: date | None) -> None:
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    frozen = sum((r["amount"] for r in rows if r["status"] == "EFFECTIVE"), Decimal(0))
    assert frozen <= balance
    if any(r["status"] == "WAITING" for r in rows):
        assert frozen == balance, "a freeze waits only while nothing is available"
    for r in rows:
        assert r["amount"] > 0
        if r["status"] == "EFFECTIVE":
            assert r["end_date"] == one_year(r["start_date"])
            if today is not None:
                assert r["end_date"] >= today
        elif r["status"] == "WAITING":
            assert r["start_date"] is None and r["end_date"] is None


@settings(max_examples=300, deadline=None)
@given(
    balance=amounts,
    events=st.lists(
        st.tuples(st.sampled_from(["serve", "lapse"]), st.integers(0, 500), amounts),
        max_size=25,
    ),
)
def test_random_freezes_and_lapses_keep_the_registers_invariants(
    balance: Decimal, events: list[tuple[str, int, Decimal]]
) -> None:
    rows: list[dict[str, Any]] = []
    day = START
    for what, days, amount in events:
        day += timedelta(days=days)
        if what == "serve":
            before = available(rows, balance)
            row = serve(rows, balance=balance, asked=amount, on=day)
            # it takes what it asks, or what is available; or it waits when nothing is
            if before > 0:
                assert (row["status"], row["amount"]) == ("EFFECTIVE", min(amount, before))
            else:
                assert (row["status"], row["amount"]) == ("WAITING", amount)
            check(rows, balance, None)
        else:
            ranks = [r["rank"] for r in rows]
            settle(rows, balance=balance, today=day)
            assert [r["rank"] for r in rows] == ranks  # never renumbered
            check(rows, balance, day)


def test_a_lapse_puts_the_waiting_freezes_into_effect_for_what_it_frees() -> None:
    # given 100.00 frozen 60 + 40 by two courts, a third waiting for 50 and a fourth for 30
    rows: list[dict[str, Any]] = []
    serve(rows, balance=Decimal("100.00"), asked=Decimal("60.00"), on=date(2025, 3, 1))
    serve(rows, balance=Decimal("100.00"), asked=Decimal("40.00"), on=date(2025, 6, 1))
    serve(rows, balance=Decimal("100.00"), asked=Decimal("50.00"), on=date(2025, 7, 1))
    serve(rows, balance=Decimal("100.00"), asked=Decimal("30.00"), on=date(2025, 8, 1))
    # when the first ends (2026-02-28) and the lapse job runs the next day
    changed = settle(rows, balance=Decimal("100.00"), today=date(2026, 3, 1))
    # then it lapsed, the third took 50 and the fourth the 10 left, from 2026-03-01 for a year
    assert [(r["rank"], r["status"], r["amount"]) for r in rows] == [
        (1, "EXPIRED", Decimal("60.00")),
        (2, "EFFECTIVE", Decimal("40.00")),
        (3, "EFFECTIVE", Decimal("50.00")),
        (4, "EFFECTIVE", Decimal("10.00")),
    ]
    assert rows[2]["start_date"] == date(2026, 3, 1) and rows[2]["end_date"] == date(2027, 2, 28)
    assert [r["rank"] for r in changed] == [1, 3, 4]


async def test_the_bank_source_lapses_its_register(tmp_path: Path) -> None:
    # given a bank's database with one account of 500.00: a freeze of 500 that ended on
    # 2026-01-31, and one waiting for 200
    url = f"sqlite:///{tmp_path / 'bank.sqlite3'}"
    engine = create_engine(url)
    bk.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(bk.accounts).values(
                account_number="1020602000000000001", holder_kind="PERSON",
                holder_id="370602199001011234", holder_name="张三", kind="CURRENT",
                currency="CNY", balance=Decimal("500.00"), opened_on=date(2020, 1, 1),
                matures_on=None, branch="工商银行烟台市芝罘区支行", status="NORMAL",
            )
        )  # fmt: skip
        common = {"account_number": "1020602000000000001", "court": "烟台市芝罘区人民法院"}
        conn.execute(
            insert(bk.freezes),
            [
                {**common, "case_number": "（2025）鲁0602执1号", "document_number": "甲",
                 "amount": Decimal("500.00"), "rank": 1, "start_date": date(2025, 2, 1),
                 "end_date": date(2026, 1, 31), "status": "EFFECTIVE"},
                {**common, "case_number": "（2025）鲁0602执2号", "document_number": "乙",
                 "amount": Decimal("200.00"), "rank": 2, "start_date": None, "end_date": None,
                 "status": "WAITING"},
            ],
        )  # fmt: skip
    source = registry.get("bank:102").embedded(url)
    try:
        # when the lapse job runs on 2026-02-02
        changed = await source.lapse(date(2026, 2, 2))
        found = await source.deposits(["370602199001011234"])
    finally:
        source.close()
    # then the first lapsed and the waiting one holds 200 from 2026-02-01
    assert changed == ["1020602000000000001"]
    (account,) = found["370602199001011234"]
    assert [(f.rank, f.status, f.amount) for f in account.freezes] == [
        (1, "EXPIRED", Decimal("500.00")),
        (2, "EFFECTIVE", Decimal("200.00")),
    ]
    assert account.freezes[1].start_date == date(2026, 2, 1)
    assert (account.frozen_amount, account.available_balance) == (
        Decimal("200.00"),
        Decimal("300.00"),
    )
    with engine.connect() as conn:
        assert conn.execute(select(bk.freezes.c.status)).scalars().all() == [
            "EXPIRED",
            "EFFECTIVE",
        ]
    engine.dispose()
