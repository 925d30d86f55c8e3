"""The tax rules the synthetic register follows: deadlines, late fees, withholding rates.

Each function cites the instrument it follows; the tests check them from the instrument's words
(tests/connectors/test_tax_rules.py).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# 《中华人民共和国税收征收管理法》第三十二条: 纳税人未按照规定期限缴纳税款的……税务机关除责令限期缴纳
# 外，从滞纳税款之日起，按日加收滞纳税款万分之五的滞纳金。
LATE_FEE_DAILY = Decimal("0.0005")

# 《中华人民共和国个人所得税法》第六条: 综合所得……以每一纳税年度的收入额减除费用六万元……后的余额，
# 为应纳税所得额 — withheld month by month as 5,000 a month (国家税务总局公告2018年第61号 第六条).
MONTHLY_ALLOWANCE = Decimal(5000)

# 个人所得税预扣率表一 (居民个人工资、薪金所得预扣预缴适用; 国家税务总局公告2018年第61号 附件):
# (cumulative taxable income up to, rate, quick deduction).
WAGE_TABLE: tuple[tuple[Decimal | None, Decimal, Decimal], ...] = (
    (Decimal(36000), Decimal("0.03"), Decimal(0)),
    (Decimal(144000), Decimal("0.10"), Decimal(2520)),
    (Decimal(300000), Decimal("0.20"), Decimal(16920)),
    (Decimal(420000), Decimal("0.25"), Decimal(31920)),
    (Decimal(660000), Decimal("0.30"), Decimal(52920)),
    (Decimal(960000), Decimal("0.35"), Decimal(85920)),
    (None, Decimal("0.45"), Decimal(181920)),
)

# 个人所得税预扣率表二 (居民个人劳务报酬所得预扣预缴适用; the same 公告): (taxable up to, rate,
# quick deduction); 第八条: 每次收入不超过四千元的，减除费用按八百元计算；每次收入四千元以上的，
# 减除费用按百分之二十计算.
SERVICE_TABLE: tuple[tuple[Decimal | None, Decimal, Decimal], ...] = (
    (Decimal(20000), Decimal("0.20"), Decimal(0)),
    (Decimal(50000), Decimal("0.30"), Decimal(2000)),
    (None, Decimal("0.40"), Decimal(7000)),
)


def filing_deadline(period: str) -> date:
    """The last day to file and pay a month's tax: the 15th of the next month (《中华人民共和国
    增值税暂行条例》第二十三条第二款: 以1个月或者1个季度为1个纳税期的，自期满之日起15日内申报纳税)."""
    year, month = (int(p) for p in period.split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, 15)


def late_fee(amount: Decimal, due_on: date, on: date) -> Decimal:
    """滞纳金 on ``amount`` unpaid after ``due_on``, counted to ``on``: 0.05 % for every day from
    the day after the deadline (从滞纳税款之日起，按日加收), to the cent."""
    days = max(0, (on - due_on).days)
    return (amount * LATE_FEE_DAILY * days).quantize(CENT, ROUND_HALF_UP)


def _progressive(
    taxable: Decimal, table: tuple[tuple[Decimal | None, Decimal, Decimal], ...]
) -> Decimal:
    if taxable <= 0:
        return Decimal(0)
    for limit, rate, quick in table:
        if limit is None or taxable <= limit:
            return taxable * rate - quick
    raise AssertionError("the last bracket has no limit")  # pragma: no cover


def wage_withholding(wages: list[Decimal], deductions: list[Decimal]) -> list[Decimal]:
    """Tax withheld each month of a year on ``wages`` (January first) by the cumulative method
    (累计预扣法, 公告2018年第61号 第一条): the tax on the year's cumulative taxable income by 预扣率表一,
    less what was withheld in the earlier months; never negative. ``deductions`` are the
    employee's social insurance and housing fund (专项扣除) of each month."""
    withheld: list[Decimal] = []
    income = Decimal(0)
    allowed = Decimal(0)
    for wage, deduction in zip(wages, deductions, strict=True):
        income += wage
        allowed += MONTHLY_ALLOWANCE + deduction
        due = _progressive(income - allowed, WAGE_TABLE).quantize(CENT, ROUND_HALF_UP)
        withheld.append(max(Decimal(0), due - sum(withheld, Decimal(0))))
    return withheld


def service_withholding(income: Decimal) -> Decimal:
    """Tax withheld on one payment for labour services (劳务报酬) by 预扣率表二."""
    expense = Decimal(800) if income <= 4000 else income * Decimal("0.2")
    return _progressive(income - expense, SERVICE_TABLE).quantize(CENT, ROUND_HALF_UP)
