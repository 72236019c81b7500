"""Field paths and the patterns kinds use to describe them.

A path is a tuple of keys and list indexes, e.g. ("event_hooks", 0, "sqs_secret"). A change's
path may name a list item by its identity instead of its position: ("event_hooks", Item("id",
"h1"), "timeout_ms"), shown as `event_hooks[id=h1].timeout_ms` (see `Fields.identities`).
A pattern is a dotted string where `*` matches any one mapping key and `[]` any list item:
"grants.*", "event_hooks[].sqs_secret", "datadog_info.api_key".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

FieldPath = tuple[str | int, ...]
"""Where a value sits inside a stack or an API object (not a file path)."""


@dataclass(frozen=True)
class Item:
    """A list item named by the key the API identifies it by (an event hook's `id`)."""

    key: str
    value: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


ChangePath = tuple[str | int | Item, ...]
"""Where a change sits inside an object: a FieldPath whose list items may be named by identity."""


@lru_cache(maxsize=4096)
def _pattern_parts(pattern: str) -> tuple[str, ...]:
    parts: list[str] = []
    for piece in pattern.split("."):
        while piece.endswith("[]"):
            piece = piece[:-2]
            if piece:
                parts.append(piece)
            piece = ""
            parts.append("[]")
        if piece:
            parts.append(piece)
    return tuple(parts)


def matches(pattern: str, path: ChangePath) -> bool:
    parts = _pattern_parts(pattern)
    return len(parts) == len(path) and _parts_match(parts, path)


def _parts_match(parts: tuple[str, ...], path: ChangePath) -> bool:
    for part, key in zip(parts, path, strict=True):
        if part == "[]":
            if not isinstance(key, int | Item):
                return False
        elif part != "*" and part != key:
            return False
    return True


@lru_cache(maxsize=256)
def pattern_roots(patterns: frozenset[str]) -> frozenset[str] | None:
    """The top-level keys any of `patterns` can match below, or None when one matches below any
    key (it starts with `*` or `[]`). A walk looking for those patterns need not enter others."""
    roots: set[str] = set()
    for pattern in patterns:
        first = _pattern_parts(pattern)[0]
        if first in ("*", "[]"):
            return None
        roots.add(first)
    return frozenset(roots)


_ANY_FIRST = "\x00any"  # the group of patterns whose first part is `*` or `[]`


@lru_cache(maxsize=512)
def _grouped(patterns: frozenset[str] | tuple[str, ...]) -> dict[tuple[int, str], tuple[tuple[str, ...], ...]]:
    """Each pattern's parts, by how many there are and by the key they start with (or
    _ANY_FIRST): a path can only match those of its length that start with its first key."""
    found: dict[tuple[int, str], list[tuple[str, ...]]] = {}
    for pattern in patterns:
        parts = _pattern_parts(pattern)
        first = _ANY_FIRST if parts[0] in ("*", "[]") else parts[0]
        found.setdefault((len(parts), first), []).append(parts)
    return {group: tuple(members) for group, members in found.items()}


def matches_any(patterns: Iterable[str], path: ChangePath) -> bool:
    """Whether any of `patterns` matches `path`. (Asked for every path of every diff: a set or
    tuple of patterns is compiled once, grouped by length and first key.)"""
    if not isinstance(patterns, frozenset | tuple):
        return any(matches(p, path) for p in patterns)
    if not patterns or not path:
        return any(matches(p, path) for p in patterns)
    groups = _grouped(patterns)
    first = path[0]
    named = groups.get((len(path), first)) if isinstance(first, str) else None
    if named is not None and any(_parts_match(parts, path) for parts in named):
        return True
    wild = groups.get((len(path), _ANY_FIRST))
    return wild is not None and any(_parts_match(parts, path) for parts in wild)


def dotted(path: ChangePath) -> str:
    """("grants", "admin") -> "grants.admin"; ("event_hooks", 0, "url") -> "event_hooks[0].url";
    ("event_hooks", Item("id", "h1"), "url") -> "event_hooks[id=h1].url"."""
    text = ""
    for key in path:
        if isinstance(key, int | Item):
            text += f"[{key}]"
        else:
            text += ("." if text else "") + key
    return text
