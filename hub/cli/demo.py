"""`fyt demo`: deterministic demo data, the demo users with tokens, and the demo tokens file."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import click

from hub.cli.common import json_option, load_settings, ttl_option
from hub.cli.progress import terminal_progress
from hub.cli.tokens import token_ttl
from hub.config import Settings


@click.group("demo")
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
    with terminal_progress() as progress:
        report = asyncio.run(
            seed_demo(settings, persons=persons, seed=seed_, log=progress.echo, progress=progress)
        )
    click.echo(
        f"{report.persons:,} persons, {report.enterprises:,} enterprises, "
        f"{sum(report.rows.values()):,} rows in {report.seconds:.1f} s"
    )


@demo.command("info")
@json_option
@ttl_option("Token lifetime")
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


def write_demo_tokens(settings: Settings) -> Path:
    """The demo users and their tokens in DATA_DIR/demo-tokens.json (mode 0600)."""
    from hub.demo.info import demo_info

    info = asyncio.run(demo_info(settings))
    path = settings.data_dir / "demo-tokens.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    return path
