"""C2SP tlog-cosignature/v1 with Ed25519: witnesses' timestamped cosignatures on checkpoints."""

# A cosignature is a note signature line "— <cosigner name> base64(key ID ‖ timestamp ‖ sig)":
#
# - key ID = SHA-256(<name> ‖ 0x0A ‖ 0x04 ‖ 32-byte Ed25519 public key)[:4] (type 0x04; the
#   cosigner's vkey is "<name>+<hex key ID>+base64(0x04 ‖ public key)");
# - timestamp = the POSIX time of cosigning, u64 big-endian, at most 2^63 - 1;
# - sig = Ed25519 over "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint's note
#   body (every line up to the blank line, extension lines included).
#
# The message does not commit to the cosigner's name, so one key must serve one cosigner name
# only. Verifiers ignore lines from unknown keys (name and key ID not both known); a line from
# a known key that does not verify is a problem to report, never a cosignature to count.

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from connectors.base.tlog.checkpoint import key_hash, parse_vkey, split_note, vkey

ALG_COSIGNATURE_V1 = 0x04
"""Signature type byte of Ed25519 tlog-cosignature/v1 key IDs and verifier keys."""

MAX_TIMESTAMP = 2**63 - 1
FUTURE_SKEW = 600
"""Seconds a cosignature's timestamp may run ahead of the verifier's clock."""

_BLOB_SIZE = 4 + 8 + 64


def cosignature_message(body: str, timestamp: int) -> bytes:
    """What a cosigner signs: the header line, the time line, then the checkpoint body."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"cosignature timestamp {timestamp} is outside 0..2^63-1")
    if not body.endswith("\n"):
        raise ValueError("a checkpoint body ends with a newline")
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode("utf-8")


@dataclass(frozen=True)
class CosignerKey:
    """A cosigner's name and Ed25519 public key, as a type-0x04 verifier key names them."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> CosignerKey:
        name, key_id, public_key = parse_vkey(text.strip(), ALG_COSIGNATURE_V1)
        return cls(name, key_id, public_key)

    @classmethod
    def of(cls, name: str, public_key: Ed25519PublicKey) -> CosignerKey:
        return cls(name, key_hash(name, public_key, ALG_COSIGNATURE_V1), public_key)

    @property
    def vkey(self) -> str:
        return vkey(self.name, self.public_key, ALG_COSIGNATURE_V1)


def cosign(body: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """One cosignature line (``"— <name> <base64>\\n"``) on the checkpoint ``body``."""
    key = CosignerKey.of(name, private_key.public_key())
    signature = private_key.sign(cosignature_message(body, timestamp))
    blob = key.key_id + timestamp.to_bytes(8, "big") + signature
    return f"— {name} {base64.b64encode(blob).decode('ascii')}\n"


def verify_cosignature(
    body: str, key: CosignerKey, blob: bytes, *, now: float | None = None
) -> int:
    """The timestamp of ``blob`` (key ID ‖ timestamp ‖ signature) once it verifies as ``key``'s
    cosignature on ``body``; ``ValueError`` otherwise."""
    if len(blob) != _BLOB_SIZE:
        raise ValueError(f"a cosignature is {_BLOB_SIZE} bytes, this one {len(blob)}")
    if blob[:4] != key.key_id:
        raise ValueError(f"key ID {blob[:4].hex()} is not {key.name}'s {key.key_id.hex()}")
    timestamp = int.from_bytes(blob[4:12], "big")
    if timestamp > MAX_TIMESTAMP:
        raise ValueError(f"timestamp {timestamp} is beyond 2^63-1")
    if timestamp > (time.time() if now is None else now) + FUTURE_SKEW:
        raise ValueError(f"timestamp {timestamp} is in the future")
    try:
        key.public_key.verify(blob[12:], cosignature_message(body, timestamp))
    except InvalidSignature:
        raise ValueError("the signature does not verify") from None
    return timestamp


@dataclass
class Cosignatures:
    """What a note's signature lines say about the cosigners one trusts."""

    valid: dict[str, int]  # cosigner name -> timestamp
    problems: list[str]  # lines from a known cosigner key that do not verify


def check_lines(
    body: str, lines: list[tuple[str, bytes]], keys: list[CosignerKey], *, now: float | None = None
) -> Cosignatures:
    """Check signature lines ``(name, raw blob)`` as cosignatures on ``body`` by ``keys``."""
    known = {(k.name, k.key_id): k for k in keys}
    out = Cosignatures({}, [])
    for name, blob in lines:
        key = known.get((name, blob[:4]))
        if key is None:
            continue  # the log's own signature, or a cosigner nobody asked us to trust
        try:
            timestamp = verify_cosignature(body, key, blob, now=now)
        except ValueError as exc:
            out.problems.append(f"the cosignature of {name} does not verify ({exc})")
            continue
        if name in out.valid:
            out.problems.append(f"two cosignatures of {name}")
            continue
        out.valid[name] = timestamp
    return out


def open_cosignatures(
    note: str, keys: list[CosignerKey], *, now: float | None = None
) -> Cosignatures:
    """Check every signature line of ``note`` that comes from one of ``keys``."""
    body, signatures = split_note(note)
    return check_lines(body, [(n, i + s) for n, i, s in signatures], keys, now=now)


def parse_lines(text: str) -> list[tuple[str, bytes]]:
    """``(name, raw blob)`` of each ``"— <name> <base64>"`` line (a witness's answer)."""
    out = []
    if not text.endswith("\n"):
        raise ValueError("signature lines end with a newline")
    for number, line in enumerate(text[:-1].split("\n"), start=1):
        if not line.startswith("— "):
            raise ValueError(f"line {number} is not a signature line")
        name, sep, encoded = line[2:].partition(" ")
        if not sep or not name:
            raise ValueError(f"line {number} has no key name and signature")
        try:
            blob = base64.b64decode(encoded.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error):
            raise ValueError(f"line {number} is not base64") from None
        out.append((name, blob))
    return out
