"""Clocks. The emulator reads time only through a ``Clock`` so tests can control it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
"""Returns the current time as unix seconds (float)."""


def system_clock() -> float:
    return time.time()


class ManualClock:
    """A clock that only moves when told to; safe to share between threads."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        with self._lock:
            self._now += seconds

    def set(self, now: float) -> None:
        """Set the time (unix seconds)."""
        with self._lock:
            self._now = now


def to_nanoseconds(seconds: float) -> int:
    return int(round(seconds * 1_000_000_000))
