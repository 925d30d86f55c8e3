"""Synthetic social-security data: the five insurances, housing fund, qualifications, employers."""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import accumulate
from typing import Any

from connectors.base.world import AS_OF, REGIONS, EnterpriseSeed, PersonSeed, World

__all__ = ["LAST_PAID_MONTH", "generate"]

LAST_PAID_MONTH = "2026-10"  # the month before AS_OF: contributions of 正常参保 are paid up to it
_LAST_MONTH_INDEX = 2026 * 12 + 9  # months since year 0 of 2026-10
_KINDS = ("PENSION", "MEDICAL", "UNEMPLOYMENT", "INJURY", "MATERNITY")
# The earliest month each insurance can have been paid here (the schemes' start in Shandong).
_KIND_START = {
    "PENSION": 1992 * 12,
    "MEDICAL": 1999 * 12,
    "UNEMPLOYMENT": 1999 * 12,
    "INJURY": 2004 * 12,
    "MATERNITY": 1995 * 12,
}
_FUND_RATES = (5, 7, 8, 10, 12)  # housing fund rate (% of the base) of each of employee/employer
_AS_OF_DAY = date(2026, 10, 31)


def _province(region: str, office: str) -> str:
    province, city, _ = REGIONS[region]
    if province == city:
        return f"{province}{office.replace('厅', '局')}"
    return f"{province}{office}"


def _city(office: str) -> Callable[[str], str]:
    return lambda region: f"{REGIONS[region][1]}{office}"


def _state(office: str) -> Callable[[str], str]:
    return lambda region: _province(region, office)


def _national(office: str) -> Callable[[str], str]:
    return lambda region: office


_GRADED = ("初级", "中级", "高级", "技师")
# Qualification -> (levels ("—" if not graded), issuing authority, certificate prefix, weight).
_QUALIFICATIONS: tuple[tuple[str, tuple[str, ...], Callable[[str], str], str, float], ...] = (
    ("电工", _GRADED, _city("人力资源和社会保障局"), "S", 14),
    ("焊工", _GRADED, _city("人力资源和社会保障局"), "S", 9),
    ("育婴员", _GRADED[:3], _city("人力资源和社会保障局"), "S", 6),
    ("中式烹调师", _GRADED, _city("人力资源和社会保障局"), "S", 6),
    ("叉车司机", ("—",), _city("市场监督管理局"), "T", 6),
    ("会计专业技术资格", _GRADED[:3], _state("人力资源和社会保障厅"), "K", 12),
    ("注册会计师", ("—",), _state("注册会计师协会"), "CPA", 2),
    ("一级建造师", ("—",), _national("中华人民共和国住房和城乡建设部"), "JZ1", 3),
    ("二级建造师", ("—",), _state("住房和城乡建设厅"), "JZ2", 6),
    ("教师资格", ("—",), _city("教育局"), "JS", 10),
    ("执业医师", ("—",), _state("卫生健康委员会"), "YS", 4),
    ("执业药师", ("—",), _state("药品监督管理局"), "YP", 3),
    ("法律职业资格", ("—",), _national("中华人民共和国司法部"), "A", 2),
    ("机动车驾驶教练员", ("—",), _city("交通运输局"), "JL", 2),
)
_QUAL_CUM = list(accumulate(q[4] for q in _QUALIFICATIONS))


def _month(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year:04d}-{month + 1:02d}"


# The first day a housing fund account was opened or a certificate issued here.
_FIRST_DAY = date(1999, 1, 1).toordinal()
_LAST_DAY = AS_OF.toordinal()


@dataclass(slots=True)
class _Numbers:
    """The last housing fund account and certificate numbers given out."""

    account: int
    certificate: int


@dataclass(slots=True)
class _Contributions:
    """A person's insurance contributions: base (CNY), months paid from/to, status, share paid."""

    base_yuan: int
    start: int  # month index
    last: int  # month index
    status: str  # 正常参保 / 暂停缴费
    gaps: float


def generate(world: World) -> dict[str, list[dict[str, Any]]]:
    """Rows of every social-security table for ``world``.

    One random stream, drawn person by person (insurances, housing fund, qualifications), then
    enterprise by enterprise: each table's function makes one subject's rows."""
    rng = random.Random(f"{world.seed}:social_security")
    numbers = _Numbers(
        account=1 + int(rng.random() * 1_000_000), certificate=1 + int(rng.random() * 100_000)
    )
    insurance: list[dict[str, Any]] = []
    funds: list[dict[str, Any]] = []
    qualifications: list[dict[str, Any]] = []
    for p in world.persons:
        if p.employer is not None:
            employer = world.enterprises[p.employer]
            paid = _contributions(rng, p)
            insurance += _insurance_records(p, employer, paid)
            if p.housing_fund:
                funds.append(_housing_fund_account(rng, numbers, p, employer, paid))
        qualifications += _qualifications(rng, numbers, p)
    return {
        "insurance_records": insurance,
        "housing_fund_accounts": funds,
        "qualifications": qualifications,
        "enterprise_insurance": _enterprise_insurance(rng, world),
    }


def _contributions(rng: random.Random, person: PersonSeed) -> _Contributions:
    """What an employed person pays in: shared by their insurance records and housing fund."""
    rnd = rng.random
    birth = person.birth_date
    # Contribution base: heavy on the lower end, within the 2026 Shandong bounds.
    base_yuan = 3500 + int(rnd() * rnd() * 21_500)
    # Work began at 18-26 (and not before the employer existed for the recent months).
    start = (birth.year + 18 + int(rnd() * 9)) * 12 + birth.month - 1
    start = min(start, _LAST_MONTH_INDEX - int(rnd() * 12))
    r = rnd()
    if r < 0.92:
        status, last = "正常参保", _LAST_MONTH_INDEX
    else:
        status, last = "暂停缴费", _LAST_MONTH_INDEX - 1 - int(rnd() * 36)
    last = max(last, start)
    gaps = 0.75 + rnd() * 0.25  # share of the months actually paid
    return _Contributions(base_yuan, start, last, status, gaps)


def _insurance_records(
    person: PersonSeed, employer: EnterpriseSeed, paid: _Contributions
) -> list[dict[str, Any]]:
    """The five insurances of an employed person, paid through the employer."""
    base = Decimal(paid.base_yuan * 100).scaleb(-2)
    last_month = _month(paid.last)
    rows = []
    for kind in _KINDS:
        months = max(1, int((paid.last - max(paid.start, _KIND_START[kind]) + 1) * paid.gaps))
        rows.append(
            {
                "id_number": person.id_number,
                "kind": kind,
                "employer_uscc": employer.uscc,
                "employer_name": employer.name,
                "contribution_base": base,
                "months_paid": months,
                "last_paid_month": last_month,
                "status": paid.status,
            }
        )
    return rows


def _housing_fund_account(
    rng: random.Random,
    numbers: _Numbers,
    person: PersonSeed,
    employer: EnterpriseSeed,
    paid: _Contributions,
) -> dict[str, Any]:
    """The housing fund account an employed person has with the employer."""
    rnd = rng.random
    rate = _FUND_RATES[int(rnd() * len(_FUND_RATES))]
    deposit_cents = paid.base_yuan * rate * 2  # (base × rate %) × 2 shares, in cents
    opened_first = max(
        _FIRST_DAY,
        person.birth_date.toordinal() + 18 * 366,
        employer.established_on.toordinal(),
    )
    opened = date.fromordinal(opened_first + int(rnd() * max(1, _LAST_DAY - opened_first)))
    months_open = max(1, (_LAST_DAY - opened.toordinal()) // 30)
    # Withdrawals (rent, loan repayment) leave part of what was deposited.
    balance_cents = int(deposit_cents * months_open * (0.05 + rnd() * 0.7))
    numbers.account += 1 + int(rnd() * 9)
    return {
        "account_number": f"{person.region[:4]}{numbers.account:012d}",
        "id_number": person.id_number,
        "employer_uscc": employer.uscc,
        "employer_name": employer.name,
        "balance": Decimal(balance_cents).scaleb(-2),
        "monthly_deposit": Decimal(deposit_cents).scaleb(-2),
        "opened_on": opened,
        "status": "正常" if paid.status == "正常参保" and rnd() < 0.95 else "封存",
    }


def _qualifications(
    rng: random.Random, numbers: _Numbers, person: PersonSeed
) -> list[dict[str, Any]]:
    """A person's professional qualifications, each a different one (a repeat is dropped)."""
    rnd = rng.random
    out: list[dict[str, Any]] = []
    if not person.qualifications:
        return out
    earliest = max(person.birth_date.toordinal() + 20 * 366, _FIRST_DAY)
    taken: list[int] = []
    for _ in range(person.qualifications):
        q = bisect(_QUAL_CUM, rnd() * _QUAL_CUM[-1])
        if q in taken:
            continue
        taken.append(q)
        name, levels, authority, prefix, _w = _QUALIFICATIONS[q]
        issued = date.fromordinal(earliest + int(rnd() * max(1, _LAST_DAY - earliest)))
        numbers.certificate += 1 + int(rnd() * 5)
        out.append(
            {
                "certificate_number": (
                    f"{prefix}{issued.year}{person.region}{numbers.certificate:08d}"
                ),
                "id_number": person.id_number,
                "name": name,
                "level": levels[int(rnd() * len(levels))],
                "issuing_authority": authority(person.region),
                "issued_on": issued,
            }
        )
    return out


def _enterprise_insurance(rng: random.Random, world: World) -> list[dict[str, Any]]:
    """Every enterprise's insured employees (the persons it employs) and arrears."""
    employees = Counter(p.employer for p in world.persons if p.employer is not None)
    rows = []
    for index, e in enumerate(world.enterprises):
        count = employees[index]
        if e.status in ("存续", "在业") and rng.random() < 0.1:
            months = 1 + int(rng.random() * 24)
            # Employer's share (about 24 % of an average base of 5,000) for every employee.
            arrears = Decimal(max(1, count) * 1200 * months * 100 + int(rng.random() * 100)).scaleb(
                -2
            )
        else:
            months, arrears = 0, Decimal("0.00")
        rows.append(
            {
                "uscc": e.uscc,
                "insured_employees": count,
                "arrears_amount": arrears,
                "arrears_months": months,
                "as_of": _AS_OF_DAY,
            }
        )
    return rows
