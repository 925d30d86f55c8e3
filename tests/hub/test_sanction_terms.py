"""A sanction entry's ground (情形), term and end, as 《最高人民法院关于公布失信被执行人名单信息的若干
规定》(法释〔2017〕7号) states them: the ground recorded (第一条, 第六条第（四）项), two years for
grounds (二)–(六) and none for (一) (第二条), no minor listed (第四条), 撤销 and 更正 (第九条), 删除
(第十条) — by the court, and by the hub's expiry job when a term ends.

Each test works on parties it picks off the lists in the session's shared database and ends what
it published.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, insert, select

from connectors.base.identifiers import make_id_number
from hub.audit.models import audit_entries
from hub.cases.models import case_judges, case_parties, cases
from hub.sanctions import workflow as sanctions_workflow
from hub.sanctions.models import sanction_changes, sanction_entries
from hub.sanctions.rules import WorkingCalendar
from tests.conftest import Api
from tests.hub.test_sanctions import (
    COURT,
    PUBLISH,
    approver,  # noqa: F401  (fixture)
    audit_rows,
    check,
    codes,
    free_parties,
    listed,  # noqa: F401  (fixture)
    publish_input,
    sanction_rows,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

PUBLISH_TERM = """mutation($input: SanctionEntryPublishInput!) { sanctionEntryPublish(input: $input) {
  entry { id status grounds termYears endsOn legalBasis endedOn endGround }
  errors { code message field reason rule } } }"""
ANNUL = """mutation($id: String!, $reason: String!) { sanctionEntryAnnul(id: $id, reason: $reason) {
  entry { id status endedOn endReason endGround } errors { code message field reason rule } } }"""
DELETE = """mutation($id: String!, $input: SanctionEntryDeleteInput!) {
  sanctionEntryDelete(id: $id, input: $input) {
    entry { id status endedOn endReason endGround } errors { code message field reason rule } } }"""
CORRECT = """mutation($id: String!, $input: SanctionEntryCorrectInput!) {
  sanctionEntryCorrect(id: $id, input: $input) {
    entry { id status grounds termYears endsOn extensionReason obligation correctedOn }
    errors { code message field reason rule } } }"""
PROFILE = """query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) {
  legal { sanctions { id grounds termYears endsOn status endGround } } } }"""


def court_today() -> date:
    return datetime.now(UTC).astimezone(SHANGHAI).date()


def at_noon(day: date) -> datetime:
    """Noon of ``day`` in Shanghai, as the aware UTC moment the hub's clock returns."""
    return datetime.combine(day, time(12, 0), tzinfo=SHANGHAI).astimezone(UTC)


def years_later(day: date, years: int) -> date:
    """The corresponding day (民法典 第二百零二条; 29 February: the 28th)."""
    if (day.month, day.day) == (2, 29):
        return date(day.year + years, 2, 28)
    return day.replace(year=day.year + years)


def working_days_after(day: date, n: int) -> date:
    d = day
    while n:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


@pytest.fixture
async def court_case(app: Any) -> Any:
    """Files open cases of judge-zhang at the court, each against one new person respondent
    (a valid ID number for a birth date): ``await court_case(filed_on, birth)`` is the party.
    The cases are removed afterwards (request this fixture before ``listed``, so that entries
    are ended while their case exists)."""
    engine = app.state.runtime.engine
    made: list[int] = []

    async def add(filed_on: date, birth: date = date(1980, 5, 17)) -> dict[str, Any]:
        async with engine.begin() as conn:
            top_case = (await conn.execute(select(func.max(cases.c.id)))).scalar() or 0
            top_party = (await conn.execute(select(func.max(case_parties.c.id)))).scalar() or 0
            case_id = top_case + 1000 + len(made)
            number = f"（{filed_on.year}）鲁0602执{9000 + case_id % 1000}号"
            id_number = make_id_number("370602", birth, 100 + case_id % 400, male=True)
            await conn.execute(
                insert(cases).values(
                    id=case_id,
                    case_number=number,
                    court_code=COURT,
                    kind="首次执行",
                    cause="民间借贷纠纷",
                    status="OPEN",
                    filed_on=filed_on,
                    closed_on=None,
                    amount=Decimal("100000.00"),
                )
            )
            await conn.execute(
                insert(case_judges).values(case_id=case_id, judge_id="judge-zhang", role="承办人")
            )
            await conn.execute(
                insert(case_parties).values(
                    id=top_party + 1000 + len(made),
                    case_id=case_id,
                    role="被执行人",
                    subject_kind="PERSON",
                    subject_id=id_number,
                    name="王小明",
                )
            )
        made.append(case_id)
        return {"id": id_number, "caseNumber": number, "name": "王小明", "filedOn": filed_on}

    yield add
    async with engine.begin() as conn:
        for case_id in made:
            await conn.execute(delete(case_parties).where(case_parties.c.case_id == case_id))
            await conn.execute(delete(case_judges).where(case_judges.c.case_id == case_id))
            await conn.execute(delete(cases).where(cases.c.id == case_id))


async def entry_row(app: Any, entry_id: str) -> dict[str, Any]:
    async with app.state.runtime.engine.connect() as conn:
        row = (
            await conn.execute(select(sanction_entries).where(sanction_entries.c.id == entry_id))
        ).one()
    return dict(row._mapping)


async def changes_of(app: Any, entry_id: str) -> list[str]:
    async with app.state.runtime.engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    select(sanction_changes.c.change)
                    .where(sanction_changes.c.entry_id == entry_id)
                    .order_by(sanction_changes.c.seq)
                )
            ).scalars()
        )


async def publish(api: Api, listed_ids: list[str], data: dict[str, Any]) -> dict[str, Any]:
    body = await api.query(PUBLISH_TERM, {"input": data})
    assert "errors" not in body, body
    payload = body["data"]["sanctionEntryPublish"]
    assert payload["errors"] == [], payload
    listed_ids.append(payload["entry"]["id"])
    return payload["entry"]  # type: ignore[no-any-return]


async def expire(app: Any, at: datetime | None = None) -> list[dict[str, Any]]:
    runtime = app.state.runtime
    return await sanctions_workflow.expire(
        runtime.engine, runtime.audit, calendar=WorkingCalendar(), at=at
    )


# --- the term ends: no longer blocking, deleted by the job ----------------------------------------


async def test_an_entry_past_its_term_no_longer_blocks_and_is_deleted_by_the_job(
    api: Api,
    app: Any,
    approver: Any,  # noqa: F811
    court_case: Any,
    listed: list[str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """法释〔2017〕7号 第二条第一款: "被执行人具有本规定第一条第二项至第六项规定情形的，纳入失信被执行人
    名单的期限为二年。" 第十条第二款: "有纳入期限的，不适用前款规定。纳入期限届满后三个工作日内，人民
    法院应当删除失信信息。" """
    # given a respondent of a case filed more than two years ago, listed for 违反财产报告制度
    # (第一条第（四）项) the day after filing
    today = court_today()
    party = await court_case(years_later(today, -2) - timedelta(days=40))
    published_on = party["filedOn"] + timedelta(days=1)
    entry = await publish(
        api,
        listed,
        publish_input(
            "DISHONEST",
            party,
            grounds=["ASSET_REPORT"],
            publishedOn=published_on.isoformat(),
            legalBasis=None,
        ),
    )
    # then it records the ground, a two-year term and its last day, and cites both articles
    ends_on = years_later(published_on, 2)
    assert ends_on < today
    assert (entry["grounds"], entry["termYears"], entry["endsOn"]) == (
        ["ASSET_REPORT"],
        2,
        ends_on.isoformat(),
    )
    assert entry["legalBasis"] == "法释〔2017〕7号 第一条第（四）项、第二条第一款"
    approval = approver("LH-BIDDING")
    # on its last day it still blocks
    monkeypatch.setattr(sanctions_workflow, "now", lambda: at_noon(ends_on))
    assert (await check(api, approval, {"idNumber": party["id"]}, "LH-BIDDING"))[
        "decision"
    ] == "BLOCK"
    # the day after, and today, it no longer does — before the job has run
    monkeypatch.setattr(sanctions_workflow, "now", lambda: at_noon(ends_on + timedelta(days=1)))
    after_end = await check(api, approval, {"idNumber": party["id"]}, "LH-BIDDING")
    monkeypatch.undo()
    assert (after_end["decision"], after_end["entries"]) == ("ALLOW", [])
    result = await check(api, approval, {"idNumber": party["id"]}, "LH-BIDDING")
    assert (result["decision"], result["entries"]) == ("ALLOW", [])
    assert (await entry_row(app, entry["id"]))["status"] == "ACTIVE"
    # when the expiry job runs
    deleted = await expire(app)
    # then the entry is deleted: by the hub, on the ground that its term ended, on today's date
    assert entry["id"] in [r["id"] for r in deleted]
    row = await entry_row(app, entry["id"])
    assert (row["status"], row["end_ground"], row["revoked_on"], row["revoked_by"]) == (
        "DELETED",
        "TERM_ENDED",
        today,
        None,
    )
    # with a DELETED change for the agencies that follow the lists
    assert await changes_of(app, entry["id"]) == ["PUBLISHED", "DELETED"]
    # and an audit entry of the hub, saying when the deletion was due (three working days after
    # the last day) and whether it was late
    async with app.state.runtime.engine.connect() as conn:
        entries = [
            json.loads(r.content)["detail"]
            for r in await conn.execute(
                select(audit_entries).where(
                    audit_entries.c.action == "SANCTION_DELETE",
                    audit_entries.c.user_id == "hub",
                )
            )
        ]
    [detail] = [d for d in entries if d["entry"] == entry["id"]]
    due = working_days_after(ends_on, 3)
    assert detail == {
        "entry": entry["id"],
        "list": "DISHONEST",
        "status": "DELETED",
        "ground": "TERM_ENDED",
        "basis": "法释〔2017〕7号 第十条第二款",
        "endsOn": ends_on.isoformat(),
        "due": due.isoformat(),
        "late": today > due,
    }
    # a second run deletes nothing again
    assert entry["id"] not in [r["id"] for r in await expire(app)]
    assert await changes_of(app, entry["id"]) == ["PUBLISHED", "DELETED"]


async def test_the_job_deletes_nothing_before_the_term_ends(
    api: Api,
    app: Any,
    listed: list[str],  # noqa: F811
) -> None:
    """第十条第二款: deletion follows the end of the term (纳入期限届满后), not before."""
    # given an entry for 以虚假诉讼 … 规避执行 (第一条第（三）项) published today
    party = (await free_parties(app, "PERSON", judge="judge-zhang"))[0]
    entry = await publish(api, listed, publish_input("DISHONEST", party, grounds=["EVADING"]))
    ends_on = date.fromisoformat(entry["endsOn"])
    # when the job runs on its last day, then it stays; the day after, it goes
    assert entry["id"] not in [r["id"] for r in await expire(app, at_noon(ends_on))]
    assert (await entry_row(app, entry["id"]))["status"] == "ACTIVE"
    gone = await expire(app, at_noon(ends_on + timedelta(days=1)))
    assert entry["id"] in [r["id"] for r in gone]
    assert (await entry_row(app, entry["id"]))["status"] == "DELETED"


async def test_a_ground_one_entry_has_no_end(
    api: Api,
    app: Any,
    approver: Any,  # noqa: F811
    court_case: Any,
    listed: list[str],  # noqa: F811
) -> None:
    """法释〔2017〕7号 第二条第一款 gives a term to grounds (二)–(六) only: an entry for 第一条第（一）项
    "有履行能力而拒不履行生效法律文书确定义务的" stays until it is deleted under 第十条第一款."""
    # given a respondent listed more than two years ago for ground (一)
    today = court_today()
    party = await court_case(years_later(today, -2) - timedelta(days=40))
    published_on = party["filedOn"] + timedelta(days=1)
    entry = await publish(
        api,
        listed,
        publish_input(
            "DISHONEST",
            party,
            grounds=["ABLE_NOT_PERFORMING"],
            publishedOn=published_on.isoformat(),
            legalBasis=None,
        ),
    )
    # then it has no term and no end
    assert (entry["grounds"], entry["termYears"], entry["endsOn"]) == (
        ["ABLE_NOT_PERFORMING"],
        None,
        None,
    )
    assert entry["legalBasis"] == "法释〔2017〕7号 第一条第（一）项"
    # it blocks today, and the job leaves it
    result = await check(api, approver("LH-BIDDING"), {"idNumber": party["id"]}, "LH-BIDDING")
    assert result["decision"] == "BLOCK"
    assert entry["id"] not in [r["id"] for r in await expire(app)]
    assert (await entry_row(app, entry["id"]))["status"] == "ACTIVE"
    # nor can a term be added to it (第二条第一款 extends a term only)
    body = await api.query(
        PUBLISH_TERM,
        {
            "input": publish_input(
                "CONSUMPTION_RESTRICTION",
                party,
                grounds=["DISHONEST_LISTED"],
                extensionYears=1,
                extensionReason="情节严重",
            )
        },
    )
    [error] = body["data"]["sanctionEntryPublish"]["errors"]
    assert (error["code"], error["rule"]) == ("BAD_USER_INPUT", "TERM_EXTENSION")


async def test_a_term_is_extended_only_as_the_article_allows(
    api: Api,
    app: Any,
    listed: list[str],  # noqa: F811
) -> None:
    """法释〔2017〕7号 第二条第一款: "被执行人以暴力、威胁方法妨碍、抗拒执行情节严重或具有多项失信行为的，
    可以延长一至三年。" """
    party = (await free_parties(app, "PERSON", judge="judge-zhang"))[0]
    before = await sanction_rows(app)
    refused = [
        # one ground that is not 妨碍、抗拒执行: no extension
        (
            {"grounds": ["ASSET_REPORT"], "extensionYears": 1, "extensionReason": "x"},
            "TERM_EXTENSION",
        ),
        # more than three years
        (
            {"grounds": ["OBSTRUCTING"], "extensionYears": 4, "extensionReason": "x"},
            "TERM_EXTENSION",
        ),
        # no reason
        ({"grounds": ["OBSTRUCTING"], "extensionYears": 2}, "TERM_EXTENSION"),
        # no ground at all
        ({"grounds": []}, "GROUND_REQUIRED"),
        # a consumption ground on the dishonest list
        ({"grounds": ["NOT_PERFORMED"]}, "GROUND_OF_LIST"),
    ]
    for change, rule in refused:
        body = await api.query(PUBLISH_TERM, {"input": publish_input("DISHONEST", party, **change)})
        [error] = body["data"]["sanctionEntryPublish"]["errors"]
        assert (error["code"], error["rule"]) == ("BAD_USER_INPUT", rule), (change, error)
    assert await sanction_rows(app) == before
    # 妨碍、抗拒执行 情节严重 — and 多项失信行为 — extend the term
    today = court_today()
    entry = await publish(
        api,
        listed,
        publish_input(
            "DISHONEST",
            party,
            grounds=["ASSET_REPORT", "EVADING"],
            extensionYears=3,
            extensionReason="具有多项失信行为",
        ),
    )
    assert entry["grounds"] == ["EVADING", "ASSET_REPORT"]  # in the article's order
    assert (entry["termYears"], entry["endsOn"]) == (5, years_later(today, 5).isoformat())


# --- minors -----------------------------------------------------------------------------------------


async def test_a_minor_is_not_put_on_the_dishonest_list(
    api: Api, app: Any, court_case: Any
) -> None:
    """法释〔2017〕7号 第四条: "被执行人为未成年人的，人民法院不得将其纳入失信被执行人名单。" """
    # given a respondent who turns 18 tomorrow (the court's day, Asia/Shanghai)
    today = court_today()
    party = await court_case(
        today - timedelta(days=60), years_later(today, -18) + timedelta(days=1)
    )
    before = await sanction_rows(app)
    # when the judge puts them on the dishonest list
    body, rid = await ask_rid(api, PUBLISH, {"input": publish_input("DISHONEST", party)})
    # then it is refused, naming the article, and nothing is written
    payload = body["data"]["sanctionEntryPublish"]
    assert payload["entry"] is None
    [error] = payload["errors"]
    assert (error["code"], error["field"], error["rule"]) == ("BAD_USER_INPUT", "subject", "MINOR")
    assert "第四条" in error["message"]
    assert await sanction_rows(app) == before
    assert [r for r in await audit_rows(app, rid) if r["action"] == "SANCTION_PUBLISH"] == []


async def test_age_is_counted_on_the_courts_day(
    api: Api,
    app: Any,
    court_case: Any,
    listed: list[str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """第四条's minor is under 18 on the day of the decision, the court's day in Asia/Shanghai: at
    07:30 in Yantai (23:30 UTC the day before) a person born 18 years ago today is an adult."""
    china_day = court_today()
    moment = datetime.combine(china_day - timedelta(days=1), time(23, 30), tzinfo=UTC)
    assert moment.astimezone(SHANGHAI).date() == china_day
    monkeypatch.setattr(sanctions_workflow, "now", lambda: moment)
    party = await court_case(china_day - timedelta(days=60), years_later(china_day, -18))
    entry = await publish(
        api, listed, publish_input("DISHONEST", party, publishedOn=china_day.isoformat())
    )
    assert entry["status"] == "ACTIVE"


async def ask_rid(api: Api, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], str]:
    response = await api.post(query, variables)
    assert response.status_code == 200, response.text
    return response.json(), response.headers["X-Request-Id"]


# --- 撤销, 删除, 更正 -----------------------------------------------------------------------------------


async def test_annulment_deletion_and_correction_are_distinct(
    api: Api,
    app: Any,
    approver: Any,  # noqa: F811
    listed: list[str],  # noqa: F811
) -> None:
    """法释〔2017〕7号 第九条: "不应纳入失信被执行人名单的公民、法人或其他组织被纳入失信被执行人名单的，
    人民法院应当在三个工作日内撤销失信信息。记载和公布的失信信息不准确的，人民法院应当在三个工作日内
    更正失信信息。" 第十条第一款 (一): "被执行人已履行生效法律文书确定的义务或人民法院已执行完毕的" —
    删除; "有纳入期限的，不适用前款规定" (第十条第二款); early deletion is 第二条第二款's."""
    parties = await free_parties(app, "PERSON", judge="judge-zhang")
    a, b, c = parties[0], parties[1], parties[2]
    today = court_today().isoformat()
    approval = approver("LH-BIDDING")
    # 撤销: an entry that should not have been published
    wrong = await publish(api, listed, publish_input("DISHONEST", a))
    body = await api.query(ANNUL, {"id": wrong["id"], "reason": "被执行人已提供充分有效担保"})
    assert body["data"]["sanctionEntryAnnul"] == {
        "entry": {
            "id": wrong["id"],
            "status": "ANNULLED",
            "endedOn": today,
            "endReason": "被执行人已提供充分有效担保",
            "endGround": "WRONGLY_LISTED",
        },
        "errors": [],
    }
    assert await changes_of(app, wrong["id"]) == ["PUBLISHED", "ANNULLED"]
    assert (await check(api, approval, {"idNumber": a["id"]}, "LH-BIDDING"))["decision"] == "ALLOW"
    # 删除 of an entry without a term, on performance (第十条第一款第（一）项)
    ground_one = await publish(api, listed, publish_input("DISHONEST", b))
    body = await api.query(
        DELETE, {"id": ground_one["id"], "input": {"ground": "EARLY", "reason": "积极履行"}}
    )
    [error] = body["data"]["sanctionEntryDelete"]["errors"]
    assert (error["code"], error["rule"]) == ("BAD_USER_INPUT", "END_GROUND")
    body = await api.query(
        DELETE, {"id": ground_one["id"], "input": {"ground": "PERFORMED", "reason": "已履行完毕"}}
    )
    assert body["data"]["sanctionEntryDelete"]["entry"] == {
        "id": ground_one["id"],
        "status": "DELETED",
        "endedOn": today,
        "endReason": "已履行完毕",
        "endGround": "PERFORMED",
    }
    # an entry with a term is not deleted under 第十条第一款 — early, under 第二条第二款
    termed = await publish(api, listed, publish_input("DISHONEST", c, grounds=["SETTLEMENT"]))
    body = await api.query(
        DELETE, {"id": termed["id"], "input": {"ground": "PERFORMED", "reason": "已履行完毕"}}
    )
    [error] = body["data"]["sanctionEntryDelete"]["errors"]
    assert (error["code"], error["rule"]) == ("BAD_USER_INPUT", "END_GROUND")
    assert "第十条第二款" in error["message"]
    # 更正: the recorded ground corrected; the term follows it from the day of publication
    body = await api.query(
        CORRECT,
        {
            "id": termed["id"],
            "input": {"reason": "情形记载有误", "grounds": ["ABLE_NOT_PERFORMING"]},
        },
    )
    corrected = body["data"]["sanctionEntryCorrect"]["entry"]
    assert (
        corrected["status"],
        corrected["grounds"],
        corrected["termYears"],
        corrected["endsOn"],
    ) == (
        "ACTIVE",
        ["ABLE_NOT_PERFORMING"],
        None,
        None,
    )
    assert corrected["correctedOn"] == today
    assert await changes_of(app, termed["id"]) == ["PUBLISHED", "CORRECTED"]
    # the deletion, the annulment and the correction are each on record under their own action
    async with app.state.runtime.engine.connect() as conn:
        actions = {
            json.loads(r.content)["detail"]["entry"]: r.action
            for r in await conn.execute(
                select(audit_entries).where(
                    audit_entries.c.action.in_(
                        ["SANCTION_ANNUL", "SANCTION_DELETE", "SANCTION_CORRECT"]
                    ),
                    audit_entries.c.user_id == "judge-zhang",
                )
            )
        }
    assert actions[wrong["id"]] == "SANCTION_ANNUL"
    assert actions[ground_one["id"]] == "SANCTION_DELETE"
    assert actions[termed["id"]] == "SANCTION_CORRECT"
    # and an entry that has left its list takes no further end
    body = await api.query(ANNUL, {"id": ground_one["id"], "reason": "again"})
    [error] = body["data"]["sanctionEntryAnnul"]["errors"]
    assert error["code"] == "CONFLICT"


async def test_the_profile_shows_the_ground_and_the_end(
    api: Api,
    app: Any,
    listed: list[str],  # noqa: F811
) -> None:
    """第六条第（四）项: the entry records "被执行人失信行为的具体情形"; the judge sees it with the end."""
    party = (await free_parties(app, "PERSON", judge="judge-zhang"))[0]
    entry = await publish(api, listed, publish_input("DISHONEST", party, grounds=["OBSTRUCTING"]))
    body = await api.query(PROFILE, {"id": party["id"], "case": party["caseNumber"]})
    assert "errors" not in body, body
    shown = [s for s in body["data"]["person"]["legal"]["sanctions"] if s["id"] == entry["id"]]
    assert shown == [
        {
            "id": entry["id"],
            "grounds": ["OBSTRUCTING"],
            "termYears": 2,
            "endsOn": entry["endsOn"],
            "status": "ACTIVE",
            "endGround": None,
        }
    ]


def test_working_days_are_monday_to_friday_unless_a_calendar_says_otherwise(
    tmp_path: Any,
) -> None:
    """第十条第二款 counts "三个工作日": Monday to Friday, or the configured calendar's days."""
    plain = WorkingCalendar()
    # a term ending on Thursday 2026-10-01: Friday, Monday, Tuesday
    assert plain.add_working_days(date(2026, 10, 1), 3) == date(2026, 10, 6)
    path = tmp_path / "holidays.toml"
    path.write_text(
        "holidays = [2026-10-01, 2026-10-02, 2026-10-05, 2026-10-06, 2026-10-07]\n"
        "workdays = [2026-10-10]\n",
        encoding="utf-8",
    )
    national_day = WorkingCalendar.load(path)
    # the holidays do not count and the Saturday worked in exchange does: Thursday 8, Friday 9,
    # Saturday 10 October
    assert national_day.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert national_day.is_working_day(date(2026, 10, 10))
    path.write_text("holidays = [2026-10-01]\nworkdays = [2026-10-01]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="both a holiday and a workday"):
        WorkingCalendar.load(path)
    path.write_text('holidays = ["2026-10-01"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="array of dates"):
        WorkingCalendar.load(path)


async def test_a_refused_publication_keeps_codes_clear(api: Api, app: Any) -> None:
    """An unknown ground code is the schema's refusal (an enum), not a publication."""
    party = (await free_parties(app, "PERSON", judge="judge-zhang"))[0]
    before = await sanction_rows(app)
    body = await api.query(
        PUBLISH_TERM, {"input": publish_input("DISHONEST", party, grounds=["BAD_FAITH"])}
    )
    assert codes(body) == ["BAD_USER_INPUT"]
    assert await sanction_rows(app) == before
