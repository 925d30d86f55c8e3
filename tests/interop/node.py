"""Node.js for the interoperability tests: the tools, ``npm ci`` of a project, running a script.

Each Node.js project (``interop/<name>``) pins its packages in ``package-lock.json``; a test
installs them with ``npm ci`` when they are missing and fails if that install fails. Without
``node`` and ``npm`` on PATH the tests that need them are skipped with that reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT / "interop"
NPM_TIMEOUT = 300  # seconds for `npm ci` on a fresh clone
STOP_TIMEOUT = 10


def node_tools(
    purpose: str = "the Apollo Gateway interoperability test runs a Node.js gateway",
) -> tuple[str, str]:
    """Paths of ``node`` and ``npm``; skips the test when either is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    missing = [name for name, path in (("node", node), ("npm", npm)) if path is None]
    if node is None or npm is None:
        pytest.skip(
            f"Node.js is not installed: {' and '.join(missing)} not found on PATH ({purpose})"
        )
    return node, npm


def installed(folder: Path) -> bool:
    """Whether ``npm ci`` completed in ``folder`` for its current lockfile.

    npm writes ``node_modules/.package-lock.json`` once an install is complete; a folder with
    some package directories but not that file (an interrupted install, a partial copy) is not
    installed, nor is one older than ``package-lock.json``.
    """
    modules = folder / "node_modules"
    marker = modules / ".package-lock.json"
    if not marker.is_file():
        return False
    if marker.stat().st_mtime < (folder / "package-lock.json").stat().st_mtime:
        return False
    dependencies = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    return all((modules / dep / "package.json").is_file() for dep in dependencies["dependencies"])


@dataclass
class Finished:
    """A process that ran to its end (or was killed at its deadline)."""

    returncode: int | None
    output: str
    timed_out: bool


async def run(
    program: str,
    *args: str,
    cwd: Path,
    seconds: float,
    env: dict[str, str] | None = None,
) -> Finished:
    """``program args`` in ``cwd``, stdout and stderr together; killed (its whole process
    group) after ``seconds``."""
    proc = await asyncio.create_subprocess_exec(
        program,
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # its own process group: a timeout kills its children too
    )
    assert proc.stdout is not None
    output = bytearray()

    async def collect() -> None:
        assert proc.stdout is not None
        while chunk := await proc.stdout.read(65536):
            output.extend(chunk)

    reader = asyncio.create_task(collect())
    timed_out = False
    try:
        async with asyncio.timeout(seconds):
            await proc.wait()
    except TimeoutError:
        timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
    finally:
        try:
            async with asyncio.timeout(STOP_TIMEOUT):
                await reader
        except TimeoutError:
            reader.cancel()  # a grandchild still holds the pipe; the output so far is enough
    return Finished(proc.returncode, output.decode(errors="replace"), timed_out)


async def npm_ci(folder: Path, npm: str, seconds: float = NPM_TIMEOUT) -> None:
    """``npm ci`` in ``folder``; fails the test, with npm's output, if it does not succeed."""
    done = await run(npm, "ci", "--no-audit", "--no-fund", cwd=folder, seconds=seconds)
    if done.timed_out:
        pytest.fail(f"`npm ci` in {folder} did not finish in {seconds:g} s:\n{done.output}")
    if done.returncode != 0:
        pytest.fail(f"`npm ci` in {folder} failed (exit status {done.returncode}):\n{done.output}")
    if not installed(folder):
        pytest.fail(
            f"`npm ci` in {folder} succeeded but the dependencies are not there:\n{done.output}"
        )


async def ensure_installed(folder: Path, npm: str) -> None:
    if not installed(folder):
        await npm_ci(folder, npm)
