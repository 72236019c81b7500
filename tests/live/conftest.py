"""The live suite (`make test-live`): stream-iac against a real Stream app, on objects whose names
start with a prefix unique to the run (`iac-<8 hex digits>-`), deleted at the end whatever happened.

Set STREAM_IAC_LIVE_API_KEY and STREAM_IAC_LIVE_API_SECRET (an app of your own: the suite creates
and deletes channel types, commands, blocklists, roles and custom permissions, and changes nothing
else); STREAM_IAC_LIVE_BASE_URL points it at another API (default: Stream's). Without the key and
secret every test is skipped, saying why. `make test` runs this suite against the strict emulator
(tests/e2e/test_live_suite.py), so it cannot rot."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from stream_iac.api.client import StreamClient
from stream_iac.api.settings import DEFAULT_BASE_URL, ConnectionSettings
from stream_iac.cli.commands import main
from tests.live.cleanup import delete_prefixed

KEY_VAR, SECRET_VAR, URL_VAR = "STREAM_IAC_LIVE_API_KEY", "STREAM_IAC_LIVE_API_SECRET", "STREAM_IAC_LIVE_BASE_URL"
SKIP_REASON = (f"{KEY_VAR} and {SECRET_VAR} are not set: the live suite needs a Stream app of your own "
               "(README: 'Checking our assumptions against Stream')")


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class LiveApp:
    """The app under test: runs the real CLI against it, writes stacks, calls its API directly."""

    settings: ConnectionSettings
    prefix: str
    folder: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str) -> Ran:
        env = {"STREAM_API_KEY": self.settings.api_key, "STREAM_API_SECRET": self.settings.api_secret,
               "STREAM_BASE_URL": self.settings.base_url, "NO_COLOR": "1", **self.env}
        result = CliRunner().invoke(main, list(args), env=env, obj={})
        return Ran(result.exit_code, result.stdout, result.stderr)

    def stack(self, data: dict[str, Any], name: str = "stack") -> str:
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stack.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return str(folder)

    def name(self, suffix: str) -> str:
        return self.prefix + suffix

    def call(self, work: Any) -> Any:
        """`await work(client)` with a client of the app."""

        async def go() -> Any:
            async with StreamClient(self.settings) as client:
                return await work(client)

        return asyncio.run(go())


def live_settings() -> ConnectionSettings | None:
    key, secret = os.environ.get(KEY_VAR, ""), os.environ.get(SECRET_VAR, "")
    if not key or not secret:
        return None
    return ConnectionSettings(api_key=key, api_secret=secret,
                              base_url=(os.environ.get(URL_VAR) or DEFAULT_BASE_URL).rstrip("/"))


def new_prefix() -> str:
    """Unique to one run, and valid in every kind's names (letters, digits and '-')."""
    return f"iac-{secrets.token_hex(4)}-"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    settings = live_settings()
    if settings is None:
        pytest.skip(SKIP_REASON)
    app = LiveApp(settings, new_prefix(), tmp_path_factory.mktemp("live"))
    try:
        yield app
    finally:
        deleted, problems = app.call(lambda client: delete_prefixed(client, app.prefix))
        print(f"\nlive suite: cleaned up {len(deleted)} objects named {app.prefix}*")
        assert not problems, f"could not delete everything named {app.prefix}*: {problems}"
