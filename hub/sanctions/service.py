"""Reads of sanction-list entries; the caller passes the connection."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import Connection, select

from connectors.base.source import KeyedQuery
from hub.sanctions.models import sanction_entries
from hub.sanctions.records import SanctionEntryRecord

_ENTRY = KeyedQuery(
    select(*(sanction_entries.c[f.name] for f in dataclasses.fields(SanctionEntryRecord))).order_by(
        sanction_entries.c.published_on.desc(), sanction_entries.c.id
    ),
    sanction_entries.c.subject_id,
)


def entries_by_subject(
    conn: Connection, subject_ids: Sequence[str]
) -> dict[str, list[SanctionEntryRecord]]:
    """Batch look-up (synchronous; run through the court source like an agency look-up)."""
    out: dict[str, list[SanctionEntryRecord]] = {}
    for r in _ENTRY.rows(conn, subject_ids):
        out.setdefault(r[3], []).append(SanctionEntryRecord(*r))
    return out
