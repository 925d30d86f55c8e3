"""Runtime settings, read from the environment (``HUB_*``) with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors import registry

ENVIRONMENTS = ("development", "production")
POLICY_DIR = Path(__file__).resolve().parents[1] / "policies"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _float(env: Mapping[str, str], name: str, default: float, *, allow_zero: bool = False) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return value


def _hours(raw: str) -> tuple[str, str]:
    start, sep, end = raw.partition("-")
    try:
        if not sep:
            raise ValueError
        for value in (start, end):
            datetime.strptime(value.strip(), "%H:%M")
    except ValueError:
        raise ConfigError(
            f"HUB_WORKING_HOURS must look like 08:30-17:30 (Asia/Shanghai), got {raw!r}"
        ) from None
    return start.strip(), end.strip()


def async_url(url: str) -> str:
    """Map a plain database URL to the async driver the hub uses."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


@dataclass(frozen=True, slots=True)
class ConnectorSettings:
    url: str  # the agency database (embedded source)
    timeout: float  # seconds per batch look-up


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str  # the hub database, async driver URL
    env: str = "development"
    jwt_public_keys: Path | None = None  # JWKS (.json) or PEM public key(s)
    jwt_private_key: Path | None = None  # PEM private key, for `fyt token issue`
    jwt_issuer: str = "fyt-hub"
    jwt_audience: str = "fyt-hub"
    connectors: dict[str, ConnectorSettings] = field(default_factory=dict)
    max_reference_depth: int = 3
    max_batch_subjects: int = 1000
    max_query_depth: int = 12
    max_aliases: int = 50
    max_tokens: int = 5_000
    max_query_cost: int = 50_000
    max_batch_operations: int = 10
    policy_dir: Path = field(default_factory=lambda: POLICY_DIR)
    purpose_cache_seconds: float = 5.0
    audit_key_file: Path | None = None  # 32 random bytes, base64 (subject encryption, blind index)
    audit_signing_key: Path | None = None  # Ed25519 PEM for checkpoints
    audit_origin: str = "fyt-hub.local/audit"
    working_hours: tuple[str, str] = ("08:30", "17:30")  # Asia/Shanghai, Monday to Friday
    bulk_subjects_per_hour: int = 200
    denied_burst: int = 5  # denied attempts within a minute that make a burst

    @property
    def limits(self) -> Any:
        from hub.graphql.limits import Limits

        return Limits(
            max_depth=self.max_query_depth,
            max_reference_depth=self.max_reference_depth,
            max_aliases=self.max_aliases,
            max_tokens=self.max_tokens,
            max_cost=self.max_query_cost,
            max_batch_operations=self.max_batch_operations,
        )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.keys_dir / "audit.key"

    @property
    def audit_signing_path(self) -> Path:
        return self.audit_signing_key or self.keys_dir / "audit-signing-key.pem"

    @property
    def public_keys_path(self) -> Path:
        return self.jwt_public_keys or self.keys_dir / "jwks.json"

    @property
    def private_key_path(self) -> Path:
        return self.jwt_private_key or self.keys_dir / "jwt-signing-key.pem"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("HUB_DATA_DIR") or "fyt-data").resolve()
        hub_env = env.get("HUB_ENV", "development")
        if hub_env not in ENVIRONMENTS:
            raise ConfigError(f"HUB_ENV must be one of {', '.join(ENVIRONMENTS)}, got {hub_env!r}")
        db = env.get("HUB_DATABASE_URL") or f"sqlite:///{data_dir / 'hub.sqlite3'}"
        timeout = _float(env, "HUB_CONNECTOR_TIMEOUT", 2.0)
        connectors = {}
        for name in registry.names():
            key = f"HUB_{name.upper()}_DATABASE_URL"
            url = env.get(key) or f"sqlite:///{data_dir / 'agencies' / (name + '.sqlite3')}"
            connectors[name] = ConnectorSettings(
                url=url, timeout=_float(env, f"HUB_{name.upper()}_TIMEOUT", timeout)
            )
        pub = env.get("HUB_JWT_PUBLIC_KEYS")
        priv = env.get("HUB_JWT_PRIVATE_KEY")
        settings = cls(
            data_dir=data_dir,
            database_url=async_url(db),
            env=hub_env,
            jwt_public_keys=Path(pub) if pub else None,
            jwt_private_key=Path(priv) if priv else None,
            jwt_issuer=env.get("HUB_JWT_ISSUER", "fyt-hub"),
            jwt_audience=env.get("HUB_JWT_AUDIENCE", "fyt-hub"),
            connectors=connectors,
            max_reference_depth=_int(env, "HUB_MAX_REFERENCE_DEPTH", 3),
            max_query_depth=_int(env, "HUB_MAX_QUERY_DEPTH", 12),
            max_aliases=_int(env, "HUB_MAX_ALIASES", 50),
            max_tokens=_int(env, "HUB_MAX_TOKENS", 5_000),
            max_query_cost=_int(env, "HUB_MAX_QUERY_COST", 50_000),
            max_batch_operations=_int(env, "HUB_MAX_BATCH_OPERATIONS", 10),
            policy_dir=Path(env["HUB_POLICY_DIR"]) if env.get("HUB_POLICY_DIR") else POLICY_DIR,
            purpose_cache_seconds=_float(env, "HUB_PURPOSE_CACHE_SECONDS", 5.0, allow_zero=True),
            audit_key_file=Path(env["HUB_AUDIT_KEY_FILE"])
            if env.get("HUB_AUDIT_KEY_FILE")
            else None,
            audit_signing_key=(
                Path(env["HUB_AUDIT_SIGNING_KEY"]) if env.get("HUB_AUDIT_SIGNING_KEY") else None
            ),
            audit_origin=env.get("HUB_AUDIT_ORIGIN", "fyt-hub.local/audit"),
            working_hours=_hours(env.get("HUB_WORKING_HOURS", "08:30-17:30")),
            bulk_subjects_per_hour=_int(env, "HUB_BULK_SUBJECTS_PER_HOUR", 200),
            denied_burst=_int(env, "HUB_DENIED_BURST", 5),
        )
        return replace(settings, **overrides) if overrides else settings  # type: ignore[arg-type]
