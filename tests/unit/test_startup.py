"""Start-up choices of the console entry point: commands that never show a field's description
build the models without reading the docstrings under the fields; every other command, and the
library, keep them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stream_iac.cli import entry as entry_module
from stream_iac.cli.entry import LEAN_COMMANDS, _lean


@pytest.mark.parametrize("args", [["plan", "stacks/eu"], ["-v", "validate", "."], ["apply", "--auto-approve", "s"],
                                  ["drift", "a", "b"], ["--no-color", "plan", "s"]])
def test_plan_validate_apply_and_drift_are_lean(args: list[str]) -> None:
    assert _lean(args)


@pytest.mark.parametrize("args", [[], ["--help"], ["schema"], ["explain", "channel_types"], ["explain", "plan"],
                                  ["plan", "schema"], ["export", "--out", "plan"], ["fmt", "validate"]])
def test_anything_else_keeps_the_descriptions(args: list[str]) -> None:
    assert not _lean(args)


def test_lean_commands_are_real_commands() -> None:
    from stream_iac.cli.commands import main

    assert set(main.commands) >= LEAN_COMMANDS  # type: ignore[attr-defined]


def _descriptions_after(argv: list[str]) -> str:
    probe = ("import sys; from stream_iac.cli import entry; sys.argv = ['stream-iac', *sys.argv[1:]]\n"
             "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
             "from stream_iac.kinds import BY_NAME\n"
             "print(BY_NAME['channel_types'].shape.model.model_fields['max_message_length'].description)")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=60)
    return done.stdout.strip().splitlines()[-1]


def test_a_lean_command_runs_without_descriptions_and_explain_has_them() -> None:
    assert _descriptions_after(["validate", "/nonexistent-stack-folder"]) == "None"
    assert _descriptions_after(["explain", "channel_types.max_message_length"]) not in ("None", "")


def test_the_stack_section_models_follow_the_same_choice() -> None:
    probe = ("import sys; from stream_iac.cli import entry; sys.argv = ['stream-iac', *sys.argv[1:]]\n"
             "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
             "from stream_iac.stack.validate import StackSection\n"
             "print(StackSection.model_fields['prune'].description)")
    done = subprocess.run([sys.executable, "-c", probe, "validate", "/nonexistent-stack-folder"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "None"


def test_the_command_turns_pydantic_plugins_off_for_its_own_process_only() -> None:
    probe = ("import os, sys; os.environ.pop('PYDANTIC_DISABLE_PLUGINS', None)\n"
             "import stream_iac.stack.validate\n"
             "print(os.environ.get('PYDANTIC_DISABLE_PLUGINS'))\n"
             "from stream_iac.cli import entry; sys.argv = ['stream-iac', 'validate', '/nonexistent-stack-folder']\n"
             "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
             "print(os.environ.get('PYDANTIC_DISABLE_PLUGINS'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[0] == "None"  # importing the library changes nothing
    assert done.stdout.strip().splitlines()[-1] == "__all__"


def _collector_after(argv: list[str]) -> list[str]:
    probe = ("import gc, sys; from stream_iac.cli import entry; sys.argv = ['stream-iac', *sys.argv[1:]]\n"
             "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
             "print(gc.isenabled(), gc.get_freeze_count() > 0, 'stream_iac.cli.session' in sys.modules,"
             " 'stream_iac.api.client' in sys.modules, gc.get_threshold()[0])")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=60)
    return done.stdout.strip().splitlines()[-1].split()


def test_a_lean_command_imports_what_it_needs_with_the_collector_off_then_turns_it_back_on() -> None:
    # enabled, start-up frozen, models imported, HTTP stack imported
    # enabled, start-up frozen, models imported, HTTP stack imported, collecting less often
    raised = str(entry_module.COLLECT_AFTER_ALLOCATIONS)
    assert _collector_after(["validate", "/nonexistent-stack-folder"]) == ["True", "True", "True", "False", raised]
    assert _collector_after(["plan", "/nonexistent-stack-folder"]) == ["True", "True", "True", "True", raised]


def test_other_commands_keep_the_collector_as_python_sets_it() -> None:
    after = _collector_after(["schema", "--help"])
    assert after[:2] == ["True", "False"]
    assert after[4] != str(entry_module.COLLECT_AFTER_ALLOCATIONS)
