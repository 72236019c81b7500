"""In-process httpx transports (sync and async) in front of the emulator."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx

from .wire import HttpRequest, Outcome

if TYPE_CHECKING:
    from .emulator import Emulator

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
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        outcome = self.emulator.dispatch(_to_wire_request(request, request.read()))
        if outcome.delay_seconds > 0:
            time.sleep(outcome.delay_seconds)
        return _to_httpx_response(outcome, request)


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outcome = self.emulator.dispatch(_to_wire_request(request, await request.aread()))
        if outcome.delay_seconds > 0:
            await asyncio.sleep(outcome.delay_seconds)
        return _to_httpx_response(outcome, request)
