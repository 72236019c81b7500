"""Sliding-window rate limits per app x operation, with the ``x-ratelimit-*`` headers.

Header names are lower case, as Stream sends them (its API answers over HTTP/2, where every header name is
lower case): the classic Python SDK looks ``x-ratelimit-limit`` up in a plain ``dict`` of the headers, and
Stream's own test of it asserts the info is there.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

MINUTE = 60.0
SECOND = 1.0


@dataclass(frozen=True)
class Window:
    length_seconds: float
    limit: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    headers: dict[str, str]
    retry_after_seconds: int = 0


@dataclass(frozen=True)
class LimitInfo:
    limit: int
    remaining: int
    reset: int


class WindowHistory:
    """Timestamps of the accepted requests still inside one sliding window (oldest first)."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.stamps: deque[float] = deque()

    def prune(self, now: float) -> None:
        start = now - self.window.length_seconds
        while self.stamps and self.stamps[0] <= start:
            self.stamps.popleft()

    def seconds_until_free(self, now: float) -> float:
        """0 when one more request fits; otherwise how long until the oldest blocking stamp leaves."""
        excess = len(self.stamps) - self.window.limit
        if excess < 0:
            return 0.0
        return self.stamps[excess] + self.window.length_seconds - now


class OperationLimiter:
    """The request history of one (app, operation) pair; the first window is the per-minute one."""

    def __init__(self, windows: list[Window]) -> None:
        self.histories = [WindowHistory(window) for window in windows]

    def _prune(self, now: float) -> None:
        for history in self.histories:
            history.prune(now)

    def info(self, now: float) -> LimitInfo:
        self._prune(now)
        minute = self.histories[0]
        oldest = minute.stamps[0] if minute.stamps else now
        remaining = max(0, minute.window.limit - len(minute.stamps))
        return LimitInfo(minute.window.limit, remaining, math.ceil(oldest + minute.window.length_seconds))

    def acquire(self, now: float, enforce: bool) -> Decision:
        self._prune(now)
        waits = [history.seconds_until_free(now) for history in self.histories]
        blocked = enforce and any(wait > 0 for wait in waits)
        if not blocked:
            for history in self.histories:
                history.stamps.append(now)
        headers = rate_limit_headers(self.info(now))
        if not blocked:
            return Decision(True, headers)
        retry_after = max(1, math.ceil(max(waits)))
        return Decision(False, {**headers, "retry-after": str(retry_after)}, retry_after)


def rate_limit_headers(info: LimitInfo) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(info.limit),
        "x-ratelimit-remaining": str(info.remaining),
        "x-ratelimit-reset": str(info.reset),
    }


AppLimits = dict[str, tuple[int, int]]
"""One app's own limits: operation id -> (per minute, per second)."""


class RateLimiter:
    """All limiters of all apps. ``limits_per_minute`` maps operation id to its per-minute limit (Stream's
    documented defaults); ``app_limits`` maps an app key to its own limits, which replace the defaults of the
    operations they name for that app (a per-minute and a per-second window each)."""

    def __init__(
        self,
        limits_per_minute: dict[str, int],
        per_second_divisor: int,
        enforce: bool,
        app_limits: dict[str, AppLimits] | None = None,
    ) -> None:
        self.limits_per_minute = limits_per_minute
        self.per_second_divisor = per_second_divisor
        self.enforce = enforce
        self.app_limits = {key: dict(limits) for key, limits in (app_limits or {}).items()}
        self._limiters: dict[tuple[str, str], OperationLimiter] = {}

    def minute_limit(self, operation_id: str, api_key: str | None = None) -> int:
        own = self.app_limits.get(api_key or "", {}).get(operation_id)
        if own is not None:
            return own[0]
        return self.limits_per_minute.get(operation_id, self.limits_per_minute["default"])

    def windows_for(self, operation_id: str, api_key: str | None = None) -> list[Window]:
        """Operations with a documented limit also get the documented per-second limit (per-minute / 30); an
        app's own limit has both of its windows."""
        own = self.app_limits.get(api_key or "", {}).get(operation_id)
        if own is not None:
            return [Window(MINUTE, own[0]), Window(SECOND, max(1, own[1]))]
        per_minute = self.minute_limit(operation_id)
        windows = [Window(MINUTE, per_minute)]
        if operation_id in self.limits_per_minute and per_minute < self.limits_per_minute["default"]:
            windows.append(Window(SECOND, max(1, per_minute // self.per_second_divisor)))
        return windows

    def _limiter(self, api_key: str, operation_id: str) -> OperationLimiter:
        key = (api_key, operation_id)
        if key not in self._limiters:
            self._limiters[key] = OperationLimiter(self.windows_for(operation_id, api_key))
        return self._limiters[key]

    def acquire(self, api_key: str, operation_id: str, now: float) -> Decision:
        return self._limiter(api_key, operation_id).acquire(now, self.enforce)

    def peek_headers(self, api_key: str, operation_id: str | None, now: float) -> dict[str, str]:
        """Headers for a response that did not consume a request slot."""
        if operation_id is None:
            limit = self.limits_per_minute["default"]
            return rate_limit_headers(LimitInfo(limit, limit, math.ceil(now + MINUTE)))
        return rate_limit_headers(self.info(api_key, operation_id, now))

    def info(self, api_key: str, operation_id: str, now: float) -> LimitInfo:
        """The quota of one operation; an operation never called has its whole quota (no limiter is made
        for it, as GetRateLimits asks about every documented endpoint)."""
        limiter = self._limiters.get((api_key, operation_id))
        if limiter is None:
            limit = self.minute_limit(operation_id, api_key)
            return LimitInfo(limit, limit, math.ceil(now + MINUTE))
        return limiter.info(now)
