"""In-process httpx transports (sync and async) in front of the emulator: no socket, no TLS, no thread."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx

from ..pipeline.wire import HttpRequest, Outcome

if TYPE_CHECKING:
    from ..emulator import Emulator

DROPPED = "Server disconnected without sending a response."


def _to_wire_request(request: httpx.Request, body: bytes) -> HttpRequest:
    target = request.url.raw_path.decode("ascii")
    return HttpRequest.build(request.method, target, dict(request.headers), body)


def _to_httpx_response(outcome: Outcome, request: httpx.Request) -> httpx.Response:
    if outcome.drop is not None or outcome.response is None:
        raise httpx.RemoteProtocolError(DROPPED, request=request)
    response = outcome.response
    return httpx.Response(
        response.status, headers=response.wire_headers(), content=response.encoded_body(), request=request
    )


class EmulatorTransport(httpx.BaseTransport):
    """``httpx.Client(transport=EmulatorTransport(emulator), base_url="http://any.host")``: each request
    is answered by ``emulator.dispatch`` in the calling thread. The URL's scheme and host are ignored."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The emulator's answer, after sleeping the configured latency; an injected dropped
        connection raises ``httpx.RemoteProtocolError`` as a real one would."""
        outcome = self.emulator.dispatch(_to_wire_request(request, request.read()))
        if outcome.delay_seconds > 0:
            time.sleep(outcome.delay_seconds)
        return _to_httpx_response(outcome, request)


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    """The async twin of ``EmulatorTransport`` for ``httpx.AsyncClient``; the latency is an ``asyncio.sleep``.

    ``dispatch`` runs on the event loop: fine without a state file; with one, a write waits for the disk.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The emulator's answer; an injected dropped connection raises ``httpx.RemoteProtocolError``."""
        outcome = self.emulator.dispatch(_to_wire_request(request, await request.aread()))
        if outcome.delay_seconds > 0:
            await asyncio.sleep(outcome.delay_seconds)
        return _to_httpx_response(outcome, request)
