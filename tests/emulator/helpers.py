"""Shared helpers of the emulator tests."""

from __future__ import annotations

import os
import re
import selectors
import signal
import ssl
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import httpx
import jwt

KEY, SECRET = "test-key", "test-secret-0123456789-0123456789"
OTHER_KEY, OTHER_SECRET = "other-key", "other-secret-0123456789-0123456789"
START_TIME = 1_750_000_000.0
DURATION = re.compile(r"^\d+\.\d{2}ms$")
MORE_INFO = "https://getstream.io/chat/docs/api_errors_response"
REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING = "stream-iac emulator listening on "


def server_token(secret: str = SECRET, **claims: Any) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns about short secrets such as the demo app's
        return jwt.encode(claims, secret, algorithm="HS256")


class Api:
    """A thin client: ``api.get("/app")`` calls ``/api/v2/app`` with the app's key and a server token.

    With ``legacy=True`` it calls the legacy un-prefixed path instead, as the classic SDKs do
    (``/chat/channeltypes`` -> ``/channeltypes``), with their ``{"server": true}`` token."""

    def __init__(self, client: httpx.Client, key: str, secret: str, legacy: bool = False) -> None:
        self.client = client
        self.key = key
        self.legacy = legacy
        self.token = server_token(secret, server=True) if legacy else server_token(secret)

    def url_path(self, path: str) -> str:
        return path.removeprefix("/chat") if self.legacy else "/api/v2" + path

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
        token: str | None = None, key: str | None = None, content: bytes | None = None,
    ) -> httpx.Response:
        query = {"api_key": self.key if key is None else key, **(params or {})}
        headers = {"Authorization": self.token if token is None else token, "Stream-Auth-Type": "jwt"}
        if token == "":
            headers.pop("Authorization")
        return self.client.request(
            method, self.url_path(path), params=query, json=json, headers=headers, content=content
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


class RunningEmulator:
    """``python -m stream_emulator --port 0 ARGS`` in a subprocess, once it has printed its listening line."""

    def __init__(self, *args: str, scheme: str = "http") -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stream_emulator", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO_ROOT, text=True,
        )
        self.first_line = self._read_line(timeout=15)
        listening = f"{LISTENING}{scheme}://"
        assert self.first_line.startswith(listening), self.first_line + self.process.stderr.read()  # type: ignore[union-attr]
        self.url = self.first_line.removeprefix(LISTENING).strip()

    def _read_line(self, timeout: float) -> str:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.process.kill()
                raise AssertionError("the emulator did not print its listening line")
        return self.process.stdout.readline()

    def api(self, key: str = KEY, secret: str = SECRET, verify: ssl.SSLContext | bool = False) -> Api:
        return Api(httpx.Client(base_url=self.url, verify=verify), key, secret)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(sig)
        stdout, _ = self.process.communicate(timeout=15)
        return self.process.returncode, stdout
