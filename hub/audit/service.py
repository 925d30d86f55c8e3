"""Operations on recorded entries: redaction (retention)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.models import audit_entries, audit_subjects
from hub.progress import SILENT, Progress

CHUNK = 2_000  # entries redacted per statement (one transaction for all of them)


async def redact_before(
    engine: AsyncEngine, before: datetime, *, progress: Progress = SILENT
) -> int:
    """Erase the contents of entries older than ``before``; headers and the tree stay, so the
    log still verifies and the entries are reported as redacted. The subject rows of a batch
    entry are redacted with it, each the same way. One transaction, in chunks of entries by id
    (``progress`` is told of each). Returns how many entries."""
    if before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    old = (audit_entries.c.occurred_at < before, audit_entries.c.redacted_at.is_(None))
    count = 0
    async with engine.begin() as conn:
        ids = list(
            (await conn.execute(select(audit_entries.c.id).where(*old).order_by("id"))).scalars()
        )
        progress.start("entries redacted", len(ids))
        for k in range(0, len(ids), CHUNK):
            low, high = ids[k], ids[min(k + CHUNK, len(ids)) - 1]
            chunk = (audit_entries.c.id >= low, audit_entries.c.id <= high, *old)
            await conn.execute(
                update(audit_subjects)
                .where(
                    audit_subjects.c.entry_id.in_(select(audit_entries.c.id).where(*chunk)),
                    audit_subjects.c.redacted_at.is_(None),
                )
                .values(content=None, salt=None, redacted_at=now)
            )
            result = await conn.execute(
                update(audit_entries).where(*chunk).values(content=None, salt=None, redacted_at=now)
            )
            count += int(result.rowcount or 0)
            progress.advance(min(CHUNK, len(ids) - k))
    return count
