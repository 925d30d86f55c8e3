"""Who and what an order may target: the respondent's property only, in an enforcement or
preservation case; the measure the asset takes; one measure per asset and case; over-seizure
(超标的查封) only with the judge's confirmation; ruling numbers in the case-number form; every
court action for the judges assigned to the case.

Each test quotes the rule it is written from. The cases are made by each test
(``tests.conftest.add_case``), so the parties' roles and the amount are the test's own, and so
are the assets (``tests.hub.assets``): no test meets another's measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.public_security.models import vehicle_seizures, vehicles
from hub.audit.models import audit_entries
from hub.orders import workflow
from hub.orders.models import freeze_orders
from hub.orders.worker import deliver_pending
from tests.conftest import Api, add_case, answer_left
from tests.hub.assets import fresh_stake, fresh_unit, fresh_vehicle, registered

SUBMIT = """mutation($input: FreezeOrderSubmitInput!) { freezeOrderSubmit(input: $input) {
  order { id status kind assetType assetId ownerId caseNumber rulingNumber }
  errors { code message field reason rule } } }"""
ACCEPT = """mutation($id: String!, $r: ReceiptInput!) { freezeOrderAccept(id: $id, receipt: $r) {
  order { id status rank } errors { code message reason } } }"""
RELEASE = """mutation($id: String!, $input: FreezeOrderReleaseInput!) {
  freezeOrderRelease(id: $id, input: $input) { order { id status releaseRuling }
  errors { code message field reason rule } } }"""
RENEW = """mutation($id: String!, $input: FreezeOrderRenewInput!) {
  freezeOrderRenew(id: $id, input: $input) { order { id status renewals }
  errors { code message field reason rule } } }"""
PROFILE = """query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) {
  identity { name } assets { realEstates { unitNumber } } insurance { housingFund { balance } }
  legal { cases { caseNumber } } } }"""
ENTERPRISE = """query($u: String!, $case: String) { enterprise(uscc: $u, caseNumber: $case) {
  registration { name } assets { realEstates { unitNumber } } } }"""
ASSETS = """query($id: String!) { person(idNumber: $id) { identity { name } assets {
  realEstates { unitNumber area owners { ownerId share } }
  vehicles { plate status } equities { stakeId subscribedCapital } } } }"""
ASSESS = """query($case: String!, $asset: AssetInput) {
  freezeOrderAssessment(caseNumber: $case, asset: $asset) {
    caseNumber outstanding seizedValue unvaluedMeasures assetValue factor threshold
    needsConfirmation measures { orderId assetType assetId status knownValue } } }"""
PUBLISH = """mutation($input: SanctionEntryPublishInput!) { sanctionEntryPublish(input: $input) {
  entry { id status } errors { code message reason } } }"""
REVOKE = """mutation($id: String!, $reason: String!) { sanctionEntryRevoke(id: $id, reason: $reason) {
  entry { id status } errors { code message reason } } }"""

PRICE_PER_SQM = Decimal(10_000)  # HUB_REFERENCE_PRICE_PER_SQM, the documented default
FACTOR = Decimal(2)  # HUB_OVER_SEIZURE_FACTOR, the documented default


def order_input(case: str, asset_type: str, asset_id: str, **over: Any) -> dict[str, Any]:
    return {
        "kind": {"EQUITY": "FREEZE"}.get(asset_type, "SEIZE"),
        "asset": {"type": asset_type, "id": asset_id},
        "caseNumber": case,
        "rulingNumber": case + "之一",
        "idempotencyKey": uuid.uuid4().hex,
        **over,
    }


async def submit(api: Api, data: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    body = await api.query(SUBMIT, {"input": data}, token=token)
    return body["data"]["freezeOrderSubmit"]  # type: ignore[no-any-return]


async def orders_of_case(app: Any, case: str) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    select(func.count())
                    .select_from(freeze_orders)
                    .where(freeze_orders.c.case_number == case)
                )
            ).scalar_one()
        )


@pytest.fixture
async def owners(
    app: Any, reader: Api, demo: dict[str, Any], target_sample: dict[str, str]
) -> AsyncIterator[dict[str, dict[str, Any]]]:
    """A person of the demo with a unit (sole owner), a vehicle and an equity stake registered
    to them for this test alone (struck off when it ends; the unit with what the registry says
    of it, as the reader sees it), and another person of the demo who is just a person: no test
    meets another test's measures on these assets."""
    me = {"idNumber": target_sample["idNumber"], "name": target_sample["name"]}
    other = next(p for p in demo["samples"]["persons"] if p["idNumber"] != me["idNumber"])
    nobody = {"idNumber": other["idNumber"], "name": other["name"]}
    with (
        registered(app, fresh_unit, me) as unit,
        registered(app, fresh_vehicle, me) as plate,
        registered(app, fresh_stake, me) as stake,
    ):
        people = []
        for person in (me, nobody):
            body = await reader.query(ASSETS, {"id": person["idNumber"]})
            people.append({**person, "name": body["data"]["person"]["identity"]["name"]})
            if person is me:
                [registry] = [
                    u
                    for u in body["data"]["person"]["assets"]["realEstates"]
                    if u["unitNumber"] == unit
                ]
        owner, just_a_person = people
        yield {
            "REAL_ESTATE": {**owner, "asset": unit, "unit": registry},
            "VEHICLE": {**owner, "asset": plate},
            "EQUITY": {**owner, "asset": stake},
            "NOBODY": just_a_person,
        }


def respondent_case_parties(
    respondent: dict[str, Any], applicant: dict[str, Any]
) -> list[tuple[str, str, str, str]]:
    return [
        ("申请执行人", "PERSON", applicant["idNumber"], applicant["name"]),
        ("被执行人", "PERSON", respondent["idNumber"], respondent["name"]),
    ]


async def accept(api: Api, app: Any, tokens: dict[str, str], order_id: str) -> str:
    """Delivered and registered by the real-estate registry; the status it then has."""
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    receipt = {"documentNumber": f"回执{order_id}", "registeredAt": datetime.now(UTC).isoformat()}
    body = await api.query(ACCEPT, {"id": order_id, "r": receipt}, token=tokens["registry-wang"])
    payload = body["data"]["freezeOrderAccept"]
    assert payload["errors"] == [], payload
    return str(payload["order"]["status"])


# --- item 4: measures and asset sections are for the respondent -----------------------------


async def test_a_measure_reaches_the_respondents_property_not_the_applicants(
    api: Api, app: Any, owners: dict[str, dict[str, Any]]
) -> None:
    """《民事诉讼法》(2023) 第二百五十五条: "被执行人未按执行通知履行法律文书确定的义务，人民法院有权
    查封、扣押、冻结、拍卖、变卖被执行人应当履行义务部分的财产。" 查封规定 (法释〔2004〕15号, 2020
    修正) 第二条: "人民法院可以查封、扣押、冻结被执行人占有的动产、登记在被执行人名下的不动产、特定
    动产及其他财产权。" The applicant (申请执行人) is a party, but not the one whose property the
    case reaches."""
    flat = owners["REAL_ESTATE"]
    # given a case in which the flat's owner is the applicant, and another in which they owe
    theirs = await add_case(app, respondent_case_parties(owners["NOBODY"], flat))
    owing = await add_case(app, respondent_case_parties(flat, owners["NOBODY"]))
    # when the judge seizes the flat in the applicant's own case
    refused = await submit(api, order_input(theirs, "REAL_ESTATE", flat["asset"]))
    # then it is refused, and nothing is written
    assert refused["order"] is None
    [error] = refused["errors"]
    assert (error["code"], error["reason"]) == ("FORBIDDEN", "NOT_A_RESPONDENT")
    assert "被执行人" in error["message"]
    assert await orders_of_case(app, theirs) == 0
    # and in the case where the same person is the 被执行人 the seizure is made
    made = await submit(api, order_input(owing, "REAL_ESTATE", flat["asset"]))
    assert made["errors"] == [], made
    assert made["order"]["ownerId"] == flat["idNumber"]


async def test_a_preservation_case_reaches_the_person_whose_property_is_preserved(
    api: Api, app: Any, owners: dict[str, dict[str, Any]]
) -> None:
    """Property preservation (财产保全) executed in a 执保 case (《人民法院案件类型及其代字标准》:
    执保 财产保全执行): the measures are for the 被保全人, not the 申请保全人."""
    flat = owners["REAL_ESTATE"]
    preserved = await add_case(
        app,
        [
            ("申请保全人", "PERSON", owners["NOBODY"]["idNumber"], owners["NOBODY"]["name"]),
            ("被保全人", "PERSON", flat["idNumber"], flat["name"]),
        ],
        type_code="执保",
    )
    applying = await add_case(
        app,
        [
            ("申请保全人", "PERSON", flat["idNumber"], flat["name"]),
            ("被保全人", "PERSON", owners["NOBODY"]["idNumber"], owners["NOBODY"]["name"]),
        ],
        type_code="执保",
    )
    made = await submit(api, order_input(preserved, "REAL_ESTATE", flat["asset"]))
    assert made["errors"] == [], made
    refused = await submit(api, order_input(applying, "REAL_ESTATE", flat["asset"]))
    assert [(e["code"], e["reason"]) for e in refused["errors"]] == [
        ("FORBIDDEN", "NOT_A_RESPONDENT")
    ]


async def test_a_case_that_is_not_an_enforcement_or_preservation_case_is_no_basis(
    api: Api, app: Any, owners: dict[str, dict[str, Any]]
) -> None:
    """《民事诉讼法》第二百五十五条 is a measure of enforcement (执行), taken against the
    被执行人 of an enforcement case; a first-instance civil case (民初) has no 被执行人."""
    flat = owners["REAL_ESTATE"]
    trial = await add_case(
        app,
        [
            ("原告", "PERSON", owners["NOBODY"]["idNumber"], owners["NOBODY"]["name"]),
            ("被告", "PERSON", flat["idNumber"], flat["name"]),
        ],
        type_code="民初",
    )
    refused = await submit(api, order_input(trial, "REAL_ESTATE", flat["asset"]))
    assert [(e["code"], e["reason"]) for e in refused["errors"]] == [("FORBIDDEN", "CASE_TYPE")]
    assert await orders_of_case(app, trial) == 0
    # and a look-up citing it shows the party, but no asset section
    body = await api.query(PROFILE, {"id": flat["idNumber"], "case": trial})
    assert body["data"]["person"]["identity"]["name"] == flat["name"]
    assert body["data"]["person"]["assets"] is None
    reasons = {tuple(e["path"]): e["extensions"]["reason"] for e in body["errors"]}
    assert reasons[("person", "assets")] == "CASE_TYPE"


async def test_an_applicants_asset_sections_are_refused_and_the_rest_is_shown(
    api: Api, app: Any, owners: dict[str, dict[str, Any]]
) -> None:
    """《民事诉讼法》第二百五十三条: "人民法院有权向有关单位查询被执行人的存款、债券、股票、基金份额
    等财产情况"; 第二百五十四条: "人民法院有权扣留、提取被执行人应当履行义务部分的收入". What a look-up
    shows of property, income and deposits is the 被执行人's; the applicant is looked up as a
    party (identity, cases), with the asset sections refused and nothing of them fetched."""
    flat = owners["REAL_ESTATE"]
    theirs = await add_case(app, respondent_case_parties(owners["NOBODY"], flat))
    # when the judge looks the applicant up citing the case
    response = await api.post(PROFILE, {"id": flat["idNumber"], "case": theirs})
    body = response.json()
    person = body["data"]["person"]
    # then identity and cases are shown; assets and insurance (wages, housing fund) are not
    assert person["identity"]["name"] == flat["name"]
    assert theirs in {c["caseNumber"] for c in person["legal"]["cases"]}
    assert person["assets"] is None and person["insurance"] is None
    refused = {tuple(e["path"]): e["extensions"] for e in body["errors"]}
    assert set(refused) == {("person", "assets"), ("person", "insurance")}
    assert {(x["code"], x["reason"]) for x in refused.values()} == {
        ("FORBIDDEN", "NOT_A_RESPONDENT")
    }
    # and the look-up is on record with the sections withheld
    async with app.state.runtime.engine.connect() as conn:
        row = (
            await conn.execute(
                select(audit_entries).where(
                    audit_entries.c.request_id == response.headers["X-Request-Id"],
                    audit_entries.c.action == "PROFILE_VIEW",
                )
            )
        ).one()
    assert json.loads(row.content)["detail"] == {
        "withheld": ["Person.assets", "Person.insurance"],
        "withheldReason": "NOT_A_RESPONDENT",
    }
    # while the respondent of the same case is shown with their assets
    owed = await api.query(PROFILE, {"id": owners["NOBODY"]["idNumber"], "case": theirs})
    assert "errors" not in owed, owed["errors"]
    assert owed["data"]["person"]["assets"] is not None


async def test_an_applicant_enterprises_assets_are_refused(
    api: Api, app: Any, demo: dict[str, Any], owners: dict[str, dict[str, Any]]
) -> None:
    """The same rule for an enterprise that applies for enforcement (申请执行人): 查封规定 第二条
    reaches 被执行人's property only."""
    company = demo["samples"]["enterprises"][0]
    case = await add_case(
        app,
        [
            ("申请执行人", "ENTERPRISE", company["uscc"], company["name"]),
            ("被执行人", "PERSON", owners["NOBODY"]["idNumber"], owners["NOBODY"]["name"]),
        ],
    )
    body = await api.query(ENTERPRISE, {"u": company["uscc"], "case": case})
    assert body["data"]["enterprise"]["registration"]["name"] == company["name"]
    assert body["data"]["enterprise"]["assets"] is None
    [error] = body["errors"]
    assert (tuple(error["path"]), error["extensions"]["reason"]) == (
        ("enterprise", "assets"),
        "NOT_A_RESPONDENT",
    )


# --- item 6: the kind follows the asset; one measure per asset and case -----------------------


@pytest.mark.parametrize(
    ("asset_type", "kind"),
    [
        ("VEHICLE", "FREEZE"),
        ("EQUITY", "SEIZE"),
        ("EQUITY", "DETAIN"),
        ("REAL_ESTATE", "FREEZE"),
        ("REAL_ESTATE", "DETAIN"),
    ],
)
async def test_the_measure_must_be_one_the_asset_takes(
    api: Api, app: Any, owners: dict[str, dict[str, Any]], asset_type: str, kind: str
) -> None:
    """查封规定 第二条: "人民法院可以查封、扣押、冻结被执行人占有的动产、登记在被执行人名下的不动产、
    特定动产及其他财产权" — real estate is seized (查封), a vehicle (特定动产) seized or detained
    (查封、扣押), an equity stake (其他财产权) frozen (冻结)."""
    holder = owners[asset_type]
    case = await add_case(app, respondent_case_parties(holder, owners["NOBODY"]))
    refused = await submit(api, order_input(case, asset_type, holder["asset"], kind=kind))
    assert refused["order"] is None
    [error] = refused["errors"]
    assert (error["code"], error["field"], error["rule"]) == (
        "BAD_USER_INPUT",
        "kind",
        "KIND_FOR_ASSET",
    )
    assert await orders_of_case(app, case) == 0


@pytest.mark.parametrize(
    ("asset_type", "kind"),
    [("VEHICLE", "SEIZE"), ("VEHICLE", "DETAIN"), ("EQUITY", "FREEZE"), ("REAL_ESTATE", "SEIZE")],
)
async def test_the_measures_each_asset_takes_are_made(
    api: Api, app: Any, owners: dict[str, dict[str, Any]], asset_type: str, kind: str
) -> None:
    """The pairs 查封规定 第二条 allows are made (the other half of the rule above)."""
    holder = owners[asset_type]
    case = await add_case(app, respondent_case_parties(holder, owners["NOBODY"]))
    made = await submit(api, order_input(case, asset_type, holder["asset"], kind=kind))
    assert made["errors"] == [], made
    assert (made["order"]["kind"], made["order"]["assetType"]) == (kind, asset_type)


async def test_a_detained_vehicle_is_annotated_at_public_security(
    api: Api, app: Any, tokens: dict[str, str], owners: dict[str, dict[str, Any]]
) -> None:
    """扣押 (DETAIN) reaches the agency like 查封: public security registers the court's measure
    on the vehicle (kind DETAIN) and shows the vehicle SEIZED while it holds."""
    holder = owners["VEHICLE"]
    # (orders earlier tests left unanswered on the vehicle, served before this one, would hold
    # it without a place in line: 法发〔2004〕5号 第二十条)
    await answer_left(app, api, tokens["police-chen"], "VEHICLE", holder["asset"])
    case = await add_case(app, respondent_case_parties(holder, owners["NOBODY"]))
    made = await submit(api, order_input(case, "VEHICLE", holder["asset"], kind="DETAIN"))
    order_id = made["order"]["id"]
    runtime = app.state.runtime
    await deliver_pending(runtime.engine, sources=runtime.sources)
    receipt = {
        "documentNumber": f"扣押回执{order_id}",
        "registeredAt": datetime.now(UTC).isoformat(),
    }
    body = await api.query(ACCEPT, {"id": order_id, "r": receipt}, token=tokens["police-chen"])
    assert body["data"]["freezeOrderAccept"]["errors"] == [], body
    await deliver_pending(runtime.engine, sources=runtime.sources)
    with runtime.sources["public_security"].engine.connect() as conn:
        annotation = conn.execute(
            select(vehicle_seizures.c.kind, vehicle_seizures.c.plate).where(
                vehicle_seizures.c.order_id == order_id
            )
        ).one()
        status = conn.execute(
            select(vehicles.c.status).where(vehicles.c.plate == holder["asset"])
        ).scalar_one()
    assert tuple(annotation) == ("DETAIN", holder["asset"])
    assert status == "SEIZED"
    released = await api.query(
        RELEASE, {"id": order_id, "input": {"rulingNumber": case + "之二", "reason": "已履行"}}
    )
    assert released["data"]["freezeOrderRelease"]["errors"] == []


async def test_a_second_measure_on_the_same_asset_in_the_same_case_is_refused(
    api: Api, app: Any, owners: dict[str, dict[str, Any]]
) -> None:
    """One case holds an asset with one measure: a second order of the same case on the same
    asset while the first is on its way, waiting or in effect is a CONFLICT naming the first
    (another case's order still waits in line: 轮候)."""
    flat = owners["REAL_ESTATE"]
    case = await add_case(app, respondent_case_parties(flat, owners["NOBODY"]))
    first_input = order_input(case, "REAL_ESTATE", flat["asset"])
    first = await submit(api, first_input)
    assert first["errors"] == []
    # when the same case seizes the same unit again (another idempotency key, another ruling)
    again = await submit(
        api, order_input(case, "REAL_ESTATE", flat["asset"], rulingNumber=case + "之三")
    )
    # then it is refused, naming the order that holds the unit; nothing is written
    assert again["order"] is None
    [error] = again["errors"]
    assert (error["code"], error["reason"]) == ("CONFLICT", "MEASURE_EXISTS")
    assert first["order"]["id"] in error["message"]
    assert await orders_of_case(app, case) == 1
    # while another case of the same respondent may seize it (it will wait in line)
    other = await add_case(app, respondent_case_parties(flat, owners["NOBODY"]))
    assert (await submit(api, order_input(other, "REAL_ESTATE", flat["asset"])))["errors"] == []
    # and a resubmission of the first (same idempotency key) still reads the first back
    same = await submit(api, first_input)
    assert same["errors"] == [] and same["order"]["id"] == first["order"]["id"]


# --- item 7: over-seizure ---------------------------------------------------------------------


async def test_over_seizure_needs_a_confirmation_whose_reason_is_on_record(
    api: Api, app: Any, owners: dict[str, dict[str, Any]]
) -> None:
    """查封规定 (2020 修正) 第十九条: "查封、扣押、冻结被执行人的财产，以其价额足以清偿法律文书确定的
    债权额及执行费用为限，不得明显超标的额查封、扣押、冻结。" A unit known to be worth more than
    twice what the case recovers is clearly beyond it: the judge must confirm, with a reason."""
    flat = owners["REAL_ESTATE"]
    unit = flat["unit"]
    # the unit's known value: registered area × reference price × the respondent's share
    value = (Decimal(unit["area"]) * PRICE_PER_SQM * Decimal(unit["owners"][0]["share"])).quantize(
        Decimal(1)
    )
    outstanding = (value / 4).quantize(Decimal("0.01"))
    case = await add_case(app, respondent_case_parties(flat, owners["NOBODY"]), amount=outstanding)
    asset = {"type": "REAL_ESTATE", "id": flat["asset"]}
    # when the order form asks, it shows the outstanding amount beside the unit's value
    shown = (await api.query(ASSESS, {"case": case, "asset": asset}))["data"][
        "freezeOrderAssessment"
    ]
    assert Decimal(shown["outstanding"]) == outstanding
    assert Decimal(shown["assetValue"]) == value
    assert (Decimal(shown["seizedValue"]), shown["measures"]) == (0, [])
    assert Decimal(shown["threshold"]) == outstanding * FACTOR
    assert shown["needsConfirmation"] is True
    # when the judge submits without a confirmation, it is refused naming the argument
    plain = order_input(case, "REAL_ESTATE", flat["asset"])
    refused = await submit(api, plain)
    assert refused["order"] is None
    [error] = refused["errors"]
    assert (error["code"], error["field"], error["rule"]) == (
        "BAD_USER_INPUT",
        "overSeizureReason",
        "OVER_SEIZURE",
    )
    assert str(outstanding) in error["message"] and str(value) in error["message"]
    assert await orders_of_case(app, case) == 0
    # when the judge confirms with a reason, it is made and the reason is on record
    reason = "被执行人名下无其他可供执行财产，该房产为不可分物"
    response = await api.post(SUBMIT, {"input": {**plain, "overSeizureReason": reason}})
    made = response.json()["data"]["freezeOrderSubmit"]
    assert made["errors"] == [], made
    async with app.state.runtime.engine.connect() as conn:
        row = (
            await conn.execute(
                select(audit_entries).where(
                    audit_entries.c.request_id == response.headers["X-Request-Id"],
                    audit_entries.c.action == "ORDER_SUBMIT",
                )
            )
        ).one()
    detail = json.loads(row.content)["detail"]
    assert detail["overSeizureReason"] == reason
    assert (detail["kind"], detail["term"]) == ("SEIZE", "36 months")  # the class's longest
    assert detail["valuation"] == {
        "outstanding": str(outstanding),
        "seizedValue": "0",
        "unvaluedMeasures": 0,
        "assetValue": str(value),
        "threshold": str(outstanding * FACTOR),
        "exceeds": True,
    }
    # and afterwards the case's assessment counts the unit as held
    after = (await api.query(ASSESS, {"case": case}))["data"]["freezeOrderAssessment"]
    assert [(m["orderId"], Decimal(m["knownValue"])) for m in after["measures"]] == [
        (made["order"]["id"], value)
    ]
    assert Decimal(after["seizedValue"]) == value and after["assetValue"] is None


async def test_a_measure_within_the_threshold_needs_no_confirmation(
    api: Api, app: Any, owners: dict[str, dict[str, Any]]
) -> None:
    """查封规定 第十九条 forbids only what is 明显 (clearly) beyond the debt: a unit worth less
    than twice the outstanding amount is seized without a confirmation."""
    flat = owners["REAL_ESTATE"]
    unit = flat["unit"]
    value = Decimal(unit["area"]) * PRICE_PER_SQM * Decimal(unit["owners"][0]["share"])
    case = await add_case(
        app, respondent_case_parties(flat, owners["NOBODY"]), amount=value.quantize(Decimal(1))
    )
    made = await submit(api, order_input(case, "REAL_ESTATE", flat["asset"]))
    assert made["errors"] == [], made


async def test_simultaneous_submissions_of_one_case_are_judged_one_after_another(
    api: Api, app: Any, owners: dict[str, dict[str, Any]]
) -> None:
    """查封规定 第十九条 judged on what the case holds when each order is made: four units of one
    respondent, each worth less than the threshold alone, submitted at the same instant. One
    unit is within twice the outstanding amount; with any second one the case holds clearly
    more than the debt, so exactly one is made and the others need the judge's confirmation —
    as if the judge had submitted them one after another."""
    flat = owners["REAL_ESTATE"]
    me = {"idNumber": flat["idNumber"], "name": flat["name"]}
    value = Decimal("88.50") * PRICE_PER_SQM  # fresh_unit: 88.50 m², sole owner
    with contextlib.ExitStack() as stack:
        units = [stack.enter_context(registered(app, fresh_unit, me)) for _ in range(4)]
        # outstanding × 2 = 1.5 units: one unit passes, two do not
        outstanding = (value * 3 / 4).quantize(Decimal("0.01"))
        case = await add_case(
            app, respondent_case_parties(flat, owners["NOBODY"]), amount=outstanding
        )
        # when all four are submitted at once
        answers = await asyncio.gather(
            *(submit(api, order_input(case, "REAL_ESTATE", unit)) for unit in units)
        )
        # then one order is made, the three others refused for the over-seizure rule
        made = [a for a in answers if a["order"] is not None]
        refused = [a["errors"] for a in answers if a["order"] is None]
        assert len(made) == 1, answers
        assert [[(e["code"], e["rule"]) for e in r] for r in refused] == [
            [("BAD_USER_INPUT", "OVER_SEIZURE")]
        ] * 3, answers
        assert await orders_of_case(app, case) == 1


async def test_a_submission_overtaken_again_and_again_is_refused_and_makes_nothing(
    api: Api, app: Any, owners: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a case whose measures change between every assessment and the lock (each read of
    # what the case holds differs from the one before)
    flat = owners["REAL_ESTATE"]
    case = await add_case(app, respondent_case_parties(flat, owners["NOBODY"]), amount=10**9)
    reads = iter(range(10**6))
    monkeypatch.setattr(workflow, "_signature", lambda held: next(reads))
    # when the judge submits, then it is refused as busy, and nothing is made
    answer = await submit(api, order_input(case, "REAL_ESTATE", flat["asset"]))
    assert answer["order"] is None
    assert [(e["code"], e["reason"]) for e in answer["errors"]] == [("CONFLICT", "CASE_BUSY")]
    assert await orders_of_case(app, case) == 0


async def test_the_assessment_is_for_the_judges_own_case_and_a_respondents_asset(
    api: Api, app: Any, tokens: dict[str, str], owners: dict[str, dict[str, Any]]
) -> None:
    """The order form's check tells values of property: the same rules as the order itself —
    the judge assigned, the asset a respondent's (an applicant's answers as an unknown one)."""
    flat = owners["REAL_ESTATE"]
    theirs = await add_case(app, respondent_case_parties(owners["NOBODY"], flat))
    asset = {"type": "REAL_ESTATE", "id": flat["asset"]}
    body = await api.query(ASSESS, {"case": theirs, "asset": asset})
    assert body["data"]["freezeOrderAssessment"] is None
    assert body["errors"][0]["extensions"]["reason"] == "NOT_A_RESPONDENT"
    unknown = await api.query(ASSESS, {"case": theirs, "asset": {**asset, "id": "NOSUCHUNIT"}})
    assert unknown["errors"][0]["extensions"]["reason"] == "NOT_A_RESPONDENT"
    colleague = await api.query(ASSESS, {"case": theirs}, token=tokens["judge-zhou"])
    assert colleague["errors"][0]["extensions"]["reason"] == "NOT_ASSIGNED"
    agency = await api.query(ASSESS, {"case": theirs}, token=tokens["registry-wang"])
    assert agency["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- item 8: ruling numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "ruling", ["x", "续封", "（2026）解封裁定", "（2026）鲁0602执123", "鲁0602执1号"]
)
async def test_a_ruling_number_that_is_not_in_the_case_number_form_is_refused(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str], ruling: str
) -> None:
    """A ruling (裁定书) carries the number of the case it is made in, with 之一, 之二 … for the
    case's rulings (《最高人民法院关于人民法院案件案号的若干规定》: （2026）鲁0602执123号之一):
    the submission, the release and the renewal each name theirs, and a malformed one is
    BAD_USER_INPUT naming rulingNumber, before anything changes."""
    made = await submit(api, order_input(target["caseNumber"], "REAL_ESTATE", target["unit"]))
    order_id = made["order"]["id"]
    bad_submit = await submit(
        api, order_input(target["caseNumber"], "REAL_ESTATE", target["unit"], rulingNumber=ruling)
    )
    bad_release = (
        await api.query(
            RELEASE, {"id": order_id, "input": {"rulingNumber": ruling, "reason": "已履行"}}
        )
    )["data"]["freezeOrderRelease"]
    bad_renew = (await api.query(RENEW, {"id": order_id, "input": {"rulingNumber": ruling}}))[
        "data"
    ]["freezeOrderRenew"]
    for payload in (bad_submit, bad_release, bad_renew):
        assert payload["order"] is None
        [error] = payload["errors"]
        assert (error["code"], error["field"]) == ("BAD_USER_INPUT", "rulingNumber")
        assert error["rule"].startswith("CASE_NUMBER_")
    assert await orders_of_case(app, target["caseNumber"]) == 1


async def test_a_ruling_number_in_the_case_number_form_is_accepted_and_spelled_canonically(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    """ASCII brackets are accepted, as for case numbers; the order keeps the full-width form."""
    ascii_form = target["caseNumber"].replace("（", "(").replace("）", ")") + "之一"
    made = await submit(
        api,
        order_input(target["caseNumber"], "REAL_ESTATE", target["unit"], rulingNumber=ascii_form),
    )
    assert made["errors"] == [], made
    assert made["order"]["rulingNumber"] == target["caseNumber"] + "之一"
    # (a release needs the agency to have registered the order)
    await accept(api, app, tokens, made["order"]["id"])
    released = await api.query(
        RELEASE,
        {
            "id": made["order"]["id"],
            "input": {"rulingNumber": target["caseNumber"] + "之十二", "reason": "已履行"},
        },
    )
    payload = released["data"]["freezeOrderRelease"]
    assert payload["errors"] == [] and payload["order"]["releaseRuling"] == (
        target["caseNumber"] + "之十二"
    )


# --- item 5: every court action needs the assignment ------------------------------------------


@pytest.mark.parametrize("action", ["submit", "release", "renew", "publish", "revoke"])
async def test_an_unassigned_judge_of_the_same_court_takes_no_court_action(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str], action: str
) -> None:
    """A court action on a case (submit, release and renew an order; publish and revoke a
    sanction-list entry) is for the judges assigned to it (承办人, README "Security model":
    ``@assignment``): judge-zhou of the same court, not assigned, is refused NOT_ASSIGNED (an
    order or an entry of the case NOT_FOUND, as one that does not exist) and nothing changes."""
    from hub.cases.service import judges_of_case

    case = target["caseNumber"]
    async with app.state.runtime.engine.connect() as conn:
        assert await judges_of_case(conn, case) == ["judge-zhang"]
    zhou = tokens["judge-zhou"]
    order_id = entry_id = status = ""
    if action in ("release", "renew"):
        made = await submit(api, order_input(case, "REAL_ESTATE", target["unit"]))
        order_id = made["order"]["id"]
        status = await accept(api, app, tokens, order_id)
    publish_input = {
        "list": "CONSUMPTION_RESTRICTION",
        "subject": {"idNumber": target["idNumber"]},
        "caseNumber": case,
        "obligation": "向申请执行人支付借款本金人民币100000元及利息",
        "publishedOn": datetime.now(UTC).date().isoformat(),
        "legalBasis": "法释〔2015〕17号 第一条",
        "grounds": ["NOT_PERFORMED"],  # 情形, required (法释〔2017〕7号 第六条第（四）项)
    }
    if action == "revoke":
        own = await api.query(PUBLISH, {"input": publish_input})
        entry_id = own["data"]["sanctionEntryPublish"]["entry"]["id"]
    # when judge-zhou takes the action
    if action == "submit":
        body = await api.query(
            SUBMIT, {"input": order_input(case, "REAL_ESTATE", target["unit"])}, token=zhou
        )
        payload = body["data"]["freezeOrderSubmit"]
    elif action == "release":
        body = await api.query(
            RELEASE,
            {"id": order_id, "input": {"rulingNumber": case + "之二", "reason": "已履行"}},
            token=zhou,
        )
        payload = body["data"]["freezeOrderRelease"]
    elif action == "renew":
        body = await api.query(
            RENEW, {"id": order_id, "input": {"rulingNumber": case + "之二"}}, token=zhou
        )
        payload = body["data"]["freezeOrderRenew"]
    elif action == "publish":
        body = await api.query(PUBLISH, {"input": publish_input}, token=zhou)
        payload = body["data"]["sanctionEntryPublish"]
    else:
        body = await api.query(REVOKE, {"id": entry_id, "reason": "已履行"}, token=zhou)
        payload = body["data"]["sanctionEntryRevoke"]
    # then it is refused for the assignment (an order or a list entry of a case the judge is
    # not assigned to is answered as one that does not exist: an action is no way to learn
    # which exist, nor of which case)
    expected = (
        ("NOT_FOUND", None)
        if action in ("release", "renew", "revoke")
        else ("FORBIDDEN", "NOT_ASSIGNED")
    )
    assert [(e["code"], e["reason"]) for e in payload["errors"]] == [expected]
    assert payload.get("order", payload.get("entry")) is None
    # and nothing changed
    async with app.state.runtime.engine.connect() as conn:
        orders = (
            await conn.execute(
                select(freeze_orders.c.status, freeze_orders.c.renewals).where(
                    freeze_orders.c.case_number == case
                )
            )
        ).all()
    assert [tuple(o) for o in orders] == ([] if not order_id else [(status, 0)])
    # (cleanup by the assigned judge: the sanction lists are shared with other tests)
    if order_id:
        done = await api.query(
            RELEASE,
            {"id": order_id, "input": {"rulingNumber": case + "之三", "reason": "测试结束"}},
        )
        assert done["data"]["freezeOrderRelease"]["order"]["status"] == "RELEASED"
    if entry_id:
        again = await api.query(REVOKE, {"id": entry_id, "reason": "测试结束"})
        assert again["data"]["sanctionEntryRevoke"]["entry"]["status"] == "REVOKED"
