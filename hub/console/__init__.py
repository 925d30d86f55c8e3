"""The web console at ``/console``: static pages that are a client of the hub's GraphQL API.

The pages hold the user's bearer token and send every request to ``/graphql`` with it, so every
policy, mask, purpose check and audit entry applies as for any other client. The server side
here is only what a browser cannot do itself:

- ``GET /console/api/config``: how to sign in (demo picker, token, or an OIDC login URL);
- ``GET /console/api/demo-users`` and ``POST /console/api/demo-sign-in``: the demo users (a court
  user with the court's name) and a fresh token for one of them, only when the hub runs with ``fyt serve --demo`` (never in
  production).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from hub import __version__
from hub.responses import error

STATIC_DIR = Path(__file__).with_name("static")

# The pages load nothing from elsewhere (the hosts that run this have no internet) and may not
# be framed; scripts and styles come only from /console itself.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


class _Secured:
    """Static files with the console's security headers; the token never lands in a cache."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                headers.append((b"cache-control", b"no-cache"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


DEMO_OFF = "演示登录未开启：请使用令牌登录（demo sign-in is off)"


def _error(status: int, message: str, *, code: str, **extensions: str) -> JSONResponse:
    """The hub's error shape (README, "Errors"); ``error`` repeats the message for the pages,
    which read it there."""
    return JSONResponse(
        {"errors": [error(message, code=code, **extensions)], "error": message},
        status_code=status,
        headers=SECURITY_HEADERS,
    )


def console_routes(*, demo: bool) -> list[Any]:
    """Routes under ``/console``; ``demo`` enables the demo users' sign-in."""

    def demo_enabled(request: Request) -> bool:
        return demo and not request.app.state.settings.production

    async def config(request: Request) -> JSONResponse:
        from hub.demo.info import demo_token_ttl

        settings = request.app.state.settings
        return JSONResponse(
            {
                "version": __version__,
                "demo": demo_enabled(request),
                "loginUrl": settings.console_login_url,
                "demoTokenSeconds": int(demo_token_ttl(settings).total_seconds()),
            },
            headers=SECURITY_HEADERS,
        )

    async def demo_users(request: Request) -> JSONResponse:
        if not demo_enabled(request):
            return _error(404, DEMO_OFF, code="NOT_FOUND", reason="DEMO_OFF")
        rows = await _users(request)
        courts = await _court_names(request)
        return JSONResponse(
            [
                {
                    "id": u.id,
                    "name": u.name,
                    "title": u.title,
                    "org": u.org,
                    # the court's name for a court user (the page shows orgs by name)
                    "court": courts.get(u.org.removeprefix("court:"))
                    if u.org.startswith("court:")
                    else None,
                    "roles": u.roles.split(),
                }
                for u in rows
            ],
            headers=SECURITY_HEADERS,
        )

    async def demo_sign_in(request: Request) -> JSONResponse:
        if not demo_enabled(request):
            return _error(404, DEMO_OFF, code="NOT_FOUND", reason="DEMO_OFF")
        try:
            body = await request.json()
        except ValueError:
            return _error(
                400, '请求体须为 JSON：{"userId": "…"}', code="BAD_USER_INPUT", rule="JSON_BODY"
            )
        user_id = body.get("userId") if isinstance(body, dict) else None
        if not isinstance(user_id, str) or not user_id:
            return _error(
                400, "缺少 userId（演示用户编号）", code="BAD_USER_INPUT", argument="userId"
            )
        user = next((u for u in await _users(request) if u.id == user_id), None)
        if user is None:
            return _error(
                400,
                f"没有编号为 {user_id[:64]!r} 的演示用户",
                code="BAD_USER_INPUT",
                argument="userId",
            )
        token, expires = _issue(request.app.state.settings, user)
        return JSONResponse(
            {"token": token, "expiresAt": expires.isoformat()}, headers=SECURITY_HEADERS
        )

    async def slash(_: Request) -> Response:
        return RedirectResponse("/console/")

    return [
        Route("/console", slash),
        Route("/console/api/config", config),
        Route("/console/api/demo-users", demo_users),
        Route("/console/api/demo-sign-in", demo_sign_in, methods=["POST"]),
        Mount("/console", app=_Secured(StaticFiles(directory=STATIC_DIR, html=True))),
    ]


async def _users(request: Request) -> list[Any]:
    from hub.cases.models import users

    async with request.app.state.runtime.engine.connect() as conn:
        return list((await conn.execute(select(users).order_by(users.c.id))).all())


async def _court_names(request: Request) -> dict[str, str]:
    from hub.cases import service

    async with request.app.state.runtime.engine.connect() as conn:
        return {c.code: c.name for c in await service.all_courts(conn)}


def _issue(settings: Any, user: Any) -> tuple[str, datetime]:
    from hub.auth.tokens import issue_token, load_private_key
    from hub.demo.info import demo_token_ttl

    key, kid = load_private_key(settings.private_key_path)
    ttl = demo_token_ttl(settings)  # within HUB_MAX_TOKEN_LIFETIME, or the hub refuses it
    now = datetime.now(UTC)
    token = issue_token(
        private_key=key,
        kid=kid,
        sub=user.id,
        org=user.org,
        roles=user.roles.split(),
        ttl=ttl,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        now=now,
    )
    return token, now + ttl
