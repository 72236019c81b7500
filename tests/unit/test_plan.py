"""The planner on synthetic live state: creates, updates, prune, protect, built-ins, ordering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stream_iac.errors import UserError
from stream_iac.plan import PlanOptions, build_plan, check_max_deletes
from stream_iac.stack.validate import load_and_validate
from stream_iac.state import DesiredState
from tests.unit.stackfiles import live_state as live


def desired(tmp_path: Path, data: dict[str, Any], env: dict[str, str] | None = None) -> DesiredState:
    (tmp_path / "stack.yaml").write_text(yaml.safe_dump(data))
    return load_and_validate(tmp_path, env=env or {})




def test_new_objects_are_created_dependencies_first(tmp_path: Path) -> None:
    state = desired(tmp_path, {
        "commands": {"ticket": {"description": "Open"}},
        "roles": ["agent"],
        "channel_types": {"support": {"commands": ["ticket"], "grants": {"agent": ["read-channel"]}}},
    })
    plan = build_plan(state, live())
    order = [c.address for c in plan.changes]
    assert set(order) == {"commands.ticket", "roles.agent", "channel_types.support"}
    assert order.index("channel_types.support") > order.index("commands.ticket")
    assert order.index("channel_types.support") > order.index("roles.agent")
    support = next(c for c in plan.changes if c.address == "channel_types.support")
    assert support.depends_on == ["commands.ticket", "roles.agent"]


def test_unmanaged_objects_are_listed_not_deleted_without_prune(tmp_path: Path) -> None:
    state = desired(tmp_path, {"roles": ["agent"]})
    plan = build_plan(state, live(roles={"agent": {}, "old": {}}, commands={"legacy": {"description": "x"}}))
    assert plan.changes == []
    assert sorted(plan.unmanaged) == ["commands.legacy", "roles.old"]


def test_prune_deletes_only_listed_kinds_and_never_protected_or_builtin(tmp_path: Path) -> None:
    state = desired(tmp_path, {
        "stack": {"prune": ["commands", "channel_types"], "protect": ["commands.keep"]},
        "roles": ["agent"],
    })
    current = live(
        commands={"legacy": {"description": "x"}, "keep": {"description": "y"}},
        roles={"old": {}},
        channel_types={"messaging": {}, "custom": {}},
    )
    plan = build_plan(state, current)
    deletes = sorted(c.address for c in plan.deletes)
    assert deletes == ["channel_types.custom", "commands.legacy"]
    assert "commands.keep" in plan.unmanaged and "roles.old" in plan.unmanaged
    assert all("messaging" not in c.address for c in plan.changes)


def test_prune_flag_prunes_every_kind(tmp_path: Path) -> None:
    state = desired(tmp_path, {"roles": ["agent"]})
    plan = build_plan(state, live(roles={"agent": {}, "old": {}}), PlanOptions(prune=True))
    assert [c.address for c in plan.deletes] == ["roles.old"]


def test_max_deletes_refuses_a_plan_with_more_deletes(tmp_path: Path) -> None:
    state = desired(tmp_path, {"stack": {"prune": ["roles"]}, "roles": ["agent"]})
    plan = build_plan(state, live(roles={"agent": {}, "a": {}, "b": {}}))
    check_max_deletes(plan, 2)
    with pytest.raises(UserError, match="more than --max-deletes 1"):
        check_max_deletes(plan, 1)


def test_delete_still_referenced_by_a_live_object_is_refused(tmp_path: Path) -> None:
    state = desired(tmp_path, {"stack": {"prune": ["commands"]}, "roles": ["agent"]})
    current = live(commands={"ticket": {"description": "x"}},
                   channel_types={"support": {"commands": ["giphy", "ticket"]}})
    with pytest.raises(UserError, match="commands.ticket cannot be deleted: channel_types.support still refers"):
        build_plan(state, current)


def test_removing_reference_then_deleting_orders_update_before_delete(tmp_path: Path) -> None:
    state = desired(tmp_path, {"stack": {"prune": ["commands"]},
                               "channel_types": {"support": {"commands": ["giphy"]}}})
    current = live(commands={"ticket": {"description": "x"}},
                   channel_types={"support": {"commands": ["giphy", "ticket"], "automod": "disabled",
                                              "automod_behavior": "flag", "max_message_length": 5000}})
    plan = build_plan(state, current)
    assert [c.address for c in plan.changes] == ["channel_types.support", "commands.ticket"]
    assert plan.changes[1].depends_on == ["channel_types.support"]


def test_unknown_reference_is_an_error_at_plan_time(tmp_path: Path) -> None:
    state = desired(tmp_path, {"channel_types": {"support": {"commands": ["nope"]}}})
    with pytest.raises(UserError, match="refers to commands.nope"):
        build_plan(state, live())


def test_reference_to_live_object_is_fine(tmp_path: Path) -> None:
    state = desired(tmp_path, {"channel_types": {"support": {"commands": ["ticket"]}}})
    plan = build_plan(state, live(commands={"ticket": {"description": "x"}}))
    assert [c.action for c in plan.changes] == ["create"]
    assert plan.warnings == []


def test_command_sets_are_expanded_before_comparing(tmp_path: Path) -> None:
    state = desired(tmp_path, {"channel_types": {"messaging": {"commands": ["moderation_set", "giphy"]}}})
    current = live(channel_types={"messaging": {"commands": ["giphy", "ban", "unban", "mute", "unmute"]}})
    assert build_plan(state, current).changes == []


def test_immutable_field_change_is_refused(tmp_path: Path) -> None:
    state = desired(tmp_path, {"blocklists": {"bad": {"type": "regex", "words": ["a.*"]}}})
    with pytest.raises(UserError, match="cannot be changed once created"):
        build_plan(state, live(blocklists={"bad": {"type": "word", "words": ["a.*"]}}))


def test_target_limits_the_plan(tmp_path: Path) -> None:
    state = desired(tmp_path, {"roles": ["a", "b"]})
    plan = build_plan(state, live(), PlanOptions(targets=("roles.b",)))
    assert [c.address for c in plan.changes] == ["roles.b"]


def test_push_provider_waits_for_app_push_version(tmp_path: Path) -> None:
    state = desired(tmp_path, {
        "app": {"push_config": {"version": "v3"}},
        "push_providers": {"p": {"type": "apn", "apn_topic": "t", "apn_auth_key": "${env:KEY}"}},
    }, env={"KEY": "secret-value"})
    plan = build_plan(state, live(app={"app": {"push_config": {"version": "v1", "offline_only": False}}}))
    assert [c.address for c in plan.changes] == ["app", "push_providers.p"]
    assert plan.changes[1].depends_on == ["app"]
    assert plan.changes[1].sensitive_paths == ["apn_auth_key"]
    assert "secret-value" not in repr(plan.changes[1].after)
