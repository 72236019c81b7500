"""StreamClient over real loopback sockets: what our code relies on from httpx's transport.

`StreamClient` sends every request through httpx's own `AsyncHTTPTransport` (built by
`_default_transport`, with the proxy the environment names and a TLS context from
`SSL_CERT_FILE` or certifi). Each test
starts its own tiny server on 127.0.0.1 (port 0) with `asyncio.start_server`: it reads each
request head (and a body by Content-Length), records it with the number of the connection it
came on, and answers with the bytes the test scripted.

Covered, through the client with its default transport: the exact request on the wire;
gzip/deflate responses decoded; keep-alive (one connection for sequential calls, no more
connections than requests in flight, a connection the server closed while idle not reused,
connections closed by `aclose()`); how failures are classified for the retry logic (refused
connection, no answer, dropped connection, malformed response, proxy refusing the tunnel:
`TransportError` after retries where that is safe, `OutcomeUnknown` for a write that was
sent, never a raw httpx exception); the proxy chosen from the environment (HTTPS_PROXY,
ALL_PROXY, NO_PROXY); and HTTPS against a `trustme` test CA, trusted through SSL_CERT_FILE or
not. Framing details that httpx owns are not re-tested here. Retry waits go through an
injected `RetryPolicy(sleep=...)`; nothing is asserted about timing. No network beyond
loopback, no DNS.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import json
import socket
import ssl
import zlib
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import trustme

from stream_iac.api import client as client_module
from stream_iac.api.client import RetryPolicy, StreamClient
from stream_iac.api.settings import ConnectionSettings
from stream_iac.api.throttle import Throttle
from stream_iac.errors import ApiError, OutcomeUnknown, TransportError

pytestmark = pytest.mark.socket

API_KEY = "key-abc123"
API_SECRET = "api-secret-0123456789abcdef0123456789abcdef"
GUARD_SECONDS = 5.0  # upper bound on waiting for the server side; never asserted on
SHORT_TIMEOUT = 0.25  # the client's timeout where a test needs a hang to end as ReadTimeout
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
              "NO_PROXY", "no_proxy")


# ------------------------------------------------------------------ the scripted server


@dataclass(frozen=True)
class Reply:
    """What the server does with one request: write `data`, then keep the connection open for
    the next request, or close it (`close`); or (`hang`) never answer, and wait for the client
    to go away. With `gate`, the answer waits until the test sets the event."""

    data: bytes = b""
    close: bool = False
    hang: bool = False
    gate: asyncio.Event | None = None


@dataclass
class Received:
    """One request as the server read it off the wire."""

    connection: int
    request_line: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> bytes | None:
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[bytes]:
        return [value for key, value in self.headers if key.lower() == name.lower().encode()]

    @property
    def method(self) -> bytes:
        return self.request_line.split(b" ")[0]

    @property
    def target(self) -> str:
        return self.request_line.split(b" ")[1].decode()


@dataclass
class ScriptedServer:
    """An HTTP/1.1-ish loopback server answering requests, in order, with scripted replies;
    over TLS when given a server-side `tls` context."""

    replies: deque[Reply]
    tls: ssl.SSLContext | None = None
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    client_eof: set[int] = field(default_factory=set)  # connections the client closed
    port: int = 0
    _finished: dict[int, asyncio.Event] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _server: asyncio.Server | None = None

    @classmethod
    def answering(cls, *replies: Reply | bytes, tls: ssl.SSLContext | None = None) -> ScriptedServer:
        return cls(deque(reply if isinstance(reply, Reply) else Reply(reply) for reply in replies), tls)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):  # handlers still serving see EOF and return
            writer.close()
        tasks = list(self._tasks)
        _, stuck = await asyncio.wait(tasks, timeout=GUARD_SECONDS) if tasks else (set(), set())
        for task in stuck:
            task.cancel()
        await asyncio.gather(*stuck, return_exceptions=True)
        await self._server.wait_closed()

    async def finished(self, connection: int) -> None:
        """Wait until the server is done with a connection (the client closed it, or the
        script did) and its socket is closed."""
        await asyncio.wait_for(self._finished_event(connection).wait(), GUARD_SECONDS)

    def _finished_event(self, connection: int) -> asyncio.Event:
        return self._finished.setdefault(connection, asyncio.Event())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        number = self.connections
        self.connections += 1
        try:
            await self._serve(number, reader, writer)
        except ConnectionError:  # the client reset the connection
            self.client_eof.add(number)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()
            self._writers.discard(writer)
            self._tasks.discard(task)
            self._finished_event(number).set()

    async def _serve(self, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                self.client_eof.add(number)
                return
            request_line, *lines = head[:-4].split(b"\r\n")
            headers = [(name.strip(), value.strip()) for name, _, value in (line.partition(b":") for line in lines)]
            length = next((int(value) for name, value in headers if name.lower() == b"content-length"), 0)
            body = await reader.readexactly(length)
            self.received.append(Received(number, request_line, headers, body))
            reply = self.replies.popleft()
            if reply.hang:
                await reader.read()  # until the client gives up and closes
                self.client_eof.add(number)
                return
            if reply.gate is not None:
                await reply.gate.wait()
            writer.write(reply.data)
            await writer.drain()
            if reply.close:
                return


# ------------------------------------------------------------------ helpers


def on_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body with asyncio.run (pytest-asyncio is not used here)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


@dataclass
class Sleeps:
    """The retry policy's sleep: records each wait and returns at once."""

    seen: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)
        await asyncio.sleep(0)


def make_client(base_url: str, sleeps: Sleeps | None = None, *, max_attempts: int = 3,
                timeout: float = GUARD_SECONDS) -> StreamClient:
    """A client with the DEFAULT transport (none passed), no pacing, and instant retries."""
    retry = RetryPolicy(max_attempts=max_attempts, sleep=sleeps or Sleeps(), random=lambda: 0.5)
    return StreamClient(ConnectionSettings(API_KEY, API_SECRET, base_url=base_url, timeout=timeout),
                        throttle=Throttle({}), retry=retry)


async def until(predicate: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), GUARD_SECONDS)


def head(status_line: str, *headers: str) -> bytes:
    return ("\r\n".join([status_line, *headers]) + "\r\n\r\n").encode()


def sized(body: bytes = b"", *headers: str, status_line: str = "HTTP/1.1 200 OK") -> bytes:
    """A response framed by Content-Length."""
    return head(status_line, f"Content-Length: {len(body)}", *headers) + body


def as_json(data: Any, *headers: str, status_line: str = "HTTP/1.1 200 OK") -> bytes:
    return sized(json.dumps(data).encode(), "Content-Type: application/json", *headers, status_line=status_line)


def closed_port() -> int:
    """A loopback port nobody listens on: bound, read, closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy and no CA bundle from the developer's environment."""
    for name in (*PROXY_VARS, "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)  # urllib ignores HTTP_PROXY under CGI
    return monkeypatch


# ------------------------------------------------------------------ the request on the wire


@on_loop
async def test_client_sends_the_exact_request_stream_expects() -> None:
    body = {"name": "rôle-éditeur", "grants": ["read-channel", "update-channel"]}
    replies = (as_json({"roles": []}), as_json({"role": {"name": "x"}}, status_line="HTTP/1.1 201 Created"))
    async with ScriptedServer.answering(*replies) as server:
        async with make_client(server.url) as client:
            assert isinstance(client._transport, httpx.AsyncHTTPTransport)  # the default one
            listed = await client.call("ListRoles", "GET", "/roles", params={"limit": 5, "custom": True})
            created = await client.call("CreateRole", "POST", "/roles", body=body)

        assert listed == {"roles": []}
        assert created == {"role": {"name": "x"}}
        get, post = server.received
        for seen in (get, post):
            assert seen.request_line.endswith(b" HTTP/1.1")
            assert seen.header("Host") == f"127.0.0.1:{server.port}".encode()
            assert seen.header("Stream-Auth-Type") == b"jwt"
            token = seen.header("Authorization")
            assert token is not None
            assert jwt.decode(token.decode(), API_SECRET, algorithms=["HS256"]) == {}
            assert seen.header("Accept") == b"application/json"
            assert seen.header("Accept-Encoding") == b"gzip, deflate"
            assert seen.header("X-Client-Request-Id")

        assert get.method == b"GET"
        assert urlsplit(get.target).path == "/api/v2/roles"
        assert parse_qs(urlsplit(get.target).query) == {"api_key": [API_KEY], "limit": ["5"], "custom": ["true"]}
        assert get.header("Content-Length") is None
        assert get.header("Transfer-Encoding") is None
        assert get.body == b""

        assert post.method == b"POST"
        assert urlsplit(post.target).path == "/api/v2/roles"
        assert parse_qs(urlsplit(post.target).query) == {"api_key": [API_KEY]}
        assert json.loads(post.body) == body
        assert "rôle-éditeur".encode() in post.body  # UTF-8, not \\u escapes
        assert post.header_values("Content-Length") == [str(len(post.body)).encode()]
        assert post.header("Transfer-Encoding") is None
        assert post.header("Content-Type") == b"application/json"


@on_loop
async def test_write_without_body_sends_content_length_zero() -> None:
    async with ScriptedServer.answering(as_json({}), as_json({})) as server:
        async with make_client(server.url) as client:
            await client.call("Touch", "POST", "/touch")
            await client.call("DeleteRole", "DELETE", "/roles/editor")

        post, delete = server.received
        assert post.header_values("Content-Length") == [b"0"]
        assert (delete.method, urlsplit(delete.target).path) == (b"DELETE", "/api/v2/roles/editor")
        assert post.body == delete.body == b""


@pytest.mark.parametrize(("encoding", "compress"), [("gzip", gzip.compress), ("deflate", zlib.compress)])
@on_loop
async def test_compressed_responses_are_decoded(encoding: str, compress: Callable[[bytes], bytes]) -> None:
    roles = {"roles": [{"name": f"role-{n}", "custom": True} for n in range(50)]}
    packed = compress(json.dumps(roles).encode())
    replies = (sized(packed, f"Content-Encoding: {encoding}", "Content-Type: application/json"),
               head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", f"Content-Encoding: {encoding}")
               + b"%x\r\n%s\r\n0\r\n\r\n" % (len(packed), packed))
    async with ScriptedServer.answering(*replies) as server:
        async with make_client(server.url) as client:
            framed_by_length = await client.call("ListRoles", "GET", "/roles")
            chunked = await client.call("ListRoles", "GET", "/roles")

        assert framed_by_length == chunked == roles
        assert server.connections == 1


@on_loop
async def test_api_error_response_is_read_whole_and_the_connection_kept() -> None:
    error = {"code": 4, "message": "CreateRole failed with error: role exists", "StatusCode": 400}
    replies = (as_json(error, status_line="HTTP/1.1 400 Bad Request"), as_json({"role": {}}))
    async with ScriptedServer.answering(*replies) as server:
        async with make_client(server.url) as client:
            with pytest.raises(ApiError) as info:
                await client.call("CreateRole", "POST", "/roles", body={"name": "x"})
            assert await client.call("GetRole", "GET", "/roles/x") == {"role": {}}

        assert (info.value.status, info.value.code) == (400, 4)
        assert server.connections == 1


# ------------------------------------------------------------------ keep-alive


@on_loop
async def test_sequential_calls_reuse_one_connection() -> None:
    async with ScriptedServer.answering(*(as_json({"n": n}) for n in range(4))) as server:
        async with make_client(server.url) as client:
            results = [await client.call("GetApp", "GET", "/app"),
                       await client.call("UpdateApp", "PATCH", "/app", body={"x": 1}),
                       await client.call("ListRoles", "GET", "/roles"),
                       await client.call("DeleteRole", "DELETE", "/roles/x")]

        assert results == [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}]
        assert server.connections == 1
        assert [seen.connection for seen in server.received] == [0, 0, 0, 0]


@on_loop
async def test_no_more_connections_than_requests_in_flight() -> None:
    gate = asyncio.Event()
    replies = [Reply(as_json({"n": n}), gate=gate) for n in range(3)] + [Reply(as_json({"n": n})) for n in range(3)]
    async with ScriptedServer.answering(*replies) as server:
        async with make_client(server.url) as client:
            in_flight = asyncio.gather(*(client.call("GetApp", "GET", "/app") for _ in range(3)))
            await until(lambda: len(server.received) == 3)  # all three wait for an answer at once
            gate.set()
            first_round = await in_flight
            second_round = await asyncio.gather(*(client.call("GetApp", "GET", "/app") for _ in range(3)))

        assert sorted(result["n"] for result in first_round + second_round) == [0, 0, 1, 1, 2, 2]
        assert server.connections == 3  # one per request in flight, then all three reused
        assert sorted(seen.connection for seen in server.received) == [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize("first", [
    pytest.param(Reply(as_json({"n": 1}), close=True), id="closed"),
    # Some servers send "408 Request Timeout" on an idle keep-alive connection, then close it.
    pytest.param(Reply(as_json({"n": 1}) + sized(b"idle too long", "Connection: close",
                                                 status_line="HTTP/1.1 408 Request Timeout"), close=True),
                 id="unsolicited-408-then-closed"),
])
@on_loop
async def test_write_after_the_server_closed_an_idle_connection_goes_on_a_new_one(first: Reply) -> None:
    # Sent on the stale connection, the write would fail and be reported OutcomeUnknown.
    async with ScriptedServer.answering(first, as_json({"n": 2})) as server:
        async with make_client(server.url) as client:
            assert await client.call("GetApp", "GET", "/app") == {"n": 1}
            await server.finished(0)
            await asyncio.sleep(0.05)  # let the client's side take in the server's FIN
            assert await client.call("UpdateApp", "PATCH", "/app", body={"x": 1}) == {"n": 2}

        assert [seen.connection for seen in server.received] == [0, 1]


@on_loop
async def test_aclose_closes_the_idle_connection() -> None:
    async with ScriptedServer.answering(as_json({})) as server:
        async with make_client(server.url) as client:
            await client.call("GetApp", "GET", "/app")
        await server.finished(0)
        assert 0 in server.client_eof


# ------------------------------------------------------------------ failures and how they are classified


@pytest.mark.parametrize("method", ["GET", "POST"])
@on_loop
async def test_refused_connection_is_retried_then_transport_error(method: str) -> None:
    # Nothing was sent, so even a write is safe to repeat.
    port, sleeps = closed_port(), Sleeps()
    async with make_client(f"http://127.0.0.1:{port}", sleeps, max_attempts=3) as client:
        with pytest.raises(TransportError) as info:
            await client.call("CreateRole", method, "/roles", body={"name": "x"} if method == "POST" else None)

    assert type(info.value) is TransportError
    assert info.value.message.startswith(f"CreateRole: connection failed (127.0.0.1:{port})")
    assert info.value.message.endswith("(gave up after 3 attempts)")
    assert client.stats.requests == 3
    assert len(sleeps.seen) == 2


@on_loop
async def test_unsupported_scheme_is_a_transport_error_without_retry() -> None:
    sleeps = Sleeps()
    async with make_client("ftp://127.0.0.1:21", sleeps) as client:
        with pytest.raises(TransportError) as info:
            await client.call("GetApp", "GET", "/app")

    assert type(info.value) is TransportError
    assert info.value.message.startswith("GetApp: UnsupportedProtocol (127.0.0.1:21)")
    assert client.stats.requests == 1
    assert sleeps.seen == []


@on_loop
async def test_read_without_answer_times_out_and_is_retried_then_transport_error() -> None:
    sleeps = Sleeps()
    async with ScriptedServer.answering(Reply(hang=True), Reply(hang=True)) as server:
        async with make_client(server.url, sleeps, max_attempts=2, timeout=SHORT_TIMEOUT) as client:
            with pytest.raises(TransportError) as info:
                await client.call("GetApp", "GET", "/app")
        await server.finished(0)
        await server.finished(1)

        assert type(info.value) is TransportError
        assert info.value.message.startswith(f"GetApp: no response within {SHORT_TIMEOUT:g} s")
        assert info.value.message.endswith("(gave up after 2 attempts)")
        assert [seen.connection for seen in server.received] == [0, 1]  # the timed-out one dropped
        assert server.client_eof == {0, 1}
        assert len(sleeps.seen) == 1


@on_loop
async def test_read_that_times_out_then_answers_succeeds() -> None:
    async with ScriptedServer.answering(Reply(hang=True), as_json({"app": {}})) as server:
        # a longer timeout than SHORT_TIMEOUT: the answer to the retry must not time out too
        async with make_client(server.url, max_attempts=2, timeout=1.0) as client:
            assert await client.call("GetApp", "GET", "/app") == {"app": {}}
            assert client.stats.retries == 1

        assert [seen.connection for seen in server.received] == [0, 1]


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
@on_loop
async def test_write_without_answer_is_outcome_unknown_and_not_repeated(method: str) -> None:
    sleeps = Sleeps()
    async with ScriptedServer.answering(Reply(hang=True), as_json({})) as server:
        async with make_client(server.url, sleeps, timeout=SHORT_TIMEOUT) as client:
            with pytest.raises(OutcomeUnknown) as info:
                await client.call("UpdateApp", method, "/app", body={"x": 1})

        assert info.value.message.startswith(f"UpdateApp: outcome unknown (no response within {SHORT_TIMEOUT:g} s")
        assert len(server.received) == 1
        assert sleeps.seen == []


DROPPED = [
    pytest.param(Reply(b"", close=True), id="closed-without-answer"),
    pytest.param(Reply(b"HTTP/1.1 200 OK\r\nContent-Le", close=True), id="closed-mid-head"),
    pytest.param(Reply(head("HTTP/1.1 200 OK", "Content-Length: 10") + b"half", close=True), id="closed-mid-body"),
    pytest.param(Reply(head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked") + b"5\r\nhel", close=True),
                 id="closed-mid-chunk"),
]


@pytest.mark.parametrize("dropped", DROPPED)
@on_loop
async def test_write_on_a_dropped_connection_is_outcome_unknown_and_not_repeated(dropped: Reply) -> None:
    sleeps = Sleeps()
    async with ScriptedServer.answering(dropped, as_json({})) as server:
        async with make_client(server.url, sleeps) as client:
            with pytest.raises(OutcomeUnknown) as info:
                await client.call("CreateRole", "POST", "/roles", body={"name": "x"})

        assert info.value.message.startswith(
            f"CreateRole: outcome unknown (connection closed before a complete response (127.0.0.1:{server.port})")
        assert len(server.received) == 1
        assert sleeps.seen == []


@pytest.mark.parametrize("dropped", DROPPED)
@on_loop
async def test_read_on_a_dropped_connection_is_retried_on_a_new_one(dropped: Reply) -> None:
    async with ScriptedServer.answering(dropped, as_json({"app": {}})) as server:
        async with make_client(server.url) as client:
            assert await client.call("GetApp", "GET", "/app") == {"app": {}}
            assert client.stats.retries == 1

        assert [seen.connection for seen in server.received] == [0, 1]


CHUNKED_HEAD = head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked")

MALFORMED = [
    pytest.param(b"garbage\r\n\r\n", id="garbage-status-line"),
    pytest.param(b"SSH-2.0-OpenSSH_9.6\r\n\r\n", id="not-http"),
    pytest.param(head("HTTP/1.1 200 OK", "NoColonHere", "Content-Length: 0"), id="header-without-colon"),
    pytest.param(head("HTTP/1.1 200 OK", "Content-Length: ten"), id="invalid-content-length"),
    pytest.param(CHUNKED_HEAD + b"zz\r\nhello\r\n0\r\n\r\n", id="invalid-chunk-size"),
    pytest.param(sized(b"not gzip at all", "Content-Encoding: gzip"), id="corrupt-gzip"),
    pytest.param(sized(b"not deflate either", "Content-Encoding: deflate"), id="corrupt-deflate"),
]


@pytest.mark.parametrize("malformed", MALFORMED)
@on_loop
async def test_malformed_response_to_a_read_is_retried_then_transport_error(malformed: bytes) -> None:
    async with ScriptedServer.answering(Reply(malformed, close=True), Reply(malformed, close=True)) as server:
        async with make_client(server.url, max_attempts=2) as client:
            with pytest.raises(TransportError) as info:
                await client.call("GetApp", "GET", "/app")

        assert type(info.value) is TransportError
        assert info.value.message.startswith("GetApp: ")
        assert info.value.message.endswith("(gave up after 2 attempts)")
        assert len(server.received) == 2


@pytest.mark.parametrize("malformed", MALFORMED)
@on_loop
async def test_malformed_response_to_a_write_is_outcome_unknown(malformed: bytes) -> None:
    async with ScriptedServer.answering(Reply(malformed, close=True), as_json({})) as server:
        async with make_client(server.url) as client:
            with pytest.raises(OutcomeUnknown) as info:
                await client.call("CreateRole", "POST", "/roles", body={"name": "x"})

        assert info.value.message.startswith("CreateRole: outcome unknown (")
        assert len(server.received) == 1


@pytest.mark.parametrize("body", [
    pytest.param(sized(b"<html>502 Bad Gateway</html>", "Content-Type: text/html"), id="html"),
    pytest.param(sized(gzip.compress(b'{"app": {"name": "x"}}')[:-12], "Content-Encoding: gzip"), id="truncated-gzip"),
])
@on_loop
async def test_success_whose_body_is_not_json_is_an_api_error(body: bytes) -> None:
    async with ScriptedServer.answering(body) as server:
        async with make_client(server.url) as client:
            with pytest.raises(ApiError) as info:
                await client.call("GetApp", "GET", "/app")

        assert (info.value.status, info.value.api_message) == (200, "invalid JSON in response")


# ------------------------------------------------------------------ proxies from the environment


def recorded_transport_options(base_url: str) -> dict[str, Any]:
    """The options `_default_transport` gives httpx's transport for `base_url`."""
    seen: list[dict[str, Any]] = []
    real = httpx.AsyncHTTPTransport

    def recording(**options: Any) -> httpx.AsyncHTTPTransport:
        seen.append(options)
        return real(**options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx, "AsyncHTTPTransport", recording)
        transport = client_module._default_transport(base_url)
    asyncio.run(transport.aclose())
    [options] = seen
    assert isinstance(options["verify"], ssl.SSLContext)
    return options


def test_transport_keeps_only_a_few_idle_connections(clean_env: pytest.MonkeyPatch) -> None:
    """A plan's round of concurrent reads opens a connection per request; the pool keeps
    IDLE_CONNECTIONS of them afterwards, not httpx's 20 (each idle one is polled whenever a
    response ends), and still allows many connections at once."""
    limits = recorded_transport_options("https://chat.stream-io-api.com")["limits"]
    assert limits.max_keepalive_connections == client_module.IDLE_CONNECTIONS == 4
    assert limits.max_connections == 100


def test_an_apply_keeps_as_many_connections_open_as_its_parallelism(clean_env: pytest.MonkeyPatch) -> None:
    """Over TLS a connection closed between two writes costs a handshake: apply's client keeps as
    many idle connections as it has workers (never fewer than IDLE_CONNECTIONS)."""
    from stream_iac.api.settings import ConnectionSettings
    from stream_iac.cli.session import Session

    settings = ConnectionSettings("key", "secret-0123456789", "https://chat.stream-io-api.com")
    seen: list[httpx.Limits] = []
    real = httpx.AsyncHTTPTransport

    def recording(**options: Any) -> httpx.AsyncHTTPTransport:
        seen.append(options["limits"])
        return real(**options)

    clean_env.setattr(httpx, "AsyncHTTPTransport", recording)
    for concurrency in (None, 2, 16):
        asyncio.run(Session(env={}).client(settings, concurrency=concurrency).aclose())
    assert [limits.max_keepalive_connections for limits in seen] == [4, 4, 16]


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
def test_proxy_in_environment_is_given_to_the_transport(clean_env: pytest.MonkeyPatch, variable: str) -> None:
    clean_env.setenv(variable, "http://127.0.0.1:9")
    assert recorded_transport_options("https://chat.example.test")["proxy"] == "http://127.0.0.1:9"


@pytest.mark.parametrize("bypass", ["chat.example.test", "example.test", ".example.test",
                                    "other.test,chat.example.test", "*"])
def test_no_proxy_match_gives_no_proxy(clean_env: pytest.MonkeyPatch, bypass: str) -> None:
    clean_env.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    clean_env.setenv("NO_PROXY", bypass)
    assert recorded_transport_options("https://chat.example.test")["proxy"] is None


def test_proxy_for_another_scheme_or_host_is_ignored(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    clean_env.setenv("NO_PROXY", "elsewhere.test")
    assert recorded_transport_options("http://127.0.0.1:8080")["proxy"] is None
    assert recorded_transport_options("https://chat.example.test")["proxy"] == "http://127.0.0.1:9"


def test_no_proxy_in_environment_gives_no_proxy(clean_env: pytest.MonkeyPatch) -> None:
    assert recorded_transport_options("https://chat.example.test")["proxy"] is None


@on_loop
async def test_https_call_goes_through_the_proxy_and_a_refused_tunnel_is_not_sent(
        clean_env: pytest.MonkeyPatch) -> None:
    # The proxy answers CONNECT with 403: nothing reached Stream, so even a write is retried.
    refusals = [sized(b"denied", status_line="HTTP/1.1 403 Forbidden") for _ in range(4)]
    async with ScriptedServer.answering(*refusals) as proxy:
        clean_env.setenv("HTTPS_PROXY", proxy.url)
        sleeps = Sleeps()
        async with make_client("https://chat.example.test", sleeps, max_attempts=2) as client:
            with pytest.raises(TransportError) as get_info:
                await client.call("GetApp", "GET", "/app")
            with pytest.raises(TransportError) as write_info:
                await client.call("UpdateApp", "PATCH", "/app", body={"x": 1})

        for info in (get_info, write_info):
            assert type(info.value) is TransportError
            assert "proxy refused the connection (chat.example.test)" in info.value.message
            assert info.value.message.endswith("(gave up after 2 attempts)")
        assert [seen.request_line for seen in proxy.received] == [b"CONNECT chat.example.test:443 HTTP/1.1"] * 4
        assert len(sleeps.seen) == 2


@on_loop
async def test_no_proxy_matching_the_api_host_goes_direct(clean_env: pytest.MonkeyPatch) -> None:
    async with ScriptedServer.answering() as proxy, ScriptedServer.answering(as_json({"app": {}})) as api:
        clean_env.setenv("HTTP_PROXY", proxy.url)
        clean_env.setenv("NO_PROXY", "127.0.0.1")
        async with make_client(api.url) as client:
            assert await client.call("GetApp", "GET", "/app") == {"app": {}}

        assert proxy.connections == 0
        assert urlsplit(api.received[0].target).path == "/api/v2/app"


# ------------------------------------------------------------------ HTTPS with a test CA


@pytest.fixture(scope="module")
def test_ca() -> trustme.CA:
    return trustme.CA()


def tls_server_context(ca: trustme.CA, host: str = "127.0.0.1") -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(host).configure_cert(context)
    return context


@on_loop
async def test_https_with_the_ca_from_ssl_cert_file_succeeds(
        clean_env: pytest.MonkeyPatch, test_ca: trustme.CA, tmp_path: Path) -> None:
    ca_file = tmp_path / "test-ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_file))
    clean_env.setenv("SSL_CERT_FILE", str(ca_file))
    async with ScriptedServer.answering(as_json({"app": {}}), as_json({}), tls=tls_server_context(test_ca)) as server:
        async with make_client(server.url) as client:  # the default transport, no transport passed
            assert await client.call("GetApp", "GET", "/app") == {"app": {}}
            assert await client.call("UpdateApp", "PATCH", "/app", body={"x": 1}) == {}

        assert server.url.startswith("https://")
        assert [seen.connection for seen in server.received] == [0, 0]
        assert urlsplit(server.received[0].target).path == "/api/v2/app"


@pytest.mark.parametrize("trust", ["certifi", "other-ca", "wrong-host"])
@on_loop
async def test_https_with_an_untrusted_certificate_is_a_clear_transport_error(
        clean_env: pytest.MonkeyPatch, test_ca: trustme.CA, tmp_path: Path, trust: str) -> None:
    cert_host = "chat.example.test" if trust == "wrong-host" else "127.0.0.1"
    if trust != "certifi":  # certifi's bundle: SSL_CERT_FILE is unset
        ca_file = tmp_path / "ca.pem"
        (test_ca if trust == "wrong-host" else trustme.CA()).cert_pem.write_to_path(str(ca_file))
        clean_env.setenv("SSL_CERT_FILE", str(ca_file))
    replies = [as_json({}) for _ in range(2)]
    async with ScriptedServer.answering(*replies, tls=tls_server_context(test_ca, cert_host)) as server:
        async with make_client(server.url, max_attempts=2) as client:
            with pytest.raises(TransportError) as info:
                await client.call("UpdateApp", "PATCH", "/app", body={"x": 1})

        assert type(info.value) is TransportError  # not OutcomeUnknown: nothing was sent
        assert info.value.message.startswith(
            f"UpdateApp: TLS certificate verification failed (127.0.0.1:{server.port}): ")
        assert "CERTIFICATE_VERIFY_FAILED" in info.value.message
        assert server.received == []
