"""The only module that speaks HTTP to Stream: server JWT, error mapping, retries, pacing.

`StreamClient.call(op, method, path, params=, body=)` returns the parsed JSON object of a
successful response or raises one of:

* `ApiError` — the API answered with an error (message scrubbed of every secret);
* `TransportError` — the API could not be reached (after retrying where that is safe);
* `OutcomeUnknown` — a write was sent but its fate is unknown (5xx, read timeout, dropped
  connection); it is never repeated here, the caller checks live state.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import json
import logging
import math
import os
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from random import random as _uniform_random
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies, proxy_bypass

import certifi
import httpx

from stream_iac import __version__
from stream_iac.api.settings import ConnectionSettings
from stream_iac.api.throttle import Throttle, parse_rate_limit_headers
from stream_iac.errors import ApiError, OutcomeUnknown, TransportError, UserError
from stream_iac.secrets import register, reveal_all, scrub, secret_values

API_PREFIX = "/api/v2"
READ_METHODS = frozenset({"GET", "HEAD"})
RATE_LIMIT_MAX_WAIT = 60.0
"""A 429's Retry-After (or X-RateLimit-Reset) is honoured up to this, even above max_delay."""
ERROR_SNIPPET_CHARS = 300
ATTEMPT_DEADLINE_FACTOR = 2.0
"""One attempt (connect, send, the whole response) may take this many times the timeout."""

NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,  # the proxy refused the tunnel (CONNECT) or the SOCKS handshake
)
"""Failures before any byte of the request left: safe to retry, even for writes."""

HOPELESS_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
"""Failures of our own request that a retry cannot fix; nothing was sent."""

ReadFailure = httpx.TransportError | httpx.DecodingError
"""What sending a request and reading its response can raise: httpx's `DecodingError` (a body
not in its Content-Encoding) is no `TransportError`, and is treated like a dropped response."""


@dataclass(frozen=True)
class RetryPolicy:
    """Retry schedule: full-jitter exponential backoff, unless the server says how long to wait.
    `sleep`, `random` (uniform in [0, 1)) and `wall_clock` (unix seconds) are injectable."""

    max_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    random: Callable[[], float] = _uniform_random
    wall_clock: Callable[[], float] = time.time

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2^(attempt-1)))."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return self.random() * ceiling


@dataclass
class ClientStats:
    """What one client did. `throttle_wait_seconds` and `retry_wait_seconds` add up the waits
    of all workers (worker-seconds, not wall time)."""

    requests_by_op: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    rate_limited: int = 0
    throttle_wait_seconds: float = 0.0
    retry_wait_seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(self.requests_by_op.values())

    def count_request(self, op: str) -> None:
        self.requests_by_op[op] = self.requests_by_op.get(op, 0) + 1


@dataclass(frozen=True)
class _Failure:
    """One failed attempt: what to raise if we stop, and whether trying again is safe."""

    error: UserError
    retryable: bool
    server_delay: float | None = None
    rate_limited: bool = False


@dataclass(frozen=True)
class _Call:
    op: str
    method: str
    path: str
    params: dict[str, str]
    body: Any
    redactions: list[str]

    @property
    def is_read(self) -> bool:
        return self.method in READ_METHODS


def create_server_token(api_secret: str) -> str:
    """A server-side token: HS256 over empty claims, as the official Python SDK signs it. PyJWT is
    imported here, when a command first talks to the API, not at start-up: it imports
    `cryptography` when that is installed (~30 ms), which `validate` and `--help` never need."""
    import warnings

    import jwt

    with warnings.catch_warnings():
        # PyJWT warns (on stderr) about HMAC keys under 32 bytes. The key is the app's secret, which
        # Stream issues; a warning would only be noise in every command's output.
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode({}, api_secret, algorithm="HS256")


@functools.cache
def _shared_tls_context(cafile: str) -> ssl.SSLContext:
    """One TLS context per CA bundle for every client: building one loads the bundle (~20 ms of
    CPU), which adds up when one run plans many apps."""
    return ssl.create_default_context(cafile=cafile)


def _ca_bundle() -> str:
    """The CA bundle to verify Stream's certificate with: SSL_CERT_FILE when set (a company proxy
    or a test CA, as httpx and OpenSSL read it), else certifi's."""
    return os.environ.get("SSL_CERT_FILE") or certifi.where()


IDLE_CONNECTIONS = 4
"""How many idle connections a client keeps open for reuse, unless told otherwise (httpx keeps
20). Whenever a response ends, httpcore's pool checks every idle connection's socket, so a plan's
one round of ~15 concurrent reads, each on its own connection, paid ~0.6 ms of CPU per app for
connections it never reused. `apply` keeps as many as its parallelism."""


def _default_transport(base_url: str, idle_connections: int = IDLE_CONNECTIONS) -> httpx.AsyncBaseTransport:
    """httpx's own transport (connection pool, keep-alive, TLS verified), through the proxy the
    environment names for this URL (HTTPS_PROXY, ALL_PROXY, …, less NO_PROXY), if any, keeping
    up to `idle_connections` open between requests."""
    proxy = _proxy_for(base_url)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=idle_connections)
    return httpx.AsyncHTTPTransport(proxy=proxy, verify=_tls_context_for(base_url, proxy), limits=limits)


def _tls_context_for(base_url: str, proxy: str | None) -> ssl.SSLContext:
    """The shared verifying context; for plain HTTP with no proxy (loopback only: settings refuse
    it elsewhere) one that trusts no certificate at all, as no TLS is ever spoken there, so the
    CA bundle (~20 ms) is not loaded."""
    if proxy is None and urlsplit(base_url).scheme == "http":
        return _trusting_nothing()
    return _shared_tls_context(_ca_bundle())


@functools.cache
def _trusting_nothing() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts no certificate: fails closed


_PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                    "no_proxy", "NO_PROXY", "REQUEST_METHOD")
"""What `getproxies()` reads that `_proxy_for` uses (REQUEST_METHOD: under CGI it ignores HTTP_PROXY)."""


def _proxy_for(url: str) -> str | None:
    parts = urlsplit(url)
    proxies = _proxies(tuple(os.environ.get(name) for name in _PROXY_VARIABLES))
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or proxy_bypass(parts.hostname or ""):
        return None
    return proxy


@functools.cache
def _proxies(environment: tuple[str | None, ...]) -> dict[str, str]:
    """`urllib.request.getproxies()`, once per value of the proxy variables: it walks the whole
    environment (a fleet's CI job names two variables per app: ~10 ms a client for 500 apps)."""
    del environment  # the cache key only
    return getproxies()


def encode_query(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Stream's query encoding: booleans as true/false, lists comma-joined, None dropped."""
    encoded: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            encoded[key] = ",".join(str(item) for item in value)
        else:
            encoded[key] = str(value)
    return encoded


def encode_body(body: Any) -> bytes:
    """The request body as JSON with secrets revealed; the revealed copy is not kept."""
    return json.dumps(reveal_all(body), separators=(",", ":"), ensure_ascii=False).encode()


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from `now`: integer seconds or an HTTP date (past gives 0)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, when.timestamp() - now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _snippet(text: str, redactions: list[str]) -> str:
    """Text for an error message: scrubbed first (so no secret is cut in half), whitespace
    collapsed, at most ERROR_SNIPPET_CHARS characters."""
    flat = " ".join(scrub(text, redactions).split())
    if len(flat) <= ERROR_SNIPPET_CHARS:
        return flat
    return flat[:ERROR_SNIPPET_CHARS] + "…"


class AttemptDeadline(httpx.ReadTimeout):
    """One attempt took longer than its deadline (a server sending its answer a byte at a time)."""

    def __init__(self, seconds: float, request: httpx.Request) -> None:
        super().__init__("", request=request)
        self.seconds = seconds


class MalformedResponse(ApiError):
    """A success status whose body is not the JSON object every Stream response is: the URL does
    not lead to Stream's API (a proxy's page, another service), or the response was cut short."""

    def __init__(self, operation: str, response: httpx.Response, api_message: str, host: str) -> None:
        super().__init__(operation, response.status_code, 0, api_message)
        content_type = response.headers.get("content-type", "no Content-Type").split(";")[0].strip()
        text = response.content[:2000].decode("utf-8", errors="replace")
        start = " ".join(scrub(text, []).split())[:80]
        what = "is not JSON" if "invalid JSON" in api_message else "is not a JSON object"
        self.message = (f"{operation}: the API answered HTTP {response.status_code} with a body that {what} "
                        f"({content_type}, starting {start!r}); is {host} Stream's API? Check STREAM_BASE_URL "
                        "and any proxy in between")
        self.args = (self.message,)


def _parse_error_body(content: bytes) -> tuple[int, str, bool] | None:
    """(code, message, unrecoverable) from Stream's error body, or None if it is not one."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    code, message = data.get("code"), data.get("message")
    if isinstance(code, bool) or not isinstance(code, int) or not isinstance(message, str):
        return None
    return code, message, data.get("unrecoverable") is True


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether `exc`, or an exception it was raised from, is a `kind`."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe_transport_error(exc: ReadFailure, timeout: float) -> str:
    if _caused_by(exc, ssl.SSLCertVerificationError):
        return "TLS certificate verification failed"
    if isinstance(exc, AttemptDeadline):
        return f"the response did not complete within {exc.seconds:g} s"
    descriptions: list[tuple[type[ReadFailure], str]] = [
        (httpx.ProxyError, "proxy refused the connection"),
        (httpx.ConnectTimeout, "connection timed out"),
        (httpx.ConnectError, "connection failed"),
        (httpx.PoolTimeout, "no free connection in the pool"),
        (httpx.ReadTimeout, f"no response within {timeout:g} s"),
        (httpx.WriteTimeout, "timed out while sending the request"),
        (httpx.RemoteProtocolError, "connection closed before a complete response"),
        (httpx.ReadError, "connection dropped while reading the response"),
        (httpx.WriteError, "connection dropped while sending the request"),
        (httpx.DecodingError, "response body could not be decoded"),
    ]
    for kind, text in descriptions:
        if isinstance(exc, kind):
            return text
    return type(exc).__name__


class StreamClient:
    """Server-side client of one Stream app, made from its `ConnectionSettings` (a transport,
    throttle, retry policy and logger may be passed in; tests pass an in-process transport).
    `call` sends one operation and returns the parsed JSON object; `stats` counts what was
    sent. Safe to share between asyncio tasks; close it with `aclose()`."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        throttle: Throttle | None = None,
        retry: RetryPolicy | None = None,
        log: logging.Logger | None = None,
        idle_connections: int = IDLE_CONNECTIONS,
    ) -> None:
        self._settings = settings
        self._token = create_server_token(settings.api_secret)
        register(settings.api_secret)  # with the command's redactor: no output may show either
        register(self._token)
        self._throttle = throttle if throttle is not None else Throttle()
        self._retry = retry if retry is not None else RetryPolicy()
        self._log = log
        self._host = self._host_of(settings.base_url)
        self.stats = ClientStats()
        # Requests go straight to httpx's transport: httpx.AsyncClient's request building costs
        # ~0.2 ms of CPU per request, and all it would add here (cookies, redirects, auth
        # flows) is unused. Proxies are chosen in `_default_transport`.
        self._transport = (transport if transport is not None
                           else _default_transport(settings.base_url, idle_connections))
        self._base_url = settings.base_url.rstrip("/") + API_PREFIX
        self._timeouts = httpx.Timeout(settings.timeout).as_dict()
        self._headers = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "User-Agent": f"stream-iac/{__version__}",
            "Authorization": self._token,
            "Stream-Auth-Type": "jwt",
            "X-Stream-Client": f"stream-iac-{__version__}",
        }

    @property
    def throttle(self) -> Throttle:
        return self._throttle

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> StreamClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def call(
        self,
        op: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        """Send one API operation, retrying where that is safe; the parsed JSON object."""
        call = _Call(
            op=op,
            method=method.upper(),
            path=path,
            params=encode_query(params),
            body=body,
            redactions=[*secret_values(body), self._settings.api_secret, self._token],
        )
        request_id = str(uuid.uuid4())
        attempt, retry_wait = 1, 0.0
        while True:
            slot = await self._throttle.take(op)
            self.stats.throttle_wait_seconds += slot.waited
            try:
                outcome = await self._attempt(call, request_id, attempt, slot.waited, retry_wait)
            finally:
                self._throttle.release(slot)
            if not isinstance(outcome, _Failure):
                return outcome
            retry_wait = self._retry_delay(outcome, attempt)
            if outcome.rate_limited:
                self._throttle.penalize(op, retry_wait)
            if not outcome.retryable or attempt >= self._retry.max_attempts:
                raise self._final_error(outcome, attempt)
            self._log_retry(call, retry_wait)
            await self._retry.sleep(retry_wait)
            self.stats.retries += 1
            self.stats.retry_wait_seconds += retry_wait
            attempt += 1

    async def _attempt(
        self, call: _Call, request_id: str, attempt: int, throttle_wait: float, retry_wait: float
    ) -> dict[str, Any] | _Failure:
        """Send the request once: the parsed response, or what went wrong."""
        self.stats.count_request(call.op)
        started = time.perf_counter()
        try:
            response = await self._send(call, request_id)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            self._log_attempt(call, type(exc).__name__, started, attempt, throttle_wait, retry_wait)
            return self._transport_failure(call, exc)
        self._log_attempt(call, str(response.status_code), started, attempt, throttle_wait, retry_wait)
        self._throttle.observe(call.op, response.headers)
        if response.is_success:
            return self._parse_success(call.op, response)
        return self._api_failure(call, response)

    async def _send(self, call: _Call, request_id: str) -> httpx.Response:
        headers = {**self._headers, "X-Client-Request-Id": request_id}
        content: bytes | None = None
        if call.body is not None:
            content = encode_body(call.body)
            headers["Content-Type"] = "application/json"
        query = urlencode({"api_key": self._settings.api_key, **call.params})
        request = httpx.Request(call.method, f"{self._base_url}{call.path}?{query}", headers=headers,
                                content=content, extensions={"timeout": self._timeouts})
        # httpx bounds each phase (connect, each read); a server that answers a byte at a time
        # would still never finish, so the whole attempt is bounded too.
        deadline = self._settings.timeout * ATTEMPT_DEADLINE_FACTOR
        try:
            async with asyncio.timeout(deadline):
                response = await self._transport.handle_async_request(request)
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        except TimeoutError:
            raise AttemptDeadline(deadline, request) from None
        return response

    def _parse_success(self, op: str, response: httpx.Response) -> dict[str, Any]:
        if not response.content.strip():
            return {}
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise MalformedResponse(op, response, "invalid JSON in response", self._host) from None
        if not isinstance(data, dict):
            raise MalformedResponse(op, response, "unexpected response: not a JSON object", self._host)
        return data

    def _api_failure(self, call: _Call, response: httpx.Response) -> _Failure:
        status = response.status_code
        parsed = _parse_error_body(response.content)
        if parsed is None:
            code, message, unrecoverable = 0, self._unparseable_message(call, response), False
        else:
            code, message, unrecoverable = parsed[0], scrub(parsed[1], call.redactions), parsed[2]
        error = ApiError(call.op, status, code, message)
        if status == 429:
            self.stats.rate_limited += 1
            delay = self._rate_limit_delay(response.headers)
            return _Failure(error, not unrecoverable, server_delay=delay, rate_limited=True)
        if status < 500:
            return _Failure(error, retryable=False)
        if not call.is_read:
            reason = f"HTTP {status}, Stream error code {code}: {message}"
            return _Failure(OutcomeUnknown(call.op, reason), retryable=False)
        delay = parse_retry_after(response.headers.get("Retry-After"), self._retry.wall_clock())
        return _Failure(error, not unrecoverable, server_delay=delay)

    def _unparseable_message(self, call: _Call, response: httpx.Response) -> str:
        text = response.content.decode("utf-8", errors="replace")
        if not text.strip():
            return f"empty error response (HTTP {response.status_code})"
        return f"unparseable error response (HTTP {response.status_code}): {_snippet(text, call.redactions)}"

    def _rate_limit_delay(self, headers: httpx.Headers) -> float | None:
        """How long a 429 asks us to wait: Retry-After, else until X-RateLimit-Reset."""
        now = self._retry.wall_clock()
        retry_after = parse_retry_after(headers.get("Retry-After"), now)
        if retry_after is not None:
            return retry_after
        reset = parse_rate_limit_headers(headers).reset
        if reset is not None and reset > now:
            return reset - now
        return None

    def _transport_failure(self, call: _Call, exc: ReadFailure) -> _Failure:
        description = _describe_transport_error(exc, self._settings.timeout)
        detail = _snippet(str(exc), call.redactions)
        where = f"{description} ({self._host})" + (f": {detail}" if detail else "")
        if isinstance(exc, HOPELESS_ERRORS) or _caused_by(exc, ssl.SSLCertVerificationError):
            # Nothing was sent, and trying again cannot make the certificate trusted.
            return _Failure(TransportError(f"{call.op}: {where}"), retryable=False)
        if isinstance(exc, NOT_SENT_ERRORS) or call.is_read:
            return _Failure(TransportError(f"{call.op}: {where}"), retryable=True)
        return _Failure(OutcomeUnknown(call.op, where), retryable=False)

    def _retry_delay(self, failure: _Failure, attempt: int) -> float:
        """The server's wait if it named one (capped), else full-jitter backoff."""
        if failure.server_delay is None:
            return self._retry.backoff(attempt)
        if failure.rate_limited:
            return min(failure.server_delay, max(RATE_LIMIT_MAX_WAIT, self._retry.max_delay))
        return min(failure.server_delay, self._retry.max_delay)

    @staticmethod
    def _final_error(failure: _Failure, attempts: int) -> UserError:
        if isinstance(failure.error, TransportError) and attempts > 1:
            return TransportError(f"{failure.error.message} (gave up after {attempts} attempts)")
        return failure.error

    def _log_retry(self, call: _Call, delay: float) -> None:
        if self._log is not None:
            self._log.debug("%s %s op=%s retry in %.0f ms", call.method, call.path, call.op, delay * 1000)

    def _log_attempt(
        self,
        call: _Call,
        status: str,
        started: float,
        attempt: int,
        throttle_wait: float,
        retry_wait: float,
    ) -> None:
        if self._log is None:
            return
        self._log.debug(
            "%s %s op=%s status=%s elapsed_ms=%.0f attempt=%d/%d throttle_wait_ms=%.0f retry_wait_ms=%.0f",
            call.method,
            call.path,
            call.op,
            status,
            (time.perf_counter() - started) * 1000,
            attempt,
            self._retry.max_attempts,
            throttle_wait * 1000,
            retry_wait * 1000,
        )

    @staticmethod
    def _host_of(base_url: str) -> str:
        parts = urlsplit(base_url)
        host = parts.hostname or base_url
        return f"{host}:{parts.port}" if parts.port else host
