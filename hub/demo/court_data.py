"""Synthetic court data for the hub database: courts, demo users, enforcement cases, sanctions."""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from itertools import accumulate
from typing import Any

from connectors.base.world import AS_OF, PersonSeed, World, age_on
from hub.sanctions import rules

__all__ = ["COURTS", "DEMO_USERS", "generate"]

# (GB/T 2260 code, abbreviation used in case numbers, name)
COURTS: tuple[tuple[str, str, str], ...] = (
    ("370602", "鲁0602", "烟台市芝罘区人民法院"),
    ("370612", "鲁0612", "烟台市牟平区人民法院"),
    ("370613", "鲁0613", "烟台市莱山区人民法院"),
)

DEMO_USERS: list[dict[str, str]] = [
    {"id": uid, "name": name, "org": org, "roles": roles, "title": title}
    for uid, name, org, roles, title in (
        ("judge-zhang", "张明", "court:370602", "enforcement_judge", "执行法官"),
        ("judge-zhou", "周建国", "court:370602", "enforcement_judge", "执行法官"),
        ("judge-li", "李华", "court:370612", "enforcement_judge", "执行法官"),
        ("registry-wang", "王芳", "agency:real_estate", "registry_officer", "不动产登记员"),
        ("market-zhao", "赵强", "agency:market_supervision", "market_officer", "市场监管执法人员"),
        ("police-chen", "陈刚", "agency:public_security", "police_officer", "公安户政民警"),
        ("social-liu", "刘洋", "agency:social_security", "social_officer", "社保经办人员"),
        ("bank-qian", "钱静", "bank:102", "bank_officer", "银行协助执行人员"),
        ("auditor-sun", "孙丽", "court:370602", "auditor", "审计员"),
        (
            "approval-market",
            "市场监管审批系统",
            "agency:market_supervision",
            "approval_system",
            "审批系统",
        ),
        (
            "approval-registry",
            "不动产登记审批系统",
            "agency:real_estate",
            "approval_system",
            "审批系统",
        ),
    )
]

# The judge of a case by court; 370602 splits between two demo judges, 370613's judge is not one.
_ZHANG, _ZHOU, _LI, _WU = "judge-zhang", "judge-zhou", "judge-li", "judge-wu"
# Demo guarantees for judge-zhang: open cases against well-documented persons and enterprises.
_RICH_PERSON_CASES = 12
_ENTERPRISE_CASES = 4

# 案由 -> (weight, what the respondent owes (for the obligation text), applicant kind, respondent)
# applicant kind: P person, E enterprise, * either; respondent: P person, E enterprise, * either.
_CAUSES: tuple[tuple[str, float, str, str, str], ...] = (
    ("民间借贷纠纷", 26, "借款本金", "*", "*"),
    ("买卖合同纠纷", 18, "货款", "*", "*"),
    ("金融借款合同纠纷", 14, "借款本金", "E", "*"),
    ("信用卡纠纷", 6, "信用卡透支本金", "E", "P"),
    ("劳动争议", 5, "经济补偿金", "P", "E"),
    ("追索劳动报酬纠纷", 4, "劳动报酬", "P", "E"),
    ("建设工程施工合同纠纷", 6, "工程款", "E", "*"),
    ("租赁合同纠纷", 6, "租金", "*", "*"),
    ("承揽合同纠纷", 3, "承揽报酬", "E", "E"),
    ("服务合同纠纷", 3, "服务费", "E", "*"),
    ("机动车交通事故责任纠纷", 5, "赔偿款", "P", "P"),
    ("离婚后财产纠纷", 2, "财产折价款", "P", "P"),
    ("抚养费纠纷", 2, "抚养费", "P", "P"),
)
_YEARS = (2023, 2024, 2025, 2026)
_YEAR_CUM = list(accumulate((15, 20, 30, 35)))
_CLOSED_SHARE = {2023: 0.45, 2024: 0.3, 2025: 0.15, 2026: 0.06}
_MIN_AMOUNT, _MAX_AMOUNT = 5_000, 5_000_000
# Causes whose sums stay small (maintenance, wages, card debts, accident damages).
_CAUSE_MAX_AMOUNT = {
    "抚养费纠纷": 200_000,
    "劳动争议": 300_000,
    "追索劳动报酬纠纷": 300_000,
    "信用卡纠纷": 500_000,
    "机动车交通事故责任纠纷": 1_500_000,
}
_LAST_FILED = AS_OF.toordinal()
_LISTS = (("DISHONEST", "SX", 0.3), ("CONSUMPTION_RESTRICTION", "XF", 0.2))
# The grounds of a dishonest entry (法释〔2017〕7号 第一条), by weight: (一) — able but not
# performing, no term — is the most common; (二)–(六) list for two years (第二条).
_DISHONEST_GROUNDS = (
    ("ABLE_NOT_PERFORMING", 45),
    ("ASSET_REPORT", 25),
    ("EVADING", 10),
    ("CONSUMPTION_ORDER", 8),
    ("SETTLEMENT", 7),
    ("OBSTRUCTING", 5),
)
_GROUND_CUM = list(accumulate(w for _, w in _DISHONEST_GROUNDS))
_PERFORMED = "已履行生效法律文书确定的义务"
_EXTENSION_REASON = "以暴力、威胁方法妨碍、抗拒执行，情节严重"


@dataclass(slots=True)
class _Party:
    role: str  # 申请执行人 / 被执行人
    kind: str  # PERSON / ENTERPRISE
    subject_id: str
    name: str


@dataclass(slots=True)
class _Case:
    court: str
    abbr: str
    judge: str
    year: int
    filed_on: date
    cause: str
    owed: str  # what the respondent owes, for the obligation text
    kind: str
    status: str
    closed_on: date | None
    amount: Decimal
    parties: list[_Party] = field(default_factory=list)
    number: str = ""


class _Pools:
    """Subjects to draw parties from; each pool is walked in a shuffled order, then reshuffled."""

    def __init__(self, rng: random.Random, world: World) -> None:
        self.rng = rng
        self.world = world
        persons = world.persons
        alive = [
            i
            for i, p in enumerate(persons)
            if p.registration_status == "正常" and age_on(p.birth_date) >= 20
        ] or list(range(len(persons)))

        def rich(p: PersonSeed) -> bool:
            return bool(p.properties and p.vehicles and p.employer is not None and p.housing_fund)

        def assets(p: PersonSeed) -> bool:
            return bool(p.properties or p.vehicles or p.employer is not None)

        self.rich_persons = [i for i in alive if rich(persons[i])] or alive
        self.asset_persons = [i for i in alive if assets(persons[i])] or alive
        self.any_persons = alive
        ents = world.enterprises
        standing = [i for i, e in enumerate(ents) if e.status != "注销"] or list(range(len(ents)))
        self.asset_enterprises = [
            i for i in standing if ents[i].properties or ents[i].vehicles
        ] or standing
        self.any_enterprises = [i for i, e in enumerate(ents) if e.status in ("存续", "在业")] or (
            standing
        )
        self.employees: dict[int, list[int]] = {}
        for i in alive:
            employer = persons[i].employer
            if employer is not None:
                self.employees.setdefault(employer, []).append(i)
        self._order: dict[str, list[int]] = {}
        self._next: dict[str, int] = {}

    def take(self, pool: str, exclude: list[str]) -> int | None:
        """The next member of ``pool`` whose subject id is not in ``exclude`` (None if none)."""
        members: list[int] = getattr(self, pool)
        order = self._order.get(pool)
        if order is None:
            order = self._order[pool] = members[:]
            self.rng.shuffle(order)
            self._next[pool] = 0
        for _ in range(len(order) + 1):
            at = self._next[pool]
            if at >= len(order):
                self.rng.shuffle(order)
                at = 0
            self._next[pool] = at + 1
            index = order[at]
            if self.subject(pool, index)[1] not in exclude:
                return index
        return None

    def subject(self, pool: str, index: int) -> tuple[str, str, str]:
        """(kind, subject id, name) of a pool member."""
        if pool.endswith("persons"):
            p = self.world.persons[index]
            return "PERSON", p.id_number, p.name
        e = self.world.enterprises[index]
        return "ENTERPRISE", e.uscc, e.name


def _judges(n: int) -> list[tuple[str, str, str, str]]:
    """(court code, abbreviation, judge, demo guarantee) of ``n`` cases, 70/20/10 % by court.

    The guarantee ("" for none) makes a case OPEN against a rich person (``rich``), an
    enterprise (``enterprise``) or any person (``person``), or CLOSED against a person
    (``closed``), so the demo always has these to show.
    """
    n602 = round(n * 0.7)
    n612 = round(n * 0.2)
    n613 = n - n602 - n612
    forced = ["rich"] * _RICH_PERSON_CASES + ["enterprise"] * _ENTERPRISE_CASES + ["closed"]
    zhang = min(n602, max(len(forced), round(n602 * 0.6)))
    (c602, a602, _), (c612, a612, _), (c613, a613, _) = COURTS
    out = [(c602, a602, _ZHANG, forced[i] if i < len(forced) else "") for i in range(zhang)]
    out += [(c602, a602, _ZHOU, "")] * (n602 - zhang)
    out += [(c612, a612, _LI, "person" if i == 0 else "") for i in range(n612)]
    out += [(c613, a613, _WU, "")] * n613
    return out


def _cause_for(rng: random.Random, respondent_kind: str) -> tuple[str, str, str]:
    """(cause, owed, applicant kind P/E/*) fitting a respondent of kind P or E."""
    fitting = [c for c in _CAUSES if c[4] in ("*", respondent_kind)]
    cum = list(accumulate(c[1] for c in fitting))
    cause, _, owed, applicant, _ = fitting[bisect(cum, rng.random() * cum[-1])]
    return cause, owed, applicant


def _date_in(rng: random.Random, first: date, last: date) -> date:
    span = last.toordinal() - first.toordinal()
    return date.fromordinal(first.toordinal() + int(rng.random() * (span + 1)))


def generate(world: World) -> dict[str, list[dict[str, Any]]]:
    """Rows of the hub's court tables for ``world`` (explicit ids for cases and parties)."""
    rng = random.Random(f"{world.seed}:court")
    rnd = rng.random
    pools = _Pools(rng, world)
    n = max(30, len(world.persons) // 20)
    cases: list[_Case] = []
    for court, abbr, judge, forced in _judges(n):
        if forced:
            respondent_kind = "E" if forced == "enterprise" else "P"
        else:
            respondent_kind = "P" if rnd() < 0.7 else "E"
        cause, owed, applicant_kind = _cause_for(rng, respondent_kind)
        if forced == "closed":
            year = 2024
        elif forced:
            year = 2025 + (rnd() < 0.6)
        else:
            year = _YEARS[bisect(_YEAR_CUM, rnd() * _YEAR_CUM[-1])]
        filed_on = _date_in(rng, date(year, 1, 1), min(date(year, 12, 31), AS_OF))
        closed_on = None
        if forced == "closed" or (
            not forced and rnd() < _CLOSED_SHARE[year] and filed_on.toordinal() < _LAST_FILED - 30
        ):
            days = 30 + int(rnd() * 500)
            closed_on = date.fromordinal(min(filed_on.toordinal() + days, _LAST_FILED))
        top = _CAUSE_MAX_AMOUNT.get(cause, _MAX_AMOUNT)
        log_amount = math.log(_MIN_AMOUNT) + rnd() * math.log(top / _MIN_AMOUNT)
        amount = Decimal(int(math.exp(log_amount) * 100)).scaleb(-2)
        case = _Case(
            court=court,
            abbr=abbr,
            judge=judge,
            year=year,
            filed_on=filed_on,
            cause=cause,
            owed=owed,
            kind="恢复执行" if rnd() < 0.12 else "首次执行",
            status="CLOSED" if closed_on else "OPEN",
            closed_on=closed_on,
            amount=amount,
        )
        _add_parties(rng, pools, case, forced, respondent_kind, applicant_kind)
        cases.append(case)

    party_user = _party_user(world, cases)

    # Case numbers run with the filing date within each court and year; ids follow filing order.
    cases.sort(key=lambda c: (c.filed_on, c.court, c.judge))
    seqs: dict[tuple[str, int], int] = {}
    for case in cases:
        key = (case.court, case.year)
        seq = seqs.get(key, 100 + int(rnd() * 700)) + 1 + int(rnd() * 30)
        seqs[key] = seq
        case.number = f"（{case.year}）{case.abbr}执{seq}号"

    case_rows: list[dict[str, Any]] = []
    judge_rows: list[dict[str, Any]] = []
    party_rows: list[dict[str, Any]] = []
    for case_id, case in enumerate(cases, start=1):
        case_rows.append(
            {
                "id": case_id,
                "case_number": case.number,
                "court_code": case.court,
                "kind": case.kind,
                "cause": case.cause,
                "status": case.status,
                "filed_on": case.filed_on,
                "closed_on": case.closed_on,
                "amount": case.amount,
            }
        )
        judge_rows.append({"case_id": case_id, "judge_id": case.judge, "role": "承办人"})
        for party in case.parties:
            party_rows.append(
                {
                    "id": len(party_rows) + 1,
                    "case_id": case_id,
                    "role": party.role,
                    "subject_kind": party.kind,
                    "subject_id": party.subject_id,
                    "name": party.name,
                }
            )
    return {
        "courts": [{"code": c, "abbr": a, "name": name} for c, a, name in COURTS],
        "users": [*(dict(u) for u in DEMO_USERS), party_user],
        "cases": case_rows,
        "case_judges": judge_rows,
        "case_parties": party_rows,
        "sanction_entries": (entries := _sanctions(rng, cases)),
        "sanction_entry_persons": _entry_persons(world, entries),
        "sanction_changes": _changes(entries),
        "party_requests": [],
        "case_documents": _documents(cases, party_user["org"].partition(":")[2]),
    }


def _documents(cases: list[_Case], uscc: str) -> list[dict[str, Any]]:
    """What the courts published for the demo party's cases (裁判文书公开 / 执行信息公开): an
    enforcement ruling and the case's execution information each. Natural persons are named by
    their part only and no ID number is written (法释〔2016〕19号 第十条第一款第（一）项)."""
    names = {code: name for code, _, name in COURTS}
    rows: list[dict[str, Any]] = []
    for case in cases:
        mine = [p for p in case.parties if p.subject_id == uscc]
        if not mine:
            continue
        respondent = next((p for p in case.parties if p.role == "被执行人"), None)
        who = (
            f"被执行人{respondent.name}"
            if respondent and respondent.kind == "ENTERPRISE"
            else "被执行人"
        )
        day = min(case.filed_on.toordinal() + 20, _LAST_FILED)
        at = datetime.combine(
            date.fromordinal(day), dt_time(1, 30), tzinfo=UTC
        )  # 09:30 in Shanghai
        court = names[case.court]
        texts = (
            (
                "JUDGMENT",
                f"{court}执行裁定书 {case.number}",
                f"{court}\n执行裁定书\n{case.number}\n\n本院在执行{case.cause}一案中，依照《中华人民共和国"
                f"民事诉讼法》第二百五十三条、第二百五十五条之规定，裁定如下：\n查封、冻结{who}"
                f"的财产，以{case.amount}元为限。\n本裁定立即执行。",
            ),
            (
                "EXECUTION_INFO",
                f"执行信息 {case.number}",
                f"案号：{case.number}\n执行法院：{court}\n立案日期：{case.filed_on.isoformat()}\n"
                f"执行标的：{case.amount}元\n案件状态：{'执行中' if case.status == 'OPEN' else '已结案'}",
            ),
        )
        for kind, title, text in texts:
            rows.append(
                {
                    "id": f"PD-{case.year}-{len(rows) + 1:012X}",
                    "court_code": case.court,
                    "case_number": case.number,
                    "kind": kind,
                    "title": title,
                    "text": text,
                    "published_at": at,
                    "published_by": case.judge,
                    "created_at": at,
                }
            )
    return rows


PARTY_ROLE = "enterprise_party"
PARTY_TITLE = "企业授权人"


def _party_user(world: World, cases: list[_Case]) -> dict[str, str]:
    """The demo enterprise party (企业纾困360): an enterprise that is 被执行人 in one case and
    申请执行人 in another, signed in as its legal representative (its authorised person). When
    the generated cases hold no such enterprise, the applicant of a case of another court is
    made one: the enterprise respondent of judge-zhang's first open case."""
    respondents = {
        p.subject_id
        for c in cases
        for p in c.parties
        if p.kind == "ENTERPRISE" and p.role == "被执行人"
    }
    applicants = [
        p.subject_id
        for c in cases
        for p in c.parties
        if p.kind == "ENTERPRISE" and p.role == "申请执行人"
    ]
    both = [u for u in applicants if u in respondents]
    if both:
        uscc = both[0]
    else:
        first = next(
            c
            for c in cases
            if c.judge == _ZHANG
            and c.status == "OPEN"
            and any(p.kind == "ENTERPRISE" and p.role == "被执行人" for p in c.parties)
        )
        party = next(p for p in first.parties if p.kind == "ENTERPRISE" and p.role == "被执行人")
        uscc = party.subject_id
        other = next(
            c
            for c in cases
            if c.court != first.court and all(p.subject_id != uscc for p in c.parties)
        )
        applicant = next(p for p in other.parties if p.role == "申请执行人")
        applicant.kind, applicant.subject_id, applicant.name = "ENTERPRISE", uscc, party.name
    enterprise = next(e for e in world.enterprises if e.uscc == uscc)
    person = world.persons[enterprise.legal_rep]
    return {
        "id": person.id_number,
        "name": person.name,
        "org": f"enterprise:{uscc}",
        "roles": PARTY_ROLE,
        "title": PARTY_TITLE,
    }


def _entry_persons(world: World, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each enterprise entry, the persons it binds by default (法释〔2015〕17号 第三条第二款):
    the legal representative, and the registered manager as the principal person in charge
    (the legal representative too, when registered as 执行董事兼总经理). Directors, supervisors
    and finance managers are not bound."""
    by_uscc = {e.uscc: e for e in world.enterprises}
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for entry in entries:
        if entry["subject_kind"] != "ENTERPRISE":
            continue
        enterprise = by_uscc[entry["subject_id"]]
        positions = dict(enterprise.key_personnel)
        people = [(enterprise.legal_rep, "LEGAL_REPRESENTATIVE")]
        people += [
            (index, "PRINCIPAL")
            for index, position in enterprise.key_personnel
            if rules.is_principal(position)
        ]
        for index, role in people:
            person = world.persons[index]
            key = (entry["id"], person.id_number, role)
            rows[key] = {
                "entry_id": entry["id"],
                "id_number": person.id_number,
                "name": person.name,
                "role": role,
                "position": positions.get(index),
                "named_by": "REGISTER",
                "released_on": None,
                "release_ground": None,
                "release_reason": None,
                "released_by": None,
            }
    return list(rows.values())


def _changes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The change feed from its beginning: each publication, then each end (deleted, lifted),
    by date."""
    events = [(e["published_on"], 0, e["id"], "PUBLISHED") for e in entries]
    events += [(e["revoked_on"], 1, e["id"], e["status"]) for e in entries if e["revoked_on"]]
    events.sort()
    return [
        {
            "seq": seq,
            "entry_id": entry_id,
            "change": change,
            "at": datetime.combine(day, dt_time(9, 0), tzinfo=UTC),
        }
        for seq, (day, _, entry_id, change) in enumerate(events, start=1)
    ]


def _add_parties(
    rng: random.Random,
    pools: _Pools,
    case: _Case,
    forced: str,
    respondent_kind: str,
    applicant_kind: str,
) -> None:
    rnd = rng.random
    taken: list[str] = []

    def add(role: str, pool: str, index: int) -> int:
        kind, subject_id, name = pools.subject(pool, index)
        case.parties.append(_Party(role, kind, subject_id, name))
        taken.append(subject_id)
        return index

    # The first respondent: rich persons for the demo cases, mostly asset holders otherwise.
    if respondent_kind == "P":
        pool = "rich_persons" if forced or rnd() < 0.3 else "any_persons"
        if pool == "any_persons" and rnd() < 0.85:
            pool = "asset_persons"
    else:
        pool = "asset_enterprises" if forced or rnd() < 0.8 else "any_enterprises"
    first = pools.take(pool, taken)
    if first is None:
        raise ValueError(f"the world has no candidate respondents ({pool})")
    respondents = [(pool, first)]
    taken.append(pools.subject(pool, first)[1])
    # A second respondent (guarantor / joint debtor) in a quarter of the cases.
    if rnd() < 0.25:
        second: int | None
        if respondent_kind == "E":  # the legal representative, as guarantor
            second_pool = "any_persons"
            rep = pools.world.enterprises[first].legal_rep
            second = None if pools.world.persons[rep].id_number in taken else rep
        else:
            second_pool = "asset_persons"
            second = pools.take(second_pool, taken)
        if second is not None:
            respondents.append((second_pool, second))
            taken.append(pools.subject(second_pool, second)[1])
    # The applicant; an employee of the respondent for labour disputes when there is one.
    if applicant_kind == "*":
        applicant_kind = "P" if rnd() < 0.5 else "E"
    staff = pools.employees.get(first, []) if respondent_kind == "E" else []
    staff = [i for i in staff if pools.world.persons[i].id_number not in taken]
    if applicant_kind == "P" and staff and case.owed in ("经济补偿金", "劳动报酬"):
        add("申请执行人", "any_persons", staff[int(rnd() * len(staff))])
    else:
        # Persons or enterprises as the cause suggests; the other kind if none is left.
        order = ["any_persons", "any_enterprises"]
        if applicant_kind == "E":
            order.reverse()
        for applicant_pool in order:
            applicant = pools.take(applicant_pool, taken)
            if applicant is not None:
                add("申请执行人", applicant_pool, applicant)
                break
        else:
            raise ValueError("the world is too small for an applicant distinct from respondents")
    for respondent_pool, index in respondents:
        add("被执行人", respondent_pool, index)


def _sanctions(rng: random.Random, cases: list[_Case]) -> list[dict[str, Any]]:
    """Dishonest-debtor and consumption-restriction entries for respondents of open cases, each
    with its ground, term and end (法释〔2017〕7号 第一条、第二条): an entry whose term ended
    before the demo's day was deleted the day after (第十条第二款), a few were deleted or lifted
    on performance (第十条第一款第（一）项, 第二条第二款, 法释〔2015〕17号 第九条)."""
    rnd = rng.random
    entries: list[tuple[date, str, str, dict[str, Any]]] = []
    for case in cases:
        if case.status != "OPEN":
            continue
        applicant = case.parties[0]
        respondents = [p for p in case.parties if p.role == "被执行人"]
        first = respondents[0]
        for party in respondents:
            if party is first:
                obligation = (
                    f"向申请执行人{applicant.name}支付{case.owed}人民币{case.amount}元及利息，"
                    "并加倍支付迟延履行期间的债务利息"
                )
            else:
                obligation = (
                    f"对{first.name}向申请执行人{applicant.name}支付{case.owed}人民币"
                    f"{case.amount}元的债务承担连带清偿责任"
                )
            dishonest = False
            for list_name, prefix, share in _LISTS:
                if rnd() >= share:
                    continue
                published = min(case.filed_on.toordinal() + 30 + int(rnd() * 180), _LAST_FILED)
                if published <= case.filed_on.toordinal():
                    continue
                published_on = date.fromordinal(published)
                if list_name == "DISHONEST":
                    grounds = [_DISHONEST_GROUNDS[bisect(_GROUND_CUM, rnd() * _GROUND_CUM[-1])][0]]
                    if grounds[0] != "ABLE_NOT_PERFORMING" and rnd() < 0.1:
                        grounds.append(
                            "ASSET_REPORT" if grounds[0] != "ASSET_REPORT" else "EVADING"
                        )
                    extension = 0
                    if ("OBSTRUCTING" in grounds or len(grounds) > 1) and rnd() < 0.5:
                        extension = 1 + int(rnd() * 3)
                    term = rules.term_of(
                        list_name,
                        grounds,
                        published_on,
                        extension_years=extension,
                        extension_reason=_EXTENSION_REASON if extension else None,
                    )
                    dishonest = True
                else:
                    grounds = ["DISHONEST_LISTED" if dishonest else "NOT_PERFORMED"]
                    term = rules.term_of(list_name, grounds, published_on)
                status, ended_on, end_ground, reason = "ACTIVE", None, None, None
                if term.ends_on is not None and term.ends_on < AS_OF:
                    status, end_ground = "DELETED", rules.TERM_ENDED
                    ended_on = term.ends_on + timedelta(days=1)
                    reason = "纳入期限届满（法释〔2017〕7号 第十条第二款）"
                elif rnd() < 0.06 and published + 30 < _LAST_FILED:
                    ended_on = _date_in(rng, date.fromordinal(published + 30), AS_OF)
                    if term.ends_on is not None and ended_on > term.ends_on:
                        ended_on = term.ends_on
                    if list_name == "CONSUMPTION_RESTRICTION":
                        status, end_ground = "LIFTED", "PERFORMED"
                    else:
                        status = "DELETED"
                        end_ground = rules.EARLY if term.term_years else "PERFORMED"
                    reason = _PERFORMED
                row = {
                    "list": list_name,
                    "subject_kind": party.kind,
                    "subject_id": party.subject_id,
                    "name": party.name,
                    "court_code": case.court,
                    "case_number": case.number,
                    "obligation": obligation,
                    "published_on": published_on,
                    "legal_basis": rules.legal_basis_of(list_name, term.grounds, term.term_years),
                    "status": status,
                    "revoked_on": ended_on,
                    "revoke_reason": reason,
                    "grounds": rules.join_grounds(term.grounds),
                    "term_years": term.term_years,
                    "ends_on": term.ends_on,
                    "extension_reason": term.extension_reason,
                    "end_ground": end_ground,
                    "corrected_on": None,
                }
                entries.append((published_on, prefix, case.court, row))
    # Entry numbers run with the publication date per list, court and year.
    entries.sort(key=lambda e: (e[0], e[1], e[2], e[3]["case_number"], e[3]["subject_id"]))
    seqs: dict[tuple[str, str, int], int] = {}
    rows: list[dict[str, Any]] = []
    for published_on, prefix, court, row in entries:
        key = (prefix, court, published_on.year)
        seq = seqs.get(key, int(rnd() * 200)) + 1
        seqs[key] = seq
        rows.append({"id": f"{prefix}-{court}-{published_on.year}-{seq:06d}", **row})
    return rows
