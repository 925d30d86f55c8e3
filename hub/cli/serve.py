"""`fyt serve`: the hub's API, its checks before starting, and production's refusal of demo keys."""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

import click

from hub.cli.common import (
    audit_keys,
    host_option,
    load_settings,
    log_level_option,
    port_option,
    run_with_hub_engine,
    serve_app,
    serve_workers,
)
from hub.cli.hub_process import bind, data_dir_lock, published_pid
from hub.cli.progress import terminal_progress
from hub.config import Settings


@click.command("serve")
@click.option(
    "--demo", is_flag=True, help="Create keys and demo data on first run, print demo users."
)
@host_option
@port_option(8000)
@click.option(
    "--persons",
    default=None,
    type=click.IntRange(50, 2_000_000),
    help="Demo size on first run (default 10,000 persons).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes serving the port (each its own runtime; background jobs run once, by lease).",
)
@log_level_option("info")
def serve(
    demo: bool, host: str, port: int, persons: int | None, workers: int, log_level: str
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql outside production)."""
    from hub.app import create_app
    from hub.cli.demo import write_demo_tokens
    from hub.db.engine import current_revision
    from hub.demo.seed import (
        DEFAULT_PERSONS,
        demo_marker,
        ensure_keys,
        seed_demo,
        seed_missing,
    )

    settings = load_settings()
    if settings.production:
        if demo:
            raise click.ClickException("--demo is refused with HUB_ENV=production")
        _refuse_development_credentials(settings)
    with data_dir_lock(settings):  # one hub per data directory (hub_process's docstring)
        if demo:
            if demo_marker(settings) is None:
                click.echo(f"First run: creating demo data in {settings.data_dir}")
                with terminal_progress() as progress:
                    asyncio.run(
                        seed_demo(
                            settings,
                            persons=persons or DEFAULT_PERSONS,
                            log=progress.echo,
                            progress=progress,
                        )
                    )
            else:
                ensure_keys(settings)  # data made by an earlier version may lack newer keys
                # ... and databases of connectors that came later (the banks)
                asyncio.run(seed_missing(settings, log=click.echo))
            tokens = write_demo_tokens(settings)
            click.echo(f"Demo users and their tokens: {tokens}  (or run `fyt demo info`)")
        elif run_with_hub_engine(current_revision, settings) is None:
            raise click.ClickException(
                "the hub database is not migrated; run `fyt db upgrade` (or `fyt serve --demo`)"
            )
        keys_file = settings.jwt_public_keys if settings.jwt_jwks_url else settings.public_keys_path
        if keys_file is not None and not keys_file.exists():
            raise click.ClickException(
                f"no JWT public keys at {keys_file}; set HUB_JWT_PUBLIC_KEYS, HUB_JWT_JWKS_URL"
                " (the identity provider's keys) or run `fyt keys generate`"
            )
        audit_keys(settings)  # refuse to start without the audit log's keys
        sock = bind(host, port)  # a port taken ends the command here, before the pid file
        click.echo(
            f"Console: http://{host}:{port}/console/   GraphQL: http://{host}:{port}/graphql"
        )
        options: dict[str, Any] = {
            # the hub reads X-Forwarded-For itself, from HUB_TRUSTED_PROXIES only
            "proxy_headers": False,
            "server_header": False,
            "ws_max_size": settings.max_body_bytes,
        }
        with sock, published_pid(settings):
            if workers == 1:
                serve_app(
                    create_app(settings, reload_on_sighup=True, run_worker=True, demo=demo),
                    host=host,
                    port=port,
                    log_level=log_level,
                    sock=sock,
                    **options,
                )
            else:
                serve_workers(
                    functools.partial(worker_app, demo=demo),
                    workers=workers,
                    host=host,
                    port=port,
                    log_level=log_level,
                    sock=sock,
                    **options,
                )


def worker_app(*, demo: bool) -> Any:
    """The app of one of `fyt serve --workers N`'s processes (started afresh: it reads the
    settings from the environment it inherits, as its parent did)."""
    from hub.app import create_app

    return create_app(load_settings(), reload_on_sighup=True, run_worker=True, demo=demo)


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
