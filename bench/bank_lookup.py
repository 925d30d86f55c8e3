"""A person's deposits asked of eight remote banks, one slow and one dead: p50 / p99 and the breaker.

    python bench/bank_lookup.py --persons 10000 --concurrency 16 --requests 2000 --warmup 200

The figure of issue 18: a look-up across 8 remote banks, one with 200 ms added latency and one
dead, answers in under the slow bank's timeout + 50 ms at p99, and the dead bank's breaker opens
after its threshold.

- The eight demo banks' services (``fyt agency serve bank:<code>``) start on free loopback
  ports over the dataset seeded under bench/.data/banks-PERSONS/ on first use; ``--slow`` (default
  bank:102) with ``--latency-ms`` (200) added to every answer (the service's own fault
  injection); ``--dead`` (default bank:313) is not started: the hub is given a port nobody
  listens on (connection refused, as a bank whose service is down).
- ``fyt serve`` with the agencies embedded and every bank remote (``HUB_CONFIG``), each bank
  with ``--bank-timeout`` (0.5 s) and ``--breaker-failures`` (5); policy, purpose binding and
  audit on, as shipped.
- The demo judge asks ``person { assets { deposits … } }`` for the 被执行人 of their open cases,
  rotating, ``--concurrency`` in flight (bench/loadgen.py): ``--warmup`` requests, then
  ``--requests`` measured ones (p50, p99 and the per-bank counts are the measured ones').

The hub starts fresh (every breaker closed), and the breaker's opening is counted from its
first response, warm-up included: the dead bank's answer in each response says
whether the hub called it (``UNAVAILABLE``: connection refused, after its retries) or refused at
once (the breaker open: ``circuit breaker open`` in the error). *Opened after* is the number of
responses, in the order they arrived, before the first refused at once; with N requests in
flight, calls admitted while the breaker is still closed fail after it opens, so it is between
the threshold and threshold + concurrency − 1. After ``--breaker-reset`` seconds the breaker lets one probe
through, which fails and opens it again: those calls are counted apart. The state at the end is
read from the hub's ``/readyz`` and its ``hub_connector_errors_total`` from ``/metrics``.

The output is Markdown for bench/RESULTS.md; process logs go to DATA_DIR/bank-lookup/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gateway_compare import FAULT_INJECTION, healthy, hub, machine, running  # noqa: E402
from bench.loadgen import LoadResult, build_request, run_load  # noqa: E402
from bench.profile_load import ensure_data, free_port  # noqa: E402
from connectors import registry  # noqa: E402

BANKS = tuple(registry.banks())
OUTCOMES = ("ANSWERED", "TIMEOUT", "UNAVAILABLE", "CIRCUIT_OPEN", "MISSING")
CIRCUIT_OPEN = "circuit breaker open"  # the hub's message for a look-up its breaker refused

DEPOSITS = """
query Deposits($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {
    assets { deposits { bank answer accounts { accountNumber balance frozenAmount } } }
  }
}
"""


# --- arguments ---------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--persons", type=int, default=10_000, help="the dataset's size")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--requests", type=int, default=2_000, help="measured requests")
    ap.add_argument("--warmup", type=int, default=200, help="requests before the measured ones")
    ap.add_argument("--subjects", type=int, default=200, help="respondents, rotating")
    ap.add_argument("--slow", default="bank:102", help="the bank answering late")
    ap.add_argument("--latency-ms", type=float, default=200.0, help="the slow bank's latency")
    ap.add_argument("--dead", default="bank:313", help="the bank whose service is down")
    ap.add_argument("--bank-timeout", type=float, default=0.5, help="seconds, every bank")
    ap.add_argument("--breaker-failures", type=int, default=5, help="every bank's threshold")
    ap.add_argument("--breaker-reset", type=float, default=5.0, help="seconds open, every bank")
    ap.add_argument("--data-dir", default=None, help="default bench/.data/banks-PERSONS")
    args = ap.parse_args(argv)
    for name in ("slow", "dead"):
        if getattr(args, name) not in BANKS:
            ap.error(f"--{name}: {getattr(args, name)!r} is not a bank; known: {', '.join(BANKS)}")
    if args.slow == args.dead:
        ap.error("--slow and --dead must be two different banks")
    positive = ("persons", "concurrency", "requests", "subjects", "breaker_failures")
    for name in positive:
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0 or args.latency_ms < 0:
        ap.error("--warmup and --latency-ms must not be negative")
    if args.bank_timeout <= 0 or args.breaker_reset <= 0:
        ap.error("--bank-timeout and --breaker-reset must be more than 0 seconds")
    return args


def bound_ms(args: argparse.Namespace) -> float:
    """The figure's bound: the slow bank's timeout + 50 ms (every bank has the same timeout)."""
    return args.bank_timeout * 1000 + 50


# --- answers -----------------------------------------------------------------------------------


def outcomes(body: bytes) -> dict[str, str]:
    """Each bank's outcome in one answer: its ``answer`` (ANSWERED, TIMEOUT, UNAVAILABLE), or
    CIRCUIT_OPEN when the hub refused the look-up at once; MISSING when the answer has no
    deposits at all (a request that failed as a whole)."""
    try:
        answer = json.loads(body)
    except ValueError:
        return {bank: "MISSING" for bank in BANKS}
    person = (answer.get("data") or {}).get("person") or {}
    deposits = (person.get("assets") or {}).get("deposits") or []
    refused = set()
    for error in answer.get("errors") or []:
        path = error.get("path") or []
        if "deposits" in path and CIRCUIT_OPEN in (error.get("message") or ""):
            index = path[path.index("deposits") + 1]
            if isinstance(index, int) and index < len(deposits):
                refused.add(deposits[index]["bank"])
    found = {d["bank"]: ("CIRCUIT_OPEN" if d["bank"] in refused else d["answer"]) for d in deposits}
    return {bank: found.get(bank, "MISSING") for bank in BANKS}


@dataclass
class Tally:
    """Per-bank outcomes over the measured answers, and when the dead bank was first refused."""

    dead: str
    counts: dict[str, Counter[str]] = field(
        default_factory=lambda: {bank: Counter() for bank in BANKS}
    )
    measuring: bool = True  # False during the warm-up: the breaker is watched, nothing counted
    answers: int = 0
    incomplete: int = 0  # measured answers without a bank other than the dead one's accounts
    dead_calls_before_open: int = 0  # look-ups of the dead bank the hub made before it opened
    opened_after: int | None = None  # answers before the first one refused at once

    def add(self, _seconds: float, _status: bytes, body: bytes) -> None:
        found = outcomes(body)
        if self.measuring:
            for bank, outcome in found.items():
                self.counts[bank][outcome] += 1
            if any(o != "ANSWERED" for b, o in found.items() if b != self.dead):
                self.incomplete += 1
        if self.opened_after is None:
            if found[self.dead] == "CIRCUIT_OPEN":
                self.opened_after = self.answers
            elif found[self.dead] in ("UNAVAILABLE", "TIMEOUT"):
                self.dead_calls_before_open += 1
        self.answers += 1


# --- the hub's own view ------------------------------------------------------------------------


def breaker_state(port: int, bank: str) -> str:
    """The bank's breaker as the hub's /readyz reports it (loopback needs no operator token)."""
    try:
        report = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30).json()
    except (httpx.HTTPError, ValueError):
        return "?"
    return str(((report.get("connectors") or {}).get(bank) or {}).get("breaker", "?"))


def connector_errors(metrics: str, bank: str) -> dict[str, int]:
    """``hub_connector_errors_total{connector=bank,code=…}`` from a /metrics text."""
    out: dict[str, int] = {}
    for line in metrics.splitlines():
        if line.startswith("hub_connector_errors_total{") and f'connector="{bank}"' in line:
            code = line.split('code="', 1)[1].split('"', 1)[0]
            out[code] = int(float(line.rsplit(" ", 1)[1]))
    return out


# --- report ------------------------------------------------------------------------------------


def report(
    args: argparse.Namespace,
    result: LoadResult,
    tally: Tally,
    *,
    state: str,
    errors: dict[str, int],
    subjects_used: int,
) -> str:
    p50, p99, bound = result.percentile(50), result.percentile(99), bound_ms(args)
    opened = "not opened" if tally.opened_after is None else f"{tally.opened_after}"
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    figures = [
        ("requests", f"{result.requests}"),
        ("req/s", f"{result.rps:.1f}"),
        ("p50 ms", f"{p50:.1f}"),
        ("p99 ms", f"{p99:.1f}"),
        ("bound ms (slow bank's timeout + 50)", f"{bound:.0f}"),
        ("p99 under the bound", "yes" if p99 < bound else "**no**"),
        ("answers missing a live bank", f"{tally.incomplete}"),
        (f"breaker threshold ({args.dead})", f"{args.breaker_failures}"),
        ("breaker opened after (responses)", opened),
        ("dead bank called before it opened", f"{tally.dead_calls_before_open}"),
        ("breaker state at the end (/readyz)", state),
        ("hub: dead bank's failed calls (/metrics)", f"{errors.get('CONNECTOR_UNAVAILABLE', 0)}"),
        ("hub: dead bank's refusals (/metrics)", f"{errors.get('CIRCUIT_OPEN', 0)}"),
    ]
    lines = [
        f"## Deposits from eight remote banks, one slow, one dead ({when})",
        "",
        "```sh",
        shlex.join([Path(sys.executable).name, *sys.argv]),
        "```",
        "",
        f"Machine: {machine()}. Load generator: bench/loadgen.py, same machine. "
        f"{args.persons:,}-person dataset, {subjects_used} respondents rotating, "
        f"{args.concurrency} requests in flight, {args.warmup:,} warm-up then "
        f"{args.requests:,} measured requests on a fresh hub; every bank remote with a {args.bank_timeout:g} s timeout "
        f"and breaker threshold {args.breaker_failures} (reset {args.breaker_reset:g} s); "
        f"{args.slow} answers {args.latency_ms:g} ms late, {args.dead} is down.",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in figures),
        "",
        "| bank | role | answered | timeout | unavailable | refused (breaker open) |",
        "|---|---|---|---|---|---|",
    ]
    for bank in BANKS:
        role = (
            f"{args.latency_ms:g} ms late"
            if bank == args.slow
            else "down"
            if bank == args.dead
            else "—"
        )
        c = tally.counts[bank]
        lines.append(
            f"| {bank} | {role} | {c['ANSWERED']} | {c['TIMEOUT']} | {c['UNAVAILABLE']} "
            f"| {c['CIRCUIT_OPEN']} |"
        )
    return "\n".join(lines)


# --- processes ---------------------------------------------------------------------------------


def write_config(path: Path, urls: dict[str, str], args: argparse.Namespace) -> Path:
    """HUB_CONFIG: every bank remote with the run's timeout and breaker; agencies embedded."""
    path.write_text(
        "".join(
            f'[connectors."{bank}"]\nmode = "remote"\nurl = "{url}"\n'
            f"timeout = {float(args.bank_timeout)}\nbreaker_failures = {args.breaker_failures}\n"
            f"breaker_reset = {float(args.breaker_reset)}\n\n"
            for bank, url in urls.items()
        ),
        encoding="utf-8",
    )
    return path


@contextmanager
def bank_services(
    env: dict[str, str], data_dir: Path, logs: Path, args: argparse.Namespace
) -> Iterator[dict[str, str]]:
    """Every bank's service but the dead one's, each on a free port; the dead one gets a port
    nobody listens on. Yields each bank's URL."""
    with ExitStack() as stack:
        urls = {}
        for bank in BANKS:
            url = f"http://127.0.0.1:{free_port()}"
            urls[bank] = url
            if bank == args.dead:
                continue
            cmd = [sys.executable, "-m", "hub.cli", "agency", "serve", bank]
            cmd += ["--port", url.rsplit(":", 1)[1], "--data-dir", str(data_dir)]
            if bank == args.slow:
                cmd += ["--latency-ms", f"{args.latency_ms:g}"]
            stack.enter_context(
                running(
                    f"bank {bank}",
                    cmd,
                    env=env,
                    log=logs / f"{bank.replace(':', '-')}.log",
                    ready=lambda url=url: healthy(f"{url}/healthz"),
                )
            )
        yield urls


async def respondents(env: dict[str, str], limit: int) -> tuple[str, list[tuple[str, str]]]:
    """The demo judge's token and (ID number, case) of the 被执行人 of their open cases."""
    from bench.profile_load import subjects

    return await subjects(env, limit)  # role 被执行人: the parties whose deposits may be asked


def main() -> None:
    args = parse_args()
    data_dir = Path(args.data_dir or ROOT / "bench" / ".data" / f"banks-{args.persons}").resolve()
    env = {**os.environ, "HUB_DATA_DIR": str(data_dir)}
    for inherited in ("HUB_DATABASE_URL", "HUB_CONFIG", *FAULT_INJECTION):
        env.pop(inherited, None)
    for bank in BANKS:
        env.pop(f"HUB_{registry.get(bank).env_name()}_DATABASE_URL", None)
    ensure_data(env, args.persons)
    token, pairs = asyncio.run(respondents(env, args.subjects))
    if not pairs:
        raise SystemExit("no subjects: the demo judge has no open cases with person respondents")
    logs = data_dir / "bank-lookup"
    logs.mkdir(parents=True, exist_ok=True)
    headers = {"Authorization": f"Bearer {token}"}
    requests = [
        build_request(
            "/graphql",
            json.dumps({"query": DEPOSITS, "variables": {"id": pid, "case": case}}).encode(),
            headers,
        )
        for pid, case in pairs
    ]
    tally = Tally(args.dead)
    print("starting seven bank services and the hub …", file=sys.stderr, flush=True)
    with bank_services(env, data_dir, logs, args) as urls:
        config = write_config(logs / "hub.toml", urls, args)
        port = free_port()
        with hub("hub", {**env, "HUB_CONFIG": str(config)}, port, logs / "hub.log"):
            started = time.monotonic()
            if args.warmup:
                tally.measuring = False
                load = {"total": args.warmup, "concurrency": args.concurrency}
                asyncio.run(run_load("127.0.0.1", port, requests, on_answer=tally.add, **load))
                tally.measuring = True
            load = {"total": args.requests, "concurrency": args.concurrency}
            result = asyncio.run(run_load("127.0.0.1", port, requests, on_answer=tally.add, **load))
            state = breaker_state(port, args.dead)
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text
            errors = connector_errors(metrics, args.dead)
            print(f"measured in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    print(report(args, result, tally, state=state, errors=errors, subjects_used=len(pairs)))


if __name__ == "__main__":
    main()
