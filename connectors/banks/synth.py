"""Synthetic deposits: every subject's accounts across the demo banks, and courts' freezes.

One allocation for the whole world (one random stream, subject by subject), from which each
bank's generator keeps its own rows: so the banks agree on who holds what where, and an account
number is unique across banks. A person holds 0–6 accounts, an enterprise 1–6 (none once
deregistered); most are 活期 (CURRENT) in CNY, some 定期 (TIME), a few in USD. Amounts are exact
decimals with two places.

Freezes are other courts' (none came through the hub), as of the synthetic data's day
(:data:`AS_OF`): each served within the last year, for a term of one year (民诉法解释
第四百八十五条: 冻结银行存款的期限不得超过一年), so none has ended by then. A freeze takes
the amount it asks for out of what is available; one served while nothing is left waits (轮候冻结,
status WAITING, no term yet). So per account: frozen = the EFFECTIVE amounts, available =
balance − frozen ≥ 0, ranks 1, 2, … without gaps in the order served.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from connectors.banks.register import TERM_MONTHS, serve
from connectors.base.annotations import term_end
from connectors.base.world import AS_OF, COURTS, REGIONS, World

__all__ = ["BANKS", "FREEZE_TERM_MONTHS", "Bank", "allocate", "generate"]

FREEZE_TERM_MONTHS = TERM_MONTHS  # 民诉法解释 第四百八十五条: 冻结银行存款的期限不得超过一年


@dataclass(frozen=True, slots=True)
class Bank:
    code: str  # demo code: the bank-class (行别) prefix of a CNAPS bank number
    name: str  # the bank's legal name
    short: str  # how people name it
    weight: float  # share of the demo's accounts


# The demo's banks. The codes are demo codes: the three-digit bank-class prefixes of China's
# payment system (CNAPS) bank numbers as commonly published (102 工商, 103 农业, 104 中国银行,
# 105 建设, 301 交通, 403 邮储, 308 招商, 313 城市商业银行), not checked here against an official
# list; 313 is the class of every city commercial bank, 烟台银行 is the demo's only one.
BANKS: tuple[Bank, ...] = (
    Bank("102", "中国工商银行股份有限公司", "工商银行", 20),
    Bank("103", "中国农业银行股份有限公司", "农业银行", 16),
    Bank("104", "中国银行股份有限公司", "中国银行", 12),
    Bank("105", "中国建设银行股份有限公司", "建设银行", 17),
    Bank("301", "交通银行股份有限公司", "交通银行", 7),
    Bank("403", "中国邮政储蓄银行股份有限公司", "邮储银行", 12),
    Bank("308", "招商银行股份有限公司", "招商银行", 8),
    Bank("313", "烟台银行股份有限公司", "烟台银行", 8),
)
_BANK_CUM = list(accumulate(b.weight for b in BANKS))
# accounts a person holds: 0..6
_PERSON_ACCOUNTS_CUM = list(accumulate((10, 25, 25, 18, 12, 6, 4)))
# accounts an enterprise holds: 1..6 (a basic account, then general ones)
_ENTERPRISE_ACCOUNTS_CUM = list(accumulate((40, 28, 16, 8, 5, 3)))
_FREEZE_SHARE = 0.05  # of the accounts with money in them
_LAST_SERVICE = AS_OF.toordinal()
_FIRST_SERVICE = (AS_OF - timedelta(days=330)).toordinal()


def _pick(rng: random.Random, cum: Sequence[float]) -> int:
    return bisect(cum, rng.random() * cum[-1])


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _balance(rng: random.Random, enterprise: bool, kind: str, currency: str) -> Decimal:
    rnd = rng.random
    if kind == "TIME":  # 定期: whole hundreds
        top = 5_000_000 if enterprise else 500_000
        hundreds = 100 + int(rnd() * rnd() * top / 100)
        amount = Decimal(hundreds * 100)
    else:
        top = 800_000_000 if enterprise else 30_000_000  # cents
        amount = _cents(int(rnd() * rnd() * rnd() * top))
        if rnd() < 0.12:  # an almost empty account
            amount = _cents(int(rnd() * 10_000))
    if currency == "USD":
        amount = (amount / 7).quantize(Decimal("0.01"))
    return amount


def _freezes(rng: random.Random, number: str, balance: Decimal) -> list[dict[str, Any]]:
    """Other courts' freezes of this account, served one after another by the bank's rule
    (:func:`connectors.banks.register.serve`)."""
    rnd = rng.random
    if balance <= 0 or not rnd() < _FREEZE_SHARE:
        return []
    rows: list[dict[str, Any]] = []
    served = _FIRST_SERVICE + int(rnd() * (_LAST_SERVICE - _FIRST_SERVICE))
    for rank in range(1, 4):
        _, abbr, court = COURTS[0] if rnd() < 0.6 else rng.choice(COURTS)
        start = date.fromordinal(served)
        case = f"（{start.year}）{abbr}执{1 + int(rnd() * 3000)}号"
        asked = (balance * Decimal(str(round(0.2 + rnd() * 1.3, 2)))).quantize(Decimal("0.01"))
        row = serve(rows, balance=balance, asked=max(asked, Decimal("0.01")), on=start)
        row.update(
            account_number=number,
            court=court,
            case_number=case,
            document_number=f"{case}之{'一二三'[rank - 1]}",
        )
        if not rnd() < 0.3 or served >= _LAST_SERVICE:
            break
        served += 1 + int(rnd() * (_LAST_SERVICE - served))
    return rows


_CACHE: dict[tuple[int, int, int, int], dict[str, dict[str, list[dict[str, Any]]]]] = {}


def allocate(world: World) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every bank's rows for ``world``: bank code -> {"accounts": [...], "freezes": [...]}."""
    key = (id(world), world.seed, len(world.persons), len(world.enterprises))
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    rng = random.Random(f"{world.seed}:banks")
    rnd = rng.random
    out: dict[str, dict[str, list[dict[str, Any]]]] = {
        b.code: {"accounts": [], "freezes": []} for b in BANKS
    }
    serial = 0
    holders: list[tuple[str, str, str, str, bool, date]] = []
    for p in world.persons:
        n = _pick(rng, _PERSON_ACCOUNTS_CUM)
        if p.registration_status == "死亡":
            n = min(n, 1)
        since = max(p.birth_date.toordinal() + 18 * 365, date(2000, 1, 1).toordinal())
        holders += [("PERSON", p.id_number, p.name, p.region, False, date.fromordinal(since))] * n
    for e in world.enterprises:
        n = 0 if e.status == "注销" else 1 + _pick(rng, _ENTERPRISE_ACCOUNTS_CUM)
        holders += [("ENTERPRISE", e.uscc, e.name, e.region, True, e.established_on)] * n
    for holder_kind, holder_id, name, region, enterprise, since_day in holders:
        bank = BANKS[_pick(rng, _BANK_CUM)]
        serial += 1
        number = f"{bank.code}{region[2:6]}{serial:012d}"
        kind = "TIME" if rnd() < (0.15 if enterprise else 0.25) else "CURRENT"
        currency = "USD" if rnd() < (0.08 if enterprise else 0.03) else "CNY"
        balance = _balance(rng, enterprise, kind, currency)
        span = max(1, AS_OF.toordinal() - since_day.toordinal())
        opened = date.fromordinal(since_day.toordinal() + int(rnd() * span))
        matures = term_end(opened, months=12 * rng.choice((1, 2, 3, 5))) if kind == "TIME" else None
        while matures is not None and matures < AS_OF:  # renewed automatically (自动转存)
            matures = term_end(matures + timedelta(days=1), months=12)
        _, city, county = REGIONS[region]
        out[bank.code]["accounts"].append(
            {
                "account_number": number,
                "holder_kind": holder_kind,
                "holder_id": holder_id,
                "holder_name": name,
                "kind": kind,
                "currency": currency,
                "balance": balance,
                "opened_on": opened,
                "matures_on": matures,
                "branch": f"{bank.short}{city}{county}支行",
                "status": "DORMANT"
                if kind == "CURRENT" and balance < 10 and rnd() < 0.5
                else "NORMAL",
            }
        )
        out[bank.code]["freezes"] += _freezes(rng, number, balance)
    _CACHE.clear()
    _CACHE[key] = out
    return out


def generate(world: World, code: str) -> dict[str, list[dict[str, Any]]]:
    """Rows of bank ``code``'s tables for ``world``."""
    return allocate(world)[code]
