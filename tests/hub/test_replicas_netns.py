"""Two hub replicas on two hosts, one PostgreSQL: each replica in a network namespace of its own
(a veth pair to the host, a private /30 each), both on one fresh database reached through
PostgreSQL's Unix socket (the file system is shared; the host's loopback is not). The database
is migrated and seeded by the commands the manifests' migration and seed jobs run, and each
replica runs the manifests' hub command with their environment and the same key files.

Under load from the host (judge look-ups, each writing an audit entry, and freezes of deposits
served on the banks' registers) the replica holding the audit integrator's and the order
worker's leases is killed (SIGKILL). Then: the other replica holds every lease within the
lease's time plus a margin; every request either replica answered 200 has its audit entry,
every entry gets a leaf and `fyt audit verify` passes; every order was delivered once and served
on its bank once.

Needs root (``ip netns``) and PostgreSQL (``HUB_TEST_DATABASE_URL``, marker ``postgres``)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import make_url

from hub.auth.tokens import generate_signing_key, issue_token, load_private_key
from hub.db.coordination import LEASE_SECONDS, RENEW_SECONDS
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from tests.deploy.manifests import Process, compose_processes, k8s_processes

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WAIT = 60.0  # seconds: every wait is bounded
SOCKET_DIR = "/var/run/postgresql"  # PostgreSQL's Unix socket, reachable from any namespace
PORT = 8000  # the manifests' port: each namespace has its own
COURTS = ("370602", "370612")
AGENCIES = (
    "public_security",
    "real_estate",
    "market_supervision",
    "social_security",
    "tax",
    "utilities",
)
BANKS = ("102", "103", "104", "105", "301", "403", "308", "313")
LEADER_JOBS = ("audit-integrator", "order-worker")
# a killed holder's lease is free LEASE_SECONDS after its last renewal; the survivor tries
# every RENEW_SECONDS: a margin on top for a busy host
MOVE_WITHIN = LEASE_SECONDS + RENEW_SECONDS + 5.0
TARGETS = 30  # accounts to freeze, each in one case
PERSONS = 60  # the demo's size (the seed job's --persons, made small)

LOOKUP = """query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) {
  idNumber identity { name } assets { deposits { bank accounts { accountNumber currency } } } } }"""
SUBMIT = """mutation($input: FreezeOrderSubmitInput!) { freezeOrderSubmit(input: $input) {
  order { id status agency } errors { code message reason } } }"""


# --- the deployment's commands ----------------------------------------------------------------


def k8s_container(where: str) -> Process:
    found = [p for p in k8s_processes() if p.where == where]
    assert len(found) == 1, [p.where for p in k8s_processes()]
    return found[0]


def seed_command() -> list[str]:
    """The seed job's `fyt demo seed` (compose's pilot-seed), with a small demo."""
    found = [p.args for p in compose_processes() if p.args[:2] == ["demo", "seed"]]
    assert len(found) == 1, found
    args = list(found[0])
    assert args[2] == "--persons", args
    args[3] = str(PERSONS)
    return args


@dataclass
class Deployment:
    """What the manifests mount, as files on this host: the Secrets ``fyt-hub`` (hub/) and
    ``fyt-order-keys`` (orders/), the trial token key (tools/), the agencies' databases."""

    root: Path
    database: str  # the database's name on the test server
    agencies: Path

    @property
    def hub_secrets(self) -> Path:
        return self.root / "secrets" / "hub"

    @property
    def order_keys(self) -> Path:
        return self.root / "secrets" / "orders"

    @property
    def jwt_private_key(self) -> Path:
        return self.root / "secrets" / "tools" / "jwt-signing-key.pem"

    @property
    def database_url(self) -> str:
        user = make_url(os.environ[PG_ENV]).username or "postgres"
        return f"postgresql://{user}@/{self.database}?host={SOCKET_DIR}"

    def embedded_agencies(self) -> dict[str, str]:
        """The agencies and banks embedded (SQLite on the shared file system), one file each
        for both replicas, instead of the manifests' agency services of ``HUB_CONFIG``."""
        env = {}
        for name in [*AGENCIES, *(f"bank:{code}" for code in BANKS)]:
            stem = name.replace(":", "_")
            env[f"HUB_{stem.upper()}_DATABASE_URL"] = f"sqlite:///{self.agencies / stem}.sqlite3"
        return env

    def env(self, process: Process, data_dir: Path) -> dict[str, str]:
        """``process``'s environment with its mounts as this host's paths, on this database,
        the agencies embedded and no witnesses (the witness services are not run here)."""
        mounts = {
            "fyt-hub": self.hub_secrets,
            "fyt-order-keys": self.order_keys,
            "data": data_dir,
            "tmp": data_dir / "tmp",
        }
        paths = {}
        for target, (_, name) in process.files.items():
            if name in mounts:
                paths[target] = mounts[name]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        for key, value in process.env.items():
            for target in sorted(paths, key=len, reverse=True):
                if value == target or value.startswith(target + "/"):
                    value = str(paths[target]) + value[len(target) :]
                    break
            env[key] = value
        env["HUB_DATABASE_URL"] = self.database_url
        for dropped in ("HUB_CONFIG", "HUB_AUDIT_WITNESSES", "HUB_AUDIT_WITNESS_QUORUM"):
            env.pop(dropped, None)
        env.update(self.embedded_agencies())
        (data_dir / "tmp").mkdir(parents=True, exist_ok=True)
        keys = data_dir / "keys"
        keys.mkdir(exist_ok=True)
        if not (keys / "orders").exists():
            (keys / "orders").symlink_to(self.order_keys)  # the Secret mounted there
        return env


def write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def ed25519_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_secrets(root: Path) -> None:
    """The files of deploy/make-secrets.sh the hubs read (its layout and formats), made here
    rather than by the script, which takes half a minute on a busy host."""
    hub = root / "secrets" / "hub"
    write_secret(hub / "db-password", b"unused: PostgreSQL trusts the socket here\n")
    write_secret(hub / "audit.key", base64.b64encode(secrets.token_bytes(32)) + b"\n")
    write_secret(hub / "audit-signing-key.pem", ed25519_pem())
    write_secret(hub / "ops.token", secrets.token_urlsafe(30).encode())
    tools = root / "secrets" / "tools"
    tools.mkdir(parents=True, mode=0o700)
    generate_signing_key(tools / "jwt-signing-key.pem", hub / "jwks.json")
    orders = root / "secrets" / "orders"
    for court in COURTS:
        write_secret(orders / f"court-{court}.pem", ed25519_pem())
    for agency in [*AGENCIES, *(f"bank-{code}" for code in BANKS)]:
        write_secret(orders / f"agency-{agency}.pem", ed25519_pem())


def fyt(args: list[str], env: dict[str, str], *, cwd: Path, timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"fyt {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# --- network namespaces -----------------------------------------------------------------------


@dataclass
class Host:
    """A network namespace with a veth pair to this host: ``address`` is the namespace's end."""

    netns: str
    address: str


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=WAIT, check=check)


def _remove(netns: str, veth: str) -> None:
    ip("link", "del", veth, check=False)  # deleting one end deletes the pair
    ip("netns", "del", netns, check=False)


@pytest.fixture
def hosts() -> Iterator[list[Host]]:
    """Two network namespaces named after this process (parallel runs do not meet), each
    reached from the host through a veth pair with a /30 of 10.128.0.0/9; removed afterwards,
    on failure too."""
    if shutil.which("ip") is None:
        pytest.skip("no `ip` command (iproute2): network namespaces cannot be made")
    pid = os.getpid()
    probe = f"fytp{pid}"
    tried = ip("netns", "add", probe, check=False)
    if tried.returncode != 0:
        pytest.skip(f"`ip netns add` is not permitted here (needs root): {tried.stderr.strip()}")
    ip("netns", "del", probe, check=False)
    base = ipaddress.IPv4Address("10.128.0.0") + (pid % (1 << 20)) * 8
    made: list[tuple[str, str]] = []
    hosts = []
    try:
        for i, letter in enumerate("ab"):
            netns, veth, peer = f"fyt{pid}{letter}", f"fyh{pid}{letter}", f"fyn{pid}{letter}"
            here, there = base + 4 * i + 1, base + 4 * i + 2
            ip("netns", "add", netns)
            made.append((netns, veth))
            ip("link", "add", veth, "type", "veth", "peer", "name", peer)
            ip("link", "set", peer, "netns", netns)
            ip("addr", "add", f"{here}/30", "dev", veth)
            ip("link", "set", veth, "up")
            ip("-n", netns, "addr", "add", f"{there}/30", "dev", peer)
            ip("-n", netns, "link", "set", peer, "up")
            ip("-n", netns, "link", "set", "lo", "up")
            hosts.append(Host(netns, str(there)))
        yield hosts
    finally:
        for netns, veth in made:
            _remove(netns, veth)


# --- the replicas -----------------------------------------------------------------------------


@dataclass
class Replica:
    name: str
    host: Host
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host.address}:{PORT}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_replica(name: str, host: Host, deployment: Deployment, root: Path) -> Replica:
    hub = k8s_container("k8s Deployment/hub hub")
    assert hub.args == ["serve", "--host", "0.0.0.0", "--port", str(PORT)], hub.args
    data_dir = root / name
    data_dir.mkdir()
    env = deployment.env(hub, data_dir)
    log = root / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["ip", "netns", "exec", host.netns, sys.executable, "-m", "hub.cli", *hub.args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=data_dir,
        )
    return Replica(name, host, process, log)


def readyz(replica: Replica, ops_token: str) -> dict[str, Any] | None:
    try:
        response = httpx.get(
            f"{replica.url}/readyz",
            headers={"Authorization": f"Bearer {ops_token}"},
            timeout=5.0,
        )
    except httpx.TransportError:
        return None
    return response.json() if response.status_code == 200 else None


def wait_ready(replicas: list[Replica], ops_token: str) -> None:
    deadline = time.monotonic() + WAIT
    waiting = list(replicas)
    while waiting:
        for replica in list(waiting):
            if replica.process.poll() is not None:
                pytest.fail(
                    f"{replica.name} exited ({replica.process.returncode}):\n{replica.output()}"
                )
            if readyz(replica, ops_token) is not None:
                waiting.remove(replica)
        if time.monotonic() > deadline:
            pytest.fail(
                "not ready within the wait: "
                + "; ".join(f"{r.name}:\n{r.output()[-3000:]}" for r in waiting)
            )
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=WAIT)


# --- the database -----------------------------------------------------------------------------


class Database:
    """Synchronous reads of the test database (asyncpg on a loop of its own)."""

    def __init__(self, base_url: str, name: str) -> None:
        url = make_url(base_url)
        self.connect = dict(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            database=name,
        )

    def rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(**self.connect)
            try:
                return list(await conn.fetch(sql, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def leases(self) -> dict[str, tuple[str, float]]:
        rows = self.rows(
            "SELECT name, holder, expires_at - EXTRACT(EPOCH FROM clock_timestamp())"
            " AS remaining FROM hub_leases"
        )
        return {r["name"]: (r["holder"], float(r["remaining"])) for r in rows}


# --- the load -------------------------------------------------------------------------------


@dataclass
class Load:
    """Requests sent to both replicas from the host, each answer recorded."""

    replicas: list[Replica]
    token: str
    people: list[dict[str, str]]  # idNumber, caseNumber: looked up
    targets: list[tuple[str, str]]  # case number, account: each frozen once
    answered: list[dict[str, Any]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)
    refused: list[Any] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _post(self, client: httpx.Client, replica: Replica, query: str, variables: Any) -> Any:
        try:
            response = client.post(
                f"{replica.url}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.token}"},
            )
        except httpx.TransportError as exc:
            with self.lock:
                self.failed.append(f"{replica.name}: {type(exc).__name__}")
            return None
        with self.lock:
            self.answered.append(
                {
                    "replica": replica.name,
                    "status": response.status_code,
                    "requestId": response.headers.get("x-request-id"),
                }
            )
        return response.json() if response.status_code == 200 else None

    def lookups(self, worker: int) -> None:
        with httpx.Client(timeout=WAIT) as client:
            n = worker
            while not self.stop.is_set():
                replica = self.replicas[n % 2]
                person = self.people[n % len(self.people)]
                self._post(
                    client,
                    replica,
                    LOOKUP,
                    {"id": person["idNumber"], "case": person["caseNumber"]},
                )
                n += 1

    def submissions(self, worker: int) -> None:
        """Freezes, each of an account in one case; one a replica did not answer is sent again,
        with its idempotency key, to the other (as a client behind a balancer would)."""
        with httpx.Client(timeout=WAIT) as client:
            n = worker
            while not self.stop.is_set():
                with self.lock:
                    if not self.targets:
                        return
                    case, account = self.targets.pop()
                order = {
                    "kind": "FREEZE",
                    "asset": {"type": "DEPOSIT", "id": account},
                    "caseNumber": case,
                    "rulingNumber": case.replace("号", "号之一"),
                    "idempotencyKey": uuid.uuid4().hex,
                    "amount": "1.00",
                }
                body = None
                for attempt in range(2):
                    replica = self.replicas[(n + attempt) % 2]
                    body = self._post(client, replica, SUBMIT, {"input": order})
                    if body is not None:
                        break
                n += 1
                if body is None:
                    continue
                payload = body["data"]["freezeOrderSubmit"]
                with self.lock:
                    if payload["errors"]:
                        self.refused.append(payload)
                    else:
                        self.orders.append(payload["order"]["id"])
                time.sleep(0.5)


# --- the test ---------------------------------------------------------------------------------


def test_a_replica_killed_under_load_loses_nothing_and_its_jobs_move(
    hosts: list[Host], tmp_path: Path
) -> None:
    base = os.environ[PG_ENV]
    name, _ = asyncio.run(_create_pg_database(base))
    replicas: list[Replica] = []
    try:
        db = Database(base, name)
        deployment = Deployment(tmp_path, name, tmp_path / "agencies")
        make_secrets(tmp_path)
        ops_token = (deployment.hub_secrets / "ops.token").read_text().strip()

        # the migration job, then the seed job, on this database
        migrate = k8s_container("k8s Deployment/hub migrate")
        jobs = tmp_path / "jobs"
        jobs.mkdir()
        fyt(migrate.args, deployment.env(migrate, jobs), cwd=jobs)
        seed_env = deployment.env(migrate, jobs)
        seed_env.update(HUB_ENV="development", HUB_DATA_DIR=str(tmp_path / "seed"))
        fyt(seed_command(), seed_env, cwd=jobs)

        # the two replicas, each on its host, the manifests' command
        for i, host in enumerate(hosts):
            replicas.append(start_replica(f"hub-{i + 1}", host, deployment, tmp_path))
        wait_ready(replicas, ops_token)

        # a trial token, as the pilot-token job mints it, for the hubs' issuer and audience
        settings = k8s_container("k8s Deployment/hub hub").env
        key, kid = load_private_key(deployment.jwt_private_key)
        token = issue_token(
            private_key=key,
            kid=kid,
            sub="judge-zhang",
            org="court:370602",
            roles=["enforcement_judge"],
            ttl=timedelta(hours=1),
            issuer=settings["HUB_JWT_ISSUER"],
            audience=settings["HUB_JWT_AUDIENCE"],
        )
        # the demo judge's open cases' respondents and their accounts (looked up through
        # both replicas): one freeze per account and case (one measure per asset and case)
        parties = db.rows(
            "SELECT c.case_number, p.subject_id FROM cases c"
            " JOIN case_judges j ON j.case_id = c.id JOIN case_parties p ON p.case_id = c.id"
            " WHERE j.judge_id = 'judge-zhang' AND c.status = 'OPEN'"
            " AND p.role = '被执行人' AND p.subject_kind = 'PERSON'"
            " ORDER BY c.case_number, p.subject_id"
        )
        people = []
        targets: list[tuple[str, str]] = []
        for i, party in enumerate(parties):
            if len(targets) >= TARGETS:
                break
            response = httpx.post(
                f"{replicas[i % 2].url}/graphql",
                json={
                    "query": LOOKUP,
                    "variables": {"id": party["subject_id"], "case": party["case_number"]},
                },
                headers={"Authorization": f"Bearer {token}"},
                timeout=WAIT,
            )
            assert response.status_code == 200, response.text
            found = response.json()["data"]["person"]
            people.append({"idNumber": party["subject_id"], "caseNumber": party["case_number"]})
            for bank in found["assets"]["deposits"] or []:
                for account in bank["accounts"] or []:
                    if account["currency"] == "CNY":
                        targets.append((party["case_number"], account["accountNumber"]))
        assert len(targets) >= TARGETS, f"{len(parties)} respondents, {len(targets)} CNY accounts"

        # who leads: one replica holds both leader jobs
        holders = {
            r.name: report["process"]["holder"]
            for r in replicas
            if (report := readyz(r, ops_token)) is not None
        }
        assert len(holders) == 2, holders
        deadline = time.monotonic() + WAIT
        while True:
            leases = db.leases()
            leaders = {leases[j][0] for j in LEADER_JOBS if j in leases and leases[j][1] > 0}
            if len(leaders) == 1 and all(j in leases for j in LEADER_JOBS):
                break
            assert time.monotonic() < deadline, leases
            time.sleep(0.2)
        (leader,) = [r for r in replicas if holders[r.name] in leaders]
        (survivor,) = [r for r in replicas if r is not leader]

        # under load, the leader is killed
        load = Load(replicas, token, people, targets)
        threads = [threading.Thread(target=load.lookups, args=(i,)) for i in range(4)]
        threads += [threading.Thread(target=load.submissions, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        try:
            deadline = time.monotonic() + WAIT
            while len(load.orders) < 6 or len(load.answered) < 60:
                assert time.monotonic() < deadline, (len(load.orders), len(load.answered))
                time.sleep(0.1)
            held = {n for n, (h, left) in db.leases().items() if h == holders[leader.name]}
            assert set(LEADER_JOBS) <= held, held
            leader.process.send_signal(signal.SIGKILL)
            leader.process.wait(timeout=WAIT)
            killed_at = time.monotonic()
            orders_then = len(load.orders)
            # leadership moves: the survivor holds every lease the leader held
            while True:
                leases = db.leases()
                if all(leases[n][0] == holders[survivor.name] for n in held):
                    break
                assert time.monotonic() - killed_at < MOVE_WITHIN, leases
                time.sleep(0.2)
            report = readyz(survivor, ops_token)
            assert report is not None and held <= set(report["process"]["leases"]), report
            # and the load goes on, on the survivor, for a while
            answered_then = len(load.answered)
            deadline = time.monotonic() + WAIT
            while len(load.answered) < answered_then + 30 or (
                len(load.orders) < orders_then + 3 and load.targets
            ):
                assert time.monotonic() < deadline, (len(load.answered), len(load.orders))
                time.sleep(0.1)
        finally:
            load.stop.set()
            for t in threads:
                t.join(timeout=WAIT)
        assert len(load.orders) >= orders_then + 3  # orders taken after the kill, too

        assert not load.refused, load.refused
        ok = [a for a in load.answered if a["status"] == 200]
        assert ok and all(a["requestId"] for a in ok), load.answered[:5]
        assert {a["replica"] for a in ok} == {"hub-1", "hub-2"}

        # every order is delivered, once, and served on its bank once
        deadline = time.monotonic() + WAIT
        while True:
            pending = db.rows("SELECT count(*) AS n FROM outbox WHERE done_at IS NULL")[0]["n"]
            if pending == 0:
                break
            assert time.monotonic() < deadline, f"{pending} outbox rows not done"
            time.sleep(0.2)
        orders = {r["id"]: r for r in db.rows("SELECT id, status, agency FROM freeze_orders")}
        assert set(load.orders) <= set(orders)
        delivered = db.rows(
            "SELECT order_id, count(*) AS n FROM freeze_order_events"
            " WHERE event = 'DELIVERED' GROUP BY order_id"
        )
        counts = {r["order_id"]: r["n"] for r in delivered}
        assert set(counts) == set(orders), set(orders) ^ set(counts)
        assert all(n == 1 for n in counts.values()), {k: n for k, n in counts.items() if n != 1}
        answered_events = db.rows(
            "SELECT order_id, count(*) AS n FROM freeze_order_events"
            " WHERE event IN ('ACCEPTED', 'REJECTED') GROUP BY order_id"
        )
        assert {r["order_id"]: r["n"] for r in answered_events} == dict.fromkeys(orders, 1)
        served: dict[str, int] = {}
        for bank in {o["agency"] for o in orders.values()}:
            path = deployment.agencies / f"{bank.replace(':', '_')}.sqlite3"
            with contextlib.closing(sqlite3.connect(path)) as conn:
                for (order_id,) in conn.execute(
                    "SELECT order_id FROM freezes WHERE order_id IS NOT NULL"
                ):
                    served[order_id] = served.get(order_id, 0) + 1
        assert {o: served.get(o, 0) for o in orders} == dict.fromkeys(orders, 1)

        # every answered request has its audit entry, and every entry gets a leaf
        entries = {r["request_id"] for r in db.rows("SELECT request_id FROM audit_entries")}
        lost = [a for a in ok if a["requestId"] not in entries]
        assert not lost, lost
        deadline = time.monotonic() + WAIT
        while True:
            left = db.rows(
                "SELECT count(*) AS n FROM audit_entries e"
                " LEFT JOIN audit_leaves l ON l.entry_id = e.id WHERE l.entry_id IS NULL"
            )[0]["n"]
            if left == 0:
                break
            assert time.monotonic() < deadline, f"{left} entries without a leaf"
            time.sleep(0.2)
        leaves = db.rows(
            "SELECT min(leaf_index) AS lo, max(leaf_index) AS hi, count(*) AS n FROM audit_leaves"
        )[0]
        assert (leaves["lo"], leaves["hi"]) == (0, leaves["n"] - 1)
        verified = fyt(["audit", "verify"], deployment.env(migrate, jobs), cwd=jobs)
        assert "0 not yet integrated" in verified, verified
    finally:
        for replica in replicas:
            stop(replica.process)
        asyncio.run(_drop_pg_database(base, name))
