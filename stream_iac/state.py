"""Desired state (from a stack) and live state (from the API), in one shape:
kind name -> object name -> body. Bodies hold only declared fields; secrets are `Secret`s."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stream_iac.errors import Location
from stream_iac.kinds import BY_NAME
from stream_iac.kinds.base import JSON, Context, Kind
from stream_iac.paths import FieldPath, dotted

LiveState = dict[str, dict[str, JSON]]
Locate = Callable[[FieldPath], Location | None]  # a path inside an object's body → where it is written


@dataclass(frozen=True)
class Credentials:
    api_key_env: str
    api_secret_env: str


@dataclass(frozen=True)
class StackMeta:
    name: str
    root: Path
    prune: frozenset[str] = frozenset()
    protect: frozenset[str] = frozenset()
    credentials: Credentials | None = None


@dataclass(frozen=True)
class DesiredObject:
    kind: str
    name: str
    body: JSON
    location: Location | None = None
    locate: Locate | None = field(default=None, compare=False, repr=False)  # set by validate


@dataclass
class DesiredState:
    meta: StackMeta
    objects: dict[str, dict[str, DesiredObject]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(objects) for objects in self.objects.values())

    def bodies(self, kind: str) -> dict[str, JSON]:
        return {name: obj.body for name, obj in self.objects.get(kind, {}).items()}

    def has(self, kind: str, name: str) -> bool:
        return name in self.objects.get(kind, {})

    def context(self, live: LiveState | None = None, without: frozenset[tuple[str, str]] = frozenset()) -> Context:
        """kind -> name -> body, desired over live, leaving out the objects in `without`
        (those a plan deletes): what command sets and `all` expand against."""
        context: dict[str, dict[str, JSON]] = {}
        for kind_name in BY_NAME:
            merged = {**(live or {}).get(kind_name, {}), **self.bodies(kind_name)}
            context[kind_name] = {n: b for n, b in merged.items() if (kind_name, n) not in without}
        return context

    def references(self, context: Context | None = None) -> Iterator[Reference]:
        """Every reference from a declared object to a named object of another kind, read from
        the body as the API will hold it (command sets expanded against `context`)."""
        context = self.context() if context is None else context
        for kind_name, objects in self.objects.items():
            kind = BY_NAME[kind_name]
            for obj in objects.values():
                for target_kind, target in kind.refs.find(kind.shape.expand(obj.body, context)):
                    decl = BY_NAME[target_kind]
                    if not decl.singleton:
                        yield Reference(kind, obj, decl, target)


@dataclass(frozen=True)
class Reference:
    kind: Kind
    source: DesiredObject
    target_kind: Kind
    target: str

    @property
    def path(self) -> FieldPath:
        """Where the source object's body, as the stack declares it, names the target (a grant's
        permission: ("grants", "user", 1)); () when it is not written there as such (a command a
        set expands to)."""
        for top, value in self.source.body.items():
            if (self.target_kind.name, self.target) not in self.kind.refs.find({top: value}):
                continue
            found = _find(value, self.target)
            if found is not None:
                return (top, *found)
        return ()

    @property
    def place(self) -> Location | None:
        """The file:line:column of the reference (of its object, when the path is not known)."""
        path = self.path
        located = self.source.locate(path) if path and self.source.locate else None
        return located or self.source.location

    @property
    def text(self) -> str:
        """`stack.yaml:7:24: channel_types.support.grants.user[1] refers to permissions.x`."""
        place = self.place
        return f"{place}: {self.what}" if place else self.what

    @property
    def what(self) -> str:
        """`channel_types.support.grants.user[1] refers to permissions.x` (`text` without its place)."""
        path = self.path
        field_path = f".{dotted(path)}" if path else ""
        source, target = self.kind.address(self.source.name), self.target_kind.address(self.target)
        return f"{source}{field_path} refers to {target}"

    def misfit(self, context: Context) -> str | None:
        """Why the object referred to, as `context` holds it (kind → name → body), is not one this
        reference can name (`References.fits`), or None when it fits or is not there."""
        target_body = context.get(self.target_kind.name, {}).get(self.target)
        if target_body is None:
            return None
        return self.kind.refs.fits(self.source.body, (self.target_kind.name, self.target), target_body)


def _find(value: Any, target: str) -> FieldPath | None:
    """The path of the first string equal to `target` in `value` (a value, else a mapping key)."""
    if isinstance(value, str):
        return () if value == target else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _find(item, target)
            if found is not None:
                return (key, *found)
        return (target,) if target in value else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _find(item, target)
            if found is not None:
                return (index, *found)
    return None
