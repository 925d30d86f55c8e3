"""Alembic on the hub database: upgrade, downgrade, re-upgrade, and no drift from the metadata."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

import hub.audit.models
import hub.cases.models
import hub.db.coordination
import hub.inquiries.models
import hub.orders.models
import hub.parties.models
import hub.sanctions.models  # noqa: F401  (they register their tables on the hub metadata)
from hub.db.engine import alembic_config, create_hub_engine, current_revision, upgrade
from hub.db.metadata import metadata
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database

HEAD = "0020"  # the latest migration
HUB_TABLES = {
    "courts",
    "deposit_deductions",
    "deposit_inquiries",
    "deposit_inquiry_subjects",
    "deposit_inquiry_banks",
    "police_requests",
    "police_request_events",
    "cases",
    "case_judges",
    "case_parties",
    "users",
    "sanction_entries",
    "audit_entries",
    "audit_leaves",
    "audit_checkpoints",
    "audit_tiles",
    "audit_subjects",
    "audit_cosignatures",
    "audit_witnesses",
    "audit_verifications",
    "freeze_orders",
    "freeze_order_events",
    "outbox",
    "sanction_entry_persons",
    "sanction_changes",
    "sanction_check_counts",
    "sanction_check_feedback",
    "party_requests",
    "case_documents",
    "hub_leases",
    "hub_processes",
    "hub_policy_generations",
}


def _downgrade(conn: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.downgrade(cfg, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade, revision)


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, metadata))


async def schema_diff(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return await conn.run_sync(_diff)


async def version_rows(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())


async def check_round_trip(engine: AsyncEngine) -> None:
    # given an empty database
    assert await current_revision(engine) is None
    assert not (await tables(engine)) & HUB_TABLES
    # when it is upgraded to head
    await upgrade(engine)
    # then every hub table exists, the version is the head, and the schema equals the metadata
    assert HUB_TABLES <= await tables(engine)
    assert await version_rows(engine) == [HEAD]
    assert await current_revision(engine) == HEAD
    assert await schema_diff(engine) == []
    # when it is downgraded to base
    await downgrade(engine, "base")
    # then the hub tables are gone and no revision is recorded
    assert not (await tables(engine)) & HUB_TABLES
    assert await current_revision(engine) is None
    # when it is upgraded again
    await upgrade(engine)
    # then it is back at head with no drift
    assert HUB_TABLES <= await tables(engine)
    assert await current_revision(engine) == HEAD
    assert await schema_diff(engine) == []


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    try:
        yield engine
    finally:
        await engine.dispose()


def test_the_migration_chain_has_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD]
    # 0007 (order terms) and 0009 (sanction terms) both follow 0006; 0010 joins them
    assert script.get_revision("0010").down_revision == ("0007", "0009")
    assert [s.revision for s in script.walk_revisions()] == [
        HEAD,
        "0018",
        "0016",
        "0015",
        "0014",
        "0013",
        "0012",
        "0011",
        "0010",
        "0007",
        "0009",
        "0006",
        "0005",
        "0004",
        "0003",
        "0002",
        "0001",
    ]


def test_metadata_holds_exactly_the_migrated_tables() -> None:
    # a table added to the metadata without a migration (or vice versa) shows up here first
    assert set(metadata.tables) == HUB_TABLES


async def test_sqlite_upgrade_downgrade_upgrade(sqlite_engine: AsyncEngine) -> None:
    await check_round_trip(sqlite_engine)


async def test_upgrade_is_idempotent(sqlite_engine: AsyncEngine) -> None:
    # given a migrated database with a row in it
    await upgrade(sqlite_engine)
    async with sqlite_engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO courts (code, abbr, name) VALUES ('370602', '鲁0602', '芝罘区法院')")
        )
    # when it is upgraded again
    await upgrade(sqlite_engine)
    # then nothing changed
    assert await version_rows(sqlite_engine) == [HEAD]
    async with sqlite_engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM courts"))).scalar() == 1


async def test_upgrade_to_a_named_revision(sqlite_engine: AsyncEngine) -> None:
    await upgrade(sqlite_engine, HEAD)
    assert await current_revision(sqlite_engine) == HEAD


async def test_upgrade_to_an_unknown_revision_fails_and_changes_nothing(
    sqlite_engine: AsyncEngine,
) -> None:
    # when
    with pytest.raises(CommandError, match="nonsense"):
        await upgrade(sqlite_engine, "nonsense")
    # then
    assert await current_revision(sqlite_engine) is None
    assert not (await tables(sqlite_engine)) & HUB_TABLES


async def test_migrated_sqlite_enforces_foreign_keys(sqlite_engine: AsyncEngine) -> None:
    # given a migrated database
    await upgrade(sqlite_engine)
    # when a case names a court that does not exist
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        async with sqlite_engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO cases (case_number, court_code, kind, cause, status, filed_on, amount)"
                    " VALUES ('（2026）鲁0602执1号', '999999', '首次执行', 'x', 'OPEN', '2026-01-01', 1)"
                )
            )


async def test_the_wal_is_checkpointed_in_the_background(sqlite_engine: AsyncEngine) -> None:
    from hub.db.engine import WAL_AUTOCHECKPOINT_PAGES, WalCheckpoints

    # given a migrated database whose connections leave checkpoints to the hub
    await upgrade(sqlite_engine)
    async with sqlite_engine.connect() as conn:
        limit = (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar()
    assert limit == WAL_AUTOCHECKPOINT_PAGES
    # and committed writes waiting in the WAL
    async with sqlite_engine.begin() as conn:
        for i in range(50):
            await conn.execute(
                text("INSERT INTO courts (code, abbr, name) VALUES (:c, :c, 'y')"),
                {"c": f"{i:06d}"},
            )
    # when the background checkpoint runs once
    await WalCheckpoints(sqlite_engine).tick()
    # then every frame of the WAL is in the database file
    async with sqlite_engine.connect() as conn:
        busy, frames, done = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")).one()
    assert (busy, frames) == (0, done)


@pytest.mark.postgres
async def test_postgres_upgrade_downgrade_upgrade() -> None:
    # given a throw-away PostgreSQL database
    base = os.environ[PG_ENV]
    name, url = await _create_pg_database(base)
    engine = create_hub_engine(url)
    try:
        await check_round_trip(engine)
    finally:
        await engine.dispose()
        await _drop_pg_database(base, name)


@pytest.mark.parametrize("revision", ["0007", "0009"])
async def test_a_database_at_either_line_upgrades_to_head(
    sqlite_engine: AsyncEngine, revision: str
) -> None:
    """0007 and 0009 both follow 0006: a database migrated along either line (the order terms'
    or the sanction terms') upgrades to head by applying the other, with no drift."""
    # given a database at one of the two revisions
    await upgrade(sqlite_engine, revision)
    assert await version_rows(sqlite_engine) == [revision]
    # when it is upgraded to head
    await upgrade(sqlite_engine)
    # then it is at head, with both lines' tables and columns
    assert await version_rows(sqlite_engine) == [HEAD]
    assert await schema_diff(sqlite_engine) == []


async def test_0007_keeps_the_term_orders_were_signed_with(
    sqlite_engine: AsyncEngine, tmp_path: Path
) -> None:
    """Orders made before terms were counted in months keep the days the court signed; an order
    with a term in months names them in what the court signs."""
    from hub.orders.signing import OrderKeys, order_document

    keys = OrderKeys(tmp_path / "orders", create=True)
    # given an order of revision 0006, with a term in days the court signed
    await upgrade(sqlite_engine, "0006")
    row = {
        "id": "FO-2026-OLD",
        "kind": "SEIZE",
        "asset_type": "REAL_ESTATE",
        "asset_id": "370602001001GB00001F00010001",
        "agency": "real_estate",
        "owner_id": "370602199001011234",
        "court_code": "370602",
        "case_number": "（2026）鲁0602执1号",
        "ruling_number": "（2026）鲁0602执1号之一",
        "term_days": 1095,
        "submitted_by": "judge-zhang",
    }
    signature = keys.sign("court:370602", order_document(row))
    async with sqlite_engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO freeze_orders (id, kind, asset_type, asset_id, agency, owner_id,"
                " court_code, case_number, ruling_number, term_days, status, submitted_by,"
                " submitted_at, renewals, order_signature, idempotency_key, payload_hash,"
                " updated_at) VALUES (:id, :kind, :asset_type, :asset_id, :agency, :owner_id,"
                " :court_code, :case_number, :ruling_number, :term_days, 'WAITING',"
                " :submitted_by, '2026-01-05 01:00:00', 0, :sig, 'k1', 'h1',"
                " '2026-01-05 01:00:00')"
            ),
            {**row, "sig": signature},
        )
    # when it is upgraded to head
    await upgrade(sqlite_engine)
    # then it keeps its days, has no months, and the court's signature still verifies
    async with sqlite_engine.connect() as conn:
        migrated = dict(
            (await conn.execute(text("SELECT * FROM freeze_orders WHERE id = 'FO-2026-OLD'")))
            .one()
            ._mapping
        )
    assert (migrated["term_days"], migrated["term_months"]) == (1095, None)
    assert keys.verify("court:370602", order_document(migrated), migrated["order_signature"])
    # and a new order with a term in months signs them
    months = {**row, "term_days": None, "term_months": 36}
    assert order_document(months)["termMonths"] == 36
    assert order_document(months) != order_document({**months, "term_months": 24})
