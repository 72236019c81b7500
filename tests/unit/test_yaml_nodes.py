"""Stack files → YAML nodes: YAML syntax errors with their place, and files that are not small UTF-8 text."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream_iac.stack import yaml_nodes
from tests.unit.stackfiles import load, problems, write

# ---------------------------------------------------------------- YAML syntax and file contents


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("a:\n  b: 1\n c: 2\n", "s.yaml:3:2", "expected <block end>, but found '<block mapping start>'"),
        ("roles: [a, b\n", "s.yaml:2:1",
         "expected ',' or ']', but got '<stream end>' (while parsing a flow sequence that starts at line 1)"),
        ("app:\n  x: 'unclosed\n", "s.yaml:3:1", "found unexpected end of stream"),
        ("app: 1\n---\nroles: []\n", "s.yaml:2:1",
         "expected a single document in the stream, but found another document"),
        ("app:\n\tx: 1\n", "s.yaml:2:1", "found character '\\t' that cannot start any token"),
    ],
)
def test_yaml_syntax_errors_have_line_and_column(here: Path, text: str, where: str, problem: str) -> None:
    write(here, {"s.yaml": text})
    (found,) = problems(here / "s.yaml")
    assert found.startswith(f"{where}: invalid YAML: {problem}")


def test_control_character_is_reported_with_its_line(here: Path) -> None:
    write(here, {"s.yaml": "roles: [é]\nx: é\x07\n"})
    assert problems(here / "s.yaml") == ["s.yaml:2:5: invalid YAML: special characters are not allowed (U+0007)"]


def test_non_utf8_file(here: Path) -> None:
    write(here, {"s.yaml": b"roles: [a]\nname: caf\xe9\n"})
    assert problems(here / "s.yaml") == ["s.yaml:2:10: file is not valid UTF-8 text (byte 0xe9)"]


def test_binary_file(here: Path) -> None:
    write(here, {"s.yaml": b"roles: [a]\n\x00\x01\x02"})
    assert problems(here / "s.yaml") == ["s.yaml:2:1: file contains NUL bytes (a binary file?)"]


def test_huge_file(here: Path) -> None:
    with (here / "s.yaml").open("wb") as fh:
        fh.truncate(yaml_nodes.MAX_FILE_BYTES + 1)
    assert problems(here / "s.yaml") == ["s.yaml:1:1: file is larger than 10 MiB"]


def test_utf8_bom_is_accepted(here: Path) -> None:
    write(here, {"s.yaml": "\ufeffroles: [é]\n"})
    assert load(here / "s.yaml").data == {"roles": ["é"]}
