"""Background work a hub process repeats every few seconds (integrator, order worker)."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("hub")


class Periodic:
    """Calls :meth:`tick` every ``interval`` seconds until stopped; a failing tick is logged
    and retried on the next one.

    Stopping lets a tick under way finish (up to :attr:`stop_grace` seconds) before the task
    is cancelled: a tick cancelled inside a database transaction can leave the driver's thread
    holding the connection, and on SQLite its write lock, after the transaction's owner is gone
    — every other writer of the database would then wait its busy timeout and fail."""

    name = "background task"
    stop_grace = 10.0

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def tick(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), self.stop_grace)
        except TimeoutError:
            log.warning("%s still running %.0f s after stop; cancelled", self.name, self.stop_grace)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("%s failed; retrying", self.name)
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            except TimeoutError:
                pass
