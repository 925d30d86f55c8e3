"""The typed settings: every variable, its default, its rule, and errors that name it."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import hub
from hub.audit.witness import WitnessPolicy
from hub.cli import main
from hub.config import ConfigError, ConnectorSettings, Settings
from hub.graphql.limits import Limits, limits_of

README = Path(__file__).resolve().parents[2] / "README.md"
AGENCIES = (
    "public_security",
    "real_estate",
    "market_supervision",
    "social_security",
    "tax",
    "utilities",
)
# the demo's banks, one connector each (docs/banks.md), and their database files
BANKS = {
    f"bank:{code}": f"bank_{code}.sqlite3"
    for code in ("102", "103", "104", "105", "301", "403", "308", "313")
}


def readme_variables() -> set[str]:
    """The variables the README's Configuration and Query limits tables name."""
    text = README.read_text(encoding="utf-8")
    config = text[text.index("## Configuration") : text.index("## Commands")]
    limits = text[text.index("### Query limits") : text.index("## Security model")]
    names = set(re.findall(r"`(HUB_[A-Z_*<>]+)`", config + limits))
    return {n for n in names if "*" not in n and "<" not in n}


# --- defaults ------------------------------------------------------------------------------------


def test_the_defaults_are_the_readmes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given an empty environment, in some working directory
    monkeypatch.chdir(tmp_path)
    # when
    s = Settings.from_env({})
    # then every setting has the default the README states
    data = tmp_path / "fyt-data"
    assert s.data_dir == data
    assert s.database_url == f"sqlite+aiosqlite:///{data}/hub.sqlite3"
    assert s.env == "development" and not s.production
    assert s.public_keys_path == data / "keys" / "jwks.json"
    assert s.private_key_path == data / "keys" / "jwt-signing-key.pem"
    assert (s.jwt_issuer, s.jwt_audience) == ("fyt-hub", "fyt-hub")
    assert (s.jwt_jwks_url, s.jwt_jwks_cache_seconds, s.jwt_jwks_timeout) == (None, 300, 5)
    assert (s.database_password_file, s.database_password) == (None, None)
    assert s.policy_dir == Path(hub.__file__).resolve().parent / "policies"
    assert s.purpose_cache_seconds == 5
    assert s.audit_key_path == data / "keys" / "audit.key"
    assert s.audit_signing_path == data / "keys" / "audit-signing-key.pem"
    assert s.audit_origin == "fyt-hub.local/audit"
    assert s.working_hours == ("08:30", "17:30")
    assert (s.bulk_subjects_per_hour, s.denied_burst) == (200, 5)
    assert s.console_login_url is None
    assert s.max_token_lifetime == timedelta(hours=12)
    assert s.trusted_proxies == ()
    assert (s.max_body_bytes, s.max_document_bytes) == (1048576, 32768)
    assert (s.unknown_subjects_per_day, s.subjects_per_hour) == (20, 2000)
    assert s.ops_token is None
    assert s.audit_write_timeout == 5
    assert (s.reference_price_per_sqm, s.over_seizure_factor) == (10_000, 2)
    assert (s.audit_witnesses, s.audit_witness_quorum, s.audit_witness_grace) == (None, 0, 60)
    assert (s.max_query_depth, s.max_reference_depth, s.max_aliases, s.max_tokens) == (
        12,
        3,
        50,
        5000,
    )
    assert (s.max_query_cost, s.max_batch_operations, s.max_batch_subjects) == (50000, 10, 1000)
    assert s.config_file is None
    assert list(s.connectors) == [*AGENCIES, *BANKS]
    for name in AGENCIES:
        assert s.connectors[name] == ConnectorSettings(
            url=f"sqlite:///{data}/agencies/{name}.sqlite3", timeout=2.0
        )
    for name, file in BANKS.items():
        assert s.connectors[name] == ConnectorSettings(
            url=f"sqlite:///{data}/agencies/{file}", timeout=2.0
        )


def test_the_data_directory_moves_every_default_under_it(tmp_path: Path) -> None:
    # given
    data = tmp_path / "srv" / "fyt"
    # when
    s = Settings.from_env({"HUB_DATA_DIR": str(data)})
    # then
    assert s.database_url == f"sqlite+aiosqlite:///{data}/hub.sqlite3"
    assert s.connectors["real_estate"].url == f"sqlite:///{data}/agencies/real_estate.sqlite3"
    assert s.public_keys_path == data / "keys" / "jwks.json"
    assert s.audit_key_path == data / "keys" / "audit.key"


def test_the_query_limits_default_to_the_settings_defaults() -> None:
    # given no settings at all
    # when
    limits = Limits()
    # then they are the README's query limits (stated once, in Settings)
    assert limits == Limits(
        max_depth=12,
        max_reference_depth=3,
        max_aliases=50,
        max_tokens=5000,
        max_cost=50000,
        max_batch_operations=10,
        max_document_bytes=32768,
    )


def test_the_query_limits_follow_the_variables() -> None:
    # given
    env = {"HUB_MAX_QUERY_COST": "700", "HUB_MAX_QUERY_DEPTH": "8", "HUB_MAX_ALIASES": "4"}
    # when
    limits = limits_of(Settings.from_env(env))
    # then
    assert (limits.max_cost, limits.max_depth, limits.max_aliases) == (700, 8, 4)
    assert limits.max_tokens == 5000


def test_every_variable_the_readme_names_is_a_setting_and_no_other() -> None:
    # given the README's tables
    documented = readme_variables()
    # when / then: the settings read exactly those (per-agency variables aside)
    assert "HUB_MAX_QUERY_COST" in documented and "HUB_CONFIG" in documented
    assert set(Settings.variables().values()) == documented


# --- reading variables -----------------------------------------------------------------------------

EVERY_VARIABLE: list[tuple[str, str, str, object]] = [
    ("HUB_ENV", "production", "env", "production"),
    (
        "HUB_DATABASE_URL",
        "postgresql://hub@db/hub",
        "database_url",
        "postgresql+asyncpg://hub@db/hub",
    ),
    ("HUB_JWT_PUBLIC_KEYS", "/etc/fyt/jwks.json", "jwt_public_keys", Path("/etc/fyt/jwks.json")),
    ("HUB_JWT_PRIVATE_KEY", "/etc/fyt/k.pem", "jwt_private_key", Path("/etc/fyt/k.pem")),
    ("HUB_JWT_ISSUER", "idp", "jwt_issuer", "idp"),
    (
        "HUB_JWT_JWKS_URL",
        "https://idp.court.example/realms/court/protocol/openid-connect/certs",
        "jwt_jwks_url",
        "https://idp.court.example/realms/court/protocol/openid-connect/certs",
    ),
    ("HUB_JWT_JWKS_CACHE_SECONDS", "60", "jwt_jwks_cache_seconds", 60.0),
    ("HUB_JWT_JWKS_TIMEOUT", "1.5", "jwt_jwks_timeout", 1.5),
    ("HUB_JWT_AUDIENCE", "hub", "jwt_audience", "hub"),
    ("HUB_POLICY_DIR", "/etc/fyt/policies", "policy_dir", Path("/etc/fyt/policies")),
    ("HUB_PURPOSE_CACHE_SECONDS", "0", "purpose_cache_seconds", 0.0),
    ("HUB_MAX_REFERENCE_DEPTH", "2", "max_reference_depth", 2),
    ("HUB_MAX_QUERY_DEPTH", "9", "max_query_depth", 9),
    ("HUB_MAX_ALIASES", "7", "max_aliases", 7),
    ("HUB_MAX_TOKENS", "900", "max_tokens", 900),
    ("HUB_MAX_QUERY_COST", "1234", "max_query_cost", 1234),
    ("HUB_MAX_BATCH_OPERATIONS", "3", "max_batch_operations", 3),
    ("HUB_MAX_BODY_BYTES", "4096", "max_body_bytes", 4096),
    ("HUB_MAX_DOCUMENT_BYTES", "2048", "max_document_bytes", 2048),
    ("HUB_AUDIT_KEY_FILE", "/k/audit.key", "audit_key_file", Path("/k/audit.key")),
    ("HUB_AUDIT_SIGNING_KEY", "/k/sign.pem", "audit_signing_key", Path("/k/sign.pem")),
    ("HUB_AUDIT_ORIGIN", "court.example/audit", "audit_origin", "court.example/audit"),
    ("HUB_WORKING_HOURS", "09:00-18:00", "working_hours", ("09:00", "18:00")),
    ("HUB_BULK_SUBJECTS_PER_HOUR", "50", "bulk_subjects_per_hour", 50),
    ("HUB_DENIED_BURST", "2", "denied_burst", 2),
    ("HUB_CONSOLE_LOGIN_URL", "/oauth2/start", "console_login_url", "/oauth2/start"),
    ("HUB_MAX_TOKEN_LIFETIME", "30m", "max_token_lifetime", timedelta(minutes=30)),
    (
        "HUB_TRUSTED_PROXIES",
        "10.0.0.5, 192.168.0.0/16",
        "trusted_proxies",
        (ipaddress.ip_network("10.0.0.5/32"), ipaddress.ip_network("192.168.0.0/16")),
    ),
    ("HUB_UNKNOWN_SUBJECTS_PER_DAY", "5", "unknown_subjects_per_day", 5),
    ("HUB_SUBJECTS_PER_HOUR", "100", "subjects_per_hour", 100),
    ("HUB_AUDIT_WRITE_TIMEOUT", "0.5", "audit_write_timeout", 0.5),
    ("HUB_AUDIT_WITNESSES", "/etc/fyt/w.toml", "audit_witnesses", Path("/etc/fyt/w.toml")),
    ("HUB_AUDIT_WITNESS_QUORUM", "2", "audit_witness_quorum", 2),
    ("HUB_AUDIT_WITNESS_GRACE", "0", "audit_witness_grace", 0.0),
    ("HUB_CONNECTOR_TIMEOUT", "3.5", "connector_timeout", 3.5),
    ("HUB_REFERENCE_PRICE_PER_SQM", "12500", "reference_price_per_sqm", Decimal(12500)),
    ("HUB_OVER_SEIZURE_FACTOR", "1.5", "over_seizure_factor", Decimal("1.5")),
]


@pytest.mark.parametrize(
    ("variable", "raw", "field", "expected"), EVERY_VARIABLE, ids=[v[0] for v in EVERY_VARIABLE]
)
def test_each_variable_sets_its_setting(
    tmp_path: Path, variable: str, raw: str, field: str, expected: object
) -> None:
    # given the variable set
    env = {"HUB_DATA_DIR": str(tmp_path), variable: raw}
    # when
    settings = Settings.from_env(env)
    # then its setting holds the value, typed
    assert getattr(settings, field) == expected


def test_relative_directories_are_made_absolute_when_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given relative data, policy and configuration paths, read in some working directory
    monkeypatch.chdir(tmp_path)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "hub.toml").write_text("", encoding="utf-8")
    env = {"HUB_DATA_DIR": "data", "HUB_POLICY_DIR": "policies", "HUB_CONFIG": "etc/hub.toml"}
    # when
    settings = Settings.from_env(env)
    # then a later change of directory (or a SIGHUP reload) cannot make them mean another place
    assert settings.data_dir == tmp_path / "data"
    assert settings.policy_dir == tmp_path / "policies"
    assert settings.config_file == tmp_path / "etc" / "hub.toml"


def test_connector_timeouts_and_databases_come_from_the_per_agency_variables(
    tmp_path: Path,
) -> None:
    # given a common timeout, one agency's own timeout and another's database
    env = {
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_CONNECTOR_TIMEOUT": "4",
        "HUB_PUBLIC_SECURITY_TIMEOUT": "0.25",
        "HUB_SOCIAL_SECURITY_DATABASE_URL": "postgresql://agency@db/social",
    }
    # when
    connectors = Settings.from_env(env).connectors
    # then
    assert connectors["public_security"].timeout == 0.25
    assert connectors["real_estate"].timeout == 4.0
    assert connectors["social_security"].url == "postgresql://agency@db/social"
    assert connectors["social_security"].timeout == 4.0


def test_an_empty_variable_counts_as_unset_and_names_are_exact(tmp_path: Path) -> None:
    # given an empty HUB_ENV and HUB_MAX_ALIASES, and a lower-case spelling of a variable
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_ENV": "", "HUB_MAX_ALIASES": "", "hub_env": "x"}
    # when
    settings = Settings.from_env(env)
    # then the defaults hold and the lower-case name was not read
    assert settings.env == "development"
    assert settings.max_aliases == 50


def test_an_explicit_mapping_is_read_instead_of_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the process environment saying production and a bad limit
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.setenv("HUB_MAX_QUERY_COST", "abc")
    # when settings are read from a mapping of their own
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)})
    # then the process environment played no part
    assert settings.env == "development"
    assert settings.max_query_cost == 50000


def test_without_a_mapping_the_process_environment_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_MAX_QUERY_COST", "321")
    monkeypatch.setenv("HUB_REAL_ESTATE_TIMEOUT", "9")
    # when
    settings = Settings.from_env()
    # then
    assert settings.data_dir == tmp_path
    assert settings.max_query_cost == 321
    assert settings.connectors["real_estate"].timeout == 9.0


def test_the_ops_token_is_read_from_its_file_and_not_shown(tmp_path: Path) -> None:
    # given a file holding the token
    (tmp_path / "ops.token").write_text("  ops-token-of-24-characters \n", encoding="utf-8")
    # when
    settings = Settings.from_env(
        {"HUB_DATA_DIR": str(tmp_path), "HUB_OPS_TOKEN_FILE": str(tmp_path / "ops.token")}
    )
    # then it holds the token, stripped, and its representation does not
    assert settings.ops_token == "ops-token-of-24-characters"
    assert "ops-token-of-24-characters" not in repr(settings)


def test_the_ops_token_cannot_come_from_the_environment_itself(tmp_path: Path) -> None:
    # given the token put straight into a variable (it would leak into logs and process lists)
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_OPS_TOKEN": "ops-token-of-24-characters"}
    # when
    settings = Settings.from_env(env)
    # then it is not read
    assert settings.ops_token is None


# --- mistakes ------------------------------------------------------------------------------------

MISTAKES: list[tuple[str, str, str]] = [
    ("HUB_MAX_QUERY_COST", "abc", "HUB_MAX_QUERY_COST must be an integer, got 'abc'"),
    ("HUB_MAX_QUERY_COST", "-5", "HUB_MAX_QUERY_COST must be at least 1, got '-5'"),
    ("HUB_MAX_QUERY_COST", "0", "HUB_MAX_QUERY_COST must be at least 1, got '0'"),
    ("HUB_MAX_QUERY_COST", "2.5", "HUB_MAX_QUERY_COST must be an integer, got '2.5'"),
    ("HUB_MAX_BODY_BYTES", "1MB", "HUB_MAX_BODY_BYTES must be an integer, got '1MB'"),
    (
        "HUB_CONNECTOR_TIMEOUT",
        "0",
        "HUB_CONNECTOR_TIMEOUT must be a positive number of seconds, got '0'",
    ),
    (
        "HUB_CONNECTOR_TIMEOUT",
        "nan",
        "HUB_CONNECTOR_TIMEOUT must be a positive number of seconds, got 'nan'",
    ),
    ("HUB_AUDIT_WRITE_TIMEOUT", "soon", "HUB_AUDIT_WRITE_TIMEOUT must be a number, got 'soon'"),
    (
        "HUB_REFERENCE_PRICE_PER_SQM",
        "cheap",
        "HUB_REFERENCE_PRICE_PER_SQM must be a number, got 'cheap'",
    ),
    (
        "HUB_REFERENCE_PRICE_PER_SQM",
        "0",
        "HUB_REFERENCE_PRICE_PER_SQM must be a positive number, got '0'",
    ),
    (
        "HUB_OVER_SEIZURE_FACTOR",
        "0.5",
        "HUB_OVER_SEIZURE_FACTOR must be a number of at least 1, got '0.5'",
    ),
    (
        "HUB_PURPOSE_CACHE_SECONDS",
        "-1",
        "HUB_PURPOSE_CACHE_SECONDS must be 0 or a positive number of seconds, got '-1'",
    ),
    (
        "HUB_PUBLIC_SECURITY_TIMEOUT",
        "abc",
        "HUB_PUBLIC_SECURITY_TIMEOUT must be a number, got 'abc'",
    ),
    (
        "HUB_REAL_ESTATE_TIMEOUT",
        "-1",
        "HUB_REAL_ESTATE_TIMEOUT must be a positive number of seconds, got '-1'",
    ),
    ("HUB_ENV", "prod", "HUB_ENV must be one of development, production, got 'prod'"),
    (
        "HUB_WORKING_HOURS",
        "9-5",
        "HUB_WORKING_HOURS must look like 08:30-17:30 (Asia/Shanghai), got '9-5'",
    ),
    (
        "HUB_MAX_TOKEN_LIFETIME",
        "12x",
        "HUB_MAX_TOKEN_LIFETIME must be a positive duration such as 3600, 30m, 8h or 7d, got '12x'",
    ),
    (
        "HUB_TRUSTED_PROXIES",
        "10.0.0.1,gateway",
        "HUB_TRUSTED_PROXIES must list IP addresses or networks: 'gateway' is not an IP"
        " address or network (e.g. 10.0.0.5 or 10.0.0.0/24)",
    ),
    (
        "HUB_CONSOLE_LOGIN_URL",
        "javascript:alert(1)",
        "HUB_CONSOLE_LOGIN_URL must be an http(s) URL or a path on this host,"
        " got 'javascript:alert(1)'",
    ),
    ("HUB_AUDIT_WITNESS_QUORUM", "-1", "HUB_AUDIT_WITNESS_QUORUM must not be negative, got '-1'"),
]


@pytest.mark.parametrize(
    ("variable", "raw", "message"), MISTAKES, ids=[f"{v}={r}" for v, r, _ in MISTAKES]
)
def test_a_bad_value_is_refused_naming_the_variable(
    tmp_path: Path, variable: str, raw: str, message: str
) -> None:
    # given one variable with a bad value
    env = {"HUB_DATA_DIR": str(tmp_path), variable: raw}
    # when
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    # then the message names the variable, what is wrong and the value
    assert str(error.value) == message


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    # given three bad variables
    env = {
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_MAX_ALIASES": "many",
        "HUB_MAX_TOKENS": "0",
        "HUB_ENV": "staging",
    }
    # when
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    # then each is named
    message = str(error.value)
    assert "HUB_MAX_ALIASES must be an integer, got 'many'" in message
    assert "HUB_MAX_TOKENS must be at least 1, got '0'" in message
    assert "HUB_ENV must be one of development, production, got 'staging'" in message


@pytest.mark.parametrize("variable", ["HUB_DATABASE_URL", "HUB_MARKET_SUPERVISION_DATABASE_URL"])
def test_a_bad_database_url_is_named_without_echoing_it(tmp_path: Path, variable: str) -> None:
    # given a malformed URL that holds a password
    env = {"HUB_DATA_DIR": str(tmp_path), variable: "postgresql//hub:s3cret@db/hub"}
    # when
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    # then the variable is named, the password is not repeated
    assert (
        str(error.value) == f"{variable} must be a database URL such as postgresql://user@host/db"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [("short", "must hold a token of at least 16 characters"), (None, "cannot read")],
    ids=["too-short", "missing"],
)
def test_a_bad_ops_token_file_is_refused(tmp_path: Path, content: str | None, message: str) -> None:
    # given
    path = tmp_path / "ops.token"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    # when
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_OPS_TOKEN_FILE": str(path)})
    # then
    assert str(error.value).startswith("HUB_OPS_TOKEN_FILE: ")
    assert message in str(error.value)


def test_an_override_is_validated_like_a_variable(tmp_path: Path) -> None:
    # given / when an override out of range
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"HUB_DATA_DIR": str(tmp_path)}, max_aliases=0)
    # then
    assert str(error.value) == "HUB_MAX_ALIASES must be at least 1, got 0"


def test_fyt_config_check_names_a_bad_variable(tmp_path: Path) -> None:
    # given a mistyped limit
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_CONFIG": None, "HUB_MAX_QUERY_COST": "abc"}
    # when
    result = CliRunner().invoke(main, ["config", "check"], env=env)
    # then
    assert result.exit_code == 1, result.output
    assert "Error: HUB_MAX_QUERY_COST must be an integer, got 'abc'" in result.output
    assert "Traceback" not in result.output


# --- frozen, and variants --------------------------------------------------------------------------


def test_settings_cannot_change_while_the_hub_runs(tmp_path: Path) -> None:
    # given
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)})
    # when / then nothing in them can be assigned
    with pytest.raises(ValueError, match="frozen"):
        settings.env = "production"  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.connectors["real_estate"] = settings.connectors["public_security"]  # type: ignore[index]
    with pytest.raises(ValueError, match="frozen"):
        settings.connectors["real_estate"].timeout = 9.0  # type: ignore[misc]
    assert settings.env == "development"


def test_replace_makes_a_validated_variant_and_leaves_the_original(tmp_path: Path) -> None:
    # given
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)})
    # when
    production = settings.replace(env="production", max_query_depth=8)
    # then only the named settings differ
    assert (production.env, production.max_query_depth) == ("production", 8)
    assert (settings.env, settings.max_query_depth) == ("development", 12)
    assert production.connectors == settings.connectors
    assert production.database_url == settings.database_url


def test_replace_refuses_a_bad_value_or_an_unknown_name(tmp_path: Path) -> None:
    # given
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)})
    # when / then
    with pytest.raises(ConfigError, match=r"^HUB_MAX_QUERY_DEPTH must be at least 1, got 0$"):
        settings.replace(max_query_depth=0)
    with pytest.raises(TypeError, match="max_query_detph"):
        settings.replace(max_query_detph=8)
    with pytest.raises(ConfigError, match=r"^timeout must be a positive number of seconds"):
        settings.connectors["real_estate"].replace(timeout=0)


# --- witnesses -------------------------------------------------------------------------------------


def test_the_witness_policy_comes_from_the_settings(tmp_path: Path) -> None:
    # given no witnesses' file, a grace and a quorum of 0
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_AUDIT_WITNESS_GRACE": "5"})
    # when
    policy = WitnessPolicy.from_settings(settings)
    # then
    assert (policy.witnesses, policy.quorum, policy.grace, policy.source) == ((), 0, 5.0, None)
