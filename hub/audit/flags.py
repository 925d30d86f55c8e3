"""Anomaly flags decided when an audit entry is written: the rules and their per-user windows.

:meth:`FlagTracker.flags` decides them for every entry a user's operation writes, whatever
builds it (:mod:`hub.audit.rows`: an entry per subject, an entry naming its subjects as rows — a
page, a read, a filing for many subjects —, an entry written in a workflow's transaction); the
hub's own entries have none.

Two flags count a user's entries over a window: ``DENIED_BURST`` (``HUB_DENIED_BURST`` refusals
within a minute) and ``BULK`` (more than ``HUB_BULK_SUBJECTS_PER_HOUR`` distinct subjects looked
up within an hour). A user's requests may reach any process of the hub and any replica on the
same database, so the windows are the audit log's: :class:`FlagTracker` decides them first from
what this process wrote (a lower bound: enough on its own when it already passes the limit), and
:func:`shared_flags`, run in the transaction that inserts the entries, counts the entries every
process has committed:

- ``DENIED_BURST``: for an entry refused and not yet flagged, the user's refusals of the last
  minute on record, plus those before it in the same write.
- ``BULK``: for a subject looked up and not yet flagged, once this process's own window holds
  more than the limit divided by the processes serving (``hub_processes``; if the user passes
  the limit, some process holds more than that share), the user's distinct subjects of the last
  hour on record, plus the new ones of the same write.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Sequence
from datetime import datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hub.audit.entries import AccessRecord
from hub.audit.models import audit_entries

CHINA = ZoneInfo("Asia/Shanghai")
SUBJECT_LOOKUPS = frozenset({"PROFILE_VIEW", "REFERENCE_VIEW"})
# the outcomes that count toward DENIED_BURST: refused, and asked for what is not there (an
# unknown subject, order or request: what probing looks like)
DENIED_OUTCOMES = ("DENIED", "PURPOSE_REQUIRED", "RATE_LIMITED", "NOT_FOUND")
LOOKED_UP = ("OK", "PARTIAL")


class FlagTracker:
    """Anomaly flags decided when an entry is written, from this process's windows;
    :func:`shared_flags` completes them from every process's entries (module docstring)."""

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
        self.processes = 1  # serving the hub database (hub_processes), kept by the leases' job

    def serving(self, processes: int) -> None:
        """How many processes serve the hub database now (the leases' job, every few s)."""
        self.processes = processes

    def local_subjects(self, user: str) -> int:
        """Distinct subjects of ``user`` this process saw in the last hour (or a little more:
        the window is trimmed when it passes the limit)."""
        return len(self._subjects.get(user, ()))

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
        elif access.case_closed:
            out.append("CASE_CLOSED")  # read (allowed) after the case was closed
        if outcome == "RATE_LIMITED" and access.reason == "ENUMERATION":
            out.append("ENUMERATION")  # unknown identifiers past the daily limit: a probe
        local = now.astimezone(CHINA)
        if local.weekday() >= 5 or not (self.start <= local.time() < self.end):
            out.append("OFF_HOURS")
        mono = time.monotonic()
        if outcome in DENIED_OUTCOMES:
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


def _flagged(row: dict[str, Any], flag: str) -> bool:
    return flag in row["flags"].split()


def _add_flag(row: dict[str, Any], flag: str) -> None:
    row["flags"] = f"{row['flags']} {flag}".strip()


async def shared_flags(conn: Any, rows: Sequence[dict[str, Any]], tracker: FlagTracker) -> None:
    """Complete ``DENIED_BURST`` and ``BULK`` of entry rows about to be inserted on ``conn``
    from the entries every process has committed (module docstring). Reads only for a refused
    entry, or a subject of a user past this process's share of the hourly limit."""
    e = audit_entries
    share = tracker.bulk_subjects / max(1, tracker.processes)
    denied: dict[str, list[dict[str, Any]]] = {}
    looked: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["outcome"] in DENIED_OUTCOMES:
            denied.setdefault(row["user_id"], []).append(row)
        elif (
            row["outcome"] in LOOKED_UP
            and row["subject_index"] is not None
            and row["action"] != "SANCTION_CHECK"
        ):
            looked.setdefault(row["user_id"], []).append(row)
    # a user's rows of this write, in order, where one of them may gain the flag
    denied = {u: rs for u, rs in denied.items() if any(not _flagged(r, "DENIED_BURST") for r in rs)}
    looked = {
        u: rs
        for u, rs in looked.items()
        if tracker.processes > 1
        and tracker.local_subjects(u) > share
        and any(not _flagged(r, "BULK") for r in rs)
    }
    for user, mine in denied.items():
        since = min(r["occurred_at"] for r in mine) - timedelta(seconds=tracker.burst_seconds)
        count = (
            await conn.execute(
                select(func.count())
                .select_from(e)
                .where(
                    e.c.user_id == user,
                    e.c.occurred_at >= since,
                    e.c.outcome.in_(DENIED_OUTCOMES),
                )
            )
        ).scalar_one()
        for row in mine:
            count += 1
            if count >= tracker.denied_burst and not _flagged(row, "DENIED_BURST"):
                _add_flag(row, "DENIED_BURST")
    for user, mine in looked.items():
        since = min(r["occurred_at"] for r in mine) - timedelta(hours=1)
        seen = {
            index
            for (index,) in await conn.execute(
                select(e.c.subject_index)
                .distinct()
                .where(
                    e.c.user_id == user,
                    e.c.occurred_at >= since,
                    e.c.outcome.in_(LOOKED_UP),
                    e.c.subject_index.is_not(None),
                    e.c.action != "SANCTION_CHECK",
                )
            )
        }
        for row in mine:
            seen.add(row["subject_index"])
            if len(seen) > tracker.bulk_subjects and not _flagged(row, "BULK"):
                _add_flag(row, "BULK")
