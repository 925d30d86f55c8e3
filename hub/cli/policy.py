"""`fyt policy`: validating, explaining and reloading the field-level access policy."""

from __future__ import annotations

import os
from typing import Any

import click

from hub.cli.common import clean_errors, load_settings
from hub.cli.hub_process import running_hub_pid
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
def policy_reload() -> None:
    """Validate the policy files, then tell the running hub (SIGHUP) to swap them in."""
    import signal

    settings = load_settings()
    _load_policy(settings)
    pid = running_hub_pid(settings)
    if pid is None:
        raise click.ClickException(
            f"no running hub found: no `fyt serve` holds {settings.data_dir / 'hub.lock'}"
        )
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise click.ClickException(f"the hub process {pid} is not running") from None
    click.echo(f"policy valid; asked hub process {pid} to reload it (see its log)")
