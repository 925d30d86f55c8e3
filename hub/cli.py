"""The `fyt` command: serve, demo data, tokens, database migrations, schema export."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from hub.config import ConfigError, Settings, parse_duration

DEFAULT_TTL = timedelta(hours=8)  # tokens minted here, unless HUB_MAX_TOKEN_LIFETIME is shorter


def parse_ttl(value: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--ttl'") from None


def token_ttl(settings: Settings, value: str | None) -> timedelta:
    """``--ttl`` (default 8 hours, or the maximum if shorter), refused above the maximum."""
    from hub.auth.tokens import describe_duration

    if value is None:
        return min(DEFAULT_TTL, settings.max_token_lifetime)
    ttl = parse_ttl(value)
    if ttl > settings.max_token_lifetime:
        raise click.BadParameter(
            f"{value!r} is longer than the hub's maximum token lifetime of"
            f" {describe_duration(settings.max_token_lifetime)} (HUB_MAX_TOKEN_LIFETIME):"
            " the hub would refuse such a token",
            param_hint="'--ttl'",
        )
    return ttl


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(package_name="hub")
def main() -> None:
    """府院通 hub: court–agency data exchange."""


# --- serve -----------------------------------------------------------------------------------


@main.command()
@click.option(
    "--demo", is_flag=True, help="Create keys and demo data on first run, print demo users."
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--persons",
    default=None,
    type=click.IntRange(50, 2_000_000),
    help="Demo size on first run (default 10,000 persons).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def serve(demo: bool, host: str, port: int, persons: int | None, log_level: str) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql outside production)."""
    import uvicorn

    from hub.app import create_app
    from hub.db.engine import create_hub_engine, current_revision
    from hub.demo.seed import DEFAULT_PERSONS, demo_marker, ensure_keys, seed_demo

    settings = load_settings()
    if settings.production:
        if demo:
            raise click.ClickException("--demo is refused with HUB_ENV=production")
        _refuse_development_credentials(settings)
    if demo:
        if demo_marker(settings) is None:
            click.echo(f"First run: creating demo data in {settings.data_dir}")
            asyncio.run(seed_demo(settings, persons=persons or DEFAULT_PERSONS, log=click.echo))
        else:
            ensure_keys(settings)  # data made by an earlier version may lack newer keys
        tokens = _write_demo_tokens(settings)
        click.echo(f"Demo users and their tokens: {tokens}  (or run `fyt demo info`)")
    else:
        engine = create_hub_engine(settings.database_url)
        revision = asyncio.run(_revision(engine, current_revision))
        if revision is None:
            raise click.ClickException(
                "the hub database is not migrated; run `fyt db upgrade` (or `fyt serve --demo`)"
            )
    if not settings.public_keys_path.exists():
        raise click.ClickException(
            f"no JWT public keys at {settings.public_keys_path}; set HUB_JWT_PUBLIC_KEYS or run `fyt keys generate`"
        )
    _audit_keys(settings)  # refuse to start without the audit log's keys
    click.echo(f"Console: http://{host}:{port}/console/   GraphQL: http://{host}:{port}/graphql")
    pid_file = settings.data_dir / "hub.pid"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{os.getpid()}\n")
    try:
        uvicorn.run(
            create_app(settings, reload_on_sighup=True, run_worker=True, demo=demo),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            # the hub reads X-Forwarded-For itself, from HUB_TRUSTED_PROXIES only
            proxy_headers=False,
            server_header=False,
            ws_max_size=settings.max_body_bytes,
        )
    finally:
        if pid_file.exists() and pid_file.read_text().strip() == str(os.getpid()):
            pid_file.unlink()


def _refuse_development_credentials(settings: Settings) -> None:
    """Production must not start with what `fyt serve --demo` leaves behind."""
    from hub.auth.tokens import DEVELOPMENT_KID_PREFIX

    dev_key = settings.data_dir / "keys" / "jwt-signing-key.pem"
    kid_file = dev_key.with_suffix(".kid")
    problems = []
    if dev_key.exists():
        problems.append(
            f"  {dev_key}: a JWT signing key in the data directory (the development key made by"
            " `fyt serve --demo`; whoever holds it can sign in as anyone)"
        )
    tokens_file = settings.data_dir / "demo-tokens.json"
    if tokens_file.exists():
        problems.append(f"  {tokens_file}: the demo users' tokens")
    dev_kids = set()
    if kid_file.exists():
        dev_kids.add(kid_file.read_text(encoding="utf-8").strip())
    jwks = settings.public_keys_path
    try:
        document = json.loads(jwks.read_bytes())
    except (OSError, ValueError):
        document = None  # a PEM file or none: not a JWKS (serve names a missing one below)
    keys = document.get("keys") if isinstance(document, dict) else None
    for jwk in keys if isinstance(keys, list) else []:
        kid = jwk.get("kid") if isinstance(jwk, dict) else None
        if isinstance(kid, str) and (kid in dev_kids or kid.startswith(DEVELOPMENT_KID_PREFIX)):
            problems.append(
                f"  {jwks}: trusts the development signing key (kid {kid}); remove that key from"
                " the JWKS or set HUB_JWT_PUBLIC_KEYS to the identity provider's keys"
            )
    if problems:
        raise click.ClickException(
            "refusing to start with HUB_ENV=production: development credentials found\n"
            + "\n".join(problems)
            + "\nRemove these files (or those keys), or point HUB_DATA_DIR at the production"
            " data directory."
        )


# --- agency services ---------------------------------------------------------------------------


@main.group()
def agency() -> None:
    """An agency's own subgraph service (what the hub reaches in remote mode)."""


@agency.command("serve")
@click.argument("name")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7100, show_default=True, type=click.IntRange(1, 65535))
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
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
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
    import uvicorn

    from connectors import registry
    from connectors.base.service import Faults, agency_app

    try:
        connector = registry.get(name)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="'NAME'") from None
    try:
        faults = Faults.from_env(
            os.environ, latency_ms=latency_ms, error_rate=error_rate, hang=hang
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if database_url is None:
        base = data_dir or Path(os.environ.get("HUB_DATA_DIR") or "fyt-data")
        path = (base / "agencies" / connector.database_file()).resolve()
        if not path.exists():
            raise click.ClickException(
                f"no {name} database at {path}; run `fyt demo seed` (or `fyt serve --demo`) "
                "first, or pass --database-url"
            )
        database_url = f"sqlite:///{path}"
    token = token_file.read_text(encoding="utf-8").strip() if token_file else None
    token = token or os.environ.get("AGENCY_TOKEN") or None
    base = data_dir or Path(os.environ.get("HUB_DATA_DIR") or "fyt-data")
    witness = _witness(
        witness_key or _env_path("AGENCY_WITNESS_KEY"),
        list(witness_logs) or os.environ.get("AGENCY_WITNESS_LOG", "").split(),
        witness_name or os.environ.get("AGENCY_WITNESS_NAME") or f"fyt-agency.local/{name}",
        witness_state or _env_path("AGENCY_WITNESS_STATE") or base / "witness" / f"{name}.sqlite3",
    )
    source = connector.embedded(database_url)
    app = agency_app(connector, source, faults=faults, token=token, witness=witness)
    click.echo(f"{connector.title} ({name}) subgraph: http://{host}:{port}/graphql")
    if witness is not None:
        _announce_witness(witness, f"http://{host}:{port}")
    if faults.active:
        click.echo(
            f"fault injection: latency {faults.latency_ms:g} ms, error rate {faults.error_rate:g},"
            f" hang {'on' if faults.hang else 'off'}"
        )
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
    finally:
        source.close()
        if witness is not None:
            witness.store.close()


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _log_vkeys(given: list[str]) -> list[str]:
    out = []
    for value in given:
        path = Path(value)
        out += path.read_text(encoding="utf-8").split() if path.is_file() else [value.strip()]
    return [v for v in out if v]


def _witness(key: Path | None, logs: list[str], name: str, state: Path):  # type: ignore[no-untyped-def]
    """A witness for `fyt agency serve` / `fyt witness serve`, or None when not configured."""
    from connectors.base.witness import Witness, WitnessStore, load_witness_key

    vkeys = _log_vkeys(logs)
    if key is None and not vkeys:
        return None
    if key is None or not vkeys:
        raise click.ClickException(
            "a witness needs both its key (--witness-key / AGENCY_WITNESS_KEY) and the"
            " verifier key of the log it witnesses (--witness-log / AGENCY_WITNESS_LOG)"
        )
    production = os.environ.get("HUB_ENV") == "production"
    try:
        signing = load_witness_key(key, create=not production)
        return Witness(name, signing, vkeys, WitnessStore(state))
    except ValueError as exc:
        raise click.ClickException(f"witness: {exc}") from None


def _announce_witness(witness, url: str) -> None:  # type: ignore[no-untyped-def]
    click.echo(f"witness {witness.name}: POST {url}/add-checkpoint")
    click.echo(f"  its verifier key (for the hub's HUB_AUDIT_WITNESSES): {witness.vkey}")
    click.echo(f"  witnessing: {', '.join(sorted(witness.logs))}; state in {witness.store.path}")


# --- witnesses -------------------------------------------------------------------------------


@main.group("witness")
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
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7200, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def witness_serve(
    name: str, key: Path, logs: tuple[str, ...], state: Path, host: str, port: int, log_level: str
) -> None:
    """Serve POST /add-checkpoint for the given logs."""
    import uvicorn

    from connectors.base.witness import witness_app

    witness = _witness(key, list(logs), name, state)
    assert witness is not None
    _announce_witness(witness, f"http://{host}:{port}")
    try:
        uvicorn.run(
            witness_app(witness), host=host, port=port, log_level=log_level, access_log=False
        )
    finally:
        witness.store.close()


@witness_group.command("public-key")
@click.option("--name", required=True, help="The witness's key name.")
@click.option("--key", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def witness_public_key(name: str, key: Path) -> None:
    """Print the witness's verifier key (type 0x04), for the hub's HUB_AUDIT_WITNESSES."""
    from connectors.base.tlog.cosignature import CosignerKey
    from connectors.base.witness import load_witness_key

    try:
        signing = load_witness_key(key, create=False)
        click.echo(CosignerKey.of(name, signing.public_key()).vkey)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


# --- configuration ----------------------------------------------------------------------------


@main.group()
def config() -> None:
    """The hub's configuration (environment and HUB_CONFIG)."""


@config.command("check")
@click.option("--probe", is_flag=True, help="Also ask every connector whether it answers.")
def config_check(probe: bool) -> None:
    """Validate the configuration and print what was found; exit 1 when it is wrong."""
    settings = load_settings()
    click.echo(f"configuration file: {settings.config_file or '(none: HUB_CONFIG is not set)'}")
    click.echo(f"hub database:       {_redact(settings.database_url)}")
    click.echo(f"data directory:     {settings.data_dir}")
    click.echo("connectors:")
    failures = 0
    results: dict[str, str] = {}
    if probe:
        results = asyncio.run(_probe_connectors(settings))
        failures = sum(1 for r in results.values() if r != "ok")
    for name, conf in settings.connectors.items():
        where = conf.service_url if conf.mode == "remote" else _redact(conf.url)
        line = (
            f"  {name:<19} {conf.mode:<8} {where}  timeout {conf.timeout:g} s, "
            f"retries {conf.retries}, concurrency {conf.max_concurrency}, "
            f"breaker {conf.breaker_failures} failures / {conf.breaker_reset:g} s"
            + (", token set" if conf.token else "")
        )
        if probe:
            line += f"  [{results[name]}]"
        click.echo(line)
    if failures:
        raise click.ClickException(f"{failures} connector(s) did not answer")
    click.echo("configuration is valid")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


async def _probe_connectors(settings: Settings) -> dict[str, str]:
    from connectors import registry

    async def one(name: str) -> tuple[str, str]:
        conf = settings.connectors[name]
        connector = registry.get(name)
        if conf.mode == "remote":
            source = connector.remote(conf.service_url, timeout=conf.timeout, token=conf.token)
        else:
            source = connector.embedded(conf.url)
        try:
            async with asyncio.timeout(conf.timeout):
                await source.ping()
            return name, "ok"
        except Exception as exc:
            return name, f"FAILED: {exc or type(exc).__name__}"
        finally:
            if hasattr(source, "aclose"):
                await source.aclose()
            else:
                source.close()

    return dict(await asyncio.gather(*(one(n) for n in settings.connectors)))


async def _revision(engine, fn):  # type: ignore[no-untyped-def]
    try:
        return await fn(engine)
    finally:
        await engine.dispose()


def _write_demo_tokens(settings: Settings) -> Path:
    from hub.demo.info import demo_info

    info = asyncio.run(demo_info(settings))
    path = settings.data_dir / "demo-tokens.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    return path


# --- demo ------------------------------------------------------------------------------------


@main.group()
def demo() -> None:
    """Deterministic synthetic demo data."""


@demo.command("seed")
@click.option("--persons", default=10_000, show_default=True, type=click.IntRange(50, 2_000_000))
@click.option("--seed", "seed_", default=20_260_101, show_default=True, type=int)
def demo_seed(persons: int, seed_: int) -> None:
    """(Re)generate the agency databases and the court's cases for N persons."""
    from hub.demo.seed import seed_demo

    settings = load_settings()
    if settings.production:
        raise click.ClickException("demo data is refused with HUB_ENV=production")
    report = asyncio.run(seed_demo(settings, persons=persons, seed=seed_, log=click.echo))
    click.echo(
        f"{report.persons:,} persons, {report.enterprises:,} enterprises, "
        f"{sum(report.rows.values()):,} rows in {report.seconds:.1f} s"
    )


@demo.command("info")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--ttl",
    default=None,
    help="Token lifetime: seconds or 30m, 8h (default 8h; at most HUB_MAX_TOKEN_LIFETIME).",
)
def demo_info_cmd(as_json: bool, ttl: str | None) -> None:
    """Print the demo users with tokens, and sample subjects of open cases."""
    from hub.demo.info import demo_info
    from hub.demo.seed import demo_marker

    settings = load_settings()
    lifetime = token_ttl(settings, ttl)
    if demo_marker(settings) is None:
        raise click.ClickException(
            f"no demo data in {settings.data_dir}; run `fyt serve --demo` or `fyt demo seed`"
        )
    info = asyncio.run(demo_info(settings, ttl=lifetime))
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    for u in info["users"]:
        click.echo(
            f"{u['id']:<14} {u['name']}  {u['title']}  {u['org']}  roles={','.join(u['roles'])}"
        )
        click.echo(f"  Authorization: Bearer {u['token']}")
    s = info["samples"]
    click.echo(f"\nSample persons (parties of {s['judge']}'s open cases):")
    for p in s["persons"]:
        click.echo(f"  {p['idNumber']}  {p['name']}  {p['caseNumber']}")
    click.echo("Sample enterprises:")
    for e in s["enterprises"]:
        click.echo(f"  {e['uscc']}  {e['name']}  {e['caseNumber']}")


# --- tokens and keys -------------------------------------------------------------------------


@main.group()
def token() -> None:
    """Bearer tokens."""


@token.command("issue")
@click.option("--sub", required=True, help="User id.")
@click.option("--org", required=True, help="court:370602, agency:real_estate, …")
@click.option(
    "--role", "roles", multiple=True, required=True, help="Role name; repeat for several."
)
@click.option(
    "--ttl",
    default=None,
    help="Lifetime: seconds or 30m, 8h (default 8h; at most HUB_MAX_TOKEN_LIFETIME).",
)
def token_issue(sub: str, org: str, roles: tuple[str, ...], ttl: str | None) -> None:
    """Mint a token with the configured signing key (development and operations)."""
    from hub.auth.tokens import issue_token, load_private_key

    settings = load_settings()
    lifetime = token_ttl(settings, ttl)
    try:
        key, kid = load_private_key(settings.private_key_path)
        click.echo(
            issue_token(
                private_key=key,
                kid=kid,
                sub=sub,
                org=org,
                roles=list(roles),
                ttl=lifetime,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
            )
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def keys() -> None:
    """JWT signing keys."""


@keys.command("generate")
def keys_generate() -> None:
    """Add a new Ed25519 signing key (the JWKS keeps older keys so issued tokens stay valid)."""
    from hub.auth.tokens import generate_signing_key

    settings = load_settings()
    kid = generate_signing_key(settings.private_key_path, settings.public_keys_path)
    click.echo(
        f"new signing key {kid}: {settings.private_key_path}; public keys: {settings.public_keys_path}"
    )


# --- database and schema ---------------------------------------------------------------------


@main.group()
def db() -> None:
    """The hub database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the hub database (HUB_DATABASE_URL, default SQLite in the data directory)."""
    from alembic.util.exc import CommandError

    from hub.db.engine import create_hub_engine, upgrade

    settings = load_settings()
    engine = create_hub_engine(settings.database_url)
    try:
        asyncio.run(_revision(engine, lambda e: upgrade(e, revision)))
    except CommandError as exc:
        raise click.ClickException(f"cannot migrate to {revision!r}: {exc}") from None
    click.echo(f"hub database at {revision}")


@db.command("current")
def db_current() -> None:
    """Print the hub database's migration revision."""
    from hub.db.engine import create_hub_engine, current_revision

    engine = create_hub_engine(load_settings().database_url)
    click.echo(asyncio.run(_revision(engine, current_revision)) or "(not migrated)")


@main.command()
@click.option("--interval", default=0.5, show_default=True, type=click.FloatRange(0.05, 60))
def worker(interval: float) -> None:
    """Deliver orders from the outbox and lapse expired measures (several may run)."""
    from hub.app import audit_transitions
    from hub.orders.worker import OrderWorker
    from hub.runtime import Runtime

    settings = load_settings()
    _audit_keys(settings)

    async def run() -> None:
        from hub.graphql.schema import build_schema

        runtime = Runtime.open(settings, build_schema())
        w = OrderWorker(
            runtime.engine,
            on_transitions=audit_transitions(runtime),
            interval=interval,
            sources=runtime.sources,
        )
        w.start()
        click.echo("order worker running; Ctrl-C stops it")
        try:
            await asyncio.Event().wait()
        finally:
            await w.stop()
            await runtime.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


@main.group()
def order() -> None:
    """Seizure and freeze orders."""


@order.command("verify")
@click.argument("order_id")
def order_verify(order_id: str) -> None:
    """Check the court's signature on the order and the agency's on its receipt."""
    from hub.db.engine import create_hub_engine
    from hub.errors import NotFound
    from hub.orders.service import verify_order
    from hub.orders.signing import OrderKeys

    settings = load_settings()
    keys = OrderKeys(settings.keys_dir / "orders", create=False)

    async def check(engine):  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            return await verify_order(conn, order_id, keys)

    engine = create_hub_engine(settings.database_url)
    try:
        result = asyncio.run(_revision(engine, check))
    except (NotFound, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"court signature on the order: {'OK' if result['court'] else 'FAILS'}")
    receipt = {None: "no receipt yet", True: "OK", False: "FAILS"}[result["receipt"]]
    click.echo(f"agency signature on the receipt: {receipt}")
    if not result["court"] or result["receipt"] is False:
        raise SystemExit(1)


@main.group()
def policy() -> None:
    """Field-level access control (policies/)."""


def _load_policy(settings: Settings):  # type: ignore[no-untyped-def]
    from hub.graphql.schema import build_schema
    from hub.policy.fields import schema_fields
    from hub.policy.table import PolicyError, PolicyTable

    try:
        return PolicyTable.load(settings.policy_dir, schema_fields(build_schema()))
    except PolicyError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"the policy in {settings.policy_dir} is not valid") from None


@policy.command("check")
def policy_check() -> None:
    """Validate the policy files against the live schema (typos are errors, not silent denials)."""
    settings = load_settings()
    table = _load_policy(settings)
    roles = sorted({ln.values[0] for ln in table.lines if ln.ptype == "p"})
    click.echo(
        f"policy OK: {len(table.lines)} lines, roles {', '.join(roles)}; "
        f"{len(table.fields)} schema fields under control"
    )


@policy.command("explain")
@click.option("--role", required=True, help="Role name, e.g. registry_officer.")
@click.option("--org", required=True, help="Org, e.g. agency:real_estate.")
@click.argument("coordinate")
def policy_explain(role: str, org: str, coordinate: str) -> None:
    """Print the decision for COORDINATE (Type.field, or @purpose) and the lines that decided it."""
    from hub.policy.table import PolicyError

    settings = load_settings()
    table = _load_policy(settings)
    try:
        decision, lines = table.explain(role, org, coordinate)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    if coordinate.startswith("@"):
        verdict = "required" if decision.name == "READ" else "not required"
    else:
        verdict = decision.name.lower()
    click.echo(f"{coordinate} for {role} of {org}: {verdict}")
    info = table.fields.get(coordinate)
    if info is not None and info.mask is not None:
        click.echo(f"  mask rule: {info.mask.name} (tag {info.mask.policy_object})")
    if not lines:
        click.echo("  no policy line matches: denied by default")
    for line in lines:
        click.echo(f"  {table.source}:{line.number}: {line.text}")


@policy.command("reload")
def policy_reload() -> None:
    """Validate the policy files, then tell the running hub (SIGHUP) to swap them in."""
    import signal

    settings = load_settings()
    _load_policy(settings)
    pid_file = settings.data_dir / "hub.pid"
    if not pid_file.exists():
        raise click.ClickException(f"no running hub found ({pid_file} is missing)")
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (ValueError, ProcessLookupError):
        raise click.ClickException(f"the hub named in {pid_file} is not running") from None
    click.echo(f"policy valid; asked hub process {pid} to reload it (see its log)")


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


def _audit_keys(settings: Settings):  # type: ignore[no-untyped-def]
    from hub.audit.keys import AuditKeys

    try:
        return AuditKeys.load(
            settings.audit_key_path, settings.audit_signing_path, settings.audit_origin
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@audit.command("integrate")
def audit_integrate() -> None:
    """Append recorded entries to the Merkle tree now and sign a checkpoint."""
    from hub.audit.integrator import IntegrationRefused, integrate
    from hub.db.engine import create_hub_engine

    settings = load_settings()
    keys = _audit_keys(settings)
    engine = create_hub_engine(settings.database_url)
    try:
        size = asyncio.run(_revision(engine, lambda e: integrate(e, keys)))
    except IntegrationRefused as exc:
        raise click.ClickException(f"integration refused, nothing was signed: {exc}") from None
    click.echo("another integrator is working; try again" if size is None else f"tree size {size}")


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Print the latest signed checkpoint, with the witnesses' cosignatures it has so far (keep
    a copy outside the hub: `verify --trusted`)."""
    from hub.audit.queries import checkpoint_at
    from hub.db.engine import create_hub_engine

    async def latest(engine):  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            return await checkpoint_at(conn, None)

    engine = create_hub_engine(load_settings().database_url)
    row = asyncio.run(_revision(engine, latest))
    if row is None:
        raise click.ClickException("no checkpoint yet: nothing has been integrated")
    click.echo(row.note, nl=False)


@audit.command("public-key")
def audit_public_key() -> None:
    """Print the checkpoint verifier key (signed-note vkey) for offline verification."""
    from connectors.base.tlog.checkpoint import vkey

    settings = load_settings()
    keys = _audit_keys(settings)
    click.echo(vkey(keys.origin, keys.public_key))


@audit.command("verify")
@click.option(
    "--trusted",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A checkpoint note kept outside the hub: the log must still extend it.",
)
@click.option(
    "--ask-witnesses/--no-ask-witnesses",
    default=True,
    show_default=True,
    help="With HUB_AUDIT_WITNESSES: also ask each witness whether the latest checkpoint"
    " extends the tree it holds (their stores are out of the hub's reach).",
)
def audit_verify(trusted: str | None, ask_witnesses: bool) -> None:
    """Recompute every leaf, the tree and every signed checkpoint; name the first bad entry."""
    from connectors.base.tlog.checkpoint import open_checkpoint, vkey
    from hub.audit.verify import verify_log
    from hub.db.engine import create_hub_engine

    settings = load_settings()
    keys = _audit_keys(settings)
    verifier = [vkey(keys.origin, keys.public_key)]
    trusted_cp = None
    if trusted is not None:
        try:
            trusted_cp = open_checkpoint(Path(trusted).read_text(encoding="utf-8"), verifier)
        except ValueError as exc:
            raise click.ClickException(f"the trusted checkpoint does not verify: {exc}") from None
    policy = _witness_policy()
    engine = create_hub_engine(settings.database_url)
    report = asyncio.run(_revision(engine, lambda e: verify_log(e, verifier, trusted_cp, policy)))
    click.echo(
        f"{report.entries} entries, tree size {report.tree_size}, {report.checkpoints} checkpoints,"
        f" {report.redacted} redacted, {report.unintegrated} not yet integrated"
        + (
            f"; {report.subjects} subject rows of batch entries, {report.redacted_subjects}"
            " redacted"
            if report.subjects
            else ""
        )
    )
    if policy.witnesses:
        line = f"witnesses: {len(policy.witnesses)} configured, {policy.quorum} required"
        if policy.quorum:
            line += (
                f"; the newest witnessed checkpoint is {report.witnessed_size}"
                if report.witnessed_size is not None
                else "; no checkpoint has the quorum"
            )
        click.echo(line)
        for size in sorted(report.cosigned)[-3:]:
            click.echo(f"  checkpoint {size} cosigned by {_cosigners(report.cosigned[size])}")
        if report.pending:
            click.echo(f"  waiting: {report.pending}")
        if ask_witnesses:
            from hub.audit.witness import ask_witnesses as ask

            engine = create_hub_engine(settings.database_url)
            for o in asyncio.run(_revision(engine, lambda e: ask(e, policy))):
                if o.status == "cosigned":
                    click.echo(f"  asked {o.witness}: it holds {o.size}, consistent with the log")
                elif o.status == "refused":
                    report.problems.append(f"witness {o.witness} refuses the log: {o.detail}")
                else:
                    click.echo(f"WARNING: could not ask witness {o.witness}: {o.detail}", err=True)
    if not report.ok:
        for problem in report.problems:
            click.echo(f"FAIL: {problem}", err=True)
        raise SystemExit(1)
    click.echo("OK: the audit log is consistent")


def _witness_policy():  # type: ignore[no-untyped-def]
    from hub.audit.witness import WitnessConfigError, WitnessPolicy

    try:
        return WitnessPolicy.from_env()
    except WitnessConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _cosigners(valid: dict[str, int]) -> str:
    return ", ".join(
        f"{name} at {datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S}Z"
        for name, t in sorted(valid.items())
    )


@audit.command("witnesses")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def audit_witnesses(as_json: bool) -> None:
    """List the configured witnesses: the size each last cosigned, when, and the last failure."""
    from hub.audit.witness import witness_status
    from hub.db.engine import create_hub_engine

    policy = _witness_policy()
    if not policy.witnesses:
        raise click.ClickException("no witnesses configured: set HUB_AUDIT_WITNESSES (a TOML file)")
    engine = create_hub_engine(load_settings().database_url)
    rows = asyncio.run(_revision(engine, lambda e: witness_status(e, policy)))
    if as_json:
        for row in rows:
            for key in ("cosignedAt", "checkedAt"):
                row[key] = row[key].isoformat() if row[key] else None
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(rows)} witness(es), {policy.quorum} cosignature(s) required")
    for row in rows:
        size = (
            "never cosigned" if row["cosignedSize"] is None else f"cosigned {row['cosignedSize']}"
        )
        when = f" at {row['cosignedAt']:%Y-%m-%d %H:%M:%S}Z" if row["cosignedAt"] else ""
        click.echo(f"{row['name']}  {row['url']}  {size}{when} (log at {row['latestSize']})")
        if row["lastError"]:
            click.echo(f"  last round: {row['lastError']}")


@audit.command("cosign")
def audit_cosign() -> None:
    """Send the latest checkpoint to every witness that has not cosigned it, now."""
    from hub.audit.witness import WitnessSender
    from hub.db.engine import create_hub_engine

    policy = _witness_policy()
    if not policy.witnesses:
        raise click.ClickException("no witnesses configured: set HUB_AUDIT_WITNESSES (a TOML file)")
    engine = create_hub_engine(load_settings().database_url)

    async def one_round(e):  # type: ignore[no-untyped-def]
        sender = WitnessSender(e, policy)
        sender.start()
        try:
            return await sender.run_round()
        finally:
            await sender.stop()

    outcomes = asyncio.run(_revision(engine, one_round))
    for o in outcomes:
        held = "" if o.size is None else f" (holds {o.size})"
        click.echo(
            f"{o.witness}: {o.status}{held}"
            + (f": {o.detail}" if o.status not in ("cosigned", "current") else "")
        )
    if any(o.status in ("refused", "failed") for o in outcomes):
        raise SystemExit(1)


def _day(value: str, option: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2026-01-31", param_hint=option
        ) from None


@audit.command("export")
@click.option("--from", "since", required=True, help="First day included (YYYY-MM-DD, UTC).")
@click.option("--to", "until", required=True, help="Day after the last included (YYYY-MM-DD, UTC).")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="File to write (default: standard output).",
)
def audit_export(since: str, until: str, fmt: str, output: str) -> None:
    """Write entries with inclusion proofs and the signed checkpoint, verifiable offline."""
    from hub.audit.export import export_entries, write_csv, write_jsonl
    from hub.db.engine import create_hub_engine

    start, end = _day(since, "'--from'"), _day(until, "'--to'")
    if start >= end:
        raise click.BadParameter("--from must be before --to", param_hint="'--from'")
    engine = create_hub_engine(load_settings().database_url)
    try:
        policy = _witness_policy()
        note, records = asyncio.run(
            _revision(engine, lambda e: export_entries(e, start, end, policy))
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    write = write_jsonl if fmt == "jsonl" else write_csv
    if output == "-":
        write(sys.stdout, note, records)
    else:
        with open(output, "w", encoding="utf-8", newline="") as f:
            write(f, note, records)
        click.echo(f"exported {len(records)} entries to {output}", err=True)


@audit.command("verify-export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--public-key",
    required=True,
    help="The log's verifier key (`fyt audit public-key`), or a file holding it.",
)
@click.option(
    "--witness",
    "witness_keys",
    multiple=True,
    help="A witness's verifier key (type 0x04), or a file of them one a line; repeatable."
    " Default: the witnesses of HUB_AUDIT_WITNESSES.",
)
@click.option(
    "--quorum",
    type=click.IntRange(0, 100),
    default=None,
    help="Cosignatures of those witnesses the checkpoint must carry"
    " (default HUB_AUDIT_WITNESS_QUORUM, else 0).",
)
def audit_verify_export(
    file: str, public_key: str, witness_keys: tuple[str, ...], quorum: int | None
) -> None:
    """Verify an export offline: signature, every leaf, every inclusion proof, every content
    hash, the leaf range, and the witnesses' cosignatures when a quorum is asked for."""
    from connectors.base.tlog.cosignature import CosignerKey
    from hub.audit.export import verify_export
    from hub.audit.witness import WitnessConfig, WitnessConfigError, WitnessPolicy

    key = Path(public_key).read_text().strip() if Path(public_key).is_file() else public_key.strip()
    try:
        policy = _witness_policy()
        if witness_keys:
            texts = []
            for given in witness_keys:
                path = Path(given)
                texts += path.read_text().split() if path.is_file() else [given.strip()]
            configs = tuple(WitnessConfig(CosignerKey.parse(t)) for t in texts)
            policy = WitnessPolicy(configs, policy.quorum if quorum is None else quorum)
        elif quorum is not None:
            policy = WitnessPolicy(policy.witnesses, quorum)
    except (ValueError, WitnessConfigError) as exc:
        raise click.ClickException(f"witnesses: {exc}") from None
    report = verify_export(Path(file).read_text(encoding="utf-8"), [key], policy)
    click.echo(
        f"{report.entries} entries in a tree of {report.tree_size}, {report.redacted} redacted"
    )
    if report.cosigned:
        click.echo(f"checkpoint {report.tree_size} cosigned by {_cosigners(report.cosigned)}")
    if report.first_leaf is not None and report.first_leaf >= 0:
        click.echo(f"the export states leaves {report.first_leaf} to {report.last_leaf}")
    for warning in report.warnings:
        click.echo(f"WARNING: {warning}", err=True)
    if not report.ok:
        for problem in report.problems:
            click.echo(f"FAIL: {problem}", err=True)
        raise SystemExit(1)
    click.echo("OK: every entry is in the signed tree and unaltered")


@audit.command("redact")
@click.option(
    "--before",
    required=True,
    help="Erase contents of entries older than this date (YYYY-MM-DD, UTC).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def audit_redact(before: str, yes: bool) -> None:
    """Retention: erase entry contents (and those of their subject rows) before DATE; the tree
    still verifies (entries show as redacted)."""
    from hub.audit.service import redact_before
    from hub.db.engine import create_hub_engine

    cutoff = _day(before, "'--before'")
    if cutoff > datetime.now(UTC):
        raise click.BadParameter("the date is in the future", param_hint="'--before'")
    if not yes:
        click.confirm(f"Erase the contents of every audit entry before {before}?", abort=True)
    engine = create_hub_engine(load_settings().database_url)
    count = asyncio.run(_revision(engine, lambda e: redact_before(e, cutoff)))
    click.echo(f"redacted {count} entries recorded before {before}")


@main.group()
def schema() -> None:
    """The committed GraphQL contracts."""


@schema.command("export")
@click.option("--check", is_flag=True, help="Exit 1 if the committed files differ from the code.")
def schema_export(check: bool) -> None:
    """Write schema/hub.graphql and schema/subgraphs/*.graphql from the code."""
    from hub.schema_export import drift, export

    if check:
        bad = drift()
        if bad:
            click.echo("schema drift: " + ", ".join(bad) + " — run `fyt schema export`", err=True)
            sys.exit(1)
        click.echo("schema files match the code")
        return
    for path in export():
        click.echo(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
