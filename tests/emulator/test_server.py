"""The loopback HTTP/1.1 server: framing, keep-alive, malformed input, faults and latency, over raw sockets."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from stream_emulator import Emulator, ServerHandle, serve_in_thread
from stream_emulator.adapters.server import MAX_BODY_BYTES
from stream_emulator.pipeline.wire import HttpRequest

from .helpers import KEY, SECRET, server_token

pytestmark = pytest.mark.socket

SOCKET_TIMEOUT_SECONDS = 10.0
TOKEN = server_token(SECRET)


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RawConnection:
    """One TCP connection; sends bytes exactly as given and reads responses one at a time."""

    def __init__(self, handle: ServerHandle) -> None:
        self.sock = socket.create_connection((handle.host, handle.port), timeout=SOCKET_TIMEOUT_SECONDS)
        self._buffer = b""
        self.last_header_names: list[str] = []  # as sent, of the last response read

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self._buffer += data
        return bool(data)

    def read_response(self, *, head_only: bool = False) -> RawResponse:
        while b"\r\n\r\n" not in self._buffer:
            if not self._fill():
                raise ConnectionError(f"closed before a full response head: {self._buffer!r}")
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("iso-8859-1").split("\r\n")
        self.last_header_names = [line.split(":", 1)[0] for line in header_lines]
        headers = {name.strip().lower(): value.strip() for name, value in (h.split(":", 1) for h in header_lines)}
        length = 0 if head_only else int(headers.get("content-length", "0"))
        while len(self._buffer) < length:
            if not self._fill():
                raise ConnectionError("closed before the full body")
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        return RawResponse(int(status_line.split()[1]), headers, body)

    def is_closed_by_server(self) -> bool:
        """True when the server closed (or reset) the connection and nothing more is pending."""
        try:
            return not self._buffer and self.sock.recv(65536) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


def get_request(path: str = "/app", *, key: str = KEY, extra: str = "", method: str = "GET") -> bytes:
    return (
        f"{method} /api/v2{path}?api_key={key} HTTP/1.1\r\nHost: emulator\r\nAuthorization: {TOKEN}\r\n{extra}\r\n"
    ).encode()


def post_request(path: str, body: bytes, *, framing: str) -> bytes:
    return (
        f"POST /api/v2{path}?api_key={KEY} HTTP/1.1\r\nHost: emulator\r\nAuthorization: {TOKEN}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n"
    ).encode() + body


def chunked(body: bytes, size: int) -> bytes:
    pieces = [body[start : start + size] for start in range(0, len(body), size)]
    return b"".join(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for piece in pieces) + b"0\r\n\r\n"


@pytest.fixture
def serve() -> Iterator[Callable[[Emulator], ServerHandle]]:
    handles: list[ServerHandle] = []

    def start(emulator: Emulator, host: str = "127.0.0.1") -> ServerHandle:
        handle = serve_in_thread(emulator, host=host)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def handle(emulator: Emulator, serve: Callable[[Emulator], ServerHandle]) -> ServerHandle:
    return serve(emulator)


@pytest.fixture
def connect(handle: ServerHandle) -> Iterator[Callable[[], RawConnection]]:
    connections: list[RawConnection] = []

    def make() -> RawConnection:
        connection = RawConnection(handle)
        connections.append(connection)
        return connection

    yield make
    for connection in connections:
        connection.close()


# -- framing and keep-alive ------------------------------------------------------------------------------------


def test_several_requests_share_one_connection(connect: Callable[[], RawConnection]) -> None:
    connection = connect()
    for path in ("/app", "/roles", "/chat/commands"):
        connection.send(get_request(path))
        response = connection.read_response()
        assert response.status == 200
        assert response.headers["content-type"] == "application/json"
        assert "connection" not in response.headers
        assert int(response.headers["content-length"]) == len(response.body)
        assert "duration" in response.json()


def test_pipelined_requests_are_answered_in_order(connect: Callable[[], RawConnection]) -> None:
    connection = connect()
    connection.send(get_request("/roles") + get_request("/nope") + get_request("/app"))
    assert [connection.read_response().status for _ in range(3)] == [200, 404, 200]


def test_connection_close_is_honoured(connect: Callable[[], RawConnection]) -> None:
    connection = connect()
    connection.send(get_request("/app", extra="Connection: close\r\n"))
    response = connection.read_response()
    assert response.status == 200
    assert response.headers["connection"] == "close"
    assert connection.is_closed_by_server()


def test_http_1_0_closes_unless_keep_alive_is_asked_for(connect: Callable[[], RawConnection]) -> None:
    kept = connect()
    kept.send(get_request("/app", extra="Connection: keep-alive\r\n").replace(b"HTTP/1.1", b"HTTP/1.0", 1))
    assert kept.read_response().status == 200
    kept.send(get_request("/app"))
    assert kept.read_response().status == 200
    closed = connect()
    closed.send(get_request("/app").replace(b"HTTP/1.1", b"HTTP/1.0", 1))
    assert closed.read_response().status == 200
    assert closed.is_closed_by_server()


def test_server_side_sockets_disable_nagle(handle: ServerHandle, connect: Callable[[], RawConnection]) -> None:
    connection = connect()
    connection.send(get_request("/app"))
    assert connection.read_response().status == 200
    server_sockets = [c._transport.get_extra_info("socket") for c in handle._server.connections]  # type: ignore[union-attr]
    assert server_sockets
    assert all(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for sock in server_sockets)


def test_a_client_that_stops_sending_still_gets_its_delayed_answers(
    make_emulator: Callable[..., Emulator], serve: Callable[[Emulator], ServerHandle]
) -> None:
    connection = RawConnection(serve(make_emulator(latency_ms=100)))
    try:
        connection.send(get_request("/app") + get_request("/roles"))
        connection.sock.shutdown(socket.SHUT_WR)
        assert [connection.read_response().status for _ in range(2)] == [200, 200]
        assert connection.is_closed_by_server()
    finally:
        connection.close()


def test_a_request_arriving_byte_by_byte_is_answered(connect: Callable[[], RawConnection]) -> None:
    connection = connect()
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for byte in get_request("/app"):
        connection.send(bytes([byte]))
    assert connection.read_response().status == 200


def test_bare_lf_line_ends_are_accepted(connect: Callable[[], RawConnection]) -> None:
    connection = connect()
    connection.send(get_request("/app").replace(b"\r\n", b"\n"))
    assert connection.read_response().status == 200


def test_header_names_are_sent_in_lower_case_as_stream_sends_them(connect: Callable[[], RawConnection]) -> None:
    """Stream answers over HTTP/2, where header names are lower case; the classic Python SDK looks
    ``x-ratelimit-limit`` up in a plain dict of them."""
    connection = connect()
    connection.send(get_request("/app", extra="Connection: close\r\n"))
    assert connection.read_response().status == 200
    names = connection.last_header_names
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "content-type", "content-length",
            "connection"} <= set(names)
    assert names == [name.lower() for name in names]


def test_head_sends_the_headers_without_the_body(connect: Callable[[], RawConnection]) -> None:
    connection = connect()
    connection.send(get_request("/app"))
    full = connection.read_response()
    connection.send(get_request("/app", method="HEAD"))
    head = connection.read_response(head_only=True)
    assert head.headers["content-type"] == "application/json"
    assert int(head.headers["content-length"]) > 0
    # Nothing follows the head: the next response on the connection starts right after it.
    connection.send(get_request("/roles"))
    assert connection.read_response().status == 200
    assert full.status == 200


def test_any_method_reaches_the_emulator(connect: Callable[[], RawConnection]) -> None:
    connection = connect()
    connection.send(get_request("/app", method="PURGE"))
    response = connection.read_response()
    assert response.status == 405
    assert response.json()["StatusCode"] == 405


def test_a_content_length_body_is_read(emulator: Emulator, connect: Callable[[], RawConnection]) -> None:
    body = json.dumps({"name": "by-length", "description": "d"}).encode()
    connection = connect()
    connection.send(post_request("/chat/commands", body, framing=f"Content-Length: {len(body)}\r\n"))
    assert connection.read_response().status == 201
    assert "by-length" in {command["name"] for command in emulator.snapshot(KEY)["commands"]}


@pytest.mark.parametrize("piece_size", [1, 7, 4096])
def test_a_chunked_body_is_reassembled(
    emulator: Emulator, connect: Callable[[], RawConnection], piece_size: int
) -> None:
    body = json.dumps({"name": f"chunked-{piece_size}", "description": "d" * 200}).encode()
    connection = connect()
    connection.send(post_request("/chat/commands", chunked(body, piece_size), framing="Transfer-Encoding: chunked\r\n"))
    assert connection.read_response().status == 201
    connection.send(get_request("/app"))  # the connection is still in step after the chunked body
    assert connection.read_response().status == 200
    assert f"chunked-{piece_size}" in {command["name"] for command in emulator.snapshot(KEY)["commands"]}


def test_httpx_streamed_uploads_use_chunked_encoding(emulator: Emulator, handle: ServerHandle) -> None:
    body = json.dumps({"name": "streamed", "description": "d"}).encode()
    with httpx.Client(base_url=handle.url) as client:
        response = client.post(
            "/api/v2/chat/commands", params={"api_key": KEY}, headers={"Authorization": TOKEN},
            content=iter([body[:10], body[10:]]),
        )
    assert response.status_code == 201
    assert response.request.headers["transfer-encoding"] == "chunked"


def test_expect_100_continue_gets_an_interim_response(connect: Callable[[], RawConnection]) -> None:
    body = json.dumps({"name": "continued", "description": "d"}).encode()
    connection = connect()
    head = post_request("/chat/commands", b"", framing=f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n")
    connection.send(head)
    assert connection.read_response(head_only=True).status == 100
    connection.send(body)
    assert connection.read_response().status == 201


# -- malformed requests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET /api/v2/app HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET /api/v2/app FTP/1.1\r\n\r\n", 400),
        (b"GET /api/v2/app HTTP/one\r\n\r\n", 400),
        (b"GET /api/v2/app HTTP/2.0\r\n\r\n", 505),
        (b"GET /api/v2/app HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"GET /api/v2/app HTTP/1.1\r\n folded-first: x\r\n\r\n", 400),
        (b"POST /api/v2/app HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400),
        (b"POST /api/v2/app HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST /api/v2/app HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (f"POST /api/v2/app HTTP/1.1\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode(), 413),
        (b"GET /api/v2/app HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431),
    ],
)
def test_malformed_requests_get_an_error_and_the_connection_closes(
    connect: Callable[[], RawConnection], raw: bytes, status: int
) -> None:
    connection = connect()
    connection.send(raw)
    response = connection.read_response()
    assert response.status == status
    assert response.json()["StatusCode"] == status
    assert response.headers["connection"] == "close"
    assert connection.is_closed_by_server()


def test_the_server_keeps_serving_after_malformed_requests(connect: Callable[[], RawConnection]) -> None:
    bad = connect()
    bad.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")  # e.g. a TLS hello sent to plain HTTP
    assert bad.read_response().status == 400
    good = connect()
    good.send(get_request("/app"))
    assert good.read_response().status == 200


def test_a_client_that_leaves_mid_request_does_not_disturb_others(connect: Callable[[], RawConnection]) -> None:
    leaving = connect()
    leaving.send(b"POST /api/v2/chat/commands HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"name\"")
    leaving.close()
    staying = connect()
    staying.send(get_request("/app"))
    assert staying.read_response().status == 200


# -- faults, latency and persistence ---------------------------------------------------------------------------


def predicted_outcomes(make_emulator: Callable[..., Emulator], count: int, **options: Any) -> list[str]:
    twin = make_emulator(**options)
    outcomes = []
    for _ in range(count):
        outcome = twin.dispatch(HttpRequest.build("GET", f"/api/v2/app?api_key={KEY}", {"Authorization": TOKEN}))
        outcomes.append("drop" if outcome.drop or outcome.response is None else str(outcome.response.status))
    return outcomes


def test_a_dropped_request_closes_the_connection_without_a_response(
    make_emulator: Callable[..., Emulator], serve: Callable[[Emulator], ServerHandle]
) -> None:
    options = {"fault_rate": 1.0, "seed": 5}
    expected = predicted_outcomes(make_emulator, 20, **options)
    assert "drop" in expected and set(expected) - {"drop"}
    handle = serve(make_emulator(**options))
    seen = []
    for _ in expected:
        connection = RawConnection(handle)
        connection.send(get_request("/app"))
        try:
            seen.append(str(connection.read_response().status))
        except ConnectionError:
            seen.append("drop")
        finally:
            connection.close()
    assert seen == expected


def test_delayed_responses_do_not_wait_for_each_other(
    make_emulator: Callable[..., Emulator], serve: Callable[[Emulator], ServerHandle]
) -> None:
    handle = serve(make_emulator(latency_ms=300))
    statuses: list[int] = []

    def fetch() -> None:
        connection = RawConnection(handle)
        try:
            connection.send(get_request("/app"))
            statuses.append(connection.read_response().status)
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(20)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - started
    assert statuses == [200] * 20
    assert elapsed < 3.0, f"20 requests delayed 0.3 s each took {elapsed:.1f} s: they were served one by one"


def test_writes_persisted_to_a_state_file_work_over_the_socket(
    make_emulator: Callable[..., Emulator], serve: Callable[[Emulator], ServerHandle], tmp_path: Path
) -> None:
    state_file = tmp_path / "state.json"
    handle = serve(make_emulator(state_file=state_file))
    connection = RawConnection(handle)
    try:
        for index in range(3):
            body = json.dumps({"name": f"saved{index}", "description": "d"}).encode()
            connection.send(post_request("/chat/commands", body, framing=f"Content-Length: {len(body)}\r\n"))
            assert connection.read_response().status == 201
            connection.send(get_request("/chat/commands"))
            assert connection.read_response().status == 200
    finally:
        connection.close()
    saved = json.loads(state_file.read_text())["apps"][KEY]["commands"]
    assert {"saved0", "saved1", "saved2"} <= set(saved)


# -- lifecycle ---------------------------------------------------------------------------------------------------


def test_stop_closes_the_listener_and_open_connections(emulator: Emulator) -> None:
    handle = serve_in_thread(emulator)
    connection = RawConnection(handle)
    connection.send(get_request("/app"))
    assert connection.read_response().status == 200
    handle.stop()
    try:
        assert connection.is_closed_by_server()
        assert not handle._thread.is_alive()
        with pytest.raises(OSError):
            socket.create_connection((handle.host, handle.port), timeout=SOCKET_TIMEOUT_SECONDS).close()
    finally:
        connection.close()
    handle.stop()  # a second stop is harmless


def test_stop_cuts_a_response_still_waiting_for_its_latency(make_emulator: Callable[..., Emulator]) -> None:
    handle = serve_in_thread(make_emulator(latency_ms=60_000))
    connection = RawConnection(handle)
    try:
        connection.send(get_request("/app"))
        time.sleep(0.1)  # the request is now waiting for its latency
        handle.stop()
        assert not handle._thread.is_alive()
        assert connection.is_closed_by_server()
    finally:
        connection.close()


def test_ipv6_loopback(emulator: Emulator, serve: Callable[..., ServerHandle]) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 support")
    try:
        handle = serve(emulator, host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback address")
    assert handle.url == f"http://[::1]:{handle.port}"
    with httpx.Client(base_url=handle.url) as client:
        response = client.get("/api/v2/app", params={"api_key": KEY}, headers={"Authorization": TOKEN})
    assert response.status_code == 200


def test_the_port_of_a_running_server_is_refused(emulator: Emulator, handle: ServerHandle) -> None:
    with pytest.raises(OSError):
        serve_in_thread(emulator, port=handle.port)
