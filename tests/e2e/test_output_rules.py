"""The output rules of issue 16 item 4, through the real CLI against the strict emulator: colour
(`--color`, `NO_COLOR`, `FORCE_COLOR`, `TERM=dumb`), the apply summary by created, updated and
deleted, plan lines grouped by kind, and a Markdown plan that never drops a delete or the `Plan:`
line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from stream_emulator import Emulator, EmulatorOptions, serve_in_thread
from stream_iac.drift_schema import drift_schema
from stream_iac.kinds import KINDS
from stream_iac.plan import Change, Plan
from stream_iac.rehearse import Refusal, Rehearsal
from stream_iac.render.markdown import MAX_CHARS, PART_MARK, render_markdown, render_markdown_parts
from stream_iac.render.rehearsal import rehearsal_markdown_lines
from stream_iac.schema import plan_schema
from stream_iac.terminal import color_enabled
from tests.e2e.conftest import KEY, SECRET, Harness
from tests.e2e.test_kinds import ENV, FULL, apply_ok
from tests.e2e.test_outputs import every_action_stack

ESCAPE = "\x1b["
NO_ENV: dict[str, Any] = {"NO_COLOR": None, "FORCE_COLOR": None, "TERM": None}

# -- colour: one function decides ------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "env", "tty", "expected"), [
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value disables
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"FORCE_COLOR": ""}, False, False),
    ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ("auto", {"TERM": "dumb"}, True, False),
    ("auto", {"TERM": "dumb", "FORCE_COLOR": "1"}, False, True),
    ("always", {"NO_COLOR": "1", "TERM": "dumb"}, False, True),
    ("never", {"FORCE_COLOR": "1"}, True, False),
])
def test_color_enabled(mode: str, env: dict[str, str], tty: bool, expected: bool) -> None:
    assert color_enabled(mode, env, tty) is expected


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ([], {}, False),  # not a terminal
    ([], {"NO_COLOR": ""}, False),
    ([], {"NO_COLOR": "", "FORCE_COLOR": "1"}, True),  # an empty NO_COLOR does not disable
    ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    (["--color=always"], {"NO_COLOR": "1"}, True),
    (["--color", "always"], {}, True),
    (["--color=never"], {"FORCE_COLOR": "1"}, False),
    (["--no-color"], {"FORCE_COLOR": "1"}, False),
])
@pytest.mark.parametrize("where", ["before", "after"])
def test_colour_of_plan_output(inproc: Harness, args: list[str], env: dict[str, str], coloured: bool,
                               where: str) -> None:
    inproc.env = ENV
    stack = inproc.stack(FULL)
    argv = [*args, "plan", stack] if where == "before" else ["plan", stack, *args]
    result = inproc.run(*argv, env={**NO_ENV, **env})
    assert result.exit_code == 0, result.output
    assert (ESCAPE in result.stdout) is coloured, result.stdout[:200]
    assert "+ create roles.agent" in result.stdout


def test_an_unknown_colour_mode_is_a_usage_error(inproc: Harness) -> None:
    result = inproc.run("plan", "x", "--color=sometimes")
    assert result.exit_code == 1 and "sometimes" in result.stderr


# -- the apply summary counts what was created, updated and deleted -------------------------------


def test_apply_summary_counts_created_updated_deleted(inproc: Harness) -> None:
    inproc.env = ENV
    first = apply_ok(inproc, inproc.stack(FULL))
    assert "Apply complete: 10 created, 2 updated, 0 deleted in " in first
    assert " applied," not in first
    result = inproc.run("apply", "--auto-approve", "--format", "json", inproc.stack(every_action_stack(), name="all"))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"] == {"created": 7, "updated": 7, "deleted": 3, "failed": 0, "skipped": 0,
                                 "not_attempted": 0}
    empty = inproc.run("apply", "--auto-approve", "--format", "json", inproc.stack(every_action_stack(), name="all"))
    assert json.loads(empty.stdout)["summary"]["created"] == 0


# -- plan lines grouped by kind, sorted by address within a level ---------------------------------


def change_heads(text: str) -> list[tuple[str, str]]:
    """(action, address) of each change line of a text plan, in order."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^  [+~-] (create|update|delete) (\S+)$", text, re.M)]


def assert_grouped(changes: list[tuple[str, str]]) -> None:
    """Each (creating-or-updating / deleting, kind) group is contiguous, sorted by address, and
    creates and updates come in the order of kinds.LEVELS except where a group depends on a
    later one (the app's grants name a role the plan creates)."""
    groups: list[tuple[bool, str]] = []
    for action, address in changes:
        group = (action == "delete", address.split(".")[0])
        if not groups or groups[-1] != group:
            assert group not in groups, f"{group} is split: {changes}"
            groups.append(group)
    for group in groups:
        addresses = [a for act, a in changes if (act == "delete", a.split(".")[0]) == group]
        assert addresses == sorted(addresses), addresses
    assert [deleting for deleting, _ in groups] == sorted(deleting for deleting, _ in groups)


def test_plan_lines_are_grouped_by_kind_in_every_renderer(inproc: Harness) -> None:
    inproc.env = ENV
    first = inproc.run("plan", inproc.stack(FULL))
    heads = change_heads(first.stdout)
    assert_grouped(heads)
    kinds = [address.split(".")[0] for _, address in heads]
    assert kinds.index("roles") < kinds.index("app"), "the app grants a role this plan creates"
    order = [kind.name for kind in KINDS]
    rest = [k for k in dict.fromkeys(kinds) if k != "roles"]
    assert rest == sorted(rest, key=order.index)
    apply_ok(inproc, inproc.stack(FULL))
    stack = inproc.stack(every_action_stack(), name="all")
    text = change_heads(inproc.run("plan", stack).stdout)
    assert_grouped(text)
    assert [a for a, _ in text][-3:] == ["delete"] * 3
    doc = json.loads(inproc.run("plan", stack, "--format", "json").stdout)
    assert [(c["action"], c["address"]) for c in doc["stacks"][0]["changes"]] == text
    markdown = inproc.run("plan", stack, "--format", "markdown").stdout
    assert re.findall(r"<code>[+~-] (create|update|delete) (\S+)</code>", markdown) == text
    drift = inproc.run("drift", stack).stdout
    assert change_heads(drift) == text


# -- Markdown keeps the summary and every delete -----------------------------------------------------


def deleting_plan(count: int, name_length: int) -> Plan:
    changes = [Change(f"roles.{'r' * name_length}{i:04d}", "roles", f"{'r' * name_length}{i:04d}", "delete",
                      {"name": "x"}, None, [], []) for i in range(count)]
    return Plan(stack="production", changes=changes, unmanaged=[])


@pytest.mark.parametrize("name_length", [10, 250])
def test_a_300_delete_markdown_plan_lists_every_delete_and_the_plan_line(name_length: int) -> None:
    plan = deleting_plan(300, name_length)
    parts = render_markdown_parts([plan])
    assert all(len(part) <= MAX_CHARS for part in parts)
    whole = render_markdown([plan])
    assert whole == "\n".join(parts)
    for change in plan.deletes:
        assert f"`{change.address}`" in whole
    assert "`Plan: 0 to create, 0 to update, 300 to delete." in whole
    if name_length == 10:
        assert len(parts) == 1 and PART_MARK not in whole
    else:  # 300 names of 250 characters: more than one comment can hold
        assert len(parts) > 1
        assert all(part.startswith(f"{PART_MARK}{n} of {len(parts)} -->\n") for n, part in enumerate(parts, 1))
        assert "## stream-iac plan (part 2 of" in parts[1] and "> Deletes, continued:" in parts[1]


def test_a_rehearsal_too_long_for_one_comment_is_split_with_the_plan_and_loses_no_finding() -> None:
    """The rehearsal's findings are part of the Markdown head: never cut, and split into parts
    under GitHub's limit with the deletes when they do not fit in one."""
    plan = deleting_plan(300, 150)
    refused = [Refusal(c.address, "delete", "failed", f"DeleteRole failed (HTTP 400): {'no ' * 40}{i}")
               for i, c in enumerate(plan.deletes)]
    lines = rehearsal_markdown_lines([Rehearsal(stack="production", changes=300, refused=refused)])
    parts = render_markdown_parts([plan], MAX_CHARS, ["\n", *lines])
    assert len(parts) > 1 and all(len(part) <= MAX_CHARS for part in parts)
    whole = "\n".join(parts)
    assert whole.index("`Plan: 0 to create") < whole.index("### Rehearsal")
    for refusal in refused:
        assert refusal.message in whole
    for change in plan.deletes:
        assert f"`{change.address}`" in whole


def test_a_300_delete_markdown_plan_through_the_cli(inproc: Harness) -> None:
    commands = {f"gone-{i:03d}": {"description": "to delete"} for i in range(300)}
    kept = {"kept": {"description": "stays"}}
    apply_ok(inproc, inproc.stack({"commands": {**commands, **kept}}))
    pruning = inproc.stack({"stack": {"prune": ["commands"]}, "commands": kept})
    result = inproc.run("plan", pruning, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "This plan **deletes 300 objects**" in result.stdout
    for name in commands:
        assert f"> - `commands.{name}`" in result.stdout
    assert "`Plan: 0 to create, 0 to update, 300 to delete." in result.stdout


# -- rate-limit waits: on the live line as they happen; wall-clock time in the summary --------------


@pytest.mark.parametrize("no_color", ["", "1"])
def test_the_live_line_shows_rate_limit_waits_and_the_summary_wall_clock_waiting(tmp_path: Path,
                                                                                 no_color: str) -> None:
    """apply on a terminal (a pty as stderr), against an app whose CreateChannelType allows 20 a
    minute: the throttle spaces the creates 1.5 s apart, and the live line says so. Three workers
    wait at once, so the wall-clock waiting the summary gives is less than their sum, and never
    more than the apply took. With escape sequences off (NO_COLOR), no live line: one line per
    change, as in logs."""
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)],
                                        limits={KEY: {"CreateChannelType": (20, 1)}}))
    handle = serve_in_thread(emulator, host="127.0.0.1", port=0)
    stack = tmp_path / "stack.yaml"
    stack.write_text(yaml.safe_dump({"channel_types": {f"t{i}": {"automod": "disabled"} for i in range(3)}}))
    env = {**os.environ, "STREAM_API_KEY": KEY, "STREAM_API_SECRET": SECRET, "STREAM_BASE_URL": handle.url,
           "TERM": "xterm", "NO_COLOR": no_color, "FORCE_COLOR": ""}
    leader, follower = os.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "stream_iac", "apply", "--auto-approve", str(stack)],
                                   stdout=subprocess.PIPE, stderr=follower, env=env, text=True)
        os.close(follower)
        terminal = read_until_closed(leader)
        stdout, _ = process.communicate(timeout=120)
    finally:
        os.close(leader)
        handle.stop()
    assert process.returncode == 0, stdout + terminal
    if no_color:
        assert "\x1b" not in terminal and "waiting" not in terminal, terminal
        assert re.search(r"^\[3/3\] applied: create channel_types.t\d\r?$", terminal, re.M), terminal
    else:
        assert re.search(r"\r\x1b\[K\[\d/3\] waiting [0-9.]+s: CreateChannelType, 20/min", terminal), terminal
    summary = re.search(r"Apply complete: 3 created, 0 updated, 0 deleted in ([0-9.]+)s "
                        r"\(([0-9.]+)s of it waiting for rate limits\)", stdout)
    assert summary is not None, stdout
    elapsed, waited = map(float, summary.groups())
    assert 0 < waited <= elapsed


def read_until_closed(fd: int) -> str:
    """Everything written to a pty until its other end is closed."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the writer closed it
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def test_apply_reports_in_markdown_and_into_the_step_summary(inproc: Harness, tmp_path: Path) -> None:
    inproc.env = ENV
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    result = inproc.run("apply", "--auto-approve", "--format", "markdown", "--step-summary", inproc.stack(FULL),
                        env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## stream-iac apply\n\n**Stack `stack`**: Apply complete: 10 created, "
                                    "2 updated, 0 deleted in ")
    assert "<summary>Every change (12)</summary>" in result.stdout
    assert "- applied: `+ create roles.agent`" in result.stdout
    assert "+ create roles.agent" in result.stderr, "the plan goes to stderr"
    assert summary.read_text() == result.stdout
    for value in ENV.values():
        assert value not in result.stdout
    again = inproc.run("apply", "--auto-approve", "--format", "markdown", inproc.stack(FULL))
    assert again.exit_code == 0 and "no changes, nothing was applied" in again.stdout


def test_a_failing_markdown_plan_writes_an_error_document(inproc: Harness) -> None:
    """Whatever fails (the API refusing the credentials here), stdout holds a Markdown document
    for the pull-request comment."""
    inproc.env = ENV
    for command in ("plan", "drift", "apply"):
        approve = ["--auto-approve"] if command == "apply" else []
        args = [command, inproc.stack(FULL), "--format", "markdown", *approve]
        result = inproc.run(*args, env={"STREAM_API_SECRET": "wrong-secret-0123456789"})
        assert result.exit_code == 1, result.output
        assert result.stdout.startswith(f"## stream-iac {command}\n\n> [!CAUTION]\n"), result.stdout
        assert "```text\nerror: " in result.stdout and "wrong-secret" not in result.output


# -- one JSON shape for one stack or many; drift JSON has its schema ---------------------------------


def test_plan_json_has_one_shape_for_one_stack_or_several(inproc: Harness) -> None:
    inproc.env = ENV
    first, second = inproc.stack(FULL, name="first"), inproc.stack({"roles": ["agent"]}, name="second")
    one = json.loads(inproc.run("plan", first, "--format", "json").stdout)
    two = json.loads(inproc.run("plan", first, second, "--format", "json").stdout)
    for doc in (one, two):
        jsonschema.validate(doc, plan_schema())
    assert set(one) == set(two) == {"format_version", "stacks", "summary"}
    assert [s["stack"] for s in two["stacks"]] == ["first", "second"]  # named by their folders
    assert two["stacks"][0] == one["stacks"][0]
    assert one["summary"] == one["stacks"][0]["summary"]
    assert two["summary"]["create"] == one["summary"]["create"] + two["stacks"][1]["summary"]["create"]


def test_drift_json_is_valid_against_its_schema(inproc: Harness) -> None:
    inproc.env = ENV
    stack = inproc.stack(FULL)
    apply_ok(inproc, stack)
    in_sync = inproc.run("drift", stack, "--format", "json")
    assert in_sync.exit_code == 0, in_sync.output
    jsonschema.validate(json.loads(in_sync.stdout), drift_schema())
    apply_ok(inproc, inproc.stack({"channel_types": {"support": {"max_message_length": 1234}},
                                   "commands": {"rogue": {"description": "made by hand"}}}, name="other"))
    drifted = inproc.run("drift", stack, "--format", "json")
    assert drifted.exit_code == 2
    doc = json.loads(drifted.stdout)
    jsonschema.validate(doc, drift_schema())
    assert doc["in_sync"] is False and doc["stacks"][0]["differences"][0]["address"] == "channel_types.support"
    failed = inproc.run("drift", stack, "--format", "json", env={"STREAM_API_SECRET": "wrong-secret-0123456789"})
    assert failed.exit_code == 1
    jsonschema.validate(json.loads(failed.stdout), drift_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**doc, "in_sync": "no"}, drift_schema())
