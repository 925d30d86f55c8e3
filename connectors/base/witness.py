"""A transparency-log witness (C2SP tlog-witness) and its own store of what it cosigned.

It cosigns a log's checkpoint only when it extends the last one it cosigned for that log,
which it keeps in its own store.

``POST /add-checkpoint`` takes ``old <size>\\n``, up to 63 base64 consistency-proof lines, a
blank line, then the log's signed checkpoint note, and answers, as the spec says:

- 200 and one cosignature line (C2SP tlog-cosignature/v1, Ed25519) once the checkpoint is
  signed by a key the witness trusts for its origin, ``old`` is the size it last cosigned for
  that origin (0 the first time) and the consistency proof from there verifies; the new size
  and root are stored (atomically with the check) before the answer leaves;
- 400 for a malformed body (or an old size above the checkpoint's), 413 for one over 64 KiB;
- 404 for an origin it does not witness, 403 when no trusted key's signature verifies;
- 409 with its latest size (``text/x.tlog.size``) when ``old`` is not that size, or when the
  sizes are equal and the roots are not (a fork);
- 422 when the consistency proof does not verify (a rewritten history).

The witness reuses the hub's checkpoint and Merkle code (``connectors.base.tlog.checkpoint``,
``connectors.base.tlog.merkle``, ``connectors.base.tlog.cosignature``: formats only, no database); its state is its
own SQLite file, never the hub's database.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.base.tlog.checkpoint import open_note, parse_checkpoint, parse_vkey, split_note
from connectors.base.tlog.cosignature import CosignerKey, cosign
from connectors.base.tlog.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency

log = logging.getLogger("connectors.witness")

MAX_BODY = 64 * 1024
"""Bytes of an add-checkpoint request the witness reads at most (413 beyond)."""
MAX_PROOF = 63
_OLD_RE = re.compile(r"old (0|[1-9][0-9]{0,19})")
_MAX_SIZE = 2**64 - 1
TEXT = "text/plain; charset=utf-8"
SIZE_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    content_type: str = TEXT


class WitnessStore:
    """The latest checkpoint cosigned for each origin, in a SQLite file of the witness's own.

    Each request's check and update run in one ``BEGIN IMMEDIATE`` transaction (one writer at a
    time, across processes too) that commits with ``synchronous=FULL`` before the answer.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS witness_logs (origin TEXT PRIMARY KEY,"
            " size TEXT NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL,"
            " cosigned_at INTEGER NOT NULL)"
        )
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @staticmethod
    def latest(conn: sqlite3.Connection, origin: str) -> tuple[int, bytes] | None:
        row = conn.execute(
            "SELECT size, root FROM witness_logs WHERE origin = ?", (origin,)
        ).fetchone()
        return (int(row[0]), bytes(row[1])) if row else None

    @staticmethod
    def store(
        conn: sqlite3.Connection, origin: str, size: int, root: bytes, note: str, at: int
    ) -> None:
        conn.execute(
            "INSERT INTO witness_logs (origin, size, root, note, cosigned_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET size = excluded.size,"
            " root = excluded.root, note = excluded.note, cosigned_at = excluded.cosigned_at",
            (origin, str(size), root, note, at),
        )

    def logs(self) -> list[tuple[str, int, int]]:
        """``(origin, size, cosigned at)`` of every log cosigned so far."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT origin, size, cosigned_at FROM witness_logs ORDER BY origin"
            ).fetchall()
        return [(o, int(s), int(t)) for o, s, t in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class Witness:
    """Cosigns checkpoints of the logs it is configured with (their verifier keys)."""

    def __init__(
        self,
        name: str,
        key: Ed25519PrivateKey,
        log_vkeys: list[str],
        store: WitnessStore,
        *,
        clock: Any = time.time,
    ) -> None:
        self.name = name
        self.key = key
        self.cosigner = CosignerKey.of(name, key.public_key())
        self.store = store
        self.clock = clock
        self.logs: dict[str, list[str]] = {}
        for text in log_vkeys:
            origin, _, _ = parse_vkey(text)  # the log's key name is its origin line
            self.logs.setdefault(origin, []).append(text)
        if not self.logs:
            raise ValueError("a witness needs at least one log verifier key")

    @property
    def vkey(self) -> str:
        return self.cosigner.vkey

    def add_checkpoint(self, raw: bytes) -> Answer:
        """The whole of one add-checkpoint request (blocking: run it in a thread)."""
        try:
            text = raw.decode("utf-8")
            old, proof, note = _parse_request(text)
            body, _ = split_note(note)
            checkpoint = parse_checkpoint(body)
        except ValueError as exc:
            return Answer(400, f"malformed request: {exc}\n")
        trusted = self.logs.get(checkpoint.origin)
        if trusted is None:
            return Answer(404, f"unknown log {checkpoint.origin!r}\n")
        try:
            open_note(note, trusted)
        except ValueError as exc:
            return Answer(403, f"the checkpoint is not signed by the log's key: {exc}\n")
        if old > checkpoint.size:
            return Answer(400, f"old size {old} is above the checkpoint's {checkpoint.size}\n")
        with self.store.transaction() as conn:
            latest = self.store.latest(conn, checkpoint.origin)
            held, held_root = latest if latest is not None else (0, EMPTY_ROOT)
            if old != held:
                return Answer(409, f"{held}\n", SIZE_TYPE)
            if old == checkpoint.size:
                if proof:
                    return Answer(422, "the proof between equal sizes must be empty\n")
                if checkpoint.root != held_root:
                    self._evidence("a different root for the size it cosigned", checkpoint, note)
                    return Answer(409, f"{held}\n", SIZE_TYPE)
            elif old == 0:
                if proof:
                    return Answer(422, "the proof from size 0 must be empty\n")
            elif not verify_consistency(old, checkpoint.size, held_root, checkpoint.root, proof):
                self._evidence(f"no consistency with size {old}", checkpoint, note)
                return Answer(422, f"the consistency proof from size {old} does not verify\n")
            now = int(self.clock())
            self.store.store(conn, checkpoint.origin, checkpoint.size, checkpoint.root, note, now)
        return Answer(200, cosign(body, self.name, self.key, now))

    def _evidence(self, what: str, checkpoint: Any, note: str) -> None:
        # A correctly signed checkpoint the witness cannot cosign may prove the log misbehaved.
        log.warning(
            "witness %s refused %s at size %d (%s); the signed note was:\n%s",
            self.name,
            checkpoint.origin,
            checkpoint.size,
            what,
            note,
        )


def _parse_request(text: str) -> tuple[int, list[bytes], str]:
    """``(old size, proof hashes, checkpoint note)`` of an add-checkpoint body."""
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise ValueError("no blank line between the proof and the checkpoint")
    lines = head.split("\n")
    match = _OLD_RE.fullmatch(lines[0])
    if match is None:
        raise ValueError("the first line must be 'old <size>' in decimal without leading zeros")
    old = int(match.group(1))
    if old > _MAX_SIZE:
        raise ValueError("the old size does not fit in 64 bits")
    if len(lines) - 1 > MAX_PROOF:
        raise ValueError(f"more than {MAX_PROOF} consistency proof lines")
    proof = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            value = base64.b64decode(line.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error):
            raise ValueError(f"line {number} is not base64") from None
        if len(value) != HASH_SIZE or base64.b64encode(value).decode() != line:
            raise ValueError(f"line {number} is not one base64 SHA-256 hash")
        proof.append(value)
    return old, proof, note


async def _read_body(request: Request) -> bytes | None:
    """The request body, or None when it is over MAX_BODY (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


def witness_routes(witness: Witness) -> list[Route]:
    """The witness's routes: ``POST /add-checkpoint``."""

    async def add_checkpoint(request: Request) -> Response:
        body = await _read_body(request)
        if body is None:
            return Response(f"at most {MAX_BODY} bytes\n", status_code=413, media_type=TEXT)
        answer = await asyncio.to_thread(witness.add_checkpoint, body)
        # The header as given: Starlette would add a charset to text/x.tlog.size.
        return Response(
            answer.text, status_code=answer.status, headers={"content-type": answer.content_type}
        )

    return [Route("/add-checkpoint", add_checkpoint, methods=["POST"])]


def witness_app(witness: Witness) -> Starlette:
    """A witness on its own (``fyt witness serve``): add-checkpoint and a health check."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "witness": witness.name})

    app = Starlette(routes=[*witness_routes(witness), Route("/healthz", healthz)])
    app.state.witness = witness
    return app


def load_witness_key(path: Path, *, create: bool) -> Ed25519PrivateKey:
    """The witness's Ed25519 signing key (PEM); created (mode 0600) when missing and allowed."""
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise ValueError(f"no witness key at {path}") from None
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        return key
    loaded = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded
