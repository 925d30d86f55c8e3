"""`fyt policy`: validating, explaining and reloading the field-level access policy."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from typing import Any

import click

from hub.cli.common import clean_errors, load_settings, run_with_hub_engine
from hub.config import Settings


@click.group("policy")
def policy() -> None:
    """Field-level access control (policies/)."""


def _load_policy(settings: Settings) -> Any:
    from hub.errors import PolicyError
    from hub.graphql.schema import build_schema
    from hub.policy.fields import schema_fields
    from hub.policy.table import PolicyTable

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
    from hub.errors import PolicyError

    settings = load_settings()
    table = _load_policy(settings)
    with clean_errors(PolicyError):
        decision, lines = table.explain(role, org, coordinate)
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
@click.option(
    "--wait",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0, 300),
    help="Seconds to wait for every serving hub process to take the new policy.",
)
def policy_reload(wait: float) -> None:
    """Validate the policy files, record them as the newest policy generation in the hub
    database and wait until every hub process serving it has swapped them in."""
    from sqlalchemy.exc import DBAPIError

    from hub.db.coordination import record_policy_generation, serving_processes
    from hub.runtime import read_policy_files

    settings = load_settings()
    _load_policy(settings)
    files = read_policy_files(settings.policy_dir)

    async def reload(engine: Any) -> tuple[int, list[Any], list[Any]]:
        try:
            serving = await serving_processes(engine)
        except DBAPIError:
            serving = []  # no database, or one not migrated: no hub serves it
        if not serving:
            raise click.ClickException(
                "no running hub found: no hub process serving the hub database has reported"
                " in the last seconds (is `fyt serve` running with this configuration?)"
            )
        generation, _ = await record_policy_generation(
            engine, files, f"{socket.gethostname()}:{os.getpid()}:fyt policy reload"
        )
        return (generation, *await _await_generation(engine, generation, serving, wait))

    generation, took, late = run_with_hub_engine(reload, settings)
    if not took and not late:
        raise click.ClickException(
            f"policy generation {generation} recorded, but every hub process serving the"
            " database stopped before taking it; a process that starts serves the newest"
        )
    if late:
        names = ", ".join(f"{p.host} pid {p.pid}" for p in late)
        raise click.ClickException(
            f"policy generation {generation} recorded, but not taken within {wait:g} s by: "
            f"{names} (see their logs)"
        )
    names = ", ".join(f"{p.host} pid {p.pid}" for p in took)
    click.echo(
        f"policy valid; generation {generation} taken by {len(took)} hub process"
        f"{'es' if len(took) != 1 else ''}: {names}"
    )


async def _await_generation(
    engine: Any, generation: int, serving: list[Any], wait: float
) -> tuple[list[Any], list[Any]]:
    """Wait until every process serving the database has taken ``generation``: those serving
    when it was recorded and those that start serving meanwhile, each until it has taken it or
    has left (stopped cleanly), however long it has been since it last reported — a process
    busy loading the policy, or stalled, is waited for, not forgotten. (The processes that took
    it, those that have not) when all have or ``wait`` seconds have passed."""
    from hub.db.coordination import serving_processes

    waiting = {p.holder for p in serving}
    deadline = time.monotonic() + wait
    while True:
        waiting |= {p.holder for p in await serving_processes(engine)}  # started meanwhile
        registered = await serving_processes(engine, within=None)
        known = [p for p in registered if p.holder in waiting]
        waiting = {p.holder for p in known}  # those that left are no longer waited for
        late = [p for p in known if not _took(p, generation)]
        if not late or time.monotonic() >= deadline:
            return [p for p in known if _took(p, generation)], late
        await asyncio.sleep(0.2)


def _took(process: Any, generation: int) -> bool:
    return process.policy_generation is not None and process.policy_generation >= generation
