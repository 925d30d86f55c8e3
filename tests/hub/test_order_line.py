"""The waiting line (轮候) is the agency's register, ranked by the time each order was served.

Rules under test:

- 最高人民法院、国土资源部、建设部《关于依法规范人民法院执行和国土资源房地产管理部门协助执行若干问题的通知》
  (法发〔2004〕5号) 第二十条: "轮候查封登记的顺序按照人民法院送达协助执行通知书的时间先后进行排列。查封法院
  依法解除查封的，排列在先的轮候查封自动转为查封……"
- 《最高人民法院关于人民法院民事执行中查封、扣押、冻结财产的规定》(法释〔2004〕15号, 2020 修正)
  第二十六条: "对已被人民法院查封、扣押、冻结的财产，其他人民法院可以进行轮候查封、扣押、冻结。查封、
  扣押、冻结解除的，登记在先的轮候查封、扣押、冻结即自动生效。" 第二十七条: "查封、扣押、冻结期限届满，
  人民法院未办理延期手续的，查封、扣押、冻结的效力消灭。"
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select

from connectors.real_estate.models import owners, seizures, units
from hub.orders import service
from hub.orders.worker import deliver_pending, lapse_expired
from tests.conftest import Api

ACCEPT = """mutation($id: String!, $r: ReceiptInput!) { freezeOrderAccept(id: $id, receipt: $r) {
  order { id status rank } errors { code message reason } } }"""
REJECT = """mutation($id: String!, $reason: String!) { freezeOrderReject(id: $id, reason: $reason) {
  order { id status } errors { code message reason } } }"""
LINE = """query($id: String!) { freezeOrder(id: $id) { id status rank
  waitingLine { orderId court courtCode caseNumber rank status outsideHub } } }"""
PROFILE_LINE = """query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) {
  assets { realEstates { unitNumber waitingLine { orderId caseNumber rank status outsideHub } } } } }"""
COURT = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def fresh_units(databases: dict[str, Engine]) -> Iterator[list[tuple[str, str]]]:
    """Units of the demo registry with no measure registered on them yet (unit, owner), from
    the end of the register so that they are no other test's."""
    with databases["real_estate"].connect() as conn:
        rows = conn.execute(
            select(units.c.unit_number, owners.c.owner_id)
            .join(owners, owners.c.unit_number == units.c.unit_number)
            .where(units.c.unit_number.not_in(select(seizures.c.unit_number)))
            .order_by(units.c.unit_number.desc())
            .limit(40)
        ).all()
    first_owner = {unit: owner for unit, owner in reversed(rows)}  # one owner per unit
    yield sorted(first_owner.items(), reverse=True)


def register_row(unit: str, **values: Any) -> dict[str, Any]:
    """A measure served on the registry outside the hub (on paper, before the hub): no order id."""
    return {"order_id": None, "unit_number": unit, "kind": "SEIZE", **values}


def add_to_register(databases: dict[str, Engine], rows: list[dict[str, Any]]) -> None:
    with databases["real_estate"].begin() as conn:
        conn.execute(insert(seizures), rows)


def register_of(databases: dict[str, Engine], unit: str) -> list[tuple[Any, ...]]:
    with databases["real_estate"].connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    seizures.c.rank,
                    seizures.c.status,
                    seizures.c.start_date,
                    seizures.c.end_date,
                    seizures.c.order_id.is_(None),
                )
                .where(seizures.c.unit_number == unit)
                .order_by(seizures.c.rank)
            )
        ]


async def served_order(
    app: Any, *, unit: str, owner: str, court: str, case: str, served_at: datetime
) -> str:
    """A court's seizure of ``unit``, served on the registry at ``served_at`` (the hub's
    delivery; the courts' own checks are the workflow's and not under test here)."""
    runtime = app.state.runtime
    async with runtime.engine.begin() as conn:
        row, _ = await service.submit(
            conn,
            payload={
                "kind": "SEIZE",
                "assetType": "REAL_ESTATE",
                "assetId": unit,
                "caseNumber": case,
                "rulingNumber": case.replace("号", "号之一"),
                "termMonths": 36,  # the workflow's default for real estate
                "termDays": None,
                "idempotencyKey": uuid.uuid4().hex,
            },
            owner_id=owner,
            court_code=court,
            actor=f"judge-of-{court}",
            now=served_at - timedelta(minutes=5),
            keys=runtime.order_keys,
        )
        await service.deliver(conn, row["id"], now=served_at)
    return str(row["id"])


def receipt(n: int) -> dict[str, str]:
    return {
        "documentNumber": f"鲁（2026）烟台市不动产轮候查封第{n:06d}号",
        "registeredAt": datetime.now(UTC).isoformat(),
    }


async def accepted(api: Api, tokens: dict[str, str], order_id: str, n: int) -> dict[str, Any]:
    body = await api.query(ACCEPT, {"id": order_id, "r": receipt(n)}, token=tokens["registry-wang"])
    payload = body["data"]["freezeOrderAccept"]
    assert payload["errors"] == [], payload
    return payload["order"]  # type: ignore[no-any-return]


async def state(app: Any, order_id: str) -> tuple[str, int | None]:
    async with app.state.runtime.engine.connect() as conn:
        row = await service.get_order(conn, order_id)
    return row["status"], row["rank"]


async def test_three_courts_answered_out_of_order_wait_behind_the_registry_and_by_service(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    databases: dict[str, Engine],
    fresh_units: list[tuple[str, str]],
) -> None:
    """法发〔2004〕5号 第二十条: "轮候查封登记的顺序按照人民法院送达协助执行通知书的时间先后进行排列。"
    查封规定 第二十六条: "对已被人民法院查封、扣押、冻结的财产，其他人民法院可以进行轮候查封、扣押、
    冻结。" — a unit already seized under （2025）鲁0602执1624号 (and another court waiting behind it,
    both served on the registry before the hub) is seized by three more courts through the hub,
    served A, B, C; the registry answers C, then A, then B. The line is the registry's: A, B, C
    wait behind the two measures it held, in the order they were served."""
    unit, owner = fresh_units.pop()
    # given the registry's own measures on the unit, served before the hub
    add_to_register(
        databases,
        [
            register_row(
                unit,
                court="烟台市芝罘区人民法院",
                case_number="（2025）鲁0602执1624号",
                document_number="（2025）鲁0602执1624号之一",
                rank=1,
                status="EFFECTIVE",
                start_date=date(2025, 8, 25),
                end_date=date(2028, 8, 24),
            ),
            register_row(
                unit,
                court="烟台市莱山区人民法院",
                case_number="（2026）鲁0613执77号",
                document_number="（2026）鲁0613执77号之一",
                rank=2,
                status="WAITING",
                start_date=date(2026, 3, 2),
                end_date=None,
            ),
        ],
    )
    # and three courts' orders served on the registry in the order A, B, C
    t0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    a = await served_order(
        app, unit=unit, owner=owner, court="370602", case="（2026）鲁0602执501号", served_at=t0
    )
    b = await served_order(
        app,
        unit=unit,
        owner=owner,
        court="370612",
        case="（2026）鲁0612执502号",
        served_at=t0 + timedelta(hours=1),
    )
    c = await served_order(
        app,
        unit=unit,
        owner=owner,
        court="370613",
        case="（2026）鲁0613执503号",
        served_at=t0 + timedelta(hours=2),
    )
    # when the registry answers C first: A and B, served before it, are still unanswered
    first = await accepted(api, tokens, c, 1)
    # then C is registered but takes no place ahead of them, and nothing new takes effect
    assert (first["status"], first["rank"]) == ("WAITING", None)
    # when it answers A: A takes its place behind the registry's two measures; C still waits for B
    second = await accepted(api, tokens, a, 2)
    assert (second["status"], second["rank"]) == ("WAITING", 3)
    assert await state(app, c) == ("WAITING", None)
    # when it answers B: B is next, then C
    third = await accepted(api, tokens, b, 3)
    assert (third["status"], third["rank"]) == ("WAITING", 4)
    assert await state(app, c) == ("WAITING", 5)
    # then the line shown for the order is the registry's, its own measures marked as such
    body = await api.query(LINE, {"id": a}, token=tokens["registry-wang"])
    line = [
        (e["orderId"], e["caseNumber"], e["rank"], e["status"], e["outsideHub"])
        for e in body["data"]["freezeOrder"]["waitingLine"]
    ]
    assert line == [
        (None, "（2025）鲁0602执1624号", 1, "EFFECTIVE", True),
        (None, "（2026）鲁0613执77号", 2, "WAITING", True),
        (a, "（2026）鲁0602执501号", 3, "WAITING", False),
        (b, "（2026）鲁0612执502号", 4, "WAITING", False),
        (c, "（2026）鲁0613执503号", 5, "WAITING", False),
    ]
    # and one measure is in effect on the unit, the registry's: no second rank 1
    assert [e for e in line if e[3] == "EFFECTIVE"] == [line[0]]
    # and the registry's record of the unit carries the three orders at those places
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    assert [r[:2] for r in register_of(databases, unit)] == [
        (1, "EFFECTIVE"),
        (2, "WAITING"),
        (3, "WAITING"),
        (4, "WAITING"),
        (5, "WAITING"),
    ]


async def test_a_rejected_earlier_order_lets_the_later_one_take_its_place(
    api: Api, app: Any, tokens: dict[str, str], fresh_units: list[tuple[str, str]]
) -> None:
    """法发〔2004〕5号 第二十条: "轮候查封登记的顺序按照人民法院送达协助执行通知书的时间先后进行排列。"
    An order accepted while one served earlier is unanswered waits for that answer; when the
    earlier one is refused, the later takes the first place, and with nothing ahead, effect."""
    unit, owner = fresh_units.pop()
    t0 = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    early = await served_order(
        app, unit=unit, owner=owner, court="370612", case="（2026）鲁0612执601号", served_at=t0
    )
    late = await served_order(
        app,
        unit=unit,
        owner=owner,
        court="370602",
        case="（2026）鲁0602执602号",
        served_at=t0 + timedelta(minutes=30),
    )
    # given the later one accepted first: held
    assert (await accepted(api, tokens, late, 11))["rank"] is None
    # when the registry refuses the earlier one
    body = await api.query(
        REJECT, {"id": early, "reason": "裁定书与协助执行通知书不符"}, token=tokens["registry-wang"]
    )
    assert body["data"]["freezeOrderReject"]["errors"] == [], body
    # then the later one is first in line and in effect
    assert await state(app, late) == ("EFFECTIVE", 1)
    async with app.state.runtime.engine.begin() as conn:
        await service.release(
            conn,
            late,
            court_code="370602",
            ruling_number="（2026）鲁0602执602号之二",
            reason="测试清理",
            actor="judge-zhang",
            now=datetime.now(UTC),
        )


async def test_a_hub_order_waits_until_the_registry_measure_ahead_lapses(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    databases: dict[str, Engine],
    fresh_units: list[tuple[str, str]],
) -> None:
    """查封规定 第二十七条: "查封、扣押、冻结期限届满，人民法院未办理延期手续的，查封、扣押、冻结的
    效力消灭。" 第二十六条: "查封、扣押、冻结解除的，登记在先的轮候查封、扣押、冻结即自动生效。"
    The registry's seizure ends on 2026-11-30; the lapse job of 2026-12-01T17:30Z (2026-12-02 in
    court) lapses it, the registry's own waiting seizure takes effect from 2026-12-01 for three
    years, and the hub's order behind both keeps waiting."""
    unit, owner = fresh_units.pop()
    add_to_register(
        databases,
        [
            register_row(
                unit,
                court="烟台市芝罘区人民法院",
                case_number="（2023）鲁0602执88号",
                document_number="（2023）鲁0602执88号之一",
                rank=1,
                status="EFFECTIVE",
                start_date=date(2023, 12, 1),
                end_date=date(2026, 11, 30),
            ),
            register_row(
                unit,
                court="烟台市牟平区人民法院",
                case_number="（2024）鲁0612执99号",
                document_number="（2024）鲁0612执99号之一",
                rank=2,
                status="WAITING",
                start_date=date(2024, 5, 6),
                end_date=None,
            ),
        ],
    )
    order = await served_order(
        app,
        unit=unit,
        owner=owner,
        court="370602",
        case="（2026）鲁0602执701号",
        served_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
    )
    assert (await accepted(api, tokens, order, 21))["status"] == "WAITING"
    # when the worker's lapse pass runs at 2026-12-01T17:30Z
    runtime = app.state.runtime
    await lapse_expired(
        runtime.engine,
        sources=runtime.sources,
        now=datetime(2026, 12, 1, 17, 30, tzinfo=UTC),
    )
    # then the registry's seizure past its end has lapsed, and the one waiting behind it took effect
    assert register_of(databases, unit)[:2] == [
        (1, "EXPIRED", date(2023, 12, 1), date(2026, 11, 30), True),
        (2, "EFFECTIVE", date(2026, 12, 1), date(2029, 11, 30), True),
    ]
    # and the hub's order still waits behind it
    assert await state(app, order) == ("WAITING", 3)


async def test_the_lapse_job_lapses_registry_measures_past_their_end(
    app: Any, databases: dict[str, Engine], fresh_units: list[tuple[str, str]]
) -> None:
    """查封规定 第二十七条: "查封、扣押、冻结期限届满，人民法院未办理延期手续的，查封、扣押、冻结的
    效力消灭。" — measures the registry holds outside the hub lapse too: one whose three years
    ended on 2026-11-30 is EXPIRED after the lapse pass of 2026-12-01 (court day); one ending
    that day is not."""
    (ended, _), (ending, _) = fresh_units.pop(), fresh_units.pop()
    add_to_register(
        databases,
        [
            register_row(
                unit,
                court="烟台市芝罘区人民法院",
                case_number=f"（2023）鲁0602执{n}号",
                document_number=f"（2023）鲁0602执{n}号之一",
                rank=1,
                status="EFFECTIVE",
                start_date=start,
                end_date=end,
            )
            for unit, n, start, end in (
                (ended, 1101, date(2023, 12, 1), date(2026, 11, 30)),
                (ending, 1102, date(2023, 12, 2), date(2026, 12, 1)),
            )
        ],
    )
    # when the worker's lapse pass runs at noon on 2026-12-01 in court
    runtime = app.state.runtime
    await lapse_expired(
        runtime.engine, sources=runtime.sources, now=datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    )
    # then the one past its end has lapsed in the register, the other is still in effect
    assert [r[:2] for r in register_of(databases, ended)] == [(1, "EXPIRED")]
    assert [r[:2] for r in register_of(databases, ending)] == [(1, "EFFECTIVE")]


async def test_a_registry_measure_past_its_end_does_not_hold_the_line(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    databases: dict[str, Engine],
    fresh_units: list[tuple[str, str]],
) -> None:
    """查封规定 第二十七条: "查封、扣押、冻结期限届满，人民法院未办理延期手续的，查封、扣押、冻结的
    效力消灭。" — a registry seizure whose term ended is no longer in effect, recorded or not:
    a hub order accepted behind it takes effect (its place after it), and the register's lapse
    job records the lapse."""
    unit, owner = fresh_units.pop()
    ended = datetime.now(COURT).date() - timedelta(days=3)
    add_to_register(
        databases,
        [
            register_row(
                unit,
                court="烟台市芝罘区人民法院",
                case_number="（2023）鲁0602执1234号",
                document_number="（2023）鲁0602执1234号之一",
                rank=1,
                status="EFFECTIVE",
                start_date=ended - timedelta(days=3 * 365),
                end_date=ended,
            )
        ],
    )
    order = await served_order(
        app,
        unit=unit,
        owner=owner,
        court="370602",
        case="（2026）鲁0602执801号",
        served_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    # when the registry accepts the hub's order
    accepted_order = await accepted(api, tokens, order, 31)
    # then it is second in line and in effect: nothing ahead of it is
    assert (accepted_order["status"], accepted_order["rank"]) == ("EFFECTIVE", 2)
    # and when the lapse job runs, the register records the lapse of the one that ended
    runtime = app.state.runtime
    await lapse_expired(runtime.engine, sources=runtime.sources)
    assert register_of(databases, unit)[0][:2] == (1, "EXPIRED")
    async with runtime.engine.begin() as conn:  # (the case is not in the hub's records)
        await service.release(
            conn,
            order,
            court_code="370602",
            ruling_number="（2026）鲁0602执801号之二",
            reason="测试清理",
            actor="judge-zhang",
            now=datetime.now(UTC),
        )


async def test_the_profile_shows_the_registry_measures_in_the_line(
    reader: Api, databases: dict[str, Engine], fresh_units: list[tuple[str, str]]
) -> None:
    """法发〔2004〕5号 第二十条: the line is the register's, measures served before the hub included:
    a unit the registry holds a seizure on shows it in the profile's ``waitingLine``, marked as
    held outside the hub."""
    unit, owner = fresh_units.pop()
    add_to_register(
        databases,
        [
            register_row(
                unit,
                court="烟台市牟平区人民法院",
                case_number="（2026）鲁0612执901号",
                document_number="（2026）鲁0612执901号之一",
                rank=1,
                status="EFFECTIVE",
                start_date=date(2026, 6, 1),
                end_date=date(2029, 5, 31),
            )
        ],
    )
    body = await reader.query(PROFILE_LINE, {"id": owner})
    found = [u for u in body["data"]["person"]["assets"]["realEstates"] if u["unitNumber"] == unit]
    assert [
        (e["orderId"], e["caseNumber"], e["rank"], e["status"], e["outsideHub"])
        for e in found[0]["waitingLine"]
    ] == [(None, "（2026）鲁0612执901号", 1, "EFFECTIVE", True)]


async def test_the_demo_registers_hold_nothing_in_effect_past_its_end(
    app: Any, databases: dict[str, Engine]
) -> None:
    """查封规定 第二十七条: "查封、扣押、冻结期限届满，人民法院未办理延期手续的，查封、扣押、冻结的
    效力消灭。" — the demo's registers, as seeded, hold no measure in effect past its end on the
    court's day, and no unit or vehicle with two measures in effect."""
    from connectors.public_security.models import vehicle_seizures

    today = datetime.now(COURT).date()
    for name, table, asset in (
        ("real_estate", seizures, "unit_number"),
        ("public_security", vehicle_seizures, "plate"),
    ):
        with databases[name].connect() as conn:
            rows = conn.execute(
                select(table.c[asset], table.c.end_date).where(
                    table.c.order_id.is_(None), table.c.status == "EFFECTIVE"
                )
            ).all()
        assert rows, name
        assert [r for r in rows if r[1] is not None and r[1] < today] == [], name
        assets = [r[0] for r in rows]
        assert len(assets) == len(set(assets)), name
