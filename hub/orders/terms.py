"""Terms of seizures and freezes on the court's calendar: the class's longest term, a term's
end, the court's day, and when a renewal may be made.

The rules in force:

- 《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》(法释〔2015〕5号, 2022 修正) 第四百八十五条:
  "人民法院冻结被执行人的银行存款的期限不得超过一年，查封、扣押动产的期限不得超过两年，查封不动产、
  冻结其他财产权的期限不得超过三年。申请执行人申请延长期限的，人民法院应当在查封、扣押、冻结期限届满
  前办理续行查封、扣押、冻结手续，续行期限不得超过前款规定的期限。"
- 《最高人民法院关于人民法院民事执行中查封、扣押、冻结财产的规定》(法释〔2004〕15号, 法释〔2020〕21号
  修正) 第二十七条: "查封、扣押、冻结期限届满，人民法院未办理延期手续的，查封、扣押、冻结的效力消灭。"
  The 2020 amendment deleted the 2004 text's 第二十九条 (six months / one year / two years, renewals
  up to half of that); the terms are now stated only by 民诉法解释 第四百八十五条.

Terms are counted in calendar years and months (a term in days is still accepted), the first
day counted, on the court's calendar (Asia/Shanghai): three years from 2024-02-29 end on
2027-02-28 (:func:`connectors.base.annotations.term_end`). "Today" is the court's day: an
action at 2026-12-01T17:30Z happens on 2026-12-02.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from connectors.base.annotations import REGISTER_TZ, term_end
from hub.errors import BadUserInput, Conflict

COURT_TZ = REGISTER_TZ  # Asia/Shanghai
# The longest term by asset class (第四百八十五条): vehicles are movables (动产), real estate is
# 不动产, an equity stake is another property right (其他财产权), and 冻结被执行人的银行存款的期限不得
# 超过一年 (DEPOSIT, an account at a bank).
TERM_YEARS = {"VEHICLE": 2, "REAL_ESTATE": 3, "EQUITY": 3, "DEPOSIT": 1}
MAX_TERM_MONTHS = {asset: 12 * years for asset, years in TERM_YEARS.items()}
# A term given in days may not be longer than the class's years of 365 days, which fit in as
# many calendar years whatever the day it starts.
MAX_TERM_DAYS = {asset: 365 * years for asset, years in TERM_YEARS.items()}


def court_day(moment: datetime) -> date:
    """The day ``moment`` falls on in court (Asia/Shanghai)."""
    if moment.tzinfo is None:
        raise ValueError("a moment without a time zone has no court day")
    return moment.astimezone(COURT_TZ).date()


def court_day_start(day: date) -> datetime:
    """The moment the court day ``day`` begins, 00:00 in Asia/Shanghai: the day is the moments
    from ``court_day_start(day)`` up to, not including, ``court_day_start(day + 1 day)``."""
    return datetime.combine(day, time(), COURT_TZ)


@dataclass(frozen=True, slots=True)
class Term:
    """A measure's term: calendar months, or (as the API has always accepted) days."""

    months: int | None = None
    days: int | None = None

    def end(self, start: date) -> date:
        """The last day of the term when it starts on ``start`` (that day counted)."""
        return term_end(start, months=self.months, days=self.days)

    def describe(self) -> str:
        return f"{self.months} months" if self.months is not None else f"{self.days} days"


def check_term(asset_type: str, *, months: int | None, days: int | None) -> Term:
    """The term asked for (``termMonths`` or ``termDays``), or by default the class's longest;
    a longer one is refused (TERM_TOO_LONG), as is naming both or a term under one unit."""
    if months is not None and days is not None:
        raise BadUserInput(
            "give the term in termMonths or in termDays, not both",
            argument="termMonths",
            rule="TERM_ONE_UNIT",
        )
    if months is None and days is None:
        return Term(months=MAX_TERM_MONTHS[asset_type])
    argument, value, longest = (
        ("termMonths", months, MAX_TERM_MONTHS[asset_type])
        if months is not None
        else ("termDays", days, MAX_TERM_DAYS[asset_type])
    )
    assert value is not None
    if value < 1:
        raise BadUserInput(
            f"{argument} must be at least 1", argument=argument, rule="TERM_POSITIVE"
        )
    if value > longest:
        raise BadUserInput(
            f"{argument} {value} exceeds the longest term for {asset_type}"
            f" ({TERM_YEARS[asset_type]} years: {longest} {argument[4:].lower()});"
            " 民诉法解释 第四百八十五条",
            argument=argument,
            rule="TERM_TOO_LONG",
        )
    return Term(months=months, days=days)


def renewed_end(
    asset_type: str, *, expires_on: date, term: Term, today: date, window_days: int
) -> date:
    """The new last day of a measure renewed on ``today``: made in the last ``window_days``
    days of its term and not after it (续行 …期限届满前), running on from the day after the old
    end for at most the class's term (续行期限不得超过前款规定的期限)."""
    if expires_on < today:
        raise Conflict(
            f"the term ended on {expires_on.isoformat()}; a lapsed measure cannot be renewed",
            reason="TERM_ENDED",
        )
    opens = expires_on - timedelta(days=window_days)
    if today < opens:
        raise Conflict(
            f"a renewal is made in the last {window_days} days of the term: from"
            f" {opens.isoformat()} to {expires_on.isoformat()} (court calendar)",
            reason="RENEWAL_WINDOW",
        )
    start = expires_on + timedelta(days=1)
    new_end = term.end(start)
    cap = term_end(start, months=MAX_TERM_MONTHS[asset_type])
    if new_end > cap:  # check_term already keeps a term within the class's
        raise BadUserInput(
            f"a renewal may run to {cap.isoformat()} at most (the old end plus"
            f" {TERM_YEARS[asset_type]} years)",
            argument="termMonths" if term.months is not None else "termDays",
            rule="TERM_TOO_LONG",
        )
    return new_end
