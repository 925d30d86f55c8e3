"""The GraphQL over HTTP specification's own audit suite passes against the hub.

graphql-http's ``serverAudits`` (``interop/graphql-http``: the npm package at the version its
``package-lock.json`` pins) is run by Node.js against the hub served on loopback, every request
with the demo judge's token. Any MUST that fails fails the test; so does any SHOULD (a
``warn``): the hub answers ``application/graphql-response+json`` when asked, and with it a
document that does not parse or validate, or a variable that does not fit its type, is a 400
without a ``data`` entry.

Needs ``node`` and ``npm`` on PATH (the test is skipped otherwise); installs the suite with
``npm ci`` when it is missing, and fails if that install fails (``tests/interop/node.py``).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.interop.node import INTEROP, ensure_installed, node_tools, run
from tests.servers import Served

AUDIT_DIR = INTEROP / "graphql-http"
AUDIT_TIMEOUT = 120  # seconds for the whole suite

# The audits the hub warned about before it served application/graphql-response+json.
MEDIA_TYPE_AUDITS = {
    "22EB": "SHOULD accept application/graphql-response+json and match the content-type",
    "865D": "SHOULD use 4xx or 5xx status codes on document parsing failure when accepting"
    " application/graphql-response+json",
    "556A": "SHOULD use 400 status code on document parsing failure when accepting"
    " application/graphql-response+json",
    "D586": "SHOULD not contain the data entry on document parsing failure when accepting"
    " application/graphql-response+json",
    "51FE": "SHOULD use 4xx or 5xx status codes on document validation failure when accepting"
    " application/graphql-response+json",
    "74FF": "SHOULD use 400 status code on document validation failure when accepting"
    " application/graphql-response+json",
    "5E5B": "SHOULD not contain the data entry on document validation failure when accepting"
    " application/graphql-response+json",
    "86EE": "SHOULD use a status code of 400 on variable coercion failure when accepting"
    " application/graphql-response+json",
}


@pytest.fixture(scope="module")
async def audits(app: Any, tokens: dict[str, str]) -> AsyncIterator[dict[str, dict[str, Any]]]:
    """Every audit's result (id -> result) for the hub served on loopback."""
    node, npm = node_tools("the GraphQL over HTTP audit suite runs in Node.js")
    await ensure_installed(AUDIT_DIR, npm)
    served = Served(app)
    await served.start()
    try:
        env = {
            **os.environ,
            "GRAPHQL_URL": f"{served.url}/graphql",
            "GRAPHQL_TOKEN": tokens["judge-zhang"],
        }
        done = await run(node, "audit.mjs", cwd=AUDIT_DIR, seconds=AUDIT_TIMEOUT, env=env)
    finally:
        await served.stop()
    assert not done.timed_out, (
        f"the audit suite did not finish in {AUDIT_TIMEOUT} s:\n{done.output}"
    )
    assert done.returncode == 0, done.output
    results = [json.loads(line) for line in done.output.splitlines() if line.startswith("{")]
    yield {r["id"]: r for r in results}


def failed(results: dict[str, dict[str, Any]], *statuses: str) -> list[str]:
    return [
        f"{r['id']} {r['name']}: {r['reason']} ({r['response']})"
        for r in results.values()
        if r["status"] in statuses
    ]


def test_the_suite_ran(audits: dict[str, dict[str, Any]]) -> None:
    # the suite of graphql-http 1.23.1 has 61 audits, among them the eight on the media type
    assert len(audits) >= 60
    assert {a: audits[a]["name"] for a in MEDIA_TYPE_AUDITS} == MEDIA_TYPE_AUDITS


def test_every_must_passes(audits: dict[str, dict[str, Any]]) -> None:
    assert failed(audits, "error") == []


def test_every_should_passes(audits: dict[str, dict[str, Any]]) -> None:
    assert failed(audits, "warn") == []


def test_the_media_type_of_the_specification_is_served(audits: dict[str, dict[str, Any]]) -> None:
    assert {a: audits[a]["status"] for a in MEDIA_TYPE_AUDITS} == dict.fromkeys(
        MEDIA_TYPE_AUDITS, "ok"
    )
