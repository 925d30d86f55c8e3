"""The hub with every bank remote, over real HTTP on loopback: each bank its own service (`fyt
agency serve bank:<code>`'s app), with fault injection the tests switch while it serves; the
agencies stay embedded. The remote banks answer what the embedded ones do, and a dead or hanging
bank costs only its own entry of a profile's deposits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors import registry
from connectors.base.service import Faults, agency_app
from hub.config import Settings
from tests.conftest import Api, start_app
from tests.hub.test_deposits import DEPOSITS
from tests.servers import Served

HANG_TIMEOUT = 0.6  # seconds: the hanging bank's timeout in the hub under test
TIMEOUT = 5.0  # every other bank's: a refused connection fails long before it
BREAKER_FAILURES = 3
BREAKER_RESET = 5.0  # long enough to see the dead bank's breaker still open
DEAD, HANGING = "bank:103", "bank:313"


@pytest.fixture(scope="module")
async def banks(settings: Settings) -> AsyncIterator[dict[str, Served]]:
    served = {}
    for name in registry.banks():
        connector = registry.get(name)
        source = connector.embedded(settings.connectors[name].url)
        served[name] = Served(agency_app(connector, source, faults=Faults()))
        served[name].source = source  # type: ignore[attr-defined]
    for server in served.values():
        await server.start()
    try:
        yield served
    finally:
        for server in served.values():
            await server.stop()
            server.source.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
async def remote(
    settings: Settings, banks: dict[str, Served], tokens: dict[str, str]
) -> AsyncIterator[Api]:
    connectors = dict(settings.connectors)
    for name, server in banks.items():
        connectors[name] = connectors[name].replace(
            mode="remote",
            service_url=server.url,
            timeout=HANG_TIMEOUT if name == HANGING else TIMEOUT,
            retries=2,
            breaker_failures=BREAKER_FAILURES,
            breaker_reset=BREAKER_RESET,
        )
    app, lifespan = await start_app(settings.replace(connectors=connectors))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield Api(client, tokens["judge-zhang"])
    finally:
        await lifespan.__aexit__(None, None, None)


def codes(body: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (e["extensions"]["code"], e["extensions"].get("connector", ""))
        for e in body.get("errors", [])
    )


async def test_remote_banks_answer_the_embedded_deposits(
    api: Api, remote: Api, demo: dict[str, Any]
) -> None:
    for person in demo["samples"]["persons"]:
        variables = {"id": person["idNumber"], "case": person["caseNumber"]}
        embedded = await api.query(DEPOSITS, variables)
        over_http = await remote.query(DEPOSITS, variables)
        assert "errors" not in over_http, over_http["errors"]
        assert over_http == embedded


async def test_a_dead_bank_and_a_hanging_bank_cost_only_their_entries(
    banks: dict[str, Served], remote: Api, demo: dict[str, Any]
) -> None:
    person = demo["samples"]["persons"][0]
    variables = {"id": person["idNumber"], "case": person["caseNumber"]}
    dead, hanging = banks[DEAD], banks[HANGING]
    await remote.query(DEPOSITS, variables)  # warm
    # given one bank gone (its port refuses connections)
    await dead.stop()
    try:
        for _ in range(BREAKER_FAILURES):
            body = await remote.query(DEPOSITS, variables)
            assert codes(body) == [("CONNECTOR_UNAVAILABLE", DEAD)]
        # when another bank stops answering too (the dead one's breaker is open by now)
        hanging.app.state.faults.hang = True
        started = time.perf_counter()
        body = await remote.query(DEPOSITS, variables)
        seconds = time.perf_counter() - started
        # then the answer comes at the hanging bank's timeout (a margin for a busy machine),
        # with every other bank's entry
        assert seconds < HANG_TIMEOUT + 1.5
        deposits = body["data"]["person"]["assets"]["deposits"]
        answers = {e["bank"]: e["answer"] for e in deposits}
        assert answers.pop(DEAD) == "UNAVAILABLE"
        assert answers.pop(HANGING) == "TIMEOUT"
        assert set(answers.values()) == {"ANSWERED"}
        assert codes(body) == [("CONNECTOR_TIMEOUT", HANGING), ("CONNECTOR_UNAVAILABLE", DEAD)]
        # and the dead bank was refused at once by its breaker, opened after its threshold
        message = next(e["message"] for e in body["errors"] if e["extensions"]["connector"] == DEAD)
        assert "circuit breaker open" in message
    finally:
        hanging.app.state.faults.hang = False
        await dead.start()
    await asyncio.sleep(0)  # the breaker stays open until its reset: later tests use no bank


async def test_a_round_reads_a_remote_banks_batched_answer_past_its_look_up_timeout(
    settings: Settings, banks: dict[str, Served]
) -> None:
    from datetime import UTC, datetime, timedelta

    from hub.inquiries import workflow
    from tests.hub.test_deposit_inquiry_rounds import cleanup, filed, rows_of

    # given a remote bank with a 0.3 s look-up timeout that answers 0.8 s late, and a 查控 round
    # call timeout of 5 s
    slow = "bank:104"
    connectors = dict(settings.connectors)
    connectors[slow] = connectors[slow].replace(
        mode="remote", service_url=banks[slow].url, timeout=0.3, retries=0
    )
    app, lifespan = await start_app(
        settings.replace(connectors=connectors, inquiry_call_timeout=5.0)
    )
    runtime = app.state.runtime
    banks[slow].app.state.faults.latency_ms = 800
    at = datetime.now(UTC)
    inquiry = await filed(runtime.engine, 20, 9300, at, [slow])
    try:
        # when a round asks it through the look-ups' client, then the client gives up (its
        # reads are bounded by the look-up timeout)
        ask = workflow.asker(runtime.sources, runtime.guards, 5.0)
        await workflow.run_round(runtime.engine, runtime.audit, ask, at=at)
        row = (await rows_of(runtime.engine, inquiry))[slow]
        assert (row["state"], row["last_error"]) == ("PENDING", "CONNECTOR_TIMEOUT")
        # when the rounds' own sources ask it (as the InquiryWorker does), then its answer is
        # recorded
        ask = workflow.asker(runtime.round_sources, runtime.guards, 5.0)
        await workflow.run_round(runtime.engine, runtime.audit, ask, at=at + timedelta(seconds=5))
        row = (await rows_of(runtime.engine, inquiry))[slow]
        assert row["state"] == "ANSWERED"
        assert runtime.round_sources[slow] is not runtime.sources[slow]
    finally:
        banks[slow].app.state.faults.latency_ms = 0
        await cleanup(runtime.engine, [inquiry])
        await lifespan.__aexit__(None, None, None)
