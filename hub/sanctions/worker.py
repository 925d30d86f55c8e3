"""The sanction-list expiry job: entries whose term ended are deleted (法释〔2017〕7号 第十条第二款),
run by ``fyt worker`` and by ``fyt serve`` beside the order worker."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.periodic import Periodic
from hub.sanctions import rules, workflow

EXPIRY_INTERVAL = 600.0  # seconds; the deadline is three working days, a run is cheap


class SanctionExpiry(Periodic):
    """Every ``interval`` seconds, :func:`hub.sanctions.workflow.expire`. Several processes may
    run it: deletions serialise on the lists' lock and an entry is deleted once."""

    name = "sanction expiry"

    def __init__(
        self,
        engine: AsyncEngine,
        log: workflow.SystemLog,
        calendar: rules.WorkingCalendar,
        interval: float = EXPIRY_INTERVAL,
    ) -> None:
        super().__init__(interval)
        self.engine = engine
        self.log = log
        self.calendar = calendar

    async def tick(self) -> None:
        await workflow.expire(self.engine, self.log, calendar=self.calendar)
