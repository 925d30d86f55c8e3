"""What the `fyt` commands share: settings, the hub database, clean errors, options, serving."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hub.config import ConfigError, Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from hub.audit.keys import AuditKeys

T = TypeVar("T")
# What a click option decorates: a command function or a command (click.decorators.FC).
FC = TypeVar("FC", bound=Callable[..., Any] | click.Command)

LOG_LEVELS = ["critical", "error", "warning", "info", "debug"]


def load_settings() -> Settings:
    """The hub's settings; a configuration error ends the command with its message."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def run_with_hub_engine(
    fn: Callable[[AsyncEngine], Awaitable[T]], settings: Settings | None = None
) -> T:
    """Run ``fn(engine)`` with an engine of the hub database, disposed of afterwards.

    Without ``settings`` they are loaded (and a configuration error ends the command)."""
    from hub.db.engine import create_hub_engine

    if settings is None:
        settings = load_settings()
    engine = create_hub_engine(settings.database_url)

    async def run() -> T:
        try:
            return await fn(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def run_with_hub_connection(
    fn: Callable[[AsyncConnection], Awaitable[T]], settings: Settings | None = None
) -> T:
    """Run ``fn(conn)`` on a connection to the hub database (see :func:`run_with_hub_engine`)."""

    async def connected(engine: AsyncEngine) -> T:
        async with engine.connect() as conn:
            return await fn(conn)

    return run_with_hub_engine(connected, settings)


@contextmanager
def clean_errors(*errors: type[Exception], prefix: str = "") -> Iterator[None]:
    """Expected failures end the command with their message (after ``prefix``), no traceback."""
    try:
        yield
    except errors as exc:
        raise click.ClickException(f"{prefix}{exc}") from None


def audit_keys(settings: Settings) -> AuditKeys:
    """The audit log's keys; the command ends when they cannot be loaded."""
    from hub.audit.keys import AuditKeys

    with clean_errors(ValueError):
        return AuditKeys.load(
            settings.audit_key_path, settings.audit_signing_path, settings.audit_origin
        )


def hub_pid_file(settings: Settings) -> Path:
    """Where `fyt serve` keeps its process id (for `fyt policy reload`)."""
    return settings.data_dir / "hub.pid"


def values_or_files(given: Iterable[str]) -> list[str]:
    """Each value, or the whitespace-separated words of the file it names (keys on the command
    line or in files, one or many)."""
    out: list[str] = []
    for value in given:
        path = Path(value)
        out += path.read_text(encoding="utf-8").split() if path.is_file() else [value.strip()]
    return out


def fail(problems: Iterable[str]) -> None:
    """Print each problem as ``FAIL: …`` on standard error and exit 1."""
    for problem in problems:
        click.echo(f"FAIL: {problem}", err=True)
    raise SystemExit(1)


# --- options shared by several commands ----------------------------------------------------

host_option = click.option("--host", default="127.0.0.1", show_default=True)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def port_option(default: int) -> Callable[[FC], FC]:
    return click.option("--port", default=default, show_default=True, type=click.IntRange(1, 65535))


def log_level_option(default: str) -> Callable[[FC], FC]:
    return click.option(
        "--log-level", default=default, show_default=True, type=click.Choice(LOG_LEVELS)
    )


def ttl_option(lifetime: str) -> Callable[[FC], FC]:
    """``--ttl`` of a token minted here (see :func:`hub.cli.tokens.token_ttl`)."""
    return click.option(
        "--ttl",
        default=None,
        help=f"{lifetime}: seconds or 30m, 8h (default 8h; at most HUB_MAX_TOKEN_LIFETIME).",
    )


def serve_app(
    app: Any,
    *,
    host: str,
    port: int,
    log_level: str,
    sock: socket.socket | None = None,
    **options: Any,
) -> None:
    """Serve an ASGI app with uvicorn, without its access log; on ``sock`` when given (bound
    already: see :func:`hub.cli.hub_process.bind`)."""
    import uvicorn

    if sock is None:
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, **options)
        return
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False, **options)
    )
    # uvicorn stops on SIGTERM, then raises the signal again once its own handler is gone: this
    # one turns it into an exit (status 143, as the signal's) that runs the callers' cleanup.
    previous = signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    try:
        with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl-C is a clean stop
            server.run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not server.started:
        raise SystemExit(3)  # uvicorn's STARTUP_FAILURE: the application did not start


def serve_workers(
    factory: Callable[[], Any],
    *,
    workers: int,
    host: str,
    port: int,
    log_level: str,
    sock: socket.socket,
    **options: Any,
) -> None:
    """Serve with ``workers`` processes on ``sock`` (uvicorn's supervisor: each process is
    started afresh and calls ``factory``, a picklable callable, for its app; one that dies is
    started again; SIGTERM or Ctrl-C stops them all, each finishing its requests; SIGHUP starts
    them anew, one after another, each reading the policy files)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        factory,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        **options,
    )
    Multiprocess(config, sockets=[sock]).run()
