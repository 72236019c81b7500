"""Dependency order of a plan's changes: which change waits for which, and the one order the
renderers show and the executor follows (levels from `stream_iac.kinds.LEVELS`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stream_iac.kinds import BY_NAME, KINDS, LEVEL
from stream_iac.kinds.base import Context
from stream_iac.state import DesiredState

if TYPE_CHECKING:
    from stream_iac.plan.build import Change


def link_dependencies(changes: list[Change], desired: DesiredState, context: Context) -> None:
    """Creates and updates wait for what they refer to; deletes wait for every change that
    stops referring to the deleted object, and for deletes of objects that refer to it."""
    by_address = {c.address: c for c in changes}
    for change in changes:
        kind = BY_NAME[change.kind]
        if change.action == "delete":
            continue
        body = kind.shape.expand(desired.bodies(change.kind)[change.name], context)
        for target_kind, target in kind.refs.find(body) + kind.refs.ordering(body):
            dep = by_address.get(BY_NAME[target_kind].address(target))
            if dep and dep.action != "delete" and dep is not change:
                change.depends_on.append(dep.address)
    for change in changes:
        if change.action != "delete":
            continue
        for other in changes:
            if other is change or other.live is None:
                continue
            refs = BY_NAME[other.kind].refs.find(other.live)
            if (change.kind, change.name) in refs:
                other_is_before = other.action in ("update", "delete")
                if other_is_before:
                    change.depends_on.append(other.address)
    for change in changes:
        change.depends_on = sorted(set(change.depends_on))


def with_dependencies(changes: list[Change], chosen: set[str]) -> tuple[list[Change], list[str]]:
    """The changes at the `chosen` addresses and every change they depend on, transitively (a
    targeted change cannot be applied without them); and the addresses pulled in that way."""
    by_address = {c.address: c for c in changes}
    selected = {a for a in chosen if a in by_address}
    todo = list(selected)
    while todo:
        for dep in by_address[todo.pop()].depends_on:
            if dep in by_address and dep not in selected:
                selected.add(dep)
                todo.append(dep)
    return [c for c in changes if c.address in selected], sorted(selected - chosen)


def ordered(changes: list[Change]) -> list[Change]:
    """Dependency order (a change after everything it depends on); deletes last, in reverse."""
    action_rank = {"create": 0, "update": 0, "delete": 1}
    by_address = {c.address: c for c in changes}
    rank = {kind.name: LEVEL[kind.name] for kind in KINDS}

    def key(c: Change) -> tuple[int, int, str]:
        order = rank[c.kind] if c.action != "delete" else -rank[c.kind]
        return (action_rank[c.action], order, c.address)

    result: list[Change] = []
    placed: set[str] = set()

    def place(c: Change, visiting: set[str]) -> None:
        if c.address in placed or c.address in visiting:
            return
        visiting.add(c.address)
        for dep in c.depends_on:
            if dep in by_address:
                place(by_address[dep], visiting)
        placed.add(c.address)
        result.append(c)

    for change in sorted(changes, key=key):
        place(change, set())
    return result
