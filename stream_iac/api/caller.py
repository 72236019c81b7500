"""The one interface the rest of the code needs from the API client (tests substitute it)."""

from __future__ import annotations

from typing import Any, Protocol


class ApiCaller(Protocol):
    async def call(
        self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> dict[str, Any]:
        """Send one API operation; the parsed JSON object of the response."""
        ...
