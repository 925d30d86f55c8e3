"""The hub with remote connectors, over real HTTP on loopback: agency services it reaches with
``_entities``, and what it does when one is slow, failing or gone.

Each agency runs as its own HTTP service (`fyt agency serve`'s app) on a loopback port, with
fault injection the tests switch while it serves. The hub is configured remote for all four
(the banks over HTTP: tests/hub/test_remote_banks.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from connectors import registry
from connectors.base.service import Faults, agency_app
from connectors.public_security import models as ps
from hub.cases.models import cases
from hub.config import Settings
from tests.conftest import Api, add_case, start_app
from tests.hub.queries import PERSON_FULL
from tests.servers import Served

TIMEOUT = 0.6  # seconds per look-up in the remote hub under test
BREAKER_FAILURES = 3
BREAKER_RESET = 3.0  # long enough that the open breaker is still open when /readyz and /metrics are read


class Recorder:
    """ASGI wrapper keeping the GraphQL documents an agency service receives."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.queries: list[str] = []
        self.state = app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        self.queries.append(json.loads(body)["query"])
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@pytest.fixture(scope="module")
async def agencies(settings: Settings) -> AsyncIterator[dict[str, Served]]:
    served = {}
    for name in registry.names():
        connector = registry.get(name)
        source = connector.embedded(settings.connectors[name].url)
        served[name] = Served(Recorder(agency_app(connector, source, faults=Faults())))
        served[name].source = source  # type: ignore[attr-defined]
    for server in served.values():
        await server.start()
    try:
        yield served
    finally:
        for server in served.values():
            await server.stop()
            server.source.close()  # type: ignore[attr-defined]


def faults(server: Served) -> Faults:
    return server.app.state.faults  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def healthy(agencies: dict[str, Served]) -> None:
    for server in agencies.values():
        f = faults(server)
        f.latency_ms, f.error_rate, f.hang, f.fail_next = 0.0, 0.0, False, 0


def remote_settings(settings: Settings, agencies: dict[str, Served]) -> Settings:
    connectors = {
        name: conf.replace(
            mode="remote",
            service_url=agencies[name].url,
            timeout=TIMEOUT,
            retries=2,
            breaker_failures=BREAKER_FAILURES,
            breaker_reset=BREAKER_RESET,
        )
        for name, conf in settings.connectors.items()
        if name in agencies
    }
    return settings.replace(connectors={**settings.connectors, **connectors})


@pytest.fixture(scope="module")
async def remote_app(settings: Settings, agencies: dict[str, Served]) -> AsyncIterator[Any]:
    app, lifespan = await start_app(remote_settings(settings, agencies))
    try:
        yield app
    finally:
        await lifespan.__aexit__(None, None, None)


@pytest.fixture(scope="module")
async def remote(remote_app: Any, tokens: dict[str, str]) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=remote_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield Api(client, tokens["judge-zhang"])


def codes(body: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (e["extensions"]["code"], e["extensions"].get("connector", ""))
        for e in body.get("errors", [])
    )


async def warm_up(api: Api, persons: list[dict[str, str]]) -> None:
    """The same profiles once with every agency well, so that a timing below is not a cold
    app's (its first requests compile the caller's policy table, open the agencies'
    connections, and so on): what those tests bound is the wait for the agency at fault."""
    for body, _ in await asyncio.gather(*(profile(api, p) for p in persons)):
        assert "errors" not in body, body["errors"]


async def profile(api: Api, person: dict[str, str]) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    body = await api.query(PERSON_FULL, {"id": person["idNumber"], "case": person["caseNumber"]})
    return body, time.perf_counter() - started


async def test_a_remote_profile_is_the_embedded_profile(
    api: Api, remote: Api, demo: dict[str, Any]
) -> None:
    for person in demo["samples"]["persons"]:
        embedded, _ = await profile(api, person)
        over_http, _ = await profile(remote, person)
        assert "errors" not in over_http, over_http["errors"]
        assert over_http == embedded


async def test_only_fields_the_caller_may_see_go_over_the_wire(
    agencies: dict[str, Served], remote: Api, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    recorder: Recorder = agencies["public_security"].app  # type: ignore[assignment]
    person = demo["samples"]["persons"][0]
    query = "query($id: String!) { person(idNumber: $id) { identity { name phone gender } } }"
    # given a registry officer, who may see a person's name but not their phone or gender
    recorder.queries.clear()
    body = await remote.query(query, {"id": person["idNumber"]}, token=tokens["registry-wang"])
    identity = body["data"]["person"]["identity"]
    assert identity["name"] is not None and identity["phone"] is None
    # then public security was asked for the name (and the ID number records link by) only
    (sent,) = [q for q in recorder.queries if "identity" in q]
    assert "name" in sent and "idNumber" in sent
    for denied in ("phone", "gender", "registeredAddress", "birthDate"):
        assert denied not in sent, sent
    # while the judge, who may see everything of a party, has every field fetched
    recorder.queries.clear()
    await remote.query(
        query.replace("$id: String!", "$id: String!, $case: String").replace(
            "person(idNumber: $id)", "person(idNumber: $id, caseNumber: $case)"
        ),
        {"id": person["idNumber"], "case": person["caseNumber"]},
    )
    (sent,) = [q for q in recorder.queries if "identity" in q]
    for field in ("phone", "gender", "registeredAddress", "birthDate"):
        assert field in sent, sent


async def test_one_http_request_per_agency_for_a_full_profile(
    agencies: dict[str, Served], remote: Api, demo: dict[str, Any]
) -> None:
    for server in agencies.values():
        server.app.queries.clear()  # type: ignore[attr-defined]
    await profile(remote, demo["samples"]["persons"][1])
    sent = {name: len(server.app.queries) for name, server in agencies.items()}  # type: ignore[attr-defined]
    # look-ups of the same wave travel together: public security once for the existence check
    # that comes first, once for identity and vehicles; references (a stake's enterprise) add one
    assert sent["public_security"] == 2
    assert sent["social_security"] == 1
    assert sent["real_estate"] == 1
    assert 1 <= sent["market_supervision"] <= 2


async def test_a_slow_agency_costs_only_its_own_fields_and_its_timeout(
    agencies: dict[str, Served], remote: Api, demo: dict[str, Any]
) -> None:
    # given the real-estate registry answering after 3 s (the hub waits 0.6 s)
    await warm_up(remote, [demo["samples"]["persons"][2]])
    faults(agencies["real_estate"]).latency_ms = 3000
    body, seconds = await profile(remote, demo["samples"]["persons"][2])
    # then the answer comes at the timeout, with every other agency's fields there
    assert seconds < TIMEOUT + 0.5
    person = body["data"]["person"]
    assert person["assets"]["realEstates"] is None
    assert person["identity"]["name"] is not None
    assert person["insurance"]["records"]
    assert ("CONNECTOR_TIMEOUT", "real_estate") in codes(body)
    assert {c for c, _ in codes(body)} == {"CONNECTOR_TIMEOUT"}


async def test_a_passing_glitch_is_retried(
    agencies: dict[str, Served], remote: Api, demo: dict[str, Any]
) -> None:
    # given social security failing its next request only
    faults(agencies["social_security"]).fail_next = 1
    body, _ = await profile(remote, demo["samples"]["persons"][3])
    # then the hub tried again and the answer is complete
    assert "errors" not in body, body["errors"]
    assert faults(agencies["social_security"]).fail_next == 0
    assert body["data"]["person"]["insurance"]["records"]


async def test_a_dead_agency_opens_its_breaker_and_is_found_again(
    agencies: dict[str, Served], remote: Api, remote_app: Any, demo: dict[str, Any]
) -> None:
    persons = demo["samples"]["persons"]
    server = agencies["social_security"]
    transport = httpx.ASGITransport(app=remote_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as probe:
        # given social security goes away (its port refuses connections)
        await server.stop()
        try:
            for i in range(BREAKER_FAILURES):
                body, _ = await profile(remote, persons[i % len(persons)])
                assert ("CONNECTOR_UNAVAILABLE", "social_security") in codes(body)
            # then the breaker is open: the hub answers from the others at once
            body, seconds = await profile(remote, persons[0])
            assert seconds < 0.25
            assert body["data"]["person"]["identity"]["name"] is not None
            assert body["data"]["person"]["insurance"]["records"] is None
            message = next(
                e["message"]
                for e in body["errors"]
                if e["extensions"].get("connector") == "social_security"
            )
            assert "circuit breaker open" in message
            ready = (await probe.get("/readyz")).json()
            assert ready["status"] == "degraded"
            assert ready["connectors"]["social_security"]["breaker"] == "OPEN"
            assert ready["connectors"]["social_security"]["ok"] is False
            assert ready["connectors"]["public_security"]["ok"] is True
            metrics = (await probe.get("/metrics")).text
            assert 'hub_connector_breaker_state{connector="social_security"} 2.0' in metrics
            assert (
                'hub_connector_errors_total{code="CIRCUIT_OPEN",connector="social_security"}'
                in metrics
            )
        finally:
            # when it comes back on the same port
            await server.start()
        await asyncio.sleep(BREAKER_RESET + 0.1)
        # then the next look-up is the one probe let through (its siblings of the same moment
        # are still refused), and its success closes the breaker for everyone after it
        body, _ = await profile(remote, persons[0])
        probed = [k for k, v in body["data"]["person"]["insurance"].items() if v is not None] + (
            ["qualifications"] if body["data"]["person"]["qualifications"] is not None else []
        )
        assert len(probed) >= 1
        body, _ = await profile(remote, persons[1])
        assert "errors" not in body, body.get("errors")
        assert body["data"]["person"]["insurance"]["records"]
        ready = (await probe.get("/readyz")).json()
        assert ready["status"] == "ready"
        assert ready["connectors"]["social_security"]["breaker"] == "CLOSED"


async def test_a_hanging_agency_times_out_without_holding_the_others(
    agencies: dict[str, Served], remote: Api, demo: dict[str, Any]
) -> None:
    persons = demo["samples"]["persons"][:3]
    await warm_up(remote, persons)
    faults(agencies["market_supervision"]).hang = True
    bodies = await asyncio.gather(*(profile(remote, p) for p in persons))
    for body, seconds in bodies:
        assert seconds < TIMEOUT + 0.5
        assert {c for c, name in codes(body) if name != "market_supervision"} == set()
        assert body["data"]["person"]["identity"]["name"] is not None


async def test_the_worker_annotates_through_the_agency_service(
    agencies: dict[str, Served], remote_app: Any
) -> None:
    from datetime import date

    from sqlalchemy import select

    from connectors.base.annotations import Annotation
    from connectors.public_security.models import vehicle_seizures, vehicles

    source = remote_app.state.runtime.sources["public_security"]
    db = agencies["public_security"].source  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        plate, status = conn.execute(
            select(vehicles.c.plate, vehicles.c.status).where(vehicles.c.status == "NORMAL")
        ).first()
    base = dict(
        order_id="FO-REMOTE-TEST",
        asset_id=plate,
        kind="SEIZE",
        court="烟台市芝罘区人民法院",
        case_number="（2026）鲁0602执1号",
        document_number="回执",
        rank=1,
        start_date=date.today(),
        end_date=None,
    )
    await source.annotate(Annotation(**base, status="EFFECTIVE"))
    with db.engine.connect() as conn:
        assert (
            conn.execute(select(vehicles.c.status).where(vehicles.c.plate == plate)).scalar()
            == "SEIZED"
        )
    await source.annotate(Annotation(**base, status="RELEASED"))
    with db.engine.connect() as conn:
        assert (
            conn.execute(select(vehicles.c.status).where(vehicles.c.plate == plate)).scalar()
            == status
        )
        assert (
            conn.execute(
                select(vehicle_seizures.c.status).where(
                    vehicle_seizures.c.order_id == "FO-REMOTE-TEST"
                )
            ).scalar()
            == "RELEASED"
        )
    # an asset the agency does not hold is refused as such, not as an outage
    with pytest.raises(LookupError, match="no-such-plate"):
        await source.annotate(
            Annotation(**{**base, "asset_id": "no-such-plate"}, status="EFFECTIVE")
        )


HOLDINGS = """query($id: String!) {
  policeRequest(id: $id) { id holdings { category at place detail } }
}"""
LOCATE = """mutation($input: PoliceRequestFileInput!) {
  policeRequestFile(input: $input) { request { id } errors { code message } }
}"""


async def test_public_securitys_holdings_come_whole_over_the_wire(
    app: Any,
    api: Api,
    remote: Api,
    agencies: dict[str, Served],
    tokens: dict[str, str],
    demo: dict[str, Any],
) -> None:
    # given a 查人 request for a person public security holds stays and vehicle passages of
    with app.state.runtime.sources["public_security"].engine.connect() as conn:
        person = conn.execute(
            select(ps.accommodations.c.id_number)
            .join(ps.vehicles, ps.vehicles.c.owner_id == ps.accommodations.c.id_number)
            .join(ps.passages, ps.passages.c.plate == ps.vehicles.c.plate)
            .limit(1)
        ).scalar_one()
    applicant = demo["samples"]["enterprises"][0]
    number = await add_case(
        app,
        [
            ("申请执行人", "ENTERPRISE", applicant["uscc"], applicant["name"]),
            ("被执行人", "PERSON", person, "测试被执行人"),
        ],
    )
    try:
        filed = await api.query(
            LOCATE,
            {
                "input": {
                    "kind": "LOCATE",
                    "caseNumber": number,
                    "subject": person,
                    "rulingNumber": "（2026）鲁0602执1号之一",
                    "reason": "被执行人下落不明",
                    "validUntil": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
                }
            },
            token=tokens["judge-zhang"],
        )
        request_id = filed["data"]["policeRequestFile"]["request"]["id"]
        recorder: Recorder = agencies["public_security"].app  # type: ignore[assignment]
        recorder.queries.clear()
        # when public security's officer reads what it holds, embedded and over the wire
        police = tokens["police-chen"]
        embedded = await api.query(HOLDINGS, {"id": request_id}, token=police)
        over_http = await remote.query(HOLDINGS, {"id": request_id}, token=police)
        # then both read the same records, every field of them requested from the agency
        assert "errors" not in over_http, over_http["errors"]
        assert over_http == embedded
        holdings = over_http["data"]["policeRequest"]["holdings"]
        assert {h["category"] for h in holdings} >= {"ACCOMMODATION", "CHECKPOINT"}
        sent = " ".join(recorder.queries)
        for field in ("hotel", "checkIn", "checkpoint", "passedAt"):
            assert field in sent, sent
    finally:
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(
                update(cases).where(cases.c.case_number == number).values(status="CLOSED")
            )
