"""Anomaly flags decided when an audit entry is written: the rules and their per-user windows."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from datetime import datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from hub.audit.entries import AccessRecord

CHINA = ZoneInfo("Asia/Shanghai")
SUBJECT_LOOKUPS = frozenset({"PROFILE_VIEW", "REFERENCE_VIEW"})


class FlagTracker:
    """Anomaly flags decided when an entry is written (windows are per hub process)."""

    def __init__(
        self,
        *,
        working_hours: tuple[clock, clock],
        bulk_subjects: int,
        denied_burst: int,
        burst_seconds: float = 60.0,
    ) -> None:
        self.start, self.end = working_hours
        self.bulk_subjects = bulk_subjects
        self.denied_burst = denied_burst
        self.burst_seconds = burst_seconds
        self._denied: dict[str, deque[float]] = defaultdict(deque)
        self._subjects: dict[str, dict[str, float]] = defaultdict(dict)

    def flags(
        self,
        *,
        user: str,
        org: str,
        access: AccessRecord,
        outcome: str,
        subject_index: str | None,
        now: datetime,
    ) -> list[str]:
        out: list[str] = []
        if access.action == "SANCTION_CHECK":
            # An approval system's automatic checks: volume and hours are its normal work.
            return out
        if (
            org.startswith("court:")
            and access.case_number is None
            and access.action in SUBJECT_LOOKUPS
            and access.subject_id is not None
        ):
            out.append("NO_CASE")  # a court looked a subject up without citing a case
        if access.reason in ("CASE_CLOSED", "CASE_OTHER_COURT"):
            out.append(access.reason)
        if outcome == "RATE_LIMITED" and access.reason == "ENUMERATION":
            out.append("ENUMERATION")  # unknown identifiers past the daily limit: a probe
        local = now.astimezone(CHINA)
        if local.weekday() >= 5 or not (self.start <= local.time() < self.end):
            out.append("OFF_HOURS")
        mono = time.monotonic()
        if outcome in ("DENIED", "PURPOSE_REQUIRED", "RATE_LIMITED"):
            window = self._denied[user]
            window.append(mono)
            while window and window[0] < mono - self.burst_seconds:
                window.popleft()
            if len(window) >= self.denied_burst:
                out.append("DENIED_BURST")
        if subject_index is not None and outcome in ("OK", "PARTIAL"):
            # Distinct subjects of the last hour, oldest first: a subject seen again moves to
            # the end, so the expired ones are always at the front (amortised O(1) per entry).
            seen = self._subjects[user]
            seen.pop(subject_index, None)
            seen[subject_index] = mono
            if len(seen) > self.bulk_subjects:
                cutoff = mono - 3600
                while seen:
                    oldest = next(iter(seen))
                    if seen[oldest] >= cutoff:
                        break
                    del seen[oldest]
                if len(seen) > self.bulk_subjects:
                    out.append("BULK")
        return out
