"""The banks' look-up benchmark: its arguments, how it reads each bank's outcome from an answer,
and a report whose figures bench/side_by_side.py can collect (no timing is asserted); for the
asynchronous 查控 request, the case it puts in the hub's database (the judge files a request for
its subjects), the calls it reads from a bank's /metrics and its report."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.bank_lookup import (
    BANKS,
    InquiryRun,
    Tally,
    agency_calls,
    bound_ms,
    connector_errors,
    inquiry_report,
    outcomes,
    parse_args,
    put_inquiry_case,
    report,
)
from bench.loadgen import LoadResult
from bench.side_by_side import figures
from hub.config import Settings
from tests.conftest import Api


def answer(refused: str | None = None, timed_out: str | None = None) -> bytes:
    """A deposits answer as the hub gives it: one entry per bank in the registry's order."""
    deposits: list[dict[str, Any]] = []
    errors = []
    for i, bank in enumerate(BANKS):
        if bank == refused:
            deposits.append({"bank": bank, "answer": "UNAVAILABLE", "accounts": None})
            message = f"{bank}: circuit breaker open after repeated failures; next probe within 5 s"
        elif bank == timed_out:
            deposits.append({"bank": bank, "answer": "TIMEOUT", "accounts": None})
            message = f"{bank}: no answer within 0.5 s; its fields are null, the rest is complete"
        else:
            deposits.append({"bank": bank, "answer": "ANSWERED", "accounts": []})
            continue
        code = "CONNECTOR_TIMEOUT" if bank == timed_out else "CONNECTOR_UNAVAILABLE"
        errors.append(
            {
                "message": message,
                "path": ["person", "assets", "deposits", i, "accounts"],
                "extensions": {"code": code, "connector": bank},
            }
        )
    body: dict[str, Any] = {"data": {"person": {"assets": {"deposits": deposits}}}}
    if errors:
        body["errors"] = errors
    return json.dumps(body).encode()


def test_the_defaults_are_the_issues_figure() -> None:
    # when run without arguments
    args = parse_args([])
    # then a slow bank at 200 ms and a dead one, two different banks, with a 0.5 s timeout
    assert (args.slow, args.dead, args.latency_ms) == ("bank:102", "bank:313", 200.0)
    assert args.bank_timeout == 0.5 and args.breaker_failures == 5
    assert bound_ms(args) == 550
    assert len(BANKS) == 8
    # and one 查控 request for 1,000 subjects after the look-ups
    assert args.inquiry_subjects == 1000


@pytest.mark.parametrize(
    "argv",
    [
        ["--slow", "bank:999"],
        ["--dead", "public_security"],
        ["--slow", "bank:104", "--dead", "bank:104"],
        ["--requests", "0"],
        ["--bank-timeout", "0"],
        ["--latency-ms", "-1"],
        ["--inquiry-subjects", "1001"],
        ["--inquiry-subjects", "-1"],
        ["--persons", "100", "--inquiry-subjects", "200"],
        ["--inquiry-wait", "0"],
    ],
    ids=[
        "unknown slow bank",
        "dead not a bank",
        "one bank both",
        "no requests",
        "no timeout",
        "negative latency",
        "more subjects than a request takes",
        "negative subjects",
        "more subjects than persons",
        "no wait",
    ],
)
def test_bad_arguments_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_each_banks_outcome_is_read_from_the_answer() -> None:
    # given an answer where bank:313's breaker refused and bank:102 timed out
    found = outcomes(answer(refused="bank:313", timed_out="bank:102"))
    # then those two say so and the six others answered
    assert found["bank:313"] == "CIRCUIT_OPEN"
    assert found["bank:102"] == "TIMEOUT"
    assert sorted(b for b, o in found.items() if o == "ANSWERED") == sorted(
        ["bank:103", "bank:104", "bank:105", "bank:301", "bank:403", "bank:308"]
    )
    # and an answer that is no answer leaves every bank missing
    assert set(outcomes(b"<html>502</html>").values()) == {"MISSING"}


def test_the_breaker_opens_at_the_first_refusal_counted_from_the_hubs_first_answer() -> None:
    # given a warm-up of three answers where the dead bank was called, then a refusal
    tally = Tally("bank:313", measuring=False)
    for _ in range(3):
        tally.add(0.1, b"HTTP/1.1 200 OK", answer())  # the dead bank "answered": not a failure
    unavailable = json.loads(answer())
    unavailable["data"]["person"]["assets"]["deposits"][7]["answer"] = "UNAVAILABLE"
    tally.add(0.1, b"HTTP/1.1 200 OK", json.dumps(unavailable).encode())
    tally.measuring = True
    tally.add(0.1, b"HTTP/1.1 200 OK", answer(refused="bank:313"))
    tally.add(0.1, b"HTTP/1.1 200 OK", answer(refused="bank:313", timed_out="bank:104"))
    # then it opened after four answers, one of them a call to the dead bank
    assert tally.opened_after == 4 and tally.dead_calls_before_open == 1
    # and only the measured answers are counted per bank
    assert tally.counts["bank:313"]["CIRCUIT_OPEN"] == 2
    assert tally.counts["bank:104"] == {"ANSWERED": 1, "TIMEOUT": 1}
    assert tally.incomplete == 1


def test_the_dead_banks_errors_are_read_from_metrics() -> None:
    metrics = "\n".join(
        [
            "# TYPE hub_connector_errors_total counter",
            'hub_connector_errors_total{code="CONNECTOR_UNAVAILABLE",connector="bank:313"} 8.0',
            'hub_connector_errors_total{code="CIRCUIT_OPEN",connector="bank:313"} 22.0',
            'hub_connector_errors_total{code="CONNECTOR_TIMEOUT",connector="bank:102"} 1.0',
        ]
    )
    assert connector_errors(metrics, "bank:313") == {"CONNECTOR_UNAVAILABLE": 8, "CIRCUIT_OPEN": 22}


def test_the_report_is_markdown_whose_figures_side_by_side_collects() -> None:
    # given a run of four answers, the breaker open from the second
    args = parse_args(["--requests", "4", "--warmup", "0"])
    tally = Tally(args.dead)
    tally.add(0.2, b"", answer(timed_out=None))
    for _ in range(3):
        tally.add(0.2, b"", answer(refused=args.dead))
    result = LoadResult(requests=4, errors=4, seconds=2.0, latencies=[0.21, 0.22, 0.23, 0.6])
    # when it is reported
    text = report(
        args,
        result,
        tally,
        state="OPEN",
        errors={"CONNECTOR_UNAVAILABLE": 1, "CIRCUIT_OPEN": 3},
        subjects_used=4,
    )
    # then the figures are table rows side_by_side reads as numbers
    found = figures(text)
    assert found["p50 ms.value"] == 230.0
    assert found["p99 ms.value"] == 600.0
    assert found["bound ms (slow bank's timeout + 50).value"] == 550
    assert found["breaker opened after (responses).value"] == 1
    assert found["bank:313.refused (breaker open)"] == 3
    assert found["bank:102.answered"] == 4
    # and the verdict and the breaker's state are in words
    assert "| p99 under the bound | **no** |" in text
    assert "| breaker state at the end (/readyz) | OPEN |" in text


def test_no_inquiry_subjects_skips_the_request() -> None:
    assert parse_args(["--inquiry-subjects", "0"]).inquiry_subjects == 0


def test_a_banks_calls_are_read_from_its_metrics() -> None:
    metrics = "\n".join(
        [
            "# TYPE agency_http_requests_total counter",
            'agency_http_requests_total{route="/graphql",status="200"} 12.0',
            'agency_http_requests_total{route="/graphql",status="503"} 2.0',
            'agency_http_requests_total{route="/{kind}/{what}",status="200"} 40.0',
            'agency_http_requests_total{route="/healthz",status="200"} 3.0',
        ]
    )
    assert agency_calls(metrics) == 14
    assert agency_calls(metrics, "/healthz") == 3


def inquiry_run(received: int, accounts: int = 2) -> InquiryRun:
    """A request of 1,000 subjects: seven banks answered on their first attempt, bank:313 down
    (asked three times, pending)."""
    banks = []
    for bank in BANKS:
        if bank == "bank:313":
            banks.append(
                {
                    "bank": bank,
                    "state": "PENDING",
                    "attempts": 3,
                    "lastError": "CONNECTOR_UNAVAILABLE",
                    "answeredAt": None,
                    "results": None,
                }
            )
            continue
        banks.append(
            {
                "bank": bank,
                "state": "ANSWERED",
                "attempts": 1,
                "lastError": None,
                "answeredAt": "2026-11-01T05:12:02.500000+00:00",
                "results": [{"accounts": [{"accountNumber": "1"}] * accounts}]
                + [{"accounts": []}] * 999,
            }
        )
    return InquiryRun(
        case="（2026）鲁0602执991000号",
        subjects=1000,
        inquiry="CK-2026-0123456789AB",
        live_ended_s=2.7,
        done_s=None,
        answer={"status": "OPEN", "filedAt": "2026-11-01T05:12:00+00:00", "banks": banks},
        received={b: (None if b == "bank:313" else received) for b in BANKS},
        dead_errors={"CONNECTOR_UNAVAILABLE": 1, "CONNECTOR_TIMEOUT": 0, "CIRCUIT_OPEN": 2},
    )


def test_the_inquiry_report_gives_calls_rounds_and_the_dead_banks_row() -> None:
    # given a request whose seven live banks were each called once
    text = inquiry_report(parse_args([]), inquiry_run(received=1))
    found = figures(text)
    # then the figures side_by_side collects: subjects, time, rounds, calls
    assert found["inquiry subjects.value"] == 1000
    assert found["inquiry: seconds until every live bank answered.value"] == 2.7
    assert found["inquiry: rounds with calls to a live bank.value"] == 1
    assert found["inquiry: calls the live banks received.value"] == 7
    assert found["inquiry: calls at one per subject.value"] == 7000
    assert found["bank:104.inquiry calls received"] == 1
    assert found["bank:104.inquiry accounts found"] == 2
    assert found["bank:104.inquiry answered after s"] == 2.5
    # and in words: one call per bank per round, the request not DONE, the dead bank's row
    assert "| inquiry: one call per bank per round | yes |" in text
    assert "| inquiry: DONE | no: bank:313 is asked again until the deadline" in text
    assert "| inquiry: dead bank's row (bank:313) | PENDING, 3 attempts, last error" in text
    assert "| bank:313 | down | PENDING | 3 | — (down) | — | — |" in text


def test_a_call_per_subject_is_reported_as_not_batched() -> None:
    # given banks that received a call per subject
    text = inquiry_report(parse_args([]), inquiry_run(received=1000))
    # then the verdict says no
    assert "| inquiry: one call per bank per round | **no** |" in text


ASSIGNED = """query($filter: CaseFilter) { assignedCases(filter: $filter, first: 5) {
  nodes { caseNumber status parties { role subjectKind subjectId } } } }"""
FILE = """mutation($case: String!, $subjects: [String!]!) {
  depositInquiryFile(input: {caseNumber: $case, subjects: $subjects}) {
    inquiry { id subjectCount } errors { code reason } } }"""
LIST = """query($case: String!) { depositInquiries(filter: {caseNumber: $case}, first: 5) {
  totalCount } }"""


async def test_the_case_is_the_judges_with_the_subjects_as_respondents(
    settings: Settings, api: Api
) -> None:
    env = {"HUB_DATA_DIR": str(settings.data_dir), "HUB_DATABASE_URL": settings.database_url}
    # when the bench puts its case of 5 subjects in the hub's database
    case, subjects = await put_inquiry_case(env, 5)
    # then the demo judge has it, open, with the 5 persons as 被执行人
    body = await api.query(ASSIGNED, {"filter": {"caseNumberContains": case}})
    [node] = body["data"]["assignedCases"]["nodes"]
    assert (node["caseNumber"], node["status"]) == (case, "OPEN")
    assert [(p["role"], p["subjectKind"], p["subjectId"]) for p in node["parties"]] == [
        ("被执行人", "PERSON", s) for s in subjects
    ]
    assert len(set(subjects)) == 5
    # and the judge may file a request for them
    filed = (await api.query(FILE, {"case": case, "subjects": subjects}))["data"]
    assert filed["depositInquiryFile"]["errors"] == []
    assert filed["depositInquiryFile"]["inquiry"]["subjectCount"] == 5
    # when it is put there again (a second run)
    again, same = await put_inquiry_case(env, 5)
    # then it is the same case, without the requests of the run before
    assert (again, same) == (case, subjects)
    assert (await api.query(LIST, {"case": case}))["data"]["depositInquiries"]["totalCount"] == 0
