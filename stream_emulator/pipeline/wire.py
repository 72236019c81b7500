"""Transport-neutral request/response values exchanged between the adapters and the core."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

DropMode = Literal["before", "after"]


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request as the core sees it. ``raw_path`` is still percent-encoded."""

    method: str
    raw_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> HttpRequest:
        """Build from a request target such as ``/api/v2/app?api_key=k``."""
        parts = urlsplit(target)
        return cls(
            method=method.upper(),
            raw_path=parts.path or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in headers.items()},
            body=body,
        )

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def path_segments(self) -> list[str]:
        """Decoded path segments; an encoded ``/`` inside a segment stays inside it."""
        return [unquote(segment) for segment in self.raw_path.split("/")[1:]]


def encode_json(value: Any) -> bytes:
    """The compact JSON of every response body."""
    return json.dumps(value, separators=(",", ":")).encode()


def encode_with_appended_fields(encoded_object: bytes, fields: dict[str, Any]) -> bytes:
    """``encode_json({**obj, **fields})`` from ``encoded_object == encode_json(obj)``, without encoding
    ``obj`` again; only valid when no key of ``fields`` is in ``obj``."""
    if not fields:
        return encoded_object
    members = b",".join(encode_json(name) + b":" + encode_json(value) for name, value in fields.items())
    separator = b"" if encoded_object == b"{}" else b","
    return encoded_object[:-1] + separator + members + b"}"


@dataclass
class HttpResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def pre_encoded(cls, status: int, body: dict[str, Any], encoded: bytes, headers: dict[str, str]) -> HttpResponse:
        """A response whose caller already holds ``encode_json(body)``."""
        response = cls(status, body, headers)
        response.__dict__["_encoded"] = encoded
        return response

    def encoded_body(self) -> bytes:
        """Encoded once and kept: headers need the length, and a blocklist list can be megabytes."""
        cached: bytes | None = self.__dict__.get("_encoded")
        if cached is None:
            cached = encode_json(self.body)
            self.__dict__["_encoded"] = cached
        return cached

    def wire_headers(self) -> dict[str, str]:
        """The headers to send, names in lower case as Stream sends them (see ``ratelimit``)."""
        content = self.encoded_body()
        return {
            **{name.lower(): value for name, value in self.headers.items()},
            "content-type": "application/json",
            "content-length": str(len(content)),
        }


@dataclass
class Outcome:
    """What an adapter must do: wait ``delay_seconds``, then send ``response`` or drop the connection."""

    response: HttpResponse | None
    delay_seconds: float = 0.0
    drop: DropMode | None = None
