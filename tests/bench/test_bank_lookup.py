"""The banks' look-up benchmark: its arguments, how it reads each bank's outcome from an answer,
and a report whose figures bench/side_by_side.py can collect (no timing is asserted)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.bank_lookup import BANKS, Tally, bound_ms, connector_errors, outcomes, parse_args, report
from bench.loadgen import LoadResult
from bench.side_by_side import figures


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


@pytest.mark.parametrize(
    "argv",
    [
        ["--slow", "bank:999"],
        ["--dead", "public_security"],
        ["--slow", "bank:104", "--dead", "bank:104"],
        ["--requests", "0"],
        ["--bank-timeout", "0"],
        ["--latency-ms", "-1"],
    ],
    ids=[
        "unknown slow bank",
        "dead not a bank",
        "one bank both",
        "no requests",
        "no timeout",
        "negative latency",
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
