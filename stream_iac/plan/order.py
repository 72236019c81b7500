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
    """Dependency order, grouped for reading: creates and updates level by level (`kinds.LEVELS`),
    then deletes in reverse; each kind's changes together, sorted by address. A kind's group goes
    after every group it depends on (the app's grants may name a role created in the same plan),
    and within a group a change after those it depends on."""
    by_address = {c.address: c for c in changes}
    position = {kind.name: index for index, kind in enumerate(KINDS)}

    def group_of(c: Change) -> tuple[int, int, int]:
        deleting = c.action == "delete"
        sign = -1 if deleting else 1
        return (int(deleting), sign * LEVEL[c.kind], sign * position[c.kind])

    groups: dict[tuple[int, int, int], list[Change]] = {}
    for change in sorted(changes, key=lambda c: c.address):
        groups.setdefault(group_of(change), []).append(change)
    needs = {g: {group_of(by_address[d]) for c in members for d in c.depends_on if d in by_address} - {g}
             for g, members in groups.items()}
    result: list[Change] = []
    placed: set[str] = set()

    def place(c: Change, visiting: set[str]) -> None:
        if c.address in placed or c.address in visiting:
            return
        visiting.add(c.address)
        for dep in c.depends_on:
            if dep in by_address and group_of(by_address[dep]) == group_of(c):
                place(by_address[dep], visiting)
        placed.add(c.address)
        result.append(c)

    waiting = set(groups)
    while waiting:
        ready = [g for g in waiting if not needs[g] & waiting] or list(waiting)  # a cycle: the executor still waits
        group = min(ready)
        waiting.discard(group)
        for change in groups[group]:
            place(change, set())
    return result
