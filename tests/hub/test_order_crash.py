"""A worker process killed in the middle of a delivery loses nothing and does nothing twice.

The worker runs as a real ``fyt worker`` process. A wrapper makes it die with ``os._exit`` (no
rollback, no clean-up, like SIGKILL) right after it has applied an order inside its open
transaction; a second, ordinary worker started afterwards must deliver that order exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.config import Settings
from hub.orders.models import freeze_order_events, freeze_orders, outbox
from tests.conftest import Api

SUBMIT = """mutation($input: FreezeOrderSubmitInput!) { freezeOrderSubmit(input: $input) {
  order { id status } errors { code message } } }"""
ACCEPT = """mutation($id: String!, $r: ReceiptInput!) { freezeOrderAccept(id: $id, receipt: $r) {
  order { id status rank receiptNumber } errors { code message } } }"""
RELEASE = """mutation($id: String!, $input: FreezeOrderReleaseInput!) {
  freezeOrderRelease(id: $id, input: $input) { order { id status } errors { code message } } }"""

# Runs `fyt worker` with one step replaced by a version that dies after doing its work.
CRASHING_WORKER = """
import os, sys
from hub.orders import service, worker
from hub import cli

target, step = sys.argv[1], sys.argv[2]
if step == "deliver":
    real = service.deliver
    async def deliver(conn, order_id, *, now):
        out = await real(conn, order_id, now=now)
        if order_id == target:
            os._exit(137)  # the order is applied in the open transaction, which never commits
        return out
    service.deliver = deliver
else:
    real = worker._annotate
    async def annotate(conn, order_id, sources):
        await real(conn, order_id, sources)
        if order_id == target:
            os._exit(137)  # the agency has the annotation; the hub never learns it was sent
    worker._annotate = annotate
cli.main(["worker", "--interval", "0.1"], prog_name="fyt")
"""


def worker_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_POLICY_DIR": str(settings.policy_dir),
    }


async def crashing_worker(settings: Settings, order_id: str, step: str) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASHING_WORKER,
        order_id,
        step,
        env=worker_env(settings),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with asyncio.timeout(120):
        return await proc.wait()


async def with_worker(settings: Settings, until: Any, seconds: float = 60) -> None:
    """Run an ordinary `fyt worker` process until ``until()`` holds, then stop it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hub.cli",
        "worker",
        "--interval",
        "0.1",
        env=worker_env(settings),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + seconds
        while not await until():
            if proc.returncode is not None:
                raise AssertionError((await proc.stderr.read()).decode())  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the restarted worker did not catch up"
            await asyncio.sleep(0.1)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(20):
                    await proc.communicate()
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def count_events(app: Any, order_id: str, event: str) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return (
            await conn.execute(
                select(func.count())
                .select_from(freeze_order_events)
                .where(
                    freeze_order_events.c.order_id == order_id, freeze_order_events.c.event == event
                )
            )
        ).scalar()


async def outbox_open(app: Any, order_id: str, action: str) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return (
            await conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(
                    outbox.c.order_id == order_id,
                    outbox.c.action == action,
                    outbox.c.done_at.is_(None),
                )
            )
        ).scalar()


async def status_of(app: Any, order_id: str) -> str:
    async with app.state.runtime.engine.connect() as conn:
        return (
            await conn.execute(select(freeze_orders.c.status).where(freeze_orders.c.id == order_id))
        ).scalar()


@pytest.mark.usefixtures("target_line_answered")
async def test_a_worker_killed_mid_delivery_loses_nothing_and_delivers_once(
    api: Api, app: Any, tokens: dict[str, str], settings: Settings, target: dict[str, str]
) -> None:
    # given an order written with its outbox row
    body = await api.query(
        SUBMIT,
        {
            "input": {
                "kind": "SEIZE",
                "asset": {"type": "REAL_ESTATE", "id": target["unit"]},
                "caseNumber": target["caseNumber"],
                "rulingNumber": target["caseNumber"] + "之一",
                "idempotencyKey": uuid.uuid4().hex,
            }
        },
    )
    order_id = body["data"]["freezeOrderSubmit"]["order"]["id"]
    # when the worker process dies after applying it, before committing
    assert await crashing_worker(settings, order_id, "deliver") == 137
    # then nothing of the half-done delivery remains, and the order still waits in the outbox
    assert await status_of(app, order_id) == "SUBMITTED"
    assert await count_events(app, order_id, "DELIVERED") == 0
    assert await outbox_open(app, order_id, "DELIVER") == 1

    # when a worker is started again, it delivers the order exactly once
    async def delivered() -> bool:
        return await outbox_open(app, order_id, "DELIVER") == 0

    await with_worker(settings, delivered)
    assert await status_of(app, order_id) == "DELIVERED"
    assert await count_events(app, order_id, "DELIVERED") == 1

    # and a worker killed after the agency registered the annotation, before the hub noted it,
    # makes the restarted worker send it again, which leaves one annotation at the agency
    receipt = {
        "documentNumber": f"回执{uuid.uuid4().hex[:8]}",
        "registeredAt": datetime.now(UTC).isoformat(),
    }
    body = await api.query(ACCEPT, {"id": order_id, "r": receipt}, token=tokens["registry-wang"])
    assert body["data"]["freezeOrderAccept"]["errors"] == [], body
    assert await crashing_worker(settings, order_id, "annotate") == 137
    assert await outbox_open(app, order_id, "ANNOTATE") == 1

    async def annotated() -> bool:
        return await outbox_open(app, order_id, "ANNOTATE") == 0

    await with_worker(settings, annotated)
    from connectors.real_estate.models import seizures

    with app.state.runtime.sources["real_estate"].engine.connect() as conn:
        rows = conn.execute(
            select(seizures.c.document_number).where(seizures.c.order_id == order_id)
        ).all()
    assert rows == [(receipt["documentNumber"],)]
    body = await api.query(
        RELEASE,
        {
            "id": order_id,
            "input": {"rulingNumber": target["caseNumber"] + "之二", "reason": "测试结束"},
        },
    )
    assert body["data"]["freezeOrderRelease"]["errors"] == [], body
