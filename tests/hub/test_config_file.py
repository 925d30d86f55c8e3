"""The connector configuration file (``HUB_CONFIG``) and ``fyt config check``."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from connectors import registry
from hub.cli import main
from hub.config import ConfigError, ConnectorSettings, Settings, load_connector_file

AGENCY_NAMES = (
    "public_security",
    "real_estate",
    "market_supervision",
    "social_security",
    "tax",
    "utilities",
)
# every connector: the agencies, then the demo's banks (docs/banks.md)
BANK_NAMES = tuple(f"bank:{c}" for c in ("102", "103", "104", "105", "301", "403", "308", "313"))
NAMES = AGENCY_NAMES + BANK_NAMES

ALL_REMOTE = """
[connectors.public_security]
mode = "remote"
url = "http://127.0.0.1:7101"
timeout = 1.5
retries = 0
max_concurrency = 8
breaker_failures = 3
breaker_reset = 2
token_file = "secrets/public_security.token"

[connectors.real_estate]
mode = "remote"
url = "https://real-estate.agency.example:8443/"
timeout = 3
retries = 10
max_concurrency = 1
breaker_failures = 1
breaker_reset = 0.5

[connectors.market_supervision]
mode = "remote"
url = "http://10.0.0.7:7103"
timeout = 0.25
retries = 1
max_concurrency = 200
breaker_failures = 20
breaker_reset = 60.0

[connectors.social_security]
mode = "remote"
url = "http://social-security.local:7104"
timeout = 4.0
retries = 2
max_concurrency = 16
breaker_failures = 5
breaker_reset = 5

[connectors.tax]
mode = "remote"
url = "http://tax.local:7105"
timeout = 2.5
retries = 3
max_concurrency = 32
breaker_failures = 4
breaker_reset = 10

[connectors.utilities]
mode = "remote"
url = "http://utilities.local:7106"
timeout = 5
retries = 0
max_concurrency = 4
breaker_failures = 2
breaker_reset = 1.5
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def from_file(tmp_path: Path, config: Path) -> Settings:
    return Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_CONFIG": str(config)})


def base(tmp_path: Path) -> dict[str, ConnectorSettings]:
    return Settings.from_env({"HUB_DATA_DIR": str(tmp_path)}).connectors


def embedded_url(data_dir: Path, name: str) -> str:
    return f"sqlite:///{data_dir.resolve() / 'agencies' / (name + '.sqlite3')}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- a valid file ----------------------------------------------------------------------------


def test_a_remote_configuration_of_every_connector_is_read(tmp_path: Path) -> None:
    # given a file configuring every connector as remote, and a token file next to it
    config = write(tmp_path / "conf" / "hub.toml", ALL_REMOTE)
    write(tmp_path / "conf" / "secrets" / "public_security.token", "  tok-123\n\n")
    # when
    settings = from_file(tmp_path / "data", config)
    # then every connector has exactly the configured values
    got = {
        name: (
            c.mode,
            c.service_url,
            c.timeout,
            c.retries,
            c.max_concurrency,
            c.breaker_failures,
            c.breaker_reset,
            c.token,
        )
        for name, c in settings.connectors.items()
        if name in AGENCY_NAMES
    }
    # (the banks, which the file does not name, stay embedded)
    assert {settings.connectors[name].mode for name in BANK_NAMES} == {"embedded"}
    assert got == {
        "public_security": ("remote", "http://127.0.0.1:7101", 1.5, 0, 8, 3, 2.0, "tok-123"),
        "real_estate": (
            "remote",
            "https://real-estate.agency.example:8443/",
            3.0,
            10,
            1,
            1,
            0.5,
            None,
        ),
        "market_supervision": ("remote", "http://10.0.0.7:7103", 0.25, 1, 200, 20, 60.0, None),
        "social_security": (
            "remote",
            "http://social-security.local:7104",
            4.0,
            2,
            16,
            5,
            5.0,
            None,
        ),
        "tax": ("remote", "http://tax.local:7105", 2.5, 3, 32, 4, 10.0, None),
        "utilities": ("remote", "http://utilities.local:7106", 5.0, 0, 4, 2, 1.5, None),
    }
    assert all(isinstance(c.timeout, float) for c in settings.connectors.values())
    assert all(isinstance(c.breaker_reset, float) for c in settings.connectors.values())
    assert settings.connectors["public_security"].target == "http://127.0.0.1:7101"
    assert settings.config_file == config.resolve()


def test_unconfigured_connectors_stay_embedded_with_their_defaults(tmp_path: Path) -> None:
    # given a file configuring only two connectors
    config = write(
        tmp_path / "hub.toml",
        """
[connectors.real_estate]
mode = "remote"
url = "http://127.0.0.1:7102"

[connectors.social_security]
database_url = "postgresql://agency@db.local/social"
timeout = 9
""",
    )
    data_dir = tmp_path / "data"
    # when
    settings = from_file(data_dir, config)
    connectors = settings.connectors
    # then the two are as configured, limits left out keep their defaults
    remote = connectors["real_estate"]
    assert (remote.mode, remote.service_url, remote.timeout, remote.retries) == (
        "remote",
        "http://127.0.0.1:7102",
        2.0,
        2,
    )
    assert (remote.max_concurrency, remote.breaker_failures, remote.breaker_reset) == (64, 5, 5.0)
    social = connectors["social_security"]
    assert (social.mode, social.url, social.timeout, social.service_url) == (
        "embedded",
        "postgresql://agency@db.local/social",
        9.0,
        None,
    )
    # and the others are embedded over the data directory, as without a file
    for name in ("public_security", "market_supervision"):
        assert connectors[name] == ConnectorSettings(url=embedded_url(data_dir, name), timeout=2.0)
        assert connectors[name].target == embedded_url(data_dir, name)
    assert list(connectors) == list(NAMES)


def test_environment_timeouts_are_the_base_the_file_overrides(tmp_path: Path) -> None:
    # given a file setting one connector's timeout, and environment timeouts
    config = write(tmp_path / "hub.toml", "[connectors.public_security]\ntimeout = 0.5\n")
    env = {
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_CONFIG": str(config),
        "HUB_CONNECTOR_TIMEOUT": "7",
        "HUB_PUBLIC_SECURITY_TIMEOUT": "8",
    }
    # when
    connectors = Settings.from_env(env).connectors
    # then the file wins for its connector, the environment for the others
    assert connectors["public_security"].timeout == 0.5
    assert connectors["real_estate"].timeout == 7.0


def test_an_empty_file_changes_nothing(tmp_path: Path) -> None:
    # given
    config = write(tmp_path / "hub.toml", "# nothing configured yet\n")
    # when / then
    assert from_file(tmp_path, config).connectors == base(tmp_path)


def test_the_token_file_is_relative_to_the_configuration_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a configuration file elsewhere than the working directory, naming a token file next to it
    conf_dir = tmp_path / "etc" / "fyt"
    config = write(
        conf_dir / "hub.toml",
        '[connectors.real_estate]\nmode = "remote"\nurl = "http://127.0.0.1:1"\n'
        'token_file = "real_estate.token"\n',
    )
    write(conf_dir / "real_estate.token", "\n\t s3cret-token \n")
    write(tmp_path / "real_estate.token", "the-wrong-one\n")
    monkeypatch.chdir(tmp_path)
    # when
    settings = from_file(tmp_path, config)
    # then it was read from beside the configuration, stripped
    assert settings.connectors["real_estate"].token == "s3cret-token"
    assert settings.connectors["public_security"].token is None


# --- mistakes --------------------------------------------------------------------------------

PS = "[connectors.public_security]"
REMOTE = 'mode = "remote"\nurl = "http://127.0.0.1:7101"\n'

MISTAKES: list[tuple[str, str, tuple[str, ...]]] = [
    ("invalid-toml", "[connectors.public_security\nmode = 1\n", ("not valid TOML",)),
    ("unknown-section", "[server]\nport = 8000\n", ("unknown section 'server'",)),
    ("connectors-not-a-table", "connectors = 5\n", ("connectors must be a table",)),
    (
        "connector-not-a-table",
        "[connectors]\npublic_security = 1\n",
        ("[connectors.public_security] must be a table",),
    ),
    (
        "unknown-key",
        f"{PS}\ntimout = 2\n",
        (PS, "unknown key 'timout'", "timeout", "breaker_reset"),
    ),
    ("string-timeout", f'{PS}\ntimeout = "2"\n', (PS, "timeout must be int or float")),
    ("bool-retries", f"{PS}\nretries = true\n", (PS, "retries must be int")),
    ("float-retries", f"{PS}\nretries = 1.5\n", (PS, "retries must be int")),
    ("list-url", f'{PS}\nmode = "remote"\nurl = ["http://a"]\n', (PS, "url must be str")),
    (
        "bad-mode",
        f'{PS}\nmode = "local"\n',
        (PS, "mode must be one of embedded, remote", "'local'"),
    ),
    (
        "remote-without-url",
        f'{PS}\nmode = "remote"\n',
        (PS, "a remote connector needs the agency service's url"),
    ),
    (
        "remote-empty-url",
        f'{PS}\nmode = "remote"\nurl = ""\n',
        (PS, "a remote connector needs the agency service's url"),
    ),
    (
        "url-not-http",
        f'{PS}\nmode = "remote"\nurl = "ftp://agency.example"\n',
        (PS, "url must start with http:// or https://"),
    ),
    (
        "url-without-scheme",
        f'{PS}\nmode = "remote"\nurl = "127.0.0.1:7101"\n',
        (PS, "url must start with http:// or https://"),
    ),
    (
        "url-for-embedded",
        f'{PS}\nurl = "http://127.0.0.1:7101"\n',
        (PS, 'url is for mode = "remote"', "database_url"),
    ),
    (
        "zero-timeout",
        f"{PS}\n{REMOTE}timeout = 0\n",
        (PS, "timeout must be a positive number of seconds"),
    ),
    (
        "negative-timeout",
        f"{PS}\ntimeout = -1.5\n",
        (PS, "timeout must be a positive number of seconds"),
    ),
    (
        "zero-breaker-reset",
        f"{PS}\nbreaker_reset = 0\n",
        (PS, "breaker_reset must be a positive number of seconds"),
    ),
    (
        "zero-concurrency",
        f"{PS}\nmax_concurrency = 0\n",
        (PS, "max_concurrency must be at least 1"),
    ),
    (
        "zero-breaker-failures",
        f"{PS}\nbreaker_failures = 0\n",
        (PS, "breaker_failures must be at least 1"),
    ),
    ("retries-11", f"{PS}\nretries = 11\n", (PS, "retries must be between 0 and 10")),
    ("retries-negative", f"{PS}\nretries = -1\n", (PS, "retries must be between 0 and 10")),
]


@pytest.mark.parametrize(("case", "text", "needles"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_mistake_is_a_config_error_naming_the_file_and_the_key(
    tmp_path: Path, case: str, text: str, needles: tuple[str, ...]
) -> None:
    # given a configuration file with one mistake
    config = write(tmp_path / "hub.toml", text)
    # when
    with pytest.raises(ConfigError) as error:
        from_file(tmp_path, config)
    # then the message names the file and what is wrong
    message = str(error.value)
    assert str(config) in message, (case, message)
    for needle in needles:
        assert needle in message, (case, needle, message)


def test_a_missing_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    # given
    config = tmp_path / "nowhere" / "hub.toml"
    # when
    with pytest.raises(ConfigError) as error:
        from_file(tmp_path, config)
    # then
    assert str(error.value) == f"HUB_CONFIG: no file {config}"


def test_an_unknown_connector_is_refused_listing_the_known_ones(tmp_path: Path) -> None:
    # given
    config = write(tmp_path / "hub.toml", '[connectors.police]\nmode = "remote"\n')
    # when
    with pytest.raises(ConfigError) as error:
        from_file(tmp_path, config)
    # then
    message = str(error.value)
    assert message.startswith(f"{config}: [connectors.police]: unknown connector")
    assert f"known connectors: {', '.join(registry.names())}" in message


def test_a_mistake_after_a_valid_connector_still_fails_the_whole_file(tmp_path: Path) -> None:
    # given a file whose second connector is wrong
    config = write(
        tmp_path / "hub.toml",
        f"{PS}\n{REMOTE}\n[connectors.real_estate]\nmax_concurrency = 0\n",
    )
    # when / then
    with pytest.raises(ConfigError, match=r"\[connectors\.real_estate\]: max_concurrency"):
        from_file(tmp_path, config)


@pytest.mark.parametrize("content", ["", "\n", "   \n\t\n"], ids=["empty", "newline", "blanks"])
def test_an_empty_token_file_is_refused(tmp_path: Path, content: str) -> None:
    # given
    config = write(tmp_path / "hub.toml", f'{PS}\n{REMOTE}token_file = "ps.token"\n')
    token = write(tmp_path / "ps.token", content)
    # when
    with pytest.raises(ConfigError) as error:
        from_file(tmp_path, config)
    # then
    message = str(error.value)
    assert message.startswith(f"{config}: {PS}: token_file")
    assert f"{token.resolve()} is empty" in message


@pytest.mark.parametrize("kind", ["missing", "a-directory"])
def test_an_unreadable_token_file_is_refused(tmp_path: Path, kind: str) -> None:
    # given a token file that is not there, or is a directory (unreadable even for root)
    config = write(tmp_path / "hub.toml", f'{PS}\n{REMOTE}token_file = "ps.token"\n')
    if kind == "a-directory":
        (tmp_path / "ps.token").mkdir()
    # when
    with pytest.raises(ConfigError) as error:
        from_file(tmp_path, config)
    # then
    message = str(error.value)
    assert message.startswith(f"{config}: {PS}: cannot read token_file {tmp_path / 'ps.token'}")


@pytest.mark.parametrize("key", ["timeout", "breaker_reset"])
def test_a_nan_duration_is_refused(tmp_path: Path, key: str) -> None:
    # given
    config = write(tmp_path / "hub.toml", f"{PS}\n{key} = nan\n")
    # when / then
    with pytest.raises(ConfigError, match=key):
        from_file(tmp_path, config)


@pytest.mark.parametrize("kind", ["config-is-a-directory", "token-not-utf8"])
def test_an_unreadable_file_is_a_config_error(tmp_path: Path, kind: str) -> None:
    # given
    if kind == "config-is-a-directory":
        config = tmp_path / "hub.toml"
        config.mkdir()
    else:
        config = write(tmp_path / "hub.toml", f'{PS}\n{REMOTE}token_file = "ps.token"\n')
        (tmp_path / "ps.token").write_bytes(b"\xff\xfe secret")
    # when / then
    with pytest.raises(ConfigError, match=str(config)):
        from_file(tmp_path, config)


def test_load_connector_file_leaves_its_base_alone(tmp_path: Path) -> None:
    # given
    connectors = base(tmp_path)
    snapshot = dict(connectors)
    config = write(tmp_path / "hub.toml", ALL_REMOTE.replace("token_file", "# token_file"))
    # when
    out = load_connector_file(config, connectors)
    # then
    assert connectors == snapshot
    assert {out[name].mode for name in AGENCY_NAMES} == {"remote"}


# --- fyt config check ------------------------------------------------------------------------


def check(data_dir: Path, *args: str, config: Path | None = None) -> Result:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(data_dir)
    env["HUB_CONFIG"] = str(config) if config else None
    return CliRunner().invoke(main, ["config", "check", *args], env=env)


def connector_lines(output: str) -> dict[str, str]:
    lines = output.splitlines()
    start = lines.index("connectors:") + 1
    return {line.split()[0]: line for line in lines[start:] if line.startswith("  ")}


def test_config_check_prints_every_connector_and_says_valid(tmp_path: Path) -> None:
    # given a valid file with two remote connectors, one with a token
    config = write(
        tmp_path / "hub.toml",
        f'{PS}\n{REMOTE}token_file = "ps.token"\ntimeout = 1.5\n\n'
        '[connectors.real_estate]\nmode = "remote"\nurl = "https://re.example"\nretries = 0\n',
    )
    write(tmp_path / "ps.token", "tok-never-printed\n")
    data_dir = tmp_path / "data"
    # when
    result = check(data_dir, config=config)
    # then
    assert result.exit_code == 0, result.output
    assert f"configuration file: {config.resolve()}" in result.output
    assert f"data directory:     {data_dir.resolve()}" in result.output
    lines = connector_lines(result.output)
    assert list(lines) == list(NAMES)
    assert lines["public_security"].split()[1:3] == ["remote", "http://127.0.0.1:7101"]
    assert "timeout 1.5 s" in lines["public_security"]
    assert lines["public_security"].endswith(", token set")
    assert lines["real_estate"].split()[1:3] == ["remote", "https://re.example"]
    assert "retries 0" in lines["real_estate"]
    assert "token set" not in lines["real_estate"]
    for name in ("market_supervision", "social_security"):
        assert lines[name].split()[1:3] == ["embedded", embedded_url(data_dir, name)]
        assert "timeout 2 s, retries 2, concurrency 64, breaker 5 failures / 5 s" in lines[name]
    assert "tok-never-printed" not in result.output
    assert result.output.rstrip().endswith("configuration is valid")


def test_config_check_without_a_file_says_so(tmp_path: Path) -> None:
    # when
    result = check(tmp_path)
    # then
    assert result.exit_code == 0, result.output
    assert "configuration file: (none: HUB_CONFIG is not set)" in result.output
    assert {line.split()[1] for line in connector_lines(result.output).values()} == {"embedded"}
    assert "configuration is valid" in result.output


def test_config_check_of_an_invalid_file_exits_1_with_the_message(tmp_path: Path) -> None:
    # given
    config = write(tmp_path / "hub.toml", f"{PS}\nretries = 11\n")
    # when
    result = check(tmp_path, config=config)
    # then
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"Error: {config}: {PS}: retries must be between 0 and 10" in result.output
    assert "configuration is valid" not in result.output
    assert "Traceback" not in result.output


def test_config_check_probe_reports_remote_connectors_nobody_answers(
    tmp_path: Path, settings: Settings
) -> None:
    # given two remote connectors on a port nobody listens on, the others over the demo data
    port = free_port()
    config = write(
        tmp_path / "hub.toml",
        f'{PS}\nmode = "remote"\nurl = "http://127.0.0.1:{port}"\ntimeout = 2\n\n'
        f'[connectors.real_estate]\nmode = "remote"\nurl = "http://127.0.0.1:{port}/re"\n'
        "timeout = 2\n",
    )
    # when
    result = check(settings.data_dir, "--probe", config=config)
    # then the two fail, the embedded ones answer, and the check fails
    assert result.exit_code == 1, result.output
    lines = connector_lines(result.output)
    for name in ("public_security", "real_estate"):
        assert "[FAILED: " in lines[name], lines[name]
        assert "unreachable" in lines[name]
    for name in ("market_supervision", "social_security"):
        assert lines[name].endswith("[ok]"), lines[name]
    assert "Error: 2 connector(s) did not answer" in result.output
    assert "configuration is valid" not in result.output


def test_config_check_probe_over_the_demo_data_is_ok(settings: Settings) -> None:
    # given the seeded demo, every connector embedded
    # when
    result = check(settings.data_dir, "--probe")
    # then
    assert result.exit_code == 0, result.output
    lines = connector_lines(result.output)
    assert list(lines) == list(NAMES)
    for name in NAMES:
        assert lines[name].split()[1] == "embedded"
        assert lines[name].endswith("[ok]"), lines[name]
    assert "configuration is valid" in result.output


def test_config_check_probe_of_missing_agency_databases_fails(tmp_path: Path) -> None:
    # given an empty data directory (no agency database)
    # when
    result = check(tmp_path, "--probe")
    # then every connector failed, and no database was created
    assert result.exit_code == 1, result.output
    lines = connector_lines(result.output)
    assert all("[FAILED: " in line for line in lines.values()), result.output
    assert f"Error: {len(NAMES)} connector(s) did not answer" in result.output
    assert not (tmp_path / "agencies").exists()
