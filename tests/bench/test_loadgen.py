"""The load generator tells a refused reference from a failed request, against a real server."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.loadgen import build_request, refused_only, run_load
from tests.servers import serving

REFUSED = {
    "data": {"person": {"name": "张三", "coOwner": None}},
    "errors": [
        {
            "message": "not a party of the cited case",
            "path": ["person", "coOwner"],
            "extensions": {"code": "FORBIDDEN", "reason": "NOT_A_PARTY"},
        }
    ],
}
ROOT_REFUSED = {
    "data": {"person": None},
    "errors": [{"message": "no", "path": ["person"], "extensions": {"code": "FORBIDDEN"}}],
}
FAILED = {
    "data": {"person": {"name": "张三", "vehicles": None}},
    "errors": [
        {
            "message": "public_security: timed out",
            "path": ["person", "vehicles"],
            "extensions": {"code": "CONNECTOR_TIMEOUT"},
        }
    ],
}


def test_only_refusals_below_the_root_are_refusals() -> None:
    assert refused_only(json.dumps(REFUSED).encode())
    assert not refused_only(json.dumps(ROOT_REFUSED).encode())
    assert not refused_only(json.dumps(FAILED).encode())
    assert not refused_only(json.dumps({"data": {"person": None}}).encode())
    assert not refused_only(b"not json")


async def test_a_run_counts_refused_answers_apart_from_failures() -> None:
    answers = [REFUSED, FAILED, {"data": {"person": {"name": "张三"}}}]

    async def graphql(request: Request) -> Response:
        k = json.loads(await request.body())["k"]
        if k == 3:
            return Response("busy", status_code=503)
        return JSONResponse(answers[k])

    app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])
    async with serving(app) as served:
        # given one request of each kind
        requests = [
            build_request("/graphql", json.dumps({"k": k}).encode(), {}) for k in range(4)
        ]
        # when they are sent, one connection
        result: Any = await run_load("127.0.0.1", served.port, requests, total=4, concurrency=1)
    # then the refusal is counted apart; the timeout and the 503 are the failures
    assert (result.requests, result.refused, result.errors) == (4, 1, 2)
    assert result.summary()["refused"] == 1
