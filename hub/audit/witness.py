"""The hub's side of witnessing: the witness settings, the round sender, cosigned notes.

Which witnesses and how many must cosign are settings; the job sends each new checkpoint to
them (C2SP tlog-witness add-checkpoint) and keeps their cosignatures.

Settings (environment):

- ``HUB_AUDIT_WITNESSES``: a TOML file with one ``[[witness]]`` table per witness: ``url`` (its
  submission prefix; the hub POSTs to ``<url>/add-checkpoint``), ``vkey`` (its cosigner verifier
  key, type 0x04, as ``fyt agency serve`` / ``fyt witness serve`` print it) and optionally
  ``timeout`` (seconds, default 5);
- ``HUB_AUDIT_WITNESS_QUORUM``: how many of them must have cosigned the checkpoint that
  ``fyt audit verify``, ``verify-export`` and ``export`` rely on (default 0: none);
- ``HUB_AUDIT_WITNESS_GRACE``: seconds a new checkpoint may wait for its cosignatures before
  ``fyt audit verify`` counts the missing ones as a problem (default 60).

The job runs one *round* whenever the integrator signs a checkpoint (and every few seconds, to
retry): it reads the newest checkpoint and sends it to every witness that has not cosigned it,
with a consistency proof from the size that witness last cosigned (remembered in
``audit_witnesses``). Checkpoints signed meanwhile are never sent: only the newest is. A witness
that answers 409 names the size it holds; the round retries once with a proof from there.

The proofs are read from the tree's tiles (:mod:`hub.audit.tiles`): a round reads the O(log n)
tiles of the latest root and of each proof, never the leaves, so its memory and CPU do not grow
with the log. A round first checks that the tiles give the latest checkpoint's signed root, and
a proof from a size the hub has a checkpoint of is checked against both signed roots before it
is sent: damaged tiles are named as the hub's problem, never sent for a witness to refuse.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from connectors.base.tlog.checkpoint import add_signatures, split_note
from connectors.base.tlog.cosignature import CosignerKey, check_lines, parse_lines
from connectors.base.tlog.merkle import verify_consistency
from hub.audit import tiles
from hub.audit.integrator import latest_checkpoint
from hub.audit.models import audit_checkpoints, audit_cosignatures, audit_witnesses
from hub.config import ConfigError, Settings
from hub.db.engine import lock_for_write

log = logging.getLogger("hub.audit.witness")

DEFAULT_TIMEOUT = 5.0
DEFAULT_GRACE = Settings.default_of("audit_witness_grace")
MAX_ANSWER = 64 * 1024  # bytes of a witness's answer the hub reads at most
TILES_DAMAGED = (
    "the stored tiles do not give checkpoint {size}'s signed root: no consistency proof can be"
    " made (see `fyt audit verify`)"
)


class WitnessConfigError(ValueError):
    """The witness settings are malformed; the message names the variable or file and key."""


@dataclass(frozen=True)
class WitnessConfig:
    """One witness: its cosigner key (whose name identifies it) and where to reach it."""

    key: CosignerKey
    url: str = ""  # empty where only the key matters (checking an export offline)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def name(self) -> str:
        return self.key.name


@dataclass(frozen=True)
class WitnessPolicy:
    """The witnesses the hub sends checkpoints to, and how many cosignatures it requires."""

    witnesses: tuple[WitnessConfig, ...] = ()
    quorum: int = 0
    grace: float = DEFAULT_GRACE
    source: Path | None = None

    def __post_init__(self) -> None:
        names = [w.name for w in self.witnesses]
        if len(set(names)) != len(names):
            raise WitnessConfigError("two witnesses share a name")
        if not 0 <= self.quorum <= len(self.witnesses):
            raise WitnessConfigError(
                f"HUB_AUDIT_WITNESS_QUORUM is {self.quorum}, but {len(self.witnesses)}"
                " witness(es) are configured (HUB_AUDIT_WITNESSES)"
            )

    @property
    def keys(self) -> list[CosignerKey]:
        return [w.key for w in self.witnesses]

    @classmethod
    def from_settings(cls, settings: Settings) -> WitnessPolicy:
        """The policy of ``HUB_AUDIT_WITNESSES`` / ``_QUORUM`` / ``_GRACE`` (read with the other
        settings); the witnesses' file is read here."""
        path = settings.audit_witnesses
        witnesses = load_witnesses(path) if path is not None else ()
        return cls(witnesses, settings.audit_witness_quorum, settings.audit_witness_grace, path)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WitnessPolicy:
        try:
            settings = Settings.from_env(env)
        except ConfigError as exc:
            raise WitnessConfigError(str(exc)) from None
        return cls.from_settings(settings)


def load_witnesses(path: Path) -> tuple[WitnessConfig, ...]:
    """The ``[[witness]]`` tables of ``path``; every mistake names the file and the key."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WitnessConfigError(f"HUB_AUDIT_WITNESSES: no file {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WitnessConfigError(f"HUB_AUDIT_WITNESSES: {path}: {exc}") from None
    unknown = sorted(set(document) - {"witness"})
    if unknown:
        raise WitnessConfigError(f"{path}: unknown key {unknown[0]!r}; only [[witness]] is read")
    tables = document.get("witness", [])
    if not isinstance(tables, list):
        raise WitnessConfigError(f"{path}: witness must be an array of [[witness]] tables")
    out = []
    for number, table in enumerate(tables, start=1):
        where = f"{path}: witness {number}"
        if not isinstance(table, dict):
            raise WitnessConfigError(f"{where} must be a table")
        extra = sorted(set(table) - {"url", "vkey", "timeout"})
        if extra:
            raise WitnessConfigError(f"{where}: unknown key {extra[0]!r} (url, vkey, timeout)")
        url, key = table.get("url"), table.get("vkey")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise WitnessConfigError(f"{where}: url must be an http:// or https:// URL")
        if not isinstance(key, str):
            raise WitnessConfigError(f"{where}: vkey (the witness's verifier key) is required")
        try:
            cosigner = CosignerKey.parse(key)
        except ValueError as exc:
            raise WitnessConfigError(f"{where}: vkey is not a cosigner key ({exc})") from None
        timeout = table.get("timeout", DEFAULT_TIMEOUT)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not (math.isfinite(timeout) and timeout > 0)
        ):
            raise WitnessConfigError(f"{where}: timeout must be a positive number of seconds")
        out.append(WitnessConfig(cosigner, url.rstrip("/"), float(timeout)))
    return tuple(out)


# --- cosignatures in the database ------------------------------------------------------------


async def cosignature_lines(conn: AsyncConnection, sizes: list[int]) -> dict[int, list[Any]]:
    """The stored cosignature rows of the checkpoints of ``sizes``, by size, witness order."""
    out: dict[int, list[Any]] = {}
    for k in range(0, len(sizes), 500):
        rows = await conn.execute(
            select(audit_cosignatures)
            .where(audit_cosignatures.c.tree_size.in_(sizes[k : k + 500]))
            .order_by(audit_cosignatures.c.tree_size, audit_cosignatures.c.witness)
        )
        for row in rows:
            out.setdefault(row.tree_size, []).append(row)
    return out


async def cosigned_note(conn: AsyncConnection, row: Any) -> str:
    """The checkpoint ``row``'s note with its stored cosignatures appended (C2SP allows a
    checkpoint to carry cosigners' signature lines after the log's own)."""
    lines = (await cosignature_lines(conn, [row.tree_size])).get(row.tree_size, [])
    return add_signatures(row.note, "".join(r.line for r in lines))


async def witnessed_checkpoint(conn: AsyncConnection, policy: WitnessPolicy) -> Any:
    """The newest checkpoint with ``policy.quorum`` valid cosignatures (the latest when the
    quorum is 0), or None."""
    if policy.quorum == 0:
        return await latest_checkpoint(conn)
    sizes = (
        await conn.execute(
            select(audit_cosignatures.c.tree_size)
            .where(audit_cosignatures.c.witness.in_([w.name for w in policy.witnesses]))
            .group_by(audit_cosignatures.c.tree_size)
            .order_by(audit_cosignatures.c.tree_size.desc())
        )
    ).scalars()
    for size in sizes:
        row = (
            await conn.execute(
                select(audit_checkpoints).where(audit_checkpoints.c.tree_size == size)
            )
        ).first()
        if row is None:
            continue
        body, _ = split_note(row.note)
        stored = (await cosignature_lines(conn, [size])).get(size, [])
        lines = [(r.witness, _blob(r.line)) for r in stored]
        if len(check_lines(body, lines, policy.keys).valid) >= policy.quorum:
            return row
    return None


def _blob(line: str) -> bytes:
    return parse_lines(line)[0][1]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


# --- the job ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one witness did with one round's checkpoint."""

    witness: str
    # cosigned; current (already cosigned); refused: the witness holds a tree the log does not
    # extend (a fork, 422, a larger size); failed: unreachable, misconfigured, malformed answer;
    # waiting: backing off after failures
    status: str
    size: int | None = None  # the size it holds now, when known
    detail: str = ""
    seconds: float = 0.0


@dataclass
class _Backoff:
    failures: int = 0
    until: float = 0.0


@dataclass
class WitnessSender:
    """Sends the newest checkpoint to the witnesses, one round at a time (see the module)."""

    engine: AsyncEngine
    policy: WitnessPolicy
    retry: float = 5.0  # seconds between rounds when no checkpoint wakes the job
    client: httpx.AsyncClient | None = None
    registry: CollectorRegistry | None = None
    _backoff: dict[str, _Backoff] = field(default_factory=dict)
    _event: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _own_client: bool = False

    def __post_init__(self) -> None:
        self._cosigned = Gauge(
            "hub_audit_witness_cosigned_size",
            "The largest tree size each witness has cosigned",
            ["witness"],
            registry=self.registry,
        )
        self._failures = Counter(
            "hub_audit_witness_failures",
            "Rounds in which a witness did not cosign (refused, unreachable, malformed)",
            ["witness"],
            registry=self.registry,
        )
        self._lock = asyncio.Lock()

    def wake(self, _size: int | None = None) -> None:
        """A checkpoint was signed: run a round soon (several wakes make one round)."""
        self._event.set()

    def start(self) -> None:
        if self.client is None:
            self.client = httpx.AsyncClient(follow_redirects=False)
            self._own_client = True
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._own_client and self.client is not None:
            await self.client.aclose()
            self.client = None  # started again (its lease taken again): a new client
            self._own_client = False

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._event.wait(), timeout=self.retry)
            except TimeoutError:
                pass
            self._event.clear()
            try:
                await self.run_round()
            except Exception:
                log.exception("witness round failed; retrying")

    async def run_round(self) -> list[Outcome]:
        """Send the newest checkpoint to every witness that has not cosigned it."""
        async with self._lock:  # one round at a time per process
            async with self.engine.connect() as conn:
                latest = await latest_checkpoint(conn)
                if latest is None:
                    return []
                known = {r.name: r for r in await conn.execute(select(audit_witnesses))}
            send: list[tuple[WitnessConfig, int | None]] = []
            outcomes = []
            now = time.monotonic()
            for witness in self.policy.witnesses:
                row = known.get(witness.name)
                held = None
                if row is not None and row.vkey == witness.key.vkey:
                    held = row.cosigned_size
                if held is not None and held == latest.tree_size:
                    self._cosigned.labels(witness.name).set(held)
                    outcomes.append(Outcome(witness.name, "current", held))
                    continue
                backoff = self._backoff.get(witness.name)
                if backoff is not None and backoff.until > now:
                    outcomes.append(Outcome(witness.name, "waiting", held, "backing off"))
                    continue
                send.append((witness, held))
            if not send:
                return outcomes
            problem = await self._check_tiles(latest)
            if problem is not None:
                log.error("witness round: %s", problem)
                return outcomes + [Outcome(w.name, "failed", None, problem) for w, _ in send]
            sent = await asyncio.gather(*(self._one(w, latest, h) for w, h in send))
            await self._record(latest, [(w, o) for (w, _), o in zip(send, sent, strict=True)])
            for outcome in sent:  # the gauge says what is stored, so only after the commit
                if outcome.status == "cosigned":
                    self._cosigned.labels(outcome.witness).set(latest.tree_size)
            outcomes.extend(sent)
            return outcomes

    async def _check_tiles(self, latest: Any) -> str | None:
        """Whether the stored tiles give the latest checkpoint's signed root: a problem, or
        None. Reads the last tile of each level (O(log n) rows), never the leaves."""
        size = latest.tree_size
        async with self.engine.connect() as conn:
            try:
                found = await tiles.root(conn, size)
            except tiles.TilesMissing as exc:
                return f"{TILES_DAMAGED.format(size=size)} ({exc})"
        if found != bytes(latest.root):
            return TILES_DAMAGED.format(size=size)
        return None

    async def _proof(self, old: int, latest: Any) -> list[bytes] | str:
        """The consistency proof from ``old`` to the latest checkpoint, read from the tiles it
        needs; checked against both signed roots when the hub has a checkpoint of ``old`` (a
        size a witness names may be one the hub no longer has: then the witness checks it).
        A problem instead when the tiles cannot give it."""
        size = latest.tree_size
        if old in (0, size):
            return []
        async with self.engine.connect() as conn:
            try:
                proof = await tiles.consistency_proof(conn, old, size)
            except tiles.TilesMissing as exc:
                return f"{TILES_DAMAGED.format(size=size)} ({exc})"
            row = (
                await conn.execute(
                    select(audit_checkpoints.c.root).where(audit_checkpoints.c.tree_size == old)
                )
            ).first()
        if row is not None and not verify_consistency(
            old, size, bytes(row.root), bytes(latest.root), proof
        ):
            return (
                f"the stored tiles give no consistency proof from checkpoint {old} to {size}"
                " that verifies against their signed roots (see `fyt audit verify`)"
            )
        return proof

    async def _one(self, witness: WitnessConfig, latest: Any, held: int | None) -> Outcome:
        started = time.perf_counter()
        outcome = await self._send(witness, latest, held or 0, retry=True)
        outcome.seconds = time.perf_counter() - started
        if outcome.status == "cosigned":
            self._backoff.pop(witness.name, None)
        else:
            self._failures.labels(witness.name).inc()
            backoff = self._backoff.setdefault(witness.name, _Backoff())
            backoff.failures += 1
            backoff.until = time.monotonic() + min(60.0, 2.0 ** (backoff.failures - 1))
            log.warning(
                "witness %s did not cosign checkpoint %d: %s %s",
                witness.name,
                latest.tree_size,
                outcome.status,
                outcome.detail,
            )
        return outcome

    @staticmethod
    def request_body(note: str, old: int, proof: list[bytes]) -> bytes:
        """The add-checkpoint body: ``old <size>``, the proof lines, a blank line, the note."""
        lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
        return f"old {old}\n{lines}\n{note}".encode()

    async def _send(self, witness: WitnessConfig, latest: Any, old: int, *, retry: bool) -> Outcome:
        size = latest.tree_size
        if old > size:
            return Outcome(
                witness.name,
                "refused",
                old,
                f"it has cosigned size {old}, but the log's newest checkpoint is {size}:"
                " the log lost leaves it once signed",
            )
        assert self.client is not None
        proof = await self._proof(old, latest)
        if isinstance(proof, str):
            return Outcome(witness.name, "failed", None, proof)
        try:
            # The whole exchange within the timeout, and no more of the answer than MAX_ANSWER:
            # a witness that drips or floods costs the hub nothing more.
            async with asyncio.timeout(witness.timeout):
                async with self.client.stream(
                    "POST",
                    f"{witness.url}/add-checkpoint",
                    content=self.request_body(latest.note, old, proof),
                    headers={"content-type": "text/plain; charset=utf-8"},
                    timeout=witness.timeout,
                ) as response:
                    raw = bytearray()
                    async for chunk in response.aiter_bytes():
                        raw += chunk
                        if len(raw) > MAX_ANSWER:
                            return Outcome(
                                witness.name, "failed", None, f"answer over {MAX_ANSWER} bytes"
                            )
        except (httpx.HTTPError, TimeoutError) as exc:
            return Outcome(witness.name, "failed", None, f"unreachable: {exc!r}")
        text = raw.decode("utf-8", "replace")
        if response.status_code == 200:
            body, _ = split_note(latest.note)
            try:
                found = check_lines(body, parse_lines(text), [witness.key])
            except ValueError as exc:
                return Outcome(witness.name, "failed", None, f"malformed answer: {exc}")
            if witness.name not in found.valid:
                why = "; ".join(found.problems) or "no cosignature from its key"
                return Outcome(
                    witness.name, "failed", None, f"answer without a valid cosignature: {why}"
                )
            line = next(
                f"— {n} {base64.b64encode(b).decode()}\n"
                for n, b in parse_lines(text)
                if n == witness.name and b[:4] == witness.key.key_id
            )
            return Outcome(witness.name, "cosigned", size, line)
        if response.status_code == 409:
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            learned = text.strip()
            if content_type == "text/x.tlog.size" and learned.isdigit():
                held = int(learned)
                if retry and held != old and held <= size:
                    return await self._send(witness, latest, held, retry=False)
                if held == size:
                    detail = f"it holds another tree of size {size}: the log forked"
                elif held > size:
                    detail = f"it has cosigned size {held}, more than the log's {size}"
                else:
                    detail = f"it holds size {held} and refused again"
                return Outcome(witness.name, "refused", held, detail)
            return Outcome(witness.name, "refused", None, f"409 Conflict: {text[:200]}")
        detail = {
            403: "the witness does not trust the log's key",
            404: "the witness does not know the log's origin",
            422: "the consistency proof does not verify: the log is not an extension of the"
            " tree the witness cosigned (history rewritten?)",
        }.get(response.status_code, "")
        # 422 is the witness saying the log is inconsistent; anything else is a failure to ask
        # (a witness not configured for this log, an error page, a proxy).
        return Outcome(
            witness.name,
            "refused" if response.status_code == 422 else "failed",
            old if response.status_code == 422 else None,
            f"HTTP {response.status_code} {detail} {text[:200].strip()}".strip(),
        )

    async def _record(self, latest: Any, results: list[tuple[WitnessConfig, Outcome]]) -> None:
        """Keep the cosignatures with their checkpoint, and what the hub now knows of each
        witness: one transaction per round."""
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            await lock_for_write(conn)
            for witness, outcome in results:
                await self._record_one(conn, witness, latest, outcome, now)

    async def _record_one(
        self,
        conn: AsyncConnection,
        witness: WitnessConfig,
        latest: Any,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        """One witness's outcome: its cosignature kept, its record brought up to date."""
        row = (
            await conn.execute(
                select(audit_witnesses).where(audit_witnesses.c.name == witness.name)
            )
        ).first()
        values: dict[str, Any] = {
            "url": witness.url,
            "vkey": witness.key.vkey,
            "checked_at": now,
        }
        if outcome.status == "cosigned":
            blob = parse_lines(outcome.detail)[0][1]
            cosigned_at = datetime.fromtimestamp(int.from_bytes(blob[4:12], "big"), UTC)
            exists = (
                await conn.execute(
                    select(audit_cosignatures.c.witness).where(
                        audit_cosignatures.c.tree_size == latest.tree_size,
                        audit_cosignatures.c.witness == witness.name,
                    )
                )
            ).first()
            if exists is None:
                await conn.execute(
                    insert(audit_cosignatures).values(
                        tree_size=latest.tree_size,
                        witness=witness.name,
                        line=outcome.detail,
                        cosigned_at=cosigned_at,
                    )
                )
            values.update(
                cosigned_size=latest.tree_size,
                cosigned_root=bytes(latest.root),
                cosigned_at=cosigned_at,
                last_error=None,
            )
        else:
            values["last_error"] = f"{outcome.status}: {outcome.detail}"[:2000]
            if row is not None and row.vkey != witness.key.vkey:
                values.update(cosigned_size=None, cosigned_root=None, cosigned_at=None)
        if row is None:
            await conn.execute(insert(audit_witnesses).values(name=witness.name, **values))
        else:
            await conn.execute(
                update(audit_witnesses)
                .where(audit_witnesses.c.name == witness.name)
                .values(**values)
            )


async def ask_witnesses(
    engine: AsyncEngine,
    policy: WitnessPolicy,
    *,
    client: httpx.AsyncClient | None = None,
    attempts: int = 3,
) -> list[Outcome]:
    """Ask every witness whether the log's latest checkpoint extends what it holds (for
    ``fyt audit verify``): the witnesses' own stores are out of the hub's reach, so this holds
    even when the hub's database (its cosignatures, its record of the witnesses, the times of
    its checkpoints) was rewritten.

    Each witness is sent the latest checkpoint as if it held that size; one that holds another
    names its size (409) and is sent a consistency proof from there. ``cosigned`` means it
    holds the latest checkpoint now (a witness only ever cosigns an extension of what it holds,
    so asking never moves it off the log's history); ``refused`` is a fork (same size, another
    root), a history that does not extend its tree (422), or a size larger than the log's. A
    witness ahead of the checkpoint read (the sender got there first) is asked again with a
    newer one, up to ``attempts`` times. The answers are not stored.
    """
    sender = WitnessSender(engine, policy, client=client or httpx.AsyncClient())
    try:

        async def one(witness: WitnessConfig) -> Outcome:
            outcome = Outcome(witness.name, "failed", None, "the log has no checkpoint")
            for _ in range(attempts):
                async with engine.connect() as conn:
                    latest = await latest_checkpoint(conn)
                if latest is None:
                    return outcome
                problem = await sender._check_tiles(latest)
                if problem is not None:
                    return Outcome(witness.name, "failed", None, problem)
                outcome = await sender._send(witness, latest, latest.tree_size, retry=True)
                ahead = outcome.size is not None and outcome.size > latest.tree_size
                if not (outcome.status == "refused" and ahead):
                    return outcome
            return outcome

        return list(await asyncio.gather(*(one(w) for w in policy.witnesses)))
    finally:
        if client is None and sender.client is not None:
            await sender.client.aclose()


async def witness_status(engine: AsyncEngine, policy: WitnessPolicy) -> list[dict[str, Any]]:
    """What the hub knows of each configured witness (``fyt audit witnesses``)."""
    async with engine.connect() as conn:
        known = {r.name: r for r in await conn.execute(select(audit_witnesses))}
        latest = await latest_checkpoint(conn)
    out = []
    for witness in policy.witnesses:
        row = known.get(witness.name)
        cosigned = row if row is not None and row.vkey == witness.key.vkey else None
        out.append(
            {
                "name": witness.name,
                "url": witness.url,
                "cosignedSize": cosigned.cosigned_size if cosigned is not None else None,
                "cosignedAt": _utc(cosigned.cosigned_at) if cosigned is not None else None,
                "checkedAt": _utc(row.checked_at) if row is not None else None,
                "lastError": row.last_error if row is not None else None,
                "latestSize": latest.tree_size if latest is not None else 0,
            }
        )
    return out
