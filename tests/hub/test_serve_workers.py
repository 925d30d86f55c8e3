"""`fyt serve --workers 2` (real processes): both serve the port, the singleton jobs run in one
of them (by lease), `fyt policy reload` reaches both, SIGTERM stops them all and gives the
leases up."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.resources import POLICY_DIR
from tests.hub.test_serve import WAIT, Server, server_env, serving

pytestmark = pytest.mark.slow

IDENTITY = "query($id: String!) { person(idNumber: $id) { identity { name gender } } }"
SINGLETONS = {"audit-integrator", "order-worker", "sanction-expiry", "inquiry-worker"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    root = tmp_path_factory.mktemp("workers")
    policy_dir = root / "policies"
    policy_dir.mkdir()
    for name in ("model.conf", "policy.csv"):
        shutil.copy(POLICY_DIR / name, policy_dir / name)
    with serving(
        root / "fyt-data",
        root / "serve.log",
        args=("--workers", "2"),
        wait=120,  # the demo seeded, then two processes started afresh
        env={"HUB_POLICY_DIR": str(policy_dir)},
    ) as server:
        yield server, policy_dir


def process_reports(server: Server, count: int) -> dict[str, dict[str, Any]]:
    """/readyz's ``process`` by holder, until ``count`` processes have answered (each request
    on a new connection, which the kernel hands to either worker)."""
    seen: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + WAIT
    while len(seen) < count:
        assert time.monotonic() < deadline, f"only {sorted(seen)} answered"
        report = httpx.get(f"{server.base_url}/readyz", timeout=WAIT).json()["process"]
        seen[report["holder"]] = report
    return seen


def hub_db(server: Server) -> sqlite3.Connection:
    return sqlite3.connect(server.data_dir / "hub.sqlite3", timeout=WAIT)


def test_two_processes_serve_and_one_runs_the_singleton_jobs(hub: tuple[Server, Path]) -> None:
    server, _ = hub
    # then two processes answer, neither of them the supervisor named in hub.pid
    reports = process_reports(server, 2)
    supervisor = int((server.data_dir / "hub.pid").read_text())
    assert supervisor == server.process.pid
    pids = {int(holder.split(":")[1]) for holder in reports}
    assert len(pids) == 2 and supervisor not in pids
    # and every singleton job runs in exactly one of them (renewals keep it there)
    for _ in range(3):
        held = [set(r["leases"]) for r in reports.values()]
        assert SINGLETONS <= held[0] | held[1]
        assert not (held[0] & held[1])
        leaders = [h for h, r in reports.items() if "audit-integrator" in r["leases"]]
        assert len(leaders) == 1
        # and the lease table, which operators read, names that process
        with hub_db(server) as db:
            holder = db.execute(
                "SELECT holder FROM hub_leases WHERE name = 'audit-integrator'"
            ).fetchone()[0]
            processes = db.execute("SELECT count(*) FROM hub_processes").fetchone()[0]
        assert holder == leaders[0]
        assert processes == 2
        time.sleep(1)
        reports = process_reports(server, 2)


def test_policy_reload_reaches_both_processes(hub: tuple[Server, Path]) -> None:
    server, policy_dir = hub
    tokens = json.loads((server.data_dir / "demo-tokens.json").read_text())
    token = next(u["token"] for u in tokens["users"] if u["id"] == "registry-wang")
    person = tokens["samples"]["persons"][0]["idNumber"]

    def gender() -> Any:
        response = httpx.post(
            f"{server.base_url}/graphql",
            json={"query": IDENTITY, "variables": {"id": person}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=WAIT,
        )
        return response.json()["data"]["person"]["identity"]["gender"]

    # given both processes withholding the gender from the registry officer
    assert all(gender() is None for _ in range(10))
    before = process_reports(server, 2)
    # when the policy grants it and `fyt policy reload` runs
    with (policy_dir / "policy.csv").open("a") as f:
        f.write("p, registry_officer, agency:real_estate, Identity.gender, read, allow\n")
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "policy", "reload"],
        env=server_env(server.data_dir, HUB_POLICY_DIR=str(policy_dir)),
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    # then it says both took it, and both serve the new policy at once
    assert result.returncode == 0, result.stdout + result.stderr
    assert "taken by 2 hub processes" in result.stdout
    for holder in before:
        assert f"pid {holder.split(':')[1]}" in result.stdout
    after = process_reports(server, 2)
    assert set(after) == set(before)
    digests = {r["policyDigest"] for r in after.values()}
    generations = {r["policyGeneration"] for r in after.values()}
    assert len(digests) == 1 and digests != {r["policyDigest"] for r in before.values()}
    assert len(generations) == 1 and None not in generations
    assert all(gender() is not None for _ in range(10))


def test_sigterm_stops_both_and_gives_the_leases_up(hub: tuple[Server, Path]) -> None:
    server, _ = hub
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=WAIT)
    output = server.output()
    assert output.count("Application shutdown complete") == 2, output
    assert "Traceback" not in output
    with hub_db(server) as db:
        leases = db.execute("SELECT name, expires_at FROM hub_leases").fetchall()
        processes = db.execute("SELECT count(*) FROM hub_processes").fetchone()[0]
    assert SINGLETONS <= {name for name, _ in leases}
    assert all(expires == 0.0 for _, expires in leases)
    assert processes == 0
    assert not (server.data_dir / "hub.pid").exists()
