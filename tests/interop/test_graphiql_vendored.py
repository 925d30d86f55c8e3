"""The GraphiQL and React the hub serves are the npm registry's packages at the pinned versions.

``interop/graphiql`` pins graphiql, react and react-dom (``package.json``) and the registry's
integrity hashes (``package-lock.json``); ``vendor.mjs --check`` compares ``hub/graphiql/vendor``
with the installed packages byte for byte, licences included.

Needs ``node`` and ``npm`` on PATH (the test is skipped otherwise); installs the packages with
``npm ci`` when they are missing, and fails if that install fails (``tests/interop/node.py``).
"""

from __future__ import annotations

import json
import re

from hub.resources import GRAPHIQL_DIR
from tests.interop.node import INTEROP, ensure_installed, node_tools, run

VENDOR_DIR = INTEROP / "graphiql"


async def test_the_vendored_files_are_the_npm_packages_files() -> None:
    # given the pinned packages, installed from the registry
    node, npm = node_tools("the vendored GraphiQL is checked against the npm packages")
    await ensure_installed(VENDOR_DIR, npm)
    # when the vendored copies are compared with them
    done = await run(node, "vendor.mjs", "--check", cwd=VENDOR_DIR, seconds=60)
    # then they are the same files, nothing more, nothing less
    assert done.returncode == 0, done.output


def test_the_page_loads_the_pinned_versions() -> None:
    # given the versions pinned for vendoring
    pinned = json.loads((VENDOR_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    # when the page's scripts and styles are read
    page = (GRAPHIQL_DIR / "index.html").read_text(encoding="utf-8")
    loaded = re.findall(r'(?:src|href)="/graphiql/vendor/([a-z-]+)-([0-9.]+)/', page)
    # then it loads each of graphiql, react and react-dom at the pinned version
    assert sorted(set(loaded)) == sorted(
        (name, pinned[name]) for name in ("graphiql", "react", "react-dom")
    )
