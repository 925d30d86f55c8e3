"""`fyt audit export` / `verify-export`: an export verifies offline; any change to it is named."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.cli import main
from hub.db.engine import create_hub_engine, upgrade
from tests.hub.test_audit_integrity import add_batch, entry, insert_entries

TODAY = datetime.now(UTC).date()
FROM = (TODAY - timedelta(days=1)).isoformat()
TO = (TODAY + timedelta(days=1)).isoformat()


@pytest.fixture
def data(tmp_path: Path) -> dict[str, str]:
    data_dir = tmp_path / "fyt-data"
    generate_audit_keys(
        data_dir / "keys" / "audit.key", data_dir / "keys" / "audit-signing-key.pem"
    )

    async def prepare() -> None:
        engine = create_hub_engine(f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}")
        await upgrade(engine)
        old = [entry(100 + i, when=datetime.now(UTC) - timedelta(days=30)) for i in range(3)]
        await insert_entries(engine, [entry(i) for i in range(6)] + old)
        await engine.dispose()

    asyncio.run(prepare())
    env = {"HUB_DATA_DIR": str(data_dir)}
    assert CliRunner().invoke(main, ["audit", "integrate"], env=env).exit_code == 0
    return env


def run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_verifies_offline(data: dict[str, str], tmp_path: Path, fmt: str) -> None:
    # given an export of today's entries and the log's public key
    out = tmp_path / f"export.{fmt}"
    result = run(
        data, "audit", "export", "--from", FROM, "--to", TO, "--format", fmt, "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    key = run(data, "audit", "public-key").output.strip()
    (tmp_path / "log.vkey").write_text(key + "\n")
    # when it is verified with only the file and the key (no hub configuration at all)
    result = run({}, "audit", "verify-export", str(out), "--public-key", str(tmp_path / "log.vkey"))
    # then every entry is found in the signed tree, unaltered; the 30-day-old ones are outside the range
    assert result.exit_code == 0, result.output
    assert "6 entries in a tree of 9" in result.output


def test_a_changed_export_is_named(data: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    run(data, "audit", "export", "--from", FROM, "--to", TO, "-o", str(out))
    key = run(data, "audit", "public-key").output.strip()
    lines = out.read_text().splitlines()
    record = json.loads(lines[3])
    record["entry"]["user_id"] = "someone-else"
    lines[3] = json.dumps(record, ensure_ascii=False)
    out.write_text("\n".join(lines) + "\n")
    result = run({}, "audit", "verify-export", str(out), "--public-key", key)
    assert result.exit_code == 1
    assert (
        f"FAIL: entry {record['entry']['id']} (leaf {record['leafIndex']}) was altered"
        in result.output
    )


def test_changed_contents_and_a_wrong_proof_are_named(data: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    run(data, "audit", "export", "--from", FROM, "--to", TO, "-o", str(out))
    key = run(data, "audit", "public-key").output.strip()
    lines = out.read_text().splitlines()
    a, b = json.loads(lines[1]), json.loads(lines[2])
    a["entry"]["content"] = a["entry"]["content"].replace("enc", "ENC")
    b["proof"][0] = base64.b64encode(bytes(32)).decode()
    lines[1], lines[2] = json.dumps(a), json.dumps(b)
    out.write_text("\n".join(lines) + "\n")
    result = run({}, "audit", "verify-export", str(out), "--public-key", key)
    assert result.exit_code == 1
    assert (
        f"entry {a['entry']['id']} (leaf {a['leafIndex']}): its contents were altered"
        in result.output
    )
    assert (
        f"entry {b['entry']['id']} (leaf {b['leafIndex']}) is not in the signed tree"
        in result.output
    )


def test_another_key_does_not_verify(data: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    run(data, "audit", "export", "--from", FROM, "--to", TO, "-o", str(out))
    other = tmp_path / "other"
    generate_audit_keys(other / "audit.key", other / "audit-signing-key.pem")
    other_key = run(
        {
            "HUB_DATA_DIR": str(other.parent),
            "HUB_AUDIT_KEY_FILE": str(other / "audit.key"),
            "HUB_AUDIT_SIGNING_KEY": str(other / "audit-signing-key.pem"),
        },
        "audit",
        "public-key",
    ).output.strip()
    result = run({}, "audit", "verify-export", str(out), "--public-key", other_key)
    assert result.exit_code == 1
    assert "checkpoint does not verify" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", TO], "is not a date"),
        (["--from", TO, "--to", FROM], "is after --to"),
        (["--from", FROM, "--to", TO, "--format", "xml"], "Invalid value"),
    ],
)
def test_export_refuses_bad_options(data: dict[str, str], args: list[str], message: str) -> None:
    result = run(data, "audit", "export", *args)
    assert result.exit_code != 0
    assert message in result.output


def test_redact_refuses_a_future_date(data: dict[str, str]) -> None:
    result = run(
        data, "audit", "redact", "--before", (TODAY + timedelta(days=5)).isoformat(), "--yes"
    )
    assert result.exit_code != 0 and "future" in result.output


def test_redacted_entries_still_verify_in_an_export(data: dict[str, str], tmp_path: Path) -> None:
    result = run(
        data, "audit", "redact", "--before", (TODAY - timedelta(days=7)).isoformat(), "--yes"
    )
    assert "redacted 3 entries" in result.output
    out = tmp_path / "old.jsonl"
    run(
        data,
        "audit",
        "export",
        "--from",
        (TODAY - timedelta(days=60)).isoformat(),
        "--to",
        TO,
        "-o",
        str(out),
    )
    key = run(data, "audit", "public-key").output.strip()
    result = run({}, "audit", "verify-export", str(out), "--public-key", key)
    assert result.exit_code == 0, result.output
    assert "9 entries in a tree of 9, 3 redacted" in result.output
    assert run(data, "audit", "verify").exit_code == 0


@pytest.fixture
def batch_data(tmp_path: Path) -> dict[str, str]:
    """Two single entries, then a batch check of three subjects (entry 3, leaf 2)."""
    data_dir = tmp_path / "fyt-data"
    keys_dir = data_dir / "keys"
    generate_audit_keys(keys_dir / "audit.key", keys_dir / "audit-signing-key.pem")

    async def prepare() -> None:
        engine = create_hub_engine(f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}")
        await upgrade(engine)
        await insert_entries(engine, [entry(i) for i in range(2)])
        keys = AuditKeys.load(keys_dir / "audit.key", keys_dir / "audit-signing-key.pem", "-")
        assert await add_batch(engine, keys, integrated=False) == 3
        await engine.dispose()

    asyncio.run(prepare())
    env = {"HUB_DATA_DIR": str(data_dir)}
    assert CliRunner().invoke(main, ["audit", "integrate"], env=env).exit_code == 0
    return env


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_batch_entry_and_its_subjects_verify_offline(
    batch_data: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"export.{fmt}"
    result = run(
        batch_data, "audit", "export", "--from", FROM, "--to", TO, "--format", fmt, "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    key = run(batch_data, "audit", "public-key").output.strip()
    result = run({}, "audit", "verify-export", str(out), "--public-key", key)
    assert result.exit_code == 0, result.output
    assert "3 entries in a tree of 3" in result.output
    if fmt == "jsonl":
        batch = json.loads(out.read_text().splitlines()[3])
        assert batch["entry"]["subjects_hash"] is not None
        assert [(s["position"], s["outcome"]) for s in batch["subjects"]] == [
            (0, "BLOCK"),
            (1, "ALLOW"),
            (2, "ALLOW"),
        ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s[0].update(outcome="ALLOW"), "its subjects were altered"),
        (lambda s: s.pop(), "its subjects were altered"),
        (lambda s: s.append({**s[1], "position": 3}), "its subjects were altered"),
        (
            lambda s: s[2].update(content=s[2]["content"].replace("[]", '["X"]')),
            "subject 2: its contents were altered",
        ),
    ],
    ids=["outcome", "removed", "added", "contents"],
)
def test_a_changed_subject_in_an_export_is_named(
    batch_data: dict[str, str], tmp_path: Path, change: Any, problem: str
) -> None:
    out = tmp_path / "export.jsonl"
    run(batch_data, "audit", "export", "--from", FROM, "--to", TO, "-o", str(out))
    key = run(batch_data, "audit", "public-key").output.strip()
    lines = out.read_text().splitlines()
    record = json.loads(lines[3])
    change(record["subjects"])
    lines[3] = json.dumps(record, ensure_ascii=False)
    out.write_text("\n".join(lines) + "\n")
    result = run({}, "audit", "verify-export", str(out), "--public-key", key)
    assert result.exit_code == 1
    assert f"FAIL: entry 3 (leaf 2){',' if 'subject 2' in problem else ':'} {problem}" in (
        result.output
    )
