"""The emulator's command line follows stream-iac's conventions: usage errors exit 1 (never 2),
`-h` is `--help`, the banner lists every app it serves (keys, never secrets), and `--app`
replaces the default app unless `--keep-default-app` asks to keep it. Run as real subprocesses,
through `python -m stream_emulator` and `stream-iac emulator`."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .helpers import REPO_ROOT, RunningEmulator, assert_ok

ENTRY_POINTS = {
    "python -m stream_emulator": [sys.executable, "-m", "stream_emulator"],
    "stream-iac emulator": [sys.executable, "-m", "stream_iac", "emulator"],
}


def run(entry: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ENTRY_POINTS[entry], *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(("args", "message"), [
    (["--bogus"], "No such option '--bogus'"),
    (["--app", "no-secret"], "expected KEY:SECRET"),
    (["--api-key", "only-a-key"], "--api-key and --api-secret must be given together"),
    (["--fault-rate", "2"], "--fault-rate"),
    (["--port", "not-a-number"], "--port"),
    (["--app", "a:s1", "--app", "a:s2"], "app a is given more than once"),
    (["--keep-default-app", "--app", "demo-key:other"], "app demo-key is given more than once"),
])
def test_usage_errors_exit_1(entry: str, args: list[str], message: str) -> None:
    result = run(entry, "--port", "0", *args)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_dash_h_is_help(entry: str) -> None:
    short, long = run(entry, "-h"), run(entry, "--help")
    assert short.returncode == long.returncode == 0, short.stderr
    assert short.stdout == long.stdout
    assert "--keep-default-app" in short.stdout and "-h, --help" in short.stdout


def rest_of_output(running: RunningEmulator) -> str:
    """Stop the emulator; what it printed after its listening line (read through the same
    buffered file as that line, which may already hold the next lines)."""
    assert running.process.stdout is not None
    running.process.send_signal(signal.SIGTERM)
    rest = running.process.stdout.read()
    assert running.process.wait(timeout=15) == 0
    return rest


def banner_apps(running: RunningEmulator) -> list[str]:
    """The keys the banner says are served (the lines after the listening line)."""
    return [line.split()[2] for line in rest_of_output(running).splitlines()]


def test_the_banner_lists_every_app_and_no_secret(start_cli: Callable[..., RunningEmulator]) -> None:
    running = start_cli("--app", "eu:eu-secret-1", "--app", "us:us-secret-2")
    assert_ok(running.api("eu", "eu-secret-1").get("/app"))
    assert rest_of_output(running) == "  serving app eu\n  serving app us\n"
    assert "secret" not in running.first_line


def test_app_replaces_the_default_app_unless_asked(start_cli: Callable[..., RunningEmulator]) -> None:
    alone = start_cli("--app", "eu:eu-secret")
    assert alone.api("demo-key", "demo-secret").get("/app").status_code == 401
    assert banner_apps(alone) == ["eu"]
    kept = start_cli("--app", "eu:eu-secret", "--keep-default-app")
    assert_ok(kept.api("demo-key", "demo-secret").get("/app"))
    assert_ok(kept.api("eu", "eu-secret").get("/app"))
    assert banner_apps(kept) == ["demo-key", "eu"]
    default = start_cli()
    assert_ok(default.api("demo-key", "demo-secret").get("/app"))
    assert rest_of_output(default) == "  serving app demo-key (the default app; its secret is in --help)\n"


def readme_recipe() -> str:
    """The README's shell recipe for an out-of-band change (between its two marker comments)."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- recipe: out-of-band change -->", 1)[1].split("<!-- end recipe -->", 1)[0]
    return block.strip().removeprefix("```sh").removesuffix("```")


def test_the_readme_recipe_makes_drift(start_cli: Callable[..., RunningEmulator]) -> None:
    """The recipe, run as written (its URL pointed at an emulator on a free port), turns a demo
    stack that is in sync into one with drift."""
    running = start_cli("--strict")
    script = readme_recipe().replace("http://127.0.0.1:8888", running.url)
    assert "stream-iac emulator --port 8888" in script, "the recipe says how to start the emulator"
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(REPO_ROOT), "NO_COLOR": "1"}
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=REPO_ROOT, env=env,
                            timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr  # the last command: drift found
    assert [line for line in result.stdout.splitlines() if line == "201"] == ["201", "201"], "both changes made"
    verdicts = [line for line in result.stdout.splitlines() if line.startswith('Stack "demo": ')]
    assert verdicts == ['Stack "demo": in sync', 'Stack "demo": drift detected'], result.stdout
    drifted = result.stdout.split('Stack "demo": drift detected')[1]
    assert "max_message_length: 1234 → 8000" in drifted and "unmanaged roles.made-by-hand" in drifted
