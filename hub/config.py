"""Runtime settings: one typed, frozen class read from the ``HUB_*`` variables and ``HUB_CONFIG``.

:class:`Settings` declares every setting once, with its type and its default; pydantic-settings
reads each field from the variable ``HUB_<FIELD>`` (exact name; an empty variable counts as
unset) and validates it. Two fields come from no variable of their own: ``connectors`` (the
per-agency ``HUB_<AGENCY>_DATABASE_URL`` / ``HUB_<AGENCY>_TIMEOUT``, named after the registry,
then the ``[connectors.NAME]`` tables of the ``HUB_CONFIG`` file) and ``ops_token`` (read from
the file ``HUB_OPS_TOKEN_FILE`` names). Every mistake is a :class:`ConfigError` naming the
variable, or the file and key, and what was wrong.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from ipaddress import IPv4Network, IPv6Network, ip_address
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from connectors import registry
from hub.resources import POLICY_DIR

if TYPE_CHECKING:
    from connectors.base.connector import Connector
    from connectors.base.remote import RemoteSource
    from connectors.base.source import DatabaseSource

PREFIX = "HUB_"
ENVIRONMENTS = ("development", "production")
MODES = ("embedded", "remote")

__all__ = [
    "ENVIRONMENTS",
    "MODES",
    "POLICY_DIR",
    "ConfigError",
    "ConnectorSettings",
    "Settings",
    "async_url",
    "is_loopback_url",
    "load_connector_file",
    "parse_duration",
]


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable (or file and key)."""


# --- value types: the type, the rule and the words of its error, in one place ----------------


def _fail(phrase: str, *, echo: bool = True) -> PydanticCustomError:
    """An error whose message reads ``<VARIABLE> <phrase>`` (``, got <value>`` unless not
    ``echo``: a database URL may hold a password)."""
    return PydanticCustomError(
        "setting" if echo else "setting_quiet", "{phrase}", {"phrase": phrase}
    )


def _rule(test: Callable[[Any], bool], phrase: str) -> AfterValidator:
    def check(value: Any) -> Any:
        if not test(value):
            raise _fail(phrase)
        return value

    return AfterValidator(check)


PositiveSeconds = Annotated[
    float, _rule(lambda v: math.isfinite(v) and v > 0, "must be a positive number of seconds")
]
Seconds = Annotated[
    float, _rule(lambda v: math.isfinite(v) and v >= 0, "must be 0 or a positive number of seconds")
]
Count = Annotated[int, _rule(lambda v: v >= 1, "must be at least 1")]
PositiveAmount = Annotated[
    Decimal, _rule(lambda v: v.is_finite() and v > 0, "must be a positive number")
]
Factor = Annotated[
    Decimal, _rule(lambda v: v.is_finite() and v >= 1, "must be a number of at least 1")
]
Quorum = Annotated[int, _rule(lambda v: v >= 0, "must not be negative")]
Retries = Annotated[int, _rule(lambda v: 0 <= v <= 10, "must be between 0 and 10")]
RenewalWindow = Annotated[int, _rule(lambda v: 1 <= v <= 365, "must be between 1 and 365 days")]


def async_url(url: str) -> str:
    """Map a plain database URL to the async driver the hub uses."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def _database_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise _fail(
            "must be a database URL such as postgresql://user@host/db", echo=False
        ) from None
    return url


DatabaseURL = Annotated[str, AfterValidator(_database_url)]


def _absolute(path: Path | None) -> Path | None:
    return None if path is None else path.resolve()


def _working_hours(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    start, sep, end = value.partition("-")
    try:
        if not sep:
            raise ValueError
        for part in (start, end):
            datetime.strptime(part.strip(), "%H:%M")
    except ValueError:
        raise _fail("must look like 08:30-17:30 (Asia/Shanghai)") from None
    return start.strip(), end.strip()


def _login_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://", "/")):
        raise _fail("must be an http(s) URL or a path on this host")
    return value


def _jwks_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _fail("must be the identity provider's JWKS URL, https://host/path")
    return value


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` names this host (localhost, 127.0.0.0/8, ::1): plain HTTP stays on it."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _networks(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    from hub.proxies import parse_networks

    try:
        return parse_networks(value.split(","))
    except ValueError as exc:
        raise _fail(f"must list IP addresses or networks: {exc}", echo=False) from None


_DURATION = re.compile(r"([0-9]{1,9})([smhd]?)")
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """``3600``, ``3600s``, ``30m``, ``12h`` or ``7d`` as a positive duration (ValueError if not)."""
    m = _DURATION.fullmatch(text.strip(" "))
    if not m or int(m[1]) == 0:
        raise ValueError(f"{text!r} is not a positive duration such as 3600, 30m, 8h or 7d")
    return timedelta(seconds=int(m[1]) * _DURATION_UNITS[m[2]])


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError:
            raise _fail("must be a positive duration such as 3600, 30m, 8h or 7d") from None
    return value


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    _rule(lambda v: v > timedelta(0), "must be a positive duration such as 3600, 30m, 8h or 7d"),
]
WorkingHours = Annotated[tuple[str, str], BeforeValidator(_working_hours)]
Networks = Annotated[tuple[IPv4Network | IPv6Network, ...], BeforeValidator(_networks)]
LoginURL = Annotated[str | None, AfterValidator(_login_url)]
JwksURL = Annotated[str | None, AfterValidator(_jwks_url)]


@dataclass(frozen=True, slots=True)
class Variable:
    """Field metadata: the variable a field is read from when it is not ``HUB_<FIELD>``; None
    for a field derived from others (read from no variable of its own)."""

    name: str | None


# --- errors: pydantic's, in the words of the variable or key -----------------------------------

_PHRASES = {
    "int_parsing": "must be an integer",
    "int_type": "must be int",
    "int_from_float": "must be int",
    "float_parsing": "must be a number",
    "float_type": "must be int or float",
    "decimal_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be str",
    "path_type": "must be a path",
    "extra_forbidden": "is not a setting",
    "frozen_instance": "cannot be changed: settings are frozen",
}


def _phrase(error: Any) -> str:
    kind = error["type"]
    if kind in _PHRASES:
        return _PHRASES[kind]
    if kind == "literal_error":
        return "must be one of " + ", ".join(re.findall(r"'([^']*)'", error["ctx"]["expected"]))
    if kind == "value_error":
        return str(error["ctx"]["error"])
    message = str(error["msg"])
    return message if kind.startswith("setting") else message[:1].lower() + message[1:]


def problems(exc: ValidationError, name_of: Callable[[tuple[Any, ...]], str]) -> list[str]:
    """One line per mistake: ``<name> <what is wrong>, got <value>``."""
    out = []
    for error in exc.errors():
        if error["type"] == "default_factory_not_called":  # an earlier field failed
            continue
        name = name_of(error["loc"])
        line = f"{name} {_phrase(error)}" if name else _phrase(error)
        value = error.get("input")
        if (
            name
            and error["type"] not in ("setting_quiet", "extra_forbidden")
            and isinstance(value, str | int | float)
            and not isinstance(value, bool)
        ):
            line += f", got {value!r}"
        out.append(line)
    return out


class _Replaceable(BaseModel):
    """A frozen model whose variants are made with :meth:`replace`, validated like the original."""

    @classmethod
    def _name_of(cls, loc: tuple[Any, ...]) -> str:
        return str(loc[0]) if loc else ""

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (field names) validated and applied; fields derived from
        others are not derived again (as :func:`dataclasses.replace`)."""
        cls = type(self)
        unknown = sorted(set(changes) - set(cls.model_fields))
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {', '.join(unknown)}")
        try:
            return cls.model_validate({**self.__dict__, **changes})
        except ValidationError as exc:
            raise ConfigError("; ".join(problems(exc, cls._name_of))) from None


# --- connectors ---------------------------------------------------------------------------------


class ConnectorSettings(_Replaceable):
    """One agency connector: where its data is and how the hub guards its calls."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: DatabaseURL  # the agency database (embedded source)
    timeout: PositiveSeconds  # seconds per batch look-up, retries included
    mode: Literal["embedded", "remote"] = "embedded"  # remote: the agency's own service
    service_url: str | None = None  # the agency service (remote), e.g. http://127.0.0.1:7101
    retries: Retries = 2  # extra attempts of a failed read, with jittered backoff
    max_concurrency: Count = 64  # look-ups in flight to this agency at once
    breaker_failures: Count = 5  # consecutive failures that open the circuit breaker
    breaker_reset: PositiveSeconds = 5.0  # seconds the breaker stays open before one probe
    token: str | None = Field(None, repr=False)  # bearer token the agency service requires

    @model_validator(mode="after")
    def _mode_fits_url(self) -> Self:
        if self.mode == "remote":
            if not self.service_url:
                raise _fail("a remote connector needs the agency service's url")
            if not self.service_url.startswith(("http://", "https://")):
                raise _fail("url must start with http:// or https://")
        elif self.service_url:
            raise _fail('url is for mode = "remote"; use database_url here')
        return self

    @property
    def target(self) -> str:
        return self.service_url or "" if self.mode == "remote" else self.url

    def open_source(self, connector: Connector) -> DatabaseSource | RemoteSource:
        """The connector's source as configured: its agency service (remote) or database."""
        if self.mode == "remote":
            if self.service_url is None:  # the validator above refuses such settings
                raise ConfigError(f"connector {connector.name}: remote without a service url")
            return connector.remote(
                self.service_url,
                timeout=self.timeout,
                max_connections=self.max_concurrency,
                token=self.token,
            )
        return connector.embedded(self.url)


# The keys of a [connectors.NAME] table and the ConnectorSettings field each sets.
CONNECTOR_KEYS = {
    "mode": "mode",
    "url": "service_url",
    "database_url": "url",
    "timeout": "timeout",
    "retries": "retries",
    "max_concurrency": "max_concurrency",
    "breaker_failures": "breaker_failures",
    "breaker_reset": "breaker_reset",
    "token_file": "token",
}
_KEY_OF_FIELD = {f: k for k, f in CONNECTOR_KEYS.items()}


def load_connector_file(
    path: Path, base: Mapping[str, ConnectorSettings]
) -> dict[str, ConnectorSettings]:
    """Connector settings from a TOML file (``HUB_CONFIG``) over ``base``.

    ``[connectors.NAME]`` tables choose each connector's mode (``embedded`` or ``remote``), its
    agency service ``url`` or ``database_url``, and its limits; a connector's keys left out keep
    ``base``'s values (its mode is ``embedded`` unless the table says ``remote``). Values are
    checked strictly against :class:`ConnectorSettings` (``timeout = "2"`` is a mistake). Every
    mistake is a :class:`ConfigError` naming the file and the key.
    """
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
        if name not in registry.instances():
            raise ConfigError(
                f"{where}: unknown connector; known connectors: {', '.join(registry.instances())}"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table")
        for key in table:
            if key not in CONNECTOR_KEYS:
                raise ConfigError(
                    f"{where}: unknown key {key!r}; known keys: {', '.join(CONNECTOR_KEYS)}"
                )
        values = {CONNECTOR_KEYS[k]: v for k, v in table.items() if k != "token_file"}
        values = {"mode": "embedded", "service_url": None, "token": None, **values}
        try:
            conf = ConnectorSettings.model_validate({**out[name].__dict__, **values}, strict=True)
        except ValidationError as exc:
            found = problems(exc, lambda loc: _KEY_OF_FIELD.get(loc[0], str(loc[0])) if loc else "")
            raise ConfigError(f"{where}: " + "; ".join(found)) from None
        if "token_file" in table:
            conf = conf.replace(token=_token_file(path, where, table["token_file"]))
        out[name] = conf
    return out


def _token_file(config: Path, where: str, relative: Any) -> str:
    if not isinstance(relative, str):
        raise ConfigError(f"{where}: token_file must be str")
    path = (config.parent / relative).resolve()
    try:
        token = path.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: token_file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read token_file {path}: {exc}") from None
    if not token:
        raise ConfigError(f"{where}: token_file {path} is empty")
    return token


# --- where the variables come from --------------------------------------------------------------

# The environment being read: os.environ, or the mapping given to Settings.from_env.
_ENVIRON: ContextVar[Mapping[str, str]] = ContextVar("hub_settings_environ", default=os.environ)


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _ENVIRON.set(environ)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


def _variable(environ: Mapping[str, str], name: str) -> str | None:
    return environ.get(name) or None  # an empty variable counts as unset


def variable_of(field_name: str, field: FieldInfo) -> str | None:
    """The variable a settings field is read from (None: derived from other fields)."""
    for item in field.metadata:
        if isinstance(item, Variable):
            return item.name
    return PREFIX + field_name.upper()


class _Variables(PydanticBaseSettingsSource):
    """Each field's variable, by its exact name, from the environment being read."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        name = variable_of(field_name, field)
        return (_variable(_ENVIRON.get(), name) if name else None), field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, field_name)
            if value is not None:
                found[key] = value
        return found


def _connectors(data: dict[str, Any]) -> dict[str, ConnectorSettings]:
    """Every registered connector, embedded over the data directory unless
    ``HUB_<AGENCY>_DATABASE_URL`` / ``HUB_<AGENCY>_TIMEOUT`` or the HUB_CONFIG file say otherwise."""
    environ = _ENVIRON.get()
    out = {}
    for name in registry.instances():
        connector = registry.get(name)
        variables = {
            "url": f"{PREFIX}{connector.env_name()}_DATABASE_URL",
            "timeout": f"{PREFIX}{connector.env_name()}_TIMEOUT",
        }
        values: dict[str, Any] = {
            "url": f"sqlite:///{data['data_dir'] / 'agencies' / connector.database_file()}",
            "timeout": data["connector_timeout"],
        }
        for key, variable in variables.items():
            if (value := _variable(environ, variable)) is not None:
                values[key] = value
        try:
            out[name] = ConnectorSettings(**values)
        except ValidationError as exc:

            def variable_of(loc: tuple[Any, ...], v: Mapping[str, str] = variables) -> str:
                return v.get(loc[0], "") if loc else ""

            found = problems(exc, variable_of)
            raise ConfigError("; ".join(found)) from None
    if data["config_file"] is not None:
        out = load_connector_file(data["config_file"], out)
    return out


def _secret_file(path: Path | None) -> str | None:
    """A secret read from a file (never from the environment itself, which leaks into logs)."""
    if path is None:
        return None
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"HUB_OPS_TOKEN_FILE: cannot read {path}: {exc}") from None
    if len(value) < 16:
        raise ConfigError(f"HUB_OPS_TOKEN_FILE: {path} must hold a token of at least 16 characters")
    return value


def _password_file(path: Path | None) -> str | None:
    """The hub database's password, read from a file (a mounted secret), never a variable."""
    if path is None:
        return None
    try:
        value = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"HUB_DATABASE_PASSWORD_FILE: cannot read {path}: {exc}") from None
    if not value:
        raise ConfigError(f"HUB_DATABASE_PASSWORD_FILE: {path} is empty")
    return value


Connectors = Annotated[
    Mapping[str, ConnectorSettings],
    AfterValidator(MappingProxyType),  # frozen like the rest
    PlainSerializer(dict),
]


# --- the settings -------------------------------------------------------------------------------


class Settings(_Replaceable, BaseSettings):
    """Every setting of the hub: its variable (``HUB_`` + the field's name in capitals unless
    marked), type, rule and default. Frozen: a variant is ``settings.replace(env="production")``."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, frozen=True, extra="forbid", validate_default=True
    )

    # Where things are. The data directory's defaults follow it (HUB_DATA_DIR-relative).
    data_dir: Annotated[Path, AfterValidator(_absolute)] = Path("fyt-data")  # then resolved
    env: Literal["development", "production"] = "development"
    database_password_file: Path | None = None  # the password of HUB_DATABASE_URL's user
    database_password: Annotated[str | None, Variable(None)] = Field(
        default_factory=lambda d: _password_file(d["database_password_file"]), repr=False
    )
    database_url: Annotated[DatabaseURL, AfterValidator(async_url)] = Field(
        default_factory=lambda d: f"sqlite:///{d['data_dir'] / 'hub.sqlite3'}", repr=False
    )  # the hub database (stored with its async driver, and the password of the file above)
    config_file: Annotated[Path | None, AfterValidator(_absolute), Variable("HUB_CONFIG")] = None
    connector_timeout: PositiveSeconds = 2.0  # each connector's, unless HUB_<AGENCY>_TIMEOUT
    connectors: Annotated[Connectors, Variable(None)] = Field(default_factory=_connectors)
    policy_dir: Annotated[Path, AfterValidator(_absolute)] = POLICY_DIR  # HUB_POLICY_DIR or bundled

    # Tokens.
    jwt_public_keys: Path | None = None  # JWKS (.json) or PEM; default keys/jwks.json
    jwt_jwks_url: JwksURL = None  # the identity provider's JWKS, fetched (PyJWKClient) and cached
    jwt_jwks_cache_seconds: PositiveSeconds = 300.0  # how long a fetched JWKS is used as it is
    jwt_jwks_timeout: PositiveSeconds = 5.0  # seconds one fetch of the JWKS may take
    jwt_private_key: Path | None = None  # PEM for `fyt token issue`; keys/jwt-signing-key.pem
    jwt_issuer: str = "fyt-hub"
    jwt_audience: str = "fyt-hub"
    max_token_lifetime: Duration = timedelta(hours=12)  # exp - iat: 12h, 30m, 3600

    # Query limits (QUERY_TOO_COMPLEX, BAD_USER_INPUT, RATE_LIMITED).
    max_batch_subjects: ClassVar[int] = 1000  # per persons / enterprises call (no variable)
    max_reference_depth: Count = 3
    max_query_depth: Count = 12
    max_aliases: Count = 50
    max_tokens: Count = 5_000
    max_query_cost: Count = 50_000
    max_batch_operations: Count = 10
    max_body_bytes: Count = 1_048_576  # a request body, a websocket message
    max_document_bytes: Count = 32_768  # a GraphQL document's text
    unknown_subjects_per_day: Count = 20  # per user, then RATE_LIMITED (ENUMERATION)
    subjects_per_hour: Count = 2_000  # distinct subjects per user, then RATE_LIMITED (VOLUME)
    # an enterprise party's refused attempts (fields it may not call) an hour, then every
    # operation of that person is RATE_LIMITED (REFUSALS) until the hour has passed
    party_refusals_per_hour: Count = 10
    purpose_cache_seconds: Seconds = 5.0  # 0: off

    # Asynchronous 查控 requests: seconds a bank has to answer one round's batched call (every due
    # subject at once), instead of its look-up timeout (HUB_<BANK>_TIMEOUT, one subject's)
    inquiry_call_timeout: PositiveSeconds = 30.0

    # Orders: the over-seizure check (超标的查封, 查封规定 第十九条; see hub.orders.measures).
    reference_price_per_sqm: PositiveAmount = Decimal(10_000)  # CNY per m² of real estate
    over_seizure_factor: Factor = Decimal(2)  # known value above this × outstanding: confirm

    # Audit.
    audit_key_file: Path | None = None  # 32 random bytes, base64; default keys/audit.key
    audit_signing_key: Path | None = None  # Ed25519 PEM; default keys/audit-signing-key.pem
    audit_origin: str = "fyt-hub.local/audit"
    audit_write_timeout: PositiveSeconds = 5.0  # then AUDIT_UNAVAILABLE
    # seconds after a whole-log verification is DONE before another may start (RATE_LIMITED,
    # reason PAUSE): one keeps a core busy for minutes on a long log
    audit_verify_pause: Seconds = 60.0
    audit_witnesses: Path | None = None  # TOML file of [[witness]] tables
    audit_witness_quorum: Quorum = 0  # cosignatures a checkpoint must carry
    audit_witness_grace: Seconds = 60.0  # seconds a new checkpoint may wait for them
    working_hours: WorkingHours = ("08:30", "17:30")  # Asia/Shanghai, Monday to Friday
    bulk_subjects_per_hour: Count = 200
    denied_burst: Count = 5  # denied attempts within a minute that make a burst

    # Orders.
    # A renewal (续行查封 / 续冻) is made in the last this many days of a measure's term.
    order_renewal_window_days: RenewalWindow = 30

    # Police assistance (公安协助): in a demo, one synthetic sighting of each watched vehicle every
    # this many seconds (hub.police.worker); 0: off (the default, and in production)
    police_demo_sightings: Seconds = 0.0

    # Sanction lists.
    holiday_calendar: Path | None = None  # TOML: holidays / workdays; none: Monday to Friday

    # Edges.
    console_login_url: LoginURL = None  # an OIDC login in front of /console
    trusted_proxies: Networks = ()  # networks whose X-Forwarded-For / X-Request-Id count
    ops_token_file: Path | None = None  # holds the bearer token /metrics and /readyz require
    ops_token: Annotated[str | None, Variable(None)] = Field(
        default_factory=lambda d: _secret_file(d["ops_token_file"]), repr=False
    )

    @field_validator("database_url")
    @classmethod
    def _with_password(cls, url: str, info: ValidationInfo) -> str:
        password = info.data.get("database_password")
        if password is None:
            return url
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise _fail(
                "is not a PostgreSQL database: HUB_DATABASE_PASSWORD_FILE is the password of a"
                " postgresql://user@host/db URL",
                echo=False,
            )
        return parsed.set(password=password).render_as_string(hide_password=False)

    @model_validator(mode="after")
    def _jwks_over_tls(self) -> Self:
        url = self.jwt_jwks_url
        if url and self.production and urlsplit(url).scheme != "https" and not is_loopback_url(url):
            raise _fail(
                "HUB_JWT_JWKS_URL must be an https:// URL with HUB_ENV=production (plain http://"
                f" only to this host: localhost, 127.0.0.1, ::1), got {url!r}"
            )
        return self

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError("; ".join(problems(exc, type(self)._name_of))) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments first (tests, overrides), then the variables; no .env or secrets directory.
        return init_settings, _Variables(settings_cls)

    @classmethod
    def _name_of(cls, loc: tuple[Any, ...]) -> str:
        if not loc:
            return ""
        field = cls.model_fields.get(str(loc[0]))
        return (variable_of(str(loc[0]), field) if field else None) or str(loc[0])

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """The settings of ``env`` (default ``os.environ``), with ``overrides`` (field names)
        taking precedence and validated the same way."""
        with _reading(os.environ if env is None else env):
            return cls(**overrides)

    @classmethod
    def default_of(cls, name: str) -> Any:
        """The default of the field ``name``: the one place it is stated."""
        return cls.model_fields[name].get_default(call_default_factory=False)

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field name -> the variable it is read from (derived fields left out)."""
        out = {}
        for name, field in cls.model_fields.items():
            variable = variable_of(name, field)
            if variable is not None:
                out[name] = variable
        return out

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
