"""The fast entry point answers --version and --help exactly as the click CLI would."""

from __future__ import annotations

import subprocess
import sys

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
