"""The console's server side (static pages, demo sign-in, config) and the auditor's reports it
uses (auditActivity, auditIntegrity); the pages themselves are driven in tests/e2e."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from hub.auth.tokens import TokenVerifier, load_public_keys
from hub.config import ConfigError, Settings
from tests.conftest import Api, start_app

ACTIVITY = """
query A($from: Date!, $to: Date!) {
  auditActivity(from: $from, to: $to) { day accesses denied agencies { agency accesses } }
}
"""
INTEGRITY = "{ auditIntegrity { ok entries treeSize checkpoints problems rootHash } }"
PERSON = "query P($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) { identity { name } } }"


@pytest.fixture(scope="module")
async def demo_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app, lifespan = await start_app_demo(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as client:
            yield client
    finally:
        await lifespan.__aexit__(None, None, None)


async def start_app_demo(settings: Settings) -> tuple[Any, Any]:
    from hub.app import create_app

    app = create_app(settings, demo=True)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    return app, lifespan


# --- static pages -----------------------------------------------------------------------------


async def test_console_page_is_served_from_the_package_with_a_strict_policy(api: Api) -> None:
    response = await api.client.get("/console/")
    assert response.status_code == 200
    assert "府院通" in response.text
    assert 'src="js/main.js"' in response.text
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    script = await api.client.get("/console/js/main.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


async def test_console_without_slash_redirects_and_unknown_files_are_404(api: Api) -> None:
    response = await api.client.get("/console", follow_redirects=False)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/console/"
    assert (await api.client.get("/console/js/nothing.js")).status_code == 404
    assert (await api.client.get("/console/../hub/app.py")).status_code == 404


async def test_the_pages_load_nothing_from_elsewhere(api: Api) -> None:
    """No CDN: every script, style and font comes from the package."""
    from hub.console import STATIC_DIR

    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            urls = set(re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"'`)]*", text))
            assert urls <= {"http://www.w3.org/2000/svg"}, (path, urls)


# --- sign-in ----------------------------------------------------------------------------------


async def test_config_without_demo_offers_only_the_token(api: Api) -> None:
    body = (await api.client.get("/console/api/config")).json()
    assert body["demo"] is False
    assert body["loginUrl"] is None
    response = await api.client.get("/console/api/demo-users")
    assert response.status_code == 404
    assert "演示登录未开启" in response.json()["error"]
    response = await api.client.post("/console/api/demo-sign-in", json={"userId": "judge-zhang"})
    assert response.status_code == 404


async def test_demo_users_name_their_court(demo_client: httpx.AsyncClient) -> None:
    # given the demo hub
    # when the sign-in page lists the demo users
    users = {u["id"]: u for u in (await demo_client.get("/console/api/demo-users")).json()}
    # then a court user's court is named (the picker shows no bare court code), others have none
    assert users["judge-zhang"]["court"] == "烟台市芝罘区人民法院"
    assert users["judge-li"]["court"] == "烟台市牟平区人民法院"
    assert users["registry-wang"]["court"] is None


async def test_demo_users_and_a_token_that_the_hub_accepts(
    demo_client: httpx.AsyncClient, settings: Settings
) -> None:
    assert (await demo_client.get("/console/api/config")).json()["demo"] is True
    users = (await demo_client.get("/console/api/demo-users")).json()
    ids = {u["id"] for u in users}
    assert {"judge-zhang", "registry-wang", "auditor-sun", "approval-market"} <= ids
    assert all("token" not in u for u in users)
    response = await demo_client.post("/console/api/demo-sign-in", json={"userId": "registry-wang"})
    assert response.status_code == 200
    token = response.json()["token"]
    verifier = TokenVerifier(
        load_public_keys(settings.public_keys_path),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    principal = verifier.verify(token)
    assert (principal.sub, principal.org, principal.roles) == (
        "registry-wang",
        "agency:real_estate",
        ("registry_officer",),
    )
    me = await demo_client.post(
        "/graphql",
        json={"query": "{ me { userId } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert me.json()["data"]["me"]["userId"] == "registry-wang"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "JSON"),
        (b"[]", "userId"),
        (b'{"userId": ""}', "userId"),
        (b'{"userId": 42}', "userId"),
        (b'{"userId": "nobody"}', "nobody"),
    ],
)
async def test_demo_sign_in_refuses_bad_input_clearly(
    demo_client: httpx.AsyncClient, body: bytes, message: str
) -> None:
    response = await demo_client.post(
        "/console/api/demo-sign-in", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert message in response.json()["error"]


async def test_demo_sign_in_is_off_in_production(settings: Settings) -> None:
    app, lifespan = await start_app_demo(settings.replace(env="production"))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as client:
            assert (await client.get("/console/api/config")).json()["demo"] is False
            response = await client.post(
                "/console/api/demo-sign-in", json={"userId": "judge-zhang"}
            )
            assert response.status_code == 404
    finally:
        await lifespan.__aexit__(None, None, None)


def test_login_url_setting_is_checked() -> None:
    ok = Settings.from_env({"HUB_CONSOLE_LOGIN_URL": "https://sso.court.example/login"})
    assert ok.console_login_url == "https://sso.court.example/login"
    assert Settings.from_env({"HUB_CONSOLE_LOGIN_URL": "/oauth2/start"}).console_login_url
    with pytest.raises(ConfigError, match="HUB_CONSOLE_LOGIN_URL"):
        Settings.from_env({"HUB_CONSOLE_LOGIN_URL": "javascript:alert(1)"})


async def test_config_names_the_login_url(settings: Settings) -> None:
    app, lifespan = await start_app(settings.replace(console_login_url="/oauth2/start"))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as client:
            assert (await client.get("/console/api/config")).json()["loginUrl"] == "/oauth2/start"
    finally:
        await lifespan.__aexit__(None, None, None)


# --- auditor's reports ------------------------------------------------------------------------


async def test_activity_counts_accesses_per_agency_and_denied_attempts(
    api: Api, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    sample = demo["samples"]["persons"][0]
    today = date.today()
    window = {
        "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }

    async def totals() -> tuple[int, int, dict[str, int]]:
        body = await api.query(ACTIVITY, window, token=tokens["auditor-sun"])
        assert "errors" not in body, body
        days = body["data"]["auditActivity"]
        assert [d["day"] for d in days] == [
            (today + timedelta(days=n)).isoformat() for n in (-1, 0, 1)
        ]
        agencies: dict[str, int] = {}
        for d in days:
            for a in d["agencies"]:
                agencies[a["agency"]] = agencies.get(a["agency"], 0) + a["accesses"]
        return sum(d["accesses"] for d in days), sum(d["denied"] for d in days), agencies

    before = await totals()
    ok = await api.query(PERSON, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    assert ok["data"]["person"]["identity"]["name"]
    refused = await api.query(PERSON, {"id": sample["idNumber"]})  # no case: PURPOSE_REQUIRED
    assert refused["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"
    after = await totals()
    assert after[0] >= before[0] + 2
    assert after[1] >= before[1] + 1
    assert after[2].get("public_security", 0) >= before[2].get("public_security", 0) + 1


@pytest.mark.parametrize(
    ("window", "rule"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "DATE_RANGE"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "DATE_RANGE"),
    ],
)
async def test_activity_refuses_bad_ranges(
    api: Api, tokens: dict[str, str], window: dict[str, str], rule: str
) -> None:
    body = await api.query(ACTIVITY, window, token=tokens["auditor-sun"])
    assert body["data"] is None or body["data"]["auditActivity"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["rule"] == rule


async def test_activity_and_integrity_are_for_auditors_only(api: Api) -> None:
    body = await api.query(ACTIVITY, {"from": "2026-01-01", "to": "2026-01-02"})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await api.query(INTEGRITY)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_integrity_report_recomputes_the_log(api: Api, tokens: dict[str, str]) -> None:
    body = await api.query(INTEGRITY, token=tokens["auditor-sun"])
    assert "errors" not in body, body
    report = body["data"]["auditIntegrity"]
    assert report["ok"] is True
    assert report["problems"] == []
    assert report["entries"] >= report["treeSize"] > 0
    # the auditor's own verification is on record
    events = await api.query(
        '{ auditEvents(filter: {userId: "auditor-sun"}, first: 5) { nodes { action reason } } }',
        token=tokens["auditor-sun"],
    )
    assert any(n["action"] == "AUDIT_QUERY" for n in events["data"]["auditEvents"]["nodes"])
