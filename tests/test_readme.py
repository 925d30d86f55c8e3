"""The README's examples run as written: every ```sh and ```graphql block, in the README's order,
against a demo hub in a temporary directory.

How the blocks are run:

- Shell lines run in bash (``set -euo pipefail``) from the temporary directory, with the
  installed ``fyt``, ``python``, ``curl`` and ``jq``; consecutive lines of a block run as one
  script, so a variable set on one line is there on the next; each script must exit 0.
- Lines that serve (``fyt serve``, ``fyt agency serve``) are started in the background (a
  trailing ``&`` is theirs already), each waited for until its ``/healthz`` answers, and stopped
  at the end. A ``fyt serve`` first stops the one the quick start started, as the README asks
  (one hub serves a data directory).
- The only rewriting: the README's ports (8000, 7101, 7102) become free ports, in commands and
  in the files they write, and ``fyt serve`` without ``--port`` gets the one standing for 8000.
- Not re-run (:data:`NOT_RERUN`): ``pip install`` (the suite runs in the installed package),
  the suite and its linters themselves (``pytest``, ``ruff``, ``lint-imports``, ``mypy``: CI
  runs them), and the Apollo Gateway block (``npm ci`` fetches packages;
  ``tests/interop/test_apollo_gateway.py`` runs that gateway over the agency services).
- GraphQL blocks are posted with the token and variables the README's words name
  (:data:`GRAPHQL_RUNS`): the profile as the judge for every sample person of `fyt demo info`,
  the judge's open cases page by page to the last, the enterprise party's own zone and its
  requests and published documents as the demo party, the sanction check as ``approval-registry`` for a sample whose profile shows sanctions. An
  answer may carry only the errors the README explains.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.hub.test_serve import free_port

README = Path(__file__).resolve().parents[1] / "README.md"
WAIT = 60.0  # seconds: every wait is bounded
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[ \t]*$")
README_PORTS = ("8000", "7101", "7102")

# (pattern of a line, or of the part before `&&` for pip, why it is not run here)
NOT_RERUN = (
    (re.compile(r"^pip install\b"), "the suite runs in the installed package"),
    (re.compile(r"^(\w+=\S+ )*pytest\b"), "the suite itself (CI runs it)"),
    (re.compile(r"^ruff check \. && lint-imports"), "the linters (CI runs them)"),
    (re.compile(r"^cd interop/apollo-gateway && npm ci$"), "npm ci fetches packages"),
    (re.compile(r"^SUBGRAPHS=.* node gateway\.mjs$"), "tests/interop runs the gateway"),
)
SERVER = re.compile(r"^(?:\w+=\S+ )*fyt (?:agency )?serve\b")


@dataclass
class Block:
    lang: str
    line: int  # of the opening fence, 1-based
    text: str


def readme_blocks() -> list[Block]:
    """The fenced blocks of the README with their language, indentation removed."""
    blocks: list[Block] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, body = opening["indent"], []
        j = i + 1
        while not re.fullmatch(rf"{re.escape(indent)}```[ \t]*", lines[j]):
            body.append(lines[j].removeprefix(indent))
            j += 1
        blocks.append(Block(opening["lang"], i + 1, "\n".join(body) + "\n"))
        i = j + 1
    return blocks


def not_rerun(line: str) -> str | None:
    """Why ``line`` is not run here, or None."""
    for pattern, why in NOT_RERUN:
        if pattern.search(line):
            return why
    return None


def runnable(line: str) -> str:
    """The line as run: a `pip install … && rest` keeps only `rest`."""
    head, sep, rest = line.partition(" && ")
    if sep and not_rerun(head) and not not_rerun(rest):
        return rest
    return line


# --- the runner ------------------------------------------------------------------------------


@dataclass
class Examples:
    root: Path
    ports: dict[str, str]
    env: dict[str, str]
    servers: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # line, text, why
    outputs: list[str] = field(default_factory=list)

    def rewrite(self, text: str) -> str:
        for readme_port, port in self.ports.items():
            text = re.sub(rf"\b{readme_port}\b", port, text)
        return text

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['8000']}"

    def run_script(self, lines: list[str], where: int) -> None:
        script = "set -euo pipefail\n" + self.rewrite("\n".join(lines)) + "\n"
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=False,
        )
        assert done.returncode == 0, (
            f"README line {where}: exit {done.returncode}\n{script}\n"
            f"stdout: {done.stdout}\nstderr: {done.stderr}"
        )
        self.outputs.append(done.stdout)

    def start_server(self, line: str, where: int) -> None:
        command = self.rewrite(line.split("#", 1)[0].strip().removesuffix("&").strip())
        if re.search(r"\bfyt serve\b", command):
            for name, process in list(self.servers):  # one hub per data directory
                if re.search(r"\bfyt serve\b", name):
                    stop(process)
                    self.servers.remove((name, process))
            if "--port" not in command:
                command += f" --port {self.ports['8000']}"
        port = re.search(r"--port (\d+)", command)
        assert port is not None, f"README line {where}: a server without a port: {command}"
        log = self.root / f"server-{len(self.servers)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["bash", "-c", command],
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.servers.append((command, process))
        deadline = time.monotonic() + WAIT
        while True:
            if process.poll() is not None:
                pytest.fail(f"README line {where}: `{command}` exited:\n{read(log)}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port[1]}/healthz", timeout=1).status_code == 200:
                    return
            if time.monotonic() > deadline:
                pytest.fail(f"README line {where}: `{command}` not healthy:\n{read(log)}")
            time.sleep(0.1)

    def run_shell(self, block: Block) -> None:
        pending: list[str] = []
        for offset, raw in enumerate(block.text.splitlines(), start=1):
            where = block.line + offset
            line = runnable(raw)
            why = not_rerun(line)
            if why is not None:
                self.skipped.append((where, raw, why))
                continue
            if SERVER.search(line) and not pending_heredoc(pending):
                if pending:
                    self.run_script(pending, where)
                    pending = []
                self.start_server(line, where)
                continue
            pending.append(line)
        if pending:
            self.run_script(pending, block.line)

    def post(self, query: str, token: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(
            f"{self.hub_url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
            timeout=WAIT,
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def demo_info(self) -> dict[str, Any]:
        done = subprocess.run(
            ["fyt", "demo", "info", "--json"],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=True,
        )
        return json.loads(done.stdout)  # type: ignore[no-any-return]


def pending_heredoc(lines: list[str]) -> bool:
    """Whether ``lines`` open a here-document that has not ended yet."""
    open_tag = None
    for line in lines:
        if open_tag is None:
            found = re.search(r"<<-?\s*'?(\w+)'?", line)
            open_tag = found[1] if found else None
        elif line.strip() == open_tag:
            open_tag = None
    return open_tag is not None


def read(path: Path) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=WAIT)


@pytest.fixture
def examples(tmp_path: Path) -> Iterator[Examples]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    ports = {port: str(free_port()) for port in README_PORTS}
    ex = Examples(tmp_path, ports, env)
    try:
        yield ex
    finally:
        for _, process in reversed(ex.servers):
            stop(process)


# --- the GraphQL blocks: who runs them, with what, and which errors the README explains -------


def run_profile(ex: Examples, query: str, info: dict[str, Any], profiles: dict[str, Any]) -> None:
    """As the README says: the judge, each sample person with its case. Only a stake's
    enterprise outside the case may be refused (NOT_A_PARTY), as the README explains."""
    judge = next(u for u in info["users"] if u["id"] == "judge-zhang")
    refused = 0
    for sample in info["samples"]["persons"]:
        variables = {"id": sample["idNumber"], "case": sample["caseNumber"]}
        answer = ex.post(query, judge["token"], variables)
        assert answer["data"]["person"]["identity"]["name"] == sample["name"], answer
        errors = answer.get("errors", [])
        for error in errors:
            path = error["path"]
            assert error["extensions"]["code"] == "FORBIDDEN", error
            assert error["extensions"]["reason"] == "NOT_A_PARTY", error
            assert path[:3] == ["person", "assets", "equities"] and path[4:] == ["enterprise"]
            assert sample["caseNumber"] in error["message"], error
        refused += bool(errors)
        profiles[sample["idNumber"]] = answer["data"]
    assert refused == 2, "the README says two of the five samples meet NOT_A_PARTY"
    assert len(profiles) == 5


def run_check(ex: Examples, query: str, info: dict[str, Any], profiles: dict[str, Any]) -> None:
    """As the README says: approval-registry, a sample whose profile shows sanctions."""
    registry = next(u for u in info["users"] if u["id"] == "approval-registry")
    listed = [i for i, p in profiles.items() if p["person"]["legal"]["sanctions"]]
    assert listed, "no sample's profile shows sanctions"
    answer = ex.post(query, registry["token"], {"id": listed[0]})
    assert "errors" not in answer, answer
    assert answer["data"]["sanctionCheck"]["decision"] == "BLOCK"
    assert answer["data"]["sanctionCheck"]["entries"]


def run_cases(ex: Examples, query: str, info: dict[str, Any], profiles: dict[str, Any]) -> None:
    """As the README says: the judge's open cases, 20 at a time, each page's endCursor passed
    back as after until hasNextPage is false; every page counts the same total."""
    judge = next(u for u in info["users"] if u["id"] == "judge-zhang")
    numbers: list[str] = []
    after = None
    while True:
        answer = ex.post(query, judge["token"], {"after": after})
        assert "errors" not in answer, answer
        cases = answer["data"]["assignedCases"]
        assert 1 <= len(cases["nodes"]) <= 20, cases
        numbers += [n["caseNumber"] for n in cases["nodes"]]
        if not cases["pageInfo"]["hasNextPage"]:
            break
        after = cases["pageInfo"]["endCursor"]
    assert len(numbers) == len(set(numbers)) == cases["totalCount"] > 20, "more than a page"
    assert all("鲁0602执" in n for n in numbers), numbers


def run_zone(ex: Examples, query: str, info: dict[str, Any], profiles: dict[str, Any]) -> None:
    """As the README says: the demo enterprise party reads its own zone, 被执行人 in one case and
    申请执行人 in another, without an error."""
    party = next(u for u in info["users"] if u["roles"] == ["enterprise_party"])
    answer = ex.post(query, party["token"], {})
    assert "errors" not in answer, answer
    zone = answer["data"]["myEnterprise"]
    assert party["org"] == f"enterprise:{zone['uscc']}"
    assert {c["role"] for c in zone["cases"]} == {"申请执行人", "被执行人"}, zone


def run_answers(ex: Examples, query: str, info: dict[str, Any], profiles: dict[str, Any]) -> None:
    """As the README says: the demo party reads its requests (none yet) and what the demo
    published for its cases — a ruling and execution information for each — without an error."""
    party = next(u for u in info["users"] if u["roles"] == ["enterprise_party"])
    answer = ex.post(query, party["token"], {})
    assert "errors" not in answer, answer
    zone = answer["data"]["myEnterprise"]
    assert zone["requests"] == [], zone
    cases = {d["caseNumber"] for d in zone["documents"]}
    assert len(cases) >= 2 and {(d["caseNumber"], d["kind"]) for d in zone["documents"]} == {
        (c, k) for c in cases for k in ("JUDGMENT", "EXECUTION_INFO")
    }, zone


GRAPHQL_RUNS = {
    "Profile": run_profile,
    "Cases": run_cases,
    "Zone": run_zone,
    "Answers": run_answers,
    "Check": run_check,
}


# --- the tests -------------------------------------------------------------------------------


def test_every_block_is_run_or_named_with_its_reason() -> None:
    # given the README's fenced blocks
    blocks = readme_blocks()
    # then each GraphQL block is a named operation this test knows how to run
    names = [re.match(r"\s*query (\w+)", b.text) for b in blocks if b.lang == "graphql"]
    assert [m[1] if m else None for m in names] == list(GRAPHQL_RUNS)
    # and every rule for lines not run here still matches a line (none left stale)
    lines = [runnable(line) for b in blocks if b.lang == "sh" for line in b.text.splitlines()]
    for pattern, why in NOT_RERUN:
        assert any(pattern.search(line) for line in lines), f"no line is skipped for: {why}"


def test_the_readme_examples_run_as_written(examples: Examples) -> None:
    ex = examples
    info: dict[str, Any] | None = None
    profiles: dict[str, Any] = {}
    for block in readme_blocks():
        if block.lang == "sh":
            ex.run_shell(block)
            if info is None and any("fyt serve" in cmd for cmd, _ in ex.servers):
                # the quick start's promises: ./fyt-data, the tokens, the console, GraphiQL
                assert (ex.root / "fyt-data" / "demo-tokens.json").is_file()
                console = httpx.get(f"{ex.hub_url}/console/", timeout=WAIT)
                graphiql = httpx.get(
                    f"{ex.hub_url}/graphql", headers={"Accept": "text/html"}, timeout=WAIT
                )
                assert console.status_code == 200 and graphiql.status_code == 200
                info = ex.demo_info()
                assert [u["id"] for u in info["users"]] == readme_table_users()
        elif block.lang == "graphql":
            assert info is not None, f"README line {block.line}: no hub runs yet"
            name = re.match(r"\s*query (\w+)", block.text)
            assert name is not None, f"README line {block.line}: an unnamed GraphQL block"
            GRAPHQL_RUNS[name[1]](ex, block.text, info, profiles)
    # then the shell example's answer is the judge's own record (users[0] was not the judge)
    assert any('"userId":"judge-zhang"' in out for out in ex.outputs), ex.outputs
    # and what was not run is exactly what the rules name
    assert {why for _, _, why in ex.skipped} == {why for _, why in NOT_RERUN}


def readme_table_users() -> list[str]:
    """The user column of the README's table of demo users, in its order."""
    text = README.read_text(encoding="utf-8")
    table = text.split("| user | who | org | role |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([\w-]+)` \|", table, flags=re.MULTILINE)
