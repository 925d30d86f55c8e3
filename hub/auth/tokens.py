"""Bearer JWTs (EdDSA): key files, minting for development, verification with precise refusals."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from connectors.base.identifiers import InvalidIdentifier, validate_id_number, validate_uscc
from hub.errors import Unauthenticated

ALGORITHM = "EdDSA"
# Always matched with fullmatch: ``re.match`` with ``$`` lets a trailing "\n" through.
# An enterprise that is a party (企业纾困360) is ``enterprise:<its USCC>``: the code keeps its
# upper case, and the USCC itself is checked (GB 32100) by :func:`check_party_claims`.
# A bank is ``bank:<code>``, the name of its connector (``bank:102``).
ORG_PATTERN = re.compile(
    r"(court|agency|hub):[a-z0-9_]{1,32}|bank:[0-9a-z]{1,32}|enterprise:[0-9A-Z]{18}"
)
ORG_EXAMPLES = "'court:370602', 'agency:real_estate', 'bank:102' or 'enterprise:<USCC>'"
ROLE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,47}")
MAX_TOKEN_LENGTH = 8 * 1024  # characters of a token, checked before anything is decoded
MAX_ROLES = 32
MAX_LIFETIME = timedelta(hours=12)  # the default of HUB_MAX_TOKEN_LIFETIME
DEVELOPMENT_KID_PREFIX = "dev-"  # key ids of the signing keys `fyt serve --demo` creates
# A compact JWS (RFC 7515 §7.1): three base64url parts. Nothing else reaches a decoder.
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# `typ` values accepted (RFC 7519 §5.1, RFC 9068 §2.1), compared in lower case.
_TYPES = frozenset({"jwt", "application/jwt", "at+jwt", "application/at+jwt"})
_MAX_KID = 128
_MAX_JTI = 128
_CACHE_LIMIT = 10_000
log = logging.getLogger(__name__)


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
        """The connector the caller acts for: an agency's name, or a bank's ``bank:<code>``
        (the orders addressed to it name the same)."""
        kind, _, name = self.org.partition(":")
        if kind == "bank":
            return self.org
        return name if kind == "agency" else None

    @property
    def enterprise(self) -> str | None:
        """The USCC of the enterprise an enterprise party's person acts for (org
        ``enterprise:<USCC>``); None for courts, agencies and the hub."""
        kind, _, uscc = self.org.partition(":")
        return uscc if kind == "enterprise" else None


def check_party_claims(sub: str, org: str) -> str | None:
    """The problem with an enterprise party's claims, or None (also None for other orgs).

    An enterprise party (企业纾困360) is a person acting for an enterprise: ``org`` is
    ``enterprise:<USCC>`` with a valid unified social credit code (GB 32100) and ``sub`` is the
    authorised person's ID number (GB 11643), both exactly as written by the validators (upper
    case, no spaces), so one person and one enterprise have one spelling in the audit log."""
    kind, _, uscc = org.partition(":")
    if kind != "enterprise":
        return None
    try:
        if validate_uscc(uscc) != uscc:
            return "the USCC in 'org' must be written in upper case without spaces"
    except InvalidIdentifier as exc:
        return f"'org' must name the enterprise by a valid USCC: {exc.message}"
    try:
        if validate_id_number(sub) != sub:
            return "'sub' must be the ID number in upper case without spaces"
    except InvalidIdentifier as exc:
        return f"'sub' of an enterprise party must be the person's ID number: {exc.message}"
    return None


# --- key files ----------------------------------------------------------------------------


def generate_signing_key(private_path: Path, jwks_path: Path, *, development: bool = False) -> str:
    """Write a new Ed25519 signing key (PEM, mode 0600) and its public JWKS; return the key id.

    A ``development`` key (made by ``fyt serve --demo``) has a key id starting with ``dev-``, so
    a production hub can tell that its JWKS still trusts it and refuse to start.
    """
    key = Ed25519PrivateKey.generate()
    kid = (DEVELOPMENT_KID_PREFIX if development else "") + uuid.uuid4().hex[:16]
    private_path.parent.mkdir(parents=True, exist_ok=True)
    jwks_path.parent.mkdir(parents=True, exist_ok=True)
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
        pem_key = serialization.load_pem_public_key(raw)
        if isinstance(pem_key, Ed25519PublicKey):
            keys[None] = pem_key
    if not keys:
        raise ValueError(f"{path} holds no Ed25519 public key")
    return keys


def describe_duration(value: timedelta) -> str:
    """A lifetime in the units people use: ``12h``, ``30m``, ``1h30m``, ``45s``, ``30d``."""
    seconds = int(value.total_seconds())
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)


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
    if not ORG_PATTERN.fullmatch(org):
        raise ValueError(f"org must look like {ORG_EXAMPLES}, got {org!r}")
    problem = check_party_claims(sub, org)
    if problem is not None:
        raise ValueError(problem)
    if not roles or not all(ROLE_PATTERN.fullmatch(r) for r in roles):
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


def _malformed(message: str) -> NoReturn:
    raise Unauthenticated(message, reason="MALFORMED")


def _shown(value: object) -> str:
    """A value from a token, for a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            _malformed(f"token header repeats the member {_shown(name)}")
        out[name] = value
    return out


def _header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact token, read by the hub itself (every oddity is a 401)."""
    encoded = token.partition(".")[0]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        _malformed("malformed token: the header is not base64url")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError):
        _malformed("malformed token: the header is not JSON")
    if not isinstance(header, dict):
        _malformed("malformed token: the header must be a JSON object")
    return header


def _check_header(header: dict[str, Any]) -> str | None:
    """Refuse what the hub does not do; return the key id."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg != ALGORITHM:
        _malformed(f"token algorithm must be {ALGORITHM}, got {_shown(alg)}")
    if "crit" in header:
        # RFC 7515 §4.1.11: extensions listed as critical must be understood; the hub
        # understands none, so any `crit` refuses the token.
        _malformed(
            f"token header lists critical extensions (crit {_shown(header['crit'])}) the hub"
            " does not support (RFC 7515 §4.1.11)"
        )
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in _TYPES):
        _malformed(f"token header 'typ' must be JWT when present, got {_shown(typ)}")
    kid = header.get("kid")
    if kid is not None and (not isinstance(kid, str) or not kid or len(kid) > _MAX_KID):
        _malformed(
            f"token header 'kid' must be a key id (a string of 1-{_MAX_KID} characters),"
            f" got {_shown(kid)}"
        )
    return kid


def _seconds(claims: dict[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _malformed(
            f"token claim {name!r} must be a number of seconds since 1970, got {_shown(value)}"
        )
    return float(value)


CLOCK_SKEW = 30  # seconds an issuer's clock may run ahead of the hub's (a token's iat and nbf)


class TokenVerifier:
    """Verifies bearer tokens; a verified token is remembered until it expires (or until the
    keys change: :meth:`forget`). ``keys`` is read on every verification, so a mapping whose
    contents change (:class:`hub.auth.jwks.ProviderKeys`) is followed as it changes.

    A token is refused from its ``exp`` on, exactly: the operations of a request, and of a
    websocket, are refused from that second too (:mod:`hub.graphql.audit_trail`), so no leeway
    there could let a request through. Its ``iat`` and ``nbf`` may be up to ``leeway`` seconds
    ahead of the hub's clock (an identity provider whose clock runs ahead)."""

    def __init__(
        self,
        keys: Mapping[str | None, Ed25519PublicKey],
        *,
        issuer: str,
        audience: str,
        leeway: int = CLOCK_SKEW,
        max_lifetime: timedelta = MAX_LIFETIME,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._max_lifetime = max_lifetime
        self._cache: dict[str, Principal] = {}

    def forget(self) -> None:
        """Drop every remembered token: the keys changed, and one may have been withdrawn."""
        self._cache.clear()

    def verify_header(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthenticated(
                "missing bearer token: send the header 'Authorization: Bearer <JWT>'"
                " (mint one with `fyt token issue`, demo tokens with `fyt demo info`)",
                reason="MISSING",
            )
        if len(authorization) > MAX_TOKEN_LENGTH + 64:
            _malformed(
                f"the Authorization header is too long: a token has at most {MAX_TOKEN_LENGTH}"
                " characters"
            )
        # RFC 7235: credentials = auth-scheme 1*SP token68; the scheme is case-insensitive.
        scheme, _, token = authorization.strip(" \t").partition(" ")
        token = token.lstrip(" ")
        if not scheme.isascii() or scheme.lower() != "bearer" or not token:
            _malformed("the Authorization header must be 'Bearer <JWT>'")
        return self.verify(token)

    def verify(self, token: str) -> Principal:
        if len(token) > MAX_TOKEN_LENGTH:
            _malformed(f"token is too long: a token has at most {MAX_TOKEN_LENGTH} characters")
        hit = self._cache.get(token)
        if hit is not None:
            if hit.expires_at.timestamp() > time.time():
                return hit
            del self._cache[token]
        try:
            principal = self._verify(token)
        except Unauthenticated:
            raise
        except Exception as exc:  # a decoder's surprise must not become a 500 per request
            log.warning("token refused: %s while reading it", type(exc).__name__)
            _malformed("malformed token: it could not be read")
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = principal
        return principal

    def _verify(self, token: str) -> Principal:
        if not _COMPACT.fullmatch(token):
            _malformed(
                "malformed token: a token is three base64url parts joined by dots"
                " (header.claims.signature), without spaces or other characters"
            )
        kid = _check_header(_header(token))
        key = self._keys.get(kid)
        if key is None and kid is not None and None in self._keys:
            key = self._keys[None]
        if key is None:
            raise Unauthenticated(
                f"token key id {_shown(kid)} is not among the hub's keys", reason="BAD_SIGNATURE"
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": ["sub", "exp", "iat", "iss", "aud", "org", "roles"],
                    # exp, iat, nbf, sub and jti are checked below, with their types
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_sub": False,
                    "verify_jti": False,
                },
            )
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
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"malformed token: {exc}", reason="MALFORMED") from None
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        exp, iat = _seconds(claims, "exp"), _seconds(claims, "iat")
        nbf = _seconds(claims, "nbf") if "nbf" in claims else iat
        now = time.time()
        if max(iat, nbf) > now + self._leeway:
            _malformed("token is not valid yet (nbf/iat in the future)")
        if exp <= iat:
            _malformed("token claim 'exp' must come after 'iat'")
        if exp <= now:
            raise Unauthenticated(
                "token expired; mint a new one (fyt token issue)", reason="EXPIRED"
            )
        lifetime = timedelta(seconds=exp - iat)
        if lifetime > self._max_lifetime:
            _malformed(
                f"token lifetime (exp - iat) of {describe_duration(lifetime)} exceeds the hub's"
                f" maximum of {describe_duration(self._max_lifetime)} (HUB_MAX_TOKEN_LIFETIME);"
                " mint a shorter-lived token"
            )
        sub, org, roles = claims["sub"], claims["org"], claims["roles"]
        if (
            not isinstance(sub, str)
            or not 1 <= len(sub) <= 64
            or not sub.isprintable()
            or sub != sub.strip()
        ):
            _malformed(
                "token claim 'sub' must be a user id of 1-64 printable characters"
                " without surrounding spaces"
            )
        if not isinstance(org, str) or not ORG_PATTERN.fullmatch(org):
            _malformed(f"token claim 'org' must look like {ORG_EXAMPLES}")
        problem = check_party_claims(sub, org)
        if problem is not None:
            _malformed(f"token of an enterprise party: {problem}")
        if not isinstance(roles, list) or not 1 <= len(roles) <= MAX_ROLES:
            _malformed(f"token claim 'roles' must be a list of 1-{MAX_ROLES} role names")
        if not all(isinstance(r, str) and ROLE_PATTERN.fullmatch(r) for r in roles):
            _malformed(
                "token claim 'roles' must hold role names such as enforcement_judge"
                " (lower-case letters, digits, underscores)"
            )
        jti = claims.get("jti")
        if jti is not None and (not isinstance(jti, str) or not 1 <= len(jti) <= _MAX_JTI):
            _malformed(f"token claim 'jti' must be a string of 1-{_MAX_JTI} characters")
        return Principal(
            sub=sub,
            org=org,
            roles=tuple(roles),
            expires_at=datetime.fromtimestamp(int(exp), UTC),
            token_id=jti,
        )
