"""`fyt config check`: the configuration the hub will use, and whether each connector answers."""

from __future__ import annotations

import asyncio

import click

from hub.cli.common import load_settings
from hub.config import Settings


@click.group("config")
def config() -> None:
    """The hub's configuration (environment and HUB_CONFIG)."""


@config.command("check")
@click.option("--probe", is_flag=True, help="Also ask every connector whether it answers.")
def config_check(probe: bool) -> None:
    """Validate the configuration and print what was found; exit 1 when it is wrong."""
    settings = load_settings()
    click.echo(f"configuration file: {settings.config_file or '(none: HUB_CONFIG is not set)'}")
    click.echo(f"hub database:       {_redact(settings.database_url)}")
    click.echo(f"data directory:     {settings.data_dir}")
    click.echo("connectors:")
    failures = 0
    results: dict[str, str] = {}
    if probe:
        results = asyncio.run(_probe_connectors(settings))
        failures = sum(1 for r in results.values() if r != "ok")
    for name, conf in settings.connectors.items():
        where = conf.service_url if conf.mode == "remote" else _redact(conf.url)
        line = (
            f"  {name:<19} {conf.mode:<8} {where}  timeout {conf.timeout:g} s, "
            f"retries {conf.retries}, concurrency {conf.max_concurrency}, "
            f"breaker {conf.breaker_failures} failures / {conf.breaker_reset:g} s"
            + (", token set" if conf.token else "")
        )
        if probe:
            line += f"  [{results[name]}]"
        click.echo(line)
    if failures:
        raise click.ClickException(f"{failures} connector(s) did not answer")
    click.echo("configuration is valid")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


async def _probe_connectors(settings: Settings) -> dict[str, str]:
    from connectors import registry
    from connectors.base.source import DatabaseSource

    async def one(name: str) -> tuple[str, str]:
        conf = settings.connectors[name]
        connector = registry.get(name)
        source = conf.open_source(connector)
        try:
            async with asyncio.timeout(conf.timeout):
                await source.ping()
            return name, "ok"
        except Exception as exc:
            return name, f"FAILED: {exc or type(exc).__name__}"
        finally:
            if isinstance(source, DatabaseSource):
                source.close()
            else:
                await source.aclose()

    return dict(await asyncio.gather(*(one(n) for n in settings.connectors)))
