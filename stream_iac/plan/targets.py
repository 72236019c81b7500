"""`--target ADDRESS`: a plan limited to some objects, like Terraform's, but safer. An address
that matches no declared or live object is an error (a typo must not read as "no changes"); a
bare kind (`commands`) targets every object of the kind; the changes a targeted change depends
on are pulled in (it could not be applied without them); and the plan says it is partial."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stream_iac.errors import UserError
from stream_iac.kinds import BY_NAME, KINDS
from stream_iac.plan.order import with_dependencies
from stream_iac.stack.diagnostics import did_you_mean
from stream_iac.state import DesiredState, LiveState

if TYPE_CHECKING:
    from stream_iac.plan.build import Change


@dataclass(frozen=True)
class Partial:
    """What a targeted plan covers: the targets as given, and the addresses of the changes it
    also holds because a targeted change depends on them."""

    targets: tuple[str, ...]
    dependencies: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"targets": list(self.targets), "dependencies": list(self.dependencies)}

    @classmethod
    def from_json(cls, doc: Any) -> Partial | None:
        if not isinstance(doc, dict):
            return None
        return cls(tuple(doc.get("targets") or ()), tuple(doc.get("dependencies") or ()))


def known_addresses(desired: DesiredState, live: LiveState) -> set[str]:
    """Every address a target may name: declared and live objects, and built-ins."""
    found: set[str] = set()
    for kind in KINDS:
        names = set(desired.bodies(kind.name)) | set(live.get(kind.name, {})) | set(kind.builtins.names)
        found.update(kind.address(name) for name in names)
    return found


def unmatched(targets: Iterable[str], known: set[str], stack: str) -> list[str]:
    """A problem for each target that is neither a kind nor a known address."""
    problems = []
    for target in dict.fromkeys(targets):
        if target in BY_NAME or target in known:
            continue
        hint = did_you_mean(target, sorted(known | set(BY_NAME))) or (
            f" (an address is KIND.NAME, e.g. {_example(known)}, or a bare kind: "
            f"{', '.join(BY_NAME)})")
        problems.append(f"--target {target!r} matches no object declared in stack {stack!r} or live in its app{hint}")
    return problems


def _example(known: set[str]) -> str:
    """An address to show in a hint: a known object's, else the pattern."""
    objects = sorted(a for a in known if "." in a)
    return objects[0] if objects else "KIND.NAME"


def targeted(
    changes: list[Change], targets: tuple[str, ...], desired: DesiredState, live: LiveState
) -> tuple[list[Change], Partial]:
    """The changes of the targeted objects and those they depend on. Raises UserError for a
    target that matches nothing."""
    problems = unmatched(targets, known_addresses(desired, live), desired.meta.name)
    if problems:
        raise UserError("\n".join(problems) if len(problems) > 1 else problems[0])
    kinds = {t for t in targets if t in BY_NAME}
    chosen = {c.address for c in changes if c.address in targets or c.kind in kinds}
    selected, pulled_in = with_dependencies(changes, chosen)
    return selected, Partial(tuple(dict.fromkeys(targets)), tuple(pulled_in))
