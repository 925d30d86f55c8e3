"""The real server: `fyt serve --demo` as a subprocess over real HTTP, and production switches."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.auth.tokens import TokenVerifier, load_public_keys
from hub.config import Settings
from tests.conftest import start_app

WAIT = 30.0  # seconds: every wait is bounded
AGENCIES = (
    "public_security",
    "real_estate",
    "market_supervision",
    "social_security",
    "tax",
    "utilities",
)

ME = "{ me { userId name org roles courtCode } }"
ME_USER_ID = "{ me { userId } }"
PERSON = """
query Person($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) { idNumber identity { name } }
}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    data_dir: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=WAIT)


@contextlib.contextmanager
def serving(
    data_dir: Path,
    log: Path,
    *,
    persons: int = 60,
    wait: float = WAIT,
    env: dict[str, str] | None = None,
    args: Sequence[str] = (),
) -> Iterator[Server]:
    """`python -m hub.cli serve --demo --persons N` on a free port, healthy within ``wait``
    seconds (seeding the demo included); always terminated."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hub.cli",
                "serve",
                "--demo",
                "--persons",
                str(persons),
                "--port",
                str(port),
                *args,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=server_env(data_dir, **(env or {})),
            cwd=data_dir.parent,
        )
    server = Server(process, f"http://127.0.0.1:{port}", data_dir, log)
    try:
        deadline = time.monotonic() + wait
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}:\n{server.output()}")
            try:
                if httpx.get(f"{server.base_url}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not healthy within {wait} s:\n{server.output()}")
            time.sleep(0.05)
        yield server
    finally:
        _stop(process)


def snapshot(data_dir: Path) -> dict[str, int]:
    files = {"demo.json": data_dir / "demo.json"}
    files.update({a: data_dir / "agencies" / f"{a}.sqlite3" for a in AGENCIES})
    out = {"demo.json mtime": files.pop("demo.json").stat().st_mtime_ns}
    out.update({f"{name} size": path.stat().st_size for name, path in files.items()})
    out["jwt key mtime"] = (data_dir / "keys" / "jwt-signing-key.pem").stat().st_mtime_ns
    return out


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, int]]]:
    root = tmp_path_factory.mktemp("serve")
    data_dir = root / "fyt-data"
    assert not data_dir.exists()
    with serving(data_dir, root / "first.log") as server:
        yield server, snapshot(data_dir)


@pytest.fixture(scope="module")
def server(first_run: tuple[Server, dict[str, int]]) -> Server:
    return first_run[0]


@pytest.fixture(scope="module")
def data_dir(server: Server) -> Path:
    return server.data_dir


@pytest.fixture(scope="module")
def demo_tokens(data_dir: Path) -> dict[str, Any]:
    return json.loads((data_dir / "demo-tokens.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def judge_token(demo_tokens: dict[str, Any]) -> str:
    return next(u["token"] for u in demo_tokens["users"] if u["id"] == "judge-zhang")  # type: ignore[no-any-return]


# --- first run -------------------------------------------------------------------------------


def test_first_run_creates_the_data_and_names_the_token_file(
    server: Server, data_dir: Path
) -> None:
    output = server.output()
    assert "First run" in output
    assert "demo-tokens.json" in output
    assert f"GraphQL: {server.base_url}/graphql" in output
    for agency in AGENCIES:
        assert (data_dir / "agencies" / f"{agency}.sqlite3").stat().st_size > 0
    assert json.loads((data_dir / "demo.json").read_text())["persons"] == 60


def test_demo_token_file_is_private_and_holds_the_users(
    data_dir: Path, demo_tokens: dict[str, Any]
) -> None:
    # the file is readable by its owner only
    path = data_dir / "demo-tokens.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # and it holds the demo users, each with a token the hub's keys verify
    users = {u["id"]: u for u in demo_tokens["users"]}
    assert len(users) == 12 and "judge-zhang" in users and "auditor-sun" in users
    verifier = TokenVerifier(
        load_public_keys(data_dir / "keys" / "jwks.json"), issuer="fyt-hub", audience="fyt-hub"
    )
    for user_id, user in users.items():
        assert verifier.verify(user["token"]).sub == user_id
    assert demo_tokens["samples"]["persons"]


# --- over real HTTP --------------------------------------------------------------------------


def test_healthz(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/healthz", timeout=WAIT)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_graphql_with_the_judge_token_answers_me(
    server: Server, demo_tokens: dict[str, Any]
) -> None:
    # when
    response = httpx.post(
        f"{server.base_url}/graphql",
        json={"query": ME},
        headers={"Authorization": f"Bearer {judge_token(demo_tokens)}"},
        timeout=WAIT,
    )
    # then
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"]
    assert response.json() == {
        "data": {
            "me": {
                "userId": "judge-zhang",
                "name": "张明",
                "org": "court:370602",
                "roles": ["enforcement_judge"],
                "courtCode": "370602",
            }
        }
    }


def test_graphql_profile_of_a_sample_person(server: Server, demo_tokens: dict[str, Any]) -> None:
    # given a sample party of the judge's open cases, cited with its case
    sample = demo_tokens["samples"]["persons"][0]
    # when
    response = httpx.post(
        f"{server.base_url}/graphql",
        json={
            "query": PERSON,
            "variables": {"id": sample["idNumber"], "case": sample["caseNumber"]},
        },
        headers={"Authorization": f"Bearer {judge_token(demo_tokens)}"},
        timeout=WAIT,
    )
    # then
    person = response.json()["data"]["person"]
    assert person == {"idNumber": sample["idNumber"], "identity": {"name": sample["name"]}}


def user_token(demo_tokens: dict[str, Any], user_id: str) -> str:
    return next(u["token"] for u in demo_tokens["users"] if u["id"] == user_id)  # type: ignore[no-any-return]


def test_a_direct_callers_forwarded_for_and_request_id_are_not_on_record(
    server: Server, demo_tokens: dict[str, Any]
) -> None:
    """Item 9 as served by `fyt serve` (the server in front of the hub included): no proxy is
    configured, so a caller's own X-Forwarded-For and X-Request-Id are only its claims."""
    sample = demo_tokens["samples"]["persons"][0]
    # given a judge connecting from this host, claiming another address and its own request id
    response = httpx.post(
        f"{server.base_url}/graphql",
        json={
            "query": PERSON,
            "variables": {"id": sample["idNumber"], "case": sample["caseNumber"]},
        },
        headers={
            "Authorization": f"Bearer {judge_token(demo_tokens)}",
            "X-Forwarded-For": "203.0.113.66",
            "X-Request-Id": "forged-by-the-caller",
        },
        timeout=WAIT,
    )
    assert response.json()["data"]["person"]["idNumber"] == sample["idNumber"]
    request_id = response.headers["x-request-id"]
    # when the court's auditor reads the judge's entries
    events = httpx.post(
        f"{server.base_url}/graphql",
        json={
            "query": '{ auditEvents(filter: {userId: "judge-zhang"}, first: 100) {'
            " nodes { requestId client } } }"
        },
        headers={"Authorization": f"Bearer {user_token(demo_tokens, 'auditor-sun')}"},
        timeout=WAIT,
    ).json()
    entries = [n for n in events["data"]["auditEvents"]["nodes"] if n["requestId"] == request_id]
    # then the look-up is on record under the hub's own request id, from the connection's address
    assert [e["client"] for e in entries] == ["127.0.0.1"]
    assert request_id != "forged-by-the-caller"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}],
    ids=["missing", "garbage", "wrong-scheme"],
)
def test_graphql_without_a_valid_token_is_401(server: Server, headers: dict[str, str]) -> None:
    response = httpx.post(
        f"{server.base_url}/graphql", json={"query": ME}, headers=headers, timeout=WAIT
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.json()


def test_get_graphql_in_a_browser_serves_graphiql(server: Server) -> None:
    response = httpx.get(
        f"{server.base_url}/graphql", headers={"Accept": "text/html"}, timeout=WAIT
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_get_graphql_query_without_token_is_401(server: Server) -> None:
    # a GET that carries a query is an API call, not the IDE page, even from a browser
    response = httpx.get(
        f"{server.base_url}/graphql",
        params={"query": ME},
        headers={"Accept": "text/html"},
        timeout=WAIT,
    )
    assert response.status_code == 401


def test_root_redirects_to_the_console(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/", follow_redirects=False, timeout=WAIT)
    assert response.is_redirect
    assert response.headers["location"] == "/console/"


# --- second run ------------------------------------------------------------------------------


def test_second_start_does_not_regenerate_data(tmp_path: Path) -> None:
    # given the state after a first run, stopped (one hub serves a data directory at a time)
    data_dir = tmp_path / "fyt-data"
    with serving(data_dir, tmp_path / "first.log"):
        before = snapshot(data_dir)
    # when the server is started again on the same data directory
    with serving(data_dir, tmp_path / "second.log") as second:
        response = httpx.get(f"{second.base_url}/healthz", timeout=WAIT)
        output = second.output()
    # then it serves without regenerating anything
    assert response.status_code == 200
    assert "First run" not in output
    assert "demo-tokens.json" in output
    assert snapshot(data_dir) == before


# --- production --------------------------------------------------------------------------------


def test_serve_demo_is_refused_in_production(tmp_path: Path) -> None:
    # when
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "serve", "--demo", "--port", str(free_port())],
        env=server_env(tmp_path / "fyt-data", HUB_ENV="production"),
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    # then
    assert result.returncode != 0
    assert "production" in result.stderr and "--demo" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "fyt-data" / "demo.json").exists()


async def test_production_app_serves_no_graphiql(
    settings: Settings, tokens: dict[str, str]
) -> None:
    # given the hub built for production
    app, lifespan = await start_app(settings.replace(env="production"))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            # when a browser asks for /graphql, with and without a token
            anonymous = await client.get("/graphql", headers={"Accept": "text/html"})
            signed_in = await client.get(
                "/graphql",
                headers={"Accept": "text/html", "Authorization": f"Bearer {tokens['judge-zhang']}"},
            )
            # and an API client posts a query
            api = await client.post(
                "/graphql",
                json={"query": ME_USER_ID},
                headers={"Authorization": f"Bearer {tokens['judge-zhang']}"},
            )
    finally:
        await lifespan.__aexit__(None, None, None)
    # then no GraphiQL page is served, but the API works
    assert anonymous.status_code == 401
    assert signed_in.status_code != 200
    for response in (anonymous, signed_in):
        assert not response.headers.get("content-type", "").startswith("text/html")
        assert "graphiql" not in response.text.lower()
    assert api.json() == {"data": {"me": {"userId": "judge-zhang"}}}
