"""A fleet in one command: 50 small stacks, each its own app, against one emulator serving the 50
apps from an apps file; and `--shard` splitting them between commands."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from stream_emulator.appsfile import write_apps_file
from stream_iac.shard import select_shard

BIN = Path(sys.executable).parent / "stream-iac"
APPS = [(f"fleet{i:02d}-key", f"fleet{i:02d}-secret-0123456789") for i in range(50)]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str], dict[str, str]]]:
    root = tmp_path_factory.mktemp("fleet")
    apps_file = root / "apps.json"
    write_apps_file(apps_file, APPS, {APPS[0][0]: {"UpdateChannelType": (600, 20)}})
    env = dict(os.environ)
    stacks = []
    for i, _ in enumerate(APPS):
        folder = root / "stacks" / f"app{i:02d}"
        folder.mkdir(parents=True)
        (folder / "stack.yaml").write_text(yaml.safe_dump({
            "stack": {"name": f"app{i:02d}",
                      "credentials": {"api_key_env": f"F{i}_KEY", "api_secret_env": f"F{i}_SECRET"}},
            "commands": {"ticket": {"description": "Open a ticket"}},
        }))
        env[f"F{i}_KEY"], env[f"F{i}_SECRET"] = APPS[i]
        stacks.append(f"stacks/app{i:02d}")
    proc = subprocess.Popen([str(BIN), "emulator", "--port", "0", "--apps-file", str(apps_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on" in line, proc.stderr.read() if proc.stderr else line
        env["STREAM_BASE_URL"] = line.rsplit(" ", 1)[1].strip()
        env.pop("STREAM_API_KEY", None)
        env.pop("STREAM_API_SECRET", None)
        yield root, stacks, env
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _plan(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), "plan", "--no-color", "--detailed-exitcode", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_fifty_stacks_plan_in_one_command(fleet: tuple[Path, list[str], dict[str, str]]) -> None:
    root, stacks, env = fleet
    done = _plan(root, env, *stacks)
    assert done.returncode == 2, done.stderr  # changes: every app lacks its command
    for stack in stacks:
        assert f"app{stack[-2:]}" in done.stdout
    assert done.stdout.count("commands.ticket") == 50


def test_shards_split_the_fleet_between_commands(fleet: tuple[Path, list[str], dict[str, str]]) -> None:
    root, stacks, env = fleet
    seen = 0
    for k in (1, 2, 3):
        done = _plan(root, env, "--shard", f"{k}/3", *stacks)
        expected = select_shard(stacks, (k, 3))
        assert done.returncode == (2 if expected else 0), done.stderr
        assert done.stdout.count("commands.ticket") == len(expected)
        seen += len(expected)
    assert seen == 50


def test_the_apps_file_gives_an_app_its_own_limits(fleet: tuple[Path, list[str], dict[str, str]]) -> None:
    import httpx

    from stream_iac.api.client import create_server_token

    _, _, env = fleet
    key, secret = APPS[0]
    answer = httpx.get(f"{env['STREAM_BASE_URL']}/api/v2/rate_limits",
                       params={"api_key": key, "server_side": "true", "endpoints": "UpdateChannelType,UpdateApp"},
                       headers={"Authorization": create_server_token(secret), "Stream-Auth-Type": "jwt"})
    limits = answer.json()["server_side"]
    assert limits["UpdateChannelType"]["limit"] == 600 and limits["UpdateApp"]["limit"] == 60


def test_a_fleet_plan_streams_each_stack_in_order_then_one_summary(
        fleet: tuple[Path, list[str], dict[str, str]]) -> None:
    root, stacks, env = fleet
    done = _plan(root, env, *stacks)
    headers = [line for line in done.stdout.splitlines() if line.startswith('Stack "')]
    assert headers == [f'Stack "app{i:02d}"' for i in range(50)]  # the order given, each once
    assert done.stdout.rstrip().splitlines()[-1] == (
        "50 stacks planned: 50 with changes (50 to create, 0 to update, 0 to delete), 0 in sync.")
