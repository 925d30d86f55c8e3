"""`fyt serve` with HUB_ENV=production refuses what `fyt serve --demo` leaves in a data directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.hub.test_cli import fyt, ok, refused

HEADLINE = "refusing to start with HUB_ENV=production"


@pytest.fixture(autouse=True)
def never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a refusal regress, the command fails here instead of serving forever."""
    import uvicorn

    def started(*args: object, **kwargs: object) -> None:
        raise AssertionError("fyt serve started serving")

    monkeypatch.setattr(uvicorn, "run", started)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory as the demo leaves it: seeded, with its key and the demo users' tokens."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    ok(fyt(data_dir, "demo", "seed", "--persons", "60"))
    tokens = ok(fyt(data_dir, "demo", "info", "--json"))
    (data_dir / "demo-tokens.json").write_text(tokens, encoding="utf-8")
    return data_dir


@pytest.fixture
def copy(demo_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "fyt-data"
    shutil.copytree(demo_dir, target)
    return target


def serve_production(data_dir: Path, **env: str) -> str:
    result = fyt(data_dir, "serve", HUB_ENV="production", **env)
    assert result.exit_code == 1, result.output
    return refused(result, HEADLINE)


def test_the_demo_data_directory_is_refused_naming_its_files(copy: Path) -> None:
    # given the demo's data directory; when production is served from it
    output = serve_production(copy)
    # then the development key and the demo tokens are named, with what to do
    assert str(copy / "keys" / "jwt-signing-key.pem") in output
    assert str(copy / "demo-tokens.json") in output
    assert "HUB_DATA_DIR" in output
    assert "Console:" not in output  # it never got as far as serving


def test_the_demo_tokens_alone_are_refused(copy: Path) -> None:
    # given only the demo users' tokens left behind (keys moved out, JWKS replaced)
    shutil.rmtree(copy / "keys")
    ok(fyt(copy, "keys", "generate", HUB_JWT_PRIVATE_KEY=str(copy.parent / "prod.pem")))
    output = serve_production(copy, HUB_JWT_PRIVATE_KEY=str(copy.parent / "prod.pem"))
    assert str(copy / "demo-tokens.json") in output
    assert "jwt-signing-key.pem" not in output


def test_a_jwks_that_still_trusts_the_development_key_is_refused(copy: Path) -> None:
    # given the operator removed the private key and the tokens, but kept the demo's JWKS
    kid = json.loads((copy / "keys" / "jwks.json").read_text())["keys"][0]["kid"]
    (copy / "keys" / "jwt-signing-key.pem").unlink()
    (copy / "keys" / "jwt-signing-key.kid").unlink()
    (copy / "demo-tokens.json").unlink()
    # when production is served, then the JWKS and the development key id are named
    output = serve_production(copy)
    assert str(copy / "keys" / "jwks.json") in output
    assert kid in output and kid.startswith("dev-")
    assert "HUB_JWT_PUBLIC_KEYS" in output


def test_a_jwks_elsewhere_with_the_development_key_is_refused(copy: Path, tmp_path: Path) -> None:
    # given a clean data directory, but HUB_JWT_PUBLIC_KEYS still pointing at the demo's JWKS
    clean = tmp_path / "prod-data"
    clean.mkdir()
    jwks = copy / "keys" / "jwks.json"
    output = serve_production(clean, HUB_JWT_PUBLIC_KEYS=str(jwks))
    assert str(jwks) in output and "development signing key" in output


def test_a_key_named_by_the_kid_file_is_recognised_without_the_prefix(tmp_path: Path) -> None:
    # given a key made before development keys had the dev- prefix: its id is in the .kid file
    data_dir = tmp_path / "old-demo"
    ok(fyt(data_dir, "keys", "generate"))
    kid = (data_dir / "keys" / "jwt-signing-key.kid").read_text().strip()
    assert not kid.startswith("dev-")
    (data_dir / "keys" / "jwt-signing-key.pem").unlink()
    # then the JWKS trusting it is refused, naming the key id
    output = serve_production(data_dir)
    assert kid in output and str(data_dir / "keys" / "jwks.json") in output


def test_a_production_data_directory_passes_the_check(tmp_path: Path) -> None:
    # given production keys: the private key outside the data directory, the JWKS inside
    data_dir = tmp_path / "prod-data"
    private = tmp_path / "secrets" / "signing.pem"
    ok(fyt(data_dir, "keys", "generate", HUB_JWT_PRIVATE_KEY=str(private)))
    # when production is served, then it goes past the check (to the unmigrated database)
    result = fyt(data_dir, "serve", HUB_ENV="production", HUB_JWT_PRIVATE_KEY=str(private))
    output = refused(result, "fyt db upgrade")
    assert HEADLINE not in output
