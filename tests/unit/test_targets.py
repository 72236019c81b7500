"""--target on synthetic live state: unknown addresses, bare kinds, dependencies pulled in."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream_iac.errors import UserError
from stream_iac.plan import PlanOptions, build_plan
from tests.unit.test_plan import desired, live


def test_a_target_matching_nothing_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    state = desired(tmp_path, {"roles": ["agent"], "commands": {"ticket": {"description": "d"}}})
    with pytest.raises(UserError, match=r"--target 'roles.agnet' matches no object .*did you mean 'roles.agent'"):
        build_plan(state, live(), PlanOptions(targets=("roles.agnet",)))
    with pytest.raises(UserError, match="'comands'.*did you mean 'commands'"):
        build_plan(state, live(), PlanOptions(targets=("comands",)))


def test_a_target_may_name_a_live_object_or_a_built_in(tmp_path: Path) -> None:
    state = desired(tmp_path, {"roles": ["agent"]})
    plan = build_plan(state, live(roles={"old": {}}), PlanOptions(targets=("roles.old", "channel_types.messaging",
                                                                            "app")))
    assert plan.changes == [] and plan.partial is not None


def test_a_bare_kind_targets_every_change_of_the_kind(tmp_path: Path) -> None:
    state = desired(tmp_path, {"roles": ["a", "b"], "commands": {"c": {"description": "d"}}})
    plan = build_plan(state, live(), PlanOptions(targets=("roles",)))
    assert [c.address for c in plan.changes] == ["roles.a", "roles.b"]
    assert plan.to_json()["partial"] == {"targets": ["roles"], "dependencies": []}


def test_dependencies_are_pulled_in_transitively(tmp_path: Path) -> None:
    state = desired(tmp_path, {
        "app": {"push_config": {"version": "v3"}},
        "roles": ["agent"],
        "commands": {"ticket": {"description": "d"}, "other": {"description": "o"}},
        "channel_types": {"support": {"commands": ["ticket"], "grants": {"agent": ["read-channel"]}}},
        "push_providers": {"p": {"type": "apn", "apn_topic": "t", "apn_auth_key": "${env:KEY}"}},
    }, env={"KEY": "apn-key-material"})
    current = live(app={"app": {"push_config": {"version": "v1"}}})
    plan = build_plan(state, current, PlanOptions(targets=("channel_types.support", "push_providers.p")))
    assert [c.address for c in plan.changes] == ["app", "roles.agent", "commands.ticket", "channel_types.support",
                                                 "push_providers.p"]
    assert plan.partial is not None
    assert plan.partial.dependencies == ("app", "commands.ticket", "roles.agent")


def test_a_targeted_delete_pulls_in_the_update_that_stops_referring_to_it(tmp_path: Path) -> None:
    state = desired(tmp_path, {"stack": {"prune": ["commands"]}, "channel_types": {"support": {"commands": []}}})
    current = live(commands={"old": {"description": "x"}}, channel_types={"support": {"commands": ["old"]}})
    plan = build_plan(state, current, PlanOptions(targets=("commands.old",)))
    assert [c.address for c in plan.changes] == ["channel_types.support", "commands.old"]
