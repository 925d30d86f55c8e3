"""`fyt order`: checking the signatures on a seizure or freeze order and on its receipt."""

from __future__ import annotations

import click

from hub.cli.common import clean_errors, load_settings, run_with_hub_connection


@click.group("order")
def order() -> None:
    """Seizure and freeze orders."""


@order.command("verify")
@click.argument("order_id")
def order_verify(order_id: str) -> None:
    """Check the court's signature on the order and the agency's on its receipt."""
    from hub.errors import NotFound
    from hub.orders.service import verify_order
    from hub.orders.signing import OrderKeys

    settings = load_settings()
    keys = OrderKeys(settings.keys_dir / "orders", create=False)
    with clean_errors(NotFound, ValueError):
        result = run_with_hub_connection(lambda conn: verify_order(conn, order_id, keys), settings)
    click.echo(f"court signature on the order: {'OK' if result['court'] else 'FAILS'}")
    receipt = {None: "no receipt yet", True: "OK", False: "FAILS"}[result["receipt"]]
    click.echo(f"agency signature on the receipt: {receipt}")
    if not result["court"] or result["receipt"] is False:
        raise SystemExit(1)
