"""Migration 0009 on data: entries published before the hub recorded their ground keep an unknown
ground and no computed end (nothing guessed); the registered officers of an enterprise's entry
other than its legal representative stay on record but bind nobody (法释〔2015〕17号 第三条第二款
binds the 法定代表人、主要负责人、影响债务履行的直接责任人员、实际控制人, which the register did not say)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import POLICY_DIR
from hub.db.engine import create_hub_engine, upgrade
from hub.sanctions.catalogue import load_catalogue
from hub.sanctions.service import matches
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from tests.hub.test_migrations import downgrade

REP, SUPERVISOR, LISTED = "110101198001010015", "110101198202020013", "110101197503030011"
USCC = "91370602272620019X"
CATALOGUE = load_catalogue(POLICY_DIR)


async def legacy_rows(engine: AsyncEngine) -> None:
    """What a hub at revision 0006 holds: a person's entry, an enterprise's with its legal
    representative and a supervisor as KEY_PERSONNEL, and a revoked entry."""
    async with engine.begin() as conn:
        if not (
            await conn.execute(text("SELECT count(*) FROM courts WHERE code = '370602'"))
        ).scalar():
            await conn.execute(
                text(
                    "INSERT INTO courts (code, abbr, name) VALUES ('370602', '鲁0602', '芝罘区法院')"
                )
            )
        for entry_id, kind, subject, status in (
            ("SX-370602-2023-000001", "PERSON", LISTED, "ACTIVE"),
            ("XF-370602-2023-000002", "ENTERPRISE", USCC, "ACTIVE"),
            ("SX-370602-2023-000003", "PERSON", REP, "REVOKED"),
        ):
            await conn.execute(
                text(
                    "INSERT INTO sanction_entries (id, list, subject_kind, subject_id, name,"
                    " court_code, case_number, obligation, published_on, legal_basis, status,"
                    " revoked_on, revoke_reason) VALUES (:id, :list, :kind, :subject, '某',"
                    " '370602', '（2023）鲁0602执1号', '支付', :published, '法释〔2017〕7号 第一条',"
                    " :status, :revoked, :reason)"
                ),
                {
                    "id": entry_id,
                    "list": "DISHONEST" if entry_id.startswith("SX") else "CONSUMPTION_RESTRICTION",
                    "kind": kind,
                    "subject": subject,
                    "published": date(2023, 3, 1),
                    "status": status,
                    "revoked": date(2023, 9, 1) if status == "REVOKED" else None,
                    "reason": "已履行" if status == "REVOKED" else None,
                },
            )
        for id_number, role in (
            (REP, "LEGAL_REPRESENTATIVE"),
            (REP, "KEY_PERSONNEL"),
            (SUPERVISOR, "KEY_PERSONNEL"),
        ):
            await conn.execute(
                text(
                    "INSERT INTO sanction_entry_persons (entry_id, id_number, name, role)"
                    " VALUES ('XF-370602-2023-000002', :id, '某', :role)"
                ),
                {"id": id_number, "role": role},
            )
        await conn.execute(
            text(
                "INSERT INTO sanction_changes (entry_id, change, at) VALUES"
                " ('SX-370602-2023-000001', 'PUBLISHED', :at)"
            ),
            {"at": datetime(2023, 3, 1, 1, 0, tzinfo=UTC)},
        )


async def check_the_migration(engine: AsyncEngine) -> None:
    # given a hub database at 0006 holding entries of its time
    await upgrade(engine, "0006")
    await legacy_rows(engine)
    # when it is upgraded
    await upgrade(engine)
    async with engine.connect() as conn:
        entries = {
            r.id: (r.status, r.grounds, r.term_years, r.ends_on)
            for r in await conn.execute(
                text("SELECT id, status, grounds, term_years, ends_on FROM sanction_entries")
            )
        }
        persons = {
            (r.id_number, r.role): r.named_by
            for r in await conn.execute(
                text("SELECT id_number, role, named_by FROM sanction_entry_persons")
            )
        }
        # then the entries' grounds are UNKNOWN, with no term and no end: nothing guessed
        assert entries == {
            "SX-370602-2023-000001": ("ACTIVE", "UNKNOWN", None, None),
            "XF-370602-2023-000002": ("ACTIVE", "UNKNOWN", None, None),
            "SX-370602-2023-000003": ("REVOKED", "UNKNOWN", None, None),
        }
        # the persons stay on record, taken from the register
        assert persons == {
            (REP, "LEGAL_REPRESENTATIVE"): "REGISTER",
            (REP, "KEY_PERSONNEL"): "REGISTER",
            (SUPERVISOR, "KEY_PERSONNEL"): "REGISTER",
        }

        # and the checks: the old entries still restrict (their end is unknown, not past), the
        # legal representative once, the supervisor not at all
        def run(sync_conn: object) -> dict[str, list[object]]:
            return matches(
                sync_conn, CATALOGUE["XF-FLIGHT"], [LISTED, REP, SUPERVISOR], date(2026, 12, 2)
            )  # type: ignore[arg-type]

        found = await conn.run_sync(run)
    assert [m.entry_id for m in found[LISTED]] == ["SX-370602-2023-000001"]
    assert [(m.entry_id, m.roles) for m in found[REP]] == [
        ("XF-370602-2023-000002", ("LEGAL_REPRESENTATIVE",))
    ]
    assert SUPERVISOR not in found
    # a downgrade puts entries that left their list in the new ways back as REVOKED
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE sanction_entries SET status = 'DELETED' WHERE id = 'SX-370602-2023-000001'"
            )
        )
    await downgrade(engine, "0006")
    async with engine.connect() as conn:
        statuses = dict((await conn.execute(text("SELECT id, status FROM sanction_entries"))).all())
    assert statuses["SX-370602-2023-000001"] == "REVOKED"


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_existing_entries_migrate_honestly_on_sqlite(sqlite_engine: AsyncEngine) -> None:
    await check_the_migration(sqlite_engine)


@pytest.mark.postgres
async def test_existing_entries_migrate_honestly_on_postgres() -> None:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL test: set {PG_ENV} (see README, Tests)")
    name, url = await _create_pg_database(base)
    engine = create_hub_engine(url)
    try:
        await check_the_migration(engine)
    finally:
        await engine.dispose()
        await _drop_pg_database(base, name)
