"""Long commands show a progress bar with counts and the time left on a terminal (a
pseudo-terminal here), and nothing through a pipe or in CI."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.audit.keys import generate_audit_keys
from hub.db.engine import create_hub_engine, upgrade
from tests.hub.test_audit_integrity import entry, insert_entries

ENTRIES = 2_500  # more than one integration batch (2,000)
WAIT = 120.0
TODAY = datetime.now(UTC).date()
ANSI = re.compile(r"\x1b\[")


def plain(text: str) -> str:
    """``text`` without terminal control sequences."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def fyt(data_dir: Path, *args: str, terminal: bool, ci: bool = False) -> tuple[int, str, str]:
    """(exit status, standard output, standard error) of `fyt ARGS`; standard error is a
    pseudo-terminal when ``terminal``, else a pipe."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI",) and not k.startswith("HUB_")}
    env.update({"HUB_DATA_DIR": str(data_dir), "COLUMNS": "120"})
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "hub.cli", *args]
    if not terminal:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=WAIT)
        return done.returncode, done.stdout, done.stderr
    master, slave = os.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal's other end closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL
        )
        os.close(slave)
        out, _ = process.communicate(timeout=WAIT)
        reader.join(timeout=WAIT)
    finally:
        os.close(master)
    return process.returncode, out.decode(), b"".join(chunks).decode(errors="replace")


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose audit log holds 2,500 entries, none integrated, 10 days old."""
    data_dir = tmp_path_factory.mktemp("progress") / "fyt-data"
    generate_audit_keys(
        data_dir / "keys" / "audit.key", data_dir / "keys" / "audit-signing-key.pem"
    )

    async def prepare() -> None:
        engine = create_hub_engine(f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}")
        await upgrade(engine)
        old = datetime.now(UTC) - timedelta(days=10)
        await insert_entries(engine, [entry(i, when=old) for i in range(ENTRIES)])
        await engine.dispose()

    asyncio.run(prepare())
    return data_dir


def bar(stderr: str, count: int) -> None:
    """A drawn bar that reached ``count`` of ``count``, with the time left."""
    assert ANSI.search(stderr), stderr
    assert f"{count}/{count}" in plain(stderr), stderr
    assert re.search(r"eta \d:\d\d:\d\d", plain(stderr)), stderr


def quiet(stderr: str) -> None:
    assert not ANSI.search(stderr), stderr
    assert "eta" not in stderr and "/" not in stderr, stderr


def test_audit_commands_show_counts_and_time_left_on_a_terminal(
    log_dir: Path, tmp_path: Path
) -> None:
    # when the pending entries are integrated, the log verified, exported and redacted
    # with standard error on a terminal
    status, out, err = fyt(log_dir, "audit", "integrate", terminal=True)
    # then each shows its bar, reaching every entry, and does its work
    assert (status, out.strip()) == (0, f"tree size {ENTRIES}"), err
    bar(err, ENTRIES)
    status, out, err = fyt(log_dir, "audit", "verify", terminal=True)
    assert status == 0 and "OK: the audit log is consistent" in out, out + err
    bar(err, ENTRIES)
    since = (TODAY - timedelta(days=30)).isoformat()
    until = (TODAY + timedelta(days=1)).isoformat()
    export = tmp_path / "export.jsonl"
    status, out, err = fyt(
        log_dir, "audit", "export", "--from", since, "--to", until, "-o", str(export),
        terminal=True,
    )  # fmt: skip
    assert status == 0, out + err
    assert len(export.read_text().splitlines()) == ENTRIES + 1
    bar(err, ENTRIES)
    before = (TODAY - timedelta(days=5)).isoformat()
    status, out, err = fyt(log_dir, "audit", "redact", "--before", before, "--yes", terminal=True)
    assert status == 0 and f"redacted {ENTRIES} entries" in out, out + err
    bar(err, ENTRIES)


def test_the_same_commands_are_quiet_through_a_pipe_and_in_ci(log_dir: Path) -> None:
    # when the log is verified with standard error a pipe, then on a terminal in CI
    piped = fyt(log_dir, "audit", "verify", terminal=False)
    in_ci = fyt(log_dir, "audit", "verify", terminal=True, ci=True)
    # then both do the work and draw nothing
    for status, out, err in (piped, in_ci):
        assert status == 0 and "OK: the audit log is consistent" in out, out + err
        quiet(err)


def test_seeding_shows_rows_written_on_a_terminal_only(tmp_path: Path) -> None:
    # when a demo is seeded on a terminal, and again through a pipe
    status, out, err = fyt(tmp_path / "a", "demo", "seed", "--persons", "60", terminal=True)
    assert status == 0, out + err
    piped = fyt(tmp_path / "b", "demo", "seed", "--persons", "60", terminal=False)
    # then the terminal shows a bar per database with its rows; the pipe shows none
    assert ANSI.search(err), err
    assert re.search(r"public_security: rows +━+ +(\d+)/\1 +eta", plain(err)), err
    assert re.search(r"hub: courts, cases, sanctions +━+ +(\d+)/\1 +eta", plain(err)), err
    assert piped[0] == 0
    quiet(piped[2])
    # and the command's own lines are the same either way
    assert out.splitlines()[0] == piped[1].splitlines()[0]
