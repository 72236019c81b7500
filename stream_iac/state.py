"""Desired state (from a stack) and live state (from the API), in one shape:
kind name -> object name -> body. Bodies hold only declared fields; secrets are `Secret`s."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from stream_iac.errors import Location
from stream_iac.kinds import BY_NAME
from stream_iac.kinds.base import JSON, Context, Kind

LiveState = dict[str, dict[str, JSON]]


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
    def text(self) -> str:
        where = f" ({self.source.location})" if self.source.location else ""
        return f"{self.kind.address(self.source.name)}{where} refers to {self.target_kind.address(self.target)}"
