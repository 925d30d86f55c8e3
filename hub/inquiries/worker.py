"""The rounds of the asynchronous 查控 requests, every few seconds (``fyt serve`` / ``fyt worker``
beside the order worker): each bank asked once per round for every subject due."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.inquiries import workflow
from hub.periodic import Periodic

ROUND_INTERVAL = 2.0  # seconds between rounds


class InquiryWorker(Periodic):
    """Every ``interval`` seconds, :func:`hub.inquiries.workflow.run_round`. Several processes
    may run it: a bank's row is recorded once (the update is conditional on PENDING)."""

    name = "查控 request rounds"

    def __init__(
        self,
        engine: AsyncEngine,
        log: workflow.SystemLog,
        sources: Mapping[str, Any],
        guards: Mapping[str, Any] | None = None,
        interval: float = ROUND_INTERVAL,
        call_timeout: float = workflow.CALL_TIMEOUT,
    ) -> None:
        super().__init__(interval)
        self.engine = engine
        self.log = log
        self.ask = workflow.asker(sources, guards, call_timeout)

    async def tick(self) -> None:
        await workflow.run_round(self.engine, self.log, self.ask)
