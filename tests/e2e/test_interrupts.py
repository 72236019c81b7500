"""SIGINT and SIGTERM during apply, sent to a real `stream-iac apply` process working against the
emulator on a loopback socket (every answer delayed, so the apply takes seconds): the first signal
stops new writes, lets those in flight finish, prints the per-change report and exits 130 / 143;
a second one exits at once. Running apply again finishes the job, and plan then shows no changes.
No timing is asserted: the signal is sent once a progress line shows a change was applied."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from stream_emulator import Emulator, EmulatorOptions, serve_in_thread
from tests.cli_process import stream_iac_command

KEY = "interrupt-key"
SECRET = "interrupt-secret-0123456789"
COMMANDS = 12




def _serve(latency_ms: float) -> Iterator[str]:
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], latency_ms=latency_ms, rate_limits=False))
    handle = serve_in_thread(emulator, host="127.0.0.1", port=0)
    try:
        yield handle.url
    finally:
        handle.stop()


@pytest.fixture
def served() -> Iterator[str]:
    yield from _serve(150)


@pytest.fixture
def slow_served() -> Iterator[str]:
    """Every answer takes seconds: a write is still in flight when the second signal comes."""
    yield from _serve(2500)


def _stack(tmp_path: Path) -> Path:
    folder = tmp_path / "stack"
    folder.mkdir()
    commands = {f"cmd{i:02d}": {"description": f"command {i}"} for i in range(COMMANDS)}
    (folder / "stack.yaml").write_text(yaml.safe_dump({"commands": commands, "roles": ["agent", "vip"]}))
    return folder


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    env.update({"STREAM_API_KEY": KEY, "STREAM_API_SECRET": SECRET, "STREAM_BASE_URL": url, "NO_COLOR": "1"})
    return env


def _run(args: list[str], url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*stream_iac_command(), *args], capture_output=True, text=True, env=_env(url), timeout=120,
                          check=False)


class Apply:
    """A running `stream-iac apply`, its stderr read line by line as it comes."""

    def __init__(self, args: list[str], url: str) -> None:
        self.proc = subprocess.Popen([*stream_iac_command(), "apply", "--auto-approve", "--parallelism", "1", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(url))
        assert self.proc.stderr is not None
        os.set_blocking(self.proc.stderr.fileno(), False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stderr, selectors.EVENT_READ)
        self.stderr = b""

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        """Read stderr until it holds `text` (the process is not waited for otherwise)."""
        deadline = time.monotonic() + timeout
        while text.encode() not in self.stderr:
            assert time.monotonic() < deadline, f"no {text!r} on stderr: {self.stderr.decode()}"
            assert self.proc.poll() is None or self._read(), f"apply ended early: {self.stderr.decode()}"
            self.selector.select(timeout=0.5)
            self._read()

    def _read(self) -> bool:
        assert self.proc.stderr is not None
        chunk = self.proc.stderr.read()
        if chunk:
            self.stderr += chunk
        return bool(chunk)

    def finish(self) -> tuple[int, str, str]:
        assert self.proc.stdout is not None and self.proc.stderr is not None
        os.set_blocking(self.proc.stderr.fileno(), True)
        out, err = self.proc.communicate(timeout=120)
        self.selector.close()
        return self.proc.returncode, out.decode(), (self.stderr + err).decode()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_first_signal_stops_gracefully_with_a_report(served: str, tmp_path: Path, signum: int, code: int) -> None:
    stack = _stack(tmp_path)
    running = Apply([str(stack)], served)
    running.wait_for("[1/")  # one change finished: the apply is under way
    running.proc.send_signal(signum)
    exit_code, out, err = running.finish()
    name = signal.Signals(signum).name
    assert exit_code == code, out + err
    assert f"{name}: stopping. No new change will be started" in err
    assert "Traceback" not in out + err and "internal error" not in out + err
    summary = next(line for line in out.splitlines() if line.startswith("Apply "))
    assert summary.startswith(f"Apply interrupted ({name}): ")
    applied = sum(int(n) for n in re.findall(r"(\d+) (?:created|updated|deleted)\b", summary))
    not_attempted = out.count("  not_attempted: ")
    assert applied >= 1 and not_attempted >= 1, out
    assert out.count("  applied: ") == applied, "an interrupted apply lists every change"
    assert f"{not_attempted} not attempted" in summary
    assert "verification skipped (interrupted)" in summary
    assert "Run apply again to finish" in out

    again = _run(["apply", "--auto-approve", str(stack)], served)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Apply complete" in again.stdout
    plan = _run(["plan", "--format", "json", str(stack)], served)
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["stacks"][0]["changes"] == [], "the second apply converged"


def test_json_report_names_the_signal(served: str, tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    running = Apply(["--format", "json", str(stack)], served)
    running.wait_for("[1/")
    running.proc.send_signal(signal.SIGINT)
    exit_code, out, err = running.finish()
    assert exit_code == 130, out + err
    report = json.loads(out)
    assert report["interrupted"] == "SIGINT"
    assert report["verification"] == "skipped"
    statuses = {r["status"] for r in report["results"]}
    assert "applied" in statuses and "not_attempted" in statuses


def test_second_signal_exits_at_once(slow_served: str, tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    running = Apply([str(stack)], slow_served)
    running.wait_for("[1/")  # the next write is now in flight, for seconds
    running.proc.send_signal(signal.SIGINT)
    running.wait_for("SIGINT: stopping")
    running.proc.send_signal(signal.SIGTERM)
    exit_code, out, err = running.finish()
    assert exit_code == 143, out + err
    assert "SIGTERM again: exiting now" in err
    assert "Apply " not in out, "no report: it exited at once"
    assert "Traceback" not in err


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("key", [b"\x03", b"\x04"], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_or_ctrl_d_at_a_real_prompt_cancels(served: str, tmp_path: Path, key: bytes) -> None:
    """On a real terminal: the terminal turns Ctrl-C into SIGINT and Ctrl-D into end of input."""
    import pty

    stack = _stack(tmp_path)
    pid, fd = pty.fork()
    if pid == 0:  # the child: apply on the pseudo-terminal, asking
        # A disposition of SIG_IGN survives exec, and Python then leaves SIGINT ignored: whatever an
        # earlier test left behind in this process, the child starts as a shell would start it.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execve(stream_iac_command()[0], [*stream_iac_command(), "apply", str(stack)], _env(served))
    seen = b""
    try:
        while b"[y/N]" not in seen:
            ready, _, _ = select_read(fd)
            assert ready, f"no prompt: {seen.decode(errors='replace')}"
            seen += os.read(fd, 4096)
        os.write(fd, key)
        while True:
            ready, _, _ = select_read(fd)
            if not ready:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child is gone
                break
            if not chunk:
                break
            seen += chunk
    finally:
        status = _reap(pid)
        os.close(fd)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 1, text
    assert "Apply cancelled. Nothing was changed." in text
    assert "Traceback" not in text and "internal error" not in text
    plan = _run(["plan", "--format", "json", str(stack)], served)
    assert len(json.loads(plan.stdout)["stacks"][0]["changes"]) == COMMANDS + 2, "nothing was applied"


def _reap(pid: int, seconds: float = 30.0) -> int:
    """The child's wait status; a child still running after `seconds` is killed (the test then
    fails on its exit code) rather than left to hang the whole run."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def select_read(fd: int) -> tuple[list[int], list[int], list[int]]:
    import select

    return select.select([fd], [], [], 30)
