"""`fyt audit export --from D --to D` exports the court day D: days are the courts' calendar
(Asia/Shanghai), both ends included; an export of days with no entries says so and writes
nothing, and `verify-export` reads an export that states it is empty as empty, not as a failure.
`fyt audit redact --before D` counts D on the same calendar.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from hub.audit.keys import generate_audit_keys
from hub.cli import main
from hub.db.engine import create_hub_engine, upgrade
from tests.hub.test_audit_integrity import entry, insert_entries

SHANGHAI = ZoneInfo("Asia/Shanghai")
# (request id, when): around the turn of the court day 2025-11-02, which begins at
# 2025-11-01T16:00Z — the first two are on 1 November in UTC, the second already on the 2nd in court
MOMENTS = [
    ("req-late-1st", datetime(2025, 11, 1, 23, 30, tzinfo=SHANGHAI)),
    ("req-early-2nd", datetime(2025, 11, 2, 0, 30, tzinfo=SHANGHAI)),
    ("req-last-of-2nd", datetime(2025, 11, 2, 23, 59, 59, 999000, tzinfo=SHANGHAI)),
    ("req-first-of-3rd", datetime(2025, 11, 3, 0, 0, tzinfo=SHANGHAI)),
]
SERIALS = itertools.count(1000)


def run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(main, list(args), env=env)


def prepare(data_dir: Path, moments: list[tuple[str, datetime]]) -> None:
    async def insert() -> None:
        engine = create_hub_engine(f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}")
        await upgrade(engine)
        rows = [  # recorded as the hub records them, in UTC
            {**entry(next(SERIALS), when=when.astimezone(UTC)), "request_id": rid}
            for rid, when in moments
        ]
        await insert_entries(engine, rows)
        await engine.dispose()

    asyncio.run(insert())


@pytest.fixture
def log(tmp_path: Path) -> dict[str, str]:
    """An integrated log of the four entries of MOMENTS; the environment that names it."""
    data_dir = tmp_path / "fyt-data"
    generate_audit_keys(
        data_dir / "keys" / "audit.key", data_dir / "keys" / "audit-signing-key.pem"
    )
    prepare(data_dir, MOMENTS)
    env = {"HUB_DATA_DIR": str(data_dir)}
    assert run(env, "audit", "integrate").exit_code == 0
    return env


def exported(path: Path) -> list[str]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [line["entry"]["request_id"] for line in lines[1:]]


def verified(env: dict[str, str], path: Path) -> Any:
    key = run(env, "audit", "public-key").output.strip()
    return run({}, "audit", "verify-export", str(path), "--public-key", key)


def test_from_and_to_the_same_day_exports_that_court_day(
    log: dict[str, str], tmp_path: Path
) -> None:
    # when the auditor exports 2 November, from and to the same day
    out = tmp_path / "day.jsonl"
    result = run(
        log, "audit", "export", "--from", "2025-11-02", "--to", "2025-11-02", "-o", str(out)
    )
    # then the export holds the entries of that day in Beijing time: from 00:30 to 23:59:59.999,
    # not the one of 23:30 the day before (2 November in UTC) nor the one at midnight after
    assert result.exit_code == 0, result.output
    assert exported(out) == ["req-early-2nd", "req-last-of-2nd"]
    assert "exported 2 entries of 2025-11-02" in result.output
    # and it verifies
    check = verified(log, out)
    assert check.exit_code == 0, check.output
    assert "OK: every entry is in the signed tree and unaltered" in check.output


def test_to_is_the_last_day_included(log: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "days.jsonl"
    # when the auditor exports from 1 to 2 November
    result = run(
        log, "audit", "export", "--from", "2025-11-01", "--to", "2025-11-02", "-o", str(out)
    )
    # then the 2nd is in, all of it, and the 3rd is not
    assert result.exit_code == 0, result.output
    assert exported(out) == ["req-late-1st", "req-early-2nd", "req-last-of-2nd"]


def test_days_with_no_entries_say_so_and_write_nothing(log: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "empty.jsonl"
    # when the auditor exports a day on which nothing was recorded
    result = run(
        log, "audit", "export", "--from", "2025-10-01", "--to", "2025-10-01", "-o", str(out)
    )
    # then the command says so plainly, fails, and leaves no file for verify-export to fail on
    assert result.exit_code == 1
    assert (
        "no audit entries were recorded on 2025-10-01 (court days, Asia/Shanghai); nothing to"
        " export, nothing was written" in result.output
    )
    assert not out.exists()


def test_entries_not_yet_integrated_are_named(log: dict[str, str], tmp_path: Path) -> None:
    # given two entries of 5 November recorded after the last checkpoint was signed
    prepare(
        Path(log["HUB_DATA_DIR"]),
        [
            ("req-pending-1", datetime(2025, 11, 5, 9, 0, tzinfo=SHANGHAI)),
            ("req-pending-2", datetime(2025, 11, 5, 10, 0, tzinfo=SHANGHAI)),
        ],
    )
    # when the auditor exports that day
    result = run(log, "audit", "export", "--from", "2025-11-05", "--to", "2025-11-05")
    # then the command says why the export would be empty, and what to do
    assert result.exit_code == 1
    assert "the 2 entries recorded on 2025-11-05 (court days, Asia/Shanghai) are not yet" in (
        result.output
    )
    assert "fyt audit integrate" in result.output


def test_from_after_to_is_refused(log: dict[str, str]) -> None:
    result = run(log, "audit", "export", "--from", "2025-11-03", "--to", "2025-11-02")
    assert result.exit_code == 2
    assert "--from (2025-11-03) is after --to (2025-11-02); both days are included" in (
        result.output
    )


def test_an_export_that_states_it_is_empty_verifies_as_empty(
    log: dict[str, str], tmp_path: Path
) -> None:
    # given an export's signed checkpoint line stating no leaves, and no entry lines (as an
    # export of a day without entries was written before exports refused to be empty)
    out = tmp_path / "day.jsonl"
    assert (
        run(
            log, "audit", "export", "--from", "2025-11-02", "--to", "2025-11-02", "-o", str(out)
        ).exit_code
        == 0
    )
    header = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    empty = tmp_path / "empty.jsonl"
    empty.write_text(
        json.dumps({**header, "firstLeaf": None, "lastLeaf": None, "count": 0}) + "\n",
        encoding="utf-8",
    )
    # when it is verified
    result = verified(log, empty)
    # then it is reported as empty, its checkpoint verified: not a failure
    assert result.exit_code == 0, result.output
    assert "OK: the export is empty" in result.output and "FAIL" not in result.output
    # while an export that states entries and holds none still fails
    header_only = tmp_path / "cut.jsonl"
    header_only.write_text(json.dumps(header) + "\n", encoding="utf-8")
    cut = verified(log, header_only)
    assert cut.exit_code == 1 and "are missing (their lines were deleted)" in cut.output


def test_redact_before_a_day_means_before_that_court_day_began(log: dict[str, str]) -> None:
    # when the log is redacted before 2 November
    result = run(log, "audit", "redact", "--before", "2025-11-02", "--yes")
    # then only the entry of 23:30 on the 1st (Beijing time) is redacted, not the one of 00:30
    # on the 2nd, though both were recorded on 1 November in UTC
    assert result.exit_code == 0, result.output
    assert "redacted 1 entries recorded before 2025-11-02" in result.output
    assert run(log, "audit", "verify").exit_code == 0
