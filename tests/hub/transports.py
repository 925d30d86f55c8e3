"""The ways a GraphQL document reaches the hub, and the audit entries a request leaves behind.

- :func:`single` — one operation per HTTP POST;
- :func:`batch` — several operations in one HTTP POST (a JSON array; one answer each);
- :func:`over_websocket` — graphql-transport-ws on /graphql: ``connection_init`` with the bearer
  token, then one ``subscribe`` per operation (queries too), each answered by ``next`` messages
  and ``complete``. It runs through the app's ASGI interface in the test's event loop, like
  tests/hub/test_sanction_feed.py.

Audit entries are found by id: :func:`audit_mark` before the request, :func:`audit_since` after
it, so the check does not depend on how a transport names its request ids.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from hub.audit.models import audit_entries
from tests.servers import graphql_ws_scope

Operation = tuple[str, dict[str, Any]]  # (document, variables)


async def single(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": uuid.uuid4().hex},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def batch(
    client: httpx.AsyncClient, token: str, operations: list[Operation]
) -> list[dict[str, Any]]:
    response = await client.post(
        "/graphql",
        json=[{"query": q, "variables": v} for q, v in operations],
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": uuid.uuid4().hex},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list) and len(body) == len(operations), body
    return body  # type: ignore[no-any-return]


class WebSocketClosed(AssertionError):
    pass


async def over_websocket(
    app: Any, token: str, operations: list[Operation], *, wait: float = 10.0
) -> list[dict[str, Any]]:
    """Each operation's result (the payload of its single ``next`` message, or of ``error``),
    sent one after the other on one connection."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def say(message: dict[str, Any]) -> None:
        inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(message)})

    async def hear() -> dict[str, Any]:
        while True:
            message = await asyncio.wait_for(outbox.get(), wait)
            if message["type"] == "websocket.send":
                return json.loads(message.get("text") or message["bytes"])  # type: ignore[no-any-return]
            if message["type"] == "websocket.close":
                raise WebSocketClosed(f"the hub closed the websocket: {message}")
            assert message["type"] == "websocket.accept", message

    async def send(message: dict[str, Any]) -> None:
        outbox.put_nowait(message)

    inbox.put_nowait({"type": "websocket.connect"})
    session = asyncio.ensure_future(app(graphql_ws_scope(app), inbox.get, send))
    results: list[dict[str, Any]] = []
    try:
        say({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        ack = await hear()
        assert ack["type"] == "connection_ack", ack
        for n, (query, variables) in enumerate(operations):
            op_id = f"op{n}"
            say(
                {
                    "id": op_id,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables},
                }
            )
            payloads = []
            while True:
                message = await hear()
                if message.get("type") == "ping":
                    say({"type": "pong"})
                    continue
                assert message.get("id") == op_id, message
                if message["type"] == "next":
                    payloads.append(message["payload"])
                elif message["type"] == "error":
                    payloads.append({"data": None, "errors": message["payload"]})
                    break
                elif message["type"] == "complete":
                    break
            assert len(payloads) == 1, f"expected one result for a query, got {payloads}"
            results.append(payloads[0])
    finally:
        inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(session, wait)
    return results


# --- audit entries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """An audit entry with its contents decrypted (the subject id in clear)."""

    id: int
    request_id: str
    user_id: str
    action: str
    subject_kind: str | None
    subject: str | None
    case_number: str | None
    outcome: str
    granted: tuple[str, ...]
    masked: tuple[str, ...]
    denied: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


async def audit_mark(app: Any) -> int:
    """The id of the newest audit entry (entries of a later request have larger ids)."""
    async with app.state.runtime.engine.connect() as conn:
        return int((await conn.execute(select(func.max(audit_entries.c.id)))).scalar() or 0)


async def audit_since(app: Any, mark: int, user_id: str) -> list[Entry]:
    """The entries written for ``user_id`` after ``mark``, oldest first."""
    keys = app.state.runtime.audit.keys
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_entries)
                .where(audit_entries.c.id > mark, audit_entries.c.user_id == user_id)
                .order_by(audit_entries.c.id)
            )
        ).all()
    out = []
    for r in rows:
        content = json.loads(r.content) if r.content else {}
        fields = content.get("fields") or {}
        subject = content.get("subject")
        out.append(
            Entry(
                id=r.id,
                request_id=r.request_id,
                user_id=r.user_id,
                action=r.action,
                subject_kind=r.subject_kind,
                subject=keys.decrypt(subject) if subject else None,
                case_number=r.case_number,
                outcome=r.outcome,
                granted=tuple(fields.get("granted", ())),
                masked=tuple(fields.get("masked", ())),
                denied=tuple(fields.get("denied", ())),
                detail=content.get("detail") or {},
            )
        )
    return out


async def subscription(
    app: Any,
    token: str,
    query: str,
    variables: dict[str, Any],
    *,
    wait: float = 10.0,
    idle: float = 3.0,
) -> list[dict[str, Any]]:
    """Every result of one subscription (the payload of each ``next`` message, or of ``error``)
    until the hub completes it, on a connection of its own; a stream still open ``idle`` seconds
    after its last result is ended by the client (what it sent is returned)."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def say(message: dict[str, Any]) -> None:
        inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(message)})

    async def send(message: dict[str, Any]) -> None:
        outbox.put_nowait(message)

    async def hear() -> dict[str, Any]:
        while True:
            message = await asyncio.wait_for(outbox.get(), wait)
            if message["type"] == "websocket.send":
                return json.loads(message.get("text") or message["bytes"])  # type: ignore[no-any-return]
            if message["type"] == "websocket.close":
                raise WebSocketClosed(f"the hub closed the websocket: {message}")
            assert message["type"] == "websocket.accept", message

    inbox.put_nowait({"type": "websocket.connect"})
    session = asyncio.ensure_future(app(graphql_ws_scope(app), inbox.get, send))
    payloads: list[dict[str, Any]] = []
    try:
        say({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        ack = await hear()
        assert ack["type"] == "connection_ack", ack
        say({"id": "s", "type": "subscribe", "payload": {"query": query, "variables": variables}})
        while True:
            try:
                message = await asyncio.wait_for(hear(), idle if payloads else wait)
            except TimeoutError:
                if not payloads:
                    raise
                say({"id": "s", "type": "complete"})
                break
            if message.get("type") == "ping":
                say({"type": "pong"})
                continue
            assert message.get("id") == "s", message
            if message["type"] == "next":
                payloads.append(message["payload"])
            elif message["type"] == "error":
                payloads.append({"data": None, "errors": message["payload"]})
                break
            elif message["type"] == "complete":
                break
    finally:
        inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(session, wait)
    return payloads
