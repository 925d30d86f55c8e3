"""`fyt health`: a probe of a running hub (or agency service, or witness) for containers.

Container runtimes and Kubernetes run a command in the container to learn whether it is alive
and ready. A production hub answers ``/readyz`` only on loopback or with the operator token
(``HUB_OPS_TOKEN_FILE``), which an HTTP probe from outside the container does not have; this
command runs inside it, on loopback, and sends the token when one is configured.
"""

from __future__ import annotations

import click


@click.command("health")
@click.option(
    "--url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The service's base URL (a hub, an agency service or a witness).",
)
@click.option(
    "--ready",
    is_flag=True,
    help="Ask /readyz (a hub): ready or degraded pass, unavailable fails. Sends the operator"
    " token of HUB_OPS_TOKEN_FILE when it is set.",
)
@click.option("--timeout", default=3.0, show_default=True, type=click.FloatRange(0.1, 60))
def health(url: str, ready: bool, timeout: float) -> None:
    """Exit 0 when the service at URL is alive (/healthz), or with --ready when it can serve."""
    import httpx

    from hub.cli.common import load_settings

    headers = {}
    if ready:
        token = load_settings().ops_token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
    path = "/readyz" if ready else "/healthz"
    try:
        response = httpx.get(url.rstrip("/") + path, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise click.ClickException(
            f"cannot reach {url}{path}: {exc or type(exc).__name__}"
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    status = body.get("status") if isinstance(body, dict) else None
    if response.status_code != 200 or status not in ("ok", "ready", "degraded"):
        detail = status or response.text[:200]
        raise click.ClickException(f"{url}{path} answered {response.status_code}: {detail}")
    click.echo(status)
    if status == "degraded" and isinstance(body, dict):
        for line in _degraded(body):
            click.echo(f"  {line}")


def _degraded(report: dict[str, object]) -> list[str]:
    """What keeps a hub from being ready, one line each."""
    out = []
    for name in ("auditWrites", "auditIntegration"):
        if report.get(name) not in (None, "ok"):
            out.append(f"{name}: {report[name]}")
    connectors = report.get("connectors")
    for name, entry in (connectors if isinstance(connectors, dict) else {}).items():
        if isinstance(entry, dict) and (not entry.get("ok") or entry.get("breaker") != "CLOSED"):
            out.append(f"connector {name}: {entry.get('error') or entry.get('breaker')}")
    keys = report.get("tokenKeys")
    if isinstance(keys, dict) and keys.get("error"):
        out.append(f"tokenKeys: {keys['error']}")
    return out
