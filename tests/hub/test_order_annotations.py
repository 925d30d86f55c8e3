"""An accepted order is registered on the agency's own record of the asset, and follows it.

Real estate: a row in the registry's ``seizures``; vehicles: status SEIZED while a measure is
active, the earlier status back afterwards; equity: ``freezeStatus`` FROZEN. The worker sends
each transition through the outbox; sending one twice leaves the same record.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.base.annotations import Annotation
from connectors.public_security.models import vehicle_seizures, vehicles
from connectors.real_estate.models import seizures
from hub.orders.models import outbox
from hub.orders.terms import court_day
from hub.orders.worker import deliver_pending
from tests.conftest import Api, add_case
from tests.hub.assets import fresh_stake, fresh_unit, fresh_vehicle, registered

SUBMIT = """mutation($input: FreezeOrderSubmitInput!) { freezeOrderSubmit(input: $input) {
  order { id status } errors { code message } } }"""
ACCEPT = """mutation($id: String!, $r: ReceiptInput!) { freezeOrderAccept(id: $id, receipt: $r) {
  order { id status rank receiptNumber } errors { code message } } }"""
RELEASE = """mutation($id: String!, $input: FreezeOrderReleaseInput!) {
  freezeOrderRelease(id: $id, input: $input) { order { id status } errors { code message } } }"""
ASSETS = """query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) { assets {
  realEstates { unitNumber seizures { court caseNumber documentNumber rank status startDate endDate } }
  vehicles { plate status }
  equities { stakeId freezeStatus } } } }"""

AGENCY_USER = {"REAL_ESTATE": "registry-wang", "VEHICLE": "police-chen", "EQUITY": "market-zhao"}


@pytest.fixture
async def holders(
    app: Any, target_sample: dict[str, str]
) -> AsyncIterator[dict[str, dict[str, str]]]:
    """For each asset type, a respondent of one of the judge's open cases with an asset of that
    type registered for this test alone (struck off when it ends), in a case of its own (one
    measure per asset and case; no over-seizure check). The vehicle is mortgaged: a seizure must
    give that status back."""
    party = target_sample

    async def holder(asset: str) -> dict[str, str]:
        return {
            "idNumber": party["idNumber"],
            "name": party["name"],
            "caseNumber": await own_case(app, party["idNumber"], party["name"]),
            "asset": asset,
        }

    with (
        registered(app, fresh_unit, party) as unit,
        registered(app, fresh_vehicle, party, status="MORTGAGED") as plate,
        registered(app, fresh_stake, party) as stake,
    ):
        yield {
            "REAL_ESTATE": await holder(unit),
            "VEHICLE": await holder(plate),
            "EQUITY": await holder(stake),
        }


async def own_case(app: Any, id_number: str, name: str) -> str:
    return await add_case(app, [("被执行人", "PERSON", id_number, name)])


async def work(app: Any) -> None:
    runtime = app.state.runtime
    await deliver_pending(runtime.engine, sources=runtime.sources)


async def accepted_order(
    api: Api, app: Any, tokens: dict[str, str], holder: dict[str, str], asset_type: str
) -> dict[str, Any]:
    body = await api.query(
        SUBMIT,
        {
            "input": {
                "kind": "FREEZE" if asset_type == "EQUITY" else "SEIZE",
                "asset": {"type": asset_type, "id": holder["asset"]},
                "caseNumber": holder["caseNumber"],
                "rulingNumber": holder["caseNumber"] + "之一",
                "idempotencyKey": uuid.uuid4().hex,
            }
        },
    )
    assert body["data"]["freezeOrderSubmit"]["errors"] == [], body
    order_id = body["data"]["freezeOrderSubmit"]["order"]["id"]
    await work(app)
    receipt = {
        "documentNumber": f"协执回执第{uuid.uuid4().int % 10**6:06d}号",
        "registeredAt": datetime.now(UTC).isoformat(),
    }
    body = await api.query(
        ACCEPT, {"id": order_id, "r": receipt}, token=tokens[AGENCY_USER[asset_type]]
    )
    payload = body["data"]["freezeOrderAccept"]
    assert payload["errors"] == [], payload
    await work(app)
    return payload["order"]  # type: ignore[no-any-return]


async def release(api: Api, app: Any, order_id: str) -> None:
    body = await api.query(
        RELEASE,
        {"id": order_id, "input": {"rulingNumber": "（2026）鲁0602执1号之二", "reason": "已履行"}},
    )
    assert body["data"]["freezeOrderRelease"]["errors"] == [], body
    await work(app)


async def assets_of(api: Api, holder: dict[str, str]) -> dict[str, Any]:
    body = await api.query(ASSETS, {"id": holder["idNumber"], "case": holder["caseNumber"]})
    assert "errors" not in body, body
    return body["data"]["person"]["assets"]  # type: ignore[no-any-return]


async def pending_annotations(app: Any, order_id: str) -> int:
    """Annotations of this order not yet taken by its agency."""
    async with app.state.runtime.engine.connect() as conn:
        return (
            await conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(
                    outbox.c.action == "ANNOTATE",
                    outbox.c.order_id == order_id,
                    outbox.c.done_at.is_(None),
                )
            )
        ).scalar()


async def test_the_registry_records_the_seizure_and_its_release(
    api: Api, app: Any, tokens: dict[str, str], holders: dict[str, dict[str, str]]
) -> None:
    holder = holders["REAL_ESTATE"]
    # given an accepted seizure, sent on by the worker
    order = await accepted_order(api, app, tokens, holder, "REAL_ESTATE")
    assert await pending_annotations(app, order["id"]) == 0
    # then the registry's record of the unit carries it, with court, case, rank and term
    unit = next(
        u
        for u in (await assets_of(api, holder))["realEstates"]
        if u["unitNumber"] == holder["asset"]
    )
    assert [s["documentNumber"] for s in unit["seizures"]] == [order["receiptNumber"]]
    [mine] = unit["seizures"]
    assert mine["caseNumber"] == holder["caseNumber"]
    assert mine["court"] == "烟台市芝罘区人民法院"
    assert (order["rank"], order["status"]) == (1, "EFFECTIVE")
    assert (mine["rank"], mine["status"]) == (1, "EFFECTIVE")
    assert mine["startDate"] == court_day(datetime.now(UTC)).isoformat()
    assert mine["endDate"] is not None
    # when the court releases it, the registry's annotation follows
    await release(api, app, order["id"])
    unit = next(
        u
        for u in (await assets_of(api, holder))["realEstates"]
        if u["unitNumber"] == holder["asset"]
    )
    mine = [s for s in unit["seizures"] if s["documentNumber"] == order["receiptNumber"]]
    assert [s["status"] for s in mine] == ["RELEASED"]


async def test_a_seized_vehicle_gets_its_status_back_when_released(
    api: Api, app: Any, tokens: dict[str, str], holders: dict[str, dict[str, str]]
) -> None:
    holder = holders["VEHICLE"]

    def status() -> Any:
        return next(v["status"] for v in assets["vehicles"] if v["plate"] == holder["asset"])

    assets = await assets_of(api, holder)
    before = status()
    assert before == "MORTGAGED"
    # given two accepted seizures of the vehicle (the second, another case's, waits)
    first = await accepted_order(api, app, tokens, holder, "VEHICLE")
    other = {**holder, "caseNumber": await own_case(app, holder["idNumber"], holder["name"])}
    second = await accepted_order(api, app, tokens, other, "VEHICLE")
    assets = await assets_of(api, holder)
    assert status() == "SEIZED"
    # when the first is released, the second still holds it
    await release(api, app, first["id"])
    assets = await assets_of(api, holder)
    assert status() == "SEIZED"
    # when the last is released, the vehicle is back to what it was
    await release(api, app, second["id"])
    assets = await assets_of(api, holder)
    assert status() == before
    # and public security keeps both annotations, released
    with app.state.runtime.sources["public_security"].engine.connect() as conn:
        rows = conn.execute(
            select(vehicle_seizures.c.order_id, vehicle_seizures.c.status).where(
                vehicle_seizures.c.order_id.in_([first["id"], second["id"]])
            )
        ).all()
    assert sorted(rows) == sorted([(first["id"], "RELEASED"), (second["id"], "RELEASED")])


async def test_a_frozen_stake_shows_frozen_until_released(
    api: Api, app: Any, tokens: dict[str, str], holders: dict[str, dict[str, str]]
) -> None:
    holder = holders["EQUITY"]

    async def freeze_status() -> str:
        equities = (await assets_of(api, holder))["equities"]
        return next(e["freezeStatus"] for e in equities if e["stakeId"] == holder["asset"])

    assert await freeze_status() == "NORMAL"
    order = await accepted_order(api, app, tokens, holder, "EQUITY")
    assert await freeze_status() == "FROZEN"
    await release(api, app, order["id"])
    assert await freeze_status() == "NORMAL"


async def test_an_annotation_sent_twice_leaves_one_record(
    api: Api, app: Any, tokens: dict[str, str], holders: dict[str, dict[str, str]]
) -> None:
    holder = holders["REAL_ESTATE"]
    order = await accepted_order(api, app, tokens, holder, "REAL_ESTATE")
    source = app.state.runtime.sources["real_estate"]
    async with app.state.runtime.engine.connect() as conn:
        from hub.orders.service import annotation_of

        annotation = await annotation_of(conn, order["id"])
    # when the same annotation arrives again (a redelivery after a lost acknowledgement)
    await source.annotate(annotation)
    await source.annotate(annotation)
    with source.engine.connect() as conn:
        rows = conn.execute(
            select(seizures.c.status, seizures.c.rank).where(seizures.c.order_id == order["id"])
        ).all()
    assert rows == [(order["status"], order["rank"])]


async def test_an_agency_that_fails_gets_the_annotation_later(
    api: Api, app: Any, tokens: dict[str, str], holders: dict[str, dict[str, str]]
) -> None:
    holder = holders["EQUITY"]
    runtime = app.state.runtime

    def agency_down(order_id: str) -> None:
        raise ConnectionError("market supervision unreachable")

    order = await accepted_order(api, app, tokens, holder, "EQUITY")
    await release(api, app, order["id"])  # the release's annotation is sent at once ...
    # ... but a second order's acceptance meets an agency that is down
    body = await api.query(
        SUBMIT,
        {
            "input": {
                "kind": "FREEZE",
                "asset": {"type": "EQUITY", "id": holder["asset"]},
                "caseNumber": holder["caseNumber"],
                "rulingNumber": holder["caseNumber"] + "之一",
                "idempotencyKey": uuid.uuid4().hex,
            }
        },
    )
    order_id = body["data"]["freezeOrderSubmit"]["order"]["id"]
    await work(app)
    await api.query(
        ACCEPT,
        {
            "id": order_id,
            "r": {"documentNumber": "回执", "registeredAt": datetime.now(UTC).isoformat()},
        },
        token=tokens["market-zhao"],
    )
    await deliver_pending(runtime.engine, sources=runtime.sources, fail=agency_down)
    assert await pending_annotations(app, order_id) == 1
    equities = (await assets_of(api, holder))["equities"]
    assert next(e["freezeStatus"] for e in equities if e["stakeId"] == holder["asset"]) == "NORMAL"
    # when it is back (after the backoff), the annotation arrives
    later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1)
    await deliver_pending(runtime.engine, sources=runtime.sources, now=later)
    assert await pending_annotations(app, order_id) == 0
    equities = (await assets_of(api, holder))["equities"]
    assert next(e["freezeStatus"] for e in equities if e["stakeId"] == holder["asset"]) == "FROZEN"


async def test_annotations_refuse_an_unknown_asset_and_a_bad_state(app: Any) -> None:
    sources = app.state.runtime.sources
    good = dict(
        order_id="FO-TEST-UNKNOWN",
        asset_id="no-such-asset",
        kind="SEIZE",
        court="烟台市芝罘区人民法院",
        case_number="（2026）鲁0602执1号",
        document_number="x",
        rank=1,
        status="EFFECTIVE",
        start_date=court_day(datetime.now(UTC)),
        end_date=None,
    )
    for name in ("real_estate", "public_security", "market_supervision"):
        with pytest.raises(LookupError, match="no-such-asset"):
            await sources[name].annotate(Annotation(**good))
    with pytest.raises(ValueError, match="status"):
        Annotation(**{**good, "status": "SUBMITTED"})
    with pytest.raises(ValueError, match="rank"):
        Annotation(**{**good, "rank": 0})
    # nothing was written
    with sources["public_security"].engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count())
                .select_from(vehicle_seizures)
                .where(vehicle_seizures.c.order_id == "FO-TEST-UNKNOWN")
            ).scalar()
            == 0
        )
        assert conn.execute(select(func.count()).select_from(vehicles)).scalar() > 0


def test_annotation_json_round_trip() -> None:
    a = Annotation(
        order_id="FO-2026-1",
        asset_id="鲁F12345",
        kind="SEIZE",
        court="c",
        case_number="n",
        document_number="d",
        rank=2,
        status="WAITING",
        start_date=date(2026, 1, 2),
        end_date=None,
    )
    assert Annotation.from_json(a.to_json()) == a
