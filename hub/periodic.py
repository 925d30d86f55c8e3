"""Background work a hub process repeats every few seconds (integrator, order worker)."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("hub")


class Periodic:
    """Calls :meth:`tick` every ``interval`` seconds until stopped; a failing tick is logged
    and retried on the next one."""

    name = "background task"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("%s failed; retrying", self.name)
            await asyncio.sleep(self.interval)
