"""The court's own data (hub database) served through the same batch-loader seam as the agencies."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.cases import service as cases_service
from hub.cases.records import CaseParticipationRecord
from hub.sanctions import service as sanctions_service
from hub.sanctions.records import SanctionEntryRecord


class CourtSource:
    connector = "court"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def cases_by_party(
        self, subject_ids: Sequence[str]
    ) -> dict[str, list[CaseParticipationRecord]]:
        async with self.engine.connect() as conn:
            return await cases_service.cases_by_party(conn, subject_ids)

    async def sanctions_by_subject(
        self, subject_ids: Sequence[str]
    ) -> dict[str, list[SanctionEntryRecord]]:
        async with self.engine.connect() as conn:
            return await sanctions_service.entries_by_subject(conn, subject_ids)
