"""A caller's grants are compiled off the event loop (hub.policy.table.PolicyTable.grants_off_loop).

Compiling asks Casbin about every field of the schema: 0.2–1 s per role on this machine. On the
event loop that held every other request for as long, after each start and each policy reload.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

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


async def test_simultaneous_first_requests_of_a_role_compile_once(
    settings: Settings, tokens: dict[str, str], monkeypatch: Any
) -> None:
    # given a hub where no auditor has asked anything yet, compilations that take 0.3 s, and
    # the threads that look grants up counted
    loop_thread = threading.get_ident()
    threads = []
    compile_, grants = PolicyTable._compile, PolicyTable.grants

    def slow(self: PolicyTable, *args: Any) -> Any:
        time.sleep(0.3)
        return compile_(self, *args)

    def counted(self: PolicyTable, *args: Any) -> Any:
        if threading.get_ident() != loop_thread:
            threads.append(args[0])
        return grants(self, *args)

    monkeypatch.setattr(PolicyTable, "_compile", slow)
    monkeypatch.setattr(PolicyTable, "grants", counted)
    async with served(settings) as (_app, client):
        # when twelve of the auditor's requests arrive at once
        responses = await asyncio.gather(
            *(
                client.post(
                    "/graphql",
                    json={"query": "{ courts { code } }"},
                    headers={"Authorization": f"Bearer {tokens['auditor-sun']}"},
                )
                for _ in range(12)
            )
        )
        # then all are answered, and one worker thread compiled the auditor's grants: the
        # others waited for it without holding a thread of their own
        assert [r.status_code for r in responses] == [200] * 12
        assert threads.count(("auditor",)) == 1


def test_two_tables_never_compile_at_once(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Casbin parses its matcher with ast.parse, which CPython 3.11 does not allow in two
    threads at once (SystemError: AST constructor recursion depth mismatch): every table's
    compilation in the process takes one lock (hub.policy.table.CASBIN)."""
    from hub.graphql.schema import build_schema
    from hub.policy.fields import schema_fields

    fields = schema_fields(build_schema())
    tables = [PolicyTable.load(settings.policy_dir, fields) for _ in range(2)]
    inside, overlaps = [0], [0]
    compile_ = PolicyTable._compile

    def watched(self: PolicyTable, *args: Any) -> Any:
        inside[0] += 1
        overlaps[0] = max(overlaps[0], inside[0])
        time.sleep(0.2)
        try:
            return compile_(self, *args)
        finally:
            inside[0] -= 1

    monkeypatch.setattr(PolicyTable, "_compile", watched)
    threads = [
        threading.Thread(target=t.grants, args=(("enforcement_judge",), "court:370602"))
        for t in tables
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert overlaps[0] == 1
