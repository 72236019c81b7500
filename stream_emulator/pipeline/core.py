"""The emulator core: a pure request -> outcome function over in-memory state (no I/O, no sleeping)."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..handlers.common import Context
from ..store.builtins import Builtins
from ..store.clock import Clock
from ..store.state import AppState
from .auth import unknown_api_key, verify_server_token
from .errors import DOES_NOT_EXIST, INTERNAL_ERROR, RATE_LIMIT_ERROR, ApiError, bad_request, error_body
from .faults import FaultKind, RequestCounters, RequestDraw, choose_fault, draw, staleness_seconds
from .legacy import legacy_shape
from .ratelimit import LimitInfo, RateLimiter
from .routing import OPERATION_IDS, Operation, RouteMatch, match_route
from .wire import HttpRequest, HttpResponse, Outcome, encode_json, encode_with_appended_fields

BODY_METHODS = ("POST", "PUT", "PATCH")
TOO_MANY_REQUESTS = "Too many requests, check response headers for more info"
# GETs whose answer depends on more than the state: never served from the read cache.
UNCACHED_READS = frozenset({"GetRateLimits", "CheckExternalStorage"})


@dataclass(frozen=True)
class CoreSettings:
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    seed: int = 0
    rate_limits: bool = True
    stale_read_ms: float = 0.0
    strict: bool = False
    app_limits: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)


@dataclass
class AppStats:
    requests: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)
    responses: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "writes": dict(self.writes),
            "responses": dict(self.responses),
            "rate_limited": self.responses.get(429, 0),
            "faults": dict(self.faults),
        }


@dataclass(frozen=True)
class CachedRead:
    """The answer to one read of one state object, with its payload's JSON (encoded once, as a
    list of channel types or blocklists is large and asked for again and again)."""

    state: AppState
    status: int
    payload: dict[str, Any]
    encoded_payload: bytes


@dataclass
class AppRuntime:
    """One app's current state plus the recent versions that stale reads may still see."""

    api_key: str
    secret: str
    state: AppState
    state_since: float = -math.inf
    history: list[tuple[float, AppState]] = field(default_factory=list)
    read_cache: dict[Any, CachedRead] = field(default_factory=dict)

    def commit(self, new_state: AppState, now: float, keep_seconds: float) -> None:
        if keep_seconds > 0:
            self.history.append((self.state_since, self.state))
        self.state, self.state_since = new_state, now
        self._forget_versions_older_than(now - keep_seconds)

    def _forget_versions_older_than(self, horizon: float) -> None:
        while self.history:
            ended_at = self.history[1][0] if len(self.history) > 1 else self.state_since
            if ended_at > horizon:
                break
            self.history.pop(0)

    def view_at(self, moment: float) -> AppState:
        if moment >= self.state_since:
            return self.state
        for since, state in reversed(self.history):
            if since <= moment:
                return state
        return self.history[0][1] if self.history else self.state


@dataclass(frozen=True)
class CoreResult:
    outcome: Outcome
    wrote_app: str | None = None  # api key whose state changed (to persist)


@dataclass
class _Exchange:
    """Working data of one request while it moves through the pipeline."""

    request: HttpRequest
    started: float
    now: float
    operation_id: str  # names the operation in error messages; "METHOD /path" for a path that has none
    legacy: bool = False  # a legacy un-prefixed path: responses get the legacy shape
    headers: dict[str, str] = field(default_factory=dict)


class Core:
    def __init__(self, apps: dict[str, AppRuntime], builtins: Builtins, clock: Clock, settings: CoreSettings) -> None:
        self.apps = apps
        self.builtins = builtins
        self.clock = clock
        self.settings = settings
        self.limiter = RateLimiter(
            builtins.rate_limits_per_minute, builtins.rate_limit_per_second_divisor, settings.rate_limits,
            settings.app_limits,
        )
        self.counters = RequestCounters()
        self.stats: dict[str, AppStats] = {api_key: AppStats() for api_key in apps}
        # GetRateLimits reports on every documented endpoint, not only the ones emulated here.
        self.rate_limited_endpoints = tuple(dict.fromkeys([*OPERATION_IDS, *builtins.rate_limit_endpoints]))

    # -- pipeline ---------------------------------------------------------------------------------------

    def handle(self, request: HttpRequest, arrived: float | None = None) -> CoreResult:
        label = f"{request.method} {request.raw_path}"
        exchange = _Exchange(request, time.perf_counter(), self.clock() if arrived is None else arrived, label)
        route = match_route(request.method, request.path_segments())
        if route is not None:
            exchange.legacy = route.legacy
            if route.operation is not None:
                exchange.operation_id = route.operation.operation_id
            elif route.unserved is not None:
                exchange.operation_id = route.unserved
        api_key = request.query_value("api_key") or ""
        runtime = self.apps.get(api_key)
        if runtime is None:
            exchange.headers = self.limiter.peek_headers(api_key, None, exchange.now)
            return CoreResult(Outcome(self._error(exchange, unknown_api_key(api_key)), self._delay()))
        stats = self.stats[api_key]
        if route is None or route.operation is None:
            response = self._unrouted(exchange, runtime, route)
            stats.responses[response.status] += 1
            return CoreResult(Outcome(response, self._delay()))
        return self._handle_operation(exchange, runtime, route.operation, route.params, stats)

    def _unrouted(self, exchange: _Exchange, runtime: AppRuntime, route: RouteMatch | None) -> HttpResponse:
        exchange.headers = self.limiter.peek_headers(runtime.api_key, None, exchange.now)
        path = exchange.request.raw_path
        if route is None:
            error = ApiError(404, DOES_NOT_EXIST, "no such endpoint")
        elif route.unserved is not None:
            error = ApiError(404, DOES_NOT_EXIST, f"{route.unserved} is not served by the emulator")
        else:
            exchange.headers["allow"] = ", ".join(route.allowed_methods)
            error = ApiError(405, DOES_NOT_EXIST, f"method {exchange.request.method} is not allowed on {path}")
        return self._error(exchange, error)

    def _handle_operation(
        self, exchange: _Exchange, runtime: AppRuntime, operation: Operation, params: dict[str, str], stats: AppStats
    ) -> CoreResult:
        request = exchange.request
        stats.requests[operation.operation_id] += 1
        counter = self.counters.next(runtime.api_key, request.method, request.raw_path)
        request_draw = draw(self.settings.seed, runtime.api_key, request.method, request.raw_path, counter)
        fault = choose_fault(self.settings.fault_rate, request_draw)
        if fault is not None:
            stats.faults[fault] += 1
        if fault == "drop_before":
            return CoreResult(Outcome(None, self._delay(), "before"))
        wrote = False
        if fault in ("error_500", "rate_limit_429"):
            response = self._injected_error(exchange, runtime, fault)
        else:
            response, wrote = self._process(exchange, runtime, operation, params, request_draw)
        if wrote:
            stats.writes[operation.operation_id] += 1
        wrote_app = runtime.api_key if wrote else None
        if fault == "drop_after":
            return CoreResult(Outcome(None, self._delay(), "after"), wrote_app)
        stats.responses[response.status] += 1
        return CoreResult(Outcome(response, self._delay()), wrote_app)

    def _injected_error(self, exchange: _Exchange, runtime: AppRuntime, fault: FaultKind) -> HttpResponse:
        exchange.headers = self.limiter.peek_headers(runtime.api_key, exchange.operation_id, exchange.now)
        if fault == "error_500":
            return self._error(exchange, ApiError(500, INTERNAL_ERROR, "internal server error (injected fault)"))
        exchange.headers["retry-after"] = "1"
        return self._error(exchange, ApiError(429, RATE_LIMIT_ERROR, TOO_MANY_REQUESTS))

    def _process(
        self,
        exchange: _Exchange,
        runtime: AppRuntime,
        operation: Operation,
        params: dict[str, str],
        request_draw: RequestDraw,
    ) -> tuple[HttpResponse, bool]:
        request = exchange.request
        try:
            exchange.headers = self.limiter.peek_headers(runtime.api_key, operation.operation_id, exchange.now)
            verify_server_token(request.headers.get("authorization"), runtime.secret, exchange.now)
            decision = self.limiter.acquire(runtime.api_key, operation.operation_id, exchange.now)
            exchange.headers = dict(decision.headers)
            if not decision.allowed:
                raise ApiError(429, RATE_LIMIT_ERROR, TOO_MANY_REQUESTS)
            body = _parse_body(request)
            if operation.writes:
                status, payload = self._run_write(exchange, runtime, operation, params, body)
                return self._success(exchange, status, payload), True
            state = self._read_view(runtime, request, exchange.now, request_draw)
            return self._read(exchange, runtime, state, operation, params, body), False
        except ApiError as error:
            return self._error(exchange, error), False
        except Exception as exc:  # a bug in a handler must still produce a well-formed answer
            return self._error(exchange, ApiError(500, INTERNAL_ERROR, f"internal error: {exc!r}")), False

    def _run_write(
        self, exchange: _Exchange, runtime: AppRuntime, operation: Operation, params: dict[str, str], body: Any
    ) -> tuple[int, dict[str, Any]]:
        """Run a write on a private copy; only a successful write replaces the app's state."""
        working = runtime.state.clone()
        status, payload = self._invoke(exchange, operation, self._context(exchange, runtime, working, params, body))
        runtime.commit(working, exchange.now, self.settings.stale_read_ms / 1000.0)
        return status, payload

    @staticmethod
    def _invoke(exchange: _Exchange, operation: Operation, context: Context) -> tuple[int, dict[str, Any]]:
        """Run the operation's one handler and give its payload the shape of the request's path family."""
        status, payload = operation.handler(context)
        return (status, legacy_shape(payload)) if exchange.legacy else (status, payload)

    def _read(
        self, exchange: _Exchange, runtime: AppRuntime, state: AppState, operation: Operation,
        params: dict[str, str], body: Any,
    ) -> HttpResponse:
        if exchange.request.method != "GET" or operation.operation_id in UNCACHED_READS:
            status, payload = self._invoke(exchange, operation, self._context(exchange, runtime, state, params, body))
            return self._success(exchange, status, payload)
        cached = self._cached_read(exchange, runtime, state, operation, params, body)
        return self._success(exchange, cached.status, cached.payload, cached.encoded_payload)

    def _cached_read(
        self, exchange: _Exchange, runtime: AppRuntime, state: AppState, operation: Operation,
        params: dict[str, str], body: Any,
    ) -> CachedRead:
        """A read of an unchanged state gives the same answer: states are replaced, never
        changed, on write, so answers are kept per state object (``UNCACHED_READS`` are not)."""
        query = tuple(sorted((k, tuple(v)) for k, v in exchange.request.query.items() if k != "api_key"))
        key = (operation.operation_id, exchange.request.raw_path, query)
        cached = runtime.read_cache.get(key)
        if cached is not None and cached.state is state:
            return cached
        status, payload = self._invoke(exchange, operation, self._context(exchange, runtime, state, params, body))
        if len(runtime.read_cache) > 256:
            runtime.read_cache.clear()
        cached = CachedRead(state, status, payload, encode_json(payload))
        runtime.read_cache[key] = cached
        return cached

    def _read_view(self, runtime: AppRuntime, request: HttpRequest, now: float, request_draw: RequestDraw) -> AppState:
        if request.method != "GET" or self.settings.stale_read_ms <= 0:
            return runtime.state
        return runtime.view_at(now - staleness_seconds(int(self.settings.stale_read_ms), request_draw))

    def _context(
        self, exchange: _Exchange, runtime: AppRuntime, state: AppState, params: dict[str, str], body: Any
    ) -> Context:
        def rate_limit_info(operation_id: str) -> LimitInfo:
            return self.limiter.info(runtime.api_key, operation_id, exchange.now)

        return Context(
            api_key=runtime.api_key,
            state=state,
            params=params,
            query=exchange.request.query,
            body=body,
            now=exchange.now,
            builtins=self.builtins,
            rate_limit_info=rate_limit_info,
            operation_ids=self.rate_limited_endpoints,
            strict=self.settings.strict,
            legacy=exchange.legacy,
        )

    # -- responses --------------------------------------------------------------------------------------

    def _delay(self) -> float:
        return max(0.0, self.settings.latency_ms) / 1000.0

    def _duration(self, exchange: _Exchange) -> str:
        return f"{(time.perf_counter() - exchange.started) * 1000:.2f}ms"

    def _success(
        self, exchange: _Exchange, status: int, payload: dict[str, Any], encoded_payload: bytes | None = None
    ) -> HttpResponse:
        duration = {"duration": self._duration(exchange)}
        body = {**payload, **duration}
        if encoded_payload is None or "duration" in payload:
            return HttpResponse(status, body, dict(exchange.headers))
        encoded = encode_with_appended_fields(encoded_payload, duration)
        return HttpResponse.pre_encoded(status, body, encoded, dict(exchange.headers))

    def _error(self, exchange: _Exchange, error: ApiError) -> HttpResponse:
        body = error_body(exchange.operation_id, error, self._duration(exchange))
        return HttpResponse(error.status, body, {**exchange.headers, **error.headers})

    # -- test hooks ---------------------------------------------------------------------------------------

    def mutate(self, api_key: str, change: Any) -> None:
        """Apply ``change(state)`` as a write outside the HTTP API (used by test hooks)."""
        runtime = self.apps[api_key]
        working = runtime.state.clone()
        change(working)
        runtime.commit(working, self.clock(), self.settings.stale_read_ms / 1000.0)


def _parse_body(request: HttpRequest) -> Any:
    if request.method not in BODY_METHODS:
        return None
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"invalid JSON body: {exc}") from exc
