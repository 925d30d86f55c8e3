"""deploy/Dockerfile, read instruction by instruction (no Docker daemon runs the tests): two
stages, the wheel built and installed in the first, the second with no compiler and a user that
is not root, and a health check that runs `fyt health`."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass

from tests.deploy.manifests import DOCKERFILE, ROOT

COMPILERS = re.compile(r"\b(gcc|g\+\+|cc|clang|make|build-essential|python3-dev|libc6-dev)\b")


@dataclass
class Instruction:
    keyword: str
    text: str


def instructions() -> list[Instruction]:
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    logical: list[str] = []
    current = ""
    for line in lines:
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [Instruction(text.split()[0].upper(), text.split(" ", 1)[1]) for text in logical]


def stages() -> dict[str, list[Instruction]]:
    out: dict[str, list[Instruction]] = {}
    name = ""
    for ins in instructions():
        if ins.keyword == "FROM":
            parts = ins.text.split()
            name = parts[parts.index("AS") + 1] if "AS" in parts else str(len(out))
            out[name] = []
        elif name:
            out[name].append(ins)
    return out


def test_two_stages_build_then_run() -> None:
    assert list(stages()) == ["build", "run"]
    base = next(i.text for i in instructions() if i.keyword == "ARG")
    # the slim Debian image of the supported Python: no compiler in it
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11-slim(-bookworm)?", base)


def test_the_build_stage_makes_the_wheel_and_installs_it_from_wheels_only() -> None:
    run = " ".join(i.text for i in stages()["build"] if i.keyword == "RUN")
    assert "pip wheel . --no-deps -w /dist" in run  # the wheel of README, Installing
    assert "pip install --only-binary=:all: /dist/hub-*.whl" in run  # nothing compiled
    copied = [i.text.split()[0] for i in stages()["build"] if i.keyword == "COPY"]
    assert copied == ["pyproject.toml", "hub", "connectors"]
    for path in ("pyproject.toml", "README.md", "hub", "connectors"):
        assert (ROOT / path).exists()


def test_the_run_stage_has_no_compiler_and_runs_as_an_unprivileged_user() -> None:
    run_stage = stages()["run"]
    for ins in run_stage:
        if ins.keyword == "RUN":
            assert "apt-get install" not in ins.text and not COMPILERS.search(ins.text), ins.text
    copies = [i.text for i in run_stage if i.keyword == "COPY"]
    assert copies == ["--from=build /opt/fyt /opt/fyt"]  # the virtualenv, nothing else
    users = [i.text for i in run_stage if i.keyword == "USER"]
    assert users == ["10001:10001"]
    keywords = [i.keyword for i in run_stage]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k in ("RUN", "COPY"))
    env = " ".join(i.text for i in run_stage if i.keyword == "ENV")
    assert "HUB_ENV=production" in env and "HUB_DATA_DIR=/var/lib/fyt" in env


def test_the_image_runs_fyt_and_checks_its_health() -> None:
    run_stage = {i.keyword: i.text for i in stages()["run"]}
    assert json.loads(run_stage["ENTRYPOINT"]) == ["fyt"]
    assert json.loads(run_stage["CMD"]) == ["serve", "--host", "0.0.0.0", "--port", "8000"]
    healthcheck = run_stage["HEALTHCHECK"]
    assert json.loads(healthcheck.split("CMD", 1)[1]) == ["fyt", "health"]
    assert run_stage["EXPOSE"] == "8000"


def test_the_build_context_keeps_what_the_image_needs_and_nothing_else() -> None:
    # BuildKit reads deploy/Dockerfile.dockerignore for deploy/Dockerfile
    patterns = [
        line.strip()
        for line in (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def sent(path: str) -> bool:
        keep = True
        for pattern in patterns:
            negate = pattern.startswith("!")
            pattern = pattern.lstrip("!").rstrip("/")
            if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern + "/*"):
                keep = negate
        return keep

    for path in ("pyproject.toml", "README.md", "hub/app.py", "connectors/registry.py"):
        assert sent(path), path
    for path in (
        ".venv/bin/python",
        "fyt-data/hub.sqlite3",
        "deploy/secrets/hub/audit.key",
        "tests/conftest.py",
    ):
        assert not sent(path), path
