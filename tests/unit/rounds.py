"""Requests in rounds, without timing: a gate holds every request until the work that made it can
make no other (it waits for answers), then lets all it holds through at once. So the requests of a
read fall into rounds: those made before any answer, those made once the first answers arrived,
and so on. Used inside an API fake or an HTTP transport, under any caller (the real CLI too)."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")

QUIET = 100
"""How many turns of the event loop without a new request mean the work waits for answers."""


class Gate(Generic[T]):
    """Holds each request that passes; `rounds` lists the requests let through together."""

    def __init__(self) -> None:
        self.held: list[tuple[T, asyncio.Future[None]]] = []
        self.rounds: list[list[T]] = []
        self._keeper: asyncio.Task[None] | None = None

    async def passage(self, request: T) -> None:
        """Returns once the round `request` belongs to is let through."""
        opened = asyncio.get_running_loop().create_future()
        self.held.append((request, opened))
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.ensure_future(self._keep())
        await opened

    async def _keep(self) -> None:
        """Let through what is held each time no new request came for QUIET turns of the loop."""
        while self.held:
            quiet, seen = 0, len(self.held)
            while quiet < QUIET:
                await asyncio.sleep(0)
                quiet, seen = (quiet + 1, seen) if len(self.held) == seen else (0, len(self.held))
            held, self.held = self.held, []
            self.rounds.append([request for request, _ in held])
            for _, opened in held:
                if not opened.done():  # not given up (a read that failed already)
                    opened.set_result(None)
            await asyncio.sleep(0)
