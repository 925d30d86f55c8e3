"""An export states the leaf range it covers; `verify-export` names a deleted, repeated or
moved line by its leaf index, and still reads exports written before ranges."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.audit.keys import generate_audit_keys
from hub.cli import main
from hub.db.engine import create_hub_engine, upgrade
from tests.hub.test_audit_export import FROM, TO, run
from tests.hub.test_audit_integrity import entry, insert_entries


def prepare(tmp_path: Path, entries: list[dict[str, Any]]) -> dict[str, str]:
    """A hub data directory whose log holds ``entries``, integrated; its environment."""
    data_dir = tmp_path / "fyt-data"
    keys = data_dir / "keys"
    generate_audit_keys(keys / "audit.key", keys / "audit-signing-key.pem")

    async def fill() -> None:
        engine = create_hub_engine(f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}")
        await upgrade(engine)
        await insert_entries(engine, entries)
        await engine.dispose()

    asyncio.run(fill())
    env = {"HUB_DATA_DIR": str(data_dir)}
    assert run(env, "audit", "integrate").exit_code == 0
    return env


@pytest.fixture
def data(tmp_path: Path) -> dict[str, str]:
    """Six entries recorded today (leaves 0 to 5), three 30 days ago (leaves 6 to 8)."""
    old = [entry(100 + i, when=datetime.now(UTC) - timedelta(days=30)) for i in range(3)]
    return prepare(tmp_path, [entry(i) for i in range(6)] + old)


def export(env: dict[str, str], tmp_path: Path, fmt: str = "jsonl") -> tuple[Path, str]:
    out = tmp_path / f"export.{fmt}"
    result = run(
        env, "audit", "export", "--from", FROM, "--to", TO, "--format", fmt, "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    return out, run(env, "audit", "public-key").output.strip()


def verify(out: Path, key: str) -> Any:
    return CliRunner().invoke(main, ["audit", "verify-export", str(out), "--public-key", key])


def drop_line(out: Path, leaf: int) -> None:
    """Delete the line (JSON Lines) or row (CSV) of ``leaf`` and nothing else."""
    if out.suffix == ".jsonl":
        lines = out.read_text().splitlines()
        kept = [ln for ln in lines if json.loads(ln).get("leafIndex") != leaf]
        assert len(kept) == len(lines) - 1
        out.write_text("\n".join(kept) + "\n")
        return
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    kept_rows = [r for r in rows if r["leafIndex"] != str(leaf)]
    assert len(kept_rows) == len(rows) - 1
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(kept_rows)
    out.write_text(buffer.getvalue())


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("leaf", [0, 2, 5])
def test_a_deleted_line_is_named_by_its_leaf_index(
    data: dict[str, str], tmp_path: Path, fmt: str, leaf: int
) -> None:
    # given an export of today's six entries (leaves 0 to 5), one line deleted
    out, key = export(data, tmp_path, fmt)
    drop_line(out, leaf)
    # when it is verified offline
    result = verify(out, key)
    # then the deleted line is named by its leaf index
    assert result.exit_code == 1, result.output
    assert f"FAIL: leaf {leaf} is missing (its line was deleted)" in result.output


def test_a_repeated_line_is_named(data: dict[str, str], tmp_path: Path) -> None:
    out, key = export(data, tmp_path)
    lines = out.read_text().splitlines()
    lines.insert(4, lines[3])  # leaf 2 twice
    out.write_text("\n".join(lines) + "\n")
    result = verify(out, key)
    assert result.exit_code == 1
    assert "FAIL: leaf 2 appears more than once" in result.output


def test_lines_in_another_order_are_named(data: dict[str, str], tmp_path: Path) -> None:
    out, key = export(data, tmp_path)
    lines = out.read_text().splitlines()
    lines[2], lines[3] = lines[3], lines[2]  # leaves 1 and 2
    out.write_text("\n".join(lines) + "\n")
    result = verify(out, key)
    assert result.exit_code == 1
    assert "FAIL: leaf 1 is out of order (after leaf 2)" in result.output
    assert "missing" not in result.output


def test_a_stated_count_that_disagrees_is_named(data: dict[str, str], tmp_path: Path) -> None:
    out, key = export(data, tmp_path)
    lines = out.read_text().splitlines()
    header = json.loads(lines[0])
    assert (header["firstLeaf"], header["lastLeaf"], header["count"]) == (0, 5, 6)
    header["count"] = 5
    lines[0] = json.dumps(header, ensure_ascii=False)
    out.write_text("\n".join(lines) + "\n")
    result = verify(out, key)
    assert result.exit_code == 1
    assert "FAIL: the export states 5 lines for leaves 0 to 5" in result.output


def test_a_complete_export_states_its_range_and_verifies(
    data: dict[str, str], tmp_path: Path
) -> None:
    out, key = export(data, tmp_path, "csv")
    result = verify(out, key)
    assert result.exit_code == 0, result.output
    assert "the export states leaves 0 to 5" in result.output
    assert "WARNING" not in result.output


def test_an_export_written_before_ranges_still_verifies_with_a_warning(
    data: dict[str, str], tmp_path: Path
) -> None:
    # given an export as the earlier version wrote it: no range in the header
    out, key = export(data, tmp_path)
    lines = out.read_text().splitlines()
    header = json.loads(lines[0])
    for k in ("firstLeaf", "lastLeaf", "count"):
        del header[k]
    lines[0] = json.dumps(header, ensure_ascii=False)
    out.write_text("\n".join(lines) + "\n")
    # when it is verified
    result = verify(out, key)
    # then it verifies, and says that a deleted line could not be seen
    assert result.exit_code == 0, result.output
    assert "WARNING: this export states no leaf range" in result.output


def test_an_entry_recorded_out_of_order_inside_the_range_is_exported(tmp_path: Path) -> None:
    # given leaves 0..4 recorded today, except leaf 2, recorded (by its clock) two days ago
    early = datetime.now(UTC) - timedelta(days=2)
    env = prepare(tmp_path, [entry(i, when=early if i == 2 else None) for i in range(5)])
    # when today's entries are exported
    out, key = export(env, tmp_path)
    # then the range 0..4 is whole (leaf 2 included) and verifies
    lines = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert [ln["leafIndex"] for ln in lines[1:]] == [0, 1, 2, 3, 4]
    assert verify(out, key).exit_code == 0
