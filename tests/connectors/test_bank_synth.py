"""The banks' synthetic deposits: consistent with the world and with the rules of freezes.

Checked from the generated rows alone (no code of the generator's): amounts exact, available =
balance − frozen ≥ 0, ranks gapless per account, terms of at most one year (民诉法解释
第四百八十五条: 人民法院冻结被执行人的银行存款的期限不得超过一年).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from connectors import registry
from connectors.base.world import AS_OF, COURTS, World, build_world

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(7, 1_500)


@pytest.fixture(scope="module")
def rows(world: World) -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {name: registry.get(name).generate(world) for name in registry.banks()}


def test_the_demo_has_eight_banks_with_the_named_ones() -> None:
    titles = {registry.get(name).title for name in registry.banks()}
    assert len(titles) == 8
    for bank in ("工商", "农业", "中国银行", "建设", "交通", "邮政储蓄", "招商", "烟台银行"):
        assert any(bank in t for t in titles), bank
    assert all(name.startswith("bank:") for name in registry.banks())


def test_every_holder_is_a_subject_of_the_world_with_zero_to_six_accounts(
    world: World, rows: dict[str, Any]
) -> None:
    persons = {p.id_number: p for p in world.persons}
    enterprises = {e.uscc: e for e in world.enterprises}
    held: Counter[str] = Counter()
    numbers = []
    for tables in rows.values():
        for a in tables["accounts"]:
            held[a["holder_id"]] += 1
            numbers.append(a["account_number"])
            if a["holder_kind"] == "PERSON":
                assert a["holder_name"] == persons[a["holder_id"]].name
            else:
                assert a["holder_kind"] == "ENTERPRISE"
                assert a["holder_name"] == enterprises[a["holder_id"]].name
                assert enterprises[a["holder_id"]].status != "注销"
    assert len(numbers) == len(set(numbers)), "account numbers are unique across banks"
    assert max(held.values()) <= 6
    # some persons hold nothing, some hold several, at several banks
    assert sum(1 for p in persons if held[p] == 0) > 0
    assert sum(1 for p in persons if held[p] >= 4) > 0
    for tables in rows.values():
        assert tables["accounts"], "every bank holds accounts"


def test_amounts_are_exact_and_kinds_and_currencies_vary(rows: dict[str, Any]) -> None:
    accounts = [a for tables in rows.values() for a in tables["accounts"]]
    for a in accounts:
        assert type(a["balance"]) is Decimal
        assert a["balance"] == a["balance"].quantize(CENT) and a["balance"] >= 0
        assert a["kind"] in ("CURRENT", "TIME")
        assert a["currency"] in ("CNY", "USD")
        assert (a["matures_on"] is not None) == (a["kind"] == "TIME")
        assert a["opened_on"] <= AS_OF
    kinds = Counter(a["kind"] for a in accounts)
    currencies = Counter(a["currency"] for a in accounts)
    assert kinds["CURRENT"] > kinds["TIME"] > 0
    assert currencies["CNY"] > currencies["USD"] > 0


def test_freezes_never_take_more_than_the_balance_and_ranks_have_no_gaps(
    rows: dict[str, Any],
) -> None:
    courts = {name for _, _, name in COURTS}
    seen = Counter[str]()
    for tables in rows.values():
        balances = {a["account_number"]: a["balance"] for a in tables["accounts"]}
        on_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in tables["freezes"]:
            on_account[f["account_number"]].append(f)
        for number, freezes in on_account.items():
            balance = balances[number]  # a freeze is on an account of the same bank
            freezes.sort(key=lambda f: f["rank"])
            assert [f["rank"] for f in freezes] == list(range(1, len(freezes) + 1))
            frozen = sum((f["amount"] for f in freezes if f["status"] == "EFFECTIVE"), Decimal(0))
            assert frozen <= balance, number  # available = balance − frozen ≥ 0
            for f in freezes:
                seen[f["status"]] += 1
                assert f["court"] in courts
                assert type(f["amount"]) is Decimal and f["amount"] > 0
                assert f["amount"] == f["amount"].quantize(CENT)
                if f["status"] == "EFFECTIVE":
                    start, end = f["start_date"], f["end_date"]
                    # one year, the first day counted: it ends the day before the anniversary
                    # (from 2024-02-29, on 2025-02-28)
                    if (start.month, start.day) == (2, 29):
                        assert end == date(start.year + 1, 2, 28)
                    else:
                        anniversary = date(start.year + 1, start.month, start.day)
                        assert end == anniversary - timedelta(days=1)
                    assert end >= AS_OF, "none has ended as of the data's day"
                else:
                    assert f["status"] == "WAITING"
                    assert f["start_date"] is None and f["end_date"] is None
            # a freeze waits only when nothing was available when it was served
            statuses = [f["status"] for f in freezes]
            if "WAITING" in statuses:
                first = statuses.index("WAITING")
                assert "EFFECTIVE" not in statuses[first:]
                ahead = sum((f["amount"] for f in freezes[:first]), Decimal(0))
                assert ahead == balance
    assert seen["EFFECTIVE"] > 10 and seen["WAITING"] > 0


def test_the_same_world_gives_the_same_rows(world: World, rows: dict[str, Any]) -> None:
    again = build_world(7, 1_500)
    for name in registry.banks():
        assert registry.get(name).generate(again) == rows[name]
