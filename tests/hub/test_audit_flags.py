"""Anomaly flags decided when an entry is written."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as clock

import pytest

from hub.audit.entries import AccessRecord
from hub.audit.flags import FlagTracker


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
