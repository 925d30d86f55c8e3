"""Existence is not an oracle: how many unknown subjects, and how many subjects, a user may name.

A look-up answers null for an identifier no agency knows and an object for one it knows. A
role that sees an ID number masked (``37**************3X``) could otherwise try the candidates
the mask leaves open and learn the hidden digits from which one exists. Three measures close
that together (the design is in docs/architecture.md, "Masked values and existence"):

- the mask keeps little (province and the last two characters: about 330,000 candidates even
  for a caller who can guess the county from an address),
- each user may name at most ``HUB_UNKNOWN_SUBJECTS_PER_DAY`` unknown subjects in 24 hours:
  a call that would pass it is refused whole (``RATE_LIMITED``, nothing answered, the entries
  flagged ``ENUMERATION``), so at most that many candidates are tested a day,
- each user may name at most ``HUB_SUBJECTS_PER_HOUR`` distinct subjects in an hour.

The same daily limit covers an auditor's subject searches that find nothing (auditors see ID
numbers masked, and a search says whether a subject is in the log).

An enterprise party (企业纾困360) may call one field, with no argument; anything else it tries
is refused by the policy before any look-up, with the same answer whether the subject it names
exists or not. Trying is still counted — refused look-ups, refused fields that take
arguments (one without any, such as the court table, names nothing), and refused reads of the
audit log's tiles (``/audit/tile/…``, which name a tile): after
``HUB_PARTY_REFUSALS_PER_HOUR`` such attempts in an hour every operation of that person is
refused whole (``RATE_LIMITED``, reason ``REFUSALS``; HTTP 429 on ``/audit/``) until the
attempts are an hour old, so a party cannot keep probing. Each attempt is counted before it
runs: an operation's root fields that take arguments (those the policy refuses, and a request it
files, refused if the case is not its own) are counted when it is let in — the ones that were
not refused after all are given back when it ends — and one that would pass the limit is
refused whole, so the attempts of one operation (aliases), of a batch or
of parallel requests are held to the limit as if sent one by one. The window is per process,
like the hourly one.

The daily count is read from the audit log (look-ups and searches whose subject was not found, durable
before they were answered) plus the unknown subjects of this process's operations whose
entries are not written yet (reserved when admitted, released once the operation's audit
entries are written or withheld), so concurrent calls cannot each spend the same budget.
The hourly window is per process.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.models import audit_entries
from hub.errors import RateLimited

RESERVED_SECONDS = 300.0  # a reservation an operation never released (it was cancelled)


class ProbeGuard:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        unknown_per_day: int,
        subjects_per_hour: int,
        party_refusals_per_hour: int = 10,
    ) -> None:
        self.engine = engine
        self.unknown_per_day = unknown_per_day
        self.subjects_per_hour = subjects_per_hour
        self.party_refusals_per_hour = party_refusals_per_hour
        self._reserved: dict[str, list[list[float]]] = defaultdict(list)
        self._seen: dict[str, dict[str, float]] = defaultdict(dict)
        self._refused: dict[str, deque[float]] = defaultdict(deque)

    def _refusals_now(self, user: str) -> deque[float]:
        held = self._refused[user]
        since = time.monotonic() - 3600
        while held and held[0] < since:
            held.popleft()
        return held

    def note_party_refusals(self, user: str, count: int) -> None:
        """An enterprise party's operation was refused ``count`` fields (or subjects)."""
        if count > 0:
            held = self._refusals_now(user)
            held.extend([time.monotonic()] * count)
            while len(held) > self.party_refusals_per_hour + 1:  # enough to keep refusing
                held.popleft()

    def refund_party(self, user: str, count: int) -> None:
        """Attempts counted when an operation was let in that were not refused after all (a
        request filed on the party's own case)."""
        held = self._refused[user]
        for _ in range(min(count, len(held))):
            held.pop()

    def admit_party(self, user: str, attempts: int = 0) -> None:
        """Refuses every operation of an enterprise party who has reached the hourly number of
        refused attempts, and one whose ``attempts`` (the fields it names that the policy
        refuses it) would pass that number; the attempts of an operation let in are counted
        here, before it runs, so that the attempts of one operation (aliases), of a batch or
        of parallel requests cannot all run before the limit applies (see the module
        docstring)."""
        held = self._refusals_now(user)
        limit = self.party_refusals_per_hour
        if len(held) >= limit:
            raise RateLimited(
                f"{user} was refused {len(held):,} times in the last hour; at most"
                f" {limit:,} — an enterprise party reads its own data"
                " with myEnterprise only; try again later",
                reason="REFUSALS",
            )
        if len(held) + attempts > limit:
            raise RateLimited(
                f"{user} was refused {len(held):,} times in the last hour and this operation"
                f" asks {attempts:,} fields it may not call; at most {limit:,} refusals an hour —"
                " an enterprise party reads its own data with myEnterprise only",
                reason="REFUSALS",
            )
        if attempts > 0:
            held.extend([time.monotonic()] * attempts)

    def admit_subjects(self, user: str, keys: list[str]) -> None:
        """The hourly volume: refuses a call that takes the user past the distinct-subject
        limit (the subjects of a refused call are not counted)."""
        now = time.monotonic()
        seen = self._seen[user]
        fresh = [k for k in dict.fromkeys(keys) if k not in seen]
        if len(seen) + len(fresh) > self.subjects_per_hour:
            for key in [k for k, t in seen.items() if t < now - 3600]:
                del seen[key]
        if len(seen) + len(fresh) > self.subjects_per_hour:
            raise RateLimited(
                f"{user} has looked up {len(seen):,} subjects in the last hour; at most"
                f" {self.subjects_per_hour:,} an hour — try again later",
                reason="VOLUME",
            )
        for key in keys:
            seen[key] = now

    async def _unknown_on_record(self, user: str) -> int:
        since = datetime.now(UTC) - timedelta(days=1)
        e = audit_entries
        async with self.engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count())
                        .select_from(e)
                        .where(
                            e.c.user_id == user,
                            e.c.occurred_at >= since,
                            e.c.action.in_(("PROFILE_VIEW", "AUDIT_QUERY")),
                            e.c.outcome == "NOT_FOUND",
                        )
                    )
                ).scalar_one()
            )

    def _reserved_now(self, user: str) -> int:
        now = time.monotonic()
        live = [r for r in self._reserved[user] if r[0] >= now - RESERVED_SECONDS]
        self._reserved[user] = live
        return int(sum(n for _, n in live))

    async def admit_unknown(self, user: str, unknown: int) -> Callable[[], None] | None:
        """Before answering that ``unknown`` of the subjects named do not exist; returns the
        release of the reservation, to call once the operation's audit entries are written
        (or withheld)."""
        if unknown <= 0:
            return None
        used = await self._unknown_on_record(user) + self._reserved_now(user)
        if used + unknown > self.unknown_per_day:
            raise RateLimited(
                f"{user} has named {used:,} unknown subjects in the last 24 hours; at most"
                f" {self.unknown_per_day:,} a day — check the identifiers, or ask the operator",
                reason="ENUMERATION",
            )
        reservation = [time.monotonic(), float(unknown)]
        self._reserved[user].append(reservation)

        def release() -> None:
            held = self._reserved.get(user, [])
            if any(r is reservation for r in held):
                held[:] = [r for r in held if r is not reservation]

        return release
