"""An agency's own service (``fyt agency serve``): routes, bearer token, fault injection, the CLI."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, delete, func, select, update

from connectors import registry
from connectors.base.annotations import Annotation
from connectors.base.identifiers import validate_id_number
from connectors.base.service import Faults, agency_app
from connectors.public_security import models as ps
from hub.cli import main
from hub.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "schema" / "subgraphs"
SDL = {"query": "{ _service { sdl } }"}
OK = {"query": "{ ok }"}
PERSON = "query($id: String!) { person(idNumber: $id) { idNumber } }"
TEST_ORDER = "svc-test-order-0001"
UNKNOWN_PLATE = "鲁Z0000测"
AGENCY_ENV = ("AGENCY_LATENCY_MS", "AGENCY_ERROR_RATE", "AGENCY_HANG", "AGENCY_TOKEN")


@asynccontextmanager
async def client_of(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agency.test") as client:
        yield client


def service(sources: dict[str, Any], name: str = "public_security", **kw: Any) -> Any:
    return agency_app(registry.get(name), sources[name], **kw)


def committed_sdl(name: str) -> str:
    return (SCHEMA_DIR / f"{name}.graphql").read_text(encoding="utf-8").strip()


def annotation(plate: str, status: str = "EFFECTIVE", **changes: Any) -> dict[str, Any]:
    return (
        Annotation(
            order_id=TEST_ORDER,
            asset_id=plate,
            kind="SEIZE",
            court="山东省烟台市芝罘区人民法院",
            case_number="(2026)鲁0602执1号",
            document_number="GA-HZ-2026-0001",
            rank=1,
            status=status,
            start_date=date(2026, 1, 5),
            end_date=date(2027, 1, 4),
        ).to_json()
        | changes
    )


def vehicle_state(engine: Engine, plate: str) -> tuple[str, str | None, int]:
    """The vehicle's status, the status a seizure replaced, and its annotation rows."""
    with engine.connect() as conn:
        status, before = conn.execute(
            select(ps.vehicles.c.status, ps.vehicles.c.status_before_seizure).where(
                ps.vehicles.c.plate == plate
            )
        ).one()
        rows = conn.execute(
            select(func.count())
            .select_from(ps.vehicle_seizures)
            .where(ps.vehicle_seizures.c.plate == plate)
        ).scalar_one()
    return status, before, rows


@pytest.fixture(scope="module")
def plate(databases: dict[str, Engine]) -> str:
    """A NORMAL vehicle no court measure was ever registered on."""
    engine = databases["public_security"]
    with engine.connect() as conn:
        found = conn.execute(
            select(ps.vehicles.c.plate)
            .where(
                ps.vehicles.c.status == "NORMAL",
                ps.vehicles.c.plate.not_in(select(ps.vehicle_seizures.c.plate)),
            )
            .order_by(ps.vehicles.c.plate)
            .limit(1)
        ).scalar_one()
        assert (
            conn.execute(
                select(func.count()).where(ps.vehicles.c.plate == UNKNOWN_PLATE)
            ).scalar_one()
            == 0
        )
    return str(found)


@pytest.fixture
def remove_test_order(databases: dict[str, Engine], plate: str) -> Any:
    """Leave the public security database as it was: no annotation row of the test's order, the
    vehicle's status as before (whatever the test did)."""
    engine = databases["public_security"]
    before = vehicle_state(engine, plate)
    yield
    with engine.begin() as conn:
        conn.execute(
            delete(ps.vehicle_seizures).where(ps.vehicle_seizures.c.order_id == TEST_ORDER)
        )
        conn.execute(
            update(ps.vehicles)
            .where(ps.vehicles.c.plate == plate)
            .values(status=before[0], status_before_seizure=before[1])
        )
    assert vehicle_state(engine, plate) == before


# --- routes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", registry.names())
async def test_service_sdl_over_http_is_the_committed_file(
    name: str, sources: dict[str, Any]
) -> None:
    # given the agency's service
    async with client_of(service(sources, name)) as client:
        # when
        response = await client.post("/graphql", json=SDL)
    # then
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body
    assert body["data"]["_service"]["sdl"].strip() == committed_sdl(name)


@pytest.mark.parametrize("name", registry.banks())
async def test_every_bank_serves_the_one_committed_bank_sdl(
    name: str, sources: dict[str, Any]
) -> None:
    # given a bank's service
    async with client_of(service(sources, name)) as client:
        # when
        response = await client.post("/graphql", json=SDL)
        health = (await client.get("/healthz")).json()
    # then it serves the kind's SDL (schema/subgraphs/bank.graphql) and names itself
    assert response.status_code == 200, response.text
    assert response.json()["data"]["_service"]["sdl"].strip() == committed_sdl("bank")
    assert health == {"status": "ok", "connector": name}


@pytest.mark.parametrize("name", registry.names())
async def test_person_entry_point_answers_a_stub_for_a_valid_id_number_and_null_otherwise(
    name: str, sources: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given a registered ID number
    with databases["public_security"].connect() as conn:
        id_number = conn.execute(
            select(ps.residents.c.id_number).order_by(ps.residents.c.id_number).limit(1)
        ).scalar_one()
    assert validate_id_number(id_number) == id_number
    async with client_of(service(sources, name)) as client:
        # when it is asked for, and then a malformed one and one with a wrong check digit
        valid = await client.post(
            "/graphql", json={"query": PERSON, "variables": {"id": id_number}}
        )
        wrong_check = id_number[:-1] + ("1" if id_number[-1] != "1" else "2")
        invalid = [
            await client.post("/graphql", json={"query": PERSON, "variables": {"id": bad}})
            for bad in ("123", wrong_check)
        ]
    # then a stub carrying the ID number; null for the invalid ones, without an error
    assert valid.status_code == 200
    assert valid.json() == {"data": {"person": {"idNumber": id_number}}}
    for response in invalid:
        assert response.status_code == 200
        assert response.json() == {"data": {"person": None}}


@pytest.mark.parametrize("name", registry.names())
async def test_healthz_names_the_connector(name: str, sources: dict[str, Any]) -> None:
    # given a service that requires a token (the health probe does not)
    async with client_of(service(sources, name, token="s3cret")) as client:
        # when
        response = await client.get("/healthz")
    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "connector": name}


async def test_graphql_only_answers_post(sources: dict[str, Any]) -> None:
    async with client_of(service(sources)) as client:
        response = await client.get("/graphql", params={"query": "{ ok }"})
    assert response.status_code == 405


# --- bearer token ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", "Bearer s3cret2", "Bearer s3cre", "s3cret", "bearer s3cret", "Bearer "],
)
async def test_a_request_without_the_right_bearer_token_is_refused(
    sources: dict[str, Any], databases: dict[str, Engine], plate: str, authorization: str | None
) -> None:
    # given a service requiring the token s3cret
    headers = {"Authorization": authorization} if authorization is not None else {}
    before = vehicle_state(databases["public_security"], plate)
    async with client_of(service(sources, token="s3cret")) as client:
        # when
        graphql = await client.post("/graphql", json=OK, headers=headers)
        annotations = await client.post("/annotations", json=annotation(plate), headers=headers)
    # then both routes refuse with a JSON error, and nothing was written
    for response in (graphql, annotations):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"error": "a valid bearer token is required"}
    assert vehicle_state(databases["public_security"], plate) == before


async def test_the_right_bearer_token_is_accepted_on_both_routes(
    sources: dict[str, Any], databases: dict[str, Engine], plate: str, remove_test_order: None
) -> None:
    # given a service requiring the token s3cret
    headers = {"Authorization": "Bearer s3cret"}
    async with client_of(service(sources, token="s3cret")) as client:
        # when a query and a (released, so harmless) annotation are sent with it
        graphql = await client.post("/graphql", json=OK, headers=headers)
        annotations = await client.post(
            "/annotations", json=annotation(plate, "RELEASED"), headers=headers
        )
    # then both are served
    assert graphql.status_code == 200
    assert graphql.json() == {"data": {"ok": True}}
    assert annotations.status_code == 200, annotations.text
    assert annotations.json() == {"ok": True, "orderId": TEST_ORDER}
    status, before, rows = vehicle_state(databases["public_security"], plate)
    assert (status, before, rows) == ("NORMAL", None, 1)


async def test_without_a_token_configured_no_header_is_needed(sources: dict[str, Any]) -> None:
    async with client_of(service(sources)) as client:
        response = await client.post("/graphql", json=OK)
    assert response.json() == {"data": {"ok": True}}


# --- metrics ---------------------------------------------------------------------------------


def requests_counted(text: str) -> dict[tuple[str, str], float]:
    """``agency_http_requests_total`` by (route, status), read from a /metrics text."""
    out = {}
    for line in text.splitlines():
        if line.startswith("agency_http_requests_total{"):
            labels, value = line.rsplit(" ", 1)
            route = labels.split('route="', 1)[1].split('"', 1)[0]
            status = labels.split('status="', 1)[1].split('"', 1)[0]
            out[(route, status)] = float(value)
    return out


async def test_metrics_count_the_requests_answered_by_route_and_status(
    sources: dict[str, Any],
) -> None:
    # given a bank's service, its next answer on /graphql failed on purpose
    app = service(sources, "bank:102")
    app.state.faults.fail_next = 1
    async with client_of(app) as client:
        # when it is asked three look-ups (one of them failed), a register call, a health probe
        # and two paths it does not serve
        for _ in range(3):
            await client.post("/graphql", json=SDL)
        await client.post("/bank/accounts", json={"accounts": []})
        await client.get("/healthz")
        await client.get("/nothing/here/at/all")
        await client.get("/x" * 40)
        text = (await client.get("/metrics")).text
    # then each is counted once under its route and status, unknown paths as one "other"
    assert requests_counted(text) == {
        ("/graphql", "503"): 1.0,
        ("/graphql", "200"): 2.0,
        ("/{kind}/{what}", "200"): 1.0,
        ("/healthz", "200"): 1.0,
        ("other", "404"): 2.0,
    }


async def test_metrics_need_the_token_when_one_is_set(sources: dict[str, Any]) -> None:
    async with client_of(service(sources, token="s3cret")) as client:
        refused = await client.get("/metrics")
        served = await client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert refused.status_code == 401
    assert served.status_code == 200 and "agency_http_requests_total" in served.text


# --- fault injection -------------------------------------------------------------------------


async def test_latency_delays_every_answer(sources: dict[str, Any]) -> None:
    # given a service with 80 ms added latency
    async with client_of(service(sources, faults=Faults(latency_ms=80))) as client:
        # when
        started = time.perf_counter()
        response = await client.post("/graphql", json=OK)
        elapsed = time.perf_counter() - started
    # then it answers, late
    assert response.status_code == 200
    assert response.json() == {"data": {"ok": True}}
    assert elapsed >= 0.08


async def test_fail_next_answers_503_that_many_times_then_serves(sources: dict[str, Any]) -> None:
    # given a service that fails its next 2 requests
    faults = Faults(fail_next=2)
    async with client_of(service(sources, faults=faults)) as client:
        # when 3 requests are made
        codes = [(await client.post("/graphql", json=OK)).status_code for _ in range(3)]
        first = await client.post("/graphql", json=OK)
    # then
    assert codes == [503, 503, 200]
    assert first.status_code == 200
    assert faults.fail_next == 0


async def test_error_rate_one_always_fails(sources: dict[str, Any]) -> None:
    # given a service failing every request
    async with client_of(service(sources, faults=Faults(error_rate=1.0))) as client:
        # when
        responses = [await client.post("/graphql", json=OK) for _ in range(5)]
        annotations = await client.post("/annotations", json={})
    # then
    for response in [*responses, annotations]:
        assert response.status_code == 503
        assert response.json() == {"error": "injected failure"}


async def test_hang_never_answers(sources: dict[str, Any]) -> None:
    # given a hanging service
    async with client_of(service(sources, faults=Faults(hang=True))) as client:
        # when / then no answer within 0.3 s
        started = time.perf_counter()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.post("/graphql", json=OK), 0.3)
        assert time.perf_counter() - started >= 0.3


async def test_faults_can_be_changed_while_serving(sources: dict[str, Any]) -> None:
    # given a healthy service
    app = service(sources)
    async with client_of(app) as client:
        assert (await client.post("/graphql", json=OK)).status_code == 200
        # when it is told to fail every request
        app.state.faults.error_rate = 1.0
        failing = await client.post("/graphql", json=OK)
        # and then to recover, except for one passing glitch
        app.state.faults.error_rate = 0.0
        app.state.faults.fail_next = 1
        glitch = await client.post("/graphql", json=OK)
        recovered = await client.post("/graphql", json=OK)
    # then
    assert failing.status_code == 503
    assert glitch.status_code == 503
    assert recovered.status_code == 200
    assert app.state.faults.active is False


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"latency_ms": -1}, "latency"),
        ({"error_rate": 2}, "error rate"),
        ({"error_rate": -0.1}, "error rate"),
    ],
)
def test_faults_refuse_impossible_values(kwargs: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        Faults(**kwargs)


@pytest.mark.parametrize("var", ["AGENCY_LATENCY_MS", "AGENCY_ERROR_RATE"])
def test_faults_from_env_name_a_malformed_variable(var: str) -> None:
    with pytest.raises(ValueError, match=f"{var} must be a number, got 'abc'"):
        Faults.from_env({var: "abc"})


def test_faults_from_env_reads_the_variables() -> None:
    # when
    faults = Faults.from_env(
        {"AGENCY_LATENCY_MS": "12.5", "AGENCY_ERROR_RATE": "0.25", "AGENCY_HANG": "yes"}
    )
    # then
    assert (faults.latency_ms, faults.error_rate, faults.hang) == (12.5, 0.25, True)
    assert Faults.from_env({}) == Faults()
    assert Faults.from_env({"AGENCY_LATENCY_MS": "", "AGENCY_HANG": "0"}) == Faults()


def test_faults_flags_win_over_the_environment() -> None:
    # given an environment asking for faults
    env = {"AGENCY_LATENCY_MS": "abc", "AGENCY_ERROR_RATE": "0.5", "AGENCY_HANG": "1"}
    # when flags are given too
    faults = Faults.from_env(env, latency_ms=5.0, error_rate=0.0, hang=False)
    # then the flags decide (even over a malformed variable)
    assert (faults.latency_ms, faults.error_rate, faults.hang) == (5.0, 0.0, False)
    # and a flag left out (None) falls back to the environment
    partial = Faults.from_env(env, latency_ms=1.0, error_rate=None, hang=None)
    assert (partial.latency_ms, partial.error_rate, partial.hang) == (1.0, 0.5, True)


# --- annotations -----------------------------------------------------------------------------


async def test_an_annotation_seizes_the_vehicle_and_its_release_restores_it(
    sources: dict[str, Any], databases: dict[str, Engine], plate: str, remove_test_order: None
) -> None:
    engine = databases["public_security"]
    # given a NORMAL vehicle
    assert vehicle_state(engine, plate) == ("NORMAL", None, 0)
    async with client_of(service(sources)) as client:
        # when a court's seizure is registered on it
        seized = await client.post("/annotations", json=annotation(plate))
        # then it is SEIZED, remembering what it was
        assert seized.status_code == 200, seized.text
        assert seized.json() == {"ok": True, "orderId": TEST_ORDER}
        assert vehicle_state(engine, plate) == ("SEIZED", "NORMAL", 1)
        # and its subgraph shows it
        query = (
            "query($p: _Any!) { _entities(representations: [$p]) { ... on Vehicle { status } } }"
        )
        shown = await client.post(
            "/graphql",
            json={"query": query, "variables": {"p": {"__typename": "Vehicle", "plate": plate}}},
        )
        assert shown.json() == {"data": {"_entities": [{"status": "SEIZED"}]}}
        # when the same order is sent again, released
        released = await client.post("/annotations", json=annotation(plate, "RELEASED"))
    # then the vehicle is NORMAL again, the order's one row now released
    assert released.status_code == 200, released.text
    assert vehicle_state(engine, plate) == ("NORMAL", None, 1)


async def test_an_annotation_of_an_unknown_asset_is_404_naming_it(
    sources: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given
    engine = databases["public_security"]
    async with client_of(service(sources)) as client:
        # when
        response = await client.post("/annotations", json=annotation(UNKNOWN_PLATE))
    # then
    assert response.status_code == 404
    assert UNKNOWN_PLATE in response.json()["error"]
    with engine.connect() as conn:
        written = conn.execute(
            select(func.count()).where(ps.vehicle_seizures.c.order_id == TEST_ORDER)
        ).scalar_one()
    assert written == 0


MALFORMED: list[tuple[str, Any]] = [
    ("not-json", b'{"order_id": "svc-test-order-0001", '),
    ("a-list", b"[1, 2, 3]"),
    ("missing-start-date", {"drop": "start_date"}),
    ("missing-court", {"drop": "court"}),
    ("bad-status", {"status": "SEIZED"}),
    ("bad-rank", {"rank": 0}),
    ("bad-date", {"start_date": "2026-13-45"}),
    ("unknown-key", {"colour": "red"}),
]


@pytest.mark.parametrize(("case", "body"), MALFORMED, ids=[c for c, _ in MALFORMED])
async def test_a_malformed_annotation_is_400_and_writes_nothing(
    sources: dict[str, Any], databases: dict[str, Engine], plate: str, case: str, body: Any
) -> None:
    # given a malformed annotation of an existing vehicle
    engine = databases["public_security"]
    before = vehicle_state(engine, plate)
    if isinstance(body, bytes):
        content = body
    else:
        data = annotation(plate)
        if "drop" in body:
            del data[body["drop"]]
        else:
            data |= body
        content = httpx.Request("POST", "/", json=data).read()
    async with client_of(service(sources)) as client:
        # when
        response = await client.post(
            "/annotations", content=content, headers={"Content-Type": "application/json"}
        )
    # then
    assert response.status_code == 400, (case, response.text)
    assert response.json()["error"].startswith("malformed annotation")
    assert vehicle_state(engine, plate) == before


WRONG_TYPES: list[tuple[str, Callable[[str], dict[str, Any]]]] = [
    ("asset-id-a-list", lambda plate: {"asset_id": [plate]}),
    ("court-null", lambda _: {"court": None}),
    ("order-id-null", lambda _: {"order_id": None}),
    ("kind-unknown", lambda _: {"kind": "EXPLODE"}),
    ("rank-not-an-integer", lambda _: {"rank": 1.5}),
]


@pytest.mark.parametrize(("case", "change"), WRONG_TYPES, ids=[c for c, _ in WRONG_TYPES])
async def test_an_annotation_with_fields_of_the_wrong_type_is_400_and_writes_nothing(
    sources: dict[str, Any],
    databases: dict[str, Engine],
    plate: str,
    remove_test_order: None,
    case: str,
    change: Callable[[str], dict[str, Any]],
) -> None:
    # given an annotation of an existing vehicle with one field of the wrong type or value
    engine = databases["public_security"]
    before = vehicle_state(engine, plate)
    data = annotation(plate) | change(plate)
    transport = httpx.ASGITransport(app=service(sources), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://agency.test") as client:
        # when
        response = await client.post("/annotations", json=data)
    # then it is refused as malformed and nothing is written
    assert vehicle_state(engine, plate) == before
    assert response.status_code == 400, (case, response.status_code, response.text)


# --- the CLI ---------------------------------------------------------------------------------


def agency_cli(*args: str, data_dir: Path | None = None) -> Any:
    env: dict[str, str | None] = {k: None for k in AGENCY_ENV}
    env["HUB_DATA_DIR"] = str(data_dir) if data_dir else None
    return CliRunner().invoke(main, ["agency", "serve", *args], env=env)


def test_cli_refuses_an_unknown_connector_listing_the_known_ones(tmp_path: Path) -> None:
    # when
    result = agency_cli("nosuch", data_dir=tmp_path)
    # then
    assert result.exit_code == 2, result.output
    assert "unknown connector 'nosuch'" in result.output
    for name in registry.names():
        assert name in result.output


def test_cli_knows_each_bank_by_its_code_and_where_its_database_is(tmp_path: Path) -> None:
    # when a bank is served from an empty data directory
    result = agency_cli("bank:313", "--data-dir", str(tmp_path))
    # then it is found by its code, and its database is the bank's own file
    assert result.exit_code == 1, result.output
    assert str(tmp_path.resolve() / "agencies" / "bank_313.sqlite3") in result.output
    # and a bank the demo does not have is an unknown connector, the banks listed
    result = agency_cli("bank:999", data_dir=tmp_path)
    assert result.exit_code == 2, result.output
    assert "unknown connector 'bank:999'" in result.output
    for name in registry.banks():
        assert name in result.output


def test_cli_without_the_agency_database_says_to_seed_the_demo(tmp_path: Path) -> None:
    # given an empty data directory
    # when
    result = agency_cli("public_security", "--data-dir", str(tmp_path))
    # then
    assert result.exit_code == 1, result.output
    assert "fyt demo seed" in result.output
    assert str(tmp_path.resolve() / "agencies" / "public_security.sqlite3") in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--error-rate", "2"], "--error-rate"),
        (["--latency-ms", "-5"], "--latency-ms"),
        (["--port", "0"], "--port"),
    ],
)
def test_cli_refuses_out_of_range_options(tmp_path: Path, args: list[str], needle: str) -> None:
    # when
    result = agency_cli("public_security", "--data-dir", str(tmp_path), *args)
    # then click refuses before anything else
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "fyt demo seed" not in result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_until_healthy(
    client: httpx.AsyncClient, proc: asyncio.subprocess.Process, limit: float = 20.0
) -> dict[str, Any] | None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.returncode is None:
        try:
            response = await client.get("/healthz")
            if response.status_code == 200:
                return response.json()  # type: ignore[no-any-return]
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    return None


async def test_cli_serves_the_subgraph_for_real(settings: Settings) -> None:
    # given the agency service started as its own process over the demo database
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in AGENCY_ENV}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hub.cli",
        "agency",
        "serve",
        "public_security",
        "--port",
        str(port),
        "--database-url",
        settings.connectors["public_security"].url,
        "--latency-ms",
        "5",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    health = sdl = None
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            # when it is up
            health = await wait_until_healthy(client, proc)
            if health is not None:
                response = await client.post("/graphql", json=SDL)
                sdl = response.json()["data"]["_service"]["sdl"]
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            _, stderr = await asyncio.wait_for(proc.communicate(), 15)
        except TimeoutError:
            proc.kill()
            _, stderr = await proc.communicate()
    # then it answered its health probe and served the committed SDL
    assert health == {"status": "ok", "connector": "public_security"}, stderr.decode()
    assert sdl is not None and sdl.strip() == committed_sdl("public_security")


async def test_the_register_is_read_by_asset_and_refuses_a_malformed_request(
    sources: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given a vehicle the demo register holds a seizure on
    with databases["public_security"].connect() as conn:
        plate, case = conn.execute(
            select(ps.vehicle_seizures.c.plate, ps.vehicle_seizures.c.case_number).limit(1)
        ).one()
    async with client_of(service(sources)) as client:
        # when the hub asks for it (and for a plate public security does not know)
        found = await client.post("/measures", json={"assets": [plate, UNKNOWN_PLATE]})
        # then it answers the register's rows of the known plate only
        assert found.status_code == 200, found.text
        measures = found.json()["measures"]
        assert list(measures) == [plate]
        assert measures[plate][0]["case_number"] == case
        # and a request that is not a list of asset ids is refused
        for body in ({"assets": "one"}, {"assets": [1]}, {"plates": []}, [plate]):
            refused = await client.post("/measures", json=body)
            assert refused.status_code == 400, body
    # and an agency that keeps no register says so
    async with client_of(service(sources, "social_security")) as client:
        assert (await client.post("/measures", json={"assets": ["x"]})).status_code == 404
