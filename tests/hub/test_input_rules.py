"""One answer for one mistake: arguments out of their domain are BAD_USER_INPUT naming the rule,
whichever field takes them.

An audit proof for a tree of size 0 or -1 was NOT_FOUND (as if such a tree might exist), and
identifiers and text with control characters at an end were taken (stripped away unseen) or
kept in the middle.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, integrate_all
from tests.hub.test_orders import SUBMIT, submit_input

INCLUSION = """query($e: String!, $n: Int) { auditInclusionProof(entryId: $e, treeSize: $n) {
  leafIndex treeSize } }"""
CONSISTENCY = (
    "query($a: Int!, $b: Int!) { auditConsistencyProof(fromSize: $a, toSize: $b) { hashes } }"
)
CHECKPOINT = "{ auditCheckpoint { treeSize } }"
EVENTS = "query { auditEvents(first: 50) { nodes { id leafIndex } } }"
PERSON = (
    "query($id: String!, $case: String) { person(idNumber: $id, caseNumber: $case) { idNumber } }"
)
CHECKS = """query($m: String!, $ids: [String!]) { sanctionChecks(matter: $m, idNumbers: $ids) {
  decision } }"""


def refusal(body: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(code, rule, argument) of the answer's one error."""
    [error] = body["errors"]
    extensions = error["extensions"]
    return extensions["code"], extensions.get("rule"), extensions.get("argument")


@pytest.fixture
async def integrated_entry(app: Any, api: Api, tokens: dict[str, str]) -> dict[str, Any]:
    """An audit entry in the signed tree, and that tree's size."""
    await api.query("{ myCases(first: 1) { caseNumber } }")  # an entry (CASE_LIST)
    runtime = app.state.runtime
    await integrate_all(runtime)
    checkpoint = await api.query(CHECKPOINT, token=tokens["auditor-sun"])
    size = checkpoint["data"]["auditCheckpoint"]["treeSize"]
    events = await api.query(EVENTS, token=tokens["auditor-sun"])
    entry = next(
        e
        for e in events["data"]["auditEvents"]["nodes"]
        if e["leafIndex"] is not None and e["leafIndex"] < size
    )
    return {"id": entry["id"], "size": size}


@pytest.mark.parametrize("size", [0, -1, -(2**31)])
async def test_an_inclusion_proof_in_a_tree_of_no_size_is_bad_input(
    api: Api, tokens: dict[str, str], integrated_entry: dict[str, Any], size: int
) -> None:
    # when the auditor asks for the proof of an entry in a tree of size 0 or less
    body = await api.query(
        INCLUSION, {"e": integrated_entry["id"], "n": size}, token=tokens["auditor-sun"]
    )
    # then it is the argument that is wrong, not a tree that is missing
    assert body["data"] == {"auditInclusionProof": None}
    assert refusal(body) == ("BAD_USER_INPUT", "TREE_SIZE", "treeSize")


@pytest.mark.parametrize("entry_id", ["-1", "0", "+7", " 7", "7 ", "1_000", "1.0", "x", ""])
async def test_an_entry_id_that_is_no_entry_id_is_bad_input(
    api: Api, tokens: dict[str, str], entry_id: str
) -> None:
    body = await api.query(INCLUSION, {"e": entry_id, "n": None}, token=tokens["auditor-sun"])
    assert body["data"] == {"auditInclusionProof": None}
    assert refusal(body) == ("BAD_USER_INPUT", "ENTRY_ID", "entryId")


async def test_an_inclusion_proof_of_a_real_entry_still_answers(
    api: Api, tokens: dict[str, str], integrated_entry: dict[str, Any]
) -> None:
    body = await api.query(
        INCLUSION,
        {"e": integrated_entry["id"], "n": integrated_entry["size"]},
        token=tokens["auditor-sun"],
    )
    assert "errors" not in body, body
    assert body["data"]["auditInclusionProof"]["treeSize"] == integrated_entry["size"]


@pytest.mark.parametrize(
    ("sizes", "argument"),
    [((0, 1), "fromSize"), ((-1, 1), "fromSize"), ((5, 3), "toSize"), ((1, -1), "toSize")],
)
async def test_a_consistency_proof_between_sizes_out_of_order_is_bad_input(
    api: Api, tokens: dict[str, str], sizes: tuple[int, int], argument: str
) -> None:
    body = await api.query(CONSISTENCY, {"a": sizes[0], "b": sizes[1]}, token=tokens["auditor-sun"])
    assert body["data"] == {"auditConsistencyProof": None}
    assert refusal(body) == ("BAD_USER_INPUT", "TREE_SIZE", argument)


@pytest.mark.parametrize(
    ("suffix", "prefix"),
    [("\n", ""), ("", "\t"), ("\x1f", ""), ("", "\ufeff"), ("\u2028", "")],
    ids=["newline", "tab", "unit-separator", "byte-order-mark", "line-separator"],
)
async def test_an_id_number_with_a_control_character_is_refused(
    api: Api, demo: dict[str, Any], suffix: str, prefix: str
) -> None:
    # given a party's ID number with a control character at an end (strip() took it away)
    sample = demo["samples"]["persons"][0]
    # when it is looked up
    body = await api.query(
        PERSON, {"id": prefix + sample["idNumber"] + suffix, "case": sample["caseNumber"]}
    )
    # then it is refused as written, before anything is fetched
    assert body["data"] == {"person": None}
    assert refusal(body) == ("BAD_USER_INPUT", "CONTROL_CHARACTER", "idNumber")


async def test_a_case_number_with_a_control_character_is_refused(
    api: Api, demo: dict[str, Any]
) -> None:
    sample = demo["samples"]["persons"][0]
    body = await api.query(PERSON, {"id": sample["idNumber"], "case": sample["caseNumber"] + "\r"})
    assert body["data"] == {"person": None}
    assert refusal(body) == ("BAD_USER_INPUT", "CONTROL_CHARACTER", "caseNumber")


async def test_a_batch_check_names_the_id_number_with_a_control_character(
    api: Api, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    ids = [p["idNumber"] for p in demo["samples"]["persons"][:2]]
    body = await api.query(
        CHECKS,
        {"m": "LH-COMPANY-OFFICER", "ids": [ids[0], ids[1] + "\u200b"]},
        token=tokens["approval-market"],
    )
    assert body["data"] is None
    assert refusal(body) == ("BAD_USER_INPUT", "CONTROL_CHARACTER", "idNumbers[1]")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"idempotencyKey": "key-1\x00"}, "idempotencyKey"),
        ({"idempotencyKey": "key\x1b[2J"}, "idempotencyKey"),
        ({"overSeizureReason": "超标的\u202e原因"}, "overSeizureReason"),
    ],
    ids=["nul", "escape-sequence", "rtl-override"],
)
async def test_text_arguments_with_control_characters_are_refused(
    api: Api, target: dict[str, str], over: dict[str, Any], field: str
) -> None:
    body = await api.query(SUBMIT, {"input": submit_input(target, **over)})
    payload = body["data"]["freezeOrderSubmit"]
    assert payload["order"] is None
    assert [(e["field"], e["rule"]) for e in payload["errors"]] == [(field, "CONTROL_CHARACTER")]


REJECT = """mutation($id: String!, $reason: String!) { freezeOrderReject(id: $id, reason: $reason) {
  order { id } errors { code field rule } } }"""
FILTERED = """query($f: AuditEventFilter) { auditEvents(filter: $f, first: 1) { nodes { id } } }"""


async def test_an_order_id_with_a_control_character_is_refused(
    api: Api, tokens: dict[str, str]
) -> None:
    # (the id of a refused action is kept in its audit entry: it must be printable)
    body = await api.query(
        REJECT, {"id": "FO-2026-\x1b[31mX", "reason": "不予登记"}, token=tokens["registry-wang"]
    )
    assert body["data"]["freezeOrderReject"] == {
        "order": None,
        "errors": [{"code": "BAD_USER_INPUT", "field": "id", "rule": "CONTROL_CHARACTER"}],
    }


@pytest.mark.parametrize(("name", "value"), [("userId", "judge-zhang\n"), ("org", "court:\x00")])
async def test_an_audit_filter_with_a_control_character_is_refused(
    api: Api, tokens: dict[str, str], name: str, value: str
) -> None:
    body = await api.query(FILTERED, {"f": {name: value}}, token=tokens["auditor-sun"])
    assert body["data"] == {"auditEvents": None}
    assert refusal(body) == ("BAD_USER_INPUT", "CONTROL_CHARACTER", f"filter.{name}")
