"""The serving hub's claim on its data directory and port: one hub per data directory, and a
pid file that only the hub serving writes and removes.

`fyt serve` takes an exclusive lock on ``DATA_DIR/hub.lock`` (``flock``: released by the system
when the process ends, however it ends), then binds its port, and only then writes its process
id to ``DATA_DIR/hub.pid`` (with ``--workers N``, the supervising process's: SIGTERM to it stops
them all). A second `fyt serve` on the same data directory is refused at the lock, and one whose
port is taken fails before it has written anything: neither touches the running hub's pid file.
`fyt policy reload` reaches the hub through its database, not this file (hub.db.coordination).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import click

from hub.cli.common import hub_pid_file
from hub.config import Settings


def _read_pid(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"


@contextlib.contextmanager
def data_dir_lock(settings: Settings) -> Iterator[None]:
    """Hold ``DATA_DIR/hub.lock`` while the block runs; end the command when another hub holds
    it (its pid named from the pid file, which is left as it is)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "hub.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(hub_pid_file(settings))
            raise click.ClickException(
                f"a hub is already serving from {settings.data_dir} (process {pid}); stop it"
                " first, or set HUB_DATA_DIR to another data directory"
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; the command ends, with the reason, when it cannot
    be had (the port taken, a host that is not this machine's)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {os.strerror(exc.errno) if exc.errno else exc}"
            + (
                " (another process serves there: stop it or pass --port)"
                if exc.errno == errno.EADDRINUSE
                else ""
            )
        ) from None


@contextlib.contextmanager
def published_pid(settings: Settings) -> Iterator[Path]:
    """Write this process's id to the pid file for the block; remove it afterwards if it still
    names this process. Call it holding :func:`data_dir_lock`, with the port bound."""
    path = hub_pid_file(settings)
    mine = str(os.getpid())
    path.write_text(mine + "\n", encoding="utf-8")
    try:
        yield path
    finally:
        if _read_pid(path) == mine:
            path.unlink(missing_ok=True)
