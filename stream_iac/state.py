"""Desired state (from a stack) and live state (from the API), in one shape:
kind name -> object name -> body. Bodies hold only declared fields; secrets are `Secret`s."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from stream_iac.errors import Location
from stream_iac.kinds.base import JSON

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
