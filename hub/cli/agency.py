"""`fyt agency serve` and `fyt witness`: an agency's subgraph service and audit-log witnesses."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from hub.cli.common import (
    clean_errors,
    host_option,
    log_level_option,
    port_option,
    serve_app,
    values_or_files,
)


@click.group("agency")
def agency() -> None:
    """An agency's own subgraph service (what the hub reaches in remote mode)."""


@agency.command("serve")
@click.argument("name")
@host_option
@port_option(7100)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the agency database is (DATA_DIR/agencies/NAME.sqlite3); default HUB_DATA_DIR or fyt-data.",
)
@click.option("--database-url", help="The agency database, instead of the one in --data-dir.")
@click.option(
    "--latency-ms",
    type=click.FloatRange(0, 600_000),
    help="Fault injection: added latency per request (env AGENCY_LATENCY_MS).",
)
@click.option(
    "--error-rate",
    type=click.FloatRange(0, 1),
    help="Fault injection: share of requests answered HTTP 503 (env AGENCY_ERROR_RATE).",
)
@click.option(
    "--hang/--no-hang",
    default=None,
    help="Fault injection: never answer (env AGENCY_HANG=1).",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Require this bearer token (env AGENCY_TOKEN holds it directly).",
)
@click.option(
    "--witness-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also witness the hub's audit log (POST /add-checkpoint) with this Ed25519 key (PEM;"
    " created on first run outside production). Env AGENCY_WITNESS_KEY.",
)
@click.option(
    "--witness-log",
    "witness_logs",
    multiple=True,
    help="The verifier key of a log to witness (`fyt audit public-key`), or a file of them;"
    " repeatable. Env AGENCY_WITNESS_LOG (space-separated).",
)
@click.option(
    "--witness-name",
    help="The witness's key name (default fyt-agency.local/NAME). Env AGENCY_WITNESS_NAME.",
)
@click.option(
    "--witness-state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The witness's own store of what it cosigned (default DATA_DIR/witness/NAME.sqlite3)."
    " Env AGENCY_WITNESS_STATE.",
)
@log_level_option("warning")
def agency_serve(
    name: str,
    host: str,
    port: int,
    data_dir: Path | None,
    database_url: str | None,
    latency_ms: float | None,
    error_rate: float | None,
    hang: bool | None,
    token_file: Path | None,
    witness_key: Path | None,
    witness_logs: tuple[str, ...],
    witness_name: str | None,
    witness_state: Path | None,
    log_level: str,
) -> None:
    """Serve agency NAME's federation subgraph over its own database (and, configured with a
    witness key and the hub's verifier key, a witness of the hub's audit log)."""
    from connectors import registry
    from connectors.base.service import Faults, agency_app

    try:
        connector = registry.get(name)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="'NAME'") from None
    with clean_errors(ValueError):
        faults = Faults.from_env(
            os.environ, latency_ms=latency_ms, error_rate=error_rate, hang=hang
        )
    base = data_dir or Path(os.environ.get("HUB_DATA_DIR") or "fyt-data")
    if database_url is None:
        path = (base / "agencies" / connector.database_file()).resolve()
        if not path.exists():
            raise click.ClickException(
                f"no {name} database at {path}; run `fyt demo seed` (or `fyt serve --demo`) "
                "first, or pass --database-url"
            )
        database_url = f"sqlite:///{path}"
    token = token_file.read_text(encoding="utf-8").strip() if token_file else None
    token = token or os.environ.get("AGENCY_TOKEN") or None
    witness = _witness(
        witness_key or _env_path("AGENCY_WITNESS_KEY"),
        list(witness_logs) or os.environ.get("AGENCY_WITNESS_LOG", "").split(),
        witness_name or os.environ.get("AGENCY_WITNESS_NAME") or f"fyt-agency.local/{name}",
        witness_state or _env_path("AGENCY_WITNESS_STATE") or base / "witness" / f"{name}.sqlite3",
    )
    source = connector.embedded(database_url)
    # The register is the agency's: its service lapses measures whose term ended (every minute).
    app = agency_app(
        connector, source, faults=faults, token=token, witness=witness, lapse_every=60.0
    )
    click.echo(f"{connector.title} ({name}) subgraph: http://{host}:{port}/graphql")
    if witness is not None:
        _announce_witness(witness, f"http://{host}:{port}")
    if faults.active:
        click.echo(
            f"fault injection: latency {faults.latency_ms:g} ms, error rate {faults.error_rate:g},"
            f" hang {'on' if faults.hang else 'off'}"
        )
    try:
        serve_app(app, host=host, port=port, log_level=log_level)
    finally:
        source.close()
        if witness is not None:
            witness.store.close()


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _witness(key: Path | None, logs: list[str], name: str, state: Path) -> Any:
    """A witness for `fyt agency serve` / `fyt witness serve`, or None when not configured."""
    from connectors.base.witness import Witness, WitnessStore, load_witness_key

    vkeys = [v for v in values_or_files(logs) if v]
    if key is None and not vkeys:
        return None
    if key is None or not vkeys:
        raise click.ClickException(
            "a witness needs both its key (--witness-key / AGENCY_WITNESS_KEY) and the"
            " verifier key of the log it witnesses (--witness-log / AGENCY_WITNESS_LOG)"
        )
    production = os.environ.get("HUB_ENV") == "production"
    with clean_errors(ValueError, prefix="witness: "):
        signing = load_witness_key(key, create=not production)
        return Witness(name, signing, vkeys, WitnessStore(state))


def _announce_witness(witness: Any, url: str) -> None:
    click.echo(f"witness {witness.name}: POST {url}/add-checkpoint")
    click.echo(f"  its verifier key (for the hub's HUB_AUDIT_WITNESSES): {witness.vkey}")
    click.echo(f"  witnessing: {', '.join(sorted(witness.logs))}; state in {witness.store.path}")


# --- witnesses -------------------------------------------------------------------------------


@click.group("witness")
def witness_group() -> None:
    """A witness of the hub's audit log run by any party (C2SP tlog-witness)."""


@witness_group.command("serve")
@click.option("--name", required=True, help="The witness's key name, e.g. witness.example.org/w1.")
@click.option(
    "--key",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Its Ed25519 signing key (PEM); created on first run outside production.",
)
@click.option(
    "--log",
    "logs",
    multiple=True,
    required=True,
    help="The verifier key of a log to witness (`fyt audit public-key`), or a file; repeatable.",
)
@click.option(
    "--state",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Its own store of the checkpoints it cosigned (SQLite, created if missing).",
)
@host_option
@port_option(7200)
@log_level_option("warning")
def witness_serve(
    name: str, key: Path, logs: tuple[str, ...], state: Path, host: str, port: int, log_level: str
) -> None:
    """Serve POST /add-checkpoint for the given logs."""
    from connectors.base.witness import witness_app

    witness = _witness(key, list(logs), name, state)
    assert witness is not None
    _announce_witness(witness, f"http://{host}:{port}")
    try:
        serve_app(witness_app(witness), host=host, port=port, log_level=log_level)
    finally:
        witness.store.close()


@witness_group.command("public-key")
@click.option("--name", required=True, help="The witness's key name.")
@click.option("--key", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def witness_public_key(name: str, key: Path) -> None:
    """Print the witness's verifier key (type 0x04), for the hub's HUB_AUDIT_WITNESSES."""
    from connectors.base.tlog.cosignature import CosignerKey
    from connectors.base.witness import load_witness_key

    with clean_errors(ValueError):
        signing = load_witness_key(key, create=False)
        click.echo(CosignerKey.of(name, signing.public_key()).vkey)
