"""README's table of commands says what each command's --help says: its summary in the same
words, and every option it takes. (A user reads one or the other; they must not disagree.)"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from stream_iac.cli.commands import main

README = Path(__file__).resolve().parents[2] / "README.md"


def _rows() -> dict[str, str]:
    """Command name -> its row of README's table of commands."""
    rows: dict[str, str] = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| `stream-iac (\w+)", line)
        if found:
            rows[found.group(1)] = line
    return rows


def _summary(command: click.Command) -> str:
    """The first sentence of the command's help, as click shows it in `stream-iac --help`."""
    text = " ".join((command.help or "").split("\n\n")[0].split())
    return text.split(". ")[0].rstrip(".")


def _words(text: str) -> str:
    return " ".join(text.replace("\\|", "|").split()).lower()


COMMANDS = sorted(main.commands)


def test_every_command_has_a_row() -> None:
    assert set(COMMANDS) <= set(_rows()), sorted(set(COMMANDS) - set(_rows()))


@pytest.mark.parametrize("name", COMMANDS)
def test_the_row_says_what_the_help_says(name: str) -> None:
    command = main.commands[name]
    row = _rows()[name]
    assert _words(_summary(command)) in _words(row), (name, _summary(command), row)
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            longest = max(param.opts, key=len)
            assert longest in row, f"README's row of {name} does not name {longest}"
