"""Synthetic tax data: registrations and credit grades, monthly returns, arrears, refunds, and
the income tax employers (and payers of labour services) withhold for persons."""

from __future__ import annotations

import random
from bisect import bisect
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from connectors.base.identifiers import make_uscc
from connectors.base.world import AS_OF, REGIONS, EnterpriseSeed, PersonSeed, World, is_working_age
from connectors.tax.rules import (
    CENT,
    filing_deadline,
    late_fee,
    service_withholding,
    wage_withholding,
)

__all__ = ["PERIODS", "generate", "tax_authority"]

# The twelve months the register shows: up to the month before AS_OF.
PERIODS = tuple(f"{2025 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d}" for i in range(12))
_GRADES = ("A", "B", "M", "C", "D")
_GRADE_CUM = list(accumulate((12, 58, 18, 7, 5)))
_GRADED_YEAR = 2025  # grades of a year are published in April of the next (公告2014年第40号)
_NEW_SINCE = date(2025, 1, 1)  # registered in the graded year: 新设立 (M, 公告2018年第8号)
_ARREARS_KINDS = ("增值税", "企业所得税", "城市维护建设税", "房产税", "城镇土地使用税")
_ARREARS_CUM = list(accumulate((50, 25, 10, 8, 7)))
_REFUND_KINDS = ("增量留抵退税", "多缴税款退税", "出口退税")
_BUSINESS_TRADES = ("便利店", "餐馆", "理发店", "五金店", "水果店", "修车铺", "服装店")


def tax_authority(region: str) -> str:
    """国家税务总局烟台市芝罘区税务局 / 国家税务总局龙口市税务局 / 国家税务总局北京市朝阳区税务局."""
    _, city, county = REGIONS[region]
    return f"国家税务总局{county if county.endswith('市') else city + county}税务局"


def _yuan(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def generate(world: World) -> dict[str, list[dict[str, Any]]]:
    """Rows of every tax table for ``world``: enterprise by enterprise (registration, returns,
    arrears, refunds), then person by person (individual businesses, income tax withheld)."""
    rng = random.Random(f"{world.seed}:tax")
    out: dict[str, list[dict[str, Any]]] = {
        "tax_registrations": [],
        "tax_filings": [],
        "tax_arrears": [],
        "tax_refunds": [],
        "income_tax_withholdings": [],
    }
    refund_serial = 1 + int(rng.random() * 100_000)
    for e in world.enterprises:
        refund_serial = _enterprise(rng, e, out, refund_serial)
    taken: set[str] = set()
    for p in world.persons:
        _business(rng, p, out, taken)
        _withholdings(rng, world, p, out)
    return out


def _enterprise(
    rng: random.Random, e: EnterpriseSeed, out: dict[str, list[dict[str, Any]]], serial: int
) -> int:
    rnd = rng.random
    status = {"注销": "注销", "吊销": "非正常"}.get(e.status, "非正常" if rnd() < 0.03 else "正常")
    registered = min(AS_OF, e.established_on + timedelta(days=1 + int(rnd() * 30)))
    capital = int(e.registered_capital)
    general = e.enterprise_type.startswith("股份") or capital >= 500 or rnd() < 0.25
    if status == "注销":
        grade = None
    elif status == "非正常":
        grade = "D"  # 非正常户 are graded D (纳税信用评价指标和评价方式 公告2014年第48号)
    elif registered >= _NEW_SINCE:
        grade = "M"
    else:
        grade = _GRADES[bisect(_GRADE_CUM, rnd() * _GRADE_CUM[-1])]
    out["tax_registrations"].append(
        {
            "taxpayer_id": e.uscc,
            "name": e.name,
            "taxpayer_kind": "一般纳税人" if general else "小规模纳税人",
            "operator_id": None,
            "authority": tax_authority(e.region),
            "registered_on": registered,
            "status": status,
            "credit_grade": grade,
            "graded_year": _GRADED_YEAR if grade is not None else None,
        }
    )
    if status == "注销":
        return serial
    # Monthly returns from the month after registration; a 非正常户 stopped filing 3-9 months ago.
    first = f"{registered.year:04d}-{registered.month:02d}"
    periods = [p for p in PERIODS if p > first]
    stopped = len(periods) - (3 + int(rnd() * 7)) if status == "非正常" else len(periods)
    scale = capital * (30 if general else 8)
    in_arrears = rnd() < (0.5 if status == "非正常" else 0.08)
    # Only a month whose deadline has passed can be owed (the last month is still being filed).
    overdue = [p for p in periods[:stopped] if filing_deadline(p) < AS_OF]
    owed = set(overdue[max(0, len(overdue) - 1 - int(rnd() * 3)) :]) if in_arrears else set()
    for i, period in enumerate(periods):
        filed = i < stopped
        zero = not general and rnd() < 0.2 and period not in owed
        payable = 0 if zero or not filed else 1000_00 + int(rnd() * rnd() * scale * 100)
        paid = int(payable * rnd() * 0.5) if period in owed else payable
        due = filing_deadline(period)
        out["tax_filings"].append(
            {
                "taxpayer_id": e.uscc,
                "period": period,
                "filed_on": due - timedelta(days=int(rnd() * 14)) if filed else None,
                "tax_payable": _yuan(payable),
                "tax_paid": _yuan(paid),
            }
        )
        if period in owed and filed:
            amount = _yuan(payable - paid)
            out["tax_arrears"].append(
                {
                    "taxpayer_id": e.uscc,
                    "tax_kind": _ARREARS_KINDS[bisect(_ARREARS_CUM, rnd() * _ARREARS_CUM[-1])],
                    "period": period,
                    "due_on": due,
                    "amount": amount,
                    "late_fee": late_fee(amount, due, AS_OF),
                    "as_of": AS_OF,
                }
            )
    if status == "正常" and rnd() < 0.08:
        for _ in range(1 + int(rnd() * 2)):
            serial += 1 + int(rnd() * 9)
            approved = AS_OF - timedelta(days=1 + int(rnd() * 700))
            # A refund due to a taxpayer in arrears is set against the arrears first
            # (《税收征收管理法实施细则》第七十九条), so only a taxpayer with none has one due.
            due_now = not in_arrears and ((AS_OF - approved).days < 60 or rnd() < 0.3)
            out["tax_refunds"].append(
                {
                    "refund_number": f"{e.region}{approved.year}TS{serial:08d}",
                    "taxpayer_id": e.uscc,
                    "kind": _REFUND_KINDS[int(rnd() * len(_REFUND_KINDS))],
                    "amount": _yuan(500_00 + int(rnd() * rnd() * scale * 300)),
                    "approved_on": approved,
                    "status": "待退库" if due_now else "已退库",
                }
            )
    return serial


def _business(
    rng: random.Random, p: PersonSeed, out: dict[str, list[dict[str, Any]]], taken: set[str]
) -> None:
    """An individual business (个体工商户) run by a working-age person without an employer."""
    rnd = rng.random
    if p.employer is not None or not is_working_age(p) or rnd() >= 0.08:
        return
    uscc = make_uscc(p.region, int(rnd() * 90_000_000) + 10_000_000, kind="2")  # 92…: 个体工商户
    if uscc in taken:
        return
    taken.add(uscc)
    registered = date.fromordinal(
        max(p.birth_date.toordinal() + 20 * 366, date(2005, 1, 1).toordinal()) + int(rnd() * 5000)
    )
    registered = min(registered, AS_OF - timedelta(days=30))
    trade = _BUSINESS_TRADES[int(rnd() * len(_BUSINESS_TRADES))]
    county = REGIONS[p.region][2]
    out["tax_registrations"].append(
        {
            "taxpayer_id": uscc,
            "name": f"{county}{p.name}{trade}",
            "taxpayer_kind": "个体工商户",
            "operator_id": p.id_number,
            "authority": tax_authority(p.region),
            "registered_on": registered,
            "status": "正常" if rnd() < 0.9 else "注销",
            "credit_grade": None,  # individual businesses are not graded here
            "graded_year": None,
        }
    )


def _withholdings(
    rng: random.Random, world: World, p: PersonSeed, out: dict[str, list[dict[str, Any]]]
) -> None:
    """Wages withheld on by the employer every month, and (for some) labour-service payments
    from another enterprise: income the person's insurance base does not show."""
    rnd = rng.random
    rows = out["income_tax_withholdings"]
    if p.employer is not None:
        employer = world.enterprises[p.employer]
        wage = _yuan((3500 + int(rnd() * rnd() * 36_500)) * 100)
        deduction = (wage * Decimal("0.105")).quantize(CENT)  # 8 % + 2 % + 0.5 % (专项扣除)
        for year, months in ((2025, 12), (2026, 10)):
            withheld = wage_withholding([wage] * months, [deduction] * months)
            for month, tax in enumerate(withheld, start=1):
                period = f"{year}-{month:02d}"
                if period in PERIODS:
                    rows.append(_withheld(p, period, employer, "工资薪金", wage, tax))
    if p.registration_status == "死亡" or not world.enterprises or rnd() >= 0.06:
        return
    payer = world.enterprises[int(rnd() * len(world.enterprises))]
    if payer.uscc == (world.enterprises[p.employer].uscc if p.employer is not None else None):
        return
    for period in PERIODS:
        if rnd() < 0.4:
            income = _yuan((2000 + int(rnd() * rnd() * 58_000)) * 100)
            rows.append(
                _withheld(p, period, payer, "劳务报酬", income, service_withholding(income))
            )


def _withheld(
    p: PersonSeed, period: str, payer: EnterpriseSeed, kind: str, income: Decimal, tax: Decimal
) -> dict[str, Any]:
    return {
        "id_number": p.id_number,
        "period": period,
        "withholder_uscc": payer.uscc,
        "withholder_name": payer.name,
        "income_kind": kind,
        "income": income,
        "tax_withheld": tax,
    }
