"""An agency's receipt is validated like every other input: when it registered the order, and
the numbers it gives.

``registeredAt`` may not be before the order was served on the agency (``deliveredAt``) nor in
the future, give or take five minutes of clock difference (``hub.orders.receipts``); the
receipt's document number, like every number and text of the API, holds no control or format
characters. A refused receipt changes nothing: the order stays delivered, in the inbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from hub.orders.worker import deliver_pending
from tests.conftest import Api
from tests.hub.test_orders import SUBMIT, answered, receipt, submit_input, submitted

pytestmark = pytest.mark.usefixtures("target_line_answered")

ACCEPT = """mutation($id: String!, $r: ReceiptInput!) { freezeOrderAccept(id: $id, receipt: $r) {
  order { id status } errors { code message field reason rule } } }"""
ORDER = """query($id: String!) { freezeOrder(id: $id) {
  id status deliveredAt receiptNumber receiptRegisteredAt } }"""
RELEASE = """mutation($id: String!, $input: FreezeOrderReleaseInput!) {
  freezeOrderRelease(id: $id, input: $input) { order { id status } errors { code field rule } } }"""


@pytest.fixture
async def delivered(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> AsyncIterator[dict[str, Any]]:
    """An order of the target's case, served on the registry (and refused when the test ends,
    if the test left it unanswered)."""
    order = await submitted(api, target)
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    body = await api.query(ORDER, {"id": order["id"]}, token=tokens["registry-wang"])
    yield body["data"]["freezeOrder"]
    now = await api.query(ORDER, {"id": order["id"]}, token=tokens["registry-wang"])
    if now["data"]["freezeOrder"]["status"] == "DELIVERED":
        await answered(api, app, tokens, order["id"])


async def accept(api: Api, tokens: dict[str, str], order_id: str, r: dict[str, str]) -> Any:
    body = await api.query(ACCEPT, {"id": order_id, "r": r}, token=tokens["registry-wang"])
    return body["data"]["freezeOrderAccept"]


async def assert_unchanged(api: Api, tokens: dict[str, str], order: dict[str, Any]) -> None:
    body = await api.query(ORDER, {"id": order["id"]}, token=tokens["registry-wang"])
    assert body["data"]["freezeOrder"] == order


def moment(text: str) -> datetime:
    """A time the API answered; one without a zone (as SQLite keeps them) is UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def served(order: dict[str, Any]) -> datetime:
    return moment(order["deliveredAt"])


@pytest.mark.parametrize(
    ("when", "rule"),
    [
        (lambda order: datetime(2000, 1, 1, tzinfo=UTC), "REGISTERED_BEFORE_SERVICE"),
        (lambda order: served(order) - timedelta(hours=1), "REGISTERED_BEFORE_SERVICE"),
        (lambda order: datetime.now(UTC) + timedelta(days=1), "REGISTERED_IN_FUTURE"),
        (lambda order: datetime.now(UTC) + timedelta(minutes=30), "REGISTERED_IN_FUTURE"),
    ],
    ids=["year-2000", "an-hour-before-service", "tomorrow", "in-half-an-hour"],
)
async def test_a_receipt_registered_out_of_time_is_refused_and_changes_nothing(
    api: Api, tokens: dict[str, str], delivered: dict[str, Any], when: Any, rule: str
) -> None:
    # given a receipt whose registration time cannot be true
    r = {**receipt(), "registeredAt": when(delivered).isoformat()}
    # when the registry accepts the order with it
    payload = await accept(api, tokens, delivered["id"], r)
    # then it is refused, naming the field and the rule, and the order is as it was
    assert payload["order"] is None
    [error] = payload["errors"]
    assert error["code"] == "BAD_USER_INPUT"
    assert error["reason"] is None
    assert (error["field"], error["rule"]) == ("receipt.registeredAt", rule)
    await assert_unchanged(api, tokens, delivered)


async def test_a_receipt_without_a_time_zone_is_refused(
    api: Api, tokens: dict[str, str], delivered: dict[str, Any]
) -> None:
    r = {**receipt(), "registeredAt": datetime.now(UTC).replace(tzinfo=None).isoformat()}
    body = await api.query(
        ACCEPT, {"id": delivered["id"], "r": r}, token=tokens["registry-wang"]
    )
    # the DateTime scalar refuses it before the mutation runs
    assert body["data"] is None
    assert [
        (e["extensions"]["code"], e["extensions"].get("rule")) for e in body["errors"]
    ] == [("BAD_USER_INPUT", "DATETIME_OFFSET")]
    await assert_unchanged(api, tokens, delivered)


@pytest.mark.parametrize(
    "when",
    [
        lambda order: served(order),
        lambda order: served(order) - timedelta(minutes=4),  # the agency's clock a little behind
        lambda order: datetime.now(UTC) + timedelta(minutes=4),  # or a little ahead
        lambda order: datetime.now(UTC).astimezone(timezone(timedelta(hours=8))),  # Beijing time
    ],
    ids=["at-service", "four-minutes-before", "four-minutes-ahead", "utc+8"],
)
async def test_a_receipt_registered_between_service_and_now_is_accepted(
    api: Api, tokens: dict[str, str], delivered: dict[str, Any], when: Any
) -> None:
    # given a registration time between the service and now (a few minutes' skew allowed)
    at = when(delivered)
    # when
    payload = await accept(
        api, tokens, delivered["id"], {**receipt(), "registeredAt": at.isoformat()}
    )
    # then the order is registered with that time
    assert payload["errors"] == [], payload
    assert payload["order"]["status"] in ("WAITING", "EFFECTIVE")
    body = await api.query(ORDER, {"id": delivered["id"]}, token=tokens["registry-wang"])
    assert moment(body["data"]["freezeOrder"]["receiptRegisteredAt"]) == at


@pytest.mark.parametrize(
    "number",
    [
        "鲁（2026）烟台市不动产查封第000001号\x00",
        "鲁（2026）烟台市不动产查封第000001号\n",
        "\x1f鲁（2026）烟台市不动产查封第000001号",
        "鲁（2026）烟台市\t不动产查封第000001号",
        "鲁（2026）烟台市不动产查封第\u202e100000号",  # right-to-left override: shows reversed
        "鲁（2026）烟台市不动产查封第000\u200b001号",  # zero-width space
        "鲁（2026）烟台市不动产查封第000001号\x85",
    ],
    ids=["nul", "newline", "unit-separator", "tab", "rtl-override", "zero-width", "next-line"],
)
async def test_a_document_number_with_control_characters_is_refused(
    api: Api, tokens: dict[str, str], delivered: dict[str, Any], number: str
) -> None:
    payload = await accept(api, tokens, delivered["id"], {**receipt(), "documentNumber": number})
    assert payload["order"] is None
    assert [(e["field"], e["rule"]) for e in payload["errors"]] == [
        ("receipt.documentNumber", "CONTROL_CHARACTER")
    ]
    await assert_unchanged(api, tokens, delivered)


@pytest.mark.parametrize(
    "ruling",
    [
        "（2026）鲁0602执1号之一\x1f",
        "\n（2026）鲁0602执1号之一",
        "（2026）鲁0602执1号之一\u2028",
        "\ufeff（2026）鲁0602执1号之一",
    ],
    ids=["unit-separator", "newline", "line-separator", "byte-order-mark"],
)
async def test_a_ruling_number_with_control_characters_is_refused(
    api: Api, target: dict[str, str], ruling: str
) -> None:
    # when a court submits an order citing a ruling number with a control character at an end
    body = await api.query(SUBMIT, {"input": submit_input(target, rulingNumber=ruling)})
    # then it is refused like any malformed ruling number, and no order is made
    payload = body["data"]["freezeOrderSubmit"]
    assert payload["order"] is None
    assert [(e["field"], e["rule"]) for e in payload["errors"]] == [
        ("rulingNumber", "CONTROL_CHARACTER")
    ]


async def test_a_release_ruling_with_control_characters_is_refused(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    # given an order in effect
    order = await submitted(api, target)
    await deliver_pending(app.state.runtime.engine, sources=app.state.runtime.sources)
    accepted = await accept(api, tokens, order["id"], receipt())
    assert accepted["errors"] == [], accepted
    # when the court releases it citing a ruling number that ends in a control character
    body = await api.query(
        RELEASE,
        {
            "id": order["id"],
            "input": {"rulingNumber": "（2026）鲁0602执1号之二\x1e", "reason": "履行完毕"},
        },
    )
    # then nothing is released
    assert body["data"]["freezeOrderRelease"] == {
        "order": None,
        "errors": [
            {"code": "BAD_USER_INPUT", "field": "rulingNumber", "rule": "CONTROL_CHARACTER"}
        ],
    }
    still = await api.query(ORDER, {"id": order["id"]}, token=tokens["registry-wang"])
    assert still["data"]["freezeOrder"]["status"] == accepted["order"]["status"]
