"""Operations on recorded entries: redaction (retention)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.models import audit_entries


async def redact_before(engine: AsyncEngine, before: datetime) -> int:
    """Erase the contents of entries older than ``before``; headers and the tree stay, so the
    log still verifies and the entries are reported as redacted. Returns how many."""
    if before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    async with engine.begin() as conn:
        result = await conn.execute(
            update(audit_entries)
            .where(audit_entries.c.occurred_at < before, audit_entries.c.redacted_at.is_(None))
            .values(content=None, salt=None, redacted_at=datetime.now(UTC))
        )
    return int(result.rowcount or 0)
