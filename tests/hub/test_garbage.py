"""A request leaves nothing to the cyclic garbage collector.

Each request builds a few thousand objects (executor, fields, loaders, futures, records). Freed
by reference counting they cost little; caught in a reference cycle they wait for the cyclic
collector, survive into the old generations while other requests run, and collecting them
cost a fifth of the process's CPU under load (bench/RESULTS.md, "Step 8").
"""

from __future__ import annotations

import gc
import json
from typing import Any

from bench.profile_cpu import call
from hub.config import Settings
from tests.conftest import start_app
from tests.hub.queries import PERSON_FULL

# What a handful of requests may leave between them (a statement compiled for the first time,
# a background task's tick); the cycles this guards against left about 400 per request.
SLACK = 100


async def post(app: Any, token: str, variables: dict[str, str]) -> dict[str, Any]:
    """One POST /graphql straight into the ASGI app (an HTTP client keeps cycles of its own)."""
    body = json.dumps({"query": PERSON_FULL, "variables": variables}).encode()
    chunks: list[bytes] = []
    assert await call(app, body, token, chunks) == 200
    return json.loads(b"".join(chunks))  # type: ignore[no-any-return]


async def test_profiles_leave_no_reference_cycles(
    settings: Settings, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    # An app of its own: the session's app has cached the enforcement plans of every test before
    # this one, and a plan cache that reaches its limit is emptied at once (hub.policy.enforce:
    # thousands of plans, hundreds of cyclic objects each, amortised over thousands of
    # documents) — whether that fell in the measured requests depended on the tests run before.
    app, lifespan = await start_app(settings)
    try:
        await _no_cycles(app, tokens, demo)
    finally:
        await lifespan.__aexit__(None, None, None)


async def _no_cycles(app: Any, tokens: dict[str, str], demo: dict[str, Any]) -> None:
    samples = demo["samples"]["persons"]
    judge = tokens["judge-zhang"]

    async def ask() -> list[dict[str, Any]]:
        answers = [
            await post(app, judge, {"id": s["idNumber"], "case": s["caseNumber"]})
            for s in samples
        ]
        # and one citing a case that does not exist: a field error, with its traceback
        unknown_case = samples[0]["caseNumber"].replace("执", "执恢")
        answers.append(await post(app, judge, {"id": samples[0]["idNumber"], "case": unknown_case}))
        return answers

    # given the caches warm, and answers that carry errors as well as data
    answers = await ask()
    assert any(a.get("errors") for a in answers) and any(a.get("data") for a in answers)
    gc.collect()
    gc.disable()
    try:
        # when the same profiles are asked again with the collector off
        answers = await ask()
        left = gc.collect()
    finally:
        gc.enable()
    # then next to nothing was left for the collector to find
    assert len(answers) == len(samples) + 1 >= 6
    assert left < SLACK, f"{left} objects in reference cycles after {len(answers)} requests"
