"""A real loopback HTTP/1.1 server (standard library) in front of the emulator."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from .wire import HttpRequest

if TYPE_CHECKING:
    from .emulator import Emulator

DEFAULT_HOST = "127.0.0.1"
MAX_BODY_BYTES = 64 * 1024 * 1024
SHUTDOWN_POLL_SECONDS = 0.01  # how quickly stop() is noticed by the serving loop


class _EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops connections when many clients connect at once
    # (one plan reads 8 lists concurrently; 20 stacks make 160 connections), and a dropped SYN
    # costs the client a 1 s retransmit.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _EmulatorHTTPServer
    server_version = "stream-emulator"

    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes; without this, Nagle + delayed ACK add ~40 ms per response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
        return None

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _handle(self) -> None:
        body = self._read_body()
        request = HttpRequest.build(self.command, self.path, dict(self.headers.items()), body)
        outcome = self.server.emulator.dispatch(request)
        if outcome.delay_seconds > 0:
            time.sleep(outcome.delay_seconds)
        if outcome.drop is not None or outcome.response is None:
            self._drop_connection()
            return
        response = outcome.response
        self.send_response(response.status)
        for name, value in response.wire_headers().items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.encoded_body())

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


@dataclass
class ServerHandle:
    url: str
    host: str
    port: int
    _server: _EmulatorHTTPServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_in_thread(emulator: Emulator, host: str = DEFAULT_HOST, port: int = 0) -> ServerHandle:
    """Start serving on ``host:port`` (0 = a free port) in a background thread."""
    server = _EmulatorHTTPServer((host, port), emulator)
    address = server.server_address
    bound_host = address[0].decode() if isinstance(address[0], bytes) else str(address[0])
    bound_port = int(address[1])
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, daemon=True
    )
    thread.name = f"stream-emulator-{bound_port}"
    thread.start()
    url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    return ServerHandle(f"http://{url_host}:{bound_port}", bound_host, bound_port, server, thread)
