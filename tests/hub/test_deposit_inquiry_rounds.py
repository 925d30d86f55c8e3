"""The rounds of asynchronous 查控 requests: one batched call per bank per round, answers recorded
per bank, a failing bank asked again after its back-off, a silent one timed out at the deadline.

Calls are counted on the sources themselves (:class:`tests.fakes.RecordingSource`); expected
accounts are read from the bank's database with plain SQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, delete, select

from connectors import registry
from connectors.banks import models as bk
from hub.audit.models import audit_entries
from hub.config import Settings
from hub.federation.resilience import Guard
from hub.inquiries import service, workflow
from hub.inquiries.models import deposit_inquiries, deposit_inquiry_banks, deposit_inquiry_subjects
from tests.fakes import FailingSource, RecordingSource, SlowSource

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(serial: int) -> str:
    """A valid GB 11643 ID number (check character by ISO 7064 MOD 11-2, computed here)."""
    body = f"370602{1980 + serial // 1000}0101{serial % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


async def filed(engine: Any, n: int, start: int, at: datetime, banks: list[str]) -> str:
    values = {
        "id": service.new_inquiry_id(at.date()),
        "court_code": "370602",
        "case_number": "（2026）鲁0602执9001号",
        "filed_by": "judge-test",
        "filed_at": at,
        "deadline": at + timedelta(hours=1),
        "status": service.OPEN,
        "subjects": n,
    }
    subjects = [("PERSON", id_number(start + i)) for i in range(n)]
    async with engine.begin() as conn:
        await service.insert_inquiry(conn, values, subjects, banks)
    return str(values["id"])


async def cleanup(engine: Any, ids: list[str]) -> None:
    async with engine.begin() as conn:
        for table in (deposit_inquiry_banks, deposit_inquiry_subjects):
            await conn.execute(delete(table).where(table.c.inquiry_id.in_(ids)))
        await conn.execute(delete(deposit_inquiries).where(deposit_inquiries.c.id.in_(ids)))


async def rows_of(engine: Any, inquiry_id: str) -> dict[str, dict[str, Any]]:
    async with engine.connect() as conn:
        return {r["bank"]: r for r in await service.banks_of(conn, inquiry_id)}


async def test_a_thousand_subjects_across_every_bank_cost_one_call_per_bank_per_round(
    app: Any, sources: dict[str, Any]
) -> None:
    # given two requests due now, 600 and 400 subjects, 1,000 in all, asked of the 8 demo banks
    runtime = app.state.runtime
    banks = list(registry.banks())
    assert len(banks) == 8
    at = datetime.now(UTC)
    ids = [
        await filed(runtime.engine, 600, 0, at, banks),
        await filed(runtime.engine, 400, 600, at, banks),
    ]
    recording = {b: RecordingSource(sources[b]) for b in banks}
    try:
        # when one round runs
        progress = await workflow.run_round(
            runtime.engine, runtime.audit, workflow.asker(recording), at=at
        )
        # then every bank was called exactly once, for the 1,000 subjects together
        for bank in banks:
            assert recording[bank].methods() == ["deposits"], bank
            assert len(recording[bank].calls[0][1]) == 1000
        # and every bank's row of both requests is answered, both requests done
        assert sorted((p.inquiry_id, p.bank) for p in progress) == sorted(
            (i, b) for i in ids for b in banks
        )
        for inquiry in ids:
            assert {r["state"] for r in (await rows_of(runtime.engine, inquiry)).values()} == {
                "ANSWERED"
            }
            async with runtime.engine.connect() as conn:
                assert (await service.get_inquiry(conn, inquiry))["status"] == "DONE"
        # and a second round asks nobody
        await workflow.run_round(runtime.engine, runtime.audit, workflow.asker(recording), at=at)
        assert all(len(recording[b].calls) == 1 for b in banks)
    finally:
        await cleanup(runtime.engine, ids)


async def test_an_answer_holds_the_banks_accounts_and_is_on_record(
    app: Any, settings: Settings, sources: dict[str, Any], demo: dict[str, Any]
) -> None:
    # given a request for a demo person holding an account at some bank
    runtime = app.state.runtime
    holder = bank = None
    for sample in demo["samples"]["persons"]:
        for name in registry.banks():
            engine = create_engine(settings.connectors[name].url)
            with engine.connect() as conn:
                numbers = sorted(
                    r.account_number
                    for r in conn.execute(
                        select(bk.accounts.c.account_number).where(
                            bk.accounts.c.holder_id == sample["idNumber"]
                        )
                    )
                )
            engine.dispose()
            if numbers:
                holder, bank = sample["idNumber"], name
                break
        if holder:
            break
    assert holder is not None and bank is not None
    at = datetime.now(UTC)
    values = {
        "id": service.new_inquiry_id(at.date()),
        "court_code": "370602",
        "case_number": "（2026）鲁0602执9002号",
        "filed_by": "judge-test",
        "filed_at": at,
        "deadline": at + timedelta(hours=1),
        "status": "OPEN",
        "subjects": 1,
    }
    async with runtime.engine.begin() as conn:
        await service.insert_inquiry(conn, values, [("PERSON", holder)], [bank])
    try:
        # when a round runs
        await workflow.run_round(runtime.engine, runtime.audit, workflow.asker(sources), at=at)
        # then the bank's row holds the holder's accounts, as the bank's database has them
        row = (await rows_of(runtime.engine, values["id"]))[bank]
        stored = json.loads(row["accounts"])
        assert sorted(a["account_number"] for a in stored[holder]) == numbers
        # and the answer is on record with the hub as actor, the subject a row of it
        async with runtime.engine.connect() as conn:
            entry = (
                await conn.execute(
                    select(audit_entries)
                    .where(audit_entries.c.action == "DEPOSIT_INQUIRY_ANSWER")
                    .where(audit_entries.c.case_number == "（2026）鲁0602执9002号")
                )
            ).one()
        assert entry.user_id == "hub" and entry.subjects_hash is not None
        assert f'"inquiry":"{values["id"]}"' in entry.content
    finally:
        await cleanup(runtime.engine, [values["id"]])


async def test_a_failing_bank_is_asked_again_after_its_back_off_and_timed_out_at_the_deadline(
    app: Any, sources: dict[str, Any]
) -> None:
    # given a request of 3 subjects to one bank that refuses every call
    runtime = app.state.runtime
    bank = registry.banks()[0]
    failing = {bank: FailingSource(sources[bank])}
    at = datetime.now(UTC)
    inquiry = await filed(runtime.engine, 3, 9000, at, [bank])
    ask = workflow.asker(failing)
    try:
        # when a round runs, then the failure is kept, the row still pending, with its next try
        await workflow.run_round(runtime.engine, runtime.audit, ask, at=at)
        row = (await rows_of(runtime.engine, inquiry))[bank]
        assert (row["state"], row["attempts"], row["last_error"]) == (
            "PENDING",
            1,
            "CONNECTOR_UNAVAILABLE",
        )
        assert row["next_attempt_at"] == at + timedelta(seconds=5)
        # when a round runs before the back-off ends, then the bank is not asked
        await workflow.run_round(runtime.engine, runtime.audit, ask, at=at + timedelta(seconds=4))
        assert len(failing[bank].calls) == 1
        # when one runs after it, then it is asked again and waits twice as long
        await workflow.run_round(runtime.engine, runtime.audit, ask, at=at + timedelta(seconds=5))
        row = (await rows_of(runtime.engine, inquiry))[bank]
        assert len(failing[bank].calls) == 2 and row["attempts"] == 2
        assert row["next_attempt_at"] == at + timedelta(seconds=15)
        # when a round runs at the deadline, then the bank is not asked and ends TIMED_OUT
        await workflow.run_round(runtime.engine, runtime.audit, ask, at=at + timedelta(hours=1))
        row = (await rows_of(runtime.engine, inquiry))[bank]
        assert row["state"] == "TIMED_OUT" and len(failing[bank].calls) == 2
        async with runtime.engine.connect() as conn:
            assert (await service.get_inquiry(conn, inquiry))["status"] == "DONE"
    finally:
        await cleanup(runtime.engine, [inquiry])


async def test_a_bank_whose_source_crashes_costs_only_its_own_row(
    app: Any, sources: dict[str, Any]
) -> None:
    # given a request to two banks, the first of which crashes on every call
    runtime = app.state.runtime
    crashing, sound = registry.banks()[0], registry.banks()[1]
    asked = {
        crashing: FailingSource(sources[crashing], unexpected=True),
        sound: RecordingSource(sources[sound]),
    }
    at = datetime.now(UTC)
    inquiry = await filed(runtime.engine, 2, 9100, at, [crashing, sound])
    try:
        # when a round runs
        await workflow.run_round(runtime.engine, runtime.audit, workflow.asker(asked), at=at)
        # then the sound bank answered and the crashing one waits for its next try
        rows = await rows_of(runtime.engine, inquiry)
        assert rows[sound]["state"] == "ANSWERED"
        assert (rows[crashing]["state"], rows[crashing]["last_error"]) == (
            "PENDING",
            "CONNECTOR_UNAVAILABLE",
        )
    finally:
        await cleanup(runtime.engine, [inquiry])


async def test_a_round_gives_a_bank_the_call_timeout_not_its_look_up_timeout(
    app: Any, sources: dict[str, Any]
) -> None:
    # given a bank whose guard allows a look-up 0.05 s, answering every call 0.3 s late, and a
    # request of 200 subjects to it
    runtime = app.state.runtime
    bank = registry.banks()[0]
    slow = {bank: SlowSource(sources[bank], 0.3)}
    guards = {bank: Guard(bank, timeout=0.05, retries=0)}
    at = datetime.now(UTC)
    inquiry = await filed(runtime.engine, 200, 9200, at, [bank])
    try:
        # when a round runs with a call timeout of 0.1 s, then the bank timed out
        await workflow.run_round(
            runtime.engine, runtime.audit, workflow.asker(slow, guards, 0.1), at=at
        )
        row = (await rows_of(runtime.engine, inquiry))[bank]
        assert (row["state"], row["last_error"]) == ("PENDING", "CONNECTOR_TIMEOUT")
        # when the next round runs with the default call timeout (30 s), then the bank's
        # answer is recorded, though it came six times the look-up timeout late
        assert workflow.CALL_TIMEOUT == 30.0
        await workflow.run_round(
            runtime.engine,
            runtime.audit,
            workflow.asker(slow, guards),
            at=at + timedelta(seconds=5),
        )
        row = (await rows_of(runtime.engine, inquiry))[bank]
        assert row["state"] == "ANSWERED"
    finally:
        await cleanup(runtime.engine, [inquiry])


def test_the_call_timeout_is_a_setting() -> None:
    # HUB_INQUIRY_CALL_TIMEOUT, 30 s unless set; a non-positive value is refused
    assert Settings.from_env({}).inquiry_call_timeout == 30.0
    assert Settings.from_env({"HUB_INQUIRY_CALL_TIMEOUT": "120"}).inquiry_call_timeout == 120.0
