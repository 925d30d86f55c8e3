"""The asynchronous 查控 request over GraphQL: filing (purpose rule, input rules, on record), the
request read with every bank's answer, the policy's masks on the answers, progress events.

Expected accounts are read from the banks' databases with plain SQL (tests.hub.test_deposits)."""

from __future__ import annotations

import json
from datetime import time as clock
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors import registry
from hub.audit.models import audit_subjects
from hub.config import Settings
from hub.inquiries import workflow
from tests.conftest import Api, add_case, start_app
from tests.hub.test_audit_recording import ask, entries
from tests.hub.test_deposits import bank_rows, respondent_with_deposits
from tests.hub.test_policy_reload import copy_policy

FILE = """mutation($case: String!, $subjects: [String!]!) {
  depositInquiryFile(input: {caseNumber: $case, subjects: $subjects}) {
    inquiry { id caseNumber status subjectCount banks { bank state results { subjectId } } }
    errors { code field reason rule message }
  }
}"""
READ = """query($id: String!) {
  depositInquiry(id: $id) {
    id status
    banks { bank bankName state attempts answeredAt
      results { subjectId accounts { accountNumber holderId balance } } }
  }
}"""


async def respondent_case(
    app: Any, settings: Settings, demo: dict[str, Any]
) -> tuple[str, dict[str, str], dict[str, str]]:
    sample = respondent_with_deposits(settings, demo)
    applicant = demo["samples"]["enterprises"][0]
    case = await add_case(
        app,
        [
            ("申请执行人", "ENTERPRISE", applicant["uscc"], applicant["name"]),
            ("被执行人", "PERSON", sample["idNumber"], sample["name"]),
        ],
    )
    return case, sample, applicant


async def test_the_judge_files_a_request_and_reads_every_banks_answer(
    app: Any, api: Api, settings: Settings, demo: dict[str, Any]
) -> None:
    # given a respondent with accounts in an open case of the judge
    case, sample, _ = await respondent_case(app, settings, demo)
    # when the judge files a 查控 request for them
    body, request_id = await ask(api, FILE, {"case": case, "subjects": [sample["idNumber"]]})
    payload = body["data"]["depositInquiryFile"]
    # then it is open, one pending row per bank, and the filing is on record with the subject
    assert payload["errors"] == []
    inquiry = payload["inquiry"]
    assert (inquiry["status"], inquiry["subjectCount"]) == ("OPEN", 1)
    assert [b["bank"] for b in inquiry["banks"]] == list(registry.banks())
    assert {b["state"] for b in inquiry["banks"]} == {"PENDING"}
    filed = [e for e in await entries(app, request_id) if e["action"] == "DEPOSIT_INQUIRY_FILE"]
    assert len(filed) == 1 and filed[0]["case_number"] == case
    # when a round runs and the judge reads the request
    runtime = app.state.runtime
    await workflow.run_round(runtime.engine, runtime.audit, workflow.asker(runtime.sources))
    body, request_id = await ask(api, READ, {"id": inquiry["id"]})
    # then every bank answered with the accounts its database holds for the subject
    read = body["data"]["depositInquiry"]
    assert read["status"] == "DONE"
    expected = bank_rows(settings, sample["idNumber"])
    for bank in read["banks"]:
        assert bank["state"] == "ANSWERED"
        [result] = bank["results"]
        assert result["subjectId"] == sample["idNumber"]
        assert sorted(a["accountNumber"] for a in result["accounts"]) == [
            r["account"].account_number for r in expected[bank["bank"]]
        ]
    # and reading it is on record
    assert [e["action"] for e in await entries(app, request_id)] == ["DEPOSIT_INQUIRY_VIEW"]


async def test_a_subject_the_case_does_not_reach_refuses_the_request_and_writes_nothing(
    app: Any, api: Api, settings: Settings, demo: dict[str, Any]
) -> None:
    # given the case's applicant (a party, not a 被执行人)
    case, sample, applicant = await respondent_case(app, settings, demo)
    # when the judge names them beside the respondent
    body, request_id = await ask(
        api, FILE, {"case": case, "subjects": [sample["idNumber"], applicant["uscc"]]}
    )
    # then the request is refused as the profile's deposits refuse them, and nothing is filed
    payload = body["data"]["depositInquiryFile"]
    assert payload["inquiry"] is None
    [error] = payload["errors"]
    assert (error["code"], error["reason"], error["field"]) == (
        "FORBIDDEN",
        "NOT_A_RESPONDENT",
        "subjects[1]",
    )
    actions = [(e["action"], e["outcome"]) for e in await entries(app, request_id)]
    assert actions == [("DEPOSIT_INQUIRY_FILE", "DENIED")]
    # and the refusal names the case cited and both subjects named, a subject row each
    # (encrypted, found by their blind index)
    [entry] = await entries(app, request_id)
    keys = app.state.runtime.audit.keys
    assert entry["case_number"] == case
    assert await subject_rows(app, entry["id"]) == [
        (keys.blind_index(sample["idNumber"]), "DENIED"),
        (keys.blind_index(applicant["uscc"]), "DENIED"),
    ]


async def subject_rows(app: Any, entry_id: int) -> list[tuple[str, str]]:
    """(blind index, outcome) of an entry's subject rows, in order."""
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_subjects.c.subject_index, audit_subjects.c.outcome)
            .where(audit_subjects.c.entry_id == entry_id)
            .order_by(audit_subjects.c.position)
        )
        return [(i, o) for i, o in rows]


async def test_a_refusal_for_the_case_names_the_case_and_the_subjects(
    app: Any, api: Api, settings: Settings, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given judge-zhang's open case and a closed one of the same respondent
    case, sample, _ = await respondent_case(app, settings, demo)
    closed = await add_case(
        app, [("被执行人", "PERSON", sample["idNumber"], sample["name"])], status="CLOSED"
    )
    keys = app.state.runtime.audit.keys
    for user, number, reason in (
        ("judge-li", case, "CASE_OTHER_COURT"),
        ("judge-zhou", case, "NOT_ASSIGNED"),
        ("judge-zhang", closed, "CASE_CLOSED"),
        ("judge-zhang", "（2026）鲁0602执999998号", "CASE_UNKNOWN"),
    ):
        # when a judge files a request the case does not allow them
        body, request_id = await ask(
            api, FILE, {"case": number, "subjects": [sample["idNumber"]]}, tokens[user]
        )
        [error] = body["data"]["depositInquiryFile"]["errors"]
        assert (error["code"], error["reason"]) == ("FORBIDDEN", reason)
        # then the refusal is on record with the case cited and the subject named, flagged
        # as its reason says
        [entry] = await entries(app, request_id)
        assert (entry["user_id"], entry["action"], entry["outcome"], entry["case_number"]) == (
            user,
            "DEPOSIT_INQUIRY_FILE",
            "DENIED",
            number,
        )
        assert await subject_rows(app, entry["id"]) == [
            (keys.blind_index(sample["idNumber"]), "DENIED")
        ]
        flags = set(entry["flags"].split())
        assert ("CASE_CLOSED" in flags, "CASE_OTHER_COURT" in flags) == (
            reason == "CASE_CLOSED",
            reason == "CASE_OTHER_COURT",
        )


async def test_reads_of_a_request_are_flagged_off_hours(
    app: Any,
    api: Api,
    settings: Settings,
    demo: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a request, and working hours that never hold (every moment is off hours)
    case, sample, _ = await respondent_case(app, settings, demo)
    body = await api.query(FILE, {"case": case, "subjects": [sample["idNumber"]]})
    inquiry = body["data"]["depositInquiryFile"]["inquiry"]["id"]
    flags = app.state.runtime.audit.flags
    monkeypatch.setattr(flags, "start", clock(0, 0))
    monkeypatch.setattr(flags, "end", clock(0, 0))
    # when the judge files another, reads the request and lists the case's requests
    _, filed = await ask(api, FILE, {"case": case, "subjects": [sample["idNumber"]]})
    _, read = await ask(api, READ, {"id": inquiry})
    _, listed = await ask(api, LIST, {"case": case})
    # then each entry is flagged OFF_HOURS, whichever path wrote it
    written = [e for rid in (filed, read, listed) for e in await entries(app, rid)]
    assert [e["action"] for e in written] == [
        "DEPOSIT_INQUIRY_FILE",
        "DEPOSIT_INQUIRY_VIEW",
        "DEPOSIT_INQUIRY_LIST",
    ]
    assert all("OFF_HOURS" in e["flags"].split() for e in written), [e["flags"] for e in written]


LIST = """query($case: String!) {
  depositInquiries(filter: {caseNumber: $case}, first: 10) { nodes { id status } }
}"""


async def test_malformed_input_is_refused_naming_the_subject_and_rule(api: Api) -> None:
    # given a bad ID number, a repeat, and an empty list
    case = "（2026）鲁0602执1号"
    cases = [
        (["370602198001010000"], "subjects[0]"),
        (["370602198001010004", "370602198001010004"], "subjects[1]"),
        ([], "subjects"),
    ]
    for subjects, field in cases:
        # when the judge files them
        body = await api.query(FILE, {"case": case, "subjects": subjects})
        # then BAD_USER_INPUT names the argument and the rule
        [error] = body["data"]["depositInquiryFile"]["errors"]
        assert (error["code"], error["field"]) == ("BAD_USER_INPUT", field), error
        assert error["rule"]


async def test_a_request_of_another_judges_case_is_not_found(
    app: Any, api: Api, settings: Settings, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    # given a request of the judge's case
    case, sample, _ = await respondent_case(app, settings, demo)
    body = await api.query(FILE, {"case": case, "subjects": [sample["idNumber"]]})
    inquiry = body["data"]["depositInquiryFile"]["inquiry"]["id"]
    # when a judge of the court not assigned to the case, an auditor (not granted) and an
    # unknown id are read
    other = await api.query(READ, {"id": inquiry}, token=tokens["judge-zhou"])
    denied = await api.query(READ, {"id": inquiry}, token=tokens["auditor-sun"])
    unknown = await api.query(READ, {"id": "CK-2026-000000000000"})
    # then the other judge learns no more than of an unknown id, and the auditor is refused
    assert other["data"]["depositInquiry"] is None
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert other["errors"][0]["message"].replace(inquiry, "X") == unknown["errors"][0][
        "message"
    ].replace("CK-2026-000000000000", "X")
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_read_refused_as_not_found_is_on_record_naming_only_the_id(
    app: Any, api: Api, settings: Settings, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    import asyncio

    from tests.hub.test_order_events import context_for, schema_of

    # given a request of judge-zhang's case
    case, sample, _ = await respondent_case(app, settings, demo)
    body = await api.query(FILE, {"case": case, "subjects": [sample["idNumber"]]})
    inquiry = body["data"]["depositInquiryFile"]["inquiry"]["id"]
    # when a judge of another court reads it, and a judge not assigned follows it
    body, request_id = await ask(api, READ, {"id": inquiry}, tokens["judge-li"])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    stream = await schema_of(app).subscribe(
        PROGRESS,
        variable_values={"id": inquiry},
        context_value=context_for(app, tokens["judge-zhou"]),
    )
    refused = await asyncio.wait_for(stream.__anext__(), 5)
    assert refused.errors[0].extensions["code"] == "NOT_FOUND"
    # then both attempts are on record as NOT_FOUND, naming the id and nothing of the request
    [read] = await entries(app, request_id)
    followed = [e for e in await entries(app, "sub") if inquiry in e["content"]]
    for entry, user in ((read, "judge-li"), (followed[-1], "judge-zhou")):
        assert (entry["user_id"], entry["action"], entry["outcome"]) == (
            user,
            "DEPOSIT_INQUIRY_VIEW",
            "NOT_FOUND",
        )
        assert (entry["case_number"], entry["subject_index"]) == (None, None)
        assert json.loads(entry["content"])["detail"] == {"inquiry": inquiry}
        assert await subject_rows(app, entry["id"]) == []


MASKS = """
# the account number and the holder shown masked to the judge (as a policy may have it)
p, enforcement_judge, court:*, DepositAccount.accountNumber, read, deny
p, enforcement_judge, court:*, DepositAccount.accountNumber, mask, allow
p, enforcement_judge, court:*, DepositInquiryResult.subjectId, read, deny
p, enforcement_judge, court:*, DepositInquiryResult.subjectId, mask, allow
"""


async def test_a_masked_field_stays_masked_in_the_answers(
    settings: Settings, demo: dict[str, Any], tokens: dict[str, str], tmp_path: Path
) -> None:
    # given a hub whose policy masks the account number and the subject for the judge
    import httpx

    policy_dir = copy_policy(settings.policy_dir, tmp_path / "policies")
    with (policy_dir / "policy.csv").open("a", encoding="utf-8") as f:
        f.write(MASKS)
    app, lifespan = await start_app(settings.replace(policy_dir=policy_dir))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            judge = Api(client, tokens["judge-zhang"])
            case, sample, _ = await respondent_case(app, settings, demo)
            body = await judge.query(FILE, {"case": case, "subjects": [sample["idNumber"]]})
            inquiry = body["data"]["depositInquiryFile"]["inquiry"]["id"]
            runtime = app.state.runtime
            await workflow.run_round(runtime.engine, runtime.audit, workflow.asker(runtime.sources))
            # when the judge reads the answers
            read = (await judge.query(READ, {"id": inquiry}))["data"]["depositInquiry"]
    finally:
        await lifespan.__aexit__(None, None, None)
    # then account numbers keep four characters at each end, and the ID number its province
    # and its last two characters (the ID-number mask)
    expected = bank_rows(settings, sample["idNumber"])
    seen = 0
    for bank in read["banks"]:
        [result] = bank["results"]
        assert result["subjectId"] == sample["idNumber"][:2] + "*" * 14 + sample["idNumber"][-2:]
        for got, want in zip(result["accounts"], expected[bank["bank"]], strict=True):
            number = want["account"].account_number
            assert got["accountNumber"] != number
            assert got["accountNumber"].startswith(number[:4])
            assert got["accountNumber"].endswith(number[-4:])
            seen += 1
    assert seen >= 1


PROGRESS = """subscription($id: String!) {
  depositInquiryProgress(id: $id) { inquiryId bank state answered timedOut pending done }
}"""


async def test_progress_follows_each_banks_answer_until_every_bank_has_ended(
    app: Any, api: Api, settings: Settings, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    import asyncio

    from tests.hub.test_order_events import context_for, schema_of

    # given a request just filed, every bank pending
    case, sample, _ = await respondent_case(app, settings, demo)
    body = await api.query(FILE, {"case": case, "subjects": [sample["idNumber"]]})
    inquiry = body["data"]["depositInquiryFile"]["inquiry"]["id"]
    # when the judge follows it and a round runs
    stream = await schema_of(app).subscribe(
        PROGRESS,
        variable_values={"id": inquiry},
        context_value=context_for(app, tokens["judge-zhang"]),
    )
    assert hasattr(stream, "__anext__"), stream
    runtime = app.state.runtime
    events = []
    try:
        waiting = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.1)
        assert not waiting.done()  # nothing changed yet
        await workflow.run_round(runtime.engine, runtime.audit, workflow.asker(runtime.sources))
        result = await asyncio.wait_for(waiting, 5)
        events.append(result.data["depositInquiryProgress"])
        async for result in stream:
            assert result.errors is None, result.errors
            events.append(result.data["depositInquiryProgress"])
    finally:
        await stream.aclose()
    # then one event per bank, each ANSWERED, the last one saying the request is done
    assert sorted(e["bank"] for e in events) == sorted(registry.banks())
    assert {(e["inquiryId"], e["state"]) for e in events} == {(inquiry, "ANSWERED")}
    assert [e["done"] for e in events] == [False] * 7 + [True]
    assert (events[-1]["answered"], events[-1]["pending"]) == (8, 0)
