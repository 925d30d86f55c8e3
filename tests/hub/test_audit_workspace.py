"""The auditor's workspace over GraphQL: search, history, checkpoints, proofs; auditors audited too."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from connectors.base.tlog.checkpoint import open_checkpoint, vkey
from connectors.base.tlog.merkle import verify_consistency, verify_inclusion
from tests.conftest import Api, integrate_all
from tests.hub.queries import PERSON_FULL

EVENTS = """query($f: AuditEventFilter, $first: Int!, $after: String) {
  auditEvents(filter: $f, first: $first, after: $after) {
    nodes { id occurredAt requestId userId org roles caseNumber action subjectKind subjectId outcome
            flags fieldsGranted fieldsDenied connectors { connector outcome } latencyMs redacted leafIndex }
    pageInfo { endCursor hasNextPage }
  }
}"""
HISTORY = (
    "query($id: String!) { accessHistory(idNumber: $id) { userId org caseNumber action outcome } }"
)
CHECKPOINT = "{ auditCheckpoint { origin treeSize rootHash note } }"
INCLUSION = """query($e: String!, $n: Int) { auditInclusionProof(entryId: $e, treeSize: $n) {
  leafIndex treeSize leafHash hashes } }"""
CONSISTENCY = (
    "query($a: Int!, $b: Int!) { auditConsistencyProof(fromSize: $a, toSize: $b) { hashes } }"
)


@pytest.fixture
async def viewed(api: Api, app: Any, demo: dict[str, Any]) -> dict[str, Any]:
    """The judge looks at a party's profile; the log is integrated."""
    sample = demo["samples"]["persons"][2]
    response = await api.post(
        PERSON_FULL, {"id": sample["idNumber"], "case": sample["caseNumber"]}
    )
    rid = response.headers["X-Request-Id"]
    assert "errors" not in response.json()
    runtime = app.state.runtime
    await integrate_all(runtime)
    return {**sample, "requestId": rid}


def b64(s: str) -> bytes:
    return base64.b64decode(s)


async def test_auditor_finds_the_judges_access(
    api: Api, tokens: dict[str, str], viewed: dict[str, Any]
) -> None:
    # when the auditor searches by the person's ID number
    body = await api.query(
        EVENTS,
        {"f": {"subjectIdNumber": viewed["idNumber"]}, "first": 10},
        token=tokens["auditor-sun"],
    )
    # then the judge's view is there, with the subject decrypted and masked for the auditor
    # (the auditor sees no subject data in clear: province and last two characters)
    assert "errors" not in body, body
    mine = [
        n for n in body["data"]["auditEvents"]["nodes"] if n["requestId"] == viewed["requestId"]
    ]
    assert len(mine) == 1
    event = mine[0]
    assert (event["userId"], event["org"], event["caseNumber"]) == (
        "judge-zhang",
        "court:370602",
        viewed["caseNumber"],
    )
    assert (event["action"], event["outcome"], event["subjectId"]) == (
        "PROFILE_VIEW",
        "OK",
        viewed["idNumber"][:2] + "*" * 14 + viewed["idNumber"][-2:],
    )
    assert "Identity.name" in event["fieldsGranted"]
    assert {c["connector"] for c in event["connectors"]} >= {"public_security", "real_estate"}
    assert event["leafIndex"] is not None and event["redacted"] is False


async def test_access_history(api: Api, tokens: dict[str, str], viewed: dict[str, Any]) -> None:
    body = await api.query(HISTORY, {"id": viewed["idNumber"]}, token=tokens["auditor-sun"])
    history = body["data"]["accessHistory"]
    assert {
        "userId": "judge-zhang",
        "org": "court:370602",
        "caseNumber": viewed["caseNumber"],
        "action": "PROFILE_VIEW",
        "outcome": "OK",
    } in history
    assert all(h["action"] != "AUDIT_QUERY" for h in history)


async def test_pagination_is_newest_first_and_complete(
    api: Api, tokens: dict[str, str], viewed: dict[str, Any]
) -> None:
    seen: list[int] = []
    after = None
    for _ in range(50):
        body = await api.query(
            EVENTS,
            {"f": {"userId": "judge-zhang"}, "first": 3, "after": after},
            token=tokens["auditor-sun"],
        )
        page = body["data"]["auditEvents"]
        seen += [int(n["id"]) for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) and len(seen) >= 1


async def test_filters_by_outcome_and_flag(
    api: Api, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    sample = demo["samples"]["persons"][0]
    await api.query(PERSON_FULL, {"id": sample["idNumber"]})  # no case: PURPOSE_REQUIRED, NO_CASE
    body = await api.query(
        EVENTS,
        {"f": {"outcome": "PURPOSE_REQUIRED", "flag": "NO_CASE"}, "first": 5},
        token=tokens["auditor-sun"],
    )
    nodes = body["data"]["auditEvents"]["nodes"]
    assert nodes and all(
        n["outcome"] == "PURPOSE_REQUIRED" and "NO_CASE" in n["flags"] for n in nodes
    )


async def test_checkpoint_and_proofs_verify(
    api: Api, app: Any, tokens: dict[str, str], viewed: dict[str, Any]
) -> None:
    runtime = app.state.runtime
    verifier = [vkey(runtime.audit.keys.origin, runtime.audit.keys.public_key)]
    # every entry so far (other tests' views of the same party too) is in the signed tree
    await integrate_all(runtime)
    first = (await api.query(CHECKPOINT, token=tokens["auditor-sun"]))["data"]["auditCheckpoint"]
    signed = open_checkpoint(first["note"], verifier)
    assert (signed.size, base64.b64encode(signed.root).decode()) == (
        first["treeSize"],
        first["rootHash"],
    )
    # the judge's entry is included in the signed tree
    events = await api.query(
        EVENTS,
        {"f": {"subjectIdNumber": viewed["idNumber"]}, "first": 1},
        token=tokens["auditor-sun"],
    )
    entry_id = events["data"]["auditEvents"]["nodes"][0]["id"]
    proof = (
        await api.query(
            INCLUSION, {"e": entry_id, "n": first["treeSize"]}, token=tokens["auditor-sun"]
        )
    )["data"]["auditInclusionProof"]
    assert verify_inclusion(
        proof["leafIndex"],
        proof["treeSize"],
        b64(proof["leafHash"]),
        [b64(h) for h in proof["hashes"]],
        signed.root,
    )
    # a later checkpoint extends this one
    await api.query(PERSON_FULL, {"id": viewed["idNumber"], "case": viewed["caseNumber"]})
    await integrate_all(runtime)
    later = open_checkpoint(
        (await api.query(CHECKPOINT, token=tokens["auditor-sun"]))["data"]["auditCheckpoint"][
            "note"
        ],
        verifier,
    )
    assert later.size > signed.size
    cons = (
        await api.query(
            CONSISTENCY, {"a": signed.size, "b": later.size}, token=tokens["auditor-sun"]
        )
    )["data"]["auditConsistencyProof"]
    assert verify_consistency(
        signed.size, later.size, signed.root, later.root, [b64(h) for h in cons["hashes"]]
    )


async def test_only_auditors_see_the_log(api: Api, tokens: dict[str, str]) -> None:
    for who in ("judge-zhang", "registry-wang"):
        body = await api.query(EVENTS, {"first": 1}, token=tokens[who])
        assert body["data"]["auditEvents"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_auditors_are_audited(
    api: Api, app: Any, tokens: dict[str, str], viewed: dict[str, Any]
) -> None:
    await api.query(HISTORY, {"id": viewed["idNumber"]}, token=tokens["auditor-sun"])
    body = await api.query(
        EVENTS, {"f": {"userId": "auditor-sun"}, "first": 5}, token=tokens["auditor-sun"]
    )
    actions = {n["action"] for n in body["data"]["auditEvents"]["nodes"]}
    assert actions == {"AUDIT_QUERY"}
    history_lookups = [
        n
        for n in body["data"]["auditEvents"]["nodes"]
        if n["subjectId"] == viewed["idNumber"][:2] + "*" * 14 + viewed["idNumber"][-2:]
    ]
    assert history_lookups, (
        "the person whose history was read is recorded (encrypted) on the auditor's entry"
    )


@pytest.mark.parametrize(
    ("variables", "rule"),
    [
        ({"first": 0}, "PAGE_SIZE"),
        ({"first": 1000}, "PAGE_SIZE"),
        ({"first": 5, "after": "not-a-cursor"}, "CURSOR"),
        ({"first": 5, "f": {"flag": "SOMETHING"}}, "FLAG"),
        ({"first": 5, "f": {"outcome": "MAYBE"}}, "OUTCOME"),
        ({"first": 5, "f": {"subjectIdNumber": "123"}}, "GB11643_LENGTH"),
        (
            {
                "first": 5,
                "f": {"from": "2026-02-01T00:00:00+00:00", "to": "2026-01-01T00:00:00+00:00"},
            },
            "TIME_RANGE",
        ),
        ({"first": 5, "f": {"caseNumber": "bogus"}}, "CASE_NUMBER_FORMAT"),
    ],
)
async def test_bad_input_is_refused(
    api: Api, tokens: dict[str, str], variables: dict[str, Any], rule: str
) -> None:
    body = await api.query(EVENTS, variables, token=tokens["auditor-sun"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["rule"] == rule


async def test_proofs_refuse_unknown_entries_and_sizes(api: Api, tokens: dict[str, str]) -> None:
    body = await api.query(INCLUSION, {"e": "999999999"}, token=tokens["auditor-sun"])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await api.query(CONSISTENCY, {"a": 5, "b": 2}, token=tokens["auditor-sun"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
