"""A real HTTP/1.1 server (standard library asyncio) in front of the emulator, plain or over TLS.

One event loop in a background thread serves every connection. Each connection is an
``asyncio.Protocol`` that cuts requests out of the received bytes itself: a request that can be
answered at once costs no task, no future and no thread, and the configured latency is an
``asyncio.sleep`` on the loop, not a sleeping thread. Given a server-side ``ssl.SSLContext``, the
event loop wraps each connection in TLS (real Stream is HTTPS only) and the protocol is unchanged.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import email.utils
import socket
import ssl
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, cast

from ..pipeline.errors import INPUT_ERROR, INTERNAL_ERROR, ApiError, error_body
from ..pipeline.wire import HttpRequest, HttpResponse, Outcome

if TYPE_CHECKING:
    from ..emulator import Emulator

DEFAULT_HOST = "127.0.0.1"
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_HEAD_BYTES = 64 * 1024
MAX_CHUNK_LINE_BYTES = 4 * 1024
MAX_HEADERS = 100
# Bytes a client may send ahead while its previous request is still being answered.
MAX_BUFFERED_AHEAD_BYTES = 1024 * 1024
# A small backlog drops connections when many clients connect at once (one plan reads 8 lists
# concurrently; 20 stacks make 160 connections), and a dropped SYN costs the client a 1 s retransmit.
LISTEN_BACKLOG = 1024
STOP_TIMEOUT_SECONDS = 5.0
SERVER_NAME = "stream-emulator"
UNPARSED_REQUEST = "HTTP request"  # names a request that could not be parsed in its error message
CONTINUE_RESPONSE = b"HTTP/1.1 100 Continue\r\n\r\n"


class _BadRequest(Exception):
    """The bytes received are not an acceptable HTTP/1.x request; answered, then the connection closes."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


# -- parsing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RequestHead:
    method: str
    target: str
    version: tuple[int, int]
    headers: dict[str, str]  # lower-cased names; a repeated header keeps its last value

    def wants_keep_alive(self) -> bool:
        tokens = {token.strip().lower() for token in self.headers.get("connection", "").split(",")}
        if "close" in tokens:
            return False
        return self.version >= (1, 1) or "keep-alive" in tokens

    def expects_continue(self) -> bool:
        return self.version >= (1, 1) and self.headers.get("expect", "").lower() == "100-continue"

    def is_chunked(self) -> bool:
        return "chunked" in self.headers.get("transfer-encoding", "").lower()

    def content_length(self) -> int:
        text = self.headers.get("content-length", "")
        if not text:
            return 0
        if not text.isdigit():
            raise _BadRequest(400, f"bad Content-Length {text[:40]!r}")
        length = int(text)
        if length > MAX_BODY_BYTES:
            raise _BadRequest(413, "request body too large")
        return length


def _parse_version(text: str) -> tuple[int, int]:
    name, _, number = text.partition("/")
    major, dot, minor = number.partition(".")
    if name != "HTTP" or not dot or not major.isdigit() or not minor.isdigit():
        raise _BadRequest(400, f"bad request version {text[:40]!r}")
    version = (int(major), int(minor))
    if version >= (2, 0):
        raise _BadRequest(505, f"HTTP version {number} is not supported")
    return version


def _parse_request_line(line: str) -> tuple[str, str, tuple[int, int]]:
    parts = line.split()
    if len(parts) != 3:
        raise _BadRequest(400, "malformed request line")
    method, target, version = parts
    if target.startswith("//"):
        target = "/" + target.lstrip("/")  # as http.server does: "//x" is a path, not a network location
    return method, target, _parse_version(version)


def _parse_header_lines(lines: list[str]) -> dict[str, str]:
    if len(lines) > MAX_HEADERS:
        raise _BadRequest(431, "too many header fields")
    headers: dict[str, str] = {}
    last_name: str | None = None
    for line in lines:
        if line[0] in " \t":  # obsolete line folding continues the previous field
            if last_name is None:
                raise _BadRequest(400, "header continuation without a header")
            headers[last_name] = f"{headers[last_name]} {line.strip()}"
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name:
            raise _BadRequest(400, f"malformed header line {line[:80]!r}")
        headers[name] = value.strip()
        last_name = name
    return headers


def _parse_head(head: bytes) -> _RequestHead:
    """Parse a request head (request line and header lines, CRLF or bare LF line ends)."""
    lines = [line.rstrip("\r") for line in head.decode("iso-8859-1").split("\n")]
    method, target, version = _parse_request_line(lines[0])
    return _RequestHead(method, target, version, _parse_header_lines([line for line in lines[1:] if line]))


def _take_line(buffer: bytearray, limit: int) -> bytes | None:
    """Remove and return the first line (with its line end), or None while it is incomplete."""
    end = buffer.find(b"\n")
    if end < 0:
        if len(buffer) > limit:
            raise _BadRequest(400, "line too long")
        return None
    line = bytes(buffer[: end + 1])
    del buffer[: end + 1]
    return line


def _head_end(buffer: bytearray) -> int:
    """The index just past the blank line that ends a request head, or -1 while it is incomplete."""
    crlf_end = buffer.find(b"\n\r\n")
    lf_end = buffer.find(b"\n\n", 0, crlf_end + 2 if crlf_end >= 0 else len(buffer))
    if lf_end >= 0:
        return lf_end + 2
    return crlf_end + 3 if crlf_end >= 0 else -1


class _ChunkedBody:
    """Reassembles a ``Transfer-Encoding: chunked`` body from bytes that arrive in any split."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._total = 0
        self._left_in_chunk = 0
        self._state = "size"  # size -> data -> data_end -> size ... -> trailers

    def take(self, buffer: bytearray) -> bytes | None:
        """Consume what ``buffer`` holds; the whole body once its last trailer line has arrived."""
        while True:
            if self._state == "data":
                if not self._take_data(buffer):
                    return None
                continue
            line = _take_line(buffer, MAX_CHUNK_LINE_BYTES)
            if line is None:
                return None
            if self._state == "size":
                self._start_chunk(line)
            elif self._state == "data_end":
                self._state = "size"
            elif not line.strip():  # the blank line after the (ignored) trailer fields
                return b"".join(self._chunks)

    def _start_chunk(self, line: bytes) -> None:
        try:
            size = int(line.split(b";")[0].strip() or b"0", 16)
        except ValueError as exc:
            raise _BadRequest(400, "bad chunk size") from exc
        if size < 0:
            raise _BadRequest(400, "bad chunk size")
        self._total += size
        if self._total > MAX_BODY_BYTES:
            raise _BadRequest(413, "request body too large")
        self._left_in_chunk = size
        self._state = "data" if size > 0 else "trailers"

    def _take_data(self, buffer: bytearray) -> bool:
        """Move chunk bytes out of ``buffer``; True once the current chunk is complete."""
        piece = bytes(buffer[: self._left_in_chunk])
        del buffer[: len(piece)]
        if piece:
            self._chunks.append(piece)
            self._left_in_chunk -= len(piece)
        if self._left_in_chunk > 0:
            return False
        self._state = "data_end"
        return True


class _RequestParser:
    """Cuts complete HTTP/1.x requests out of the bytes received so far."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.pending_head: _RequestHead | None = None  # parsed head whose body has not fully arrived
        self._chunked: _ChunkedBody | None = None

    def next_request(self) -> tuple[_RequestHead, bytes] | None:
        """The next complete request, None while more bytes are needed; ``_BadRequest`` if malformed."""
        if self.pending_head is None:
            self.pending_head = self._take_head()
            if self.pending_head is None:
                return None
            self._chunked = _ChunkedBody() if self.pending_head.is_chunked() else None
        body = self._take_body(self.pending_head)
        if body is None:
            return None
        head, self.pending_head, self._chunked = self.pending_head, None, None
        return head, body

    def _take_head(self) -> _RequestHead | None:
        self._skip_blank_lines()
        end = _head_end(self.buffer)
        if end > MAX_HEAD_BYTES or (end < 0 and len(self.buffer) > MAX_HEAD_BYTES):
            raise _BadRequest(431, "request head too large")
        if end < 0:
            return None
        head = bytes(self.buffer[:end])
        del self.buffer[:end]
        return _parse_head(head.rstrip(b"\r\n"))

    def _skip_blank_lines(self) -> None:
        """A client may send stray line ends between requests (RFC 9112, section 2.2)."""
        blank = len(self.buffer) - len(self.buffer.lstrip(b"\r\n"))
        if blank:
            del self.buffer[:blank]

    def _take_body(self, head: _RequestHead) -> bytes | None:
        if self._chunked is not None:
            return self._chunked.take(self.buffer)
        length = head.content_length()
        if len(self.buffer) < length:
            return None
        body = bytes(self.buffer[:length])
        del self.buffer[:length]
        return body


# -- responses -----------------------------------------------------------------------------------------------


class _DateHeader:
    """The ``Date`` value, formatted once per second rather than once per response."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def value(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second, self._value = second, email.utils.formatdate(second, usegmt=True)
        return self._value


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _encode_response(response: HttpResponse, date: str, *, include_body: bool, close: bool) -> bytes:
    # Header names in lower case, as Stream sends them (see ``pipeline.ratelimit``).
    lines = [f"HTTP/1.1 {response.status} {_reason_phrase(response.status)}", f"server: {SERVER_NAME}", f"date: {date}"]
    lines.extend(f"{name}: {value}" for name, value in response.wire_headers().items())
    if close:
        lines.append("connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1", "replace")
    return head + response.encoded_body() if include_body else head


def _error_response(status: int, detail: str) -> HttpResponse:
    code = INPUT_ERROR if status < 500 else INTERNAL_ERROR
    return HttpResponse(status, error_body(UNPARSED_REQUEST, ApiError(status, code, detail), "0.00ms"))


# -- serving -------------------------------------------------------------------------------------------------


class _HttpConnection(asyncio.Protocol):
    """One client connection: requests are answered one at a time, in order of arrival."""

    def __init__(self, server: _AsyncHttpServer) -> None:
        self._server = server
        self._parser = _RequestParser()
        self._transport: asyncio.Transport | None = None
        self._answering: asyncio.Task[None] | None = None  # a request waiting for its delay or the disk
        self._continue_sent = False
        self._write_paused = False
        self._read_paused = False
        self._peer_closed = False
        self._tls = False

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._tls = transport.get_extra_info("sslcontext") is not None  # called once the handshake is done
        self._server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self._parser.buffer += data
        if self._busy():
            if len(self._parser.buffer) > MAX_BUFFERED_AHEAD_BYTES and self._transport is not None:
                self._transport.pause_reading()
                self._read_paused = True
            return
        self._answer_buffered_requests()

    def eof_received(self) -> bool:
        self._peer_closed = True
        # True keeps the transport open to send the answer being prepared. TLS has no half-close:
        # asyncio closes a TLS connection after EOF whatever this returns (and warns if it is True).
        return self._busy() and not self._tls

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        if self._answering is not None:
            self._answering.cancel()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._answer_buffered_requests()

    # -- answering

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def cancel_answer(self) -> asyncio.Task[None] | None:
        """Cancel the answer in preparation, if any; returns its task to wait for."""
        task = self._answering
        if task is not None:
            task.cancel()
        return task

    def _busy(self) -> bool:
        return self._answering is not None or self._write_paused

    def _answer_buffered_requests(self) -> None:
        while not self._busy() and self._transport is not None and not self._transport.is_closing():
            try:
                request = self._parser.next_request()
            except _BadRequest as error:
                self._send(_error_response(error.status, error.detail), include_body=True, keep_alive=False)
                return
            if request is None:
                self._after_partial_request()
                return
            self._continue_sent = False
            self._answer(*request)

    def _after_partial_request(self) -> None:
        if self._peer_closed:
            self._close()
            return
        head = self._parser.pending_head
        if head is not None and head.expects_continue() and not self._continue_sent and self._transport is not None:
            self._transport.write(CONTINUE_RESPONSE)
            self._continue_sent = True

    def _answer(self, head: _RequestHead, body: bytes) -> None:
        """Answer at once when possible; a request that must wait (latency, disk) gets a task."""
        request = HttpRequest.build(head.method, head.target, head.headers, body)
        if self._server.emulator.dispatch_may_block(request):
            self._answer_later(self._dispatch_in_thread_then_deliver(head, request))
            return
        outcome = self._server.dispatch(request)
        if outcome.delay_seconds > 0:
            self._answer_later(self._deliver_after_delay(head, outcome))
        else:
            self._deliver(head, outcome)

    def _answer_later(self, answer: Coroutine[None, None, None]) -> None:
        self._answering = asyncio.get_running_loop().create_task(answer)

    async def _dispatch_in_thread_then_deliver(self, head: _RequestHead, request: HttpRequest) -> None:
        outcome = await self._server.dispatch_in_thread(request)
        await self._deliver_after_delay(head, outcome)

    async def _deliver_after_delay(self, head: _RequestHead, outcome: Outcome) -> None:
        if outcome.delay_seconds > 0:
            await asyncio.sleep(outcome.delay_seconds)
        self._answering = None
        self._deliver(head, outcome)
        self._resume_reading()
        self._answer_buffered_requests()

    def _deliver(self, head: _RequestHead, outcome: Outcome) -> None:
        if outcome.drop is not None or outcome.response is None:
            self.abort()  # the fault being emulated: the connection ends without a response
            return
        keep_alive = head.wants_keep_alive()
        self._send(outcome.response, include_body=head.method.upper() != "HEAD", keep_alive=keep_alive)

    def _send(self, response: HttpResponse, *, include_body: bool, keep_alive: bool) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        date = self._server.date.value()
        self._transport.write(_encode_response(response, date, include_body=include_body, close=not keep_alive))
        if not keep_alive:
            self._close()

    def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()  # sends what is buffered first

    def _resume_reading(self) -> None:
        if self._read_paused and self._transport is not None:
            self._read_paused = False
            self._transport.resume_reading()


class _AsyncHttpServer:
    """Serves the emulator on one event loop; only ``start`` and ``close`` are called from outside it."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.date = _DateHeader()
        self.connections: set[_HttpConnection] = set()
        self._server: asyncio.Server | None = None

    async def start(self, listener: socket.socket, ssl_context: ssl.SSLContext | None) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _HttpConnection(self), sock=listener, backlog=LISTEN_BACKLOG, ssl=ssl_context
        )

    async def close(self) -> None:
        """Stop listening and cut every open connection, including any still in its TLS handshake."""
        if self._server is not None:
            self._server.close()
        connections = list(self.connections)
        answers = [task for connection in connections if (task := connection.cancel_answer()) is not None]
        for connection in connections:
            connection.abort()
        # The loop is this server's own: its other tasks are the answers cancelled above and asyncio
        # accepting connections - with TLS, one per handshake in progress, whose connection is not in
        # ``connections`` yet. Cancelling an accepting task closes its socket.
        accepting = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in accepting:
            task.cancel()
        await asyncio.gather(*answers, *accepting, return_exceptions=True)
        await asyncio.sleep(0)  # let the aborted transports report connection_lost
        if self._server is not None:
            await self._server.wait_closed()

    def dispatch(self, request: HttpRequest) -> Outcome:
        try:
            return self.emulator.dispatch(request)
        except Exception as exc:  # a bug in the emulator must still produce a well-formed answer
            return Outcome(_error_response(500, f"internal error: {exc!r}"))

    def dispatch_in_thread(self, request: HttpRequest) -> asyncio.Future[Outcome]:
        """For a write persisted to the state file, which waits for the disk: keep that off the loop."""
        return asyncio.get_running_loop().run_in_executor(None, self.dispatch, request)


def _listening_socket(host: str, port: int) -> socket.socket:
    """Bound to exactly ``host`` (one address family, as http.server did), listening with a large backlog."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Accepted sockets inherit the explicit IPPROTO_TCP, and asyncio sets TCP_NODELAY only on sockets
    # that name it; without TCP_NODELAY, Nagle + delayed ACK can hold a response back ~40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


@dataclass
class ServerHandle:
    """A running server: ``url`` is its base URL (``http://host:port``, or ``https://`` with TLS);
    ``stop()`` ends it."""

    url: str
    host: str
    port: int
    _server: _AsyncHttpServer
    _loop: asyncio.AbstractEventLoop
    _thread: threading.Thread

    def stop(self) -> None:
        """Close the listener and every connection, then end the serving thread. Safe to call twice."""
        if not self._thread.is_alive():
            return
        closing = asyncio.run_coroutine_threadsafe(self._server.close(), self._loop)
        with contextlib.suppress(concurrent.futures.TimeoutError):
            closing.result(timeout=STOP_TIMEOUT_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=STOP_TIMEOUT_SECONDS)


def _check_server_context(ssl_context: ssl.SSLContext) -> None:
    """Refuse a client-side context now rather than on every connection's handshake."""
    if not isinstance(ssl_context, ssl.SSLContext):
        raise TypeError(f"ssl_context must be an ssl.SSLContext, not {type(ssl_context).__name__}")
    if ssl_context.protocol == ssl.PROTOCOL_TLS_CLIENT:
        raise ValueError(
            "ssl_context is a client-side context; a server needs ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)"
            " with load_cert_chain(...)"
        )


def serve_in_thread(
    emulator: Emulator, host: str = DEFAULT_HOST, port: int = 0, ssl_context: ssl.SSLContext | None = None
) -> ServerHandle:
    """Serve ``emulator`` over HTTP/1.1 on ``host:port`` (0 = a free port) from a background thread.

    With ``ssl_context`` (a server-side context holding the certificate and key, e.g.
    ``ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)`` then ``load_cert_chain``) every
    connection is TLS and ``handle.url`` starts with ``https://``; otherwise it is plain HTTP and
    ``http://``. Returns once the socket is listening; raises ``OSError`` if it cannot bind, and
    ``ValueError`` (``TypeError``) for a client-side context (something not an ``ssl.SSLContext``).
    Call ``handle.stop()`` to end it.
    """
    if ssl_context is not None:
        _check_server_context(ssl_context)
    listener = _listening_socket(host, port)
    bound_host, bound_port = str(listener.getsockname()[0]), int(listener.getsockname()[1])
    server = _AsyncHttpServer(emulator)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=_run_loop, args=(loop,), name=f"stream-emulator-{bound_port}", daemon=True)
    thread.start()
    url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    scheme = "http" if ssl_context is None else "https"
    handle = ServerHandle(f"{scheme}://{url_host}:{bound_port}", bound_host, bound_port, server, loop, thread)
    try:
        starting = asyncio.run_coroutine_threadsafe(server.start(listener, ssl_context), loop)
        starting.result(timeout=STOP_TIMEOUT_SECONDS)
    except BaseException:
        handle.stop()
        listener.close()
        raise
    return handle
