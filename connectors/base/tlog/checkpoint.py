"""C2SP tlog-checkpoint bodies signed as C2SP signed notes with Ed25519 (c2sp.org/tlog-checkpoint, c2sp.org/signed-note)."""

# A checkpoint body is three lines, "<origin>\n<size>\n<base64 root>\n", optionally followed
# by non-empty extension lines (accepted when parsing, never produced). A signed note is
# the body, a blank line, then signature lines "— <key name> <base64(key ID ‖ sig)>\n";
# the signature covers the body bytes up to and including its final newline. The note is
# split at its LAST blank line, as the spec and Go's golang.org/x/mod/sumdb/note do.
#
# For Ed25519 the key ID is SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4] and a
# verifier key ("vkey") is "<name>+<hex key ID>+<base64(0x01 ‖ public key)>".
#
# Opening a note follows the spec: signatures from unknown keys (name and key ID not both
# matching a known key) are ignored; a signature from a known key that does not verify
# rejects the whole note; a note with no verified signature from a known key is rejected.
# Like Go's implementation, a second signature line from the same known key is rejected.

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from connectors.base.tlog.merkle import HASH_SIZE

__all__ = [
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "Checkpoint",
    "add_signatures",
    "key_hash",
    "open_checkpoint",
    "open_note",
    "parse_checkpoint",
    "parse_vkey",
    "sign_note",
    "split_note",
    "vkey",
]

ALG_ED25519 = 0x01
"""Signature type byte of Ed25519 in signed-note key IDs and verifier keys."""

MAX_SIGNATURES = 100
"""Most signature lines a note may carry (the spec demands at least 16; Go allows 100)."""

_SIG_PREFIX = "— "  # U+2014 EM DASH, then a space
_ED25519_SIG_SIZE = 64
_MAX_TREE_SIZE = 2**64 - 1
_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,19}")
_KEY_HASH_RE = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f]")


def _check_text(text: str, what: str) -> None:
    """Signed notes are UTF-8 without ASCII control characters other than newline."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{what} is not valid UTF-8") from exc
    bad = _CONTROL_RE.search(text)
    if bad:
        raise ValueError(f"{what} contains control character U+{ord(bad.group()):04X}")


def _check_name(name: str) -> None:
    """Key names are non-empty and contain neither Unicode spaces nor '+'."""
    if not isinstance(name, str) or not name:
        raise ValueError("key name must be a non-empty string")
    if any(ch.isspace() or ch == "+" for ch in name):
        raise ValueError(f"key name {name!r} must not contain spaces or '+'")
    _check_text(name, f"key name {name!r}")


def _b64decode(text: str, what: str) -> bytes:
    """Standard base64 with padding, rejecting any non-canonical encoding."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"{what} is not canonical base64")
    return raw


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    if not isinstance(public_key, Ed25519PublicKey):
        raise TypeError(f"expected an Ed25519PublicKey, got {type(public_key).__name__}")
    return public_key.public_bytes_raw()


def key_hash(name: str, public_key: Ed25519PublicKey, alg: int = ALG_ED25519) -> bytes:
    """The 4-byte key ID: ``SHA-256(name ‖ 0x0A ‖ alg ‖ public key)[:4]`` (``alg`` 0x01 for a
    note signature, 0x04 for a tlog-cosignature/v1 cosignature)."""
    _check_name(name)
    raw = _raw_public_key(public_key)
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + raw).digest()[:4]


def vkey(name: str, public_key: Ed25519PublicKey, alg: int = ALG_ED25519) -> str:
    """The verifier key string ``<name>+<hex key ID>+<base64(alg ‖ public key)>``."""
    raw = _raw_public_key(public_key)
    return f"{name}+{key_hash(name, public_key, alg).hex()}+{_b64encode(bytes([alg]) + raw)}"


def parse_vkey(s: str, alg: int = ALG_ED25519) -> tuple[str, bytes, Ed25519PublicKey]:
    """``(name, key ID, public key)`` of a verifier key string of signature type ``alg``;
    ``ValueError`` when malformed or of another type."""
    name, sep1, rest = s.partition("+")
    key_id_hex, sep2, key_b64 = rest.partition("+")
    if not (sep1 and sep2):
        raise ValueError("verifier key must have the form <name>+<hex key ID>+<base64 key>")
    _check_name(name)
    if not _KEY_HASH_RE.fullmatch(key_id_hex):
        raise ValueError(f"verifier key ID {key_id_hex!r} is not 8 hexadecimal digits")
    key = _b64decode(key_b64, "verifier public key")
    if len(key) != 1 + 32 or key[0] != alg:
        raise ValueError(
            f"verifier public key is not 0x{alg:02x} followed by a 32-byte Ed25519 key"
        )
    public_key = Ed25519PublicKey.from_public_bytes(key[1:])
    expected = key_hash(name, public_key, alg)
    if bytes.fromhex(key_id_hex) != expected:
        raise ValueError(
            f"verifier key ID {key_id_hex} does not match the key (expected {expected.hex()})"
        )
    return name, expected, public_key


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: its origin line, tree size and RFC 6962 root hash."""

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin:
            raise ValueError("checkpoint origin must be a non-empty string")
        if "\n" in self.origin:
            raise ValueError("checkpoint origin must be a single line")
        _check_text(self.origin, "checkpoint origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise ValueError(f"checkpoint tree size must be an integer, got {self.size!r}")
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise ValueError(f"checkpoint tree size {self.size} is outside 0..2^64-1")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise ValueError(f"checkpoint root hash must be {HASH_SIZE} bytes")

    def body(self) -> str:
        """The note text ``"<origin>\\n<size>\\n<base64 root>\\n"``."""
        return f"{self.origin}\n{self.size}\n{_b64encode(self.root)}\n"


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse a checkpoint note body strictly; extension lines are checked, then dropped."""
    if not body.endswith("\n"):
        raise ValueError("checkpoint body must end with a newline")
    _check_text(body, "checkpoint body")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise ValueError(
            f"checkpoint body needs origin, tree size and root hash lines, got {len(lines)} line(s)"
        )
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise ValueError("checkpoint origin line is empty")
    if not _SIZE_RE.fullmatch(size_text):
        raise ValueError(
            f"checkpoint tree size {size_text!r} is not a decimal number without leading zeros"
        )
    size = int(size_text)
    if size > _MAX_TREE_SIZE:
        raise ValueError(f"checkpoint tree size {size} does not fit in 64 bits")
    root = _b64decode(root_text, "checkpoint root hash")
    if len(root) != HASH_SIZE:
        raise ValueError(f"checkpoint root hash is {len(root)} bytes, expected {HASH_SIZE}")
    for number, line in enumerate(extensions, start=4):
        if not line:
            raise ValueError(f"checkpoint line {number} (an extension line) is empty")
    return Checkpoint(origin=origin, size=size, root=root)


def sign_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note: ``body``, a blank line, and one Ed25519 signature line by ``name``."""
    _check_name(name)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise TypeError(f"expected an Ed25519PrivateKey, got {type(private_key).__name__}")
    if not body.endswith("\n"):
        raise ValueError("note body must end with a newline")
    _check_text(body, "note body")
    signature = private_key.sign(body.encode("utf-8"))
    key_id = key_hash(name, private_key.public_key())
    return f"{body}\n{_SIG_PREFIX}{name} {_b64encode(key_id + signature)}\n"


def split_note(note: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """``(body, [(key name, 4-byte key ID, signature), ...])`` of a signed note, unverified."""
    _check_text(note, "signed note")
    if not note.endswith("\n"):
        raise ValueError("signed note must end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise ValueError("signed note has no blank line between its text and its signatures")
    body, signature_block = note[: split + 1], note[split + 2 :]
    if not signature_block:
        raise ValueError("signed note has no signature lines")
    lines = signature_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise ValueError(f"signed note has {len(lines)} signatures, at most {MAX_SIGNATURES}")
    signatures: list[tuple[str, bytes, bytes]] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(_SIG_PREFIX):
            raise ValueError(f"signature line {number} does not start with '— '")
        name, sep, encoded = line[len(_SIG_PREFIX) :].partition(" ")
        if not sep:
            raise ValueError(f"signature line {number} has no space between key name and signature")
        _check_name(name)
        raw = _b64decode(encoded, f"signature line {number}")
        if len(raw) < 5:
            raise ValueError(f"signature line {number} is too short for a key ID and a signature")
        signatures.append((name, raw[:4], raw[4:]))
    return body, signatures


def open_note(note: str, verifier_keys: Sequence[str]) -> str:
    """The body of ``note`` once a signature from one of ``verifier_keys`` verifies; else ``ValueError``."""
    if isinstance(verifier_keys, str):
        raise TypeError("verifier_keys must be a list of verifier key strings, not one string")
    known: dict[tuple[str, bytes], Ed25519PublicKey] = {}
    for key in verifier_keys:
        name, key_id, public_key = parse_vkey(key)
        previous = known.get((name, key_id))
        if previous is not None and previous.public_bytes_raw() != public_key.public_bytes_raw():
            raise ValueError(f"two verifier keys share the name {name!r} and key ID {key_id.hex()}")
        known[(name, key_id)] = public_key
    if not known:
        raise ValueError("no verifier keys given")
    body, signatures = split_note(note)
    message = body.encode("utf-8")
    verified: set[tuple[str, bytes]] = set()
    for name, key_id, signature in signatures:
        known_key = known.get((name, key_id))
        if known_key is None:
            continue  # the spec: ignore signatures from unknown keys
        if (name, key_id) in verified:
            raise ValueError(f"signed note has two signatures from key {name}+{key_id.hex()}")
        if len(signature) != _ED25519_SIG_SIZE:
            raise ValueError(f"signature from key {name}+{key_id.hex()} is not 64 bytes")
        try:
            known_key.verify(signature, message)
        except InvalidSignature:
            raise ValueError(f"signature from key {name}+{key_id.hex()} does not verify") from None
        verified.add((name, key_id))
    if not verified:
        raise ValueError("signed note has no signature from a known key")
    return body


def add_signatures(note: str, lines: str) -> str:
    """``note`` with further signature lines (each ``"— <name> <base64>\\n"``) appended."""
    if not lines:
        return note
    if not note.endswith("\n") or not lines.endswith("\n"):
        raise ValueError("a note and its signature lines end with a newline")
    combined = note + lines
    split_note(combined)  # the result must still be a well-formed note
    return combined


def open_checkpoint(note: str, verifier_keys: list[str]) -> Checkpoint:
    """``parse_checkpoint(open_note(note, verifier_keys))``."""
    return parse_checkpoint(open_note(note, verifier_keys))
