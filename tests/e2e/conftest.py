"""End-to-end harness: the real `stream-iac` CLI against the emulator, in-process (an httpx
transport), over a real loopback socket, and over HTTPS on loopback (a certificate made at test
time by trustme, verified by the client through SSL_CERT_FILE, as Stream's is through certifi)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
import yaml
from click.testing import CliRunner

from stream_emulator import Emulator, EmulatorOptions, serve_in_thread
from stream_iac.cli.commands import main

KEY = "e2e-key"
SECRET = "e2e-secret-value-0123456789"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Harness:
    """Runs CLI commands against one emulated app and writes stacks."""

    def __init__(self, emulator: Emulator, mode: str, url: str | None, tmp: Path) -> None:
        self.emulator = emulator
        self.mode = mode
        self.url = url
        self.tmp = tmp
        self.env: dict[str, str] = {}  # the stack's variables; tests replace it
        self.connection_env: dict[str, str] = {}  # how to reach the emulator (SSL_CERT_FILE over TLS)

    def transport_factory(self, settings: Any) -> httpx.AsyncBaseTransport | None:
        return self.emulator.async_transport() if self.mode == "inprocess" else None

    def run(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        full_env = {
            "STREAM_API_KEY": KEY,
            "STREAM_API_SECRET": SECRET,
            "STREAM_BASE_URL": self.url or "http://127.0.0.1:9",
            "NO_COLOR": "1",
            **self.connection_env,
            **self.env,
            **(env or {}),
        }
        runner = CliRunner()
        result = runner.invoke(main, list(args), env=full_env, input=input,
                               obj={"transport_factory": self.transport_factory})
        return Result(result.exit_code, result.stdout, result.stderr, result.exception)

    def stack(self, data: dict[str, Any], name: str = "stack", files: dict[str, str] | None = None) -> str:
        folder = self.tmp / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.yaml"):
            old.unlink()
        (folder / "stack.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        for rel, text in (files or {}).items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        return str(folder)

    def snapshot(self) -> dict[str, Any]:
        return self.emulator.snapshot(KEY)


@dataclass(frozen=True)
class Tls:
    """A test CA (its PEM file, for SSL_CERT_FILE) and a server context for 127.0.0.1."""

    ca_file: Path
    server_context: ssl.SSLContext


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return Tls(ca_file, context)


@pytest.fixture(params=["inprocess", "socket", "tls"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    if request.param == "inprocess":
        yield Harness(emulator, "inprocess", None, tmp_path)
        return
    context = None
    if request.param == "tls":
        tls: Tls = request.getfixturevalue("tls")
        context = tls.server_context
    handle = serve_in_thread(emulator, host="127.0.0.1", port=0, ssl_context=context)
    try:
        harness = Harness(emulator, request.param, handle.url, tmp_path)
        if context is not None:
            harness.connection_env["SSL_CERT_FILE"] = str(request.getfixturevalue("tls").ca_file)
        yield harness
    finally:
        handle.stop()


@pytest.fixture
def inproc(tmp_path: Path) -> Harness:
    """In-process only, for tests that do not need both transports."""
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    return Harness(emulator, "inprocess", None, tmp_path)
