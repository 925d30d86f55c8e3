"""The running hub: settings, the hub database engine, every source by name, the token verifier."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from connectors import registry
from connectors.base.tlog.checkpoint import vkey
from hub.audit.flags import FlagTracker
from hub.audit.integrator import Integrator
from hub.audit.keys import AuditKeys
from hub.audit.verify_jobs import Verifications, witness_spec
from hub.audit.witness import WitnessPolicy
from hub.audit.writer import AuditLog
from hub.auth.jwks import ProviderKeys, open_token_keys
from hub.auth.tokens import TokenVerifier
from hub.config import Settings
from hub.db.coordination import (
    Leadership,
    files_digest,
    latest_policy_generation,
    policy_generation_files,
)
from hub.db.engine import create_hub_engine
from hub.errors import PolicyError
from hub.federation.court import CourtSource
from hub.federation.resilience import Guard
from hub.metrics import Metrics
from hub.orders.events import OrderEventBus
from hub.orders.signing import OrderKeys
from hub.periodic import Periodic
from hub.policy.fields import schema_fields
from hub.policy.probing import ProbeGuard
from hub.policy.table import FieldInfo, PolicyTable
from hub.proxies import Proxies
from hub.sanctions.catalogue import CATALOGUE_FILE, Matter, load_catalogue

log = logging.getLogger("hub")

POLICY_FILES = ("model.conf", "policy.csv", CATALOGUE_FILE)


def read_policy_files(directory: Path) -> dict[str, str]:
    """The policy directory's files by name (those present): what a policy generation holds."""
    files = {}
    for name in POLICY_FILES:
        path = directory / name
        if path.is_file():
            files[name] = path.read_text(encoding="utf-8")
    return files


class TtlCache:
    """Found records kept for a few seconds (cited cases, for purpose binding).

    Case data changes (closing, reassignment) reach the hub from the court's case system; a
    look-up sees them at most ``seconds`` later. ``seconds=0`` turns the cache off.
    """

    def __init__(self, seconds: float, limit: int = 20_000) -> None:
        self.seconds = seconds
        self.limit = limit
        self._entries: dict[str, tuple[float, Any]] = {}

    async def get(self, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await load()
        if value is not None and self.seconds > 0:
            if len(self._entries) >= self.limit:
                self._entries.clear()
            self._entries[key] = (now + self.seconds, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


@dataclass(frozen=True)
class LoadedPolicy:
    """A policy loaded and validated, ready to be swapped in (:meth:`Runtime.swap_policy`)."""

    table: PolicyTable
    matters: dict[str, Matter]
    digest: str


@dataclass
class Runtime:
    """What the serving process holds for its lifetime (made by :meth:`open`)."""

    settings: Settings
    engine: AsyncEngine
    # Sources by connector name ("court" is the hub's own data): each agency's embedded or
    # remote source, or a fake in tests. Loaders call their batch methods by name
    # (hub.federation.lookups), so no one static type covers them.
    sources: dict[str, Any]
    verifier: TokenVerifier
    policy: PolicyTable
    policy_fields: dict[str, FieldInfo]
    audit: AuditLog
    order_keys: OrderKeys
    probes: ProbeGuard
    guards: dict[str, Guard] = field(default_factory=dict)
    metrics: Metrics = field(default_factory=Metrics)
    purposes: TtlCache = field(default_factory=lambda: TtlCache(0))
    order_events: OrderEventBus = field(default_factory=OrderEventBus)
    sanction_matters: dict[str, Matter] = field(default_factory=dict)
    proxies: Proxies = field(default_factory=Proxies)
    witnesses: WitnessPolicy | None = None  # the audit log's witnesses, when serving
    integrator: Integrator | None = None  # the serving process's (its alarm shows in /readyz)
    token_keys: ProviderKeys | None = None  # the identity provider's keys (HUB_JWT_JWKS_URL)
    # verifications of the whole log, run in processes of their own (made by open)
    verifications: Verifications | None = None
    # the policy served: the SHA-256 of its files, and the generation of hub_policy_generations
    # it came from (None: the files read at start-up or on SIGHUP, no recorded generation)
    policy_digest: str = ""
    policy_generation: int | None = None
    # What the 查控 rounds ask (hub.inquiries.worker): a remote bank through a client of its own
    # whose reads may take HUB_INQUIRY_CALL_TIMEOUT — the look-ups' client gives up after the
    # bank's look-up timeout, too soon for a round's batched call of every due subject — and
    # every other source as the look-ups have it. Made by open; empty: ``sources``.
    round_sources: dict[str, Any] = field(default_factory=dict)
    leadership: Leadership | None = None  # this process's leases (made when serving)

    @classmethod
    def open(
        cls,
        settings: Settings,
        schema: Any,
        *,
        sources: Mapping[str, Any] | None = None,
        metrics: Metrics | None = None,
    ) -> Runtime:
        """Open engines and sources; ``sources`` replaces named sources (tests, fakes)."""
        engine = create_hub_engine(settings.database_url, busy_timeout=settings.audit_write_timeout)
        opened: dict[str, Any] = {"court": CourtSource(engine)}
        for name, conf in settings.connectors.items():
            if sources and name in sources:
                continue
            opened[name] = conf.open_source(registry.get(name))
        opened.update(sources or {})
        rounds = dict(opened)
        for name in registry.banks():
            bank = settings.connectors.get(name)
            if bank is not None and bank.mode == "remote" and not (sources and name in sources):
                patient = bank.replace(timeout=max(bank.timeout, settings.inquiry_call_timeout))
                rounds[name] = patient.open_source(registry.get(name))
        metrics = metrics or Metrics()
        guards = {
            name: Guard(
                name,
                timeout=conf.timeout,
                retries=conf.retries,
                max_concurrency=conf.max_concurrency,
                breaker_failures=conf.breaker_failures,
                breaker_reset=conf.breaker_reset,
                on_result=metrics.connector_result(name),
            )
            for name, conf in settings.connectors.items()
        }
        # The hub's own database: no retries, a breaker that only a long outage opens.
        guards["court"] = Guard(
            "court",
            timeout=5.0,
            retries=0,
            max_concurrency=64,
            breaker_failures=50,
            breaker_reset=1.0,
            on_result=metrics.connector_result("court"),
        )
        metrics.watch_guards(guards)
        policy_fields = schema_fields(schema)
        policy = PolicyTable.load(settings.policy_dir, policy_fields)
        matters = load_catalogue(settings.policy_dir)
        keys = open_token_keys(settings)
        verifier = TokenVerifier(
            keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            max_lifetime=settings.max_token_lifetime,
        )
        token_keys = keys if isinstance(keys, ProviderKeys) else None
        if token_keys is not None:
            token_keys.on_change = verifier.forget
        runtime = cls(
            settings=settings,
            engine=engine,
            sources=opened,
            round_sources=rounds,
            verifier=verifier,
            policy=policy,
            policy_fields=policy_fields,
            guards=guards,
            metrics=metrics,
            sanction_matters=matters,
            token_keys=token_keys,
            proxies=Proxies(settings.trusted_proxies),
            probes=ProbeGuard(
                engine,
                unknown_per_day=settings.unknown_subjects_per_day,
                subjects_per_hour=settings.subjects_per_hour,
                party_refusals_per_hour=settings.party_refusals_per_hour,
            ),
            purposes=TtlCache(settings.purpose_cache_seconds),
            order_keys=OrderKeys(settings.keys_dir / "orders", create=not settings.production),
            audit=AuditLog(
                engine,
                AuditKeys.load(
                    settings.audit_key_path, settings.audit_signing_path, settings.audit_origin
                ),
                FlagTracker(
                    working_hours=(
                        clock.fromisoformat(settings.working_hours[0]),
                        clock.fromisoformat(settings.working_hours[1]),
                    ),
                    bulk_subjects=settings.bulk_subjects_per_hour,
                    denied_burst=settings.denied_burst,
                ),
                write_timeout=settings.audit_write_timeout,
            ),
        )
        runtime.policy_digest = files_digest(read_policy_files(settings.policy_dir))
        runtime.verifications = Verifications(
            engine, runtime.verification_spec, pause=settings.audit_verify_pause
        )
        return runtime

    def verification_spec(self) -> dict[str, Any]:
        """What a verifying process needs (hub.audit.verify_jobs): the database, the log's
        verifier key, the witness policy (None until serving: no witnesses required)."""
        keys = self.audit.keys
        return {
            "database_url": self.settings.database_url,
            "verifier": [vkey(keys.origin, keys.public_key)],
            "witnesses": witness_spec(self.witnesses),
        }

    def reload_policy(
        self, directory: Path | None = None, generation: int | None = None
    ) -> PolicyTable:
        """Load the policy files again (of ``directory``, by default the policy directory) and
        swap the table in one assignment.

        A bad policy raises :class:`PolicyError` and the old table keeps serving.
        """
        loaded = self.load_policy(directory)
        self.swap_policy(loaded, generation)
        return loaded.table

    def load_policy(
        self,
        directory: Path | None = None,
        callers: Sequence[tuple[tuple[str, ...], str]] = (),
    ) -> LoadedPolicy:
        """The policy files of ``directory`` (by default the policy directory) loaded and
        validated, not yet served, with the grants of ``callers`` (roles, org) compiled — the
        kinds of caller the policy in force has met, so that none of their requests waits for
        a compilation after the swap. It reads files and compiles (up to seconds): while
        serving, call it in a worker thread (:meth:`reload_policy_off_loop`). A bad policy
        raises :class:`PolicyError`."""
        directory = directory or self.settings.policy_dir
        table = PolicyTable.load(directory, self.policy_fields)
        matters = load_catalogue(directory)
        digest = files_digest(read_policy_files(directory))
        for roles, org in callers:
            table.grants(roles, org)
        return LoadedPolicy(table, matters, digest)

    def swap_policy(self, loaded: LoadedPolicy, generation: int | None = None) -> None:
        """Serve ``loaded`` from now on (assignments only: cheap on the event loop)."""
        self.policy = loaded.table
        self.sanction_matters = loaded.matters
        self.policy_digest = loaded.digest
        self.policy_generation = generation
        self.purposes.clear()

    async def reload_policy_off_loop(
        self, directory: Path | None = None, generation: int | None = None
    ) -> PolicyTable:
        """:meth:`reload_policy` with the loading and compiling in a worker thread: requests
        go on being served under the old policy meanwhile, then the swap is one step."""
        callers = self.policy.callers()  # read on the loop, which alone adds to them
        loaded = await asyncio.to_thread(self.load_policy, directory, callers)
        self.swap_policy(loaded, generation)
        return loaded.table

    def policy_state(self) -> tuple[int | None, str]:
        return self.policy_generation, self.policy_digest

    async def close(self) -> None:
        own = [s for n, s in self.round_sources.items() if s is not self.sources.get(n)]
        for source in [*self.sources.values(), *own]:
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                await aclose()
                continue
            close = getattr(source, "close", None)
            if close is not None:
                close()
        if self.verifications is not None:
            await self.verifications.close()
        await self.audit.close()
        await self.engine.dispose()


class PolicyFollower(Periodic):
    """Follows the policy generations `fyt policy reload` records (hub_policy_generations): a
    newer one than this process serves is written under ``DATA_DIR/policy-generations/ID`` and
    swapped in. Every process serving the database does the same, so one reload reaches them all
    within about ``interval`` seconds. A generation this process cannot load is logged and the
    previous policy keeps serving (``fyt policy reload`` then names the process)."""

    name = "policy generations"

    def __init__(self, runtime: Runtime, interval: float = 1.0) -> None:
        super().__init__(interval)
        self.runtime = runtime
        self.seen: int | None = None

    async def begin(self) -> None:
        """Note the newest generation: the one served when the files read at start-up are it,
        and the point from which newer ones are followed."""
        latest = await latest_policy_generation(self.runtime.engine)
        if latest is not None:
            self.seen = latest[0]
            if latest[1] == self.runtime.policy_digest:
                self.runtime.policy_generation = latest[0]

    async def tick(self) -> None:
        latest = await latest_policy_generation(self.runtime.engine)
        if latest is None or (self.seen is not None and latest[0] <= self.seen):
            return
        generation, digest = latest
        runtime = self.runtime
        if digest == runtime.policy_digest:
            self.seen = generation
            runtime.policy_generation = generation
            return
        files = await policy_generation_files(runtime.engine, generation)
        # writing, loading and compiling take up to seconds: never on the event loop, which
        # goes on serving requests (under the policy in force) and reporting this process
        directory = await asyncio.to_thread(
            _write_generation, runtime.settings.data_dir, generation, files
        )
        # taken as seen only once read and written: a failure (a full disk) is tried again
        self.seen = generation
        try:
            table = await runtime.reload_policy_off_loop(directory, generation)
        except PolicyError as exc:  # a CatalogueError too
            log.error(
                "policy generation %d refused, the previous policy keeps serving: %s",
                generation,
                exc,
            )
            return
        log.warning(
            "policy generation %d swapped in (%d lines, %s)", generation, len(table.lines), digest
        )
        if runtime.leadership is not None:  # tell `fyt policy reload` now, not at the renewal
            await runtime.leadership.report_now()


def _write_generation(data_dir: Path, generation: int, files: Mapping[str, str]) -> Path:
    """The generation's files under DATA_DIR/policy-generations/ID (written once, atomically:
    processes of one data directory share it)."""
    root = data_dir / "policy-generations"
    target = root / str(generation)
    if target.is_dir():
        return target
    # a staging directory of this call's own (two hubs of one process — tests — write at once)
    staging = root / f".{generation}.{os.getpid()}.{secrets.token_hex(4)}"
    staging.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if name in POLICY_FILES:  # nothing else is written, whatever the record holds
            (staging / name).write_text(text, encoding="utf-8")
    try:
        staging.rename(target)
    except OSError:  # another process of this data directory wrote it first
        for child in staging.iterdir():
            child.unlink()
        staging.rmdir()
    return target
