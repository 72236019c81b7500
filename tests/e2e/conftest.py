"""End-to-end harness: the real `stream-iac` CLI against the emulator, in-process (an httpx
transport) and over a real loopback socket."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
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
        self.env: dict[str, str] = {}

    def transport_factory(self, settings: Any) -> httpx.AsyncBaseTransport | None:
        return self.emulator.async_transport() if self.mode == "inprocess" else None

    def run(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        full_env = {
            "STREAM_API_KEY": KEY,
            "STREAM_API_SECRET": SECRET,
            "STREAM_BASE_URL": self.url or "http://127.0.0.1:9",
            "NO_COLOR": "1",
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


@pytest.fixture(params=["inprocess", "socket"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    emulator = Emulator(EmulatorOptions(apps=[(KEY, SECRET)], rate_limits=False))
    if request.param == "socket":
        handle = serve_in_thread(emulator, host="127.0.0.1", port=0)
        try:
            yield Harness(emulator, "socket", handle.url, tmp_path)
        finally:
            handle.stop()
    else:
        yield Harness(emulator, "inprocess", None, tmp_path)


@pytest.fixture
def inproc(tmp_path: Path) -> Harness:
    """In-process only, for tests that do not need both transports."""
    emulator = Emulator(EmulatorOptions(apps=[(KEY, SECRET)], rate_limits=False))
    return Harness(emulator, "inprocess", None, tmp_path)
