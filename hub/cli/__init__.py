"""The `fyt` command: the main group, with every command group registered on it.

One module per command group (``serve``, ``agency`` with ``witness``, ``demo``, ``tokens`` with
``keys``, ``db``, ``worker``, ``orders``, ``policy``, ``audit``, ``schema``, ``config``,
``health``, ``ledger``); what
they share (settings, the hub database, clean errors, options) is in :mod:`hub.cli.common`.
"""

from __future__ import annotations

import click

from hub.cli import (
    agency,
    audit,
    config,
    db,
    demo,
    health,
    ledger,
    orders,
    policy,
    schema,
    serve,
    tokens,
    worker,
)


@click.group()
@click.version_option(package_name="hub")
def main() -> None:
    """府院通 hub: court–agency data exchange."""


for command in (
    serve.serve,
    agency.agency,
    agency.witness_group,
    config.config,
    demo.demo,
    tokens.token,
    tokens.keys,
    db.db,
    worker.worker,
    orders.order,
    ledger.ledger,
    policy.policy,
    audit.audit,
    schema.schema,
    health.health,
):
    main.add_command(command)
