"""Audit keys: subject encryption (AES-GCM), the keyed blind index (HMAC), checkpoint signing.

One 32-byte master key (a file, base64) yields two sub-keys by HKDF, so the encryption and the
blind index never share a key. Checkpoints are signed with an Ed25519 key (PEM).
"""

from __future__ import annotations

import base64
import functools
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_AAD = b"fyt-audit-subject"


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(master)


def write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def generate_audit_keys(master_path: Path, signing_path: Path) -> None:
    """Create the master key and the checkpoint signing key if they do not exist."""
    if not master_path.exists():
        write_secret(master_path, base64.b64encode(os.urandom(32)) + b"\n")
    if not signing_path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_secret(signing_path, pem)
        signing_path.with_suffix(".pub").write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


@dataclass(frozen=True)
class AuditKeys:
    encryption: bytes
    index: bytes
    signing: Ed25519PrivateKey
    origin: str

    @classmethod
    def load(cls, master_path: Path, signing_path: Path, origin: str) -> AuditKeys:
        try:
            master = base64.b64decode(master_path.read_bytes().strip(), validate=True)
        except FileNotFoundError:
            raise ValueError(
                f"no audit key at {master_path}; set HUB_AUDIT_KEY_FILE (32 random bytes, base64)"
            ) from None
        except ValueError:
            raise ValueError(f"{master_path} must hold 32 bytes in base64") from None
        if len(master) != 32:
            raise ValueError(f"{master_path} must hold 32 bytes in base64, got {len(master)}")
        try:
            signing = serialization.load_pem_private_key(signing_path.read_bytes(), password=None)
        except FileNotFoundError:
            raise ValueError(
                f"no checkpoint signing key at {signing_path}; set HUB_AUDIT_SIGNING_KEY"
            ) from None
        if not isinstance(signing, Ed25519PrivateKey):
            raise ValueError(f"{signing_path} is not an Ed25519 private key")
        return cls(
            encryption=_derive(master, b"fyt audit subject encryption"),
            index=_derive(master, b"fyt audit blind index"),
            signing=signing,
            origin=origin,
        )

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing.public_key()

    def blind_index(self, subject_id: str) -> str:
        """Deterministic, keyed: auditors can search by subject without the id being stored."""
        return hmac.digest(self.index, subject_id.encode(), "sha256").hex()

    @functools.cached_property
    def _aead(self) -> AESGCM:
        return AESGCM(self.encryption)

    def encrypt(self, subject_id: str, nonce: bytes | None = None) -> str:
        """AES-GCM under a fresh random 96-bit nonce (``nonce``: one drawn by the caller from
        os.urandom, for many at once)."""
        nonce = nonce or os.urandom(12)
        sealed = self._aead.encrypt(nonce, subject_id.encode(), _AAD)
        return base64.b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:12], raw[12:], _AAD).decode()
