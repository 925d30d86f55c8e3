"""Terms of seizures: calendar years on the court's calendar, renewals in a window and capped.

Rules under test:

- 《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》(法释〔2015〕5号, 2022 修正) 第四百八十五条:
  "人民法院冻结被执行人的银行存款的期限不得超过一年，查封、扣押动产的期限不得超过两年，查封不动产、
  冻结其他财产权的期限不得超过三年。申请执行人申请延长期限的，人民法院应当在查封、扣押、冻结期限届满前
  办理续行查封、扣押、冻结手续，续行期限不得超过前款规定的期限。"
- 《最高人民法院关于人民法院民事执行中查封、扣押、冻结财产的规定》(法释〔2004〕15号, 2020 修正)
  第二十七条: "查封、扣押、冻结期限届满，人民法院未办理延期手续的，查封、扣押、冻结的效力消灭。"

Expected dates are written out by hand from the rule: a term of N years that starts on day S
(counted) ends the day before S's anniversary, so three years from 2024-02-29 end 2027-02-28.
"Today" is the court's day (Asia/Shanghai): 2026-12-01T17:30Z is 2026-12-02 in court.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from connectors.real_estate.models import seizures, units
from hub.orders import service
from hub.orders.worker import lapse_expired
from tests.conftest import Api

ACCEPT = """mutation($id: String!, $r: ReceiptInput!) { freezeOrderAccept(id: $id, receipt: $r) {
  order { id status rank effectiveFrom expiresOn } errors { code message reason } } }"""
RENEW = """mutation($id: String!, $input: FreezeOrderRenewInput!) { freezeOrderRenew(id: $id, input: $input) {
  order { id status expiresOn renewals } errors { code message field reason rule } } }"""
RELEASE = """mutation($id: String!, $input: FreezeOrderReleaseInput!) {
  freezeOrderRelease(id: $id, input: $input) { order { id status } errors { code message } } }"""


@pytest.fixture(scope="module")
def fresh_units(databases: dict[str, Engine]) -> Iterator[list[str]]:
    """Units with no measure in the registry (from the start of the register: no other test's)."""
    with databases["real_estate"].connect() as conn:
        rows = conn.execute(
            select(units.c.unit_number)
            .where(units.c.unit_number.not_in(select(seizures.c.unit_number)))
            .order_by(units.c.unit_number)
            .limit(20)
        ).scalars()
        yield list(rows)


class Clock:
    """The hub's clock (``hub.orders.service.utcnow``), set by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.now(UTC)
        monkeypatch.setattr(service, "utcnow", lambda: self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


async def order_served(
    app: Any, target: dict[str, str], unit: str, served_at: datetime, **term: int | None
) -> str:
    """The judge's seizure of ``unit`` in the judge's case, served on the registry; ``term``
    as the workflow passes it (default: three years, in months)."""
    runtime = app.state.runtime
    async with runtime.engine.begin() as conn:
        row, _ = await service.submit(
            conn,
            payload={
                "kind": "SEIZE",
                "assetType": "REAL_ESTATE",
                "assetId": unit,
                "caseNumber": target["caseNumber"],
                "rulingNumber": target["caseNumber"].replace("号", "号之一"),
                "termMonths": 36,  # the workflow's default for real estate
                "termDays": None,
                **term,
                "idempotencyKey": uuid.uuid4().hex,
            },
            owner_id=target["idNumber"],
            court_code="370602",
            actor="judge-zhang",
            now=served_at,
            keys=runtime.order_keys,
        )
        await service.deliver(conn, row["id"], now=served_at)
    return str(row["id"])


async def accept_at(
    api: Api, tokens: dict[str, str], clock: Clock, order_id: str, at: datetime
) -> dict[str, Any]:
    clock.now = at
    body = await api.query(
        ACCEPT,
        {
            "id": order_id,
            "r": {"documentNumber": f"回执{uuid.uuid4().hex[:8]}", "registeredAt": at.isoformat()},
        },
        token=tokens["registry-wang"],
    )
    payload = body["data"]["freezeOrderAccept"]
    assert payload["errors"] == [], payload
    return payload["order"]  # type: ignore[no-any-return]


async def renew_at(api: Api, clock: Clock, order_id: str, at: datetime, **term: int) -> Any:
    clock.now = at
    body = await api.query(
        RENEW, {"id": order_id, "input": {"rulingNumber": "（2027）鲁0602执续1号", **term}}
    )
    return body["data"]["freezeOrderRenew"]


def ruling(target: dict[str, str]) -> str:
    """A ruling of the target's case (ruling numbers take the case-number form)."""
    return target["caseNumber"].replace("号", "号之二")


def court_time(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock on ``day`` in court (Asia/Shanghai, UTC+8), as a UTC moment."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


async def test_an_order_accepted_at_1730_utc_takes_effect_on_the_next_court_day(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    target: dict[str, str],
    clock: Clock,
    fresh_units: list[str],
) -> None:
    """第四百八十五条: "查封不动产、冻结其他财产权的期限不得超过三年。" — counted on the court's
    calendar: accepted at 2026-12-01T17:30Z, which is 01:30 on 2026-12-02 in court, the seizure
    runs from 2026-12-02 to 2029-12-01."""
    order = await order_served(app, target, fresh_units.pop(), datetime(2026, 12, 1, 9, tzinfo=UTC))
    accepted = await accept_at(api, tokens, clock, order, datetime(2026, 12, 1, 17, 30, tzinfo=UTC))
    assert (accepted["status"], accepted["effectiveFrom"], accepted["expiresOn"]) == (
        "EFFECTIVE",
        "2026-12-02",
        "2029-12-01",
    )
    await api.query(
        RELEASE, {"id": order, "input": {"rulingNumber": ruling(target), "reason": "测试清理"}}
    )


async def test_the_court_day_decides_when_a_measure_lapses(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    target: dict[str, str],
    clock: Clock,
    fresh_units: list[str],
) -> None:
    """查封规定 第二十七条: "查封、扣押、冻结期限届满，人民法院未办理延期手续的，查封、扣押、冻结的效力
    消灭。" — a ten-day seizure from 2026-11-22 ends 2026-12-01; at 2026-12-01T15:59Z (23:59 in
    court) it is still in effect, at 2026-12-01T17:30Z (2026-12-02 in court) it has lapsed."""
    order = await order_served(
        app,
        target,
        fresh_units.pop(),
        datetime(2026, 11, 21, 20, tzinfo=UTC),
        termMonths=None,
        termDays=10,
    )
    accepted = await accept_at(api, tokens, clock, order, datetime(2026, 11, 21, 20, tzinfo=UTC))
    assert (accepted["effectiveFrom"], accepted["expiresOn"]) == ("2026-11-22", "2026-12-01")
    runtime = app.state.runtime
    # when the lapse pass runs in the last minute of 2026-12-01 in court
    await lapse_expired(
        runtime.engine, sources=runtime.sources, now=datetime(2026, 12, 1, 15, 59, tzinfo=UTC)
    )
    async with runtime.engine.connect() as conn:
        assert (await service.get_order(conn, order))["status"] == "EFFECTIVE"
    # when it runs at 2026-12-01T17:30Z, already 2026-12-02 in court
    await lapse_expired(
        runtime.engine, sources=runtime.sources, now=datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    )
    async with runtime.engine.connect() as conn:
        assert (await service.get_order(conn, order))["status"] == "EXPIRED"


async def test_renewals_are_made_in_the_window_before_expiry_and_capped_across_a_leap_year(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    target: dict[str, str],
    clock: Clock,
    fresh_units: list[str],
) -> None:
    """第四百八十五条: "查封不动产……的期限不得超过三年。申请执行人申请延长期限的，人民法院应当在查封、
    扣押、冻结期限届满前办理续行查封、扣押、冻结手续，续行期限不得超过前款规定的期限。" — a seizure
    that took effect on 2024-02-29 ends 2027-02-28; it is renewed in the last 30 days before
    that (HUB_ORDER_RENEWAL_WINDOW_DAYS), for at most three years from 2027-03-01: to
    2030-02-28. Renewals made the day it took effect, or stacked, are refused."""
    order = await order_served(app, target, fresh_units.pop(), court_time(date(2024, 2, 28)))
    accepted = await accept_at(api, tokens, clock, order, court_time(date(2024, 2, 29), hour=9))
    assert (accepted["effectiveFrom"], accepted["expiresOn"]) == ("2024-02-29", "2027-02-28")
    # when the court asks for three renewals the day it took effect
    for _ in range(3):
        early = await renew_at(api, clock, order, court_time(date(2024, 2, 29), hour=11))
        # then each is refused: the term is far from its end
        assert early["order"] is None
        assert (early["errors"][0]["code"], early["errors"][0]["reason"]) == (
            "CONFLICT",
            "RENEWAL_WINDOW",
        )
    # a day before the window opens (2027-01-29) it is still refused
    assert (await renew_at(api, clock, order, court_time(date(2027, 1, 28))))["errors"][0][
        "reason"
    ] == "RENEWAL_WINDOW"
    # a renewal longer than the class's term is refused, in months or in days
    too_long = await renew_at(api, clock, order, court_time(date(2027, 2, 1)), termMonths=37)
    assert (too_long["errors"][0]["code"], too_long["errors"][0]["rule"]) == (
        "BAD_USER_INPUT",
        "TERM_TOO_LONG",
    )
    too_many_days = await renew_at(api, clock, order, court_time(date(2027, 2, 1)), termDays=1096)
    assert too_many_days["errors"][0]["rule"] == "TERM_TOO_LONG"
    # when it is renewed in the window with the longest term
    renewed = await renew_at(api, clock, order, court_time(date(2027, 2, 1)))
    # then it runs three years on from the old end: 2027-03-01 to 2030-02-28
    assert renewed["errors"] == [], renewed
    assert (renewed["order"]["expiresOn"], renewed["order"]["renewals"]) == ("2030-02-28", 1)
    # and a second renewal the same day is refused: the new end is far away
    again = await renew_at(api, clock, order, court_time(date(2027, 2, 1), hour=15))
    assert again["errors"][0]["reason"] == "RENEWAL_WINDOW"
    # and on its last day, 2030-02-28, it can be renewed again, for twelve months
    last_day = await renew_at(api, clock, order, court_time(date(2030, 2, 28)), termMonths=12)
    assert last_day["order"]["expiresOn"] == "2031-02-28"
    await api.query(
        RELEASE, {"id": order, "input": {"rulingNumber": ruling(target), "reason": "测试清理"}}
    )


def test_terms_end_the_day_before_the_anniversary() -> None:
    """第四百八十五条: 一年、两年、三年 — calendar years, the first day counted; a term that starts
    on 29 February ends on the last day of February; a term in days ends days − 1 after it."""
    from connectors.base.annotations import term_end

    assert term_end(date(2024, 2, 29), months=36) == date(2027, 2, 28)
    assert term_end(date(2024, 3, 1), months=36) == date(2027, 2, 28)
    assert term_end(date(2023, 3, 1), months=36) == date(2026, 2, 28)
    assert term_end(date(2025, 3, 1), months=36) == date(2028, 2, 29)
    assert term_end(date(2024, 3, 1), months=24) == date(2026, 2, 28)
    assert term_end(date(2026, 12, 2), months=36) == date(2029, 12, 1)
    assert term_end(date(2024, 1, 31), months=1) == date(2024, 2, 29)
    assert term_end(date(2026, 11, 22), days=10) == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("asset", "term", "rule"),
    [
        ("VEHICLE", {"months": 25}, "TERM_TOO_LONG"),  # 动产: two years
        ("VEHICLE", {"days": 731}, "TERM_TOO_LONG"),
        ("REAL_ESTATE", {"months": 37}, "TERM_TOO_LONG"),  # 不动产: three years
        ("EQUITY", {"days": 1096}, "TERM_TOO_LONG"),  # 其他财产权: three years
        ("EQUITY", {"months": 0}, "TERM_POSITIVE"),
        ("REAL_ESTATE", {"months": 12, "days": 30}, "TERM_ONE_UNIT"),
    ],
)
def test_a_term_beyond_the_class_is_refused(asset: str, term: dict[str, int], rule: str) -> None:
    """第四百八十五条: "查封、扣押动产的期限不得超过两年，查封不动产、冻结其他财产权的期限不得超过三年。" """
    from hub.errors import BadUserInput
    from hub.orders.terms import check_term

    with pytest.raises(BadUserInput) as refused:
        check_term(asset, months=term.get("months"), days=term.get("days"))
    assert refused.value.extra["rule"] == rule


def test_the_longest_terms_by_class() -> None:
    """第四百八十五条: 动产 两年, 不动产 三年, 其他财产权 三年 — the default term of each class."""
    from hub.orders.terms import check_term

    assert check_term("VEHICLE", months=None, days=None).end(date(2024, 3, 1)) == date(2026, 2, 28)
    assert check_term("REAL_ESTATE", months=None, days=None).end(date(2024, 3, 1)) == date(
        2027, 2, 28
    )
    assert check_term("EQUITY", months=None, days=None).end(date(2024, 2, 29)) == date(2027, 2, 28)
