"""Throttle pacing, learning from headers and penalties, on a fake clock (no real waiting)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_iac.api.throttle import (
    MAX_BLOCK_SECONDS,
    Throttle,
    parse_rate_limit_headers,
)

WALL_START = 1_700_000_000.0
T = TypeVar("T")


class FakeClock:
    """Monotonic and wall clocks that only move when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return WALL_START + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def make_throttle(clock: FakeClock, limits: dict[str, int] | None = None) -> Throttle:
    return Throttle(limits, clock=clock.monotonic, wall_clock=clock.wall, sleep=clock.sleep)


def run(make: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await make()

    return asyncio.run(main())


async def start_times(throttle: Throttle, clock: FakeClock, op: str, count: int) -> list[float]:
    starts = []
    for _ in range(count):
        await throttle.acquire(op)
        starts.append(clock.now)
    return starts


def most_in_any_window(starts: list[float], window: float) -> int:
    """The largest number of starts inside any half-open window [t, t + window)."""
    best = 0
    for i, first in enumerate(starts):
        best = max(best, sum(1 for t in starts[i:] if t < first + window))
    return best


def test_five_channel_type_creates_take_at_least_two_seconds() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)
    starts = run(lambda: start_times(throttle, clock, "CreateChannelType", 5))
    assert starts[-1] - starts[0] >= 2.0


def test_consecutive_starts_are_spaced_by_the_per_second_rate_with_margin() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)
    starts = run(lambda: start_times(throttle, clock, "UpdateChannelType", 4))
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= 0.5 * 1.03 - 1e-9 for gap in gaps)


def test_sixty_first_request_within_a_minute_waits_for_the_window() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)
    starts = run(lambda: start_times(throttle, clock, "UpdateApp", 61))
    assert starts[59] - starts[0] < 60.0  # the first 60 only need per-second spacing
    assert starts[60] - starts[0] >= 60.0


@settings(max_examples=40, deadline=None)
@given(limit=st.integers(min_value=1, max_value=20_000), count=st.integers(min_value=1, max_value=150))
def test_paced_starts_never_exceed_either_window(limit: int, count: int) -> None:
    clock = FakeClock()
    throttle = make_throttle(clock, {"Op": limit})
    starts = run(lambda: start_times(throttle, clock, "Op", count))
    assert most_in_any_window(starts, 1.0) <= max(1, math.floor(limit / 30))
    assert most_in_any_window(starts, 60.0) <= limit


def test_unknown_operation_is_not_paced() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)
    run(lambda: start_times(throttle, clock, "ListCommands", 100))
    assert clock.sleeps == []
    assert throttle.waited_seconds == 0.0
    assert throttle.per_minute_limit("ListCommands") is None


def test_operations_are_paced_independently() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)
    run(lambda: start_times(throttle, clock, "UpdateApp", 1))
    waited = run(lambda: throttle.acquire("GetChannelType"))
    assert waited == 0.0


def test_remaining_zero_makes_the_next_acquire_wait_until_reset() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)
    run(lambda: throttle.acquire("ListCommands"))
    reset = clock.wall() + 12
    throttle.observe(
        "ListCommands",
        {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(reset))},
    )
    before = clock.now
    waited = run(lambda: throttle.acquire("ListCommands"))
    assert clock.wall() >= reset
    assert waited == pytest.approx(clock.now - before)
    assert waited >= 11.9


def test_remaining_above_zero_does_not_block() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)
    throttle.observe(
        "ListRoles",
        {"x-ratelimit-limit": "100000", "x-ratelimit-remaining": "5", "x-ratelimit-reset": str(clock.wall() + 30)},
    )
    assert run(lambda: throttle.acquire("ListRoles")) == 0.0


def test_a_reset_far_in_the_future_blocks_at_most_one_window() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)
    throttle.observe(
        "Op", {"X-RateLimit-Limit": "100000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999"}
    )
    assert run(lambda: throttle.acquire("Op")) == pytest.approx(MAX_BLOCK_SECONDS)


def test_limit_header_teaches_pacing_for_an_unknown_operation() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)
    throttle.observe(
        "CreateCommand", {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59", "X-RateLimit-Reset": "0"}
    )
    starts = run(lambda: start_times(throttle, clock, "CreateCommand", 3))
    assert throttle.per_minute_limit("CreateCommand") == 60
    assert starts[2] - starts[0] >= 1.0


def test_limit_header_overrides_a_documented_limit() -> None:
    throttle = make_throttle(FakeClock())
    throttle.observe("GetApp", {"X-RateLimit-Limit": "300"})
    assert throttle.per_minute_limit("GetApp") == 300


def test_penalty_makes_every_waiting_worker_wait() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)

    async def three_workers() -> list[float]:
        throttle.penalize("ListBlockLists", 5.0)
        starts: list[float] = []

        async def worker() -> None:
            await throttle.acquire("ListBlockLists")
            starts.append(clock.now)

        await asyncio.gather(worker(), worker(), worker())
        return starts

    began = clock.now
    starts = run(three_workers)
    assert len(starts) == 3
    assert all(start >= began + 5.0 for start in starts)


def test_waiters_are_served_in_arrival_order() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)

    async def workers() -> list[int]:
        order: list[int] = []

        async def worker(n: int) -> None:
            await throttle.acquire("DeleteChannelType")
            order.append(n)

        await asyncio.gather(*(worker(n) for n in range(6)))
        return order

    assert run(workers) == list(range(6))
    assert clock.now - 100.0 >= 5 * 0.5


def test_waited_seconds_adds_up_all_waits() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock)

    async def waits() -> list[float]:
        return [await throttle.acquire("GetChannelType") for _ in range(4)]

    assert sum(run(waits)) == pytest.approx(throttle.waited_seconds)
    assert throttle.waited_seconds >= 3 * 0.5


def test_rate_limit_headers_take_the_first_non_empty_value_case_insensitively() -> None:
    info = parse_rate_limit_headers(
        {"x-ratelimit-LIMIT": " , 60, 120", "X-RateLimit-Remaining": "7", "X-RATELIMIT-RESET": "1700000000"}
    )
    assert (info.limit, info.remaining, info.reset) == (60, 7, 1_700_000_000.0)


def test_garbled_rate_limit_headers_are_ignored() -> None:
    info = parse_rate_limit_headers({"X-RateLimit-Limit": "lots", "X-RateLimit-Reset": "nan"})
    assert (info.limit, info.remaining, info.reset) == (None, None, None)
    clock = FakeClock()
    throttle = make_throttle(clock)
    throttle.observe("Op", {"X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "0"})
    assert throttle.per_minute_limit("Op") is None
    assert run(lambda: throttle.acquire("Op")) == 0.0


def test_a_request_counts_from_its_answer_once_released() -> None:
    """The server counts a request when it arrives, which may be as late as its answer: a request
    of a 1-a-second operation whose answer took 0.4 s holds the next one back until 1 s (padded)
    after that answer, not after its start."""
    clock = FakeClock()
    throttle = make_throttle(clock, {"Op": 30})  # 30/min: 1 a second

    async def go() -> float:
        slot = await throttle.take("Op")
        clock.now += 0.4  # the answer comes 0.4 s later
        throttle.release(slot)
        await throttle.acquire("Op")
        return clock.now - slot.started

    gap = run(go)
    assert gap >= 0.4 + 1.0 - 1e-9, gap


def test_without_release_a_request_counts_from_its_start() -> None:
    clock = FakeClock()
    throttle = make_throttle(clock, {"Op": 30})
    starts = run(lambda: start_times(throttle, clock, "Op", 3))
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(1.0 <= gap < 1.1 for gap in gaps), gaps


def test_released_slots_of_a_fast_operation_keep_its_rate() -> None:
    """Releasing moves stamps later but the pacing of a fast operation (20 a second) stays near it:
    its start-to-start spacing is measured from starts, the windows from answers."""
    clock = FakeClock()
    throttle = make_throttle(clock, {"Op": 600})

    async def go() -> list[float]:
        starts = []
        for _ in range(41):
            slot = await throttle.take("Op")
            starts.append(clock.now)
            clock.now += 0.005  # a 5 ms answer
            throttle.release(slot)
        return starts

    starts = run(go)
    assert starts[-1] - starts[0] < 2 * 1.03 + 41 * 0.005 + 0.2, starts[-1] - starts[0]
    for i in range(len(starts) - 20):
        assert starts[i + 20] - starts[i] >= 1.0, i  # never 21 in one second
