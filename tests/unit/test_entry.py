"""The fast entry point answers --version and --help exactly as the click CLI would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from stream_iac import __version__
from stream_iac.cli._help import HELP
from stream_iac.cli.commands import main
from stream_iac.cli.entry import render_help


def test_checked_in_help_is_current() -> None:
    assert render_help() == HELP, "stream_iac/cli/_help.py is stale: run `make help-text`"


def test_version_matches_click() -> None:
    result = CliRunner().invoke(main, ["--version"], prog_name="stream-iac")
    assert result.stdout == f"stream-iac, version {__version__}\n"


def test_fast_paths_do_not_import_click() -> None:
    code = ("import sys; sys.argv = ['stream-iac', '--version']; from stream_iac.cli.entry import main; main(); "
            "sys.argv = ['stream-iac', '--help']; main(); print('click' in sys.modules, 'pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"stream-iac, version {__version__}\n" + HELP)
    assert out.rstrip().endswith("False False")


def test_other_commands_go_to_click() -> None:
    out = subprocess.run([sys.executable, "-m", "stream_iac", "validate", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--allow-missing-env" in out.stdout


def _console(*args: str, code: str = "from stream_iac.cli.entry import run; run()",
             stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """The console script's way in (`entry.run`), as a process."""
    return subprocess.run([sys.executable, "-c", f"import sys; sys.argv = ['stream-iac', *sys.argv[1:]]; {code}",
                           *args], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)


def test_the_console_script_ends_with_the_commands_status_and_all_its_output(tmp_path: Path) -> None:
    """`run` skips the interpreter's teardown: the exit status, stdout and stderr must be what
    `main` gave, however much was written (a file is flushed, not cut)."""
    assert _console("--version").stdout == f"stream-iac, version {__version__}\n"
    missing = _console("validate", str(tmp_path / "no-such-stack"))
    assert missing.returncode == 1 and "stack not found" in missing.stderr
    usage = _console("plan", "--no-such-flag")
    assert usage.returncode == 1 and "No such option" in usage.stderr
    big = tmp_path / "app.json"
    with big.open("w") as out:
        done = _console("explain", "app", "--format", "json", stdout=out.fileno())
    assert done.returncode == 0, done.stderr
    assert big.stat().st_size > 40_000  # several of stdout's buffers
    assert json.loads(big.read_text())["path"] == "app"  # the whole document, parseable


def test_the_console_script_exits_as_python_does_with_an_exit_message() -> None:
    code = ("import sys; from stream_iac.cli import entry; "
            "entry.main = lambda: sys.exit('stopped: a reason'); entry.run()")
    done = _console(code=code)
    assert (done.returncode, done.stderr) == (1, "stopped: a reason\n")
