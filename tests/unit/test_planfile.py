"""The saved-plan format: the MAC covers the whole document, any edit is detected, secrets are
stored as references and resolved again, and the header is read before the MAC is checked."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from stream_iac.plan import Change, Plan
from stream_iac.plan.diff import FieldChange
from stream_iac.plan.planfile import (
    PlanFileError,
    PlanHeader,
    check_mac,
    parse_plan_document,
    plan_document,
    read_header,
    signed,
)
from stream_iac.plan.targets import Partial
from stream_iac.secrets import Secret

KEY = "api-secret-0123456789"
HEADER = PlanHeader(stack_path="/stacks/prod", api_key="key", base_url="https://x", credentials=None,
                    protect=("roles.keep",))


def sample_plan() -> Plan:
    return Plan(stack="prod", unmanaged=["roles.other"], warnings=["w"], partial=Partial(("push_providers",), ("app",)),
                changes=[
        Change("app", "app", "app", "update", {"push_config": {"version": "v1"}}, {"push_config": {"version": "v3"}},
               ["push_config.version"], [], field_changes=[FieldChange(("push_config", "version"), "v1", "v3")],
               payload={"push_config": {"version": "v3"}}, live={"push_config": {"version": "v1"}}, fingerprint="f1"),
        Change("push_providers.p", "push_providers", "p", "create", None, {"type": "apn", "n": 1.5},
               ["type"], ["apn_auth_key"], payload={"type": "apn", "apn_auth_key": Secret("k€y\r\n", "file:keys/p8")},
               depends_on=["app"]),
    ])


def saved() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(signed(plan_document(sample_plan(), HEADER), KEY), indent=2))
    return doc


def test_a_saved_plan_reads_back_as_it_was_made() -> None:
    doc = saved()
    assert read_header(doc, "plan.json") == HEADER
    check_mac(doc, KEY, "plan.json")
    plan = parse_plan_document(doc, "plan.json", lambda ref: Secret("resolved", ref))
    original = sample_plan()
    assert [c.to_json() for c in plan.changes] == [c.to_json() for c in original.changes]
    assert plan.partial == original.partial and plan.warnings == ["w"] and plan.unmanaged == ["roles.other"]
    assert plan.changes[1].payload == {"type": "apn", "apn_auth_key": Secret("resolved", "file:keys/p8")}
    assert "k€y" not in json.dumps(doc), "secrets are stored as references"


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaves(child, (*path, key))
    elif isinstance(value, list) and value:
        for index, child in enumerate(value):
            yield from leaves(child, (*path, index))
    else:
        yield path


def test_any_edit_anywhere_is_refused() -> None:
    doc = saved()
    paths = [p for p in leaves(doc) if p != ("mac",)]
    assert len(paths) > 40
    for path in paths:
        edited = copy.deepcopy(doc)
        holder = edited
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = "edited" if holder[path[-1]] != "edited" else "EDITED"
        with pytest.raises(PlanFileError, match="changed after it was saved"):
            check_mac(edited, KEY, "plan.json")
    added = copy.deepcopy(doc)
    added["changes"].append(copy.deepcopy(added["changes"][0]))
    with pytest.raises(PlanFileError):
        check_mac(added, KEY, "plan.json")


def test_another_key_or_no_mac_is_refused() -> None:
    with pytest.raises(PlanFileError, match="MAC does not match"):
        check_mac(saved(), "another-secret", "plan.json")
    doc = saved()
    del doc["mac"]
    with pytest.raises(PlanFileError, match="has no MAC"):
        check_mac(doc, KEY, "plan.json")


@pytest.mark.parametrize("doc", [[], {"changes": []}, {"planfile_version": "1", "stack_path": "/s"},
                                 {"planfile_version": "2", "stack_path": 3, "protect": []}])
def test_what_is_not_a_saved_plan_of_this_version_is_refused(doc: Any) -> None:
    with pytest.raises(PlanFileError):
        read_header(doc, "plan.json")
