"""`fyt ledger`: a case's deductions (扣划) from frozen deposits, reconciled against the banks.

``fyt ledger show --case …`` prints the case's ledger and checks, per case, that the sum the hub
recorded as deducted equals the sum of the banks' signed transfer receipts (each signature
verified with its bank's key) and the transfers the banks themselves record for the case; it
exits 1 when they do not reconcile (:func:`hub.orders.deductions.reconcile`).
"""

from __future__ import annotations

import json
from typing import Any

import click

from hub.cli.common import clean_errors, load_settings, run_with_hub_engine


@click.group("ledger")
def ledger() -> None:
    """Deductions (扣划) from frozen deposits, per case."""


@ledger.command("show")
@click.option("--case", "case_number", required=True, help="The case number: （2026）鲁0602执1号")
@click.option("--json", "as_json", is_flag=True, help="Print the ledger as JSON.")
def ledger_show(case_number: str, as_json: bool) -> None:
    """Print a case's deductions and whether they reconcile with the banks' receipts and records."""
    from sqlalchemy.ext.asyncio import AsyncEngine

    from connectors import registry
    from connectors.base.remote import RemoteSource
    from hub.errors import BadUserInput
    from hub.identifiers import normalize_case_number
    from hub.orders import deductions
    from hub.orders.signing import OrderKeys

    settings = load_settings()
    with clean_errors(BadUserInput):
        case = normalize_case_number(case_number)
    keys = OrderKeys(settings.keys_dir / "orders", create=False)

    async def read(engine: AsyncEngine) -> deductions.Reconciliation:
        async with engine.connect() as conn:
            entries = await deductions.ledger(conn, case)
        banks = sorted({e["bank"] for e in entries})
        sources = {b: settings.connectors[b].open_source(registry.get(b)) for b in banks}
        try:
            transfers: list[Any] | None = await deductions.bank_transfers(case, banks, sources)
        except Exception as exc:  # a bank that cannot be read: its side stays unknown
            click.echo(f"banks' records not read: {type(exc).__name__}", err=True)
            transfers = None
        finally:
            for source in sources.values():
                if isinstance(source, RemoteSource):
                    await source.aclose()
                else:
                    source.close()
        return deductions.reconcile(case, entries, keys=keys, bank_transfers=transfers)

    with clean_errors(ValueError):
        r = run_with_hub_engine(read, settings)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "caseNumber": r.case_number,
                    "deducted": str(r.deducted),
                    "receipted": str(r.receipted),
                    "bankRecorded": None if r.bank_recorded is None else str(r.bank_recorded),
                    "pending": str(r.pending),
                    "receiptsValid": r.receipts_valid,
                    "unmatchedTransfers": r.unmatched,
                    "reconciled": r.reconciled,
                    "entries": [
                        {
                            "id": e["id"],
                            "order": e["order_id"],
                            "bank": e["bank"],
                            "amount": str(e["amount"]),
                            "currency": e["currency"],
                            "status": e["status"],
                            "transferNumber": e["transfer_number"],
                        }
                        for e in r.entries
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(f"case {r.case_number}: {len(r.entries)} deductions")
        for e in r.entries:
            click.echo(
                f"  {e['id']}  {e['status']:<8} {e['amount']:>14} {e['currency']}  {e['bank']}"
                f"  order {e['order_id']}  {e['transfer_number'] or '-'}"
            )
        bank = "not read" if r.bank_recorded is None else str(r.bank_recorded)
        click.echo(
            f"deducted {r.deducted}, receipts {r.receipted}"
            f" ({'signatures OK' if r.receipts_valid else 'A RECEIPT FAILS'}), banks' records"
            f" {bank}, pending {r.pending}"
        )
        if r.unmatched:
            click.echo(f"transfers the ledger does not hold: {', '.join(r.unmatched)}")
        click.echo("reconciled" if r.reconciled else "NOT RECONCILED")
    if not r.reconciled:
        raise SystemExit(1)
