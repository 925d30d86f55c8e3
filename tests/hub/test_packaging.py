"""The package carries what the hub reads at run time: the policy, the migrations, the console."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

import hub
from hub.config import POLICY_DIR, Settings
from hub.db.engine import alembic_config

REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path(hub.__file__).resolve().parent
HEAD = "0020"  # the latest migration (as tests/hub/test_migrations.py)


def package_data_globs() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return list(project["tool"]["setuptools"]["package-data"]["hub"])


def test_every_data_file_under_hub_is_shipped_as_package_data() -> None:
    # given every file under hub/ that is not a module (what a wheel would otherwise leave out)
    data = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    # when they are matched against pyproject's package-data globs
    globs = package_data_globs()
    unshipped = [f for f in data if not any(fnmatch.fnmatchcase(f, g) for g in globs)]
    # then each is shipped, and the policy, the migrations' template and the console are among them
    assert unshipped == []
    for needed in (
        "policies/model.conf",
        "policies/policy.csv",
        "policies/sanction_matters.toml",
        "migrations/script.py.mako",
        "console/static/index.html",
    ):
        assert needed in data


def test_the_default_policy_is_the_one_inside_the_package() -> None:
    # given no HUB_POLICY_DIR
    # when the settings are read
    settings = Settings.from_env({"HUB_DATA_DIR": "/nonexistent/fyt-data"})
    # then the policy directory is hub/policies of the installed package, with its three files
    assert settings.policy_dir == PACKAGE / "policies"
    assert POLICY_DIR == PACKAGE / "policies"
    assert sorted(p.name for p in POLICY_DIR.iterdir() if p.is_file()) == [
        "model.conf",
        "policy.csv",
        "sanction_matters.toml",
    ]


def test_alembic_runs_on_the_packaged_migrations_and_the_repo_ini_sees_the_same() -> None:
    # given the configuration the hub makes in code, and the developers' alembic.ini
    in_code = ScriptDirectory.from_config(alembic_config())
    from_ini = ScriptDirectory.from_config(Config(str(REPO / "alembic.ini")))
    # then both read hub/migrations of the package and end at the same head (.ci/run builds the
    # wheel, installs it in a fresh virtualenv and serves the demo from it, away from this tree)
    assert Path(in_code.dir) == PACKAGE / "migrations"
    assert Path(from_ini.dir).resolve() == PACKAGE / "migrations"
    assert in_code.get_heads() == [HEAD]
    assert from_ini.get_heads() == [HEAD]
