"""Client-side rate limiting shared by every worker of one client (one instance per API key).

Stream limits each API operation per minute, and per second at a thirtieth of that
(REFERENCE §3). The throttle knows the documented limits up front, learns others from the
`X-RateLimit-*` headers of every response, and paces request starts so that a server
counting sliding windows never has to answer 429:

* consecutive starts of one operation are spaced by `1 / per_second * SAFETY`;
* at most `per_second` starts fall in any `1 s * SAFETY` window, and at most `per_minute`
  in any `60 s * SAFETY` window;
* when the server reports `X-RateLimit-Remaining: 0`, or the client reports a 429 through
  `penalize()`, every later acquirer of that operation waits until the window resets;
* a request counts in the windows from its start until its answer comes (`take`/`release`),
  then from the moment of its answer: the server counts it on arrival, which may be later than
  its start (an event loop busy for 50 ms is enough to put two requests of a 1-a-second
  operation into one server-side second).

Acquirers of one operation are served in arrival order (an `asyncio.Lock` is FIFO).

Before the first paced write, `fetch_app_limits` asks the app itself (`GetRateLimits`, server
side, for the operations the plan will call) and the throttle starts from its answer: an app
whose limits were raised is not held to the documented ones, and one whose limits are lower is
paced at them from its first request. If that call fails, the documented limits stay, and the
returned `Pacing` says so.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
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
WaitObserver = Callable[[str, float, int | None], None]
"""Told (op, seconds about to be waited, per-minute limit) before each pause of the throttle."""
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


def _wait_for_window(starts: list[float], now: float, window: float, capacity: int) -> float:
    """Seconds until fewer than `capacity` of `starts` (sorted) lie within the last `window` seconds."""
    if len(starts) < capacity:
        return 0.0
    oldest_that_must_expire = starts[-capacity]
    return max(0.0, oldest_that_must_expire + window - now)


@dataclass
class _Bucket:
    """Pacing state of one operation. `starts` (sorted) holds, per request of the last minute,
    when the server may have counted it: its start while it is in flight, the moment its answer
    came once it has one (`release`). The server counts a request when it arrives, somewhere
    between the two: a request held up on its way (a stalled event loop, a busy server) must not
    let the next one into the same window."""

    per_minute: int | None
    starts: list[float] = field(default_factory=list)
    last_start: float = -math.inf
    blocked_until: float = -math.inf
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request of this operation may start."""
        wait = max(0.0, self.blocked_until - now)
        if self.per_minute is None or self.per_minute <= 0:
            return wait
        per_second = self.per_minute / PER_SECOND_DIVISOR
        wait = max(wait, self.last_start + SAFETY / per_second - now)
        second_capacity = max(1, math.floor(per_second))
        wait = max(wait, _wait_for_window(self.starts, now, SECOND_WINDOW * SAFETY, second_capacity))
        return max(wait, _wait_for_window(self.starts, now, MINUTE_WINDOW * SAFETY, self.per_minute))

    def record_start(self, now: float) -> None:
        self.last_start = now
        self.starts.append(now)  # every stamp is at most `now`: the list stays sorted
        del self.starts[:bisect.bisect_right(self.starts, now - MINUTE_WINDOW * SAFETY)]

    def release(self, started: float, now: float) -> None:
        """The request started at `started` has its answer: it counts from `now` on."""
        index = bisect.bisect_left(self.starts, started)
        if index < len(self.starts) and self.starts[index] == started:
            del self.starts[index]
        self.starts.append(now)

    def block_for(self, now: float, seconds: float) -> None:
        seconds = min(max(0.0, seconds), MAX_BLOCK_SECONDS)
        self.blocked_until = max(self.blocked_until, now + seconds)


MAX_SANE_LIMIT = 1_000_000
"""Per minute. An app's limit above this is not believed (about 16,000 a second on one endpoint):
a misbehaving API must not switch pacing off."""


def _sane_int(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def app_limit(info: Any) -> tuple[int, int | None, float | None] | None:
    """(limit, remaining, reset) of one `GetRateLimits` entry, or None when it is not a sane limit:
    not an object, a limit that is not a whole number in 1..MAX_SANE_LIMIT (a string, zero, negative,
    a float, true). A `remaining` outside 0..limit or a `reset` that is not a finite number is
    dropped (None): the limit alone is still used."""
    if not isinstance(info, Mapping):
        return None
    limit = _sane_int(info.get("limit"), 1, MAX_SANE_LIMIT)
    if limit is None:
        return None
    remaining = _sane_int(info.get("remaining"), 0, limit)
    reset = info.get("reset")
    if isinstance(reset, bool) or not isinstance(reset, int | float) or not math.isfinite(reset):
        reset = None
    return limit, remaining, reset


@dataclass(frozen=True)
class Slot:
    """One request's start, as `Throttle.take` gave it."""

    op: str
    started: float
    waited: float


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
        self.on_wait: WaitObserver | None = None  # told of each pause before it starts (the live line)
        self.wall_waited_seconds = 0.0  # wall-clock time during which some request was waiting
        self._waiting = 0
        self._waiting_since = 0.0

    def start_from(self, limits: Mapping[str, Any]) -> dict[str, int]:
        """Start from the app's own limits, as `GetRateLimits` reports them for one platform
        (`{op: {limit, remaining, reset}}`): each op's per-minute limit replaces the documented one,
        and quota already used in the current window (`remaining` below `limit`) counts as starts
        that leave the window at `reset`. An entry that is not a sane limit (see `app_limit`) is
        ignored: that op keeps the pacing it had. The per-minute limits taken."""
        taken: dict[str, int] = {}
        now, wall = self._clock(), self._wall_clock()
        for op, info in limits.items():
            entry = app_limit(info)
            if entry is None:
                continue
            limit, remaining, reset = entry
            bucket = self._bucket(op)
            bucket.per_minute = self._known_limits[op] = taken[op] = limit
            if remaining is not None and reset is not None and remaining < limit:
                leaves_at = now + min(max(0.0, reset - wall), MINUTE_WINDOW)
                stamp = leaves_at - MINUTE_WINDOW * SAFETY
                bucket.starts = sorted(bucket.starts + [stamp] * (limit - remaining))
                if remaining == 0:
                    bucket.block_for(now, leaves_at - now)
        return taken

    def per_minute_limit(self, op: str) -> int | None:
        """The per-minute limit currently used for `op` (documented or learned)."""
        return self._bucket(op).per_minute

    async def acquire(self, op: str) -> float:
        """Wait for, and take, a slot to start one request of `op`. Returns seconds waited."""
        return (await self.take(op)).waited

    async def take(self, op: str) -> Slot:
        """Like `acquire`, returning the slot taken: give it back to `release` when the request
        has its answer (or failed), so that the request counts from then on."""
        bucket = self._bucket(op)
        started = self._clock()
        self._wait_begins(started)
        try:
            async with bucket.lock:
                while (delay := bucket.delay(self._clock())) > 0:
                    if self.on_wait is not None:
                        self.on_wait(op, delay, bucket.per_minute)
                    await self._sleep(delay)
                now = self._clock()
                bucket.record_start(now)
        finally:
            self._wait_ends()
        waited = max(0.0, now - started)
        self.waited_seconds += waited
        return Slot(op, now, waited)

    def _wait_begins(self, now: float) -> None:
        if self._waiting == 0:
            self._waiting_since = now
        self._waiting += 1

    def _wait_ends(self) -> None:
        """Wall-clock waiting adds up the time some request waits: concurrent waits count once."""
        self._waiting -= 1
        if self._waiting == 0:
            self.wall_waited_seconds += max(0.0, self._clock() - self._waiting_since)

    def release(self, slot: Slot) -> None:
        """The request of `slot` is over: the server counted it at the latest now."""
        self._bucket(slot.op).release(slot.started, self._clock())

    def observe(self, op: str, headers: Mapping[str, str]) -> None:
        """Learn from a response's rate-limit headers for `op`."""
        info = parse_rate_limit_headers(headers)
        bucket = self._bucket(op)
        if info.limit is not None and 0 < info.limit <= MAX_SANE_LIMIT:
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
    "documented" (Stream's documented limits; `error` says why the app's were not used). `unknown`
    names the ops the app's answer left out or gave no sane limit for: they keep the documented
    limit, or, without one, are paced by the rate-limit headers of the responses."""

    source: Literal["app", "documented"]
    limits: dict[str, int | None]
    error: str | None = None
    unknown: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for the apply summary, e.g. "paced at the app's limits: UpdateChannelType 600/min"."""
        shown = ", ".join(f"{op} {n}/min" if n else f"{op} by response headers"
                          for op, n in sorted(self.limits.items()))
        if self.source == "app":
            unknown = (f" (no usable limit in the app's answer for {', '.join(self.unknown)}: "
                       "documented limit or response headers)") if self.unknown else ""
            return f"paced at the app's limits{unknown}: {shown or 'none'}"
        why = f" (GetRateLimits failed: {self.error})" if self.error else ""
        return f"paced at the documented limits{why}: {shown or 'none'}"


RATE_LIMITS_OP = "GetRateLimits"


async def fetch_app_limits(api: _Caller, throttle: Throttle, ops: list[str]) -> Pacing:
    """One `GetRateLimits` call (server side, for `ops`); the throttle starts from its answer.
    Any failure of the call (an API or transport error, an answer of another shape) leaves the
    documented limits in place, and the `Pacing` returned says so. An op whose entry is missing
    or is not a sane limit (`app_limit`) keeps its pacing too, and is listed in `Pacing.unknown`:
    a misbehaving API can never switch pacing off."""
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
    taken = throttle.start_from({op: server[op] for op in ops if op in server})
    unknown = tuple(op for op in ops if op not in taken)
    return Pacing("app", {op: throttle.per_minute_limit(op) for op in ops}, unknown=unknown)


def _short(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return line if len(line) <= limit else line[: limit - 1] + "…"
