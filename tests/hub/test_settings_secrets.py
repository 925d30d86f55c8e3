"""Secrets from files (the database password) and the identity provider's JWKS URL's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigError, Settings

URL = "postgresql://fyt@db.court.internal:5432/fyt"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_database_password_comes_from_its_file(tmp_path: Path) -> None:
    # given a URL without a password and a mounted secret holding one (with a newline, as
    # `echo` and editors leave it; characters that must be escaped in a URL)
    secret = write(tmp_path / "db-password", "p@ss:w/rd%1\n")
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_DATABASE_URL": URL}
    # when
    settings = Settings.from_env({**env, "HUB_DATABASE_PASSWORD_FILE": str(secret)})
    # then the hub connects with it, escaped, and never shows it
    assert settings.database_url == (
        "postgresql+asyncpg://fyt:p%40ss%3Aw%2Frd%251@db.court.internal:5432/fyt"
    )
    assert "p@ss" not in repr(settings) and "p%40ss" not in repr(settings)
    # and a variant keeps it as it is
    assert settings.replace(max_aliases=9).database_url == settings.database_url


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "HUB_DATABASE_PASSWORD_FILE: cannot read "),
        ("\n", "HUB_DATABASE_PASSWORD_FILE: "),
    ],
    ids=["missing", "empty"],
)
def test_a_bad_password_file_is_refused(tmp_path: Path, content: str | None, message: str) -> None:
    # given a password file that is missing or empty
    path = tmp_path / "db-password"
    if content is not None:
        write(path, content)
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_DATABASE_URL": URL}
    # when / then the settings are refused, naming the variable
    with pytest.raises(ConfigError) as error:
        Settings.from_env({**env, "HUB_DATABASE_PASSWORD_FILE": str(path)})
    assert str(error.value).startswith(message)
    assert ("is empty" in str(error.value)) == (content is not None)


def test_a_password_file_for_a_sqlite_database_is_a_mistake(tmp_path: Path) -> None:
    # given the default SQLite database and a password file
    secret = write(tmp_path / "db-password", "secret\n")
    # when / then
    with pytest.raises(ConfigError) as error:
        Settings.from_env(
            {"HUB_DATA_DIR": str(tmp_path), "HUB_DATABASE_PASSWORD_FILE": str(secret)}
        )
    assert str(error.value) == (
        "HUB_DATABASE_URL is not a PostgreSQL database: HUB_DATABASE_PASSWORD_FILE is the"
        " password of a postgresql://user@host/db URL"
    )
    assert "secret" not in str(error.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://idp.court.example/certs",
        "http://127.0.0.1:8080/certs",
        "http://localhost/certs",
        "http://[::1]:8080/certs",
    ],
)
def test_production_takes_a_jwks_url_over_tls_or_on_this_host(tmp_path: Path, url: str) -> None:
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_ENV": "production", "HUB_JWT_JWKS_URL": url}
    assert Settings.from_env(env).jwt_jwks_url == url


@pytest.mark.parametrize(
    "url", ["http://idp.court.example/certs", "http://10.1.2.3/certs", "http://127.example/certs"]
)
def test_production_refuses_a_plain_http_jwks_url_elsewhere(tmp_path: Path, url: str) -> None:
    # given a JWKS URL without TLS to another host: whoever sits on the path could hand the
    # hub keys of their own and sign in as anyone
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_JWT_JWKS_URL": url}
    # when / then production refuses it, development takes it
    with pytest.raises(ConfigError) as error:
        Settings.from_env({**env, "HUB_ENV": "production"})
    assert str(error.value) == (
        "HUB_JWT_JWKS_URL must be an https:// URL with HUB_ENV=production (plain http:// only"
        f" to this host: localhost, 127.0.0.1, ::1), got {url!r}"
    )
    assert Settings.from_env(env).jwt_jwks_url == url


@pytest.mark.parametrize("url", ["ftp://idp.court.example/certs", "idp.court.example", "https://"])
def test_a_jwks_url_must_be_http(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_JWT_JWKS_URL": url})
    assert str(error.value) == (
        f"HUB_JWT_JWKS_URL must be the identity provider's JWKS URL, https://host/path, got {url!r}"
    )
