"""`fyt worker`: the outbox worker that delivers orders and lapses expired measures."""

from __future__ import annotations

import asyncio

import click

from hub.cli.common import audit_keys, load_settings


@click.command("worker")
@click.option("--interval", default=0.5, show_default=True, type=click.FloatRange(0.05, 60))
def worker(interval: float) -> None:
    """Deliver orders from the outbox and lapse expired measures (several may run)."""
    from hub.orders.worker import OrderWorker
    from hub.orders.workflow import record_transitions
    from hub.runtime import Runtime

    settings = load_settings()
    audit_keys(settings)

    async def run() -> None:
        from hub.graphql.schema import build_schema

        runtime = Runtime.open(settings, build_schema())
        w = OrderWorker(
            runtime.engine,
            on_transitions=record_transitions(runtime.engine, runtime.audit),
            interval=interval,
            sources=runtime.sources,
        )
        w.start()
        click.echo("order worker running; Ctrl-C stops it")
        try:
            await asyncio.Event().wait()
        finally:
            await w.stop()
            await runtime.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
