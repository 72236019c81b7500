"""What a Terraform user reaches for, against the emulator: `show PLANFILE` (offline, equal to
the plan's own output), global options after the command, `plan --max-deletes`, and the
Markdown error document of a failing `--format markdown` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import KEY, Harness

STACK = {"roles": ["agent"], "commands": {"ticket": {"description": "Open a ticket", "args": "[subject]"}},
         "push_providers": {"apn": {"type": "apn", "apn_topic": "com.example", "apn_auth_key": "${env:APN_P8}"}},
         "channel_types": {"support": {"automod": "simple", "max_message_length": 5000, "commands": ["ticket"]}}}
ENV = {"APN_P8": "apn-private-key-material-xyz"}
NO_CREDENTIALS: dict[str, Any] = {"STREAM_API_KEY": None, "STREAM_API_SECRET": None, "STREAM_BASE_URL": None,
                                  "APN_P8": None}


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_show_of_a_saved_plan_equals_the_plans_own_output(inproc: Harness, tmp_path: Path, fmt: str) -> None:
    inproc.env = ENV
    stack = inproc.stack(STACK)
    planfile = tmp_path / "plan.json"
    planned = inproc.run("plan", stack, "--format", fmt, "--out", str(planfile))
    assert planned.exit_code == 0, planned.output
    shown = inproc.run("show", str(planfile), "--format", fmt, env=NO_CREDENTIALS)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == planned.stdout
    assert "MAC was not checked" in shown.stderr and "apply checks it" in shown.stderr
    assert ENV["APN_P8"] not in shown.output
    if fmt == "text":
        assert "+ create commands.ticket" in shown.stdout and "apn_auth_key: (sensitive)" in shown.stdout


def test_show_defaults_to_text_and_shows_an_empty_plan(inproc: Harness, tmp_path: Path) -> None:
    inproc.env = ENV
    stack = inproc.stack(STACK)
    assert inproc.run("apply", "--auto-approve", stack).exit_code == 0
    planfile = tmp_path / "plan.json"
    planned = inproc.run("plan", stack, "--out", str(planfile))
    shown = inproc.run("show", str(planfile), env=NO_CREDENTIALS)
    assert shown.exit_code == 0 and shown.stdout == planned.stdout
    assert "No changes." in shown.stdout


def test_show_refuses_what_is_not_a_saved_plan(inproc: Harness, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format_version": "1", "changes": []}))
    for path, message in ((other, "not a stream-iac saved plan"), (tmp_path / "missing.json", "not a readable"),
                          (tmp_path, "is a directory")):
        result = inproc.run("show", str(path), env=NO_CREDENTIALS)
        assert result.exit_code == 1 and message in result.stderr, result.output
        assert "Traceback" not in result.output
    as_json = inproc.run("show", str(other), "--format", "json", env=NO_CREDENTIALS)
    assert json.loads(as_json.stdout)["error"]["message"].endswith("(made with `plan --out`)")


def test_show_does_not_verify_the_mac_apply_does(inproc: Harness, tmp_path: Path) -> None:
    """show reads an edited file (it cannot check the MAC without the secret, and says so);
    apply of the same file is refused."""
    inproc.env = ENV
    stack = inproc.stack(STACK)
    planfile = tmp_path / "plan.json"
    assert inproc.run("plan", stack, "--out", str(planfile)).exit_code == 0
    doc = json.loads(planfile.read_text())
    doc["stack"] = "edited"
    planfile.write_text(json.dumps(doc))
    shown = inproc.run("show", str(planfile), env=NO_CREDENTIALS)
    assert shown.exit_code == 0 and 'Stack "edited"' in shown.stdout
    assert "MAC was not checked" in shown.stderr
    assert inproc.run("apply", "--auto-approve", str(planfile)).exit_code == 1


@pytest.mark.parametrize("flags", [["-v"], ["--verbose"], ["--no-color"], ["--api-key", KEY], [f"--api-key={KEY}"],
                                   ["--timeout", "20"], ["-v", "--no-color", "--timeout=15"]])
def test_global_options_before_or_after_the_command_behave_alike(harness: Harness, flags: list[str]) -> None:
    harness.env = ENV
    stack = harness.stack(STACK)
    before = harness.run(*flags, "plan", stack)
    after = harness.run("plan", *flags, stack)
    at_end = harness.run("plan", stack, *flags)
    assert before.exit_code == after.exit_code == at_end.exit_code == 0, (before.output, after.output)
    assert before.stdout == after.stdout == at_end.stdout
    if "-v" in flags or "--verbose" in flags:
        for result in (before, after, at_end):
            assert "stream_iac" in result.stderr  # the request log
    else:
        assert before.stderr == after.stderr == at_end.stderr


def test_global_options_after_the_command_reach_the_connection(inproc: Harness) -> None:
    inproc.env = ENV
    stack = inproc.stack(STACK)
    wrong_key = inproc.run("plan", stack, "--api-key", "another-key")
    assert wrong_key.exit_code == 1 and wrong_key.output == inproc.run("--api-key", "another-key", "plan",
                                                                         stack).output
    refused = inproc.run("plan", stack, "--base-url", "http://example.com")
    assert refused.exit_code == 1 and "http://" in refused.stderr


def test_an_option_value_that_looks_like_a_global_option_is_left_alone(
    inproc: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inproc.env = ENV
    stack = inproc.stack(STACK)
    monkeypatch.chdir(tmp_path)
    result = inproc.run("plan", stack, "--out", "-v")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "-v").is_file() and "stream_iac" not in result.stderr  # a file named -v, no request log


def test_plan_max_deletes_fails_early(inproc: Harness) -> None:
    inproc.env = ENV
    stack = inproc.stack({**STACK, "roles": ["agent", "gone1", "gone2", "gone3"]})
    assert inproc.run("apply", "--auto-approve", stack).exit_code == 0
    stack = inproc.stack({**STACK, "stack": {"prune": ["roles"]}})
    for fmt in ("text", "json", "markdown"):
        result = inproc.run("plan", stack, "--max-deletes", "2", "--format", fmt)
        assert result.exit_code == 1
        assert "more than --max-deletes 2" in result.stderr and "roles.gone1" in result.stderr
        if fmt == "json":
            assert "more than --max-deletes 2" in json.loads(result.stdout)["error"]["message"]
        elif fmt == "markdown":
            assert result.stdout.startswith("## stream-iac plan\n") and "The plan failed" in result.stdout
            assert "more than --max-deletes 2" in result.stdout
        else:
            assert result.stdout == ""
    ok = inproc.run("plan", stack, "--max-deletes", "3", "--detailed-exitcode")
    assert ok.exit_code == 2 and "- delete roles.gone3" in ok.stdout


def test_markdown_error_documents(inproc: Harness) -> None:
    stack = inproc.stack(STACK)  # APN_P8 is not set
    for command in ("plan", "drift"):
        result = inproc.run(command, stack, "--format", "markdown")
        assert result.exit_code == 1
        assert result.stdout.startswith(f"## stream-iac {command}\n\n> [!CAUTION]\n")
        assert "APN_P8" in result.stdout and "```text\nerror: " in result.stdout
    fenced = inproc.stack({"commands": {"x": {"description": 5}}}, name="fenced")
    result = inproc.run("plan", fenced, "--format", "markdown")
    assert result.exit_code == 1 and "```text" in result.stdout
