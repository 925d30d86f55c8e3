"""Units of the per-connector traffic shaping: the circuit breaker and the guard around look-ups."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from connectors.base.errors import ConnectorTimeout, ConnectorUnavailable
from hub.federation import resilience
from hub.federation.resilience import Admission, Breaker, BreakerState, Guard


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Recorder:
    """The guard's ``on_result`` callback: every (method, outcome, seconds) it was told."""

    def __init__(self) -> None:
        self.results: list[tuple[str, str, float]] = []

    def __call__(self, method: str, outcome: str, seconds: float) -> None:
        self.results.append((method, outcome, seconds))

    @property
    def outcomes(self) -> list[str]:
        return [outcome for _, outcome, _ in self.results]


class Calls:
    """A fake look-up: counts its calls and does what ``behaviour`` says on each."""

    def __init__(self, behaviour: Callable[[int], Awaitable[Any]]) -> None:
        self.count = 0
        self._behaviour = behaviour

    async def __call__(self) -> Any:
        self.count += 1
        return await self._behaviour(self.count)


def answering(value: Any = "answer") -> Calls:
    async def behaviour(_: int) -> Any:
        return value

    return Calls(behaviour)


def raising(make: Callable[[], BaseException]) -> Calls:
    async def behaviour(_: int) -> Any:
        raise make()

    return Calls(behaviour)


def sleeping(seconds: float) -> Calls:
    async def behaviour(_: int) -> Any:
        await asyncio.sleep(seconds)
        return "late"

    return Calls(behaviour)


def blocked(gate: asyncio.Event, value: Any = "probe answer") -> Calls:
    async def behaviour(_: int) -> Any:
        await gate.wait()
        return value

    return Calls(behaviour)


def unavailable() -> ConnectorUnavailable:
    return ConnectorUnavailable("agency", "agency: refused")


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries back off by at most a few milliseconds in these tests."""
    monkeypatch.setattr(resilience, "BACKOFF_BASE", 0.001)


def guarded(
    clock: FakeClock,
    *,
    timeout: float = 0.5,
    retries: int = 0,
    max_concurrency: int = 8,
    failures: int = 3,
    reset: float = 10.0,
    on_result: Recorder | None = None,
) -> Guard:
    guard = Guard(
        "agency",
        timeout=timeout,
        retries=retries,
        max_concurrency=max_concurrency,
        breaker_failures=failures,
        breaker_reset=reset,
        on_result=on_result,
    )
    guard.breaker = Breaker(failures, reset, clock=clock)
    return guard


async def open_breaker(guard: Guard) -> None:
    """Fail as many look-ups as the breaker tolerates."""
    for _ in range(guard.breaker.threshold):
        with pytest.raises(ConnectorUnavailable):
            await guard.call("fail", raising(unavailable))
    assert guard.breaker.state is BreakerState.OPEN


# --- the breaker -----------------------------------------------------------------------------


def test_breaker_opens_after_n_consecutive_failures() -> None:
    # given a breaker that tolerates 3 failures
    clock = FakeClock()
    breaker = Breaker(3, 10.0, clock=clock)
    # when 2 calls fail
    breaker.failure()
    breaker.failure()
    # then it still admits calls
    assert breaker.state is BreakerState.CLOSED
    assert breaker.admit() is Admission.CALL
    # when the third fails
    breaker.failure()
    # then it is open and refuses
    assert breaker.state is BreakerState.OPEN
    assert breaker.admit() is Admission.REFUSED
    assert breaker.admit() is Admission.REFUSED


def test_a_success_resets_the_failure_count() -> None:
    # given a breaker one failure away from opening
    breaker = Breaker(3, 10.0, clock=FakeClock())
    breaker.failure()
    breaker.failure()
    # when a call succeeds, then two more fail
    breaker.success()
    breaker.failure()
    breaker.failure()
    # then the failures are not consecutive: it stays closed
    assert breaker.state is BreakerState.CLOSED
    # and a third consecutive failure opens it
    breaker.failure()
    assert breaker.state is BreakerState.OPEN


def test_open_breaker_turns_half_open_after_reset_and_admits_exactly_one_probe() -> None:
    # given an open breaker
    clock = FakeClock()
    breaker = Breaker(2, 5.0, clock=clock)
    breaker.failure()
    breaker.failure()
    # when almost the reset time has passed
    clock.advance(4.99)
    # then it is still open
    assert breaker.state is BreakerState.OPEN
    assert breaker.admit() is Admission.REFUSED
    # when the reset time has passed
    clock.advance(0.01)
    # then it is half-open, admits one probe and refuses the next call while the probe runs
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.admit() is Admission.PROBE
    assert breaker.admit() is Admission.REFUSED
    assert breaker.state is BreakerState.HALF_OPEN
    # even long after
    clock.advance(100)
    assert breaker.admit() is Admission.REFUSED


def test_probe_success_closes_the_breaker_and_forgets_the_failures() -> None:
    # given a half-open breaker whose probe is out
    clock = FakeClock()
    breaker = Breaker(2, 5.0, clock=clock)
    breaker.failure()
    breaker.failure()
    clock.advance(5)
    probe = breaker.admit()
    assert probe is Admission.PROBE
    # when the probe succeeds
    breaker.success(probe)
    # then it is closed, admits everything, and one failure does not reopen it
    assert breaker.state is BreakerState.CLOSED
    assert [breaker.admit() for _ in range(3)] == [Admission.CALL] * 3
    breaker.failure()
    assert breaker.state is BreakerState.CLOSED


def test_probe_failure_opens_the_breaker_again_for_a_full_reset_period() -> None:
    # given a half-open breaker whose probe is out
    clock = FakeClock()
    breaker = Breaker(2, 5.0, clock=clock)
    breaker.failure()
    breaker.failure()
    clock.advance(7)
    probe = breaker.admit()
    assert probe is Admission.PROBE
    # when the probe fails
    breaker.failure(probe)
    # then it is open again, counted from the probe's failure
    assert breaker.state is BreakerState.OPEN
    assert breaker.admit() is Admission.REFUSED
    clock.advance(4.9)
    assert breaker.state is BreakerState.OPEN
    clock.advance(0.1)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.admit() is Admission.PROBE


def test_release_frees_the_probe_slot() -> None:
    # given a half-open breaker whose probe is out
    clock = FakeClock()
    breaker = Breaker(1, 5.0, clock=clock)
    breaker.failure()
    clock.advance(5)
    probe = breaker.admit()
    assert probe is Admission.PROBE
    assert breaker.admit() is Admission.REFUSED
    # when the probe ends without an outcome (cancelled)
    breaker.release(probe)
    # then another probe may go
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.admit() is Admission.PROBE
    assert breaker.admit() is Admission.REFUSED


# --- the guard: breaker ----------------------------------------------------------------------


async def test_open_breaker_refuses_at_once_without_calling_the_agency() -> None:
    # given a guard whose breaker has opened
    clock = FakeClock()
    recorder = Recorder()
    guard = guarded(clock, failures=3, reset=10.0, on_result=recorder)
    await open_breaker(guard)
    fn = answering()
    # when a look-up is made
    with pytest.raises(ConnectorUnavailable) as refused:
        await guard.call("identities", fn)
    # then it is refused without reaching the agency
    assert fn.count == 0
    assert "circuit breaker open" in str(refused.value)
    assert refused.value.code == "CONNECTOR_UNAVAILABLE"
    assert refused.value.connector == "agency"
    assert recorder.results[-1][:2] == ("identities", "CIRCUIT_OPEN")
    assert guard.describe()["breaker"] == "OPEN"


async def test_half_open_guard_lets_one_probe_through_and_refuses_a_concurrent_call() -> None:
    # given a guard whose breaker opened and whose reset time has passed
    clock = FakeClock()
    recorder = Recorder()
    guard = guarded(clock, failures=2, reset=5.0, on_result=recorder)
    await open_breaker(guard)
    clock.advance(5)
    assert guard.describe()["breaker"] == "HALF_OPEN"
    # when a probe is out and another look-up comes
    gate = asyncio.Event()
    probe_fn = blocked(gate)
    probe = asyncio.create_task(guard.call("probe", probe_fn))
    await asyncio.sleep(0.01)
    assert probe_fn.count == 1
    other = answering()
    # then the other is refused at once
    with pytest.raises(ConnectorUnavailable, match="circuit breaker open"):
        await guard.call("other", other)
    assert other.count == 0
    # when the probe succeeds
    gate.set()
    assert await probe == "probe answer"
    # then the breaker is closed and look-ups go through again
    assert guard.describe()["breaker"] == "CLOSED"
    assert await guard.call("after", answering(42)) == 42
    assert recorder.outcomes == [
        "CONNECTOR_UNAVAILABLE",
        "CONNECTOR_UNAVAILABLE",
        "CIRCUIT_OPEN",
        "OK",
        "OK",
    ]


async def test_failed_probe_opens_the_guard_again() -> None:
    # given a half-open guard
    clock = FakeClock()
    guard = guarded(clock, failures=2, reset=5.0)
    await open_breaker(guard)
    clock.advance(5)
    # when the probe fails
    probe = raising(unavailable)
    with pytest.raises(ConnectorUnavailable, match="refused"):
        await guard.call("probe", probe)
    # then it is open again and the next look-up is refused without a call
    assert probe.count == 1
    assert guard.describe()["breaker"] == "OPEN"
    fn = answering()
    with pytest.raises(ConnectorUnavailable, match="circuit breaker open"):
        await guard.call("next", fn)
    assert fn.count == 0


async def test_a_cancelled_probe_frees_the_probe_slot() -> None:
    # given a half-open guard whose probe is out
    clock = FakeClock()
    recorder = Recorder()
    guard = guarded(clock, failures=2, reset=5.0, on_result=recorder)
    await open_breaker(guard)
    clock.advance(5)
    probe = asyncio.create_task(guard.call("probe", blocked(asyncio.Event())))
    await asyncio.sleep(0.01)
    with pytest.raises(ConnectorUnavailable, match="circuit breaker open"):
        await guard.call("refused", answering())
    # when the probe is cancelled (its request went away)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    # then the slot is free: the next look-up is the new probe, and its success closes the breaker
    assert recorder.outcomes[-1] == "CANCELLED"
    assert guard.in_flight == 0
    assert await guard.call("second probe", answering("ok")) == "ok"
    assert guard.describe()["breaker"] == "CLOSED"


async def test_a_cancelled_old_call_does_not_admit_a_second_concurrent_probe() -> None:
    # given a slow look-up admitted while the breaker was closed
    clock = FakeClock()
    guard = guarded(clock, failures=2, reset=5.0)
    old = asyncio.create_task(guard.call("old", blocked(asyncio.Event())))
    await asyncio.sleep(0.01)
    # and meanwhile the breaker opened, its reset time passed and a probe is out
    await open_breaker(guard)
    clock.advance(5)
    gate = asyncio.Event()
    probe = asyncio.create_task(guard.call("probe", blocked(gate)))
    await asyncio.sleep(0.01)
    try:
        # when the old look-up is cancelled
        old.cancel()
        with pytest.raises(asyncio.CancelledError):
            await old
        # then a further look-up is still refused: the probe is out
        other = answering()
        with pytest.raises(ConnectorUnavailable, match="circuit breaker open"):
            await guard.call("other", other)
        assert other.count == 0
    finally:
        gate.set()
        await probe


# --- the guard: timeouts and retries ---------------------------------------------------------


async def test_a_timeout_raises_connector_timeout_is_not_retried_and_counts_as_a_failure() -> None:
    # given a guard with a 50 ms timeout, 2 retries, and a breaker tolerating 2 failures
    clock = FakeClock()
    recorder = Recorder()
    guard = guarded(clock, timeout=0.05, retries=2, failures=2, on_result=recorder)
    fn = sleeping(5)
    # when the agency does not answer in time
    with pytest.raises(ConnectorTimeout) as timed_out:
        await guard.call("vehicles", fn)
    # then a timeout error, after one attempt only
    assert timed_out.value.code == "CONNECTOR_TIMEOUT"
    assert timed_out.value.connector == "agency"
    assert "0.05 s" in str(timed_out.value)
    assert fn.count == 1
    assert guard.in_flight == 0
    method, outcome, seconds = recorder.results[-1]
    assert (method, outcome) == ("vehicles", "CONNECTOR_TIMEOUT")
    assert 0.05 <= seconds < 1
    # and it counted: a second timeout opens the breaker
    assert guard.describe()["breaker"] == "CLOSED"
    with pytest.raises(ConnectorTimeout):
        await guard.call("vehicles", sleeping(5))
    assert guard.describe()["breaker"] == "OPEN"


async def test_a_timeout_reported_by_the_source_is_not_retried() -> None:
    # given a source that reports its own timeout
    clock = FakeClock()
    recorder = Recorder()
    guard = guarded(clock, retries=3, on_result=recorder)
    fn = raising(lambda: ConnectorTimeout("agency", "agency: no answer in time"))
    # when
    with pytest.raises(ConnectorTimeout, match="no answer in time"):
        await guard.call("m", fn)
    # then
    assert fn.count == 1
    assert recorder.outcomes == ["CONNECTOR_TIMEOUT"]


@pytest.mark.parametrize(
    ("failure", "raised"),
    [
        (unavailable, ConnectorUnavailable),
        (lambda: ConnectionRefusedError("refused"), ConnectorUnavailable),
        (lambda: OSError("network is unreachable"), ConnectorUnavailable),
    ],
    ids=["connector-unavailable", "connection-refused", "os-error"],
)
async def test_fast_failures_of_a_read_are_retried_then_raised(
    failure: Callable[[], BaseException], raised: type[Exception]
) -> None:
    # given a guard allowing 2 retries, and an agency failing every time
    clock = FakeClock()
    recorder = Recorder()
    guard = guarded(clock, retries=2, failures=10, on_result=recorder)
    fn = raising(failure)
    # when
    with pytest.raises(raised) as failed:
        await guard.call("m", fn)
    # then it was tried 1 + 2 times, and reported once as unavailable
    assert fn.count == 3
    assert failed.value.code == "CONNECTOR_UNAVAILABLE"
    assert recorder.outcomes == ["CONNECTOR_UNAVAILABLE"]
    assert guard.in_flight == 0


async def test_a_read_failing_fast_then_answering_succeeds_within_the_retries() -> None:
    # given an agency that fails twice, then answers
    clock = FakeClock()
    recorder = Recorder()

    async def behaviour(n: int) -> str:
        if n <= 2:
            raise unavailable()
        return f"answer on attempt {n}"

    fn = Calls(behaviour)
    guard = guarded(clock, retries=2, failures=1, on_result=recorder)
    # when
    result = await guard.call("m", fn)
    # then the third attempt's answer, one OK, and no failure counted
    assert result == "answer on attempt 3"
    assert fn.count == 3
    assert recorder.outcomes == ["OK"]
    assert guard.describe()["breaker"] == "CLOSED"


async def test_retries_zero_tries_once() -> None:
    # given
    guard = guarded(FakeClock(), retries=0)
    fn = raising(unavailable)
    # when
    with pytest.raises(ConnectorUnavailable):
        await guard.call("m", fn)
    # then
    assert fn.count == 1


@pytest.mark.parametrize("failure", [unavailable, lambda: OSError("reset")])
async def test_a_write_is_never_retried(failure: Callable[[], BaseException]) -> None:
    # given a guard allowing retries
    guard = guarded(FakeClock(), retries=3)
    fn = raising(failure)
    # when a write fails fast
    with pytest.raises(ConnectorUnavailable):
        await guard.call("annotate", fn, read=False)
    # then it was tried once
    assert fn.count == 1


async def test_an_unexpected_error_becomes_unavailable_without_leaking_its_message() -> None:
    # given a source that fails with an unexpected error carrying a secret
    recorder = Recorder()
    guard = guarded(FakeClock(), retries=2, on_result=recorder)
    fn = raising(lambda: KeyError("password=hunter2"))
    # when
    with pytest.raises(ConnectorUnavailable) as failed:
        await guard.call("m", fn)
    # then a generic unavailability naming the connector, not the secret; not retried
    assert "hunter2" not in str(failed.value)
    assert "hunter2" not in failed.value.message
    assert failed.value.message.startswith("agency: the agency failed to answer")
    assert isinstance(failed.value.__cause__, KeyError)
    assert fn.count == 1
    assert recorder.outcomes == ["CONNECTOR_UNAVAILABLE"]


# --- the guard: concurrency, reporting -------------------------------------------------------


async def test_at_most_max_concurrency_look_ups_run_at_once() -> None:
    # given a guard allowing 2 look-ups at once, and a slow agency that counts who is inside
    guard = guarded(FakeClock(), timeout=2.0, max_concurrency=2)
    running = 0
    peak = 0
    seen_in_flight: list[int] = []

    async def behaviour(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        seen_in_flight.append(guard.in_flight)
        await asyncio.sleep(0.02)
        running -= 1
        return n

    fn = Calls(behaviour)
    # when 6 look-ups are made at once
    results = await asyncio.gather(*(guard.call("m", fn) for _ in range(6)))
    # then all answered, never more than 2 inside at a time, and none is left in flight
    assert sorted(results) == [1, 2, 3, 4, 5, 6]
    assert peak == 2
    assert max(seen_in_flight) == 2
    assert guard.in_flight == 0
    assert guard.describe()["inFlight"] == 0


async def test_queueing_counts_against_the_timeout() -> None:
    # given a guard allowing 1 look-up at once, with a 100 ms timeout
    guard = guarded(FakeClock(), timeout=0.1, max_concurrency=1, failures=10)
    # when two look-ups of 70 ms each are made at once
    results = await asyncio.gather(
        guard.call("m", sleeping(0.07)), guard.call("m", sleeping(0.07)), return_exceptions=True
    )
    # then the first answers and the second, having queued 70 ms, times out
    assert results[0] == "late"
    assert isinstance(results[1], ConnectorTimeout)
    assert guard.in_flight == 0


async def test_on_result_is_told_every_outcome_with_its_duration() -> None:
    # given a guard whose breaker opens after 2 failures
    recorder = Recorder()
    guard = guarded(FakeClock(), timeout=0.05, retries=0, failures=2, on_result=recorder)
    # when a look-up answers, one times out, one fails, and one is refused by the breaker
    assert await guard.call("identities", answering()) == "answer"
    with pytest.raises(ConnectorTimeout):
        await guard.call("vehicles_by_owner", sleeping(5))
    with pytest.raises(ConnectorUnavailable):
        await guard.call("vehicles_by_plate", raising(unavailable))
    with pytest.raises(ConnectorUnavailable, match="circuit breaker open"):
        await guard.call("registered", answering())
    # then
    assert [(m, o) for m, o, _ in recorder.results] == [
        ("identities", "OK"),
        ("vehicles_by_owner", "CONNECTOR_TIMEOUT"),
        ("vehicles_by_plate", "CONNECTOR_UNAVAILABLE"),
        ("registered", "CIRCUIT_OPEN"),
    ]
    seconds = [s for _, _, s in recorder.results]
    assert all(isinstance(s, float) and s >= 0 for s in seconds)
    assert seconds[1] >= 0.05
    assert seconds[3] < 0.05


async def test_describe_reports_state_and_limits() -> None:
    # given
    clock = FakeClock()
    guard = guarded(clock, timeout=1.5, retries=1, max_concurrency=7, failures=1, reset=3.0)
    # then a fresh guard is closed
    assert guard.describe() == {
        "breaker": "CLOSED",
        "inFlight": 0,
        "maxConcurrency": 7,
        "timeout": 1.5,
        "retries": 1,
    }
    # when it fails once (its threshold) it is open, then half-open after the reset time
    with pytest.raises(ConnectorUnavailable):
        await guard.call("m", raising(unavailable))
    assert guard.describe()["breaker"] == "OPEN"
    clock.advance(3)
    assert guard.describe()["breaker"] == "HALF_OPEN"


def test_the_guard_s_own_breaker_uses_its_settings() -> None:
    # when
    guard = Guard("agency", timeout=1.0, breaker_failures=4, breaker_reset=2.5)
    # then
    assert (guard.breaker.threshold, guard.breaker.reset_after) == (4, 2.5)
    assert guard.breaker.state is BreakerState.CLOSED
