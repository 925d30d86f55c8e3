"""The court's own data (hub database) served through the same batch-loader seam as the agencies.

On SQLite the look-ups run like an embedded agency source (worker thread, coalesced jobs); on
PostgreSQL they run on the async engine (asyncpg) through ``run_sync``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.base.source import DatabaseSource
from hub.cases import service as cases_service
from hub.cases.records import CaseParticipationRecord, CasePurposeRecord
from hub.sanctions import service as sanctions_service
from hub.sanctions.records import SanctionEntryRecord

R = TypeVar("R")


class _SqliteCourtDatabase(DatabaseSource):
    connector = "court"


class CourtSource:
    connector = "court"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        url = engine.url
        self._sqlite = (
            _SqliteCourtDatabase(url.set(drivername="sqlite").render_as_string(hide_password=False))
            if url.get_backend_name() == "sqlite"
            else None
        )

    async def _run(self, fn: Callable[..., R], keys: Sequence[str]) -> R:
        if self._sqlite is not None:
            return await self._sqlite.run(fn, keys)
        async with self.engine.connect() as conn:
            return await conn.run_sync(fn, keys)

    async def cases_by_party(
        self, subject_ids: Sequence[str]
    ) -> dict[str, list[CaseParticipationRecord]]:
        return await self._run(cases_service.cases_by_party, subject_ids)

    async def sanctions_by_subject(
        self, subject_ids: Sequence[str]
    ) -> dict[str, list[SanctionEntryRecord]]:
        return await self._run(sanctions_service.entries_by_subject, subject_ids)

    async def sanction_matches(
        self, matter: Any, keys: Sequence[str], today: date
    ) -> dict[str, list[Any]]:
        """The sanction entries in force on ``today`` restricting each subject for a matter."""

        def run(conn: Any, subjects: Sequence[str]) -> dict[str, list[Any]]:
            return sanctions_service.matches(conn, matter, subjects, today)

        return await self._run(run, keys)

    async def orders_by_asset(self, keys: Sequence[str]) -> dict[str, list[Any]]:
        from hub.orders.service import orders_by_asset

        return await self._run(orders_by_asset, keys)

    async def purposes(self, case_numbers: Sequence[str]) -> dict[str, CasePurposeRecord]:
        return await self._run(cases_service.purposes, case_numbers)

    def close(self) -> Any:
        if self._sqlite is not None:
            self._sqlite.close()
