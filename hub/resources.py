"""Directories shipped inside the package (the bundled policy, the migrations, GraphiQL), as
real paths.

They are package data, found with :mod:`importlib.resources` wherever the package is installed
(a wheel in site-packages, or the source tree of an editable install), never beside a checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_dir(name: str) -> Path:
    """The directory ``name`` of the ``hub`` package, on the filesystem.

    Casbin and Alembic read files by path, so the package must be installed as files (every
    wheel install is); a zipped one is refused here rather than failing later."""
    path = files("hub") / name
    if not isinstance(path, Path):
        raise RuntimeError(f"the hub package must be installed as files, not zipped ({path})")
    return path


POLICY_DIR = package_dir("policies")  # model.conf, policy.csv, sanction_matters.toml
MIGRATIONS_DIR = package_dir("migrations")  # Alembic: env.py, script.py.mako, versions/
GRAPHIQL_DIR = package_dir("graphiql")  # the GraphiQL page and its vendored GraphiQL and React
