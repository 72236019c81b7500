"""The deletion rules, checked again just before a saved plan is applied, against live state as
it is then (every kind read, not only the objects the plan touches) and whatever the plan says:
never delete a built-in or a protected object, nor an object that something would still refer
to once the plan's other changes are made. Pure: live state comes in, problems go out."""

from __future__ import annotations

from stream_iac.kinds import BY_NAME, KINDS
from stream_iac.kinds.base import JSON
from stream_iac.plan.build import Plan, after_apply
from stream_iac.state import LiveState


def delete_problems(plan: Plan, live: LiveState, protect: frozenset[str]) -> list[str]:
    """Why some of `plan`'s deletes must not be made now (empty when all may)."""
    problems: list[str] = []
    deleted: set[tuple[str, str]] = set()
    for change in plan.deletes:
        kind = BY_NAME.get(change.kind)
        if kind is None or kind.singleton or kind.api.delete is None:
            problems.append(f"{change.address} cannot be deleted: its kind has no delete")
            continue
        deleted.add((kind.name, change.name))
        live_obj = live.get(kind.name, {}).get(change.name)
        if kind.builtin(change.name, live_obj or {}):
            problems.append(f"{change.address} cannot be deleted: it is built-in")
        if change.address in protect:
            problems.append(f"{change.address} cannot be deleted: it is protected (stack.protect)")
        if kind.api.name_problem(change.name):
            problems.append(f"{change.address} cannot be deleted: its name cannot go in a request path")
    if deleted:
        problems.extend(_still_referenced(plan, live, deleted))
    return problems


def _still_referenced(plan: Plan, live: LiveState, deleted: set[tuple[str, str]]) -> list[str]:
    """Deletes of objects that a live object, or one the plan creates, would still refer to after
    the plan's creates and updates."""
    wanted: dict[tuple[str, str], JSON | None] = {
        (c.kind, c.name): c.after for c in plan.changes if c.action != "delete"
    }
    problems: list[str] = []
    for kind in KINDS:
        have = live.get(kind.name, {})
        names = set(have) | {name for k, name in wanted if k == kind.name}
        for name in sorted(names):
            if (kind.name, name) in deleted:
                continue
            after = after_apply(kind, have.get(name), wanted.get((kind.name, name)))
            for target_kind, target in sorted(set(kind.refs.find(after)) & deleted):
                if (kind.name, name) not in wanted and target_kind in kind.refs.removed_with:
                    continue  # live only, and the API removes it with the target
                problems.append(f"{BY_NAME[target_kind].address(target)} cannot be deleted: "
                                f"{kind.address(name)} refers to it")
    return problems
