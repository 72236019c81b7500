"""Round trips against a real Stream app (`make test-live`; see conftest.py): plan, apply, plan
again, drift, export and rehearsal on channel types, commands, blocklists, roles and custom
permissions whose names carry the run's prefix. Each test builds on the one before (they share the
app's objects, deleted when the module ends)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from stream_iac.api.write import send_update
from stream_iac.kinds import BY_NAME
from tests.live.conftest import LiveApp

pytestmark = pytest.mark.live


def stack_of(live: LiveApp, max_message_length: int = 3000) -> dict[str, Any]:
    role, permission, command = live.name("agent"), live.name("read-own"), live.name("ticket")
    blocklist, channel_type = live.name("words"), live.name("support")
    return {
        "stack": {"name": live.prefix + "stack"},
        "roles": [role],
        "permissions": {permission: {"name": "Read own channels", "action": "ReadChannel",
                                     "condition": {"$subject.magic_custom_field": "magic_custom_value"},
                                     "description": "made by the stream-iac live suite"}},
        "commands": {command: {"description": "Open a ticket", "args": "[subject]"}},
        "blocklists": {blocklist: {"type": "word", "words": ["livesuiteword", "otherliveword"]}},
        "channel_types": {channel_type: {
            "max_message_length": max_message_length, "commands": ["giphy", command],
            "blocklists": [{"blocklist": blocklist, "behavior": "block"}],
            "grants": {role: ["read-channel", permission]},
        }},
    }


def addresses(live: LiveApp) -> set[str]:
    return {f"roles.{live.name('agent')}", f"permissions.{live.name('read-own')}",
            f"commands.{live.name('ticket')}", f"blocklists.{live.name('words')}",
            f"channel_types.{live.name('support')}"}


def test_plan_apply_and_plan_again(live: LiveApp) -> None:
    path = live.stack(stack_of(live))
    planned = live.run("plan", "--format", "json", "--detailed-exitcode", path)
    assert planned.exit_code == 2, planned.output
    changes = json.loads(planned.stdout)
    changes = changes["stacks"][0] if "stacks" in changes else changes
    assert {c["address"] for c in changes["changes"]} == addresses(live)
    assert all(c["action"] == "create" for c in changes["changes"])

    applied = live.run("apply", "--auto-approve", path)
    assert applied.exit_code == 0, applied.output
    assert "verified" in applied.stdout

    again = live.run("plan", "--detailed-exitcode", path)
    assert again.exit_code == 0, again.output


def test_an_update_round_trips(live: LiveApp) -> None:
    path = live.stack(stack_of(live, max_message_length=4000))
    planned = live.run("plan", "--detailed-exitcode", path)
    assert planned.exit_code == 2 and "max_message_length: 3000 → 4000" in planned.stdout, planned.output
    assert live.run("apply", "--auto-approve", path).exit_code == 0
    assert live.run("plan", "--detailed-exitcode", path).exit_code == 0


def drift_of(live: LiveApp, path: str) -> dict[str, Any]:
    result = live.run("drift", "--format", "json", path)
    assert result.exit_code in (0, 2), result.output  # other objects of the app are unmanaged drift
    stack: dict[str, Any] = json.loads(result.stdout)["stacks"][0]
    return stack


def test_drift_sees_a_change_made_outside_the_stack(live: LiveApp) -> None:
    path = live.stack(stack_of(live, max_message_length=4000))
    assert drift_of(live, path)["differences"] == []
    command = live.name("ticket")
    live.call(lambda client: send_update(client, BY_NAME["commands"], command,
                                         {"description": "changed by hand", "args": "[subject]"}))
    differences = drift_of(live, path)["differences"]
    assert [(d["address"], d["changed_paths"]) for d in differences] == [(f"commands.{command}", ["description"])]
    assert live.run("apply", "--auto-approve", path).exit_code == 0
    assert drift_of(live, path)["differences"] == []


def test_export_holds_what_was_applied(live: LiveApp, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    exported = live.run("export", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    declared = stack_of(live, max_message_length=4000)
    read = {file.stem: yaml.safe_load(file.read_text(encoding="utf-8")) for file in out.glob("*.yaml")}
    for kind in ("commands", "blocklists", "permissions", "channel_types"):
        for name, body in declared[kind].items():
            exported_body = read[kind][kind][name]
            for field, value in body.items():
                if field in ("words", "commands", "grants"):  # sets: order may differ
                    continue
                assert exported_body[field] == value, f"{kind}.{name}.{field}"
    assert live.name("agent") in read["roles"]["roles"]
    # The export of our objects plans to no changes (secrets of the rest of the app aside).
    ours = {kind: {n: b for n, b in read[kind][kind].items() if n.startswith(live.prefix)}
            for kind in ("commands", "blocklists", "permissions", "channel_types")}
    ours["roles"] = [r for r in read["roles"]["roles"] if r.startswith(live.prefix)]
    assert live.run("plan", "--detailed-exitcode", live.stack(ours, name="from-export")).exit_code == 0


def test_a_rehearsal_of_the_in_sync_stack_has_no_changes(live: LiveApp) -> None:
    result = live.run("plan", "--rehearse", "--detailed-exitcode", live.stack(stack_of(live, max_message_length=4000)))
    assert result.exit_code == 0, result.output
    assert "rehearsal: no changes" in result.stdout


def test_a_rehearsal_of_a_change_writes_nothing(live: LiveApp) -> None:
    """The change is applied to the emulated copy only: the app still plans to no changes."""
    stack = stack_of(live, max_message_length=4000)
    stack["commands"][live.name("ticket")]["description"] = "rehearsed, never applied"
    result = live.run("plan", "--rehearse", live.stack(stack, name="rehearsed"))
    assert result.exit_code == 0, result.output
    assert "a new plan is empty" in result.stdout
    assert live.run("plan", "--detailed-exitcode", live.stack(stack_of(live, 4000))).exit_code == 0, \
        "the rehearsal wrote to the app"
