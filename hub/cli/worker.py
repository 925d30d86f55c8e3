"""`fyt worker`: the outbox worker that delivers orders and lapses expired measures, the
sanction-list expiry job (entries whose term ended are deleted) and the rounds of the
asynchronous 查控 requests (every bank asked once per round)."""

from __future__ import annotations

import asyncio

import click

from hub.cli.common import audit_keys, load_settings


@click.command("worker")
@click.option("--interval", default=0.5, show_default=True, type=click.FloatRange(0.05, 60))
def worker(interval: float) -> None:
    """Deliver orders from the outbox, lapse expired measures, delete sanction entries whose
    term ended and end police-assistance requests whose seizure or term ended (several may
    run)."""
    from hub.inquiries.worker import InquiryWorker
    from hub.orders.worker import OrderWorker
    from hub.orders.workflow import record_transitions
    from hub.police.worker import PoliceWorker
    from hub.runtime import Runtime
    from hub.sanctions.rules import WorkingCalendar
    from hub.sanctions.worker import SanctionExpiry

    settings = load_settings()
    audit_keys(settings)
    try:
        calendar = WorkingCalendar.load(settings.holiday_calendar)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None

    async def run() -> None:
        from hub.graphql.schema import build_schema

        runtime = Runtime.open(settings, build_schema())
        w = OrderWorker(
            runtime.engine,
            on_transitions=record_transitions(runtime.engine, runtime.audit),
            interval=interval,
            sources=runtime.sources,
            keys=runtime.order_keys,
        )
        w.start()
        expiry = SanctionExpiry(runtime.engine, runtime.audit, calendar)
        expiry.start()
        rounds = InquiryWorker(
            runtime.engine,
            runtime.audit,
            runtime.round_sources or runtime.sources,
            runtime.guards,
            call_timeout=settings.inquiry_call_timeout,
        )
        rounds.start()
        police = PoliceWorker(
            runtime.engine,
            runtime.audit,
            demo_sightings=settings.police_demo_sightings,
            source=runtime.sources.get("public_security"),
        )
        police.start()
        click.echo(
            "order worker, sanction expiry, 查控 rounds and police assistance running; Ctrl-C"
            " stops them"
        )
        try:
            await asyncio.Event().wait()
        finally:
            await w.stop()
            await expiry.stop()
            await rounds.stop()
            await police.stop()
            await runtime.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
