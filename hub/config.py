"""Runtime settings, read from the environment (``HUB_*``) with embedded defaults."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
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


def _login_url(raw: str | None) -> str | None:
    if not raw:
        return None
    if not (raw.startswith("https://") or raw.startswith("http://") or raw.startswith("/")):
        raise ConfigError(
            f"HUB_CONSOLE_LOGIN_URL must be an http(s) URL or a path on this host, got {raw!r}"
        )
    return raw


def _networks(raw: str) -> tuple[Any, ...]:
    from hub.proxies import parse_networks

    try:
        return parse_networks(raw.split(","))
    except ValueError as exc:
        raise ConfigError(f"HUB_TRUSTED_PROXIES: {exc}") from None


def _secret_file(raw: str | None, name: str) -> str | None:
    """A secret read from a file (never from the environment itself, which leaks into logs)."""
    if not raw:
        return None
    try:
        value = Path(raw).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot read {raw}: {exc}") from None
    if len(value) < 16:
        raise ConfigError(f"{name}: {raw} must hold a token of at least 16 characters")
    return value


def async_url(url: str) -> str:
    """Map a plain database URL to the async driver the hub uses."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


MODES = ("embedded", "remote")


@dataclass(frozen=True, slots=True)
class ConnectorSettings:
    url: str  # the agency database (embedded source)
    timeout: float  # seconds per batch look-up, retries included
    mode: str = "embedded"  # embedded: the agency database; remote: the agency's service
    service_url: str | None = None  # the agency service (remote), e.g. http://127.0.0.1:7101
    retries: int = 2  # extra attempts of a failed read, with jittered backoff
    max_concurrency: int = 64  # look-ups in flight to this agency at once
    breaker_failures: int = 5  # consecutive failures that open the circuit breaker
    breaker_reset: float = 5.0  # seconds the breaker stays open before one probe
    token: str | None = None  # bearer token the agency service requires, if any

    @property
    def target(self) -> str:
        return self.service_url or "" if self.mode == "remote" else self.url


_CONNECTOR_KEYS: dict[str, tuple[type, ...]] = {
    "mode": (str,),
    "url": (str,),
    "database_url": (str,),
    "timeout": (int, float),
    "retries": (int,),
    "max_concurrency": (int,),
    "breaker_failures": (int,),
    "breaker_reset": (int, float),
    "token_file": (str,),
}


def load_connector_file(
    path: Path, base: Mapping[str, ConnectorSettings]
) -> dict[str, ConnectorSettings]:
    """Connector settings from a TOML file (``HUB_CONFIG``) over ``base``.

    ``[connectors.NAME]`` tables choose each connector's mode (``embedded`` or ``remote``), its
    agency service ``url`` or ``database_url``, and its limits. Every mistake is a
    :class:`ConfigError` naming the file and the key.
    """
    import tomllib

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"HUB_CONFIG: no file {path}") from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the configuration ({exc.strerror or exc})"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(document) - {"connectors"})
    if unknown:
        raise ConfigError(f"{path}: unknown section {unknown[0]!r}; only [connectors.NAME] is read")
    tables = document.get("connectors", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: connectors must be a table of [connectors.NAME] tables")
    out = dict(base)
    for name, table in tables.items():
        where = f"{path}: [connectors.{name}]"
        if name not in registry.names():
            raise ConfigError(
                f"{where}: unknown connector; known connectors: {', '.join(registry.names())}"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table")
        for key, value in table.items():
            kinds = _CONNECTOR_KEYS.get(key)
            if kinds is None:
                raise ConfigError(
                    f"{where}: unknown key {key!r}; known keys: {', '.join(_CONNECTOR_KEYS)}"
                )
            if not isinstance(value, kinds) or isinstance(value, bool):
                raise ConfigError(
                    f"{where}: {key} must be {' or '.join(k.__name__ for k in kinds)}"
                )
        mode = table.get("mode", "embedded")
        if mode not in MODES:
            raise ConfigError(f"{where}: mode must be one of {', '.join(MODES)}, got {mode!r}")
        for key in ("timeout", "breaker_reset"):
            if key in table and not (math.isfinite(table[key]) and table[key] > 0):
                raise ConfigError(f"{where}: {key} must be a positive number of seconds")
        for key in ("max_concurrency", "breaker_failures"):
            if key in table and table[key] < 1:
                raise ConfigError(f"{where}: {key} must be at least 1")
        if "retries" in table and not 0 <= table["retries"] <= 10:
            raise ConfigError(f"{where}: retries must be between 0 and 10")
        service_url = table.get("url")
        if mode == "remote":
            if not service_url:
                raise ConfigError(f"{where}: a remote connector needs the agency service's url")
            if not service_url.startswith(("http://", "https://")):
                raise ConfigError(f"{where}: url must start with http:// or https://")
        elif service_url:
            raise ConfigError(f'{where}: url is for mode = "remote"; use database_url here')
        token = None
        if "token_file" in table:
            token_path = (path.parent / table["token_file"]).resolve()
            try:
                token = token_path.read_text(encoding="utf-8").strip()
            except UnicodeDecodeError:
                raise ConfigError(f"{where}: token_file {token_path} is not UTF-8 text") from None
            except OSError as exc:
                raise ConfigError(f"{where}: cannot read token_file {token_path}: {exc}") from None
            if not token:
                raise ConfigError(f"{where}: token_file {token_path} is empty")
        current = out[name]
        out[name] = replace(
            current,
            mode=mode,
            url=table.get("database_url", current.url),
            service_url=service_url,
            timeout=float(table.get("timeout", current.timeout)),
            retries=table.get("retries", current.retries),
            max_concurrency=table.get("max_concurrency", current.max_concurrency),
            breaker_failures=table.get("breaker_failures", current.breaker_failures),
            breaker_reset=float(table.get("breaker_reset", current.breaker_reset)),
            token=token,
        )
    return out


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
    config_file: Path | None = None  # HUB_CONFIG, the connector configuration it was read from
    console_login_url: str | None = (
        None  # HUB_CONSOLE_LOGIN_URL: an OIDC login in front of /console
    )
    trusted_proxies: tuple[Any, ...] = ()  # HUB_TRUSTED_PROXIES: networks whose X-Forwarded-For counts
    max_body_bytes: int = 1_048_576  # HUB_MAX_BODY_BYTES: a request body, a websocket message
    max_document_bytes: int = 32_768  # HUB_MAX_DOCUMENT_BYTES: a GraphQL document's text
    unknown_subjects_per_day: int = 20  # HUB_UNKNOWN_SUBJECTS_PER_DAY: per user, then RATE_LIMITED
    subjects_per_hour: int = 2_000  # HUB_SUBJECTS_PER_HOUR: distinct subjects per user, then RATE_LIMITED
    ops_token: str | None = None  # HUB_OPS_TOKEN_FILE: the bearer token /metrics and /readyz require
    audit_write_timeout: float = 5.0  # HUB_AUDIT_WRITE_TIMEOUT: seconds, then AUDIT_UNAVAILABLE
    max_token_lifetime: timedelta = timedelta(hours=12)  # HUB_MAX_TOKEN_LIFETIME: exp - iat

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
        config_file = env.get("HUB_CONFIG")
        if config_file:
            connectors = load_connector_file(Path(config_file), connectors)
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
            config_file=Path(config_file).resolve() if config_file else None,
            console_login_url=_login_url(env.get("HUB_CONSOLE_LOGIN_URL")),
            trusted_proxies=_networks(env.get("HUB_TRUSTED_PROXIES", "")),
            max_body_bytes=_int(env, "HUB_MAX_BODY_BYTES", 1_048_576),
            max_document_bytes=_int(env, "HUB_MAX_DOCUMENT_BYTES", 32_768),
            unknown_subjects_per_day=_int(env, "HUB_UNKNOWN_SUBJECTS_PER_DAY", 20),
            subjects_per_hour=_int(env, "HUB_SUBJECTS_PER_HOUR", 2_000),
            ops_token=_secret_file(env.get("HUB_OPS_TOKEN_FILE"), "HUB_OPS_TOKEN_FILE"),
            audit_write_timeout=_float(env, "HUB_AUDIT_WRITE_TIMEOUT", 5.0),
            max_token_lifetime=_duration(env, "HUB_MAX_TOKEN_LIFETIME", timedelta(hours=12)),
        )
        return replace(settings, **overrides) if overrides else settings  # type: ignore[arg-type]


# --- HUB_MAX_TOKEN_LIFETIME -------------------------------------------------------------

_DURATION = re.compile(r"([0-9]{1,9})([smhd]?)")
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """``3600``, ``3600s``, ``30m``, ``12h`` or ``7d`` as a positive duration (ValueError if not)."""
    m = _DURATION.fullmatch(text.strip(" "))
    if not m or int(m[1]) == 0:
        raise ValueError(f"{text!r} is not a positive duration such as 3600, 30m, 8h or 7d")
    return timedelta(seconds=int(m[1]) * _DURATION_UNITS[m[2]])


def _duration(env: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse_duration(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
