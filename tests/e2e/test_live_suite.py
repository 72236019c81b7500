"""The live suite (`tests/live`, `make test-live`) kept working: run here against the strict emulator
on a loopback socket, as if it were a Stream app, it passes and leaves nothing with its prefix behind;
without credentials it skips, saying why. Its cleanup deletes what carries the prefix and nothing else."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stream_emulator import Emulator, EmulatorOptions, serve_in_thread
from stream_iac.api.client import StreamClient
from stream_iac.api.settings import ConnectionSettings
from tests.e2e.conftest import KEY, SECRET, Harness
from tests.live import cleanup
from tests.live.cleanup import delete_prefixed
from tests.live.conftest import KEY_VAR, SECRET_VAR, SKIP_REASON, URL_VAR

REPO = Path(__file__).resolve().parents[2]


def run_live_suite(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`make test-live`'s pytest run, in a fresh interpreter."""
    clean = {k: v for k, v in os.environ.items() if k not in (KEY_VAR, SECRET_VAR, URL_VAR)}
    return subprocess.run([sys.executable, "-m", "pytest", "-m", "live", "-rs", "-p", "no:cacheprovider", "tests/live"],
                          cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=600)


def named(snapshot: dict[str, Any], prefix: str) -> list[str]:
    found = [name for name in snapshot["channel_types"] if name.startswith(prefix)]
    for part, key in (("commands", "name"), ("blocklists", "name"), ("roles", "name"), ("permissions", "id")):
        found.extend(item[key] for item in snapshot[part] if item[key].startswith(prefix))
    return found


def test_the_live_suite_passes_against_the_strict_emulator() -> None:
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    handle = serve_in_thread(emulator, host="127.0.0.1", port=0)
    try:
        result = run_live_suite({KEY_VAR: KEY, SECRET_VAR: SECRET, URL_VAR: handle.url})
    finally:
        handle.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout and "skipped" not in result.stdout, result.stdout
    assert emulator.stats(KEY)["writes"], "the suite ran against this emulator"
    assert named(emulator.snapshot(KEY), "iac-") == [], "the suite deletes everything it made"


def test_without_credentials_the_live_suite_skips_saying_why() -> None:
    result = run_live_suite({})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SKIPPED" in result.stdout and SKIP_REASON.split(":")[0] in result.stdout, result.stdout
    assert "passed" not in result.stdout


async def clean(harness: Harness, prefix: str) -> tuple[list[str], list[str]]:
    settings = ConnectionSettings(api_key=KEY, api_secret=SECRET, base_url="http://127.0.0.1:9")
    async with StreamClient(settings, transport=harness.emulator.async_transport()) as client:
        return await delete_prefixed(client, prefix)


def test_the_cleanup_deletes_the_prefix_and_nothing_else(inproc: Harness) -> None:
    prefix = "iac-0badcafe-"
    stack = {
        "app": {"grants": {prefix + "agent": ["search-user"]}},
        "roles": [prefix + "agent", "keeper"],
        "commands": {prefix + "ticket": {"description": "d"}, "kept": {"description": "d"}},
        "blocklists": {prefix + "words": {"words": ["one"]}, "kept_words": {"words": ["two"]}},
        "channel_types": {prefix + "support": {"commands": [prefix + "ticket"],
                                               "blocklists": [{"blocklist": prefix + "words", "behavior": "block"}],
                                               "grants": {prefix + "agent": ["read-channel"]}},
                          "kept-type": {"commands": ["kept"]}},
    }
    assert inproc.run("apply", "--auto-approve", inproc.stack(stack)).exit_code == 0

    deleted, problems = asyncio.run(clean(inproc, prefix))

    assert problems == []
    assert sorted(deleted) == sorted([f"channel_types.{prefix}support", f"commands.{prefix}ticket",
                                      f"blocklists.{prefix}words", f"roles.{prefix}agent"])
    snapshot = inproc.snapshot()
    assert named(snapshot, prefix) == [] and prefix + "agent" not in snapshot["app"]["grants"]
    assert {"kept-type", "messaging"} <= set(snapshot["channel_types"])
    assert [c["name"] for c in snapshot["commands"]] == ["kept"]
    assert "keeper" in [r["name"] for r in snapshot["roles"]]


def test_the_cleanup_reports_what_it_could_not_delete(inproc: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cleanup, "PAUSE_SECONDS", 0.0)
    prefix = "iac-0badf00d-"
    stack = {"commands": {prefix + "ticket": {"description": "d"}},
             "channel_types": {prefix + "busy": {"commands": [prefix + "ticket"]}}}
    assert inproc.run("apply", "--auto-approve", inproc.stack(stack)).exit_code == 0
    inproc.emulator.add_channel(KEY, prefix + "busy")  # a type with channels cannot be deleted

    deleted, problems = asyncio.run(clean(inproc, prefix))

    assert deleted == []
    assert len(problems) == 2 and problems[0].startswith(f"channel_types.{prefix}busy: DeleteChannelType failed")
    assert problems[1].startswith(f"commands.{prefix}ticket: DeleteCommand failed"), problems
