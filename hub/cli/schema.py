"""`fyt schema`: writing the committed SDL files from the code, or checking them for drift."""

from __future__ import annotations

import os
import sys

import click


@click.group("schema")
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
