"""Traffic shaping per connector: concurrency limit, bounded retries, circuit breaker.

Every look-up the hub makes of an agency goes through that agency's :class:`Guard`:

- **Concurrency limit.** At most ``max_concurrency`` look-ups in flight; the rest queue, and
  time spent queueing counts against the look-up's timeout.
- **Retries** (reads only). A look-up that failed fast (refused connection, HTTP 5xx, malformed
  answer) is tried again up to ``retries`` times after a jittered exponential backoff, within
  the same timeout. A timeout is not retried: the budget is spent.
- **Circuit breaker.** ``breaker_failures`` consecutive failed look-ups open it: look-ups fail at
  once with ``CONNECTOR_UNAVAILABLE`` instead of waiting for a dead agency. After
  ``breaker_reset`` seconds it lets one probe through (half-open); success closes it, failure
  opens it again.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

from connectors.base.errors import ConnectorError, ConnectorTimeout, ConnectorUnavailable

T = TypeVar("T")
BACKOFF_BASE = 0.025  # seconds; doubled per attempt, with full jitter


class BreakerState(Enum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class Admission(Enum):
    REFUSED = 0
    CALL = 1  # the breaker is closed
    PROBE = 2  # the one call let through while half-open


class Breaker:
    def __init__(
        self, failures: int, reset_after: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = failures
        self.reset_after = reset_after
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._probing or self._clock() - self._opened_at >= self.reset_after:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def admit(self) -> Admission:
        """May a call go through now? In half-open state only one probe at a time."""
        state = self.state
        if state is BreakerState.CLOSED:
            return Admission.CALL
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return Admission.PROBE
        return Admission.REFUSED

    def success(self, admission: Admission = Admission.CALL) -> None:
        self._failures = 0
        self._opened_at = None
        if admission is Admission.PROBE:
            self._probing = False

    def failure(self, admission: Admission = Admission.CALL) -> None:
        self._failures += 1
        if admission is Admission.PROBE:
            self._opened_at = self._clock()  # the probe failed: a full new period
            self._probing = False
        elif self._opened_at is None and self._failures >= self.threshold:
            self._opened_at = self._clock()

    def release(self, admission: Admission) -> None:
        """An admitted call ended without an outcome (cancelled): a probe frees its slot."""
        if admission is Admission.PROBE:
            self._probing = False


class Guard:
    """The traffic shaping of one connector; shared by every request of a hub process."""

    def __init__(
        self,
        connector: str,
        *,
        timeout: float,
        retries: int = 2,
        max_concurrency: int = 64,
        breaker_failures: int = 5,
        breaker_reset: float = 5.0,
        on_result: Callable[[str, str, float], None] | None = None,
    ) -> None:
        self.connector = connector
        self.timeout = timeout
        self.retries = retries
        self.max_concurrency = max_concurrency
        self.breaker = Breaker(breaker_failures, breaker_reset)
        self._slots = asyncio.Semaphore(max_concurrency)
        self._on_result = on_result
        self.in_flight = 0

    async def call(
        self,
        method: str,
        fn: Callable[[], Awaitable[T]],
        *,
        read: bool = True,
        seconds: float | None = None,
    ) -> T:
        """``fn()`` under the limit, breaker and retries; raises :class:`ConnectorError`.

        ``seconds`` replaces the connector's look-up timeout for this call: a batched call of
        many subjects (a 查控 round) is given longer than one judge's look-up."""
        started = time.perf_counter()
        budget = self.timeout if seconds is None else seconds
        admission = self.breaker.admit()
        if admission is Admission.REFUSED:
            self._report(method, "CIRCUIT_OPEN", started)
            raise ConnectorUnavailable(
                self.connector,
                f"{self.connector}: circuit breaker open after repeated failures; "
                f"next probe within {self.breaker.reset_after:g} s",
            )
        outcome = "CANCELLED"
        try:
            async with asyncio.timeout(budget):
                async with self._slots:
                    self.in_flight += 1
                    try:
                        result = await self._attempts(fn, read)
                    finally:
                        self.in_flight -= 1
            outcome = "OK"
            self.breaker.success(admission)
            return result
        except TimeoutError:
            outcome = "CONNECTOR_TIMEOUT"
            self.breaker.failure(admission)
            raise ConnectorTimeout(
                self.connector,
                f"{self.connector}: no answer within {budget:g} s; "
                "its fields are null, the rest is complete",
            ) from None
        except ConnectorError as exc:
            outcome = exc.code
            self.breaker.failure(admission)
            raise
        except Exception as exc:
            outcome = "CONNECTOR_UNAVAILABLE"
            self.breaker.failure(admission)
            raise ConnectorUnavailable(
                self.connector,
                f"{self.connector}: the agency failed to answer; "
                "its fields are null, the rest is complete",
            ) from exc
        finally:
            if outcome == "CANCELLED":
                self.breaker.release(admission)
            self._report(method, outcome, started)

    async def _attempts(self, fn: Callable[[], Awaitable[T]], read: bool) -> T:
        attempt = 0
        while True:
            try:
                return await fn()
            except ConnectorTimeout:
                raise
            except (ConnectorUnavailable, OSError):
                if not read or attempt >= self.retries:
                    raise
            attempt += 1
            await asyncio.sleep(random.uniform(0, BACKOFF_BASE * 2**attempt))

    def _report(self, method: str, outcome: str, started: float) -> None:
        if self._on_result is not None:
            self._on_result(method, outcome, time.perf_counter() - started)

    def describe(self) -> dict[str, Any]:
        return {
            "breaker": self.breaker.state.name,
            "inFlight": self.in_flight,
            "maxConcurrency": self.max_concurrency,
            "timeout": self.timeout,
            "retries": self.retries,
        }
