"""`fyt policy check / explain / reload`, and SIGHUP reload of a running hub."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.config import POLICY_DIR
from tests.hub.test_serve import WAIT, _stop, free_port, server_env

IDENTITY = "query($id:String!){ person(idNumber:$id){ identity { name gender } } }"


def run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, args, env=env)


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, target)
    return target


def test_check_accepts_the_shipped_policy(tmp_path: Path) -> None:
    result = run(["policy", "check"], {"HUB_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "policy OK" in result.output and "registry_officer" in result.output


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        (
            "p, registry_officer, agency:real_estate, Identiy.name, read, allow",
            "Identiy.name matches no field",
        ),
        (
            "p, registry_officer, agency:real_estate, Identity.name, write, allow",
            "action must be read or mask",
        ),
        ("p, registry_officer, agency:real_estate, #email, mask, allow", "unknown tag #email"),
        ("p, registry_officer, agency:real_estate, Identity.name, read", "a policy line is"),
        (
            "p, registry_officer, agency:real_estate, Identity.name, read, maybe",
            "effect must be allow or deny",
        ),
        (
            "p, registry_officer, agency:real_estate, @purpose, read, allow",
            "@purpose takes the action 'require'",
        ),
        (
            "x, registry_officer, agency:real_estate, Identity.name, read, allow",
            "unknown line type",
        ),
    ],
)
def test_check_names_the_bad_line(
    tmp_path: Path, policy_dir: Path, line: str, complaint: str
) -> None:
    # given the shipped policy with one bad line appended
    with (policy_dir / "policy.csv").open("a") as f:
        f.write(line + "\n")
    number = len((policy_dir / "policy.csv").read_text().splitlines())
    # when
    result = run(
        ["policy", "check"], {"HUB_DATA_DIR": str(tmp_path), "HUB_POLICY_DIR": str(policy_dir)}
    )
    # then it fails, names the line and says what is wrong
    assert result.exit_code == 1
    assert f"line {number}" in result.output
    assert complaint in result.output


def test_check_refuses_a_missing_model(tmp_path: Path, policy_dir: Path) -> None:
    (policy_dir / "model.conf").unlink()
    result = run(
        ["policy", "check"], {"HUB_DATA_DIR": str(tmp_path), "HUB_POLICY_DIR": str(policy_dir)}
    )
    assert result.exit_code == 1
    assert "model.conf is missing" in result.output


def test_explain_names_the_deciding_lines(tmp_path: Path) -> None:
    result = run(
        [
            "policy",
            "explain",
            "--role",
            "enforcement_judge",
            "--org",
            "court:370602",
            "EnterpriseRegistration.phone",
        ],
        {"HUB_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert (
        "EnterpriseRegistration.phone for enforcement_judge of court:370602: mask" in result.output
    )
    assert "EnterpriseRegistration.phone, read, deny" in result.output
    assert "EnterpriseRegistration.phone, mask, allow" in result.output


def test_explain_default_deny(tmp_path: Path) -> None:
    result = run(
        ["policy", "explain", "--role", "auditor", "--org", "court:370602", "Identity.name"],
        {"HUB_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0
    assert ": deny" in result.output and "denied by default" in result.output


def test_explain_purpose_marker(tmp_path: Path) -> None:
    result = run(
        ["policy", "explain", "--role", "enforcement_judge", "--org", "court:370612", "@purpose"],
        {"HUB_DATA_DIR": str(tmp_path)},
    )
    assert "@purpose for enforcement_judge of court:370612: required" in result.output


def test_explain_refuses_an_unknown_coordinate(tmp_path: Path) -> None:
    result = run(
        ["policy", "explain", "--role", "x", "--org", "court:1", "Identiy.name"],
        {"HUB_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 1
    assert "Identiy.name is not a field of the schema" in result.output


def test_reload_without_a_running_hub(tmp_path: Path) -> None:
    result = run(["policy", "reload"], {"HUB_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "no running hub" in result.output


@pytest.mark.slow
def test_sighup_reload_while_serving(tmp_path: Path, policy_dir: Path) -> None:
    # given a hub serving with a policy in its own directory
    data_dir = tmp_path / "fyt-data"
    env = server_env(data_dir, HUB_POLICY_DIR=str(policy_dir))
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub.cli",
            "serve",
            "--demo",
            "--persons",
            "60",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        info = json.loads((data_dir / "demo-tokens.json").read_text())
        token = next(u["token"] for u in info["users"] if u["id"] == "registry-wang")
        person = info["samples"]["persons"][0]["idNumber"]

        def ask() -> dict[str, Any]:
            r = httpx.post(
                f"{base}/graphql",
                json={"query": IDENTITY, "variables": {"id": person}},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            return r.json()  # type: ignore[no-any-return]

        before = ask()
        assert "*" in before["data"]["person"]["identity"]["name"]
        assert before["data"]["person"]["identity"]["gender"] is None
        # when the policy grants the registry officer identity in clear and the CLI reloads it
        with (policy_dir / "policy.csv").open("a") as f:
            f.write("p, registry_officer, agency:real_estate, Identity.gender, read, allow\n")
        cli_env = {k: v for k, v in env.items()}
        result = subprocess.run(
            [sys.executable, "-m", "hub.cli", "policy", "reload"],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        # then the next requests see the new decision
        deadline = time.monotonic() + WAIT
        while ask()["data"]["person"]["identity"]["gender"] is None:
            assert time.monotonic() < deadline, "reload did not take effect"
            time.sleep(0.05)
        # when a broken policy is signalled directly, it is refused and the last good one serves
        good = ask()
        (policy_dir / "policy.csv").write_text(
            "p, registry_officer, agency:real_estate, Identiy.name, read, allow\n"
        )
        process.send_signal(1)  # SIGHUP
        time.sleep(0.5)
        assert process.poll() is None
        assert ask() == good
        assert "policy reload refused" in (tmp_path / "serve.log").read_text()
    finally:
        _stop(process)
        log.close()


class FakeProcesses:
    """Hub processes as `fyt policy reload` sees them: rows of hub_processes, reported every
    0.2 s by a thread, as a serving process's lease renewal does. ``stall`` seconds after a
    generation is recorded a process reports nothing (its event loop busy), then reports that
    it took it — or, with ``stall`` None, stays silent without taking it."""

    def __init__(self, database: Path, stalls: dict[int, float | None]) -> None:
        import sqlite3
        import threading

        self.db = sqlite3.connect(database, timeout=30, check_same_thread=False)
        self.stalls = stalls
        self.stop = threading.Event()
        now = time.time()
        for pid in stalls:
            self.db.execute(
                "INSERT INTO hub_processes (holder, host, pid, started_at, seen_at,"
                " policy_generation, policy_digest) VALUES (?, 'test-host', ?, ?, ?, NULL, '')",
                (f"test-host:{pid}:x", pid, now, now),
            )
        self.db.commit()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        recorded_at: float | None = None
        while not self.stop.wait(0.2):
            row = self.db.execute("SELECT max(id) FROM hub_policy_generations").fetchone()
            generation = row[0]
            if generation is not None and recorded_at is None:
                recorded_at = time.monotonic()
            for pid, stall in self.stalls.items():
                taken = None
                if recorded_at is not None:
                    waited = time.monotonic() - recorded_at
                    if stall is None or waited < stall:
                        continue  # busy: no report
                    taken = generation
                self.db.execute(
                    "UPDATE hub_processes SET seen_at = ?, policy_generation = ? WHERE pid = ?",
                    (time.time(), taken, pid),
                )
            self.db.commit()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.db.close()


@pytest.fixture
def migrated(tmp_path: Path) -> dict[str, str]:
    env = {"HUB_DATA_DIR": str(tmp_path / "fyt-data")}
    result = run(["db", "upgrade"], env)
    assert result.exit_code == 0, result.output
    return env


def test_reload_waits_for_a_process_that_stalls_past_its_report_window(
    tmp_path: Path, migrated: dict[str, str]
) -> None:
    """Under `fyt serve --workers 2` the command said "taken by 0 hub processes" (or named 1 of
    2): a process that had not reported for the last seconds (busy loading the policy) was no
    longer counted as serving, so nobody was waited for. Every process serving when the
    generation was recorded is waited for until it has taken it."""
    # given two processes, one taking the generation at once, one silent for 8 s first (longer
    # than the 6 s a report counts as current)
    processes = FakeProcesses(tmp_path / "fyt-data" / "hub.sqlite3", {4101: 0.0, 4102: 8.0})
    try:
        # when the policy is reloaded
        started = time.monotonic()
        result = run(["policy", "reload", "--wait", "30"], migrated)
        took = time.monotonic() - started
    finally:
        processes.close()
    # then the command waited for both and names both
    assert result.exit_code == 0, result.output
    assert "taken by 2 hub processes" in result.output
    assert "pid 4101" in result.output and "pid 4102" in result.output
    assert took >= 8


def test_reload_names_a_silent_process_when_the_wait_ends(
    tmp_path: Path, migrated: dict[str, str]
) -> None:
    # given two processes, one of which never takes the generation and stops reporting
    processes = FakeProcesses(tmp_path / "fyt-data" / "hub.sqlite3", {4201: 0.0, 4202: None})
    try:
        # when the policy is reloaded with a wait longer than a report counts as current
        result = run(["policy", "reload", "--wait", "9"], migrated)
    finally:
        processes.close()
    # then it fails naming the late process only
    assert result.exit_code == 1, result.output
    assert "not taken within 9 s by: test-host pid 4202" in result.output
    assert "4201" not in result.output
