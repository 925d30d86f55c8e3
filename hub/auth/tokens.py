"""Bearer JWTs (EdDSA): key files, minting for development, verification with precise refusals."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from hub.errors import Unauthenticated

ALGORITHM = "EdDSA"
ORG_PATTERN = re.compile(r"^(court|agency|hub):[a-z0-9_]{1,32}$")
ROLE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_CACHE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the verified claims of their token."""

    sub: str
    org: str
    roles: tuple[str, ...]
    expires_at: datetime
    token_id: str | None = None

    @property
    def court_code(self) -> str | None:
        kind, _, code = self.org.partition(":")
        return code if kind == "court" else None

    @property
    def agency(self) -> str | None:
        kind, _, name = self.org.partition(":")
        return name if kind == "agency" else None


# --- key files ----------------------------------------------------------------------------


def generate_signing_key(private_path: Path, jwks_path: Path) -> str:
    """Write a new Ed25519 signing key (PEM, mode 0600) and its public JWKS; return the key id."""
    key = Ed25519PrivateKey.generate()
    kid = uuid.uuid4().hex[:16]
    private_path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private_path.write_bytes(pem)
    private_path.chmod(0o600)
    private_path.with_suffix(".kid").write_text(kid + "\n")
    jwk = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "use": "sig", "alg": ALGORITHM})
    keys = []
    if jwks_path.exists():
        keys = json.loads(jwks_path.read_text()).get("keys", [])
    jwks_path.write_text(json.dumps({"keys": [*keys, jwk]}, indent=2) + "\n")
    return kid


def load_private_key(path: Path) -> tuple[Ed25519PrivateKey, str | None]:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ValueError(
            f"no signing key at {path}; run `fyt serve --demo` once or set HUB_JWT_PRIVATE_KEY"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key (tokens are signed with EdDSA)")
    kid_file = path.with_suffix(".kid")
    kid = kid_file.read_text().strip() if kid_file.exists() else None
    return key, kid


def load_public_keys(path: Path) -> dict[str | None, Ed25519PublicKey]:
    """Public keys by key id from a JWKS (JSON) or PEM file; a PEM key has no id (``None``)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(
            f"no public keys at {path}; set HUB_JWT_PUBLIC_KEYS to a JWKS or PEM file"
        ) from None
    keys: dict[str | None, Ed25519PublicKey] = {}
    if raw.lstrip().startswith(b"{"):
        for jwk in json.loads(raw).get("keys", []):
            key = OKPAlgorithm.from_jwk(jwk)
            if isinstance(key, Ed25519PublicKey):
                keys[jwk.get("kid")] = key
    else:
        key = serialization.load_pem_public_key(raw)
        if isinstance(key, Ed25519PublicKey):
            keys[None] = key
    if not keys:
        raise ValueError(f"{path} holds no Ed25519 public key")
    return keys


# --- minting --------------------------------------------------------------------------------


def issue_token(
    *,
    private_key: Ed25519PrivateKey,
    kid: str | None,
    sub: str,
    org: str,
    roles: list[str] | tuple[str, ...],
    ttl: timedelta,
    issuer: str,
    audience: str,
    now: datetime | None = None,
) -> str:
    if not sub or len(sub) > 64:
        raise ValueError("sub must be 1-64 characters")
    if not ORG_PATTERN.match(org):
        raise ValueError(f"org must look like 'court:370602' or 'agency:real_estate', got {org!r}")
    if not roles or not all(ROLE_PATTERN.match(r) for r in roles):
        raise ValueError("roles must be one or more lower-case names such as enforcement_judge")
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    issued = now or datetime.now(UTC)
    claims = {
        "sub": sub,
        "org": org,
        "roles": list(roles),
        "iss": issuer,
        "aud": audience,
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers=headers)


# --- verification ---------------------------------------------------------------------------


class TokenVerifier:
    """Verifies bearer tokens; a verified token is remembered until it expires."""

    def __init__(
        self,
        keys: dict[str | None, Ed25519PublicKey],
        *,
        issuer: str,
        audience: str,
        leeway: int = 30,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._cache: dict[str, Principal] = {}

    def verify_header(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthenticated(
                "missing bearer token: send the header 'Authorization: Bearer <JWT>'"
                " (mint one with `fyt token issue`, demo tokens with `fyt demo info`)",
                reason="MISSING",
            )
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "the Authorization header must be 'Bearer <JWT>'", reason="MALFORMED"
            )
        return self.verify(token.strip())

    def verify(self, token: str) -> Principal:
        hit = self._cache.get(token)
        if hit is not None:
            if hit.expires_at.timestamp() + self._leeway > time.time():
                return hit
            del self._cache[token]
        principal = self._verify(token)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = principal
        return principal

    def _verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise Unauthenticated(f"malformed token: {exc}", reason="MALFORMED") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated(
                f"token algorithm must be {ALGORITHM}, got {header.get('alg')!r}",
                reason="MALFORMED",
            )
        kid = header.get("kid")
        key = self._keys.get(kid)
        if key is None and kid is not None and None in self._keys:
            key = self._keys[None]
        if key is None:
            raise Unauthenticated(
                f"token key id {kid!r} is not among the hub's keys", reason="BAD_SIGNATURE"
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["sub", "exp", "iat", "iss", "aud", "org", "roles"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated(
                "token expired; mint a new one (fyt token issue)", reason="EXPIRED"
            ) from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated(
                "token signature does not verify with the hub's keys", reason="BAD_SIGNATURE"
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(
                f"token lacks the required claim {exc.claim!r}", reason="MALFORMED"
            ) from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(
                f"token audience must be {self._audience!r}", reason="MALFORMED"
            ) from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated(
                f"token issuer must be {self._issuer!r}", reason="MALFORMED"
            ) from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated(
                "token is not valid yet (nbf/iat in the future)", reason="MALFORMED"
            ) from None
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"malformed token: {exc}", reason="MALFORMED") from None
        return _principal(claims)


def _principal(claims: dict[str, Any]) -> Principal:
    sub, org, roles = claims["sub"], claims["org"], claims["roles"]
    if not isinstance(sub, str) or not sub or len(sub) > 64:
        raise Unauthenticated(
            "token claim 'sub' must be a user id of 1-64 characters", reason="MALFORMED"
        )
    if not isinstance(org, str) or not ORG_PATTERN.match(org):
        raise Unauthenticated(
            "token claim 'org' must look like 'court:370602' or 'agency:real_estate'",
            reason="MALFORMED",
        )
    if (
        not isinstance(roles, list)
        or not roles
        or not all(isinstance(r, str) and ROLE_PATTERN.match(r) for r in roles)
    ):
        raise Unauthenticated(
            "token claim 'roles' must be a non-empty list of role names", reason="MALFORMED"
        )
    return Principal(
        sub=sub,
        org=org,
        roles=tuple(roles),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        token_id=claims.get("jti"),
    )
