"""YAML nodes → located values: every value of a file as an `Item` that knows where it is
written, with strings holding `${…}` references kept as `Template`s until the stack is merged."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from stream_iac.errors import Location, Problem
from stream_iac.stack import refs

MAX_VALUES = 1_000_000  # per file, counting alias expansions ("billion laughs")
MAX_DEPTH = 100

_TAG = "tag:yaml.org,2002:"
_TEXT_TAGS = {_TAG + "str", _TAG + "timestamp", _TAG + "merge"}  # timestamps stay as written
_CONSTRUCTOR = SafeConstructor()
_SCALAR_BUILDERS: dict[str, Any] = {
    _TAG + "null": _CONSTRUCTOR.construct_yaml_null,
    _TAG + "bool": _CONSTRUCTOR.construct_yaml_bool,
    _TAG + "int": _CONSTRUCTOR.construct_yaml_int,
    _TAG + "float": _CONSTRUCTOR.construct_yaml_float,
}
_KEY_TAGS = _TEXT_TAGS | set(_SCALAR_BUILDERS)
_SEQ, _MAP = _TAG + "seq", _TAG + "map"
_new_location = tuple.__new__


# ---------------------------------------------------------------- located values


@dataclass(frozen=True)
class Template:
    """A string value with references, resolved after all files are merged."""

    text: str
    parts: tuple[refs.Part, ...]


@dataclass(frozen=True)
class WordList:
    """Items read from a line file: kept as one value (a list may hold 10,000 items), with
    the line of each item so an error can still point at it."""

    words: tuple[str, ...]
    file: str
    lines: tuple[int, ...]


@dataclass(slots=True)
class Item:
    """A value as written: dict[str, Item] | list[Item] | scalar | Template. Never mutated
    (not frozen only because a frozen dataclass is slow to build, and there is one per value)."""

    value: Any
    loc: Location
    source: Path  # the file it is written in (absolute); ${file:} and line files are relative to it
    key_loc: Location | None = None

    def where(self) -> Location:
        if self.key_loc is not None and isinstance(self.value, dict | list | WordList):
            return self.key_loc
        return self.loc


def absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def shown_path(path: Path) -> str:
    """A path as shown to users: relative to the working directory when under it."""
    text, cwd = str(path), os.getcwd()
    if text == cwd:
        return "."
    under = cwd.rstrip(os.sep) + os.sep  # string work: pathlib costs more than the rest of a small file
    return text[len(under):] if text.startswith(under) else text


# ---------------------------------------------------------------- YAML → located values


class Abort(Exception):
    """A file that cannot be read any further; it contributes nothing."""

    def __init__(self, loc: Location, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


class Builder:
    """Builds `Item`s from YAML nodes of one file, recording every node's place."""

    def __init__(self, source: Path, shown: str, problems: list[Problem]) -> None:
        self.source = source
        self.shown = shown
        self.problems = problems
        self.count = 0
        self.active: set[int] = set()  # nodes being built: an alias to one of them is recursive

    def loc(self, mark: yaml.Mark) -> Location:
        # tuple.__new__ directly: a named tuple's own __new__ is a Python function, and a file
        # makes one Location per node and per key.
        return _new_location(Location, (self.shown, mark.line + 1, mark.column + 1))

    def build(self, node: yaml.Node, depth: int, key_loc: Location | None = None) -> Item:
        loc = self.loc(node.start_mark)
        self.count += 1
        if self.count > MAX_VALUES:
            raise Abort(loc, f"too many values (more than {MAX_VALUES:,}, counting alias expansions)")
        if depth > MAX_DEPTH:
            raise Abort(loc, f"nested more than {MAX_DEPTH} levels deep")
        if type(node) is yaml.ScalarNode:  # most values; a scalar cannot contain an alias
            return Item(self.scalar(node, loc), loc, self.source, key_loc)
        if id(node) in self.active:
            raise Abort(loc, "recursive alias (an anchor used inside itself)")
        self.active.add(id(node))
        try:
            return Item(self.collection(node, depth, loc), loc, self.source, key_loc)
        finally:
            self.active.discard(id(node))

    def collection(self, node: yaml.Node, depth: int, loc: Location) -> Any:
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return [self.build(child, depth + 1) for child in node.value]
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            return self.mapping(node, depth)
        self.unsupported(node.tag, loc)
        return None

    def unsupported(self, tag: str, loc: Location) -> None:
        self.problems.append((loc, f"unsupported YAML tag {tag.replace(_TAG, '!!')!r}"))

    def scalar(self, node: yaml.ScalarNode, loc: Location) -> Any:
        if node.tag in _TEXT_TAGS:
            return self.text(str(node.value), loc)
        builder = _SCALAR_BUILDERS.get(node.tag)
        if builder is None:
            self.unsupported(node.tag, loc)
            return None
        try:
            return builder(node)
        except (ValueError, KeyError, TypeError, OverflowError, IndexError):
            self.problems.append((loc, f"invalid {node.tag.replace(_TAG, '!!')} value {node.value!r}"))
            return None

    def text(self, value: str, loc: Location) -> str | Template:
        if not refs.might_have_refs(value):
            return value
        try:
            parts = refs.parse(value)
        except refs.RefSyntaxError as exc:
            self.problems.append((loc, str(exc)))
            return value
        if all(isinstance(p, str) for p in parts):  # only `$${` escapes
            return "".join(str(p) for p in parts)
        return Template(value, parts)

    def mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Item]:
        explicit: dict[str, Item] = {}
        merged: dict[str, Item] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _TAG + "merge":
                self.merge_into(merged, value_node, depth)
                continue
            key = self.key(key_node)
            if key is None:
                continue
            key_loc = self.loc(key_node.start_mark)
            if key in explicit:
                first = explicit[key].key_loc
                self.problems.append((key_loc, f"duplicate key {key!r} (first defined at {first})"))
                continue
            explicit[key] = self.build(value_node, depth + 1, key_loc)
        return {**{k: v for k, v in merged.items() if k not in explicit}, **explicit}

    def merge_into(self, merged: dict[str, Item], node: yaml.Node, depth: int) -> None:
        """`<<: *anchor` / `<<: [*a, *b]`: keys not already present (earlier sources win)."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            item = self.build(source, depth + 1) if isinstance(source, yaml.MappingNode) else None
            if item is None or not isinstance(item.value, dict):
                where = self.loc(source.start_mark)
                self.problems.append((where, "'<<' (merge key) needs a mapping or a list of mappings"))
                continue
            for key, value in item.value.items():
                merged.setdefault(key, value)

    def key(self, node: yaml.Node) -> str | None:
        """Mapping keys are taken as written (`yes:` is the key "yes"); refs are not resolved."""
        if not isinstance(node, yaml.ScalarNode):
            self.problems.append((self.loc(node.start_mark), "mapping keys must be names, not lists or mappings"))
            return None
        if node.tag not in _KEY_TAGS:
            self.unsupported(node.tag, self.loc(node.start_mark))
            return None
        return str(node.value)
