"""Operations on recorded entries: redaction (retention)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.models import audit_entries, audit_subjects


async def redact_before(engine: AsyncEngine, before: datetime) -> int:
    """Erase the contents of entries older than ``before``; headers and the tree stay, so the
    log still verifies and the entries are reported as redacted. The subject rows of a batch
    entry are redacted with it, each the same way. Returns how many entries."""
    if before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            update(audit_subjects)
            .where(
                audit_subjects.c.entry_id.in_(
                    select(audit_entries.c.id).where(audit_entries.c.occurred_at < before)
                ),
                audit_subjects.c.redacted_at.is_(None),
            )
            .values(content=None, salt=None, redacted_at=now)
        )
        result = await conn.execute(
            update(audit_entries)
            .where(audit_entries.c.occurred_at < before, audit_entries.c.redacted_at.is_(None))
            .values(content=None, salt=None, redacted_at=now)
        )
    return int(result.rowcount or 0)
