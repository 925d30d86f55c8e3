"""A second `fyt serve` that cannot start leaves the running hub's pid file alone (two real
processes): `fyt policy reload` still finds the hub that serves."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hub.test_serve import WAIT, Server, free_port, server_env, serving


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("first-hub")
    with serving(root / "fyt-data", root / "first.log") as server:
        yield server


def fyt(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=server_env(data_dir),
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )


def port_of(server: Server) -> str:
    return server.base_url.rsplit(":", 1)[1]


def test_a_second_hub_on_the_same_data_directory_is_refused(first: Server) -> None:
    # given a hub serving, its pid in the pid file
    pid_file = first.data_dir / "hub.pid"
    assert pid_file.read_text().strip() == str(first.process.pid)
    # when a second hub is started on the same data directory and the same port
    second = fyt(first.data_dir, "serve", "--demo", "--persons", "60", "--port", port_of(first))
    # then it is refused, naming the hub that serves, and the pid file still names that hub
    assert second.returncode == 1, second.stdout + second.stderr
    assert (
        f"a hub is already serving from {first.data_dir} (process {first.process.pid})"
        in second.stderr
    )
    assert "Traceback" not in second.stderr
    assert pid_file.read_text().strip() == str(first.process.pid)
    # and `fyt policy reload` still reaches it
    reload = fyt(first.data_dir, "policy", "reload")
    assert reload.returncode == 0, reload.stdout + reload.stderr
    assert "taken by 1 hub process:" in reload.stdout
    assert reload.stdout.rstrip().endswith(f" pid {first.process.pid}")
    assert first.process.poll() is None


def test_a_second_hub_on_another_port_of_the_same_data_directory_is_refused(
    first: Server,
) -> None:
    # when a second hub is started on the same data directory, on a free port
    second = fyt(first.data_dir, "serve", "--port", str(free_port()))
    # then it is refused too: one hub per data directory, and its pid file is the first's
    assert second.returncode == 1, second.stdout + second.stderr
    assert "a hub is already serving from" in second.stderr
    assert (first.data_dir / "hub.pid").read_text().strip() == str(first.process.pid)


def test_a_hub_whose_port_is_taken_fails_before_writing_a_pid_file(
    first: Server, tmp_path: Path
) -> None:
    # given another data directory whose pid file a crashed hub left behind
    data_dir = tmp_path / "fyt-data"
    data_dir.mkdir()
    (data_dir / "hub.pid").write_text("999999\n")
    # when a hub is started there on the port the first hub serves
    second = fyt(data_dir, "serve", "--demo", "--persons", "60", "--port", port_of(first))
    # then it fails with the reason, before the pid file was written or removed
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"cannot listen on 127.0.0.1:{port_of(first)}: Address already in use" in second.stderr
    assert "Traceback" not in second.stderr
    assert (data_dir / "hub.pid").read_text() == "999999\n"
    assert (first.data_dir / "hub.pid").read_text().strip() == str(first.process.pid)
    assert first.process.poll() is None


def test_a_stale_pid_file_is_replaced_and_removed_when_the_hub_stops(tmp_path: Path) -> None:
    # given a pid file left by a hub that no longer runs
    data_dir = tmp_path / "fyt-data"
    data_dir.mkdir()
    (data_dir / "hub.pid").write_text("999999\n")
    # when a hub starts there, then stops
    with serving(data_dir, tmp_path / "hub.log") as server:
        during = (data_dir / "hub.pid").read_text().strip()
    # then it named itself while serving and removed the file when it stopped
    assert during == str(server.process.pid)
    assert not (data_dir / "hub.pid").exists()


def test_reload_signals_no_process_a_stale_pid_file_names(tmp_path: Path) -> None:
    # given no hub serving, and a pid file naming a live process that is not a hub
    data_dir = tmp_path / "fyt-data"
    data_dir.mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (data_dir / "hub.pid").write_text(f"{other.pid}\n")
        # when the policy is reloaded
        reload = fyt(data_dir, "policy", "reload")
        # then no hub is found and the other process is not signalled
        assert reload.returncode == 1
        assert "no running hub found" in reload.stderr
        assert other.poll() is None
    finally:
        other.kill()
        other.wait(timeout=WAIT)
