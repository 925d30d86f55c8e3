"""Background work stops between ticks, not inside one (hub.periodic.Periodic)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hub.periodic import Periodic


class Recorder(Periodic):
    name = "recorder"

    def __init__(self, interval: float, tick_seconds: float) -> None:
        super().__init__(interval)
        self.tick_seconds = tick_seconds
        self.started = 0
        self.finished = 0
        self.running = asyncio.Event()

    async def tick(self) -> None:
        self.started += 1
        self.running.set()
        await asyncio.sleep(self.tick_seconds)  # e.g. a transaction's statements
        self.finished += 1


async def test_a_tick_under_way_finishes_before_the_task_stops() -> None:
    # given a task in the middle of a tick
    task = Recorder(interval=0.01, tick_seconds=0.3)
    task.start()
    await task.running.wait()
    # when it is stopped
    await task.stop()
    # then that tick ran to its end, and no other started
    assert (task.started, task.finished) == (1, 1)
    await asyncio.sleep(0.05)
    assert task.started == 1


async def test_stopping_between_ticks_does_not_wait_for_the_interval() -> None:
    # given a task that ticks once a minute, idle between two ticks
    task = Recorder(interval=60.0, tick_seconds=0.0)
    task.start()
    await task.running.wait()
    await asyncio.sleep(0.01)
    # when it is stopped, then it stops at once
    await asyncio.wait_for(task.stop(), 1.0)
    assert task.started == 1


async def test_a_tick_that_outlasts_the_grace_is_cancelled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a tick that hangs
    task = Recorder(interval=0.01, tick_seconds=3600)
    task.stop_grace = 0.1
    task.start()
    await task.running.wait()
    # when it is stopped, then it is cancelled after the grace, and the log says so
    with caplog.at_level(logging.WARNING, logger="hub"):
        await asyncio.wait_for(task.stop(), 2.0)
    assert task.finished == 0
    assert "recorder still running" in caplog.text
