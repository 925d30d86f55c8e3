"""Reads of sanction-list entries; the caller passes the connection."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.sanctions.models import sanction_entries
from hub.sanctions.records import SanctionEntryRecord

_ENTRY = select(
    *(
        sanction_entries.c[n]
        for n in (
            "id",
            "list",
            "subject_kind",
            "subject_id",
            "name",
            "court_code",
            "case_number",
            "obligation",
            "published_on",
            "legal_basis",
            "status",
            "revoked_on",
        )
    )
).order_by(sanction_entries.c.published_on.desc(), sanction_entries.c.id)


async def entries_by_subject(
    conn: AsyncConnection, subject_ids: Sequence[str]
) -> dict[str, list[SanctionEntryRecord]]:
    out: dict[str, list[SanctionEntryRecord]] = {}
    keys = list(subject_ids)
    for i in range(0, len(keys), 900):
        rows = await conn.execute(
            _ENTRY.where(sanction_entries.c.subject_id.in_(keys[i : i + 900]))
        )
        for r in rows:
            out.setdefault(r.subject_id, []).append(SanctionEntryRecord(*r))
    return out
