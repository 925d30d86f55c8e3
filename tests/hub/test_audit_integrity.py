"""Tamper evidence: the integrator's tree and checkpoints, and `fyt audit verify` naming what broke."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.base.tlog.checkpoint import open_checkpoint, vkey
from connectors.base.tlog.merkle import leaf_hash, root
from hub.audit.entries import canonical, content_hash, new_salt
from hub.audit.integrator import integrate, latest_checkpoint
from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.audit.models import (
    audit_checkpoints,
    audit_entries,
    audit_leaves,
    audit_subjects,
    audit_tiles,
)
from hub.audit.rows import insert_batch
from hub.audit.service import redact_before
from hub.audit.verify import verify_log
from hub.audit.writer import AuditLog
from hub.cli import main
from hub.db.engine import create_hub_engine, upgrade
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database


def entry(i: int, when: datetime | None = None) -> dict[str, Any]:
    content = canonical({"subject": f"enc-{i}", "fields": {"granted": ["Identity.name"]}}).decode()
    salt = new_salt()
    return {
        "occurred_at": when or datetime.now(UTC),
        "request_id": f"req-{i}",
        "user_id": f"user-{i % 3}",
        "org": "court:370602",
        "roles": "enforcement_judge",
        "case_number": "（2026）鲁0602执1号",
        "action": "PROFILE_VIEW",
        "subject_kind": "PERSON",
        "subject_index": f"{i:064x}",
        "outcome": "OK",
        "flags": "",
        "content": content,
        "salt": salt,
        "content_hash": content_hash(salt, content),
        "redacted_at": None,
    }


AUDIT_TABLES = (
    "audit_entries",
    "audit_subjects",
    "audit_leaves",
    "audit_tiles",
    "audit_checkpoints",
)


async def insert_entries(engine: AsyncEngine, rows: list[dict[str, Any]]) -> None:
    async with engine.begin() as conn:
        await conn.execute(audit_entries.insert(), rows)


async def tamper(engine: AsyncEngine, statement: Any) -> None:
    """What an attacker with database rights would do: switch the triggers off, change, restore."""
    if engine.dialect.name == "sqlite":
        async with engine.connect() as conn:  # foreign keys can only be switched outside BEGIN
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for t in AUDIT_TABLES:
                await conn.execute(text(f"ALTER TABLE {t} DISABLE TRIGGER ALL"))
            await conn.execute(statement)
            for t in AUDIT_TABLES:
                await conn.execute(text(f"ALTER TABLE {t} ENABLE TRIGGER ALL"))
        else:
            triggers = (
                await conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))
            ).all()
            for name, _ in triggers:
                await conn.execute(text(f"DROP TRIGGER {name}"))
            await conn.execute(statement)
            for _, sql in triggers:
                await conn.execute(text(sql))


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AuditKeys, list[str]]]:
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await upgrade(engine)
    await insert_entries(engine, [entry(i) for i in range(20)])
    assert await integrate(engine, keys, batch=7) == 7  # several checkpoints
    assert await integrate(engine, keys, batch=7) == 14
    assert await integrate(engine, keys) == 20
    try:
        yield engine, keys, [vkey(keys.origin, keys.public_key)]
    finally:
        await engine.dispose()


async def test_a_sound_log_verifies(log: Any) -> None:
    engine, _, verifier = log
    report = await verify_log(engine, verifier)
    assert report.ok, report.problems
    assert (report.entries, report.tree_size, report.checkpoints) == (20, 20, 3)


async def test_the_root_equals_one_rebuilt_from_the_entries(log: Any) -> None:
    engine, keys, verifier = log
    from hub.audit.entries import leaf_data

    async with engine.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in await conn.execute(select(audit_entries).order_by(audit_entries.c.id))
        ]
        last = await latest_checkpoint(conn)
    signed = open_checkpoint(last.note, verifier)
    assert signed.root == root([leaf_hash(leaf_data(r)) for r in rows])
    assert (signed.size, signed.origin) == (20, keys.origin)


async def test_integration_is_idempotent(log: Any) -> None:
    engine, keys, _ = log
    assert await integrate(engine, keys) == 20
    async with engine.connect() as conn:
        assert len((await conn.execute(select(audit_checkpoints))).all()) == 3


@pytest.mark.parametrize("entry_id", [1, 7, 13, 20])
async def test_a_flipped_byte_in_contents_is_named(log: Any, entry_id: int) -> None:
    engine, _, verifier = log
    async with engine.connect() as conn:
        content = (
            await conn.execute(
                select(audit_entries.c.content).where(audit_entries.c.id == entry_id)
            )
        ).scalar()
    flipped = content.replace("enc-", "enC-", 1)
    await tamper(
        engine, update(audit_entries).where(audit_entries.c.id == entry_id).values(content=flipped)
    )
    report = await verify_log(engine, verifier)
    assert not report.ok
    assert report.first() == f"entry {entry_id} (leaf {entry_id - 1}): its contents were altered"


@pytest.mark.parametrize("column", ["user_id", "case_number", "outcome", "occurred_at"])
async def test_a_changed_header_is_named(log: Any, column: str) -> None:
    engine, _, verifier = log
    value: Any = datetime.now(UTC) - timedelta(days=3) if column == "occurred_at" else "X"
    await tamper(
        engine, update(audit_entries).where(audit_entries.c.id == 5).values({column: value})
    )
    report = await verify_log(engine, verifier)
    assert report.first() == "entry 5 (leaf 4) was altered"


async def test_a_deleted_entry_is_named(log: Any) -> None:
    engine, _, verifier = log
    await tamper(engine, text("DELETE FROM audit_entries WHERE id = 9"))
    report = await verify_log(engine, verifier)
    assert report.first() == "entry 9 (leaf 8) is missing"


async def test_swapped_entries_are_named(log: Any) -> None:
    engine, _, verifier = log
    async with engine.connect() as conn:
        a = (
            await conn.execute(select(audit_entries.c.request_id).where(audit_entries.c.id == 3))
        ).scalar()
        b = (
            await conn.execute(select(audit_entries.c.request_id).where(audit_entries.c.id == 4))
        ).scalar()
    await tamper(engine, update(audit_entries).where(audit_entries.c.id == 3).values(request_id=b))
    await tamper(engine, update(audit_entries).where(audit_entries.c.id == 4).values(request_id=a))
    report = await verify_log(engine, verifier)
    assert report.problems[:2] == ["entry 3 (leaf 2) was altered", "entry 4 (leaf 3) was altered"]


async def test_rewritten_leaves_break_the_signed_checkpoints(log: Any) -> None:
    # an attacker who changes an entry and its leaf hash still cannot match the signed roots
    engine, _, verifier = log
    from hub.audit.entries import leaf_data

    await tamper(engine, update(audit_entries).where(audit_entries.c.id == 2).values(user_id="X"))
    async with engine.connect() as conn:
        row = dict(
            (await conn.execute(select(audit_entries).where(audit_entries.c.id == 2)))
            .first()
            ._mapping
        )
    await tamper(
        engine,
        update(audit_leaves)
        .where(audit_leaves.c.leaf_index == 1)
        .values(leaf_hash=leaf_hash(leaf_data(row))),
    )
    report = await verify_log(engine, verifier)
    assert (
        report.first()
        == "checkpoint 7: the leaves no longer hash to its signed root (a leaf below this size was changed)"
    )


async def test_truncation_below_a_trusted_checkpoint_is_detected(log: Any, tmp_path: Path) -> None:
    engine, _, verifier = log
    async with engine.connect() as conn:
        trusted = open_checkpoint((await latest_checkpoint(conn)).note, verifier)
    await tamper(engine, text("DELETE FROM audit_checkpoints WHERE tree_size > 14"))
    await tamper(engine, text("DELETE FROM audit_leaves WHERE leaf_index >= 14"))
    await tamper(engine, text("DELETE FROM audit_entries WHERE id > 14"))
    # the tiles left as they were still hold the 20 leaves
    assert (await verify_log(engine, verifier)).problems == [
        "tile 0 of level 0 (width 14): the stored tile holds 20 hashes, the tree of size 14 has"
        " 14: the stored tiles reach beyond the tree"
    ]
    # cut back too, the log alone is consistent again, but not with the checkpoint kept outside
    await tamper(
        engine, text("UPDATE audit_tiles SET width = 14, hashes = substr(hashes, 1, 14 * 32)")
    )
    assert (await verify_log(engine, verifier)).ok
    report = await verify_log(engine, verifier, trusted)
    assert (
        report.first()
        == "the log holds 14 leaves, fewer than the trusted checkpoint's 20: it was truncated"
    )


async def test_a_forged_checkpoint_signature_is_detected(log: Any) -> None:
    engine, _, verifier = log
    async with engine.connect() as conn:
        note = (
            await conn.execute(
                select(audit_checkpoints.c.note).where(audit_checkpoints.c.tree_size == 14)
            )
        ).scalar()
    body, _, sig = note.rpartition("— ")
    name, raw = sig.split(" ")
    forged = base64.b64decode(raw)
    forged = forged[:10] + bytes([forged[10] ^ 1]) + forged[11:]
    bad = f"{body}— {name} {base64.b64encode(forged).decode()}\n"
    await tamper(
        engine,
        update(audit_checkpoints).where(audit_checkpoints.c.tree_size == 14).values(note=bad),
    )
    report = await verify_log(engine, verifier)
    assert report.first().startswith("checkpoint 14: signature or format does not verify")


async def test_redaction_keeps_the_tree_verifiable(log: Any) -> None:
    engine, keys, verifier = log
    old = [entry(100 + i, when=datetime.now(UTC) - timedelta(days=400)) for i in range(3)]
    await insert_entries(engine, old)
    await integrate(engine, keys)
    count = await redact_before(engine, datetime.now(UTC) - timedelta(days=365))
    assert count == 3
    report = await verify_log(engine, verifier)
    assert report.ok, report.problems
    assert report.redacted == 3
    async with engine.connect() as conn:
        erased = (
            (
                await conn.execute(
                    select(audit_entries.c.content).where(audit_entries.c.redacted_at.is_not(None))
                )
            )
            .scalars()
            .all()
        )
    assert erased == [None, None, None]


async def test_redaction_cannot_touch_the_header(log: Any) -> None:
    engine, _, _ = log
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(
                update(audit_entries)
                .where(audit_entries.c.id == 1)
                .values(content=None, salt=None, redacted_at=datetime.now(UTC), user_id="someone")
            )


# --- an entry of many subjects (a batch sanction check) ---------------------------------------


async def add_batch(
    engine: AsyncEngine,
    keys: AuditKeys,
    outcomes: Sequence[str] = ("BLOCK", "ALLOW", "ALLOW"),
    when: datetime | None = None,
    integrated: bool = True,
) -> int:
    """One SANCTION_CHECK entry with a subject row per outcome (integrated); its id."""
    audit = AuditLog(engine, keys, flags=None)  # type: ignore[arg-type]
    context = SimpleNamespace(
        principal=SimpleNamespace(
            sub="approval-market", org="agency:market_supervision", roles=["approval_system"]
        ),
        request_id="req-batch",
        client="127.0.0.1",
    )
    ids = [f"1101011990030{i:05d}" for i in range(len(outcomes))]
    checks = [
        ("PERSON", sid, outcome, ["XF-370602-2026-000001"] if outcome == "BLOCK" else [])
        for sid, outcome in zip(ids, outcomes, strict=True)
    ]
    batch, subjects = audit.check_entry(context, "XF-FLIGHT", checks, audit.seal(ids))
    if when is not None:
        batch["occurred_at"] = when
    async with engine.begin() as conn:
        entry_id = await insert_batch(conn, batch, subjects)
    if integrated:
        await integrate(engine, keys)
    return entry_id


@pytest.fixture
async def batch_log(log: Any) -> tuple[AsyncEngine, AuditKeys, list[str]]:
    engine, keys, _ = log
    assert await add_batch(engine, keys) == 21  # leaf 20, after the 20 single entries
    return log  # type: ignore[no-any-return]


async def test_a_batch_entry_and_its_subject_rows_verify(batch_log: Any) -> None:
    engine, _, verifier = batch_log
    report = await verify_log(engine, verifier)
    assert report.ok, report.problems
    assert (report.entries, report.tree_size, report.subjects) == (21, 21, 3)
    async with engine.connect() as conn:
        entry_row = (
            await conn.execute(select(audit_entries).where(audit_entries.c.id == 21))
        ).one()
        rows = (
            await conn.execute(
                select(audit_subjects.c.position, audit_subjects.c.outcome)
                .where(audit_subjects.c.entry_id == 21)
                .order_by(audit_subjects.c.position)
            )
        ).all()
    assert (entry_row.action, entry_row.subject_index, entry_row.outcome) == (
        "SANCTION_CHECK",
        None,
        "OK",
    )
    assert [tuple(r) for r in rows] == [(0, "BLOCK"), (1, "ALLOW"), (2, "ALLOW")]


SUBJECTS_ALTERED = "entry 21 (leaf 20): its subjects were altered (rows changed, added or removed)"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_subjects SET outcome = 'ALLOW' WHERE entry_id = 21 AND position = 0",
        "UPDATE audit_subjects SET subject_index = 'ff' WHERE entry_id = 21 AND position = 1",
        "UPDATE audit_subjects SET subject_kind = 'ENTERPRISE' WHERE entry_id = 21 AND position = 2",
        "UPDATE audit_subjects SET position = 5 WHERE entry_id = 21 AND position = 2",
        "DELETE FROM audit_subjects WHERE entry_id = 21 AND position = 2",
        "DELETE FROM audit_subjects WHERE entry_id = 21 AND position = 0",
        "INSERT INTO audit_subjects (entry_id, position, subject_kind, subject_index, outcome,"
        " content, salt, content_hash) SELECT entry_id, 3, subject_kind, subject_index, outcome,"
        " content, salt, content_hash FROM audit_subjects WHERE entry_id = 21 AND position = 1",
    ],
    ids=["outcome", "subject-index", "kind", "moved", "removed-last", "removed-first", "added"],
)
async def test_a_changed_added_or_removed_subject_row_is_named(
    batch_log: Any, statement: str
) -> None:
    engine, _, verifier = batch_log
    # when a subject row is changed, added or removed behind the triggers' back
    await tamper(engine, text(statement))
    # then verification names the batch entry
    report = await verify_log(engine, verifier)
    assert report.first() == SUBJECTS_ALTERED


async def test_changed_subject_contents_are_named(batch_log: Any) -> None:
    engine, _, verifier = batch_log
    async with engine.connect() as conn:
        content = (
            await conn.execute(
                select(audit_subjects.c.content).where(
                    audit_subjects.c.entry_id == 21, audit_subjects.c.position == 1
                )
            )
        ).scalar_one()
    await tamper(
        engine,
        update(audit_subjects)
        .where(audit_subjects.c.entry_id == 21, audit_subjects.c.position == 1)
        .values(content=content.replace('"entries":[]', '"entries":["X"]')),
    )
    report = await verify_log(engine, verifier)
    assert report.first() == "entry 21 (leaf 20), subject 1: its contents were altered"


async def test_subject_rows_given_to_a_single_entry_are_named(batch_log: Any) -> None:
    engine, _, verifier = batch_log
    await tamper(
        engine, text("UPDATE audit_subjects SET entry_id = 5 WHERE entry_id = 21 AND position = 2")
    )
    report = await verify_log(engine, verifier)
    assert report.problems[:2] == [
        "entry 5 (leaf 4) holds 1 subject rows it does not commit to",
        SUBJECTS_ALTERED,
    ]


async def test_subject_rows_are_append_only_but_redactable(batch_log: Any) -> None:
    engine, _, verifier = batch_log
    from sqlalchemy.exc import DBAPIError

    where = (audit_subjects.c.entry_id == 21, audit_subjects.c.position == 0)
    # a subject row cannot be changed or removed
    for statement in (
        update(audit_subjects).where(*where).values(outcome="ALLOW"),
        update(audit_subjects)
        .where(*where)
        .values(content=None, salt=None, redacted_at=datetime.now(UTC), outcome="ALLOW"),
        audit_subjects.delete().where(*where),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(statement)
    # but it may be redacted on its own: contents and salt erased, the rest kept
    async with engine.begin() as conn:
        await conn.execute(
            update(audit_subjects)
            .where(*where)
            .values(content=None, salt=None, redacted_at=datetime.now(UTC))
        )
    report = await verify_log(engine, verifier)
    assert report.ok, report.problems
    assert (report.redacted, report.redacted_subjects) == (0, 1)


async def test_redaction_erases_a_batch_and_its_subject_rows(batch_log: Any) -> None:
    engine, keys, verifier = batch_log
    # given a batch checked 400 days ago
    old = await add_batch(
        engine, keys, ("ALLOW", "BLOCK"), when=datetime.now(UTC) - timedelta(days=400)
    )
    # when the retention period is applied
    assert await redact_before(engine, datetime.now(UTC) - timedelta(days=365)) == 1
    # then its contents and its rows' contents are gone, and the log still verifies
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_subjects.c.content, audit_subjects.c.salt, audit_subjects.c.outcome)
                .where(audit_subjects.c.entry_id == old)
                .order_by(audit_subjects.c.position)
            )
        ).all()
    assert [tuple(r) for r in rows] == [(None, None, "ALLOW"), (None, None, "BLOCK")]
    report = await verify_log(engine, verifier)
    assert report.ok, report.problems
    assert (report.redacted, report.redacted_subjects, report.subjects) == (1, 2, 5)
    # and a redacted row's header still cannot change unnoticed
    await tamper(
        engine,
        text(
            f"UPDATE audit_subjects SET outcome = 'ALLOW' WHERE entry_id = {old} AND position = 1"
        ),
    )
    report = await verify_log(engine, verifier)
    assert (
        report.first()
        == f"entry {old} (leaf 21): its subjects were altered (rows changed, added or removed)"
    )


def test_verify_cli_exit_status(tmp_path: Path) -> None:
    # given a data directory with keys and a migrated hub database holding entries
    data = tmp_path / "fyt-data"
    env = {"HUB_DATA_DIR": str(data)}
    generate_audit_keys(data / "keys" / "audit.key", data / "keys" / "audit-signing-key.pem")
    engine_url = f"sqlite+aiosqlite:///{data / 'hub.sqlite3'}"

    async def prepare() -> None:
        engine = create_hub_engine(engine_url)
        await upgrade(engine)
        await insert_entries(engine, [entry(i) for i in range(5)])
        await engine.dispose()

    asyncio.run(prepare())
    runner = CliRunner()
    assert runner.invoke(main, ["audit", "integrate"], env=env).output.strip() == "tree size 5"
    ok = runner.invoke(main, ["audit", "verify"], env=env)
    assert ok.exit_code == 0 and "OK: the audit log is consistent" in ok.output
    note = runner.invoke(main, ["audit", "checkpoint"], env=env).output
    (tmp_path / "trusted.note").write_text(note)
    assert (
        runner.invoke(
            main, ["audit", "verify", "--trusted", str(tmp_path / "trusted.note")], env=env
        ).exit_code
        == 0
    )

    # when an entry is altered behind the triggers' back
    async def alter() -> None:
        engine = create_hub_engine(engine_url)
        await tamper(
            engine, update(audit_entries).where(audit_entries.c.id == 2).values(org="court:999999")
        )
        await engine.dispose()

    asyncio.run(alter())
    bad = runner.invoke(main, ["audit", "verify"], env=env)
    assert bad.exit_code == 1
    assert "FAIL: entry 2 (leaf 1) was altered" in bad.output
    # and a trusted checkpoint that does not verify is refused
    (tmp_path / "forged.note").write_text(note.replace("\n5\n", "\n6\n"))
    forged = runner.invoke(
        main, ["audit", "verify", "--trusted", str(tmp_path / "forged.note")], env=env
    )
    assert forged.exit_code == 1 and "does not verify" in forged.output


@pytest.mark.postgres
async def test_concurrent_writers_leave_a_contiguous_tree_on_postgresql(tmp_path: Path) -> None:
    # given a fresh PostgreSQL database, 32 writers and 4 integrators running at once
    base = os.environ[PG_ENV]
    name, url = await _create_pg_database(base)
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")
    engines = [create_hub_engine(url) for _ in range(4)]
    try:
        await upgrade(engines[0])

        async def writer(w: int) -> None:
            for b in range(5):
                await insert_entries(
                    engines[w % 4], [entry(w * 1000 + b * 10 + i) for i in range(10)]
                )
                await asyncio.sleep(0)

        stop = asyncio.Event()

        async def integrator(e: AsyncEngine) -> None:
            while not stop.is_set():
                await integrate(e, keys, batch=37)
                await asyncio.sleep(0.005)

        tasks = [asyncio.create_task(integrator(e)) for e in engines]
        await asyncio.gather(*(writer(w) for w in range(32)))
        stop.set()
        await asyncio.gather(*tasks)
        for _ in range(100):  # the rest, batch by batch
            if await integrate(engines[0], keys) == 32 * 50:
                break
        # then the leaves are contiguous, every entry is in the tree once, and the signed root
        # equals a tree rebuilt from scratch
        async with engines[0].connect() as conn:
            indexes = (
                (
                    await conn.execute(
                        select(audit_leaves.c.leaf_index).order_by(audit_leaves.c.leaf_index)
                    )
                )
                .scalars()
                .all()
            )
            entry_ids = (await conn.execute(select(audit_leaves.c.entry_id))).scalars().all()
            hashes = [
                bytes(h)
                for h in (
                    await conn.execute(
                        select(audit_leaves.c.leaf_hash).order_by(audit_leaves.c.leaf_index)
                    )
                ).scalars()
            ]
            last = await latest_checkpoint(conn)
        assert indexes == list(range(32 * 50))
        assert len(set(entry_ids)) == 32 * 50
        verifier = [vkey(keys.origin, keys.public_key)]
        assert open_checkpoint(last.note, verifier).root == root(hashes)
        report = await verify_log(engines[0], verifier)
        assert report.ok, report.problems[:3]
    finally:
        for e in engines:
            await e.dispose()
        await _drop_pg_database(base, name)


# --- fixed vectors ------------------------------------------------------------------------------
# Computed outside the hub: each header spelled out by hand as canonical JSON (sorted keys, no
# whitespace, UTF-8), hashed with sha256sum (a leaf: 0x00 first); the blind index with HKDF and
# HMAC-SHA256 written out from RFC 5869 and RFC 2104 on hashlib/hmac.

CONTENT_HASH = bytes(range(32))
SUBJECT_ROWS = [
    {
        "position": 7,
        "subject_kind": "PERSON",
        "subject_index": "ab" * 32,
        "outcome": "BLOCK",
        "content_hash": CONTENT_HASH,
        "content": "{}",
    },
    {
        "position": 8,
        "subject_kind": "ENTERPRISE",
        "subject_index": "cd" * 32,
        "outcome": "ALLOW",
        "content_hash": bytes(range(32, 64)),
        "content": "{}",
    },
]
SUBJECT_HEADER_JSON = (
    b'{"content_hash":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",'
    b'"outcome":"BLOCK","position":7,'
    b'"subject_index":"abababababababababababababababababababababababababababababababab",'
    b'"subject_kind":"PERSON"}'
)
SUBJECT_DIGESTS = [
    "5c1014e1fa73be283ca75709c7256238aed2ebf1bc244c4231d6db632c70ca97",
    "fefb9f46706325751902c020b184becdebe966278e48adb18dee04651253603e",
]
SUBJECTS_HASH = "1daa07e2c1a5f40e7a812045afd2ae2c8c36540f5af9e5ca081e10b2ef240166"

ENTRY = {
    "id": 42,
    "occurred_at": datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC),
    "request_id": "req-42",
    "user_id": "judge-zhang",
    "org": "court:370602",
    "roles": "enforcement_judge",
    "case_number": "（2026）鲁0602执1号",
    "action": "PROFILE_VIEW",
    "subject_kind": "PERSON",
    "subject_index": "ab" * 32,
    "outcome": "OK",
    "flags": "",
    "content_hash": CONTENT_HASH,
    "subjects_hash": None,
    "content": '{"subject":"enc-42"}',
}
ENTRY_LEAF_DATA = (
    '{"action":"PROFILE_VIEW","case_number":"（2026）鲁0602执1号",'
    '"content_hash":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",'
    '"flags":"","id":42,"occurred_at":"2026-03-01T08:30:15.123456Z","org":"court:370602",'
    '"outcome":"OK","request_id":"req-42","roles":"enforcement_judge",'
    '"subject_index":"abababababababababababababababababababababababababababababababab",'
    '"subject_kind":"PERSON","user_id":"judge-zhang"}'
).encode()
ENTRY_LEAF_HASH = "11d3970571e6d75c632dec0cd2312936f628fa727241ef5dde3a73ae92c20b1f"
BATCH = {
    **ENTRY,
    "id": 43,
    "occurred_at": datetime(2026, 3, 1, 8, 30, 16),  # naive: UTC
    "request_id": "req-43",
    "user_id": "approval-market",
    "org": "agency:market_supervision",
    "roles": "approval_system",
    "case_number": None,
    "action": "SANCTION_CHECK",
    "subject_kind": None,
    "subject_index": None,
    "subjects_hash": bytes(range(32, 64)),
}
BATCH_LEAF_HASH = "9fdcb15fa53da46c3f18e67909ff3bee17ab2bc65e0be6c000b908440a186cf4"


def test_a_subject_digest_is_the_sha256_of_the_canonical_header() -> None:
    # the digest's spelling is the canonical JSON of the row's header (content hash in hex)
    import hashlib

    from hub.audit.entries import subject_digest

    assert hashlib.sha256(SUBJECT_HEADER_JSON).hexdigest() == SUBJECT_DIGESTS[0]  # the vector
    assert [subject_digest(r).hex() for r in SUBJECT_ROWS] == SUBJECT_DIGESTS
    # the content hash as the database hands it back (bytes) or as text: the same digest
    row = {**SUBJECT_ROWS[0], "content_hash": CONTENT_HASH.hex()}
    assert subject_digest(row).hex() == SUBJECT_DIGESTS[0]


def test_subjects_hash_chains_the_digests_in_position_order() -> None:
    from hub.audit.entries import subjects_hash

    assert subjects_hash(SUBJECT_ROWS).hex() == SUBJECTS_HASH
    assert subjects_hash(SUBJECT_ROWS[::-1]).hex() != SUBJECTS_HASH


def test_a_leaf_commits_to_the_canonical_header() -> None:
    from hub.audit.entries import leaf_data

    # an entry of one subject: its header, the contents by their hash, UTF-8 as written
    assert leaf_data(ENTRY) == ENTRY_LEAF_DATA
    assert leaf_hash(leaf_data(ENTRY)).hex() == ENTRY_LEAF_HASH
    # an entry with subject rows also commits to them (a naive time is UTC)
    assert leaf_hash(leaf_data(BATCH)).hex() == BATCH_LEAF_HASH
    # the contents themselves are not in the leaf (they may be redacted)
    assert leaf_data({**ENTRY, "content": None}) == ENTRY_LEAF_DATA


def test_a_content_hash_is_the_sha256_of_salt_and_contents() -> None:
    contents = '{"fields":{"granted":["Identity.name"]},"subject":"enc-1"}'
    assert (
        content_hash(b"\x11" * 16, contents).hex()
        == "14be7fa93369ec9b88388a47980a9292517a4148fd2ce15e395ba2fb50f6dfdc"
    )


def test_a_blind_index_is_an_hmac_under_the_derived_index_key(tmp_path: Path) -> None:
    # given the master key 00 01 … 1f
    master = tmp_path / "audit.key"
    master.write_bytes(base64.b64encode(bytes(range(32))) + b"\n")
    generate_audit_keys(master, tmp_path / "audit.pem")
    keys = AuditKeys.load(master, tmp_path / "audit.pem", "test.example/audit")
    # then the index key is HKDF-SHA256(master, info "fyt audit blind index") and a subject's
    # index HMAC-SHA256 under it
    assert keys.index.hex() == "7f19ae39e8bc6634459c4c3d8727d54201804b25d37288d4bb4de3585bf62617"
    assert (
        keys.blind_index("110101199003074477")
        == "ef1b5accf4fdebfb9029dde4b6022b41c56d6b543a9d837dc3ea40712850bf2d"
    )
    assert (
        keys.blind_index("91370602MA3C4X5Y0T")
        == "8707c556b72caf88c132a8742cdfad440a12679828e9ade5ad5498c50612982a"
    )


@pytest.mark.parametrize("size", [1, 4001, 10_000])
async def test_a_batch_of_any_size_is_stored_whole(log: Any, size: int) -> None:
    # given batches that fill the insert statements evenly and unevenly
    engine, keys, verifier = log
    outcomes = ["BLOCK" if i % 7 == 0 else "ALLOW" for i in range(size)]
    entry_id = await add_batch(engine, keys, outcomes)
    # then every row is stored, in order, and the log verifies
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_subjects.c.position, audit_subjects.c.outcome)
                .where(audit_subjects.c.entry_id == entry_id)
                .order_by(audit_subjects.c.position)
            )
        ).all()
    assert [tuple(r) for r in rows] == list(enumerate(outcomes))
    report = await verify_log(engine, verifier)
    assert report.ok, report.problems
    assert report.subjects == size


# --- read in pages, problems capped -----------------------------------------------------------


async def test_pages_smaller_than_the_log_name_the_same_problems(
    batch_log: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.audit import verify

    engine, _, verifier = batch_log
    # given leaves, checkpoints and subject rows read a few rows at a time
    monkeypatch.setattr(verify, "PAGE", 3)
    monkeypatch.setattr(verify, "SUBJECT_PAGE", 2)
    # when an entry and a subject row of the batch are altered
    await tamper(
        engine,
        text("UPDATE audit_entries SET content = replace(content, 'enc-', 'enC-') WHERE id = 7"),
    )
    await tamper(
        engine,
        text(
            "UPDATE audit_subjects SET content = replace(content, '\"entries\":[]',"
            ' \'"entries":["X"]\') WHERE entry_id = 21 AND position = 1'
        ),
    )
    # then both are named, in the order of the log, and everything is counted once
    report = await verify_log(engine, verifier)
    assert report.problems == [
        "entry 7 (leaf 6): its contents were altered",
        "entry 21 (leaf 20), subject 1: its contents were altered",
    ]
    assert (report.entries, report.tree_size, report.checkpoints, report.subjects) == (
        21,
        21,
        4,
        3,
    )


async def test_a_report_keeps_the_first_problems_and_counts_the_rest(
    log: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.audit import verify

    engine, _, verifier = log
    monkeypatch.setattr(verify, "MAX_PROBLEMS", 3)
    # when five entries are altered
    await tamper(engine, text("UPDATE audit_entries SET user_id = 'X' WHERE id <= 5"))
    # then the first three are named and two more counted
    report = await verify_log(engine, verifier)
    assert report.problems == [f"entry {i} (leaf {i - 1}) was altered" for i in (1, 2, 3)]
    assert report.omitted == 2
    assert not report.ok


# --- the stored tiles -------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def tiled_log(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[AsyncEngine, list[str]]]:
    """A log of 600 leaves, read 100 at a time: tiles 0 and 1 of level 0 full (256 hashes),
    tile 2 partial (88), and tile 0 of level 1 partial (2: the roots of the two full ones)."""
    from hub.audit import verify

    monkeypatch.setattr(verify, "PAGE", 100)
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")
    database = None
    if request.param == "postgresql":
        database, url = await _create_pg_database(os.environ[PG_ENV])
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    engine = create_hub_engine(url)
    await upgrade(engine)
    await insert_entries(engine, [entry(i) for i in range(600)])
    assert await integrate(engine, keys, batch=300) == 300
    assert await integrate(engine, keys, batch=300) == 600
    try:
        yield engine, [vkey(keys.origin, keys.public_key)]
    finally:
        await engine.dispose()
        if database is not None:
            await _drop_pg_database(os.environ[PG_ENV], database)


async def test_the_stored_tiles_of_a_sound_log_verify(tiled_log: Any) -> None:
    engine, verifier = tiled_log
    async with engine.connect() as conn:
        stored = (
            await conn.execute(text("SELECT level, tile_index, width FROM audit_tiles"))
        ).all()
    assert sorted(tuple(r) for r in stored) == [(0, 0, 256), (0, 1, 256), (0, 2, 88), (1, 0, 2)]
    report = await verify_log(engine, verifier)
    assert report.ok, report.problems


ZERO = bytes(32)


async def set_tile(engine: AsyncEngine, level: int, index: int, change: Any) -> None:
    """Replace the stored hashes of a tile with ``change(hashes)``, behind the triggers' back."""
    async with engine.connect() as conn:
        hashes = (
            await conn.execute(
                select(audit_tiles.c.hashes).where(
                    audit_tiles.c.level == level, audit_tiles.c.tile_index == index
                )
            )
        ).scalar_one()
    changed = change(bytes(hashes))
    await tamper(
        engine,
        update(audit_tiles)
        .where(audit_tiles.c.level == level, audit_tiles.c.tile_index == index)
        .values(width=len(changed) // 32, hashes=changed),
    )


@pytest.mark.parametrize(
    ("level", "index", "change", "problem"),
    [
        (
            0,
            1,
            lambda h: h[: 5 * 32] + ZERO + h[6 * 32 :],
            "tile 1 of level 0 (width 256) differs from the tile grown from the stored leaves"
            " (from its hash 5)",
        ),
        (
            1,
            0,
            lambda h: h[:32] + ZERO,
            "tile 0 of level 1 (width 2) differs from the tile grown from the stored leaves"
            " (from its hash 1)",
        ),
        (
            0,
            2,
            lambda h: h + ZERO,
            "tile 2 of level 0 (width 88): the stored tile holds 89 hashes, the tree of size 600"
            " has 88: the stored tiles reach beyond the tree",
        ),
        (
            0,
            2,
            lambda h: h[: 80 * 32],
            "tile 2 of level 0 (width 88): the stored tile holds 80 hashes, the tree of size 600"
            " has 88",
        ),
    ],
    ids=["hash", "upper-level", "wider", "narrower"],
)
async def test_a_changed_tile_is_named(
    tiled_log: Any, level: int, index: int, change: Any, problem: str
) -> None:
    engine, verifier = tiled_log
    # given a stored tile changed behind the triggers' back (the leaves left alone)
    await set_tile(engine, level, index, change)
    # when verified, the tile is named by level, index and width, and nothing else
    report = await verify_log(engine, verifier)
    assert report.problems == [problem]


async def test_a_missing_tile_is_named(tiled_log: Any) -> None:
    engine, verifier = tiled_log
    await tamper(
        engine,
        audit_tiles.delete().where(audit_tiles.c.level == 0, audit_tiles.c.tile_index == 0),
    )
    report = await verify_log(engine, verifier)
    assert report.problems == ["tile 0 of level 0 (width 256) is not stored"]


async def test_tiles_beyond_the_tree_are_counted_and_the_first_named(tiled_log: Any) -> None:
    engine, verifier = tiled_log
    # given a tile after the last of level 0, and one of a level the tree of 600 does not reach
    await tamper(
        engine,
        audit_tiles.insert().values(
            [
                {"level": 2, "tile_index": 0, "width": 1, "hashes": ZERO},
                {"level": 0, "tile_index": 3, "width": 1, "hashes": ZERO},
            ]
        ),
    )
    report = await verify_log(engine, verifier)
    assert report.problems == [
        "2 stored tile(s) lie beyond the tree of size 600, the first tile 3 of level 0 (width 1)"
    ]
