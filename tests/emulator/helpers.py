"""Shared helpers of the emulator tests."""

from __future__ import annotations

import re
import warnings
from typing import Any

import httpx
import jwt

KEY, SECRET = "test-key", "test-secret-0123456789-0123456789"
OTHER_KEY, OTHER_SECRET = "other-key", "other-secret-0123456789-0123456789"
START_TIME = 1_750_000_000.0
DURATION = re.compile(r"^\d+\.\d{2}ms$")
MORE_INFO = "https://getstream.io/chat/docs/api_errors_response"


def server_token(secret: str = SECRET, **claims: Any) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns about short secrets such as the demo app's
        return jwt.encode(claims, secret, algorithm="HS256")


class Api:
    """A thin client: ``api.get("/app")`` calls ``/api/v2/app`` with the app's key and a server token."""

    def __init__(self, client: httpx.Client, key: str, secret: str) -> None:
        self.client = client
        self.key = key
        self.token = server_token(secret)

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
        token: str | None = None, key: str | None = None, content: bytes | None = None,
    ) -> httpx.Response:
        query = {"api_key": self.key if key is None else key, **(params or {})}
        headers = {"Authorization": self.token if token is None else token, "Stream-Auth-Type": "jwt"}
        if token == "":
            headers.pop("Authorization")
        return self.client.request(
            method, "/api/v2" + path, params=query, json=json, headers=headers, content=content
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


def assert_error(response: httpx.Response, status: int, code: int, operation: str, detail: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "StatusCode", "duration", "more_info", "details"}
    assert body["code"] == code
    assert body["StatusCode"] == status
    assert body["more_info"] == MORE_INFO
    assert body["details"] == []
    assert DURATION.match(body["duration"])
    assert body["message"].startswith(f'{operation} failed with error: "') and body["message"].endswith('"')
    if detail is not None:
        assert detail in body["message"], body["message"]


def assert_ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert DURATION.match(body["duration"])
    return body


def channel_type_body(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "automod": "disabled", "automod_behavior": "flag", "max_message_length": 5000, **fields}


REQUIRED_UPDATE = {"automod": "disabled", "automod_behavior": "flag", "max_message_length": 5000}
