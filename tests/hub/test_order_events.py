"""The freezeOrderEvents subscription: who may follow which case, and the events it streams.

The subscription runs through the app's own schema in the test's event loop (the transport,
graphql-transport-ws, is strawberry's; the hub adds the connection_init authentication, tested
in test_websocket_auth below through the ASGI app).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text

from hub.audit.models import audit_entries
from hub.db.engine import create_hub_engine
from hub.graphql.context import HubContext
from hub.orders.events import EventFeed, OrderEventBus
from hub.orders.models import freeze_order_events, freeze_orders
from hub.orders.worker import deliver_pending
from tests.conftest import Api
from tests.hub.test_orders import SUBMIT, submit_input
from tests.servers import graphql_ws_scope

SUBSCRIBE = "subscription($case: String!) { freezeOrderEvents(caseNumber: $case) { orderId event caseNumber agency } }"


def schema_of(app: Any) -> Any:
    route = next(r for r in app.routes if getattr(r, "path", None) == "/graphql")
    return (
        route.app.view.schema
        if hasattr(route, "app") and hasattr(route.app, "view")
        else route.endpoint.view.schema
    )


def context_for(app: Any, token: str) -> HubContext:
    runtime = app.state.runtime
    principal = runtime.verifier.verify(token)
    return HubContext(
        request=None, response=None, principal=principal, runtime=runtime, request_id="sub"
    )


async def listening(app: Any, stream: Any) -> asyncio.Future[Any]:
    """Start reading ``stream`` and return its first message to come, once the subscription
    is on the app's bus: a resolver's generator only subscribes when first read, and the feed
    publishes only what is committed after that (a test submitting earlier would race it)."""
    bus = app.state.runtime.order_events
    before = bus.subscribers
    pending = asyncio.ensure_future(stream.__anext__())
    for _ in range(1000):  # up to 10 s
        if bus.subscribers > before or pending.done():
            return pending
        await asyncio.sleep(0.01)
    raise TimeoutError("the subscription never reached the bus")


async def first_message(app: Any, token: str, case: str) -> Any:
    stream = await schema_of(app).subscribe(
        SUBSCRIBE, variable_values={"case": case}, context_value=context_for(app, token)
    )
    if not hasattr(stream, "__anext__"):
        return stream, None
    return None, stream


async def test_a_judge_follows_the_orders_of_a_case(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    # given the judge subscribed to a case of theirs
    error, stream = await first_message(app, tokens["judge-zhang"], target["caseNumber"])
    assert error is None
    waiting = await listening(app, stream)
    # when an order of that case is submitted
    body = await api.query(SUBMIT, {"input": submit_input(target)})
    order = body["data"]["freezeOrderSubmit"]["order"]
    # then the subscriber is told (after any earlier transitions of the case's other orders)
    result = await asyncio.wait_for(waiting, 5)
    while result.data["freezeOrderEvents"]["orderId"] != order["id"]:
        result = await asyncio.wait_for(stream.__anext__(), 5)
    assert result.errors is None
    assert result.data["freezeOrderEvents"] == {
        "orderId": order["id"],
        "event": "SUBMITTED",
        "caseNumber": target["caseNumber"],
        "agency": "real_estate",
    }
    await stream.aclose()


ALL_MINE = "subscription { freezeOrderEvents { orderId event caseNumber agency } }"


async def test_without_a_case_the_agency_follows_its_inbox_and_the_court_its_orders(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str]
) -> None:
    streams = {}
    for who in ("registry-wang", "judge-zhang", "police-chen", "judge-li", "judge-zhou"):
        stream = await schema_of(app).subscribe(
            ALL_MINE, context_value=context_for(app, tokens[who])
        )
        streams[who] = stream
    pending = {who: await listening(app, s) for who, s in streams.items()}
    body = await api.query(SUBMIT, {"input": submit_input(target)})
    order = body["data"]["freezeOrderSubmit"]["order"]
    # the registry (addressee) and the judge assigned to the case hear of it
    for who in ("registry-wang", "judge-zhang"):
        result = await asyncio.wait_for(pending[who], 5)
        while result.data["freezeOrderEvents"]["orderId"] != order["id"]:
            result = await asyncio.wait_for(streams[who].__anext__(), 5)
        assert result.data["freezeOrderEvents"]["caseNumber"] == target["caseNumber"]
    # another agency, another court and a judge of the same court not assigned to it do not
    await asyncio.sleep(0.5)
    for who in ("police-chen", "judge-li", "judge-zhou"):
        assert not pending[who].done()
        pending[who].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pending[who]
    for stream in streams.values():
        await stream.aclose()


@pytest.mark.parametrize(
    ("who", "code", "reason"),
    [("judge-li", "FORBIDDEN", "CASE_OTHER_COURT"), ("auditor-sun", "FORBIDDEN", "POLICY")],
)
async def test_who_may_not_follow(
    app: Any, tokens: dict[str, str], target: dict[str, str], who: str, code: str, reason: str
) -> None:
    error, stream = await first_message(app, tokens[who], target["caseNumber"])
    if stream is not None:
        result = await asyncio.wait_for(stream.__anext__(), 5)
        errors = result.errors
    else:
        errors = error.errors
    assert errors[0].extensions["code"] == code
    assert errors[0].extensions["reason"] == reason


@pytest.mark.parametrize(
    ("who", "reason"), [("judge-li", "CASE_OTHER_COURT"), ("auditor-sun", "POLICY")]
)
async def test_a_refused_subscription_is_on_record(
    app: Any, tokens: dict[str, str], target: dict[str, str], who: str, reason: str
) -> None:
    # given a caller the subscription refuses (another court's judge; a role not granted it)
    runtime = app.state.runtime

    async def refusals() -> list[tuple[str, str]]:
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(
                select(audit_entries.c.action, audit_entries.c.outcome).where(
                    audit_entries.c.user_id == who,
                    audit_entries.c.action == "ACCESS_REFUSED",
                )
            )
            return [tuple(r) for r in rows]

    before = await refusals()
    # when it subscribes to the orders of a case
    error, stream = await first_message(app, tokens[who], target["caseNumber"])
    if stream is not None:
        result = await asyncio.wait_for(stream.__anext__(), 5)
    else:
        result = error
    assert result.errors[0].extensions["reason"] == reason
    # then the refusal is an entry of the audit log, as a refused query's or mutation's is
    # (README, Security model: refusals of whole fields are on record)
    assert await refusals() == [*before, ("ACCESS_REFUSED", "DENIED")]


async def connection_init(app: Any, token: str | None) -> list[dict[str, Any]]:
    """What the server sends back to a websocket that opens with this connection_init."""
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    inbox.put_nowait({"type": "websocket.connect"})
    inbox.put_nowait(
        {
            "type": "websocket.receive",
            "text": json.dumps({"type": "connection_init", "payload": payload}),
        }
    )
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return await inbox.get()

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] in ("websocket.close", "websocket.send"):
            inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})

    scope = graphql_ws_scope(app)
    await asyncio.wait_for(app(scope, receive, send), 10)
    return [m for m in sent if m["type"] != "websocket.accept"]


@pytest.mark.parametrize("token", [None, "not-a-jwt"])
async def test_websocket_without_a_valid_token_is_closed(app: Any, token: str | None) -> None:
    replies = await connection_init(app, token)
    assert (replies[0]["type"], replies[0]["code"]) == ("websocket.close", 4403)


async def test_websocket_with_a_token_is_acknowledged(app: Any, tokens: dict[str, str]) -> None:
    replies = await connection_init(app, tokens["judge-zhang"])
    # a text frame: browsers' graphql-transport-ws clients parse nothing else
    assert "bytes" not in replies[0] or replies[0]["bytes"] is None
    message = json.loads(replies[0]["text"])
    assert message["type"] == "connection_ack"
    assert message["payload"] == {"userId": "judge-zhang"}


async def test_transitions_made_by_another_process_reach_the_subscriber(
    api: Api, app: Any, tokens: dict[str, str], target: dict[str, str], settings: Any
) -> None:
    # given the judge subscribed, and an order submitted
    error, stream = await first_message(app, tokens["judge-zhang"], target["caseNumber"])
    assert error is None
    waiting = await listening(app, stream)
    body = await api.query(SUBMIT, {"input": submit_input(target)})
    order_id = body["data"]["freezeOrderSubmit"]["order"]["id"]
    # when another process (its own engine, as `fyt worker` has) delivers it
    other = create_hub_engine(settings.database_url)
    try:
        await deliver_pending(other, sources=app.state.runtime.sources)
    finally:
        await other.dispose()
    # then the subscriber hears of the delivery too, after the submission
    seen = []
    while ("DELIVERED", order_id) not in seen:
        result = await asyncio.wait_for(waiting, 5)
        waiting = asyncio.ensure_future(stream.__anext__())
        event = result.data["freezeOrderEvents"]
        seen.append((event["event"], event["orderId"]))
    mine = [e for e, o in seen if o == order_id]
    assert mine == ["SUBMITTED", "DELIVERED"]
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    await stream.aclose()


async def test_the_feed_publishes_a_late_row_once(app: Any, target: dict[str, str]) -> None:
    engine = app.state.runtime.engine
    bus = OrderEventBus()
    feed = EventFeed(engine, bus)
    received: list[str] = []

    async def listen() -> None:
        async for event in bus.subscribe(lambda e: e.order_id == "FO-FEED-TEST"):
            received.append(event.event)

    listener = asyncio.ensure_future(listen())
    await asyncio.sleep(0)
    await feed.tick()  # starts from the table's end
    async with engine.begin() as conn:
        top = (await conn.execute(select(func.max(freeze_order_events.c.id)))).scalar() or 0
        await conn.execute(
            insert(freeze_orders).values(
                id="FO-FEED-TEST",
                kind="SEIZE",
                asset_type="REAL_ESTATE",
                asset_id="x",
                agency="real_estate",
                owner_id=target["idNumber"],
                court_code="370602",
                case_number=target["caseNumber"],
                ruling_number="r",
                term_days=1,
                status="SUBMITTED",
                submitted_by="t",
                submitted_at=datetime.now(UTC),
                renewals=0,
                idempotency_key=uuid.uuid4().hex,
                payload_hash="h",
                updated_at=datetime.now(UTC),
            )
        )
        await conn.execute(
            insert(freeze_order_events).values(
                id=top + 5,
                order_id="FO-FEED-TEST",
                at=datetime.now(UTC),
                event="B",
                actor="t",
                detail="{}",
            )
        )
    assert await feed.poll() == 1
    # a row with a lower id becomes visible later (its transaction committed later)
    async with engine.begin() as conn:
        await conn.execute(
            insert(freeze_order_events).values(
                id=top + 2,
                order_id="FO-FEED-TEST",
                at=datetime.now(UTC),
                event="A",
                actor="t",
                detail="{}",
            )
        )
    assert await feed.poll() == 1
    assert await feed.poll() == 0
    if engine.dialect.name == "postgresql":  # the ids were chosen by hand: move the sequence on
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('freeze_order_events', 'id'),"
                    " (SELECT max(id) FROM freeze_order_events))"
                )
            )
    await asyncio.sleep(0)
    assert received == ["B", "A"]
    listener.cancel()
