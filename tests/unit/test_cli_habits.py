"""Offline habits of a Terraform user: global options after the command, `validate` of the
current folder and of several stacks, `completion`, `version`, and examples in every --help."""

from __future__ import annotations

import json
import platform
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from stream_iac import __version__
from stream_iac.cli import version as version_module
from stream_iac.cli.commands import main
from stream_iac.cli.hoist import hoist_global_options

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "stacks" / "demo"


def invoke(*args: str, env: dict[str, Any] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), prog_name="stream-iac", env={"NO_COLOR": "1", **(env or {})})


def hoisted(*args: str) -> list[str]:
    with click.Context(main, **main.context_settings) as ctx:
        return hoist_global_options(main, ctx, list(args))


@pytest.mark.parametrize(("given", "expected"), [
    (["plan", "-v", "s"], ["-v", "plan", "s"]),
    (["plan", "s", "--no-color", "--verbose"], ["--no-color", "--verbose", "plan", "s"]),
    (["plan", "--api-key", "k", "s"], ["--api-key", "k", "plan", "s"]),
    (["plan", "--base-url=https://x", "s", "--timeout", "5"], ["--base-url=https://x", "--timeout", "5", "plan", "s"]),
    (["-v", "plan", "s"], ["-v", "plan", "s"]),
    (["--api-key", "plan", "drift", "-v"], ["--api-key", "plan", "-v", "drift"]),  # "plan" is --api-key's value
    (["plan", "--out", "-v", "s"], ["plan", "--out", "-v", "s"]),  # a value of plan's own option
    (["plan", "s", "--", "-v"], ["plan", "s", "--", "-v"]),
    (["emulator", "--api-key", "k", "-v"], ["emulator", "--api-key", "k", "-v"]),  # the emulator's own options
    (["plan", "--unknown", "s"], ["plan", "--unknown", "s"]),  # click still says "No such option"
    (["nosuch", "-v"], ["nosuch", "-v"]),
    ([], []),
])
def test_global_options_move_in_front_of_the_command(given: list[str], expected: list[str]) -> None:
    assert hoisted(*given) == expected


def test_global_options_after_the_command_are_accepted(tmp_path: Path) -> None:
    for args in (["validate", "-v", str(DEMO)], ["validate", str(DEMO), "--no-color"],
                 ["validate", "--timeout", "3", str(DEMO)], ["-v", "validate", str(DEMO)]):
        result = invoke(*args, env={"DEMO_APN_P8": "demo-apn-key-material"})
        assert result.exit_code == 0, (args, result.output)
        assert result.stdout == f"{DEMO}: valid (9 objects)\n"
    unknown = invoke("validate", "--nope", str(DEMO))
    assert unknown.exit_code == 1 and "No such option '--nope'" in unknown.stderr


def test_validate_the_current_folder_and_several_stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples" / "stacks", tmp_path / "stacks")
    monkeypatch.chdir(tmp_path / "stacks" / "demo")
    here = invoke("validate", env={"DEMO_APN_P8": "demo-apn-key-material"})
    assert here.exit_code == 0 and here.stdout == ".: valid (9 objects)\n", here.output
    monkeypatch.chdir(tmp_path)
    both = invoke("validate", "stacks/staging", "stacks/production", "--allow-missing-env")
    assert both.exit_code == 0, both.output
    assert both.stdout.splitlines() == ["stacks/staging: valid (6 objects)", "stacks/production: valid (7 objects)"]
    (tmp_path / "stacks" / "broken").mkdir()
    (tmp_path / "stacks" / "broken" / "stack.yaml").write_text("channel_types:\n  support: {automod: sometimes}\n")
    mixed = invoke("validate", "stacks/broken", "stacks/staging")
    assert mixed.exit_code == 1
    assert mixed.stdout == "stacks/staging: valid (6 objects)\n"  # checked although the first is invalid
    assert mixed.stderr.startswith("error: stacks/broken/stack.yaml:2:")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    result = invoke("completion", shell)
    assert result.exit_code == 0
    assert "_STREAM_IAC_COMPLETE" in result.stdout and "stream-iac" in result.stdout
    assert invoke("completion", "tcsh").exit_code == 1


@pytest.mark.parametrize(("words", "expected"), [
    ("stream-iac pl", {"plan"}),
    ("stream-iac s", {"schema", "show"}),
    ("stream-iac plan --for", {"--format"}),
    ("stream-iac plan --format ", {"text", "json", "markdown"}),
    ("stream-iac completion ", {"bash", "zsh", "fish"}),
])
def test_completion_answers(words: str, expected: set[str]) -> None:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = invoke(env={"_STREAM_IAC_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert result.exit_code == 0
    answers = {line.split(",", 1)[1] for line in result.stdout.splitlines()}
    assert answers == expected


def test_version() -> None:
    text = invoke("version")
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert lines[0] == f"stream-iac {__version__}"
    assert lines[1].startswith(f"Python {platform.python_version()} ")
    assert lines[2] == f"Platform {platform.platform()}"
    assert lines[4].startswith("Stream API spec v")
    info = json.loads(invoke("version", "--format", "json").stdout)
    assert info["stream_iac"] == __version__ and info["api_spec_version"].startswith("v")
    assert set(info) == {"stream_iac", "python", "python_implementation", "platform", "installed_at",
                         "api_spec_version"}


@pytest.mark.skipif(not version_module.SPEC.is_file(), reason="../shared/stream-api is not beside this clone")
def test_the_api_spec_version_is_current() -> None:
    from stream_iac.cli._build import API_SPEC_VERSION

    assert json.loads(version_module.SPEC.read_text())["info"]["version"] == API_SPEC_VERSION
    assert version_module.BUILD_MODULE.read_text() == version_module.build_module_text(API_SPEC_VERSION), \
        "stream_iac/cli/_build.py is stale: run `python -m stream_iac.cli.version`"


def test_every_command_has_examples_in_its_help() -> None:
    assert "Examples:" in invoke("--help").stdout
    for name in main.commands:
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        examples = result.stdout.split("Examples:\n", 1)
        assert len(examples) == 2, f"`stream-iac {name} --help` has no Examples: block"
        lines = examples[1].split("\n\n", 1)[0].splitlines()
        assert lines and all(line.strip().startswith("stream-iac ") or "$(stream-iac" in line for line in lines), name
    assert {"show", "fmt", "completion", "version"} <= set(main.commands)
