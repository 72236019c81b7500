"""LeanTransport (stream_iac/transport.py) against scripted loopback HTTP servers.

Each test starts its own tiny server on 127.0.0.1 (port 0) with `asyncio.start_server`: it
reads each request head (and a body by Content-Length), records it with the number of the
connection it came on, and answers with the bytes the test scripted. Covered: request framing,
keep-alive and when a connection must not be reused, response framing (Content-Length,
chunked, close-delimited, HEAD/204/304, interim 1xx), gzip/deflate, failures mapped to httpx's
exception classes, the pool after failures and after `aclose()`, and `StreamClient`'s choice of
transport (the lean one, or httpx's own when a proxy is configured). No network beyond
loopback, no DNS.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import socket
import ssl
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from stream_iac import client as client_module
from stream_iac.client import StreamClient
from stream_iac.settings import ConnectionSettings
from stream_iac.transport import LeanTransport

pytestmark = pytest.mark.socket

TIMEOUTS = {"connect": 5, "read": 5, "write": 5, "pool": 5}
SHORT_READ = {"connect": 5, "read": 2, "write": 5, "pool": 5}  # a hang fails fast, as ReadTimeout
GUARD_SECONDS = 5.0  # upper bound on waiting for the server side; never asserted on
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


@dataclass
class ScriptedServer:
    """An HTTP/1.1-ish loopback server answering requests, in order, with scripted replies."""

    replies: deque[Reply]
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    client_eof: set[int] = field(default_factory=set)  # connections the client closed
    port: int = 0
    _finished: dict[int, asyncio.Event] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _server: asyncio.Server | None = None

    @classmethod
    def answering(cls, *replies: Reply | bytes) -> ScriptedServer:
        return cls(deque(reply if isinstance(reply, Reply) else Reply(reply) for reply in replies))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
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
        script did)."""
        await asyncio.wait_for(self._finished_event(connection).wait(), GUARD_SECONDS)

    def connection_of(self, request_index: int) -> int:
        return self.received[request_index].connection

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


def lean() -> LeanTransport:
    return LeanTransport(ssl.create_default_context())


def make_request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    content: Any = None,
    timeouts: Mapping[str, float] | None = None,
) -> httpx.Request:
    return httpx.Request(method, url, headers=headers, content=content,
                         extensions={"timeout": dict(timeouts or TIMEOUTS)})


async def send(transport: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
    response = await transport.handle_async_request(request)
    await response.aread()
    return response


async def send_failing(
    transport: httpx.AsyncBaseTransport, request: httpx.Request, kind: type[httpx.RequestError]
) -> httpx.RequestError:
    """Send a request that must fail with `kind`; the raised error carries the request."""
    with pytest.raises(kind) as info:
        await transport.handle_async_request(request)
    assert info.value.request is request
    return info.value


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


def chunked(*chunks: bytes, trailers: tuple[str, ...] = ()) -> bytes:
    """A chunked response (no extensions), optionally with trailers."""
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    trailer = "".join(f"{line}\r\n" for line in trailers).encode()
    return head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked") + encoded + b"0\r\n" + trailer + b"\r\n"


def closed_port() -> int:
    """A loopback port nobody listens on: bound, read, closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ------------------------------------------------------------------ requests and responses


@on_loop
async def test_get_sends_exact_request_and_returns_status_headers_and_body() -> None:
    reply = sized(b"hello world", "Content-Type: text/plain", "X-Reply: yes", "Set-Cookie: a=1", "Set-Cookie: b=2")
    async with ScriptedServer.answering(reply) as server, lean() as transport:
        request = make_request("GET", f"{server.url}/v1/things?a=1&b=two%20words",
                               headers={"X-Custom": "abc", "Accept": "application/json"})
        response = await send(transport, request)

        assert response.status_code == 200
        assert response.headers["content-type"] == "text/plain"
        assert response.headers["x-reply"] == "yes"
        assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
        assert response.content == b"hello world"
        assert response.request is request

        [seen] = server.received
        assert seen.request_line == b"GET /v1/things?a=1&b=two%20words HTTP/1.1"
        assert seen.header("Host") == f"127.0.0.1:{server.port}".encode()
        assert seen.header("X-Custom") == b"abc"
        assert seen.header("Accept") == b"application/json"
        assert seen.header("Content-Length") is None
        assert seen.header("Transfer-Encoding") is None
        assert seen.body == b""


@pytest.mark.parametrize("status", [201, 400, 404, 429, 500, 503])
@on_loop
async def test_status_codes_and_error_bodies_pass_through(status: int) -> None:
    async with ScriptedServer.answering(sized(b'{"code": 4}', status_line=f"HTTP/1.1 {status} Whatever")) as server, \
            lean() as transport:
        response = await send(transport, make_request("GET", f"{server.url}/x"))
        assert response.status_code == status
        assert response.content == b'{"code": 4}'


@on_loop
async def test_post_sends_exact_json_body_with_one_correct_content_length() -> None:
    body = json.dumps({"name": "röle", "grants": ["a", "b"], "n": 1}, ensure_ascii=False).encode()
    async with ScriptedServer.answering(sized(b"{}", status_line="HTTP/1.1 201 Created")) as server, \
            lean() as transport:
        request = make_request("POST", f"{server.url}/roles?api_key=k", content=body,
                               headers={"Content-Type": "application/json"})
        response = await send(transport, request)

        assert response.status_code == 201
        [seen] = server.received
        assert seen.request_line == b"POST /roles?api_key=k HTTP/1.1"
        assert seen.body == body
        assert seen.header_values("Content-Length") == [str(len(body)).encode()]
        assert seen.header("Content-Type") == b"application/json"


@on_loop
async def test_post_without_body_sends_content_length_zero() -> None:
    async with ScriptedServer.answering(sized(b"ok")) as server, lean() as transport:
        response = await send(transport, make_request("POST", f"{server.url}/empty"))
        assert response.content == b"ok"
        [seen] = server.received
        assert seen.header_values("Content-Length") == [b"0"]
        assert seen.body == b""


@on_loop
async def test_streamed_request_body_is_framed_one_way_only() -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    async with ScriptedServer.answering(sized(b"ok")) as server, lean() as transport:
        await send(transport, make_request("POST", f"{server.url}/upload", content=parts()))
        [seen] = server.received
        # RFC 9112 6.2: a sender MUST NOT send Content-Length with Transfer-Encoding; a raw body
        # under "Transfer-Encoding: chunked" is not parseable by a real server.
        assert not (seen.header("Transfer-Encoding") and seen.header("Content-Length"))


# ------------------------------------------------------------------ keep-alive


@on_loop
async def test_sequential_requests_reuse_one_connection() -> None:
    async with ScriptedServer.answering(sized(b"one"), sized(b"two"), sized(b"three")) as server, \
            lean() as transport:
        bodies = [(await send(transport, make_request("GET", f"{server.url}/{n}"))).content for n in range(3)]

        assert bodies == [b"one", b"two", b"three"]
        assert server.connections == 1
        assert [seen.connection for seen in server.received] == [0, 0, 0]
        assert [seen.request_line for seen in server.received] == [
            b"GET /0 HTTP/1.1", b"GET /1 HTTP/1.1", b"GET /2 HTTP/1.1"]


@pytest.mark.parametrize("first", [
    pytest.param(sized(b"first", "Connection: close"), id="connection-close"),
    pytest.param(sized(b"first", "Connection: Keep-Alive, Close"), id="connection-close-in-list"),
    pytest.param(sized(b"first", status_line="HTTP/1.0 200 OK"), id="http-1.0"),
])
@on_loop
async def test_response_that_ends_keep_alive_is_not_reused(first: bytes) -> None:
    # The server keeps the connection open: only the client's reading of the response stops reuse.
    async with ScriptedServer.answering(first, sized(b"second")) as server, lean() as transport:
        one = await send(transport, make_request("GET", f"{server.url}/a"))
        two = await send(transport, make_request("GET", f"{server.url}/b"))

        assert (one.content, two.content) == (b"first", b"second")
        assert server.connections == 2
        assert [seen.connection for seen in server.received] == [0, 1]
        await server.finished(0)
        assert 0 in server.client_eof  # the client closed the first connection


@on_loop
async def test_pool_is_per_origin() -> None:
    async with ScriptedServer.answering(sized(b"a1"), sized(b"a2")) as first, \
            ScriptedServer.answering(sized(b"b1"), sized(b"b2")) as second, lean() as transport:
        bodies = [(await send(transport, make_request("GET", f"{server.url}/"))).content
                  for server in (first, second, first, second)]

        assert bodies == [b"a1", b"b1", b"a2", b"b2"]
        assert (first.connections, second.connections) == (1, 1)


@on_loop
async def test_concurrent_requests_use_separate_connections_then_reuse_them() -> None:
    async with ScriptedServer.answering(*(sized(b"x") for _ in range(4))) as server, lean() as transport:
        for _ in range(2):
            responses = await asyncio.gather(*(send(transport, make_request("GET", f"{server.url}/"))
                                               for _ in range(2)))
            assert [response.content for response in responses] == [b"x", b"x"]

        assert server.connections == 2
        assert sorted(seen.connection for seen in server.received) == [0, 0, 1, 1]


@on_loop
async def test_idle_connection_closed_by_server_is_not_reused() -> None:
    async with ScriptedServer.answering(Reply(sized(b"one"), close=True), sized(b"two")) as server, \
            lean() as transport:
        await send(transport, make_request("GET", f"{server.url}/a"))
        await server.finished(0)
        await asyncio.sleep(0.05)  # let the client's event loop take in the server's FIN

        response = await send(transport, make_request("GET", f"{server.url}/b"))
        assert response.content == b"two"
        assert server.connection_of(1) == 1


@on_loop
async def test_idle_connection_with_unsolicited_bytes_is_not_reused() -> None:
    # Some servers send "408 Request Timeout" on an idle keep-alive connection, then close it.
    stale = sized(b"idle too long", "Connection: close", status_line="HTTP/1.1 408 Request Timeout")
    async with ScriptedServer.answering(Reply(sized(b"one") + stale, close=True), sized(b"two")) as server, \
            lean() as transport:
        await send(transport, make_request("GET", f"{server.url}/a"))
        await server.finished(0)
        await asyncio.sleep(0.05)  # let the client's event loop take in the bytes and the FIN

        response = await send(transport, make_request("GET", f"{server.url}/b"))
        assert (response.status_code, response.content) == (200, b"two")


# ------------------------------------------------------------------ response framing


@on_loop
async def test_chunked_body_with_extensions_and_trailers_decodes_whole() -> None:
    body = (b"5;name=value\r\nHello\r\n"
            b"7\r\n, chunk\r\n"
            b"a ; ext ; other=\"q\"\r\n extension\r\n"
            b"1A\r\n" + b"z" * 26 + b"\r\n"
            b"0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n")
    reply = head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "Content-Type: text/plain") + body
    async with ScriptedServer.answering(reply, sized(b"after")) as server, lean() as transport:
        response = await send(transport, make_request("GET", f"{server.url}/chunked"))
        after = await send(transport, make_request("GET", f"{server.url}/after"))

        assert response.status_code == 200
        assert response.content == b"Hello, chunk extension" + b"z" * 26
        # the chunked framing was consumed exactly: the connection carried the next exchange
        assert after.content == b"after"
        assert server.connections == 1


BIG_BODY = bytes(range(256)) * 4096  # 1 MiB, far beyond the transport's 64 KiB header limit


@pytest.mark.parametrize("reply", [
    pytest.param(sized(BIG_BODY), id="content-length"),
    pytest.param(chunked(*(BIG_BODY[n:n + 100_000] for n in range(0, len(BIG_BODY), 100_000))), id="chunked"),
    pytest.param(Reply(head("HTTP/1.1 200 OK") + BIG_BODY, close=True), id="until-close"),
])
@on_loop
async def test_large_bodies_are_read_whole(reply: bytes | Reply) -> None:
    async with ScriptedServer.answering(reply) as server, lean() as transport:
        response = await send(transport, make_request("GET", f"{server.url}/big"))
        assert response.content == BIG_BODY


@on_loop
async def test_body_delimited_by_close_is_read_whole_and_connection_not_reused() -> None:
    first = head("HTTP/1.1 200 OK", "Content-Type: text/plain") + b"read until the server closes"
    async with ScriptedServer.answering(Reply(first, close=True), sized(b"second")) as server, \
            lean() as transport:
        response = await send(transport, make_request("GET", f"{server.url}/a"))
        again = await send(transport, make_request("GET", f"{server.url}/b"))

        assert response.content == b"read until the server closes"
        assert again.content == b"second"
        assert [seen.connection for seen in server.received] == [0, 1]


@pytest.mark.parametrize(("method", "reply"), [
    pytest.param("HEAD", head("HTTP/1.1 200 OK", "Content-Length: 11", "Content-Type: text/plain"), id="head"),
    pytest.param("HEAD", head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked"), id="head-chunked"),
    pytest.param("GET", head("HTTP/1.1 204 No Content"), id="204"),
    pytest.param("DELETE", head("HTTP/1.1 204 No Content", "Content-Length: 0"), id="204-length-0"),
    pytest.param("GET", head("HTTP/1.1 304 Not Modified", "Content-Length: 11", "ETag: \"x\""), id="304"),
])
@on_loop
async def test_no_body_responses_are_empty_and_keep_the_connection(method: str, reply: bytes) -> None:
    async with ScriptedServer.answering(reply, sized(b"after")) as server, lean() as transport:
        response = await send(transport, make_request(method, f"{server.url}/x", timeouts=SHORT_READ))
        after = await send(transport, make_request("GET", f"{server.url}/y", timeouts=SHORT_READ))

        assert response.content == b""
        assert after.content == b"after"
        assert server.connections == 1


@pytest.mark.parametrize("interim", [
    pytest.param(head("HTTP/1.1 100 Continue"), id="100"),
    pytest.param(head("HTTP/1.1 100 Continue") + head("HTTP/1.1 103 Early Hints", "Link: </s.css>; rel=preload"),
                 id="100-then-103"),
])
@on_loop
async def test_interim_responses_are_skipped(interim: bytes) -> None:
    async with ScriptedServer.answering(interim + sized(b"done", "X-Final: 1"), sized(b"next")) as server, \
            lean() as transport:
        response = await send(transport, make_request("POST", f"{server.url}/x", content=b"payload"))
        after = await send(transport, make_request("GET", f"{server.url}/y"))

        assert response.status_code == 200
        assert response.content == b"done"
        assert response.headers["x-final"] == "1"
        assert "link" not in response.headers
        assert after.content == b"next"
        assert server.connections == 1


@pytest.mark.parametrize(("encoding", "compress"), [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
])
@on_loop
async def test_compressed_body_is_decoded(encoding: str, compress: Callable[[bytes], bytes]) -> None:
    original = json.dumps({"roles": [{"name": f"role-{n}"} for n in range(50)]}).encode()
    packed = compress(original)
    replies = (sized(packed, f"Content-Encoding: {encoding}", "Content-Type: application/json"),
               head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", f"Content-Encoding: {encoding}")
               + b"%x\r\n%s\r\n0\r\n\r\n" % (len(packed), packed))
    assert packed != original
    async with ScriptedServer.answering(*replies) as server, lean() as transport:
        for _ in replies:
            response = await send(transport, make_request("GET", f"{server.url}/x",
                                                          headers={"Accept-Encoding": "gzip, deflate"}))
            assert response.content == original
            assert response.json()["roles"][49] == {"name": "role-49"}


# ------------------------------------------------------------------ failures


@on_loop
async def test_connection_refused_is_connect_error() -> None:
    async with lean() as transport:
        await send_failing(transport, make_request("GET", f"http://127.0.0.1:{closed_port()}/x"), httpx.ConnectError)


@on_loop
async def test_unsupported_scheme_is_unsupported_protocol() -> None:
    async with lean() as transport:
        await send_failing(transport, make_request("GET", "ftp://127.0.0.1/x"), httpx.UnsupportedProtocol)


CHUNKED_HEAD = head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked")

PROTOCOL_ERRORS = [
    # the server closes the connection
    pytest.param(Reply(b"", close=True), id="closed-without-answer"),
    pytest.param(Reply(b"HTTP/1.1 200 OK\r\nContent-Le", close=True), id="closed-mid-head"),
    pytest.param(Reply(head("HTTP/1.1 200 OK", "Content-Length: 10") + b"half", close=True), id="closed-mid-body"),
    pytest.param(Reply(CHUNKED_HEAD + b"5\r\nhel", close=True), id="closed-mid-chunk"),
    pytest.param(Reply(CHUNKED_HEAD + b"5\r\nhello\r\n", close=True), id="closed-before-last-chunk"),
    # the server answers nonsense and keeps the connection open
    pytest.param(Reply(b"garbage\r\n\r\n"), id="garbage-status-line"),
    pytest.param(Reply(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), id="not-http"),
    pytest.param(Reply(b"HTTP/1.1 OK\r\n\r\n"), id="status-without-code"),
    pytest.param(Reply(head("HTTP/1.1 200 OK", "NoColonHere", "Content-Length: 0")), id="header-without-colon"),
    pytest.param(Reply(head("HTTP/1.1 200 OK", "Content-Length : 0")), id="space-before-colon"),
    pytest.param(Reply(head("HTTP/1.1 200 OK", "X-A: b", "  folded", "Content-Length: 0")), id="obsolete-folding"),
    pytest.param(Reply(head("HTTP/1.1 200 OK", ": empty-name", "Content-Length: 0")), id="empty-header-name"),
    pytest.param(Reply(head("HTTP/1.1 200 OK", "Content-Length: ten")), id="invalid-content-length"),
    pytest.param(Reply(CHUNKED_HEAD + b"zz\r\nhello\r\n0\r\n\r\n"), id="invalid-chunk-size"),
    pytest.param(Reply(CHUNKED_HEAD + b"\r\nhello\r\n0\r\n\r\n"), id="empty-chunk-size"),
    pytest.param(Reply(CHUNKED_HEAD + b"5\r\nhelloXX0\r\n\r\n"), id="chunk-without-crlf"),
    pytest.param(Reply(head("HTTP/1.1 200 OK", "X-Big: " + "a" * 70_000, "Content-Length: 0")),
                 id="header-too-large"),
]


@pytest.mark.parametrize("bad", PROTOCOL_ERRORS)
@on_loop
async def test_protocol_errors_and_the_next_request_uses_a_new_connection(bad: Reply) -> None:
    async with ScriptedServer.answering(bad, sized(b"recovered")) as server, lean() as transport:
        await send_failing(transport, make_request("GET", f"{server.url}/bad"), httpx.RemoteProtocolError)
        response = await send(transport, make_request("GET", f"{server.url}/good"))

        assert response.content == b"recovered"
        assert [seen.connection for seen in server.received] == [0, 1]
        await server.finished(0)  # the failed connection was closed, by one side or the other


@pytest.mark.parametrize("bad", [
    pytest.param(Reply(b"garbage\r\n\r\n"), id="garbage-status-line"),
    pytest.param(Reply(CHUNKED_HEAD + b"zz\r\nhello\r\n0\r\n\r\n"), id="invalid-chunk-size"),
])
@on_loop
async def test_failed_connection_is_closed_by_the_client(bad: Reply) -> None:
    # The server would happily go on: only the client can have closed the connection.
    async with ScriptedServer.answering(bad) as server, lean() as transport:
        await send_failing(transport, make_request("GET", f"{server.url}/bad"), httpx.RemoteProtocolError)
        await server.finished(0)
        assert 0 in server.client_eof


@on_loop
async def test_negative_chunk_size_is_protocol_error() -> None:
    async with ScriptedServer.answering(CHUNKED_HEAD + b"-5\r\nhello\r\n0\r\n\r\n") as server, lean() as transport:
        await send_failing(transport, make_request("GET", f"{server.url}/bad"), httpx.RemoteProtocolError)


@on_loop
async def test_no_answer_is_read_timeout_and_connection_is_dropped() -> None:
    async with ScriptedServer.answering(Reply(hang=True), sized(b"recovered")) as server, lean() as transport:
        timeouts = {"connect": 1.0, "read": 0.2, "write": 1.0, "pool": 1.0}
        await send_failing(transport, make_request("GET", f"{server.url}/slow", timeouts=timeouts),
                           httpx.ReadTimeout)
        await server.finished(0)
        assert 0 in server.client_eof  # the client closed the timed-out connection

        response = await send(transport, make_request("GET", f"{server.url}/again"))
        assert response.content == b"recovered"
        assert server.connection_of(1) == 1


# ------------------------------------------------------------------ closing


@on_loop
async def test_aclose_closes_idle_connections_and_refuses_new_requests() -> None:
    async with ScriptedServer.answering(sized(b"one"), sized(b"never")) as server:
        transport = lean()
        await send(transport, make_request("GET", f"{server.url}/a"))
        await transport.aclose()

        await server.finished(0)
        assert 0 in server.client_eof
        with pytest.raises(RuntimeError):
            await transport.handle_async_request(make_request("GET", f"{server.url}/b"))
        assert len(server.received) == 1


@on_loop
async def test_connection_in_flight_during_aclose_is_closed_not_pooled() -> None:
    gate = asyncio.Event()
    async with ScriptedServer.answering(Reply(sized(b"late"), gate=gate)) as server:
        transport = lean()
        pending = asyncio.create_task(send(transport, make_request("GET", f"{server.url}/a")))
        await until(lambda: len(server.received) == 1)
        await transport.aclose()
        gate.set()

        response = await pending
        assert response.content == b"late"
        await server.finished(0)
        assert 0 in server.client_eof


# ------------------------------------------------------------------ StreamClient and the transport choice

API_KEY = "key-abc123"
API_SECRET = "api-secret-0123456789abcdef0123456789abcdef"


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)  # urllib ignores HTTP_PROXY under CGI
    return monkeypatch


@on_loop
async def test_stream_client_talks_to_loopback_through_lean_transport(no_proxy_env: pytest.MonkeyPatch) -> None:
    roles = {"roles": [{"name": "admin", "custom": False}], "duration": "1ms"}
    packed = gzip.compress(json.dumps(roles).encode())
    replies = (sized(json.dumps(roles).encode(), "Content-Type: application/json"),
               sized(packed, "Content-Type: application/json", "Content-Encoding: gzip"),
               sized(b'{"role": {"name": "editor"}}', "Content-Type: application/json", status_line="HTTP/1.1 201 OK"))
    async with ScriptedServer.answering(*replies) as server:
        settings = ConnectionSettings(API_KEY, API_SECRET, base_url=server.url, timeout=5)
        assert isinstance(client_module._default_transport(server.url), LeanTransport)
        async with StreamClient(settings) as client:
            assert isinstance(client._transport, LeanTransport)  # the default, no transport passed
            plain = await client.call("ListRoles", "GET", "/roles")
            compressed = await client.call("ListRoles", "GET", "/roles")
            created = await client.call("CreateRole", "POST", "/roles", body={"name": "editor"})

        assert plain == roles
        assert compressed == roles
        assert created == {"role": {"name": "editor"}}
        assert server.connections == 1  # keep-alive through the client

        first = server.received[0]
        method, target, version = first.request_line.split(b" ")
        url = urlsplit(target.decode())
        assert (method, url.path, version) == (b"GET", "/api/v2/roles", b"HTTP/1.1")
        assert parse_qs(url.query) == {"api_key": [API_KEY]}
        assert first.header("Stream-Auth-Type") == b"jwt"
        token = first.header("Authorization")
        assert token is not None
        assert jwt.decode(token.decode(), API_SECRET, algorithms=["HS256"]) == {}
        assert first.header("Host") == f"127.0.0.1:{server.port}".encode()

        post = server.received[2]
        assert post.request_line.startswith(b"POST /api/v2/roles?api_key=" + API_KEY.encode() + b" ")
        assert post.body == b'{"name":"editor"}'
        assert post.header_values("Content-Length") == [str(len(post.body)).encode()]
        assert post.header("Content-Type") == b"application/json"


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_proxy_in_environment_selects_httpx_transport(no_proxy_env: pytest.MonkeyPatch, variable: str) -> None:
    no_proxy_env.setenv(variable, "http://127.0.0.1:9")
    transport = client_module._default_transport("https://chat.example.test")
    assert isinstance(transport, httpx.AsyncHTTPTransport)
    assert not isinstance(transport, LeanTransport)
    asyncio.run(transport.aclose())


@pytest.mark.parametrize("bypass", ["chat.example.test", "example.test", ".example.test",
                                    "other.test,chat.example.test", "*"])
def test_no_proxy_match_selects_lean_transport(no_proxy_env: pytest.MonkeyPatch, bypass: str) -> None:
    no_proxy_env.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    no_proxy_env.setenv("NO_PROXY", bypass)
    assert isinstance(client_module._default_transport("https://chat.example.test"), LeanTransport)


def test_proxy_for_other_scheme_or_host_is_ignored(no_proxy_env: pytest.MonkeyPatch) -> None:
    no_proxy_env.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    no_proxy_env.setenv("NO_PROXY", "elsewhere.test")
    assert isinstance(client_module._default_transport("http://127.0.0.1:8080"), LeanTransport)
    assert isinstance(client_module._default_transport("https://chat.example.test"), httpx.AsyncHTTPTransport)


def test_no_proxy_environment_selects_lean_transport(no_proxy_env: pytest.MonkeyPatch) -> None:
    assert isinstance(client_module._default_transport("https://chat.example.test"), LeanTransport)
