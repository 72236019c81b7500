"""`--target`: an address that matches nothing is an error with a did-you-mean; a bare kind
targets the whole kind; a targeted change pulls in the changes it depends on and says so; every
targeted plan says it is partial, in every format."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from stream_iac.schema import plan_schema
from tests.e2e.conftest import Harness

SUPPORT: dict[str, Any] = {
    "roles": ["agent"],
    "commands": {"ticket": {"description": "Open a ticket"}, "refund": {"description": "Refund"}},
    "blocklists": {"bad": {"words": ["alpha"]}},
    "channel_types": {"support": {"commands": ["ticket"], "blocklists": [{"blocklist": "bad", "behavior": "block"}]}},
}


@pytest.mark.parametrize("command", [["plan"], ["plan", "--detailed-exitcode"], ["apply", "--auto-approve"],
                                     ["plan", "--format", "json"]])
def test_a_mistyped_target_is_an_error_with_a_suggestion(inproc: Harness, command: list[str]) -> None:
    stack = inproc.stack(SUPPORT)
    result = inproc.run(*command, stack, "--target", "comands.ticket")
    assert result.exit_code == 1, result.output
    assert "--target 'comands.ticket' matches no object" in result.stderr
    assert "did you mean 'commands.ticket'?" in result.stderr
    assert "Live state matches" not in result.output
    assert inproc.snapshot()["commands"] == []


def test_a_target_naming_a_live_object_the_stack_does_not_declare_is_fine(inproc: Harness) -> None:
    stack = inproc.stack(SUPPORT)
    result = inproc.run("plan", stack, "--target", "channel_types.messaging", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert "No changes to the targeted objects" in result.stdout
    assert "Partial plan" in result.stdout


def test_a_bare_kind_targets_the_whole_kind(inproc: Harness) -> None:
    stack = inproc.stack(SUPPORT)
    result = inproc.run("apply", "--auto-approve", stack, "--target", "commands")
    assert result.exit_code == 0, result.output
    snapshot = inproc.snapshot()
    assert {c["name"] for c in snapshot["commands"]} == {"ticket", "refund"}
    assert "support" not in snapshot["channel_types"]
    assert "agent" not in {r["name"] for r in snapshot["roles"]}


def test_a_targeted_change_pulls_in_what_it_depends_on_and_applies(harness: Harness) -> None:
    stack = harness.stack(SUPPORT)
    result = harness.run("apply", "--auto-approve", stack, "--target", "channel_types.support")
    assert result.exit_code == 0, result.output
    assert "also included, because the targeted changes depend on them: blocklists.bad, commands.ticket" \
        in result.stdout
    snapshot = harness.snapshot()
    assert "support" in snapshot["channel_types"]
    assert {c["name"] for c in snapshot["commands"]} == {"ticket"}, "refund is not a dependency"
    assert "agent" not in {r["name"] for r in snapshot["roles"]}


def test_every_format_says_a_targeted_plan_is_partial(inproc: Harness) -> None:
    stack = inproc.stack(SUPPORT)
    text = inproc.run("plan", stack, "--target", "channel_types.support")
    assert text.exit_code == 0, text.output
    assert "Partial plan (--target channel_types.support)" in text.stdout

    doc = json.loads(inproc.run("plan", stack, "--format", "json", "--target", "channel_types.support").stdout)
    jsonschema.validate(doc, plan_schema())
    assert doc["stacks"][0]["partial"] == {"targets": ["channel_types.support"],
                                           "dependencies": ["blocklists.bad", "commands.ticket"]}
    full = json.loads(inproc.run("plan", stack, "--format", "json").stdout)
    jsonschema.validate(full, plan_schema())
    assert full["stacks"][0]["partial"] is None

    markdown = inproc.run("plan", stack, "--format", "markdown", "--target", "channel_types.support")
    assert "Partial plan" in markdown.stdout and "`channel_types.support`" in markdown.stdout
    assert "No changes" not in markdown.stdout
