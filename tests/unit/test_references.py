"""Every reference mistake stops a plan alike, naming the place it is written: an unknown role, an
unknown command, an unknown permission id in grants. The one exception: a permission the live
list cannot confirm because that list is known to be incomplete (it shows no built-in permission,
although ListPermissions returns "built-in + custom", REFERENCE.md §8.3). Then the plan only
warns, and the warning is in every format: text, JSON, Markdown (the PR comment) and drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from stream_iac.errors import UserError
from stream_iac.export import export_stack
from stream_iac.kinds.base import BUILTIN_MARK
from stream_iac.plan import Plan, build_plan
from stream_iac.render.drift import drift_json, drift_markdown, drift_text
from stream_iac.render.json_plan import plans_json
from stream_iac.render.markdown import render_markdown
from stream_iac.render.text import render_plan
from stream_iac.stack.validate import load_and_validate
from stream_iac.state import DesiredState, LiveState
from tests.unit.stackfiles import live_state as live

STACK = """\
roles: [agent]
channel_types:
  support:
    grants:
      agent: [read-channel, read-chanel]
"""
# A live app whose ListPermissions shows built-in permissions: the list is complete.
COMPLETE = {"read-channel": {"name": "Read Channel", "action": "ReadChannel", "condition": {}, BUILTIN_MARK: True}}


def desired(tmp_path: Path, text: str = STACK) -> DesiredState:
    (tmp_path / "stack.yaml").write_text(text, encoding="utf-8")
    return load_and_validate(tmp_path, env={})




def refusal(state: DesiredState, current: LiveState) -> str:
    with pytest.raises(UserError) as info:
        build_plan(state, current)
    return info.value.message


def test_unknown_permission_in_grants_stops_the_plan_at_the_grants_place(tmp_path: Path) -> None:
    message = refusal(desired(tmp_path), live(permissions=COMPLETE))
    assert message.startswith("cannot plan:"), message
    assert "stack.yaml:5:29: channel_types.support.grants.agent[1] refers to permissions.read-chanel" in message
    assert "which is neither built-in, declared in the stack, nor live (did you mean 'read-channel'?)" in message
    assert "read-channel," not in message  # the documented built-in id is fine


def test_unknown_role_and_command_stop_the_plan_the_same_way(tmp_path: Path) -> None:
    state = desired(tmp_path, "channel_types:\n  support:\n    commands: [giphy, tiket]\n"
                              "    grants:\n      agnet: [read-channel]\n")
    message = refusal(state, live(permissions=COMPLETE, roles={"agent": {}}, commands={"ticket": {}}))
    assert "stack.yaml:3:23: channel_types.support.commands[1] refers to commands.tiket" in message
    assert "(did you mean 'ticket'?)" in message
    assert "stack.yaml:5:7: channel_types.support.grants.agnet refers to roles.agnet" in message
    assert "(did you mean 'agent'?)" in message


def test_unknown_permission_in_app_grants_names_its_place(tmp_path: Path) -> None:
    state = desired(tmp_path, "app:\n  grants:\n    admin: [flag-user, nope-perm]\n")
    message = refusal(state, live(permissions=COMPLETE))
    assert "stack.yaml:3:24: app.grants.admin[1] refers to permissions.nope-perm" in message


def test_declared_and_live_custom_permissions_are_fine(tmp_path: Path) -> None:
    text = STACK.replace("read-chanel", "vip-post") + (
        "permissions:\n  vip-post: {name: VIP post, action: CreateMessage, condition: {}}\n")
    assert build_plan(desired(tmp_path, text), live(permissions=COMPLETE)).warnings == []
    live_custom = {**COMPLETE, "read-chanel": {"name": "x", "action": "ReadChannel", "condition": {}}}
    assert build_plan(desired(tmp_path), live(permissions=live_custom)).warnings == []


def plan_with_unconfirmed_permission(tmp_path: Path) -> Plan:
    """The live list shows no built-in permission (custom ones only): it is known to be incomplete."""
    custom_only = {"vip-post": {"name": "VIP", "action": "CreateMessage", "condition": {}}}
    return build_plan(desired(tmp_path), live(permissions=custom_only))


def test_a_permission_an_incomplete_list_cannot_confirm_only_warns(tmp_path: Path) -> None:
    plan = plan_with_unconfirmed_permission(tmp_path)
    assert [c.address for c in plan.changes] == ["roles.agent", "channel_types.support"]
    assert len(plan.warnings) == 1, plan.warnings
    warning = plan.warnings[0]
    assert warning.startswith(str(tmp_path / "stack.yaml") + ":5:29: channel_types.support.grants.agent[1] "
                              "refers to permissions.read-chanel"), warning
    assert "ListPermissions showed no built-in permission for this app" in warning
    assert "did you mean 'read-channel'?" in warning


def test_the_warning_is_in_every_format(tmp_path: Path) -> None:
    plan = plan_with_unconfirmed_permission(tmp_path)
    needle = "channel_types.support.grants.agent[1] refers to permissions.read-chanel"
    text = render_plan(plan)
    assert any(line.startswith("warning: ") and needle in line for line in text.splitlines()), text
    doc = plans_json([plan])
    assert any(needle in w for w in doc["stacks"][0]["warnings"]), doc
    json.dumps(doc)
    markdown = render_markdown([plan])
    assert "> [!CAUTION]\n> **1 warning**" in markdown, markdown
    assert any(line.startswith("> - ") and needle in line for line in markdown.splitlines()), markdown
    head = markdown.split("<details>")[0]  # in the head, which is never cut to fit a comment
    assert needle in head
    assert needle in render_markdown([plan], max_chars=len(head) + 200)
    assert needle in drift_text([plan]) and needle in drift_markdown([plan])
    assert any(needle in w for w in drift_json([plan])["stacks"][0]["warnings"])


def test_markdown_of_several_stacks_says_whose_warning_it_is(tmp_path: Path) -> None:
    plan = plan_with_unconfirmed_permission(tmp_path)
    other = Plan(stack="eu", changes=[], unmanaged=[])
    markdown = render_markdown([plan, other])
    assert f"(stack {plan.stack})" in markdown.split("> [!CAUTION]")[1].split("\n\n")[0]
    assert "[!CAUTION]" not in render_markdown([other])


def test_validate_warns_offline_about_undeclared_custom_permissions_only(tmp_path: Path) -> None:
    state = desired(tmp_path)
    assert len(state.warnings) == 1, state.warnings
    assert "stack.yaml:5:29: channel_types.support.grants.agent[1] refers to permissions.read-chanel" in \
        state.warnings[0]
    assert "plan checks that it exists live" in state.warnings[0]


def test_export_keeps_a_grant_an_incomplete_list_cannot_confirm(tmp_path: Path) -> None:
    """Export leaves out references to what does not exist; with a complete list it knows."""
    support = {"grants": {"agent": ["custom-one"]}}
    kept = export_stack(live(roles={"agent": {}}, channel_types={"support": support}), tmp_path / "kept")
    complete = export_stack(live(roles={"agent": {}}, channel_types={"support": support}, permissions=COMPLETE),
                            tmp_path / "dropped")
    # The roles with default grants that the live map lacks are exported as cleared (`role: []`).
    assert (_grants(tmp_path / "kept") or {}).get("agent") == ["custom-one"], kept
    assert "agent" not in (_grants(tmp_path / "dropped") or {}), complete


def _grants(folder: Path) -> Any:
    for path in folder.rglob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        support = (data.get("channel_types") or {}).get("support")
        if support is not None:
            return support.get("grants")
    return None
