"""The deletion rules checked again at apply time against live state, whatever the plan says."""

from __future__ import annotations

from stream_iac.kinds.base import BUILTIN_MARK
from stream_iac.plan import Change, Plan
from stream_iac.plan.guard import delete_problems


def delete(kind: str, name: str) -> Change:
    return Change(f"{kind}.{name}", kind, name, "delete", {}, None, [], [], live={})


def test_built_in_and_protected_objects_are_never_deleted() -> None:
    plan = Plan("s", [delete("channel_types", "messaging"), delete("roles", "keep"), delete("roles", "gone")], [])
    live = {"channel_types": {"messaging": {BUILTIN_MARK: True}}, "roles": {"keep": {}, "gone": {}}}
    assert delete_problems(plan, live, frozenset({"roles.keep"})) == [
        "channel_types.messaging cannot be deleted: it is built-in",
        "roles.keep cannot be deleted: it is protected (stack.protect)",
    ]


def test_a_delete_that_a_live_object_refers_to_is_refused() -> None:
    plan = Plan("s", [delete("commands", "b")], [])
    live = {"commands": {"b": {"description": "b"}}, "channel_types": {"support": {"commands": ["b", "giphy"]}}}
    assert delete_problems(plan, live, frozenset()) == [
        "commands.b cannot be deleted: channel_types.support refers to it"]


def test_a_reference_the_plan_removes_or_adds_counts_as_after_the_plan() -> None:
    live = {"commands": {"b": {"description": "b"}}, "channel_types": {"support": {"commands": ["b"]}}}
    removes = Change("channel_types.support", "channel_types", "support", "update", {"commands": ["b"]},
                     {"commands": []}, ["commands"], [])
    assert delete_problems(Plan("s", [removes, delete("commands", "b")], []), live, frozenset()) == []
    creates = Change("channel_types.new", "channel_types", "new", "create", None, {"commands": ["b"]}, [], [])
    assert delete_problems(Plan("s", [removes, creates, delete("commands", "b")], []), live, frozenset()) == [
        "commands.b cannot be deleted: channel_types.new refers to it"]
