"""Client-side rate limiting shared by every worker of one client (one instance per API key).

Stream limits each API operation per minute, and per second at a thirtieth of that
(REFERENCE §3). The throttle knows the documented limits up front, learns others from the
`X-RateLimit-*` headers of every response, and paces request starts so that a server
counting sliding windows never has to answer 429:

* consecutive starts of one operation are spaced by `1 / per_second * SAFETY`;
* at most `per_second` starts fall in any `1 s * SAFETY` window, and at most `per_minute`
  in any `60 s * SAFETY` window;
* when the server reports `X-RateLimit-Remaining: 0`, or the client reports a 429 through
  `penalize()`, every later acquirer of that operation waits until the window resets.

Acquirers of one operation are served in arrival order (an `asyncio.Lock` is FIFO).

Before the first paced write, `fetch_app_limits` asks the app itself (`GetRateLimits`, server
side, for the operations the plan will call) and the throttle starts from its answer: an app
whose limits were raised is not held to the documented ones, and one whose limits are lower is
paced at them from its first request. If that call fails, the documented limits stay, and the
returned `Pacing` says so.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Protocol

SAFETY = 1.03
"""Stretch factor on spacing and windows, so loopback jitter cannot push two starts into one
server-side window."""

SECOND_WINDOW = 1.0
MINUTE_WINDOW = 60.0
PER_SECOND_DIVISOR = 30
"""The per-second limit is the per-minute limit divided by this (REFERENCE §3)."""

MAX_BLOCK_SECONDS = MINUTE_WINDOW * SAFETY
"""Never block an operation longer than one (padded) window on the strength of one header."""

DOCUMENTED_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "GetApp": 10_000,
        "UpdateApp": 60,
        "CreateChannelType": 60,
        "UpdateChannelType": 60,
        "DeleteChannelType": 60,
        "GetChannelType": 60,
        "ListChannelTypes": 60,
        "CheckPush": 60,
    }
)
"""Per-minute limits of the server side, from Stream's rate-limit documentation."""

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RateLimitHeaders:
    """The `X-RateLimit-*` headers of one response; `reset` is in unix seconds."""

    limit: int | None
    remaining: int | None
    reset: float | None


def _first_value(headers: Mapping[str, str], name: str) -> str | None:
    """The first non-empty comma-separated value of a header (`headers` has lower-case names)."""
    raw = headers.get(name)
    if raw is None:
        return None
    for part in raw.split(","):
        if part.strip():
            return part.strip()
    return None


def _as_int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _as_float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_rate_limit_headers(headers: Mapping[str, str]) -> RateLimitHeaders:
    """Read `X-RateLimit-Limit/Remaining/Reset` (names in any case); a missing or garbled
    header gives None."""
    lowered = {key.lower(): value for key, value in headers.items()}
    return RateLimitHeaders(
        limit=_as_int(_first_value(lowered, "x-ratelimit-limit")),
        remaining=_as_int(_first_value(lowered, "x-ratelimit-remaining")),
        reset=_as_float(_first_value(lowered, "x-ratelimit-reset")),
    )


def _wait_for_window(starts: deque[float], now: float, window: float, capacity: int) -> float:
    """Seconds until fewer than `capacity` of `starts` lie within the last `window` seconds."""
    if len(starts) < capacity:
        return 0.0
    oldest_that_must_expire = starts[-capacity]
    return max(0.0, oldest_that_must_expire + window - now)


@dataclass
class _Bucket:
    """Pacing state of one operation."""

    per_minute: int | None
    starts: deque[float] = field(default_factory=deque)
    blocked_until: float = -math.inf
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request of this operation may start."""
        wait = max(0.0, self.blocked_until - now)
        if self.per_minute is None or self.per_minute <= 0:
            return wait
        per_second = self.per_minute / PER_SECOND_DIVISOR
        if self.starts:
            wait = max(wait, self.starts[-1] + SAFETY / per_second - now)
        second_capacity = max(1, math.floor(per_second))
        wait = max(wait, _wait_for_window(self.starts, now, SECOND_WINDOW * SAFETY, second_capacity))
        return max(wait, _wait_for_window(self.starts, now, MINUTE_WINDOW * SAFETY, self.per_minute))

    def record_start(self, now: float) -> None:
        self.starts.append(now)
        horizon = now - MINUTE_WINDOW * SAFETY
        while self.starts and self.starts[0] <= horizon:
            self.starts.popleft()

    def block_for(self, now: float, seconds: float) -> None:
        seconds = min(max(0.0, seconds), MAX_BLOCK_SECONDS)
        self.blocked_until = max(self.blocked_until, now + seconds)


class Throttle:
    """Paces requests per operation id. `clock` is monotonic seconds, `wall_clock` unix
    seconds (for `X-RateLimit-Reset`), `sleep` waits; all three are injectable for tests."""

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        *,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._known_limits = dict(DOCUMENTED_LIMITS if limits is None else limits)
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._buckets: dict[str, _Bucket] = {}
        self.waited_seconds = 0.0

    def start_from(self, limits: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
        """Start from the app's own limits, as `GetRateLimits` reports them for one platform
        (`{op: {limit, remaining, reset}}`): each op's per-minute limit replaces the documented one,
        and quota already used in the current window (`remaining` below `limit`) counts as starts
        that leave the window at `reset`. The per-minute limits taken."""
        taken: dict[str, int] = {}
        now, wall = self._clock(), self._wall_clock()
        for op, info in limits.items():
            if not isinstance(info, Mapping):
                continue
            limit, remaining, reset = info.get("limit"), info.get("remaining"), info.get("reset")
            if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
                continue
            bucket = self._bucket(op)
            bucket.per_minute = self._known_limits[op] = taken[op] = limit
            if isinstance(remaining, int) and isinstance(reset, int | float) and 0 <= remaining < limit:
                leaves_at = now + min(max(0.0, reset - wall), MINUTE_WINDOW)
                stamp = leaves_at - MINUTE_WINDOW * SAFETY
                bucket.starts.extend([stamp] * (limit - remaining))
                if remaining == 0:
                    bucket.block_for(now, leaves_at - now)
        return taken

    def per_minute_limit(self, op: str) -> int | None:
        """The per-minute limit currently used for `op` (documented or learned)."""
        return self._bucket(op).per_minute

    async def acquire(self, op: str) -> float:
        """Wait for, and take, a slot to start one request of `op`. Returns seconds waited."""
        bucket = self._bucket(op)
        started = self._clock()
        async with bucket.lock:
            while (delay := bucket.delay(self._clock())) > 0:
                await self._sleep(delay)
            now = self._clock()
            bucket.record_start(now)
        waited = max(0.0, now - started)
        self.waited_seconds += waited
        return waited

    def observe(self, op: str, headers: Mapping[str, str]) -> None:
        """Learn from a response's rate-limit headers for `op`."""
        info = parse_rate_limit_headers(headers)
        bucket = self._bucket(op)
        if info.limit is not None and info.limit > 0:
            bucket.per_minute = info.limit
        if info.remaining is not None and info.remaining <= 0 and info.reset is not None:
            bucket.block_for(self._clock(), info.reset - self._wall_clock())

    def penalize(self, op: str, retry_after: float) -> None:
        """The server answered 429 for `op`: nobody starts `op` for `retry_after` seconds."""
        self._bucket(op).block_for(self._clock(), retry_after)

    def _bucket(self, op: str) -> _Bucket:
        bucket = self._buckets.get(op)
        if bucket is None:
            bucket = self._buckets[op] = _Bucket(per_minute=self._known_limits.get(op))
        return bucket


class _Caller(Protocol):
    async def call(self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None,
                   body: Any = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Pacing:
    """The limits an apply was paced at: `source` is "app" (its own, from `GetRateLimits`) or
    "documented" (Stream's documented limits; `error` says why the app's were not used)."""

    source: Literal["app", "documented"]
    limits: dict[str, int | None]
    error: str | None = None

    def describe(self) -> str:
        """One line for the apply summary, e.g. "paced at the app's limits: UpdateChannelType 600/min"."""
        shown = ", ".join(f"{op} {n}/min" if n else f"{op} unlimited" for op, n in sorted(self.limits.items()))
        if self.source == "app":
            return f"paced at the app's limits: {shown or 'none'}"
        why = f" (GetRateLimits failed: {self.error})" if self.error else ""
        return f"paced at the documented limits{why}: {shown or 'none'}"


RATE_LIMITS_OP = "GetRateLimits"


async def fetch_app_limits(api: _Caller, throttle: Throttle, ops: list[str]) -> Pacing:
    """One `GetRateLimits` call (server side, for `ops`); the throttle starts from its answer.
    Any failure of the call (an API or transport error, an answer of another shape) leaves the
    documented limits in place, and the `Pacing` returned says so."""
    from stream_iac.errors import UserError

    ops = sorted(set(ops))
    if not ops:
        return Pacing("app", {})
    try:
        body = await api.call(RATE_LIMITS_OP, "GET", "/rate_limits",
                              params={"server_side": True, "endpoints": ",".join(ops)})
    except UserError as exc:
        return Pacing("documented", {op: throttle.per_minute_limit(op) for op in ops}, _short(str(exc)))
    server = body.get("server_side") if isinstance(body, dict) else None
    if not isinstance(server, dict):
        return Pacing("documented", {op: throttle.per_minute_limit(op) for op in ops},
                      "the answer had no server_side limits")
    throttle.start_from({op: server[op] for op in ops if op in server})
    return Pacing("app", {op: throttle.per_minute_limit(op) for op in ops})


def _short(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return line if len(line) <= limit else line[: limit - 1] + "…"
