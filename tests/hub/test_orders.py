"""Seizure / freeze orders: submit, deliver, accept or reject, waiting line, release, renew, lapse.

Every test seizes a unit registered for it alone, in a case of its own (the ``target``
fixture), so no test depends on another having run, or cleaned up, before it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hub.orders import service
from hub.orders.models import freeze_orders, outbox
from hub.orders.worker import deliver_pending, lapse_expired
from tests.conftest import Api

# Orders other tests left unanswered on the target's unit would hold this module's acceptances.
pytestmark = pytest.mark.usefixtures("target_line_answered")

SUBMIT = """mutation($input: FreezeOrderSubmitInput!) { freezeOrderSubmit(input: $input) {
  order { id status rank caseNumber assetType assetId agency ownerId termMonths termDays expiresOn }
  errors { code message field reason rule } } }"""
ACCEPT = """mutation($id: String!, $r: ReceiptInput!) { freezeOrderAccept(id: $id, receipt: $r) {
  order { id status rank effectiveFrom expiresOn receiptNumber } errors { code message reason } } }"""
REJECT = """mutation($id: String!, $reason: String!) { freezeOrderReject(id: $id, reason: $reason) {
  order { id status closedReason } errors { code message reason } } }"""
RELEASE = """mutation($id: String!, $input: FreezeOrderReleaseInput!) { freezeOrderRelease(id: $id, input: $input) {
  order { id status } errors { code message reason } } }"""
RENEW = """mutation($id: String!, $input: FreezeOrderRenewInput!) { freezeOrderRenew(id: $id, input: $input) {
  order { id status expiresOn renewals } errors { code message field reason } } }"""
ORDER = "query($id: String!) { freezeOrder(id: $id) { id status rank expiresOn } }"
INBOX = "{ agencyInbox(first: 50) { nodes { id status agency } } }"
ORDERS = """query($f: FreezeOrderFilter) { freezeOrders(filter: $f, first: 100) { nodes { id status expiresOn } } }"""
UNITS = "query($id: String!) { person(idNumber: $id) { assets { realEstates { unitNumber } } } }"
RULING = "（2026）鲁0602执1号之二"  # a release's or renewal's ruling (validated like a case number)


def three_years_on(day: date) -> date:
    """The anniversary three years on (1 March for 29 February)."""
    try:
        return day.replace(year=day.year + 3)
    except ValueError:
        return date(day.year + 3, 3, 1)


def submit_input(t: dict[str, str], **over: Any) -> dict[str, Any]:
    return {
        "kind": "SEIZE",
        "asset": {"type": "REAL_ESTATE", "id": t["unit"]},
        "caseNumber": t["caseNumber"],
        "rulingNumber": t["caseNumber"].replace("号", "号之一"),
        "idempotencyKey": uuid.uuid4().hex,
        **over,
    }


def receipt() -> dict[str, str]:
    return {
        "documentNumber": f"鲁（2026）烟台市不动产查封第{uuid.uuid4().int % 10**6:06d}号",
        "registeredAt": datetime.now(UTC).isoformat(),
    }


async def submitted(api: Api, t: dict[str, str], **over: Any) -> dict[str, Any]:
    body = await api.query(SUBMIT, {"input": submit_input(t, **over)})
    payload = body["data"]["freezeOrderSubmit"]
    assert payload["errors"] == [], payload
    return payload["order"]  # type: ignore[no-any-return]


async def delivered_and_accepted(
    api: Api, app: Any, tokens: dict[str, str], t: dict[str, str]
) -> dict[str, Any]:
    order = await submitted(api, t)
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    body = await api.query(
        ACCEPT, {"id": order["id"], "r": receipt()}, token=tokens["registry-wang"]
    )
    payload = body["data"]["freezeOrderAccept"]
    assert payload["errors"] == [], payload
    return payload["order"]  # type: ignore[no-any-return]


async def answered(api: Api, app: Any, tokens: dict[str, str], order_id: str) -> None:
    """Cleanup: the registry refuses an order left unanswered, which would otherwise hold every
    order served after it on the same unit (the line follows service, 法发〔2004〕5号 第二十条)."""
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    body = await api.query(
        REJECT, {"id": order_id, "reason": "测试清理"}, token=tokens["registry-wang"]
    )
    assert body["data"]["freezeOrderReject"]["errors"] == [], body


async def test_the_whole_way_with_a_waiting_line(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str], another_case: Any
) -> None:
    # given a seizure submitted by the judge
    first = await submitted(api, target)
    assert (first["status"], first["agency"], first["ownerId"]) == (
        "SUBMITTED",
        "real_estate",
        target["idNumber"],
    )
    # the term of real estate by default: three calendar years (民诉法解释 第四百八十五条)
    assert (first["termMonths"], first["termDays"]) == (36, None)
    # when the outbox is delivered, the registry sees it in its inbox (public security does not)
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    inbox = (await api.query(INBOX, token=tokens["registry-wang"]))["data"]["agencyInbox"]["nodes"]
    assert {"id": first["id"], "status": "DELIVERED", "agency": "real_estate"} in inbox
    police = (await api.query(INBOX, token=tokens["police-chen"]))["data"]["agencyInbox"]["nodes"]
    assert first["id"] not in {o["id"] for o in police}
    # when the registry accepts it, it takes effect; a second one waits behind it
    body = await api.query(
        ACCEPT, {"id": first["id"], "r": receipt()}, token=tokens["registry-wang"]
    )
    accepted = body["data"]["freezeOrderAccept"]["order"]
    rank1 = accepted["rank"]
    assert accepted["status"] == "EFFECTIVE"
    court_today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert accepted["expiresOn"] == (three_years_on(court_today) - timedelta(days=1)).isoformat()
    # (from another case: a case holds an asset with one measure at a time)
    second = await delivered_and_accepted(api, app, tokens, await another_case(target))
    assert (rank1, second["status"], second["rank"]) == (1, "WAITING", 2)
    # when the court releases the first, the second takes effect automatically
    body = await api.query(
        RELEASE,
        {
            "id": first["id"],
            "input": {"rulingNumber": "（2026）鲁0602执1号之二", "reason": "已履行"},
        },
    )
    assert body["data"]["freezeOrderRelease"]["order"]["status"] == "RELEASED"
    now_second = (await api.query(ORDER, {"id": second["id"]}))["data"]["freezeOrder"]
    assert (now_second["status"], now_second["rank"]) == ("EFFECTIVE", rank1 + 1)
    # and a renewal longer than the class's term is refused, as is one long before the end
    # (renewals in the window before expiry: tests/hub/test_order_terms.py)
    too_long = await api.query(
        RENEW, {"id": second["id"], "input": {"rulingNumber": RULING, "termDays": 2000}}
    )
    assert too_long["data"]["freezeOrderRenew"]["errors"][0]["code"] == "BAD_USER_INPUT"
    early = await api.query(
        RENEW, {"id": second["id"], "input": {"rulingNumber": RULING, "termDays": 30}}
    )
    assert early["data"]["freezeOrderRenew"]["errors"][0]["reason"] == "RENEWAL_WINDOW"


async def test_idempotency(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    data = submit_input(target)
    one = (await api.query(SUBMIT, {"input": data}))["data"]["freezeOrderSubmit"]["order"]
    again = (await api.query(SUBMIT, {"input": data}))["data"]["freezeOrderSubmit"]["order"]
    assert one["id"] == again["id"]
    changed = (await api.query(SUBMIT, {"input": {**data, "termDays": 100}}))["data"][
        "freezeOrderSubmit"
    ]
    assert changed["order"] is None
    assert changed["errors"][0]["code"] == "CONFLICT"
    await answered(api, app, tokens, one["id"])


async def test_reject_and_what_cannot_follow(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    order = await submitted(api, target)
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    wrong = await api.query(
        ACCEPT, {"id": order["id"], "r": receipt()}, token=tokens["police-chen"]
    )
    assert wrong["data"]["freezeOrderAccept"]["errors"][0]["code"] == "NOT_FOUND"
    body = await api.query(
        REJECT, {"id": order["id"], "reason": "不动产单元已注销"}, token=tokens["registry-wang"]
    )
    assert body["data"]["freezeOrderReject"]["order"]["status"] == "REJECTED"
    late = await api.query(
        ACCEPT, {"id": order["id"], "r": receipt()}, token=tokens["registry-wang"]
    )
    assert late["data"]["freezeOrderAccept"]["errors"][0]["code"] == "CONFLICT"
    release = await api.query(
        RELEASE, {"id": order["id"], "input": {"rulingNumber": RULING, "reason": "y"}}
    )
    assert release["data"]["freezeOrderRelease"]["errors"][0]["code"] == "CONFLICT"


@pytest.mark.parametrize(
    ("over", "code", "detail"),
    [
        ({"termDays": 4000}, "BAD_USER_INPUT", "TERM_TOO_LONG"),
        ({"termDays": 0}, "BAD_USER_INPUT", "TERM_POSITIVE"),
        ({"caseNumber": "bogus"}, "BAD_USER_INPUT", "CASE_NUMBER_FORMAT"),
        ({"idempotencyKey": ""}, "BAD_USER_INPUT", "TEXT_LENGTH"),
    ],
)
async def test_submit_refuses_bad_input(
    api: Api, target: dict[str, str], over: dict[str, Any], code: str, detail: str
) -> None:
    body = await api.query(SUBMIT, {"input": submit_input(target, **over)})
    errors = body["data"]["freezeOrderSubmit"]["errors"]
    assert errors and errors[0]["code"] == code
    assert errors[0]["rule"] == detail


async def test_a_court_acts_only_on_its_own_cases(
    api: Api, tokens: dict[str, str], target: dict[str, str]
) -> None:
    # another court's judge citing this court's case
    body = await api.query(SUBMIT, {"input": submit_input(target)}, token=tokens["judge-li"])
    assert body["data"]["freezeOrderSubmit"]["errors"][0]["reason"] == "CASE_OTHER_COURT"
    # an asset that belongs to nobody of the case
    other = await api.query(
        SUBMIT,
        {
            "input": submit_input(
                target, caseNumber=target["caseNumber"], asset={"type": "VEHICLE", "id": "鲁F00000"}
            )
        },
    )
    assert other["data"]["freezeOrderSubmit"]["errors"][0]["code"] in (
        "BAD_USER_INPUT",
        "FORBIDDEN",
    )


async def test_only_courts_submit_and_only_agencies_accept(
    api: Api, tokens: dict[str, str], target: dict[str, str]
) -> None:
    body = await api.query(SUBMIT, {"input": submit_input(target)}, token=tokens["registry-wang"])
    assert body["data"]["freezeOrderSubmit"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await api.query(ACCEPT, {"id": "FO-X", "r": receipt()})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_another_court_cannot_see_or_release(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    order = await delivered_and_accepted(api, app, tokens, target)
    assert (await api.query(ORDER, {"id": order["id"]}, token=tokens["judge-li"]))["data"][
        "freezeOrder"
    ] is None
    body = await api.query(
        RELEASE,
        {"id": order["id"], "input": {"rulingNumber": RULING, "reason": "y"}},
        token=tokens["judge-li"],
    )
    assert [(e["code"], e["reason"]) for e in body["data"]["freezeOrderRelease"]["errors"]] == [
        ("NOT_FOUND", None)
    ]


DEDUCT = """mutation($input: DepositDeductInput!) { depositDeduct(input: $input) {
  deduction { id } errors { code message field reason rule } } }"""
UNKNOWN_ORDER = "FO-2026-000000000000"


async def test_an_order_the_caller_may_not_act_on_is_answered_as_one_that_does_not_exist(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    """Another court's order, one of a case the judge is not assigned to (judge-zhou, same
    court) and one addressed to another agency: each action on it is answered word for word as
    on an order id that does not exist (NOT_FOUND), as freezeOrder(id) reads them — else the
    answer (OTHER_COURT, NOT_ASSIGNED, NOT_ADDRESSEE) told which orders exist."""
    order = await delivered_and_accepted(api, app, tokens, target)

    def calls(order_id: str) -> list[tuple[str, str, dict[str, Any], str]]:
        release = {"id": order_id, "input": {"rulingNumber": RULING, "reason": "已履行"}}
        renew = {"id": order_id, "input": {"rulingNumber": RULING}}
        deduct = {
            "input": {
                "orderId": order_id,
                "amount": "1.00",
                "rulingNumber": RULING,
                "idempotencyKey": f"probe-{order_id}",
            }
        }
        return [
            (who, doc, variables, field)
            for who in ("judge-li", "judge-zhou")
            for doc, variables, field in (
                (RELEASE, release, "freezeOrderRelease"),
                (RENEW, renew, "freezeOrderRenew"),
                (DEDUCT, deduct, "depositDeduct"),
            )
        ] + [
            ("police-chen", ACCEPT, {"id": order_id, "r": receipt()}, "freezeOrderAccept"),
            ("police-chen", REJECT, {"id": order_id, "reason": "不予协助"}, "freezeOrderReject"),
        ]

    async def errors(order_id: str) -> list[list[dict[str, Any]]]:
        out = []
        for who, doc, variables, field in calls(order_id):
            body = await api.query(doc, variables, token=tokens[who])
            assert "errors" not in body, body
            out.append(
                [
                    {**e, "message": e["message"].replace(order_id, "…")}
                    for e in body["data"][field]["errors"]
                ]
            )
        return out

    # when each caller acts on the order, and on an id no order has
    existing, unknown = await errors(order["id"]), await errors(UNKNOWN_ORDER)
    # then the answers are the same, NOT_FOUND
    assert existing == unknown
    assert all([e["code"] for e in errs] == ["NOT_FOUND"] for errs in existing)
    # and the order is as it was
    seen = await api.query(ORDER, {"id": order["id"]})
    assert seen["data"]["freezeOrder"]["status"] == order["status"]


async def test_expiring_orders_are_listed_and_lapse(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str], another_case: Any
) -> None:
    # given a short seizure in effect on the unit and one (another case's) waiting behind it
    short = await submitted(api, target, termDays=10)
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    body = await api.query(
        ACCEPT, {"id": short["id"], "r": receipt()}, token=tokens["registry-wang"]
    )
    assert body["data"]["freezeOrderAccept"]["order"]["status"] == "EFFECTIVE", body
    waiting = await delivered_and_accepted(api, app, tokens, await another_case(target))
    assert waiting["status"] == "WAITING"
    listed = (await api.query(ORDERS, {"f": {"expiringWithinDays": 30}}))["data"]["freezeOrders"][
        "nodes"
    ]
    assert short["id"] in {o["id"] for o in listed}
    # when the term has passed, the worker lapses it and the waiting one takes effect
    runtime = app.state.runtime
    transitions = await lapse_expired(
        runtime.engine, sources=runtime.sources, now=datetime.now(UTC) + timedelta(days=11)
    )
    assert ("EXPIRED", short["id"]) in {(t.event, t.order_id) for t in transitions}
    assert ("EFFECTIVE", waiting["id"]) in {(t.event, t.order_id) for t in transitions}


async def test_a_failed_delivery_is_retried_and_applied_once(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    engine = app.state.runtime.engine
    order = await submitted(api, target)

    def agency_down(order_id: str) -> None:
        if order_id == order["id"]:
            raise ConnectionError("agency unreachable")

    await deliver_pending(engine, sources=app.state.runtime.sources, fail=agency_down)
    async with engine.connect() as conn:
        row = (await conn.execute(select(outbox).where(outbox.c.order_id == order["id"]))).first()
        status = (
            await conn.execute(
                select(freeze_orders.c.status).where(freeze_orders.c.id == order["id"])
            )
        ).scalar()
    assert (row.attempts, row.done_at, status) == (1, None, "SUBMITTED")
    assert "agency unreachable" in row.last_error
    # a restarted worker, later: delivered exactly once, even if the row is offered twice
    later = datetime.now(UTC) + timedelta(minutes=10)
    first = await deliver_pending(engine, sources=app.state.runtime.sources, now=later)
    again = await deliver_pending(engine, sources=app.state.runtime.sources, now=later)
    assert [t.event for t in first if t.order_id == order["id"]] == ["DELIVERED"]
    assert [t for t in again if t.order_id == order["id"]] == []
    async with engine.begin() as conn:
        assert await service.deliver(conn, order["id"], now=later) == []
    await answered(api, app, tokens, order["id"])


async def test_orders_are_on_the_audit_record(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    from hub.audit.models import audit_entries

    response = await api.post(SUBMIT, {"input": submit_input(target)})
    rid = response.headers["X-Request-Id"]
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_entries.c.action, audit_entries.c.case_number).where(
                    audit_entries.c.request_id == rid
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [("ORDER_SUBMIT", target["caseNumber"])]
    await answered(api, app, tokens, response.json()["data"]["freezeOrderSubmit"]["order"]["id"])


async def test_twenty_concurrent_seizures_get_ranks_one_to_twenty(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str], another_case: Any
) -> None:
    """On SQLite and on PostgreSQL: twenty acceptances at once, each through the API (the
    workflow's write lock on SQLite, the asset's row lock on PostgreSQL)."""
    # given twenty seizures of one unit in twenty cases (one measure per asset and case),
    # delivered to the registry
    cases = [target, *[await another_case(target) for _ in range(19)]]
    ids = [(await submitted(api, t))["id"] for t in cases]
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)

    # when the registry accepts all twenty at the same time
    async def accept(order_id: str) -> dict[str, Any]:
        body = await api.query(
            ACCEPT, {"id": order_id, "r": receipt()}, token=tokens["registry-wang"]
        )
        return body["data"]["freezeOrderAccept"]  # type: ignore[no-any-return]

    payloads = await asyncio.gather(*(accept(i) for i in ids))

    # then each was accepted, and they took the ranks 1 to 20, one each: the first in effect,
    # the others waiting in line
    assert [p["errors"] for p in payloads] == [[]] * 20
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(freeze_orders.c.id, freeze_orders.c.rank, freeze_orders.c.status)
                .where(freeze_orders.c.asset_id == target["unit"])
                .order_by(freeze_orders.c.rank)
            )
        ).all()
    assert sorted(r.id for r in rows) == sorted(ids)
    assert [r.rank for r in rows] == list(range(1, 21))
    assert [r.status for r in rows] == ["EFFECTIVE"] + ["WAITING"] * 19
    # and when the first is released, the second takes effect
    body = await api.query(
        RELEASE, {"id": rows[0].id, "input": {"rulingNumber": RULING, "reason": "y"}}
    )
    assert body["data"]["freezeOrderRelease"]["errors"] == [], body
    now_second = (await api.query(ORDER, {"id": rows[1].id}))["data"]["freezeOrder"]
    assert (now_second["status"], now_second["rank"]) == ("EFFECTIVE", 2)


LINE = """query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) {
  assets { realEstates { unitNumber waitingLine { orderId caseNumber courtCode rank status expiresOn } } } } }"""


async def test_the_waiting_line_shows_in_the_profile(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str], another_case: Any
) -> None:
    # given an order in effect and one waiting (another case's) on the party's unit
    first = await delivered_and_accepted(api, app, tokens, target)
    other = await another_case(target)
    second = await delivered_and_accepted(api, app, tokens, other)
    # when the judge (and the registry) look at the profile
    for token in (None, tokens["registry-wang"]):
        body = await api.query(
            LINE, {"id": target["idNumber"], "case": target["caseNumber"]}, token=token
        )
        unit = next(
            u
            for u in body["data"]["person"]["assets"]["realEstates"]
            if u["unitNumber"] == target["unit"]
        )
        line = [(e["orderId"], e["status"]) for e in unit["waitingLine"]]
        # then both are there in rank order, with case, court and term
        assert line == [(first["id"], "EFFECTIVE"), (second["id"], "WAITING")]
        assert [e["caseNumber"] for e in unit["waitingLine"]] == [
            target["caseNumber"],
            other["caseNumber"],
        ]
        assert all(e["courtCode"] == "370602" for e in unit["waitingLine"])


async def test_order_and_receipt_signatures_verify(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    from sqlalchemy import update

    order = await delivered_and_accepted(api, app, tokens, target)
    runtime = app.state.runtime
    async with runtime.engine.connect() as conn:
        assert await service.verify_order(conn, order["id"], runtime.order_keys) == {
            "court": True,
            "receipt": True,
        }
    # a changed order no longer matches the court's signature
    async with runtime.engine.begin() as conn:
        await conn.execute(
            update(freeze_orders).where(freeze_orders.c.id == order["id"]).values(term_days=1)
        )
    async with runtime.engine.connect() as conn:
        assert (await service.verify_order(conn, order["id"], runtime.order_keys))["court"] is False


async def test_order_verify_cli(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str], settings: Any
) -> None:
    from click.testing import CliRunner

    from hub.cli import main

    order = await delivered_and_accepted(api, app, tokens, target)
    env = {"HUB_DATA_DIR": str(settings.data_dir), "HUB_DATABASE_URL": settings.database_url}
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["order", "verify", order["id"]], env=env
    )
    assert result.exit_code == 0, result.output
    assert "court signature on the order: OK" in result.output
    assert "agency signature on the receipt: OK" in result.output
    missing = await asyncio.to_thread(
        CliRunner().invoke, main, ["order", "verify", "FO-NOPE"], env=env
    )
    assert missing.exit_code == 1 and "no order FO-NOPE" in missing.output
