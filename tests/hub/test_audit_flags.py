"""Anomaly flags decided when an entry is written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit import rows as audit_rows
from hub.audit.entries import AccessRecord, BatchRecord
from hub.audit.flags import FlagTracker
from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.audit.models import audit_entries
from hub.audit.rows import entry_row
from hub.audit.writer import AuditLog
from hub.db.engine import create_hub_engine, upgrade


def tracker(**kw: int) -> FlagTracker:
    return FlagTracker(
        working_hours=(clock(8, 30), clock(17, 30)),
        bulk_subjects=kw.get("bulk", 3),
        denied_burst=kw.get("burst", 3),
    )


def access(case: str | None = "（2026）鲁0602执1号", reason: str | None = None) -> AccessRecord:
    return AccessRecord(
        action="PROFILE_VIEW",
        subject_kind="PERSON",
        subject_id="x",
        case_number=case,
        path=("person",),
        reason=reason,
    )


# Tuesday 2026-11-17, 10:00 in Shanghai is 02:00 UTC
WORKDAY = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


def flags(
    t: FlagTracker,
    *,
    org: str = "court:370602",
    a: AccessRecord | None = None,
    outcome: str = "OK",
    index: str | None = "i1",
    now: datetime = WORKDAY,
    user: str = "u",
) -> list[str]:
    return t.flags(
        user=user, org=org, access=a or access(), outcome=outcome, subject_index=index, now=now
    )


def test_an_ordinary_access_has_no_flags() -> None:
    assert flags(tracker()) == []


def test_no_case_is_flagged_for_courts_only() -> None:
    assert "NO_CASE" in flags(tracker(), a=access(case=None))
    assert "NO_CASE" not in flags(tracker(), org="agency:real_estate", a=access(case=None))


def test_closed_and_other_court_cases_are_flagged() -> None:
    assert "CASE_CLOSED" in flags(tracker(), a=access(reason="CASE_CLOSED"), outcome="DENIED")
    assert "CASE_OTHER_COURT" in flags(
        tracker(), a=access(reason="CASE_OTHER_COURT"), outcome="DENIED"
    )


def test_off_hours_and_weekends_in_shanghai_time() -> None:
    t = tracker()
    assert "OFF_HOURS" in flags(t, now=datetime(2026, 11, 17, 13, 0, tzinfo=UTC))  # 21:00 Shanghai
    assert "OFF_HOURS" in flags(t, now=datetime(2026, 11, 21, 2, 0, tzinfo=UTC))  # Saturday 10:00
    assert "OFF_HOURS" not in flags(t, now=datetime(2026, 11, 17, 0, 30, tzinfo=UTC))  # 08:30 sharp


def test_denied_attempts_in_a_burst() -> None:
    t = tracker(burst=3)
    results = [flags(t, outcome="DENIED") for _ in range(3)]
    assert ["DENIED_BURST" in r for r in results] == [False, False, True]
    assert "DENIED_BURST" not in flags(t, outcome="DENIED", user="someone-else")


def test_asking_for_what_is_not_there_counts_toward_a_burst() -> None:
    # README (Audit log): answers NOT_FOUND count toward DENIED_BURST, as refusals do
    t = tracker(burst=3)
    outcomes = ["NOT_FOUND", "DENIED", "NOT_FOUND"]
    assert ["DENIED_BURST" in flags(t, outcome=o) for o in outcomes] == [False, False, True]
    assert "DENIED_BURST" not in flags(tracker(burst=1), outcome="CONFLICT")


def test_bulk_access_counts_distinct_subjects() -> None:
    t = tracker(bulk=3)
    assert all("BULK" not in flags(t, index=f"s{i}") for i in range(3))
    assert "BULK" not in flags(t, index="s0")  # the same subject again is not new
    assert "BULK" in flags(t, index="s3")


def test_bulk_window_forgets_subjects_after_an_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("hub.audit.flags.time.monotonic", lambda: clock[0])
    t = tracker(bulk=3)
    for i in range(3):
        assert "BULK" not in flags(t, index=f"s{i}")
    clock[0] += 1800
    assert "BULK" not in flags(t, index="s0")  # seen again: counted from now
    clock[0] += 1801  # s1 and s2 are past the hour, s0 is not
    assert "BULK" not in flags(t, index="s3")
    assert "BULK" not in flags(t, index="s4")  # s0, s3, s4
    assert "BULK" in flags(t, index="s5")  # four distinct subjects within the hour


# --- the windows across processes: two hub processes on one database --------------------------


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[AuditLog, AuditLog, AsyncEngine]]:
    """Two audit logs, each with its own tracker (as two processes of the hub), one database;
    both know that two processes serve (as hub_processes tells them)."""
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await upgrade(engine)
    logs = []
    for _ in range(2):
        t = tracker(burst=5, bulk=10)
        t.serving(2)
        logs.append(AuditLog(engine, keys, t))
    try:
        yield logs[0], logs[1], engine
    finally:
        await engine.dispose()


async def write(log: AuditLog, *, outcome: str, index: str | None, user: str = "u") -> None:
    """One entry as a request's audit trail writes it: flags from the process's tracker."""
    now = datetime.now(UTC)
    a = access()
    row = entry_row(
        occurred_at=now,
        request_id="req",
        user_id=user,
        org="court:370602",
        roles="enforcement_judge",
        case_number=a.case_number,
        action=a.action,
        subject_kind="PERSON",
        subject_index=index,
        outcome=outcome,
        flags=" ".join(
            log.flags.flags(
                user=user,
                org="court:370602",
                access=a,
                outcome=outcome,
                subject_index=index,
                now=now,
            )
        ),
        content="{}",
    )
    await log.append([row])


async def flags_on_record(engine: AsyncEngine) -> list[list[str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(audit_entries.c.flags).order_by(audit_entries.c.id))
        return [f.split() for (f,) in rows]


async def test_a_burst_of_refusals_spread_over_two_processes_is_flagged(
    two_processes: tuple[AuditLog, AuditLog, AsyncEngine],
) -> None:
    # given a limit of 5 refusals a minute, 3 refused in one process and 2 in the other
    a, b, engine = two_processes
    for log in (a, b, a, b, a):
        await write(log, outcome="DENIED", index="i1")
    # then the fifth is flagged DENIED_BURST, though neither process refused 5 itself
    assert ["DENIED_BURST" in f for f in await flags_on_record(engine)] == [
        False,
        False,
        False,
        False,
        True,
    ]
    # and another user's refusal is not
    await write(b, outcome="DENIED", index="i1", user="someone-else")
    assert "DENIED_BURST" not in (await flags_on_record(engine))[-1]


async def test_bulk_subjects_spread_over_two_processes_are_flagged(
    two_processes: tuple[AuditLog, AuditLog, AsyncEngine],
) -> None:
    # given a limit of 10 distinct subjects an hour: 6 looked up in one process, then 6 others
    # in the other (and one of the first 6 again)
    a, b, engine = two_processes
    for i in range(6):
        await write(a, outcome="OK", index=f"s{i}")
    await write(b, outcome="OK", index="s0")
    for i in range(6, 12):
        await write(b, outcome="OK", index=f"s{i}")
    # then the 11th and 12th distinct subjects are flagged BULK, no other entry
    assert ["BULK" in f for f in await flags_on_record(engine)] == [False] * 11 + [True, True]


async def test_one_process_alone_reads_no_window_from_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given one process serving: its own window is the whole window, so a look-up costs no
    # read of the log (only a refusal does)
    from hub.audit import flags as flags_module

    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await upgrade(engine)
    reads: list[str] = []
    real = flags_module.select

    def counting(*args: Any) -> Any:
        reads.append("select")
        return real(*args)

    monkeypatch.setattr(flags_module, "select", counting)
    try:
        log = AuditLog(engine, keys, tracker(burst=5, bulk=3))
        for i in range(5):
            await write(log, outcome="OK", index=f"s{i}")
        assert reads == []
        await write(log, outcome="DENIED", index="s0")
        assert reads == ["select"]
        assert [("BULK" in f) for f in (await flags_on_record(engine))[:5]] == [False] * 3 + [
            True
        ] * 2
    finally:
        await engine.dispose()


# --- every entry of a user's operation, whatever path writes it -----------------------------


def operation(user: str = "u") -> Any:
    """What the entry builders read of an operation's context."""
    principal = SimpleNamespace(sub=user, org="court:370602", roles=("enforcement_judge",))
    return SimpleNamespace(principal=principal, request_id="req", client=None)


@pytest.fixture
def keys(tmp_path: Path) -> AuditKeys:
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    return AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")


def never_working() -> FlagTracker:
    """Working hours that never hold: every moment is off hours."""
    return FlagTracker(working_hours=(clock(0, 0), clock(0, 0)), bulk_subjects=1, denied_burst=1)


def test_a_list_entry_has_the_flags_of_any_entry_but_bulk(keys: AuditKeys) -> None:
    # given a page of 3 subjects (past a bulk limit of 1) read off hours, of a closed case
    tracker = never_working()
    page = BatchRecord(
        action="POLICE_REQUEST_LIST",
        path=("policeRequests",),
        subjects=[("PERSON", f"s{i}") for i in range(3)],
        case_number="（2026）鲁0602执1号",
        case_closed=True,
    )
    # when its entry is built
    entry, rows = audit_rows.batch_entry(keys, tracker, operation(), page)
    # then it is flagged OFF_HOURS and CASE_CLOSED; a list is no look-up, so no BULK
    assert entry["flags"].split() == ["CASE_CLOSED", "OFF_HOURS"]
    assert len(rows) == 3
    # and an approval system's sanction check has none (flags.py: checks are its normal work)
    checked, _ = audit_rows.check_entry(
        tracker, operation(), "XF-1", [("PERSON", "s0", "ALLOW", [])], audit_rows.seal(keys, ["s0"])
    )
    assert checked["flags"] == ""


async def test_an_entry_written_in_a_workflows_transaction_has_its_flags(
    keys: AuditKeys, tmp_path: Path
) -> None:
    # given a workflow writing entries in its own transaction, off hours
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await upgrade(engine)
    log = AuditLog(engine, keys, never_working())
    try:
        async with engine.begin() as conn:
            # a user's request for many subjects, and the hub's own answer to it
            await log.record_many_in(
                conn,
                operation(),
                action="DEPOSIT_INQUIRY_FILE",
                case_number="（2026）鲁0602执1号",
                detail={},
                subjects=[("PERSON", "s0"), ("PERSON", "s1")],
            )
            await log.record_many_in(
                conn,
                None,
                action="DEPOSIT_INQUIRY_ANSWER",
                case_number="（2026）鲁0602执1号",
                detail={},
                subjects=[("PERSON", "s0")],
            )
        # then the user's is flagged OFF_HOURS, the hub's is not
        assert await flags_on_record(engine) == [["OFF_HOURS"], []]
    finally:
        await engine.dispose()
