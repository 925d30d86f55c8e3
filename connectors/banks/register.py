"""A bank's register of courts' freezes of amounts: serving a freeze, and lapse.

The bank's own rule, on one account's rows (dicts with ``rank``, ``amount``, ``status``,
``start_date``, ``end_date``), ranked by the time each court's notice was served:

- **Serving** (:func:`serve`): a freeze takes the amount it asks for out of what is available
  (balance − the EFFECTIVE freezes), for one year from the day it is served
  (《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第四百八十五条: 人民法院冻结被执行人的银行存款的
  期限不得超过一年); when nothing is available it waits (轮候冻结: WAITING, asking for its
  amount, no term yet), behind every freeze already there.
- **Lapse** (:func:`settle`): a freeze in effect whose term ended before ``today`` lapses
  (EXPIRED), earliest end first; what it held is available again from the day after, and the
  freezes waiting take effect in rank order, each for what it asked or what is still available,
  whichever is less, for one year from that day. A rank is a place in line: never renumbered.
- **Release** (:func:`release`, 解除冻结): a freeze in effect or waiting ends (RELEASED); what it
  held is available again that day and the waiting freezes take effect as on a lapse.
- **Deduction** (:func:`deduct`, 扣划): money leaves the account only out of a freeze in effect,
  at most what that freeze holds; the freeze and the balance shrink by the amount, so what is
  available to the others does not change. 《民事诉讼法》(2023) 第二百五十三条: 人民法院……有权根据不同情形
  扣押、冻结、划拨、变价被执行人的财产; 查封规定 第二十九条 (划拨 of frozen deposits) — the court
  draws from what its own freeze holds.

So on every account: frozen (the EFFECTIVE amounts) ≤ balance, ranks 1, 2, … without gaps, no
freeze waits while money is available, and nothing is deducted beyond what a freeze held.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from connectors.base.annotations import term_end

__all__ = ["TERM_MONTHS", "available", "deduct", "release", "serve", "settle"]

TERM_MONTHS = 12  # 民诉法解释 第四百八十五条: 冻结银行存款的期限不得超过一年

Row = dict[str, Any]


def available(rows: Iterable[Row], balance: Decimal) -> Decimal:
    """What a new freeze could take: the balance less the EFFECTIVE freezes."""
    return balance - sum((r["amount"] for r in rows if r["status"] == "EFFECTIVE"), Decimal(0))


def serve(rows: list[Row], *, balance: Decimal, asked: Decimal, on: date) -> dict[str, Any]:
    """A freeze of ``asked`` served on ``on``: the row it adds to ``rows`` (in place), ranked
    last; EFFECTIVE for what is available (at most ``asked``) or WAITING when nothing is."""
    if asked <= 0:
        raise ValueError("a freeze asks for a positive amount")
    free = available(rows, balance)
    row: dict[str, Any] = {"rank": len(rows) + 1}
    if free > 0:
        row.update(
            amount=min(asked, free),
            start_date=on,
            end_date=term_end(on, months=TERM_MONTHS),
            status="EFFECTIVE",
        )
    else:
        row.update(amount=asked, start_date=None, end_date=None, status="WAITING")
    rows.append(row)
    return row


def settle(rows: list[Row], *, balance: Decimal, today: date) -> list[Row]:
    """Lapse the freezes whose term ended before ``today`` and put the waiting ones into effect
    for what that frees (see the module's words); changes ``rows`` in place and returns the rows
    changed."""
    changed: list[Row] = []
    while True:
        ended = [r for r in rows if r["status"] == "EFFECTIVE" and r["end_date"] < today]
        if not ended:
            unique = {id(r): r for r in changed}  # a row may take effect, then lapse
            return list(unique.values())
        first = min(ended, key=lambda r: (r["end_date"], r["rank"]))
        first["status"] = "EXPIRED"
        changed.append(first)
        changed += _take_effect(rows, balance=balance, on=first["end_date"] + timedelta(days=1))


def _take_effect(rows: list[Row], *, balance: Decimal, on: date) -> list[Row]:
    """The waiting freezes take effect in rank order, each for what it asked or what is still
    available, whichever is less, for one year from ``on``; returns them."""
    changed: list[Row] = []
    free = available(rows, balance)
    for row in sorted(rows, key=lambda r: r["rank"]):
        if free <= 0:
            break
        if row["status"] != "WAITING":
            continue
        take = min(row["amount"], free)
        row.update(
            amount=take,
            start_date=on,
            end_date=term_end(on, months=TERM_MONTHS),
            status="EFFECTIVE",
        )
        changed.append(row)
        free -= take
    return changed


def release(rows: list[Row], row: Row, *, balance: Decimal, today: date) -> list[Row]:
    """解除冻结 of ``row`` (one of ``rows``, in effect or waiting) on ``today``: it ends
    (RELEASED) and the waiting freezes take effect for what that frees, from that day. Changes
    ``rows`` in place; returns the rows changed, ``row`` first (nothing if it had ended)."""
    if row["status"] not in ("EFFECTIVE", "WAITING"):
        return []
    row["status"] = "RELEASED"
    return [row, *_take_effect(rows, balance=balance, on=today)]


def deduct(row: Row, *, amount: Decimal) -> None:
    """扣划 ``amount`` out of the freeze ``row``: only from a freeze in effect, never more than
    it holds (ValueError otherwise). The freeze keeps what is left; the caller takes the same
    amount off the balance, so what is available to the other freezes does not change."""
    if row["status"] != "EFFECTIVE":
        raise ValueError(f"a deduction is made from a freeze in effect, not a {row['status']} one")
    if amount <= 0:
        raise ValueError("a deduction moves a positive amount")
    if amount > row["amount"]:
        raise ValueError(f"the freeze holds {row['amount']}, less than {amount}")
    row["amount"] = row["amount"] - amount
