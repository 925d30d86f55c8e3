"""The hub versus Apollo Gateway over the same four agency subgraph services, in one run.

    python bench/gateway_compare.py --persons 100000 --concurrency 32 --requests 5000 --warmup 500

Targets, measured one after the other (only one gateway runs at a time):

- ``hub-remote``: ``fyt serve`` with every connector remote (``HUB_CONFIG``), reaching the agency
  services; policy, purpose binding and audit on, as shipped;
- ``gateway``: Apollo Gateway (``interop/apollo-gateway/gateway.mjs``, Node) composing the same
  agency services;
- ``hub-embedded``: ``fyt serve`` with the agency databases in-process (no agency service).

The four agency services (``fyt agency serve``) start once and serve both ``hub-remote`` and
``gateway``. Every target gets the same subjects (persons who are parties of the demo judge's
open cases, rotating), concurrency, warm-up and number of measured requests, and must answer a
sample of them without GraphQL errors before it is measured. CPU per request is the user +
system time of the process under test (the hub's uvicorn process or the node process) during the
measured load only, divided by requests; the agencies' CPU is the sum over the four agency
processes over the same interval.

The dataset is seeded under bench/.data/ on first use (shared with profile_load.py). Process
logs and the remote connector configuration go to DATA_DIR/gateway-compare/. The output is
Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadgen import LoadResult, build_request, run_load  # noqa: E402
from bench.profile_load import _leaves, cpu_seconds, ensure_data, free_port, subjects  # noqa: E402
from tests.hub.queries import PERSON_FULL  # noqa: E402

TARGETS = ("hub-remote", "gateway", "hub-embedded")
AGENCIES = ("public_security", "real_estate", "market_supervision", "social_security")
GATEWAY_DIR = ROOT / "interop" / "apollo-gateway"
GATEWAY_PACKAGES = ("@apollo/gateway", "@apollo/server", "graphql")
FAULT_INJECTION = ("AGENCY_LATENCY_MS", "AGENCY_ERROR_RATE", "AGENCY_HANG", "AGENCY_TOKEN")
SAMPLE = 100  # subjects asked once, before the warm-up, to check answers and measure their size


def without(query: str, part: str) -> str:
    if part not in query:
        raise RuntimeError(f"{part!r} is no longer in the query; update {__file__}")
    return query.replace(part, "")


# The hub's full profile (tests/hub/queries.py) without each equity's reference to its
# enterprise: purpose binding refuses to follow it to an enterprise that is not a party of the
# cited case (a FORBIDDEN / NOT_A_PARTY error in the answer), and the subgraphs' Equity has no
# such reference for the gateway to follow. What remains beyond the gateway's query is the
# court's own data (legal: cases, sanctions).
HUB_PERSON_FULL = without(PERSON_FULL, " enterprise { uscc registration { name } }")

# What HUB_PERSON_FULL asks of the agencies, in the subgraphs' shape.
GATEWAY_PERSON_FULL = """
query Person($id: String!) {
  person(idNumber: $id) {
    idNumber
    identity { idNumber name gender birthDate ethnicity registeredAddress registrationStatus issuingAuthority phone }
    realEstates { unitNumber certificateNumber address usage area ownershipKind registeredOn
      owners { ownerKind ownerId ownerName share }
      mortgages { mortgagee securedAmount termStart termEnd }
      seizures { court caseNumber rank status } }
    vehicles { plate vin brand model colour registeredOn status ownerKind ownerId }
    equities { stakeId uscc enterpriseName ratio subscribedCapital }
    qualifications { certificateNumber name level issuedOn }
    insurance { kind employerUscc employerName contributionBase monthsPaid lastPaidMonth status }
    housingFund { accountNumber balance monthlyDeposit employerName status }
    enterpriseRoles { uscc enterpriseName role position ratio }
  }
}
"""


@dataclass(frozen=True)
class Workload:
    """The requests one target receives: its path, headers and one payload per subject."""

    path: str
    headers: dict[str, str]
    payloads: list[dict[str, object]]

    def raw_requests(self) -> list[bytes]:
        return [
            build_request(self.path, json.dumps(p).encode(), self.headers) for p in self.payloads
        ]


@dataclass(frozen=True)
class Sizes:
    """Mean size of the sampled answers: bytes, leaf values, and leaf values of court data."""

    response_bytes: float
    values: float
    court_values: float


@dataclass(frozen=True)
class Row:
    target: str
    result: LoadResult
    cpu_seconds: float  # the process under test, measured load only
    agency_cpu_seconds: float | None  # the four agency services together; None when not used
    sizes: Sizes


# --- processes ---------------------------------------------------------------------------------


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill if it is still there after 10 s."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def log_tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running(
    what: str,
    cmd: list[str],
    *,
    env: dict[str, str],
    log: Path,
    ready: Callable[[], bool],
    cwd: Path | None = None,
    timeout: float = 60,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``cmd`` (output to ``log``), wait until ``ready()``, stop it on leaving."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None:
                raise SystemExit(f"{what} exited with code {proc.returncode}:\n{log_tail(log)}")
            if time.monotonic() > deadline:
                raise SystemExit(f"{what} not ready after {timeout:g} s:\n{log_tail(log)}")
            time.sleep(0.1)
        yield proc
    finally:
        stop(proc)


def healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class Agency:
    url: str  # base URL; the subgraph is at {url}/graphql
    proc: subprocess.Popen[bytes]


@contextmanager
def agency_services(env: dict[str, str], data_dir: Path, logs: Path) -> Iterator[dict[str, Agency]]:
    """The four agency subgraph services, each on a free port, for as long as the block runs."""
    with ExitStack() as stack:
        agencies = {}
        for name in AGENCIES:
            url = f"http://127.0.0.1:{free_port()}"
            cmd = [sys.executable, "-m", "hub.cli", "agency", "serve", name]
            cmd += ["--port", url.rsplit(":", 1)[1], "--data-dir", str(data_dir)]
            proc = stack.enter_context(
                running(
                    f"agency {name}",
                    cmd,
                    env=env,
                    log=logs / f"agency-{name}.log",
                    ready=lambda url=url: healthy(f"{url}/healthz"),
                )
            )
            agencies[name] = Agency(url, proc)
        yield agencies


def hub(
    what: str, env: dict[str, str], port: int, log: Path
) -> AbstractContextManager[subprocess.Popen[bytes]]:
    cmd = [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--log-level", "warning"]
    return running(
        what, cmd, env=env, log=log, ready=lambda: healthy(f"http://127.0.0.1:{port}/healthz")
    )


def write_remote_config(path: Path, agencies: dict[str, Agency]) -> Path:
    path.write_text(
        "".join(
            f'[connectors.{name}]\nmode = "remote"\nurl = "{agency.url}"\n\n'
            for name, agency in agencies.items()
        )
    )
    return path


def check_hub_config(env: dict[str, str]) -> None:
    """`fyt config check --probe`: the configuration is valid and every connector answers."""
    check = subprocess.run(
        [sys.executable, "-m", "hub.cli", "config", "check", "--probe"],
        env=env,
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise SystemExit(f"fyt config check --probe failed:\n{check.stdout}{check.stderr}")


def ensure_gateway_installed() -> None:
    """`npm ci` in interop/apollo-gateway when its packages are not (completely) installed."""
    if shutil.which("node") is None:
        raise SystemExit("node is not on PATH; Apollo Gateway needs Node.js")
    modules = GATEWAY_DIR / "node_modules"
    if all((modules / package / "package.json").exists() for package in GATEWAY_PACKAGES):
        return
    print(f"installing Apollo Gateway (npm ci in {GATEWAY_DIR}) …", file=sys.stderr, flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=GATEWAY_DIR, check=True)


def gateway(
    agencies: dict[str, Agency], port: int, log: Path
) -> AbstractContextManager[subprocess.Popen[bytes]]:
    subgraphs = ",".join(f"{name}={agency.url}/graphql" for name, agency in agencies.items())
    # METADATA_SERVER_DETECTION=none: the GCP resource detector asks no cloud metadata address
    env = {
        **os.environ,
        "SUBGRAPHS": subgraphs,
        "PORT": str(port),
        "METADATA_SERVER_DETECTION": "none",
    }
    return running(
        "Apollo Gateway",
        ["node", "gateway.mjs"],
        env=env,
        log=log,
        cwd=GATEWAY_DIR,
        ready=lambda: "ready " in log.read_text(errors="replace"),
    )


# --- measuring ---------------------------------------------------------------------------------


def failure(response: httpx.Response) -> str:
    """What went wrong: the GraphQL errors if there are any, else the start of the body."""
    try:
        errors = response.json().get("errors")
    except ValueError:
        errors = None
    detail = json.dumps(errors, ensure_ascii=False, indent=2) if errors else response.text[:2000]
    return f"HTTP {response.status_code}\n{detail}"


def sample_answers(target: str, port: int, workload: Workload) -> Sizes:
    """Ask for the first SAMPLE subjects once; exit on any error, else the answers' mean size."""
    sizes = []
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers=workload.headers, timeout=30
    ) as client:
        for payload in workload.payloads[:SAMPLE]:
            response = client.post(workload.path, json=payload)
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            person = (answer.get("data") or {}).get("person")
            if response.status_code != 200 or answer.get("errors") or person is None:
                raise SystemExit(f"{target} failed {payload['variables']}: {failure(response)}")
            sizes.append(
                (len(response.content), _leaves(answer["data"]), _leaves(person.get("legal") or {}))
            )
    n = len(sizes)
    return Sizes(*(sum(column) / n for column in zip(*sizes, strict=True)))


def measure(
    target: str,
    port: int,
    proc: subprocess.Popen[bytes],
    workload: Workload,
    args: argparse.Namespace,
    agencies: list[subprocess.Popen[bytes]],
) -> Row:
    """Check the answers, warm up, then load; CPU is taken around the measured load only."""
    print(f"{target}: checking answers, warming up, measuring …", file=sys.stderr, flush=True)
    sizes = sample_answers(target, port, workload)
    requests = workload.raw_requests()
    load = {"total": args.warmup, "concurrency": args.concurrency}
    asyncio.run(run_load("127.0.0.1", port, requests, **load))
    cpu0 = cpu_seconds(proc.pid)
    agency_cpu0 = sum(cpu_seconds(p.pid) for p in agencies)
    load["total"] = args.requests
    result = asyncio.run(run_load("127.0.0.1", port, requests, **load))
    cpu = cpu_seconds(proc.pid) - cpu0
    agency_cpu = sum(cpu_seconds(p.pid) for p in agencies) - agency_cpu0 if agencies else None
    return Row(target, result, cpu, agency_cpu, sizes)


def hub_workload(token: str, pairs: list[tuple[str, str]]) -> Workload:
    return Workload(
        "/graphql",
        {"Authorization": f"Bearer {token}"},
        [{"query": HUB_PERSON_FULL, "variables": {"id": pid, "case": case}} for pid, case in pairs],
    )


def gateway_workload(pairs: list[tuple[str, str]]) -> Workload:
    return Workload(
        "/", {}, [{"query": GATEWAY_PERSON_FULL, "variables": {"id": pid}} for pid, _ in pairs]
    )


# --- report ------------------------------------------------------------------------------------


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or platform.machine(),
    )
    meminfo = Path("/proc/meminfo").read_text().split()
    memory_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 2**20
    return (
        f"{model}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}"
    )


def node_versions() -> str:
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    lock = json.loads((GATEWAY_DIR / "package-lock.json").read_text())["packages"]
    apollo = lock.get("node_modules/@apollo/gateway", {}).get("version", "?")
    return f"Node {node}, @apollo/gateway {apollo}"


def ms_per_request(seconds: float | None, requests: int) -> str:
    return "—" if seconds is None else f"{seconds * 1000 / requests:.2f} ms"


def table(rows: list[Row]) -> str:
    lines = [
        "| target | req/s | p50 ms | p99 ms | gateway CPU / req | agencies CPU / req "
        "| errors | response bytes | values (court) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        r = row.result
        values = f"{row.sizes.values:.1f}"
        if row.sizes.court_values:
            values += f" ({row.sizes.court_values:.1f})"
        lines.append(
            f"| {row.target} | {r.rps:,.0f} | {r.percentile(50):.1f} | {r.percentile(99):.1f} "
            f"| {ms_per_request(row.cpu_seconds, r.requests)} "
            f"| {ms_per_request(row.agency_cpu_seconds, r.requests)} "
            f"| {r.errors} | {row.sizes.response_bytes:,.0f} | {values} |"
        )
    return "\n".join(lines)


NOTES = """\
- *gateway CPU / req*: user + system time of the process under test (hub uvicorn process or
  node) during the measured load, divided by requests; *agencies CPU / req*: the same summed over
  the four `fyt agency serve` processes (— when the hub reads the agency databases in-process).
- Both ask for the same agency data; the hub's answer also holds the court's own data (cases
  and sanctions of the person; their leaf values in parentheses), and per request the hub checks
  access policy and the cited case (purpose binding) and writes an audit entry. The gateway
  runs no access control and keeps no audit log.
- The hub's query is `PERSON_FULL` of tests/hub/queries.py without the equities' `enterprise`
  reference, which purpose binding refuses for enterprises that are not parties of the cited
  case and which the subgraphs do not offer."""


def report(rows: list[Row], args: argparse.Namespace, subjects_used: int) -> str:
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    versions = f", {node_versions()}" if any(r.target == "gateway" for r in rows) else ""
    return "\n".join(
        [
            f"## Hub versus Apollo Gateway — full person profile ({when})",
            "",
            "```sh",
            shlex.join([Path(sys.executable).name, *sys.argv]),
            "```",
            "",
            f"Machine: {machine()}{versions}. Load generator: bench/loadgen.py, same machine.",
            f"{args.persons:,}-person dataset, {subjects_used} subjects rotating, "
            f"{args.concurrency} requests in flight, {args.warmup:,} warm-up then "
            f"{args.requests:,} measured requests per target; response bytes and values are "
            f"means over the first {min(SAMPLE, subjects_used)} subjects.",
            "",
            table(rows),
            "",
            NOTES,
        ]
    )


def run_target(
    target: str,
    env: dict[str, str],
    agencies: dict[str, Agency],
    token: str,
    pairs: list[tuple[str, str]],
    args: argparse.Namespace,
    logs: Path,
) -> Row:
    """Start one target on a free port, measure it, stop it."""
    port, log = free_port(), logs / f"{target}.log"
    agency_procs = [agency.proc for agency in agencies.values()]
    if target == "gateway":
        with gateway(agencies, port, log) as proc:
            return measure(target, port, proc, gateway_workload(pairs), args, agency_procs)
    if target == "hub-remote":
        config = write_remote_config(logs / "hub-remote.toml", agencies)
        env = {**env, "HUB_CONFIG": str(config)}
        check_hub_config(env)
    else:
        agency_procs = []  # hub-embedded: the agency services are idle, not part of the figures
    with hub(target, env, port, log) as proc:
        return measure(target, port, proc, hub_workload(token, pairs), args, agency_procs)


# --- main --------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--requests", type=int, default=5_000)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--subjects", type=int, default=500)
    ap.add_argument(
        "--only",
        default=",".join(TARGETS),
        help=f"comma-separated targets, measured in this order: {', '.join(TARGETS)}",
    )
    ap.add_argument("--data-dir", default=None, help="default bench/.data/profile-PERSONS")
    args = ap.parse_args()
    args.targets = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown or not args.targets:
        ap.error(f"--only: unknown target(s) {', '.join(unknown)}; known: {', '.join(TARGETS)}")
    args.targets = [t for t in TARGETS if t in args.targets]
    return args


def main() -> None:
    args = parse_args()
    data_dir = Path(args.data_dir or ROOT / "bench" / ".data" / f"profile-{args.persons}").resolve()
    env = {**os.environ, "HUB_DATA_DIR": str(data_dir)}
    for inherited in ("HUB_DATABASE_URL", "HUB_CONFIG", *FAULT_INJECTION):
        env.pop(inherited, None)
    ensure_data(env, args.persons)
    token, pairs = asyncio.run(subjects(env, args.subjects))
    if not pairs:
        raise SystemExit("no subjects: the demo judge has no open cases with person parties")
    if "gateway" in args.targets:
        ensure_gateway_installed()
    logs = data_dir / "gateway-compare"
    logs.mkdir(parents=True, exist_ok=True)

    with ExitStack() as stack:
        agencies: dict[str, Agency] = {}
        if {"hub-remote", "gateway"} & set(args.targets):
            print("starting the four agency services …", file=sys.stderr, flush=True)
            agencies = stack.enter_context(agency_services(env, data_dir, logs))
        rows = [
            run_target(target, env, agencies, token, pairs, args, logs) for target in args.targets
        ]
    print(report(rows, args, len(pairs)))


if __name__ == "__main__":
    main()
