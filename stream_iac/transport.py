"""A lean HTTP/1.1 transport for httpx: asyncio streams and keep-alive, nothing else.

httpx's default transport (httpcore over anyio, h11) costs about 0.7 ms of CPU per request;
this one about a quarter of that, which is most of a plan's client CPU when one run reads
many apps at once. It speaks only what the Stream API needs: HTTP/1.1, TLS, Content-Length or
chunked bodies, keep-alive. Proxies are httpx's job: `StreamClient` keeps httpx's own
transport when the environment names one.

Failures are raised as httpx's exception classes, so callers cannot tell the transports apart.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

T = TypeVar("T")
MAX_HEADER_BYTES = 64 * 1024
KEEPALIVE_SECONDS = 5.0  # an idle connection older than this is closed, not reused (as httpx does)
NO_BODY_STATUSES = frozenset({204, 304})
_HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]{1,16}")


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = field(default_factory=time.monotonic)

    def reusable(self, now: float) -> bool:
        return (
            not _has_input(self.reader)
            and not self.writer.is_closing()
            and now - self.idle_since < KEEPALIVE_SECONDS
        )

    def close(self) -> None:
        self.writer.close()


def _has_input(reader: asyncio.StreamReader) -> bool:
    """Whether the server sent anything (bytes or EOF) on an idle connection, e.g. a 408 before
    closing it: such a connection must not carry the next request. StreamReader offers no
    public test for unread bytes; `_buffer` and `_eof` have been its state since Python 3.4."""
    return bool(getattr(reader, "_buffer", b"")) or bool(getattr(reader, "_eof", False))


@dataclass
class _Head:
    status: int
    reason: bytes
    version: bytes
    headers: list[tuple[bytes, bytes]]
    keep_alive: bool

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


Origin = tuple[str, str, int]


class LeanTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with a pool of idle keep-alive connections per origin."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        self._ssl_context = ssl_context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        timeouts = request.extensions.get("timeout", {})
        origin = self._origin(request)
        connection = await self._checkout(request, origin, timeouts.get("connect"))
        try:
            await _with_timeout(self._send(connection, request), timeouts.get("write"),
                                httpx.WriteTimeout, request)
            head, body = await _with_timeout(self._receive(connection, request), timeouts.get("read"),
                                             httpx.ReadTimeout, request)
        except BaseException:
            connection.close()
            raise
        self._checkin(origin, connection, head.keep_alive)
        return httpx.Response(head.status, headers=head.headers, content=body, request=request,
                              extensions={"http_version": head.version, "reason_phrase": head.reason})

    async def aclose(self) -> None:
        self._closed = True
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    # ------------------------------------------------------------ connections

    @staticmethod
    def _origin(request: httpx.Request) -> Origin:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}", request=request)
        port = url.port or (443 if url.scheme == "https" else 80)
        return url.scheme, url.host, port

    async def _checkout(self, request: httpx.Request, origin: Origin, timeout: float | None) -> _Connection:
        idle = self._idle.get(origin, [])
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.reusable(now):
                return connection
            connection.close()
        return await _with_timeout(self._connect(request, origin), timeout, httpx.ConnectTimeout, request)

    async def _connect(self, request: httpx.Request, origin: Origin) -> _Connection:
        scheme, host, port = origin
        tls = self._ssl_context if scheme == "https" else None
        try:
            reader, writer = await asyncio.open_connection(
                host, port, ssl=tls, server_hostname=host if tls else None, limit=MAX_HEADER_BYTES
            )
        except OSError as exc:  # refused, unreachable, name resolution, TLS verification
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return _Connection(reader, writer)

    def _checkin(self, origin: Origin, connection: _Connection, keep_alive: bool) -> None:
        if keep_alive and not self._closed:
            connection.idle_since = time.monotonic()
            self._idle.setdefault(origin, []).append(connection)
        else:
            connection.close()

    # ------------------------------------------------------------ one exchange

    @staticmethod
    async def _send(connection: _Connection, request: httpx.Request) -> None:
        body = await request.aread()  # whole, so it is always framed by Content-Length
        lines = [b"%s %s HTTP/1.1" % (request.method.encode(), request.url.raw_path)]
        lines.extend(name + b": " + value for name, value in request.headers.raw
                     if name.lower() not in (b"content-length", b"transfer-encoding"))
        if body or "content-length" in request.headers:
            lines.append(b"Content-Length: %d" % len(body))
        try:
            connection.writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
            await connection.writer.drain()
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc

    async def _receive(self, connection: _Connection, request: httpx.Request) -> tuple[_Head, bytes]:
        reader = connection.reader
        try:
            head = await _read_head(reader, request)
            while 100 <= head.status < 200:  # interim responses (100 Continue): the real one follows
                head = await _read_head(reader, request)
            body, framed = await _read_body(reader, head, request)
        except asyncio.IncompleteReadError as exc:
            raise httpx.RemoteProtocolError("connection closed before a complete response",
                                            request=request) from exc
        except asyncio.LimitOverrunError as exc:
            raise httpx.RemoteProtocolError("response header too large", request=request) from exc
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        head.keep_alive = head.keep_alive and framed
        return head, body


async def _with_timeout(
    work: Awaitable[T], seconds: float | None, error: type[httpx.TimeoutException], request: httpx.Request
) -> T:
    try:
        async with asyncio.timeout(seconds):
            return await work
    except TimeoutError as exc:
        raise error(f"timed out after {seconds:g} s", request=request) from exc


async def _read_head(reader: asyncio.StreamReader, request: httpx.Request) -> _Head:
    raw = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = raw[:-4].split(b"\r\n")
    version, _, rest = status_line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
        raise httpx.RemoteProtocolError(f"not an HTTP/1.1 status line: {status_line[:80]!r}", request=request)
    headers: list[tuple[bytes, bytes]] = []
    for line in header_lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise httpx.RemoteProtocolError(f"malformed response header: {line[:80]!r}", request=request)
        headers.append((name, value.strip()))
    head = _Head(int(code), reason.strip(), version, headers, keep_alive=version == b"HTTP/1.1")
    connection = (head.header(b"connection") or b"").lower()
    if b"close" in connection:
        head.keep_alive = False
    return head


async def _read_body(reader: asyncio.StreamReader, head: _Head, request: httpx.Request) -> tuple[bytes, bool]:
    """The body and whether its end was framed (so the connection can carry another request)."""
    if request.method == "HEAD" or head.status in NO_BODY_STATUSES:
        return b"", True
    if b"chunked" in (head.header(b"transfer-encoding") or b"").lower():
        return await _read_chunked(reader, request), True
    length = head.header(b"content-length")
    if length is not None:
        if not length.isdigit():
            raise httpx.RemoteProtocolError(f"invalid Content-Length {length[:40]!r}", request=request)
        return await reader.readexactly(int(length)), True
    return await reader.read(), False  # delimited by the server closing the connection


async def _read_chunked(reader: asyncio.StreamReader, request: httpx.Request) -> bytes:
    chunks: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size_text = size_line.split(b";", 1)[0].strip()
        if not _HEX_DIGITS.fullmatch(size_text):
            raise httpx.RemoteProtocolError(f"invalid chunk size {size_line[:40]!r}", request=request)
        size = int(size_text, 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the blank line
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise httpx.RemoteProtocolError("chunk not followed by CRLF", request=request)
