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

**The asynchronous 查控 request** (``--inquiry-subjects N``, default 1,000; 0 skips it). The
figure: a request for 1,000 subjects across the eight banks completes with one batched call per
bank per round, not one per subject.

- Before the hub starts, a case of the demo judge (``（2026）鲁0602执99NNNN号``, N the number of
  subjects) is put in the hub's database with N persons of the dataset (public security's
  residents, in ID-number order) as its 被执行人; a case of an earlier run with that number is
  replaced, its requests removed.
- After the look-up phase, on the same hub and banks (the dead bank's breaker as the look-ups
  left it), the judge files one ``depositInquiryFile`` for the N subjects over HTTP; the hub's
  rounds (every 2 s) ask the banks. The bench follows the request in ``depositInquiries``
  (states and attempts; a page that asks for no answers names no subject, so following it adds
  no audit rows per subject) every 0.25 s until every bank but the dead one has ended, or for
  ``--inquiry-wait`` seconds, then reads the request once (``depositInquiry``: the accounts each
  bank found).
- The calls each bank received are counted at the bank: its service's ``/metrics``
  (``agency_http_requests_total{route="/graphql"}``) before filing and after. The dead bank
  receives none (nobody listens); the hub's calls and refusals of it are its row's attempts and
  ``hub_connector_errors_total`` (``/metrics``). A dead bank's row stays PENDING, asked again
  after a back-off, until the request's deadline 24 hours after filing: the request is not DONE
  within the run, and the report says so with the row's state.
- Reported: time until every live bank answered (and to DONE when it came), the rounds in which
  the request's banks were asked (a bank is asked at most once a round: its attempts), and per
  bank its state, attempts, calls received, accounts found and when it answered.

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
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gateway_compare import FAULT_INJECTION, healthy, hub, machine, running  # noqa: E402
from bench.loadgen import LoadResult, build_request, run_load  # noqa: E402
from bench.profile_load import ensure_data, free_port  # noqa: E402
from connectors import registry  # noqa: E402

BANKS = tuple(registry.banks())
MAX_INQUIRY_SUBJECTS = 1_000  # hub.inquiries.rules.MAX_SUBJECTS: one request's limit
INQUIRY_SERIAL = 990_000  # the bench's case: （2026）鲁0602执99NNNN号
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
    ap.add_argument(
        "--inquiry-subjects",
        type=int,
        default=1_000,
        help="subjects of the asynchronous 查控 request after the look-ups (0: none)",
    )
    ap.add_argument(
        "--inquiry-wait",
        type=float,
        default=300.0,
        help="seconds to wait for every live bank's answer to the request",
    )
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
    if not 0 <= args.inquiry_subjects <= MAX_INQUIRY_SUBJECTS:
        ap.error(f"--inquiry-subjects must be 0 to {MAX_INQUIRY_SUBJECTS} (one request's limit)")
    if args.inquiry_subjects > args.persons:
        ap.error("--inquiry-subjects must not be more than --persons")
    if args.inquiry_wait <= 0:
        ap.error("--inquiry-wait must be more than 0 seconds")
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


# --- the asynchronous 查控 request --------------------------------------------------------------

INQUIRY_FILE = """
mutation File($case: String!, $subjects: [String!]!) {
  depositInquiryFile(input: {caseNumber: $case, subjects: $subjects}) {
    inquiry { id } errors { code field reason rule message }
  }
}
"""
INQUIRY_STATES = """
query States($case: String!) {
  depositInquiries(filter: {caseNumber: $case}, first: 1) {
    nodes { id status banks { bank state } }
  }
}
"""
INQUIRY_READ = """
query Read($id: String!) {
  depositInquiry(id: $id) {
    id status filedAt
    banks { bank state attempts lastError answeredAt results { accounts { accountNumber } } }
  }
}
"""


def inquiry_case_number(subjects: int) -> str:
    """The bench's case for a request of ``subjects`` subjects."""
    return f"（2026）鲁0602执{INQUIRY_SERIAL + subjects}号"


async def put_inquiry_case(env: dict[str, str], count: int) -> tuple[str, list[str]]:
    """A case of the demo judge with ``count`` persons of the dataset (public security's
    residents, in ID-number order) as its 被执行人, in the hub's database (before the hub
    starts); one of an earlier run with the same number is replaced and its requests removed.
    The case number and the subjects' ID numbers."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import create_engine, delete, insert, select

    from connectors.public_security.models import residents
    from hub.cases.models import case_judges, case_parties, cases
    from hub.config import Settings
    from hub.db.engine import create_hub_engine
    from hub.inquiries.models import (
        deposit_inquiries,
        deposit_inquiry_banks,
        deposit_inquiry_subjects,
    )

    number = inquiry_case_number(count)
    agencies = Path(env["HUB_DATA_DIR"]) / "agencies"
    ps = create_engine(f"sqlite:///{agencies / registry.get('public_security').database_file()}")
    try:
        with ps.connect() as conn:
            people = conn.execute(
                select(residents.c.id_number, residents.c.name)
                .order_by(residents.c.id_number)
                .limit(count)
            ).all()
    finally:
        ps.dispose()
    if len(people) < count:
        raise SystemExit(f"the dataset has {len(people)} persons, fewer than {count}")
    engine = create_hub_engine(Settings.from_env(env).database_url)
    try:
        async with engine.begin() as conn:
            old = select(deposit_inquiries.c.id).where(deposit_inquiries.c.case_number == number)
            for table in (deposit_inquiry_banks, deposit_inquiry_subjects):
                await conn.execute(delete(table).where(table.c.inquiry_id.in_(old)))
            await conn.execute(
                delete(deposit_inquiries).where(deposit_inquiries.c.case_number == number)
            )
            ids = select(cases.c.id).where(cases.c.case_number == number)
            for table in (case_parties, case_judges):
                await conn.execute(delete(table).where(table.c.case_id.in_(ids)))
            await conn.execute(delete(cases).where(cases.c.case_number == number))
            case_id = (
                await conn.execute(
                    insert(cases)
                    .values(
                        case_number=number,
                        court_code="370602",
                        kind="首次执行",
                        cause="民间借贷纠纷",
                        status="OPEN",
                        filed_on=date(2026, 1, 5),
                        amount=Decimal("1000000.00"),
                    )
                    .returning(cases.c.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(case_judges).values(case_id=case_id, judge_id="judge-zhang", role="承办人")
            )
            await conn.execute(
                insert(case_parties),
                [
                    {
                        "case_id": case_id,
                        "role": "被执行人",
                        "subject_kind": "PERSON",
                        "subject_id": person.id_number,
                        "name": person.name,
                    }
                    for person in people
                ],
            )
    finally:
        await engine.dispose()
    return number, [person.id_number for person in people]


def agency_calls(metrics: str, route: str = "/graphql") -> int:
    """Requests an agency's service answered on ``route``, every status, from its /metrics
    (``agency_http_requests_total{route,status}``)."""
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith("agency_http_requests_total{") and f'route="{route}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def seconds_between(start: str, end: str | None) -> float | None:
    if end is None:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


@dataclass
class InquiryRun:
    """What one request did: when its live banks had answered, its banks' rows at the end,
    and the calls counted at the banks and in the hub."""

    case: str
    subjects: int
    inquiry: str
    live_ended_s: float | None  # seconds from filing until every bank but the dead one ended
    done_s: float | None  # seconds from filing until DONE, if it came
    answer: dict[str, Any]  # depositInquiry at the end
    received: dict[str, int | None]  # calls each bank's service answered (None: the dead one)
    dead_errors: dict[str, int]  # the hub's failed calls and refusals of the dead bank

    def bank(self, name: str) -> dict[str, Any]:
        return next(b for b in self.answer["banks"] if b["bank"] == name)

    def accounts(self, name: str) -> int | None:
        results = self.bank(name)["results"]
        return None if results is None else sum(len(r["accounts"]) for r in results)


def run_inquiry(
    port: int,
    token: str,
    urls: dict[str, str],
    args: argparse.Namespace,
    case: str,
    subjects: list[str],
) -> InquiryRun:
    """File one request for ``subjects`` of ``case`` as the judge and follow it until every
    bank but the dead one has ended (or ``--inquiry-wait``)."""
    live = [b for b in BANKS if b != args.dead]
    base = f"http://127.0.0.1:{port}"

    def bank_calls() -> dict[str, int]:
        return {b: agency_calls(httpx.get(f"{urls[b]}/metrics", timeout=30).text) for b in live}

    def hub_errors() -> dict[str, int]:
        return connector_errors(httpx.get(f"{base}/metrics", timeout=30).text, args.dead)

    before, errors_before = bank_calls(), hub_errors()
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as client:

        def ask(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            body = client.post("/graphql", json={"query": query, "variables": variables}).json()
            if body.get("errors") or not body.get("data"):
                raise SystemExit(f"the hub refused the request: {json.dumps(body)[:2000]}")
            return body["data"]  # type: ignore[no-any-return]

        started = time.monotonic()
        payload = ask(INQUIRY_FILE, {"case": case, "subjects": subjects})["depositInquiryFile"]
        if payload["errors"]:
            raise SystemExit(f"the request was not filed: {payload['errors']}")
        inquiry = payload["inquiry"]["id"]
        live_ended = done = None
        while True:
            [node] = ask(INQUIRY_STATES, {"case": case})["depositInquiries"]["nodes"]
            elapsed = time.monotonic() - started
            ended = all(b["state"] != "PENDING" for b in node["banks"] if b["bank"] != args.dead)
            if ended and live_ended is None:
                live_ended = elapsed
            if node["status"] == "DONE":
                done = elapsed
                break
            if ended or elapsed > args.inquiry_wait:
                break
            time.sleep(0.25)
        answer = ask(INQUIRY_READ, {"id": inquiry})["depositInquiry"]
    after, errors_after = bank_calls(), hub_errors()
    received: dict[str, int | None] = {b: after[b] - before[b] for b in live}
    received[args.dead] = None
    return InquiryRun(
        case=case,
        subjects=len(subjects),
        inquiry=inquiry,
        live_ended_s=live_ended,
        done_s=done,
        answer=answer,
        received=received,
        dead_errors={
            code: errors_after.get(code, 0) - errors_before.get(code, 0)
            for code in ("CONNECTOR_UNAVAILABLE", "CONNECTOR_TIMEOUT", "CIRCUIT_OPEN")
        },
    )


def inquiry_report(args: argparse.Namespace, run: InquiryRun) -> str:
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    live = [b for b in BANKS if b != args.dead]
    answered = [b for b in live if run.bank(b)["state"] == "ANSWERED"]
    rounds = max((run.bank(b)["attempts"] for b in live), default=0)
    calls = sum(run.received[b] or 0 for b in live)
    dead = run.bank(args.dead)
    dead_row = f"{dead['state']}, {dead['attempts']} attempts" + (
        f", last error {dead['lastError']}" if dead["lastError"] else ""
    )
    if run.done_s is not None:
        done = f"yes, after {run.done_s:.1f} s"
    elif dead["state"] == "PENDING":
        done = f"no: {args.dead} is asked again until the deadline, 24 h after filing"
    else:
        done = "no"
    figures = [
        ("inquiry subjects", f"{run.subjects}"),
        (
            "inquiry: seconds until every live bank answered",
            f"{run.live_ended_s:.1f}"
            if run.live_ended_s is not None
            else f"**not within {args.inquiry_wait:g} s**",
        ),
        ("inquiry: live banks answered", f"{len(answered)} of {len(live)}"),
        ("inquiry: DONE", done),
        ("inquiry: rounds with calls to a live bank", f"{rounds}"),
        ("inquiry: calls the live banks received", f"{calls}"),
        ("inquiry: calls at one per subject", f"{run.subjects * len(live)}"),
        ("inquiry: one call per bank per round", "yes" if calls <= rounds * len(live) else "**no**"),
        (f"inquiry: dead bank's row ({args.dead})", dead_row),
        ("inquiry: hub's failed calls to the dead bank (/metrics)", f"{run.dead_errors['CONNECTOR_UNAVAILABLE'] + run.dead_errors['CONNECTOR_TIMEOUT']}"),
        ("inquiry: hub's refusals of the dead bank, breaker open (/metrics)", f"{run.dead_errors['CIRCUIT_OPEN']}"),
    ]
    lines = [
        f"## One asynchronous 查控 request: {run.subjects:,} subjects, eight banks ({when})",
        "",
        f"Request {run.inquiry} of case {run.case} ({run.subjects:,} 被执行人 of the dataset), filed "
        "over HTTP by the demo judge after the look-ups above, on the same hub and banks; the "
        "hub's rounds run every 2 s; calls counted at each bank's service (`/metrics`, route "
        "`/graphql`) from filing to the end.",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in figures),
        "",
        "| bank | role | inquiry state | inquiry attempts | inquiry calls received "
        "| inquiry accounts found | inquiry answered after s |",
        "|---|---|---|---|---|---|---|",
    ]
    filed = run.answer["filedAt"]
    for bank in BANKS:
        row = run.bank(bank)
        role = (
            f"{args.latency_ms:g} ms late"
            if bank == args.slow
            else "down"
            if bank == args.dead
            else "—"
        )
        received = run.received[bank]
        accounts = run.accounts(bank)
        after = seconds_between(filed, row["answeredAt"]) if row["state"] == "ANSWERED" else None
        lines.append(
            f"| {bank} | {role} | {row['state']} | {row['attempts']} "
            f"| {'— (down)' if received is None else received} "
            f"| {'—' if accounts is None else accounts} "
            f"| {'—' if after is None else f'{after:.1f}'} |"
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
    case = (
        asyncio.run(put_inquiry_case(env, args.inquiry_subjects))
        if args.inquiry_subjects
        else None
    )
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
            inquiry = None
            if case is not None:
                print(
                    f"filing one 查控 request for {args.inquiry_subjects} subjects …",
                    file=sys.stderr,
                    flush=True,
                )
                inquiry = run_inquiry(port, token, urls, args, *case)
    print(report(args, result, tally, state=state, errors=errors, subjects_used=len(pairs)))
    if inquiry is not None:
        print()
        print(inquiry_report(args, inquiry))


if __name__ == "__main__":
    main()
