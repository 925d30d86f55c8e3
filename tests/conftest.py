"""Shared fixtures: a seeded demo dataset per session (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import Engine, create_engine, insert
from sqlalchemy.engine import make_url

from connectors import registry
from connectors.base.service import agency_app
from hub.app import create_app
from hub.audit.integrator import integrate
from hub.auth.tokens import issue_token, load_private_key
from hub.cases.models import case_judges, case_parties, cases
from hub.config import POLICY_DIR, Settings, async_url
from hub.demo.info import demo_info
from hub.demo.seed import seed_demo
from tests.servers import Served

TEST_PERSONS = 600
TEST_SEED = 7
PG_ENV = "HUB_TEST_DATABASE_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reverse-order",
        action="store_true",
        help="run the collected tests last to first: no test may depend on one before it",
    )


def uses_hub_database(item: pytest.Item) -> bool:
    """Does the test run on the hub database the suite is given (``hub_database_url``, directly
    or through any fixture), or on PostgreSQL of its own (marker ``postgres``)?"""
    return "hub_database_url" in getattr(item, "fixturenames", ()) or "postgres" in item.keywords


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse-order"):
        items.reverse()
    for item in items:
        if uses_hub_database(item):
            item.add_marker(pytest.mark.hub_database)
    if os.environ.get(PG_ENV):
        return
    skip = pytest.mark.skip(reason=f"PostgreSQL test: set {PG_ENV} (see README, Tests)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


async def _create_pg_database(base_url: str) -> tuple[str, str]:
    """A fresh database for this session; fails loudly when PostgreSQL cannot be reached."""
    url = make_url(base_url)
    name = f"fyt_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, async_url(url.set(database=name).render_as_string(hide_password=False))


async def _drop_pg_database(base_url: str, name: str) -> None:
    url = make_url(base_url)
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def hub_database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hubdb') / 'hub.sqlite3'}"
        return
    name, url = await _create_pg_database(base)
    try:
        yield url
    finally:
        await _drop_pg_database(base, name)


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    env = {"HUB_DATA_DIR": str(data_dir), "HUB_DATABASE_URL": database_url}
    return Settings.from_env(env, **overrides)


# A role only the tests have: reads every field of any subject without citing a case, so tests
# about assembly, batching and failures need not set up purposes. In an agency org it reads what
# that agency's callers are scoped to (its orders, its inbox): the policy differential test's
# oracle for the hub's own records. Given test_assigned too, it lists what a judge of an
# @assignment role lists (the orders and entries of the cases the user is assigned to).
TEST_READER_LINES = (
    "\n# tests only\n"
    "p, test_reader, court:*, *, read, allow\n"
    "p, test_reader, agency:*, *, read, allow\n"
    "p, test_reader, bank:*, *, read, allow\n"
    "p, test_reader, enterprise:*, *, read, allow\n"
    "p, test_assigned, court:*, @assignment, require, allow\n"
)


def test_policy_dir(base: Path) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    for name in ("model.conf", "policy.csv"):
        shutil.copy(POLICY_DIR / name, base / name)
    with (base / "policy.csv").open("a", encoding="utf-8") as f:
        f.write(TEST_READER_LINES)
    return base


@pytest.fixture(scope="session")
async def settings(tmp_path_factory: pytest.TempPathFactory, hub_database_url: str) -> Settings:
    data_dir = tmp_path_factory.mktemp("fyt-data")
    policy_dir = test_policy_dir(tmp_path_factory.mktemp("policies"))
    # The generated-document tests send the enterprise party fields it may not call hundreds of
    # times; the hourly limit on that is tested on an app of its own (tests/hub/test_party.py).
    # Tests verify the whole log one after another (a change, then its report); the pause
    # between two verifications is tested on an app of its own (test_audit_verify_jobs.py).
    s = make_settings(
        data_dir,
        hub_database_url,
        policy_dir=policy_dir,
        party_refusals_per_hour=1_000_000,
        audit_verify_pause=0,
    )
    await seed_demo(s, persons=TEST_PERSONS, seed=TEST_SEED)
    return s


@pytest.fixture(scope="session")
async def demo(settings: Settings) -> dict[str, Any]:
    return await demo_info(settings)


@pytest.fixture(scope="session")
def tokens(demo: dict[str, Any], mint: Any) -> dict[str, str]:
    out = {u["id"]: u["token"] for u in demo["users"]}
    out["reader"] = mint(sub="test-reader", org="court:370602", roles=("test_reader",))
    return out


@pytest.fixture(scope="session")
def mint(settings: Settings) -> Any:
    key, kid = load_private_key(settings.private_key_path)

    def _mint(
        sub: str = "judge-zhang",
        org: str = "court:370602",
        roles: tuple[str, ...] = ("enforcement_judge",),
        ttl: timedelta = timedelta(hours=1),
        **kw: Any,
    ) -> str:
        return issue_token(
            private_key=key,
            kid=kid,
            sub=sub,
            org=org,
            roles=roles,
            ttl=ttl,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            **kw,
        )

    return _mint


class Api:
    """A GraphQL client bound to one app; `token` defaults to the demo judge."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.token = token

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        h = {"Authorization": f"Bearer {token or self.token}", **(headers or {})}
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=h
        )

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token=token)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


async def integrate_all(runtime: Any) -> int:
    """Integrate until every entry committed so far is in the signed tree; its size.

    The app's own integrator runs meanwhile: a round it wins returns None here (and may have
    read the pending entries before the latest committed), so this goes on until a round of
    its own finds nothing left to add (the same size twice)."""
    previous = None
    for _ in range(400):
        size = await integrate(runtime.engine, runtime.audit.keys)
        if size is not None and size == previous:
            return size
        if size is None:
            await asyncio.sleep(0.02)
        previous = size
    raise AssertionError("the audit log did not settle in 400 rounds")


async def start_app(settings: Settings, sources: dict[str, Any] | None = None) -> tuple[Any, Any]:
    app = create_app(settings, sources=sources)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    return app, lifespan


@contextlib.asynccontextmanager
async def served(
    settings: Settings, sources: dict[str, Any] | None = None
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """An app of its own (settings of a test's own) and a client of it, stopped afterwards."""
    app, lifespan = await start_app(settings, sources)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as client:
            yield app, client
    finally:
        await lifespan.__aexit__(None, None, None)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    application, lifespan = await start_app(settings)
    try:
        yield application
    finally:
        await lifespan.__aexit__(None, None, None)


@pytest.fixture(scope="session")
async def api(app: Any, tokens: dict[str, str]) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield Api(client, tokens["judge-zhang"])


@pytest.fixture(scope="session")
def reader(api: Api, tokens: dict[str, str]) -> Api:
    """The same app, as the tests-only role that reads everything without citing a case."""
    return Api(api.client, tokens["reader"])


@pytest.fixture
def fresh_settings(settings: Settings) -> Iterator[Settings]:
    yield settings.replace()


UNITS = "query($id: String!) { person(idNumber: $id) { assets { realEstates { unitNumber } } } }"

# Serials of the cases tests add (the demo's run from 100 to a few thousand per court and year).
_SERIALS = itertools.count(900_001)
# A case a test adds recovers this much unless it says otherwise: more than twice what any demo
# asset is known to be worth, so that a test not about over-seizure (超标的查封) never meets it.
BIG_AMOUNT = Decimal("900000000.00")


async def add_case(
    app: Any,
    parties: list[tuple[str, str, str, str]],
    *,
    type_code: str = "执",
    amount: Decimal = BIG_AMOUNT,
    judges: tuple[str, ...] = ("judge-zhang",),
    court: tuple[str, str] = ("370602", "鲁0602"),
    status: str = "OPEN",
) -> str:
    """A new case of ``court`` (code, abbreviation) with ``parties`` (role, PERSON | ENTERPRISE,
    subject id, name) and ``judges``; its case number."""
    number = f"（2026）{court[1]}{type_code}{next(_SERIALS)}号"
    async with app.state.runtime.engine.begin() as conn:
        case_id = (
            await conn.execute(
                insert(cases)
                .values(
                    case_number=number,
                    court_code=court[0],
                    kind={"执保": "执行保全", "执恢": "恢复执行"}.get(type_code, "首次执行"),
                    cause="民间借贷纠纷",
                    status=status,
                    filed_on=date(2026, 1, 5),
                    amount=amount,
                )
                .returning(cases.c.id)
            )
        ).scalar_one()
        for judge in judges:
            await conn.execute(
                insert(case_judges).values(case_id=case_id, judge_id=judge, role="承办人")
            )
        for role, kind, subject_id, name in parties:
            await conn.execute(
                insert(case_parties).values(
                    case_id=case_id, role=role, subject_kind=kind, subject_id=subject_id, name=name
                )
            )
    return number


@pytest.fixture(scope="session")
async def target_sample(reader: Api, demo: dict[str, Any]) -> dict[str, str]:
    """A respondent of one of the judge's open demo cases who owns real estate."""
    for sample in demo["samples"]["persons"]:
        body = await reader.query(UNITS, {"id": sample["idNumber"]})
        units = body["data"]["person"]["assets"]["realEstates"]
        if units:
            return {**sample, "unit": units[0]["unitNumber"]}
    raise AssertionError("no demo sample owns real estate")


@pytest.fixture
async def target(
    app: Any, target_sample: dict[str, str], demo: dict[str, Any]
) -> AsyncIterator[dict[str, str]]:
    """That respondent in a case of its own, new for each test (judge-zhang's, open, 执, an
    enterprise applicant, a large amount), with a real-estate unit registered to them for this
    test alone (``unit``; struck off the registry when the test ends): one measure per asset and
    case, and no test meets another test's orders, waiting line or annotations."""
    from tests.hub.assets import fresh_unit, registered

    applicant = demo["samples"]["enterprises"][0]
    case = await add_case(
        app,
        [
            ("申请执行人", "ENTERPRISE", applicant["uscc"], applicant["name"]),
            ("被执行人", "PERSON", target_sample["idNumber"], target_sample["name"]),
        ],
    )
    with registered(app, fresh_unit, target_sample) as unit:
        yield {**target_sample, "caseNumber": case, "unit": unit}


REFUSE = """mutation($id: String!, $reason: String!) { freezeOrderReject(id: $id, reason: $reason) {
  order { id status } errors { code message } } }"""


async def answer_left(app: Any, api: Api, token: str, asset_type: str, asset_id: str) -> None:
    """The agency (``token``) answers (refuses) the orders earlier tests left unanswered on an
    asset. The waiting line follows service (法发〔2004〕5号 第二十条): an order served earlier
    and never answered would hold every order accepted after it on the asset."""
    from sqlalchemy import select

    from hub.orders.models import freeze_orders
    from hub.orders.worker import deliver_pending

    runtime = app.state.runtime
    await deliver_pending(runtime.engine, sources=runtime.sources)
    async with runtime.engine.connect() as conn:
        left = (
            await conn.execute(
                select(freeze_orders.c.id).where(
                    freeze_orders.c.asset_type == asset_type,
                    freeze_orders.c.asset_id == asset_id,
                    freeze_orders.c.status == "DELIVERED",
                )
            )
        ).scalars()
        order_ids = list(left)
    for order_id in order_ids:
        body = await api.query(
            REFUSE, {"id": order_id, "reason": "测试清理：此前的测试未答复"}, token=token
        )
        assert body["data"]["freezeOrderReject"]["errors"] == [], body


@pytest.fixture
async def target_line_answered(
    app: Any, api: Api, tokens: dict[str, str], target: dict[str, str]
) -> None:
    """The registry answers the orders earlier tests left unanswered on the target's unit
    (:func:`answer_left`)."""
    await answer_left(app, api, tokens["registry-wang"], "REAL_ESTATE", target["unit"])


# --- the agencies: databases, embedded sources, services (connector and interop tests) -------


@pytest.fixture(scope="module")
def databases(settings: Settings) -> Iterator[dict[str, Engine]]:
    engines = {
        name: create_engine(settings.connectors[name].url) for name in registry.instances()
    }
    try:
        yield engines
    finally:
        for engine in engines.values():
            engine.dispose()


@pytest.fixture(scope="module")
async def sources(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    opened = {
        name: registry.get(name).embedded(settings.connectors[name].url)
        for name in registry.instances()
    }
    try:
        yield opened
    finally:
        for source in opened.values():
            source.close()


@pytest.fixture(scope="module")
async def agency_services(sources: dict[str, Any]) -> AsyncIterator[dict[str, Served]]:
    """Each agency's service (``fyt agency serve``) on loopback, over the embedded sources."""
    served = {
        name: Served(agency_app(registry.get(name), source)) for name, source in sources.items()
    }
    for server in served.values():
        await server.start()
    try:
        yield served
    finally:
        for server in served.values():
            await server.stop()


@pytest.fixture
def another_case(app: Any, demo: dict[str, Any]) -> Any:
    """``await another_case(t)``: ``t`` (a target) with a second case of the same respondent —
    for a second order on the same asset, which waits in line behind the first case's."""

    async def make(t: dict[str, str]) -> dict[str, str]:
        applicant = demo["samples"]["enterprises"][0]
        case = await add_case(
            app,
            [
                ("申请执行人", "ENTERPRISE", applicant["uscc"], applicant["name"]),
                ("被执行人", "PERSON", t["idNumber"], t["name"]),
            ],
        )
        return {**t, "caseNumber": case}

    return make
