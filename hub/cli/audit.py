"""`fyt audit`: integrating, checkpoints, verifying, witnesses, exports and redaction of the log."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from hub.cli.common import (
    audit_keys,
    clean_errors,
    fail,
    json_option,
    load_settings,
    run_with_hub_connection,
    run_with_hub_engine,
    values_or_files,
)
from hub.cli.progress import terminal_progress


@click.group("audit")
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("integrate")
def audit_integrate() -> None:
    """Append every recorded entry to the Merkle tree now, a checkpoint signed per batch."""
    from hub.audit.integrator import IntegrationRefused, integrate, pending_count

    settings = load_settings()
    keys = audit_keys(settings)

    async def all_pending(engine: Any) -> int | None:
        left = await pending_count(engine)
        progress.start("entries integrated", left)
        size = None
        while True:  # a batch at a time, until nothing is left or nothing more is appended
            grown = await integrate(engine, keys)
            if grown is None or grown == size:
                return grown
            before, left = left, await pending_count(engine)
            progress.advance(before - left)
            if not left:
                return grown
            size = grown

    with (
        clean_errors(IntegrationRefused, prefix="integration refused, nothing was signed: "),
        terminal_progress() as progress,
    ):
        size = run_with_hub_engine(all_pending, settings)
    click.echo("another integrator is working; try again" if size is None else f"tree size {size}")


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Print the latest signed checkpoint, with the witnesses' cosignatures it has so far (keep
    a copy outside the hub: `verify --trusted`)."""
    from hub.audit.queries import checkpoint_at

    row = run_with_hub_connection(lambda conn: checkpoint_at(conn, None))
    if row is None:
        raise click.ClickException("no checkpoint yet: nothing has been integrated")
    click.echo(row.note, nl=False)


@audit.command("public-key")
def audit_public_key() -> None:
    """Print the checkpoint verifier key (signed-note vkey) for offline verification."""
    from connectors.base.tlog.checkpoint import vkey

    settings = load_settings()
    keys = audit_keys(settings)
    click.echo(vkey(keys.origin, keys.public_key))


@audit.command("verify")
@click.option(
    "--trusted",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A checkpoint note kept outside the hub: the log must still extend it.",
)
@click.option(
    "--ask-witnesses/--no-ask-witnesses",
    default=True,
    show_default=True,
    help="With HUB_AUDIT_WITNESSES: also ask each witness whether the latest checkpoint"
    " extends the tree it holds (their stores are out of the hub's reach).",
)
def audit_verify(trusted: str | None, ask_witnesses: bool) -> None:
    """Recompute every leaf, the tree and every signed checkpoint; name the first bad entry."""
    from connectors.base.tlog.checkpoint import open_checkpoint, vkey
    from hub.audit.verify import verify_log

    settings = load_settings()
    keys = audit_keys(settings)
    verifier = [vkey(keys.origin, keys.public_key)]
    trusted_cp = None
    if trusted is not None:
        with clean_errors(ValueError, prefix="the trusted checkpoint does not verify: "):
            trusted_cp = open_checkpoint(Path(trusted).read_text(encoding="utf-8"), verifier)
    policy = _witness_policy()
    with terminal_progress() as progress:
        report = run_with_hub_engine(
            lambda e: verify_log(e, verifier, trusted_cp, policy, progress=progress), settings
        )
    click.echo(
        f"{report.entries} entries, tree size {report.tree_size}, {report.checkpoints} checkpoints,"
        f" {report.redacted} redacted, {report.unintegrated} not yet integrated"
        + (
            f"; {report.subjects} subject rows of batch entries, {report.redacted_subjects}"
            " redacted"
            if report.subjects
            else ""
        )
    )
    if policy.witnesses:
        line = f"witnesses: {len(policy.witnesses)} configured, {policy.quorum} required"
        if policy.quorum:
            line += (
                f"; the newest witnessed checkpoint is {report.witnessed_size}"
                if report.witnessed_size is not None
                else "; no checkpoint has the quorum"
            )
        click.echo(line)
        for size in sorted(report.cosigned)[-3:]:
            click.echo(f"  checkpoint {size} cosigned by {_cosigners(report.cosigned[size])}")
        if report.pending:
            click.echo(f"  waiting: {report.pending}")
        if ask_witnesses:
            from hub.audit.witness import ask_witnesses as ask

            for o in run_with_hub_engine(lambda e: ask(e, policy), settings):
                if o.status == "cosigned":
                    click.echo(f"  asked {o.witness}: it holds {o.size}, consistent with the log")
                elif o.status == "refused":
                    report.problems.append(f"witness {o.witness} refuses the log: {o.detail}")
                else:
                    click.echo(f"WARNING: could not ask witness {o.witness}: {o.detail}", err=True)
    if not report.ok:
        fail(report.problems + _omitted(report.omitted))
    click.echo("OK: the audit log is consistent")


def _omitted(count: int) -> list[str]:
    """The line that stands for the problems a report only counted (after the first ones)."""
    return [f"… and {count} more problem(s) not listed"] if count else []


def _witness_policy() -> Any:
    from hub.audit.witness import WitnessConfigError, WitnessPolicy

    with clean_errors(WitnessConfigError):
        return WitnessPolicy.from_env()


def _configured_witnesses() -> Any:
    """The witness policy, which must name witnesses."""
    policy = _witness_policy()
    if not policy.witnesses:
        raise click.ClickException("no witnesses configured: set HUB_AUDIT_WITNESSES (a TOML file)")
    return policy


def _cosigners(valid: dict[str, int]) -> str:
    return ", ".join(
        f"{name} at {datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S}Z"
        for name, t in sorted(valid.items())
    )


@audit.command("witnesses")
@json_option
def audit_witnesses(as_json: bool) -> None:
    """List the configured witnesses: the size each last cosigned, when, and the last failure."""
    from hub.audit.witness import witness_status

    policy = _configured_witnesses()
    rows = run_with_hub_engine(lambda e: witness_status(e, policy))
    if as_json:
        for row in rows:
            for key in ("cosignedAt", "checkedAt"):
                row[key] = row[key].isoformat() if row[key] else None
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(rows)} witness(es), {policy.quorum} cosignature(s) required")
    for row in rows:
        size = (
            "never cosigned" if row["cosignedSize"] is None else f"cosigned {row['cosignedSize']}"
        )
        when = f" at {row['cosignedAt']:%Y-%m-%d %H:%M:%S}Z" if row["cosignedAt"] else ""
        click.echo(f"{row['name']}  {row['url']}  {size}{when} (log at {row['latestSize']})")
        if row["lastError"]:
            click.echo(f"  last round: {row['lastError']}")


@audit.command("cosign")
def audit_cosign() -> None:
    """Send the latest checkpoint to every witness that has not cosigned it, now."""
    from hub.audit.witness import WitnessSender

    policy = _configured_witnesses()

    async def one_round(e: Any) -> Any:
        sender = WitnessSender(e, policy)
        sender.start()
        try:
            return await sender.run_round()
        finally:
            await sender.stop()

    outcomes = run_with_hub_engine(one_round)
    for o in outcomes:
        held = "" if o.size is None else f" (holds {o.size})"
        click.echo(
            f"{o.witness}: {o.status}{held}"
            + (f": {o.detail}" if o.status not in ("cosigned", "current") else "")
        )
    if any(o.status in ("refused", "failed") for o in outcomes):
        raise SystemExit(1)


def _day(value: str, option: str) -> date:
    """A court day given as YYYY-MM-DD."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2026-01-31", param_hint=option
        ) from None


@audit.command("export")
@click.option(
    "--from", "since", required=True, help="First court day included (YYYY-MM-DD, Asia/Shanghai)."
)
@click.option(
    "--to", "until", required=True, help="Last court day included (YYYY-MM-DD, Asia/Shanghai)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="File to write (default: standard output).",
)
def audit_export(since: str, until: str, fmt: str, output: str) -> None:
    """Write the entries recorded from the court day --from to the court day --to, both
    included, with inclusion proofs and the signed checkpoint, verifiable offline. When no
    entry was recorded in those days, say so, write nothing and exit with status 1."""
    from hub.audit.export import export_entries, recorded_between, write_csv, write_jsonl
    from hub.orders.terms import court_day_start

    first, last = _day(since, "'--from'"), _day(until, "'--to'")
    if first > last:
        raise click.BadParameter(
            f"--from ({first}) is after --to ({last}); both days are included",
            param_hint="'--from'",
        )
    start, end = court_day_start(first), court_day_start(last + timedelta(days=1))
    days = f"{first}" if first == last else f"{first} to {last}"
    settings = load_settings()
    with clean_errors(ValueError), terminal_progress() as progress:
        policy = _witness_policy()
        note, records = run_with_hub_engine(
            lambda e: export_entries(e, start, end, policy, progress=progress), settings
        )
    if not records:
        recorded = run_with_hub_engine(lambda e: recorded_between(e, start, end), settings)
        if recorded:
            raise click.ClickException(
                f"the {recorded} entries recorded on {days} (court days, Asia/Shanghai) are not"
                " yet in the signed checkpoint an export uses; run `fyt audit integrate` (a"
                " serving hub integrates them within a second), then export again. Nothing"
                " was written."
            )
        raise click.ClickException(
            f"no audit entries were recorded on {days} (court days, Asia/Shanghai); nothing"
            " to export, nothing was written"
        )
    write = write_jsonl if fmt == "jsonl" else write_csv
    if output == "-":
        write(sys.stdout, note, records)
    else:
        with open(output, "w", encoding="utf-8", newline="") as f:
            write(f, note, records)
        click.echo(f"exported {len(records)} entries of {days} to {output}", err=True)


@audit.command("verify-export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--public-key",
    required=True,
    help="The log's verifier key (`fyt audit public-key`), or a file holding it.",
)
@click.option(
    "--witness",
    "witness_keys",
    multiple=True,
    help="A witness's verifier key (type 0x04), or a file of them one a line; repeatable."
    " Default: the witnesses of HUB_AUDIT_WITNESSES.",
)
@click.option(
    "--quorum",
    type=click.IntRange(0, 100),
    default=None,
    help="Cosignatures of those witnesses the checkpoint must carry"
    " (default HUB_AUDIT_WITNESS_QUORUM, else 0).",
)
def audit_verify_export(
    file: str, public_key: str, witness_keys: tuple[str, ...], quorum: int | None
) -> None:
    """Verify an export offline: signature, every leaf, every inclusion proof, every content
    hash, the leaf range, and the witnesses' cosignatures when a quorum is asked for."""
    from connectors.base.tlog.cosignature import CosignerKey
    from hub.audit.export import verify_export
    from hub.audit.witness import WitnessConfig, WitnessConfigError, WitnessPolicy

    key = Path(public_key).read_text().strip() if Path(public_key).is_file() else public_key.strip()
    with clean_errors(ValueError, WitnessConfigError, prefix="witnesses: "):
        policy = _witness_policy()
        if witness_keys:
            configs = tuple(
                WitnessConfig(CosignerKey.parse(t)) for t in values_or_files(witness_keys)
            )
            policy = WitnessPolicy(configs, policy.quorum if quorum is None else quorum)
        elif quorum is not None:
            policy = WitnessPolicy(policy.witnesses, quorum)
    report = verify_export(Path(file).read_text(encoding="utf-8"), [key], policy)
    click.echo(
        f"{report.entries} entries in a tree of {report.tree_size}, {report.redacted} redacted"
    )
    if report.cosigned:
        click.echo(f"checkpoint {report.tree_size} cosigned by {_cosigners(report.cosigned)}")
    if report.first_leaf is not None and report.first_leaf >= 0:
        click.echo(f"the export states leaves {report.first_leaf} to {report.last_leaf}")
    for warning in report.warnings:
        click.echo(f"WARNING: {warning}", err=True)
    if not report.ok:
        fail(report.problems)
    if report.empty:
        click.echo(
            "OK: the export is empty (no entry was recorded in the days it was made for);"
            " its checkpoint verifies"
        )
        return
    click.echo("OK: every entry is in the signed tree and unaltered")


@audit.command("redact")
@click.option(
    "--before",
    required=True,
    help="Erase contents of entries recorded before this court day (YYYY-MM-DD, Asia/Shanghai).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def audit_redact(before: str, yes: bool) -> None:
    """Retention: erase entry contents (and those of their subject rows) before DATE; the tree
    still verifies (entries show as redacted)."""
    from hub.audit.service import redact_before
    from hub.orders.terms import court_day_start

    cutoff = court_day_start(_day(before, "'--before'"))
    if cutoff > datetime.now(UTC):
        raise click.BadParameter("the date is in the future", param_hint="'--before'")
    if not yes:
        click.confirm(
            f"Erase the contents of every audit entry recorded before {before}"
            " (00:00 Asia/Shanghai)?",
            abort=True,
        )
    with terminal_progress() as progress:
        count = run_with_hub_engine(lambda e: redact_before(e, cutoff, progress=progress))
    click.echo(f"redacted {count} entries recorded before {before}")
