"""`fyt db`: migrating the hub database with Alembic and showing its revision."""

from __future__ import annotations

import click

from hub.cli.common import clean_errors, run_with_hub_engine


@click.group("db")
def db() -> None:
    """The hub database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the hub database (HUB_DATABASE_URL, default SQLite in the data directory)."""
    from alembic.util.exc import CommandError

    from hub.db.engine import upgrade

    with clean_errors(CommandError, prefix=f"cannot migrate to {revision!r}: "):
        run_with_hub_engine(lambda e: upgrade(e, revision))
    click.echo(f"hub database at {revision}")


@db.command("current")
def db_current() -> None:
    """Print the hub database's migration revision."""
    from hub.db.engine import current_revision

    click.echo(run_with_hub_engine(current_revision) or "(not migrated)")
