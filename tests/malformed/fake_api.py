"""A misbehaving Stream API on a loopback socket, for the CLI to talk to over real HTTP.

`FakeApi(script)` serves on 127.0.0.1 (a free port). Each request is first offered to `script(method,
path, query)` (the path without `/api/v2`); when it returns a `Reply`, that is the answer (garbage,
wrong JSON types, an endless cursor, a hang, a body sent a byte at a time), and otherwise the request
goes to an in-process emulator, so every call the script leaves alone answers as Stream would."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from stream_emulator import Emulator, EmulatorOptions

KEY = "fake-key"
SECRET = "fake-secret-0123456789"
PREFIX = "/api/v2"


@dataclass
class Reply:
    """An answer: `body` as is when bytes or text, else as JSON. `hang` never answers; `trickle`
    sends the body one byte every `trickle` seconds."""

    body: Any = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    hang: bool = False
    trickle: float = 0.0

    def content(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


Script = Callable[[str, str, dict[str, str]], "Reply | None"]


class FakeApi:
    def __init__(self, script: Script, emulator: Emulator | None = None) -> None:
        self.script = script
        self.emulator = emulator or Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
        self.forward = httpx.Client(transport=self.emulator.transport(), base_url="http://emulator")
        self.released = threading.Event()
        self.requests: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

            def answer(self) -> None:
                parts = urlsplit(self.path)
                path = parts.path.removeprefix(PREFIX)
                query = dict(parse_qsl(parts.query))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append((self.command, path))
                reply = fake.script(self.command, path, query)
                if reply is None:
                    reply = fake.forwarded(self.command, self.path, dict(self.headers), body)
                if reply.hang:
                    fake.released.wait(60)
                    return
                content = reply.content()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if reply.trickle:
                    for index in range(len(content)):
                        if fake.released.is_set():
                            return
                        self.wfile.write(content[index:index + 1])
                        self.wfile.flush()
                        time.sleep(reply.trickle)
                else:
                    self.wfile.write(content)

            def answer_quietly(self) -> None:
                with contextlib.suppress(OSError, RuntimeError):  # the client hung up, or the test is over
                    self.answer()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer_quietly  # noqa: N815 - http.server's names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def forwarded(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        headers = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length", "connection")}
        response = self.forward.request(method, target, headers=headers, content=body)
        kept = {k: v for k, v in response.headers.items()
                if k.lower() not in ("content-length", "connection", "transfer-encoding", "content-encoding")}
        return Reply(body=response.content, status=response.status_code, headers=kept)

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
        self.forward.close()

    def __enter__(self) -> FakeApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
