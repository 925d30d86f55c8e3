"""Police assistance in the background (``fyt serve`` / ``fyt worker`` beside the order worker):
requests that end on their own, and the demo's synthetic sightings."""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.periodic import Periodic
from hub.police import workflow

SWEEP_INTERVAL = 5.0  # seconds between sweeps


class PoliceWorker(Periodic):
    """Every ``interval`` seconds :func:`hub.police.workflow.sweep` (watches end with their
    seizure; 查人 requests and exit bans expire); with ``demo_sightings`` > 0, every that many
    seconds one synthetic sighting of each watched vehicle
    (:func:`hub.police.workflow.demo_sightings`): the plate's own checkpoint passages at public
    security (``source``), replayed in turn, or a fixed list's checkpoint for a plate with none.
    Several processes may run it: each change is conditional on the state it read."""

    name = "police assistance"

    def __init__(
        self,
        engine: AsyncEngine,
        log: workflow.SystemLog,
        *,
        demo_sightings: float = 0.0,
        interval: float = SWEEP_INTERVAL,
        seed: int | None = None,
        source: Any = None,
    ) -> None:
        super().__init__(min(interval, demo_sightings) if demo_sightings > 0 else interval)
        self.engine = engine
        self.log = log
        self.demo_sightings = demo_sightings
        self.rng = random.Random(seed)
        self.source = source
        self.turns: dict[str, int] = {}  # passages replayed per plate
        self._last_sighting = time.monotonic()

    async def tick(self) -> None:
        await workflow.sweep(self.engine, self.log)
        if (
            self.demo_sightings > 0
            and time.monotonic() - self._last_sighting >= self.demo_sightings
        ):
            self._last_sighting = time.monotonic()
            await workflow.demo_sightings(self.engine, self.log, self.rng, self.source, self.turns)
