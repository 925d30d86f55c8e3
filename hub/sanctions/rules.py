"""The rules of a sanction entry, as the two interpretations state them: its ground (情形), term
and end; who may not be listed; how an entry ends; the working days a deletion is counted in.

Sources (cited by article where each rule is applied):

- 《最高人民法院关于公布失信被执行人名单信息的若干规定》(法释〔2017〕7号), "the 2017 provisions":
  第一条 (the six grounds), 第二条 (the term), 第四条 (minors), 第六条第（四）项 (the ground is
  recorded), 第九条 (撤销 and 更正), 第十条 (删除).
- 《最高人民法院关于限制被执行人高消费及有关消费的若干规定》(法释〔2010〕8号, 法释〔2015〕17号
  修正), "the consumption provisions": 第一条 (grounds), 第三条 (what is restricted, and whom),
  第九条 (解除).
- 《最高人民法院关于在执行工作中进一步强化善意文明执行理念的意见》(法发〔2019〕35号) 第17条
  (a former legal representative or principal person in charge released on their own).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from hub.errors import BadUserInput

DISHONEST, CONSUMPTION = "DISHONEST", "CONSUMPTION_RESTRICTION"
UNKNOWN = "UNKNOWN"  # entries published before the hub recorded their ground

# 法释〔2017〕7号 第一条: "被执行人未履行生效法律文书确定的义务，并具有下列情形之一的，人民法院应当将
# 其纳入失信被执行人名单" — (item, words).
DISHONEST_GROUNDS: dict[str, tuple[int, str]] = {
    "ABLE_NOT_PERFORMING": (1, "有履行能力而拒不履行生效法律文书确定义务的"),
    "OBSTRUCTING": (2, "以伪造证据、暴力、威胁等方法妨碍、抗拒执行的"),
    "EVADING": (3, "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行的"),
    "ASSET_REPORT": (4, "违反财产报告制度的"),
    "CONSUMPTION_ORDER": (5, "违反限制消费令的"),
    "SETTLEMENT": (6, "无正当理由拒不履行执行和解协议的"),
}
# 法释〔2015〕17号 第一条: 第一款 (not performing within the notice's period: the court may
# restrict) and 第二款 (on the dishonest list: the court shall restrict) — (paragraph, words).
CONSUMPTION_GROUNDS: dict[str, tuple[int, str]] = {
    "NOT_PERFORMED": (1, "未按执行通知书指定的期间履行生效法律文书确定的给付义务"),
    "DISHONEST_LISTED": (2, "纳入失信被执行人名单"),
}
GROUNDS = {DISHONEST: DISHONEST_GROUNDS, CONSUMPTION: CONSUMPTION_GROUNDS}
ALL_GROUNDS = (*DISHONEST_GROUNDS, *CONSUMPTION_GROUNDS, UNKNOWN)

BASE_TERM_YEARS = 2  # 第二条第一款: "纳入失信被执行人名单的期限为二年"
MAX_EXTENSION_YEARS = 3  # "可以延长一至三年"
ADULT_AGE = 18  # 第四条 (民法典 第十七条: 十八周岁以上的自然人为成年人)
DELETION_WORKING_DAYS = 3  # 第十条第二款: "纳入期限届满后三个工作日内，人民法院应当删除失信信息"

_NUMERALS = "〇一二三四五六七八九"


def item(n: int) -> str:
    return f"第（{_NUMERALS[n]}）项"


# --- how an entry ends ---------------------------------------------------------------------------

# 删除 of a dishonest entry without a term: 法释〔2017〕7号 第十条第一款 (一)–(七).
DELETION_GROUNDS: dict[str, tuple[str, str]] = {
    "PERFORMED": (
        f"第十条第一款{item(1)}",
        "被执行人已履行生效法律文书确定的义务或人民法院已执行完毕",
    ),
    "SETTLEMENT_PERFORMED": (f"第十条第一款{item(2)}", "当事人达成执行和解协议且已履行完毕"),
    "APPLICANT_REQUEST": (
        f"第十条第一款{item(3)}",
        "申请执行人书面申请删除失信信息，人民法院审查同意",
    ),
    "NO_PROPERTY_FOUND": (
        f"第十条第一款{item(4)}",
        "终结本次执行程序后，通过网络执行查控系统查询被执行人财产两次以上，未发现有可供执行财产，"
        "且申请执行人或者其他人未提供有效财产线索",
    ),
    "SUSPENDED": (
        f"第十条第一款{item(5)}",
        "因审判监督或破产程序，人民法院依法裁定对失信被执行人中止执行",
    ),
    "NOT_ENFORCED": (f"第十条第一款{item(6)}", "人民法院依法裁定不予执行"),
    "TERMINATED": (f"第十条第一款{item(7)}", "人民法院依法裁定终结执行"),
}
# 删除 of a dishonest entry with a term: 第十条第一款 does not apply ("有纳入期限的，不适用前款
# 规定"); early at the court's discretion (第二条第二款), at the end of the term by the hub (第十条
# 第二款).
EARLY = "EARLY"
TERM_ENDED = "TERM_ENDED"
TERM_DELETION: dict[str, tuple[str, str]] = {
    EARLY: ("第二条第二款", "失信被执行人积极履行生效法律文书确定义务或主动纠正失信行为，提前删除"),
    TERM_ENDED: ("第十条第二款", "纳入期限届满"),
}
# 解除 of a consumption restriction: 法释〔2015〕17号 第九条.
LIFT_GROUNDS: dict[str, tuple[str, str]] = {
    "GUARANTEE": ("第九条", "被执行人提供确实有效的担保"),
    "APPLICANT_CONSENT": ("第九条", "经申请执行人同意"),
    "PERFORMED": ("第九条", "被执行人履行完毕生效法律文书确定的义务"),
}
# 撤销: 法释〔2017〕7号 第九条第一款 ("不应纳入失信被执行人名单的公民、法人或其他组织被纳入失信被
# 执行人名单的，人民法院应当在三个工作日内撤销失信信息"); for a consumption entry wrongly made,
# the same annulment of what should not have been published.
WRONGLY_LISTED = "WRONGLY_LISTED"
END_GROUNDS = (*DELETION_GROUNDS, EARLY, TERM_ENDED, *LIFT_GROUNDS, WRONGLY_LISTED)
STATUSES = ("ACTIVE", "ANNULLED", "DELETED", "LIFTED", "REVOKED")

# A bound person released on their own (the entry stays): (source, words).
RELEASE_GROUNDS: dict[str, tuple[str, str]] = {
    # 法释〔2015〕17号 第三条第二款: "因私消费以个人财产实施前款规定行为的，可以向执行法院提出申请。
    # 执行法院审查属实的，应予准许。"
    "PRIVATE_CONSUMPTION": ("法释〔2015〕17号 第三条第二款", "因私消费以个人财产实施，经审查属实"),
    # 法发〔2019〕35号 第17条第（2）项: a former 法定代表人 or 主要负责人 who left because of the
    # business's needs and shows they are neither 实际控制人 nor 影响债务履行的直接责任人员.
    "LEFT_OFFICE": (
        "法发〔2019〕35号 第17条第（2）项",
        "确因经营管理需要发生变更的原法定代表人、主要负责人，并非实际控制人、影响债务履行的直接"
        "责任人员",
    ),
}
LEFT_OFFICE_ROLES = ("LEGAL_REPRESENTATIVE", "PRINCIPAL")


def end_of(list_: str, ground: str, *, has_term: bool) -> tuple[str, str]:
    """(status, citation) of ending an entry of ``list_`` on ``ground`` (not annulment);
    BAD_USER_INPUT naming the rule when the ground does not end such an entry."""
    if ground == TERM_ENDED:
        raise BadUserInput(
            "TERM_ENDED is the hub's own deletion when a term ends (法释〔2017〕7号 第十条第二款)",
            argument="ground",
            rule="END_GROUND",
        )
    if list_ == CONSUMPTION:
        if ground not in LIFT_GROUNDS:
            raise BadUserInput(
                f"a consumption restriction is lifted (解除) on {', '.join(LIFT_GROUNDS)}"
                " (法释〔2015〕17号 第九条), not on {ground}",
                argument="ground",
                rule="END_GROUND",
            )
        return "LIFTED", f"法释〔2015〕17号 {LIFT_GROUNDS[ground][0]}"
    if has_term:
        if ground != EARLY:
            raise BadUserInput(
                f"an entry with a term is deleted early only on EARLY (法释〔2017〕7号 第二条第二款);"
                f" 第十条第一款 does not apply to it (第十条第二款: 有纳入期限的，不适用前款规定),"
                f" not {ground}",
                argument="ground",
                rule="END_GROUND",
            )
        return "DELETED", f"法释〔2017〕7号 {TERM_DELETION[EARLY][0]}"
    if ground not in DELETION_GROUNDS:
        raise BadUserInput(
            f"an entry without a term is deleted on one of {', '.join(DELETION_GROUNDS)}"
            f" (法释〔2017〕7号 第十条第一款), not {ground}",
            argument="ground",
            rule="END_GROUND",
        )
    return "DELETED", f"法释〔2017〕7号 {DELETION_GROUNDS[ground][0]}"


# --- ground, term and end ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """What an entry records of its ground and term (法释〔2017〕7号 第六条第（四）项, 第二条)."""

    grounds: tuple[str, ...]
    term_years: int | None  # None: no term (until performance), or unknown
    ends_on: date | None  # the term's last day
    extension_reason: str | None


def add_years(day: date, years: int) -> date:
    """The corresponding day ``years`` later; 29 February becomes 28 February (民法典 第二百零二条:
    按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def term_of(
    list_: str,
    grounds: Sequence[str],
    published_on: date,
    *,
    extension_years: int = 0,
    extension_reason: str | None = None,
) -> Term:
    """The grounds (ordered, deduplicated), term and end of an entry; BAD_USER_INPUT naming the
    rule when the grounds or the extension do not fit the list.

    - 法释〔2017〕7号 第二条第一款: grounds (二)–(六) put the debtor on the list for two years,
      extendable by one to three years "以暴力、威胁方法妨碍、抗拒执行情节严重或具有多项失信行为
      的". The term runs from the day of publication (the decision takes effect on the day it is
      made, 第五条第三款) to the corresponding day (民法典 第二百零一、二百零二条).
    - Ground (一) has no term: the debtor stays listed until deleted under 第十条第一款. With (一)
      among several grounds the entry has no term either (the hub's reading: (一) lasts until
      performance, which a term would cut short).
    - A consumption restriction (法释〔2015〕17号) has no term of its own here.
    """
    allowed = GROUNDS[list_]
    if not grounds:
        raise BadUserInput(
            "grounds: give the ground (情形) of the entry (法释〔2017〕7号 第六条第（四）项;"
            " 法释〔2015〕17号 第一条)",
            argument="grounds",
            rule="GROUND_REQUIRED",
        )
    wrong = [g for g in grounds if g not in allowed]
    if wrong:
        raise BadUserInput(
            f"grounds: {wrong[0]} is not a ground of the {list_} list ({', '.join(allowed)})",
            argument="grounds",
            rule="GROUND_OF_LIST",
        )
    ordered = tuple(sorted(set(grounds), key=lambda g: allowed[g][0]))
    if extension_years and not 1 <= extension_years <= MAX_EXTENSION_YEARS:
        raise BadUserInput(
            f"extensionYears: 1 to {MAX_EXTENSION_YEARS} (法释〔2017〕7号 第二条第一款), got"
            f" {extension_years}",
            argument="extensionYears",
            rule="TERM_EXTENSION",
        )
    if list_ != DISHONEST or "ABLE_NOT_PERFORMING" in ordered:
        if extension_years:
            raise BadUserInput(
                "extensionYears: only a term of 法释〔2017〕7号 第二条 (grounds (二)–(六)) is"
                " extended; this entry has none",
                argument="extensionYears",
                rule="TERM_EXTENSION",
            )
        return Term(ordered, None, None, None)
    if extension_years:
        if "OBSTRUCTING" not in ordered and len(ordered) < 2:
            raise BadUserInput(
                "extensionYears: a term is extended only for 以暴力、威胁方法妨碍、抗拒执行情节严重"
                " (OBSTRUCTING) or 多项失信行为 (several grounds) (法释〔2017〕7号 第二条第一款)",
                argument="extensionYears",
                rule="TERM_EXTENSION",
            )
        if not extension_reason:
            raise BadUserInput(
                "extensionReason: say why the term is extended (法释〔2017〕7号 第二条第一款)",
                argument="extensionReason",
                rule="TERM_EXTENSION",
            )
    years = BASE_TERM_YEARS + extension_years
    return Term(
        ordered,
        years,
        add_years(published_on, years),
        extension_reason if extension_years else None,
    )


def legal_basis_of(list_: str, grounds: Sequence[str], term_years: int | None) -> str:
    """The citation an entry carries when the court gives none: the ground's item, and the term's
    article when it has one."""
    if list_ == CONSUMPTION:
        paragraphs = sorted({CONSUMPTION_GROUNDS[g][0] for g in grounds})
        return "法释〔2015〕17号 第一条" + "、".join(f"第{_NUMERALS[p]}款" for p in paragraphs)
    items = "、".join(f"（{_NUMERALS[DISHONEST_GROUNDS[g][0]]}）" for g in grounds)
    basis = f"法释〔2017〕7号 第一条第{items}项"
    if term_years is not None:
        basis += "、第二条第一款"
    return basis


def age_on(birth: date, day: date) -> int:
    """Full years of age on ``day`` (a 29 February birthday comes on 1 March in other years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def refuse_minor(list_: str, birth: date, published_on: date) -> None:
    """法释〔2017〕7号 第四条: "被执行人为未成年人的，人民法院不得将其纳入失信被执行人名单。" The age
    is the ID number's birth date's, on the day of publication (the court's day, Asia/Shanghai;
    a publication is never dated after the court's today)."""
    if list_ == DISHONEST and age_on(birth, published_on) < ADULT_AGE:
        raise BadUserInput(
            f"the respondent is a minor on {published_on} (born {birth}): 被执行人为未成年人的，"
            "人民法院不得将其纳入失信被执行人名单 (法释〔2017〕7号 第四条)",
            argument="subject",
            rule="MINOR",
        )


def is_principal(position: str | None) -> bool:
    """The registered manager (经理 / 总经理, not a deputy or the finance manager): the hub's
    default for the 主要负责人 of 法释〔2015〕17号 第三条第二款, which the court may name otherwise."""
    if not position or "经理" not in position:
        return False
    return not any(word in position for word in ("副", "财务"))


def in_force(status: str, ends_on: date | None, today: date) -> bool:
    """An entry restricts while ACTIVE and, with a term, up to and including its last day."""
    return status == "ACTIVE" and (ends_on is None or ends_on >= today)


# --- working days -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Working days: Monday to Friday, unless a holiday calendar is configured
    (``HUB_HOLIDAY_CALENDAR``: a TOML file with ``holidays`` — public holidays, days off — and
    ``workdays`` — weekend days worked in exchange, 调休), which then decides those days."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``day`` itself is not counted)."""
        d = day
        while n > 0:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    @classmethod
    def load(cls, path: Path | None) -> WorkingCalendar:
        """The calendar of ``path`` (Mon–Fri without one); ValueError naming what is wrong."""
        if path is None:
            return cls()
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: cannot read the holiday calendar ({exc})") from None
        unknown = set(document) - {"holidays", "workdays"}
        if unknown:
            raise ValueError(f"{path}: unknown keys {', '.join(sorted(unknown))}")

        def dates(key: str) -> frozenset[date]:
            values = document.get(key, [])
            if not isinstance(values, list) or not all(type(v) is date for v in values):
                raise ValueError(f"{path}: {key} must be an array of dates (2026-10-01)")
            return frozenset(values)

        holidays, workdays = dates("holidays"), dates("workdays")
        both = holidays & workdays
        if both:
            raise ValueError(f"{path}: {min(both)} is both a holiday and a workday")
        return cls(holidays, workdays)


def parse_grounds(value: str) -> tuple[str, ...]:
    """The stored comma-separated grounds."""
    return tuple(g for g in value.split(",") if g)


def join_grounds(grounds: Iterable[str]) -> str:
    return ",".join(grounds)
