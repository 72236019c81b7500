"""Deterministic fault injection and stale-read choices.

Every decision is a pure function of (seed, app key, method, path, n) where n counts the requests
to that (app, method, path); so the same seed gives the same sequence whatever the thread interleaving.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["error_500", "rate_limit_429", "drop_before", "drop_after"]
FAULT_KINDS: tuple[FaultKind, ...] = ("error_500", "rate_limit_429", "drop_before", "drop_after")


@dataclass(frozen=True)
class RequestDraw:
    """Three independent uniform numbers in [0, 1) for one request."""

    fault: float
    fault_kind: float
    staleness: float


def draw(seed: int, api_key: str, method: str, path: str, counter: int) -> RequestDraw:
    material = f"{seed}\x1f{api_key}\x1f{method}\x1f{path}\x1f{counter}".encode()
    digest = hashlib.sha256(material).digest()

    def unit(offset: int) -> float:
        return int.from_bytes(digest[offset : offset + 8], "big") / 2**64

    return RequestDraw(unit(0), unit(8), unit(16))


def choose_fault(fault_rate: float, request_draw: RequestDraw) -> FaultKind | None:
    if fault_rate <= 0 or request_draw.fault >= fault_rate:
        return None
    return FAULT_KINDS[min(int(request_draw.fault_kind * len(FAULT_KINDS)), len(FAULT_KINDS) - 1)]


def staleness_seconds(stale_read_ms: int, request_draw: RequestDraw) -> float:
    """How far back in time a GET may look (0 .. stale_read_ms)."""
    return request_draw.staleness * stale_read_ms / 1000.0


@dataclass
class RequestCounters:
    """Per (app, method, path) request numbers, starting at 1."""

    counts: defaultdict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))

    def next(self, api_key: str, method: str, path: str) -> int:
        key = (api_key, method, path)
        self.counts[key] += 1
        return self.counts[key]
