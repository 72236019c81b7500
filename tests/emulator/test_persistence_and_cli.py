"""The state file, and the ``emulator`` command line (run as a real subprocess)."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from stream_emulator import Emulator, EmulatorOptions
from stream_emulator.cli import emulator_command
from stream_emulator.store.persistence import StateFileError

from .helpers import KEY, SECRET, Api, RunningEmulator, assert_ok, channel_type_body, server_token

# -- state file (in-process) ----------------------------------------------------------------------------


def test_state_is_saved_after_each_write_and_loaded_on_start(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    first = Emulator(EmulatorOptions(apps=[(KEY, SECRET)], state_file=state_file, rate_limits=False))
    client = Api(httpx.Client(transport=first.transport(), base_url="http://e"), KEY, SECRET)
    assert_ok(client.post("/chat/commands", {"name": "ticket", "description": "d"}), 201)
    assert_ok(client.post("/chat/channeltypes", channel_type_body("support", commands=["ticket"])), 201)
    assert json.loads(state_file.read_text())["apps"][KEY]["commands"]["ticket"]["description"] == "d"
    second = Emulator(EmulatorOptions(apps=[(KEY, SECRET)], state_file=state_file))
    snapshot = second.snapshot(KEY)
    assert [command["name"] for command in snapshot["commands"]] == ["ticket"]
    assert snapshot["channel_types"]["support"]["commands"] == ["ticket"]
    assert [path.name for path in tmp_path.iterdir()] == ["state.json"]


def test_apps_missing_from_the_options_are_kept_in_the_file(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    Emulator(EmulatorOptions(apps=[("a", "s1"), ("b", "s2")], state_file=state_file)).add_channel("b", "team")
    only_a = Emulator(EmulatorOptions(apps=[("a", "s1")], state_file=state_file))
    only_a.add_channel("a", "team")
    restored = Emulator(EmulatorOptions(apps=[("b", "s2")], state_file=state_file))
    assert restored.snapshot("b")["channels"] == {"team": 1}


def test_a_corrupt_state_file_is_refused(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text("{half a document")
    with pytest.raises(StateFileError):
        Emulator(EmulatorOptions(state_file=state_file))
    state_file.write_text('{"something": "else"}')
    with pytest.raises(StateFileError):
        Emulator(EmulatorOptions(state_file=state_file))


# -- command line ---------------------------------------------------------------------------------------


def test_cli_prints_one_line_serves_and_exits_cleanly(start_cli: Callable[..., RunningEmulator]) -> None:
    running = start_cli("--api-key", KEY, "--api-secret", SECRET)
    assert running.url.startswith("http://127.0.0.1:")
    assert_ok(running.api().get("/app"))
    returncode, rest = running.stop(signal.SIGTERM)
    assert returncode == 0
    assert all(line.startswith("  serving app ") for line in rest.splitlines()), rest  # the banner's app lines


def test_cli_stops_on_sigint(start_cli: Callable[..., RunningEmulator]) -> None:
    returncode, _ = start_cli().stop(signal.SIGINT)
    assert returncode == 0


def test_cli_default_app_and_repeatable_apps(start_cli: Callable[..., RunningEmulator]) -> None:
    running = start_cli("--app", "k1:s1", "--app", "k2:s2")
    assert_ok(running.api("k1", "s1").get("/app"))
    assert_ok(running.api("k2", "s2").get("/app"))
    assert running.api("demo-key", "demo-secret").get("/app").status_code == 401
    default = start_cli()
    assert_ok(default.api("demo-key", "demo-secret").get("/app"))


def test_state_survives_a_kill_and_restart(tmp_path: Path, start_cli: Callable[..., RunningEmulator]) -> None:
    state_file = tmp_path / "emulator-state.json"
    first = start_cli("--api-key", KEY, "--api-secret", SECRET, "--state", str(state_file))
    assert_ok(first.api().post("/roles", {"name": "vip"}), 201)
    assert_ok(first.api().patch("/app", {"webhook_url": "https://kept"}))
    first.stop(signal.SIGKILL)
    json.loads(state_file.read_text())
    second = start_cli("--api-key", KEY, "--api-secret", SECRET, "--state", str(state_file))
    assert assert_ok(second.api().get("/app"))["app"]["webhook_url"] == "https://kept"
    assert "vip" in {role["name"] for role in assert_ok(second.api().get("/roles"))["roles"]}


def test_cli_options_reach_the_emulator(start_cli: Callable[..., RunningEmulator]) -> None:
    running = start_cli("--no-rate-limits", "--fault-rate", "0", "--seed", "3", "--latency-ms", "0",
                        "--stale-read-ms", "0", "--api-key", KEY, "--api-secret", SECRET)
    statuses = [running.api().patch("/app", {}).status_code for _ in range(4)]
    assert statuses == [200] * 4


def test_cli_strict_refuses_unknown_fields_and_the_default_ignores_them(
    start_cli: Callable[..., RunningEmulator]
) -> None:
    body = {"name": "ticket", "description": "d", "colour": "red"}
    strict = start_cli("--strict", "--api-key", KEY, "--api-secret", SECRET).api()
    response = strict.post("/chat/commands", body)
    assert response.status_code == 400 and "unknown field colour" in response.json()["message"]
    lenient = start_cli("--api-key", KEY, "--api-secret", SECRET).api()
    assert lenient.post("/chat/commands", body).status_code == 201


def test_cli_usage_errors() -> None:
    """Exit 1, never 2 (which means "changes" to a stream-iac pipeline)."""
    runner = CliRunner()
    result = runner.invoke(emulator_command, ["--api-key", "only-a-key"])
    assert result.exit_code == 1 and "--api-secret" in result.output
    result = runner.invoke(emulator_command, ["--app", "no-secret"])
    assert result.exit_code == 1 and "KEY:SECRET" in result.output
    result = runner.invoke(emulator_command, ["--fault-rate", "2"])
    assert result.exit_code == 1


def test_cli_refuses_a_corrupt_state_file(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text("not json")
    result = CliRunner().invoke(emulator_command, ["--state", str(state_file), "--port", "0"])
    assert result.exit_code == 1
    assert "state file" in result.output


def test_the_socket_server_keeps_connections_alive(emulator: Emulator) -> None:
    from stream_emulator import serve_in_thread

    handle = serve_in_thread(emulator)
    try:
        with httpx.Client(base_url=handle.url, verify=False) as client:
            token = server_token(SECRET)
            for _ in range(3):
                response = client.get("/api/v2/app", params={"api_key": KEY}, headers={"Authorization": token})
                assert response.status_code == 200
                assert response.http_version == "HTTP/1.1"
            assert response.headers.get("connection", "keep-alive").lower() != "close"
    finally:
        handle.stop()
