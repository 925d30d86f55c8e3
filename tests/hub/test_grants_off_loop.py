"""A caller's grants are compiled off the event loop (hub.policy.table.PolicyTable.grants_off_loop).

Compiling asks Casbin about every field of the schema: 0.2–1 s per role on this machine. On the
event loop that held every other request for as long, after each start and each policy reload.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hub.config import Settings
from hub.policy.table import PolicyTable
from tests.conftest import served

COMPILE_SECONDS = 1.5  # a compilation made slow on purpose, to see who waits for it


async def test_a_compilation_does_not_hold_other_requests(
    settings: Settings, tokens: dict[str, str], monkeypatch: Any
) -> None:
    # given a hub whose judge's grants are compiled, and compilations that take 1.5 s
    async with served(settings) as (_app, client):

        async def ask(token: str) -> float:
            started = time.perf_counter()
            response = await client.post(
                "/graphql",
                json={"query": "{ courts { code } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 200, response.text
            return time.perf_counter() - started

        await ask(tokens["judge-zhang"])
        compile_ = PolicyTable._compile

        def slow(self: PolicyTable, *args: Any) -> Any:
            time.sleep(COMPILE_SECONDS)
            return compile_(self, *args)

        monkeypatch.setattr(PolicyTable, "_compile", slow)
        # when the auditor's first request (a compilation) and the judge's run together
        started = time.perf_counter()
        first = asyncio.ensure_future(ask(tokens["auditor-sun"]))
        await asyncio.sleep(0.2)  # the compilation under way
        await ask(tokens["judge-zhang"])
        judge_answered = time.perf_counter() - started
        auditor = await first
        # then the judge is answered while the auditor's grants are still compiled
        assert auditor >= COMPILE_SECONDS
        assert judge_answered < COMPILE_SECONDS * 2 / 3, (judge_answered, auditor)
