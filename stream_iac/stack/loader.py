"""Read a stack: YAML files with a location for every value, merged across files and
includes, with `stack.vars` and `${…}` references resolved.

A stack is a folder (every `*.yaml`/`*.yml` under it, recursively, in sorted order;
hidden files and folders are skipped) or a single YAML file. Files under a folder the
stack includes belong to that include, not to the including stack.

Every problem is collected and raised together as one `StackError`; no other
exception escapes `load_stack`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from stream_iac.errors import Location, Problem, StackError
from stream_iac.paths import FieldPath
from stream_iac.stack import refs
from stream_iac.stack.diagnostics import did_you_mean

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_VALUES = 1_000_000  # per file, counting alias expansions ("billion laughs")
MAX_DEPTH = 100

MAPPING_KINDS = (
    "channel_types",
    "commands",
    "blocklists",
    "permissions",
    "push_providers",
    "retention_policies",
)
TOP_LEVEL_KEYS = ("stack", "app", "channel_types", "commands", "blocklists", "roles", "permissions",
                  "push_providers", "retention_policies")
YAML_SUFFIXES = (".yaml", ".yml")

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
_INCLUDE = ("stack", "include")
_VARS = ("stack", "vars")


@dataclass
class RawStack:
    root: Path  # the stack folder (or a single-file stack's folder)
    data: dict[str, Any]  # merged plain data, every ${…} resolved
    locations: dict[FieldPath, Location]  # where each value / list item is written (a collection: its key)
    refs: dict[FieldPath, str]  # value that was exactly one ${env:…}/${file:…} → "env:NAME" / "file:path"
    missing_env: dict[FieldPath, str]  # with allow_missing_env: value → env var that was not set
    files: list[Path]  # every file read, in order
    key_locations: dict[FieldPath, Location] = field(default_factory=dict)  # where each mapping key is
    # lists read from a words_file: path of the list → (file, line of each item)
    line_indexes: dict[FieldPath, tuple[str, tuple[int, ...]]] = field(default_factory=dict)


def load_stack(path: str | Path, *, env: Mapping[str, str], allow_missing_env: bool = False) -> RawStack:
    loader = _Loader(env, allow_missing_env)
    try:
        raw = loader.load(Path(path))
    except RecursionError:
        raise StackError([(None, f"{path}: stack is nested too deeply to read")]) from None
    except OSError as exc:
        raise StackError([(None, f"{path}: cannot read stack: {exc.strerror or exc}")]) from None
    if loader.problems:
        raise StackError(list(dict.fromkeys(loader.problems)))
    return raw


# ---------------------------------------------------------------- located values


@dataclass(frozen=True)
class _Template:
    """A string value with references, resolved after all files are merged."""

    text: str
    parts: tuple[refs.Part, ...]


@dataclass(frozen=True)
class _WordList:
    """Words read from a words_file: kept as one value (a blocklist may hold 10,000 words), with
    the line of each word so an error can still point at it."""

    words: tuple[str, ...]
    file: str
    lines: tuple[int, ...]


@dataclass(slots=True)
class _Item:
    """A value as written: dict[str, _Item] | list[_Item] | scalar | _Template. Never mutated
    (not frozen only because a frozen dataclass is slow to build, and there is one per value)."""

    value: Any
    loc: Location
    source: Path  # the file it is written in (absolute); ${file:} and words_file are relative to it
    key_loc: Location | None = None

    def where(self) -> Location:
        if self.key_loc is not None and isinstance(self.value, dict | list | _WordList):
            return self.key_loc
        return self.loc


def _abs(path: Path) -> Path:
    return Path(os.path.abspath(path))


def shown_path(path: Path) -> str:
    """A path as shown to users: relative to the working directory when under it."""
    text, cwd = str(path), os.getcwd()
    if text == cwd:
        return "."
    under = cwd.rstrip(os.sep) + os.sep  # string work: pathlib costs more than the rest of a small file
    return text[len(under):] if text.startswith(under) else text


def _is_under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


# ---------------------------------------------------------------- reading files


class _FileProblem(Exception):
    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # 0: not about one place in the file
        self.column = column


def _read_text(path: Path) -> str:
    """A file's text; raises _FileProblem when it is not a readable, small UTF-8 text file."""
    try:
        if not path.is_file():
            raise _FileProblem("is not a regular file" if path.exists() else "does not exist")
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _FileProblem(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _FileProblem("is larger than 10 MiB")
    return _decode(data)


def _decode(data: bytes) -> str:
    nul = data.find(b"\0")
    if nul >= 0:
        raise _FileProblem("contains NUL bytes (a binary file?)", *_line_col(data, nul))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise _FileProblem(f"is not valid UTF-8 text (byte 0x{bad:02x})", *_line_col(data, exc.start)) from None
    return text.removeprefix("\ufeff")


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _discover(path: Path) -> tuple[Path, list[Path]]:
    """The stack's root folder and its YAML files in sorted order."""
    if not path.is_dir():
        return path.parent, [path]
    files: list[Path] = []
    for folder, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files.extend(
            Path(folder, name)
            for name in filenames
            if name.lower().endswith(YAML_SUFFIXES) and not name.startswith(".")
        )
    return path, sorted(files, key=lambda f: f.relative_to(path).parts)


# ---------------------------------------------------------------- YAML → located values


class _Abort(Exception):
    """A file that cannot be read any further; it contributes nothing."""

    def __init__(self, loc: Location, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


_RESOLVER: Any = yaml.resolver.Resolver()


@functools.lru_cache(maxsize=4096)
def _resolve_scalar_tag(value: str, implicit: tuple[bool, bool]) -> str:
    return str(_RESOLVER.resolve(yaml.ScalarNode, value, implicit))


def _fast_loader() -> Any:
    """libyaml's parser when PyYAML has it (it does on every platform with wheels): several times
    faster on big stacks, with the same nodes and marks. libyaml still asks Python for the tag
    of every plain scalar; the answer depends only on the text, so it is remembered, and the
    path resolvers it calls around every node are skipped (safe loading registers none)."""
    base = getattr(yaml, "CSafeLoader", None)
    if base is None:
        return yaml.SafeLoader
    assert not base.yaml_path_resolvers

    class _Loader(base):  # type: ignore[misc, valid-type]
        def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
            if kind is yaml.ScalarNode and isinstance(implicit, tuple):
                return _resolve_scalar_tag(value, implicit)
            return str(super().resolve(kind, value, implicit))

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None

    return _Loader


_YAML_LOADER: Any = _fast_loader()


def _compose(text: str, shown: str, problems: list[Problem]) -> yaml.Node | None:
    """The YAML node tree of one document (None when empty or invalid: see problems). A file
    libyaml cannot parse is parsed again by PyYAML's own parser, whose messages are clearer."""
    if _YAML_LOADER is not yaml.SafeLoader:
        fast = _YAML_LOADER(text)
        try:
            node: yaml.Node | None = fast.get_single_node()
            return node
        except (yaml.YAMLError, RecursionError):
            pass
        finally:
            fast.dispose()
    return _compose_slowly(text, shown, problems)


def _compose_slowly(text: str, shown: str, problems: list[Problem]) -> yaml.Node | None:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        problems.append((Location(shown, line, column), f"invalid YAML: {exc.reason} (U+{code:04X})"))
        return None
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    except yaml.MarkedYAMLError as exc:
        problems.append((_mark_location(shown, exc), f"invalid YAML: {_yaml_message(exc)}"))
    except yaml.YAMLError as exc:
        problems.append((Location(shown, 1, 1), f"invalid YAML: {exc}"))
    except RecursionError:
        where = Location(shown, loader.line + 1, loader.column + 1)
        problems.append((where, "invalid YAML: nested too deeply"))
    finally:
        loader.dispose()
    return None


def _mark_location(shown: str, exc: yaml.MarkedYAMLError) -> Location:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return Location(shown, 1, 1)
    return Location(shown, mark.line + 1, mark.column + 1)


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    """`expected <block end>, but found '-' (while parsing a block mapping that starts at line 3)`"""
    if not (exc.context and exc.problem):
        return exc.problem or exc.context or "cannot parse"
    if not exc.context.startswith("while"):
        return f"{exc.context}, {exc.problem}"
    started = f" that starts at line {exc.context_mark.line + 1}" if exc.context_mark is not None else ""
    return f"{exc.problem} ({exc.context}{started})"


class _Builder:
    """Builds `_Item`s from YAML nodes of one file, recording every node's place."""

    def __init__(self, source: Path, shown: str, problems: list[Problem]) -> None:
        self.source = source
        self.shown = shown
        self.problems = problems
        self.count = 0
        self.active: set[int] = set()  # nodes being built: an alias to one of them is recursive

    def loc(self, mark: yaml.Mark) -> Location:
        return Location(self.shown, mark.line + 1, mark.column + 1)

    def build(self, node: yaml.Node, depth: int, key_loc: Location | None = None) -> _Item:
        loc = self.loc(node.start_mark)
        self.count += 1
        if self.count > MAX_VALUES:
            raise _Abort(loc, f"too many values (more than {MAX_VALUES:,}, counting alias expansions)")
        if depth > MAX_DEPTH:
            raise _Abort(loc, f"nested more than {MAX_DEPTH} levels deep")
        if type(node) is yaml.ScalarNode:  # most values; a scalar cannot contain an alias
            return _Item(self.scalar(node, loc), loc, self.source, key_loc)
        if id(node) in self.active:
            raise _Abort(loc, "recursive alias (an anchor used inside itself)")
        self.active.add(id(node))
        try:
            return _Item(self.collection(node, depth, loc), loc, self.source, key_loc)
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

    def text(self, value: str, loc: Location) -> str | _Template:
        if not refs.might_have_refs(value):
            return value
        try:
            parts = refs.parse(value)
        except refs.RefSyntaxError as exc:
            self.problems.append((loc, str(exc)))
            return value
        if all(isinstance(p, str) for p in parts):  # only `$${` escapes
            return "".join(str(p) for p in parts)
        return _Template(value, parts)

    def mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, _Item]:
        explicit: dict[str, _Item] = {}
        merged: dict[str, _Item] = {}
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

    def merge_into(self, merged: dict[str, _Item], node: yaml.Node, depth: int) -> None:
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


# ---------------------------------------------------------------- merging


def _deep_merge(old: _Item | None, new: _Item) -> _Item:
    """Include semantics: mappings merge recursively, lists and scalars replace."""
    if old is None or not isinstance(old.value, dict) or not isinstance(new.value, dict):
        return new
    merged = dict(old.value)
    for key, value in new.value.items():
        merged[key] = _deep_merge(merged.get(key), value)
    return replace(new, value=merged)


def _merge_meta(old: _Item, new: _Item) -> _Item:
    """`stack:` of an include and of the including stack: key by key; vars merge."""
    if not isinstance(old.value, dict) or not isinstance(new.value, dict):
        return new
    merged = dict(old.value)
    for key, value in new.value.items():
        prev = merged.get(key)
        if key == "vars" and prev is not None and isinstance(prev.value, dict) and isinstance(value.value, dict):
            merged[key] = replace(value, value={**prev.value, **value.value})
        else:
            merged[key] = value
    return replace(new, value=merged)


def _override(base: dict[str, _Item], top: dict[str, _Item]) -> dict[str, _Item]:
    out = dict(base)
    for key, item in top.items():
        old = out.get(key)
        out[key] = _merge_meta(old, item) if key == "stack" and old is not None else _deep_merge(old, item)
    return out


def _without_include(stack: dict[str, _Item]) -> dict[str, _Item]:
    meta = stack.get("stack")
    if meta is None or not isinstance(meta.value, dict) or "include" not in meta.value:
        return stack
    trimmed = {k: v for k, v in meta.value.items() if k != "include"}
    return {**stack, "stack": replace(meta, value=trimmed)}


_SHAPES = {
    "stack": (dict, "a mapping (name, include, prune, protect, vars, credentials)"),
    "app": (dict, "a mapping of app settings"),
    "roles": (list, "a list of role names"),
}


def _shape_problem(key: str, item: _Item) -> str | None:
    expected, described = _SHAPES.get(key, (dict, "a mapping of name: settings"))
    if isinstance(item.value, expected):
        return None
    return f"'{key}' must be {described}"


# ---------------------------------------------------------------- the loader


class _Loader:
    def __init__(self, env: Mapping[str, str], allow_missing_env: bool) -> None:
        self.env = env
        self.allow_missing_env = allow_missing_env
        self.problems: list[Problem] = []
        self.files: list[Path] = []
        self._parsed: dict[Path, _Item | None] = {}
        self._stacks: dict[Path, dict[str, _Item]] = {}

    def problem(self, loc: Location | None, message: str) -> None:
        self.problems.append((loc, message))

    def note_file(self, path: Path) -> None:
        if path not in self.files:
            self.files.append(path)

    def load(self, path: Path) -> RawStack:
        start = _abs(path)
        if not start.exists():
            raise StackError([(None, f"stack not found: {path}")])
        top = self.load_stack(start, (start.resolve(),))
        flat = _Flattener(self)
        data = flat.run(top)
        return RawStack(
            root=start if start.is_dir() else start.parent,
            data=data,
            locations=flat.locations,
            refs=flat.refs,
            missing_env=flat.missing_env,
            files=list(self.files),
            key_locations=flat.key_locations,
            line_indexes=flat.line_indexes,
        )

    # -- one stack: its own files, then its includes underneath

    def load_stack(self, path: Path, chain: tuple[Path, ...]) -> dict[str, _Item]:
        cached = self._stacks.get(chain[-1])
        if cached is not None:
            return cached
        root, files = _discover(path)
        docs = [(f, doc) for f in files if (doc := self.parse_file(f)) is not None]
        entries = self.include_entries(_shallowest_meta(docs))
        targets = [(entry, _abs(root / entry.value)) for entry in entries]
        inside = [t for _, t in targets if root in t.parents] if path.is_dir() else []
        own = self.merge_files([doc for f, doc in docs if not any(_is_under(f, t) for t in inside)])
        own = self.expand_words_files(own)
        result: dict[str, _Item] = {}
        for entry, target in targets:
            included = self.load_include(entry, target, chain)
            if included is not None:
                result = _override(result, _without_include(included))
        result = _override(result, own)
        self._stacks[chain[-1]] = result
        return result

    def include_entries(self, meta: _Item | None) -> list[_Item]:
        if meta is None or not isinstance(meta.value, dict):
            return []
        include = meta.value.get("include")
        if include is None or include.value is None:
            return []
        entries = include.value if isinstance(include.value, list) else [include]
        found: list[_Item] = []
        for entry in entries:
            if isinstance(entry.value, _Template):
                self.problem(entry.loc, "references (${…}) cannot be used in stack.include")
            elif not isinstance(entry.value, str) or not entry.value.strip():
                self.problem(entry.loc, "stack.include must be a list of paths")
            else:
                found.append(entry)
        return found

    def load_include(self, entry: _Item, target: Path, chain: tuple[Path, ...]) -> dict[str, _Item] | None:
        if not target.exists():
            self.problem(entry.loc, f"included stack {entry.value!r} not found ({shown_path(target)})")
            return None
        if target.is_file() and target.suffix not in (".yaml", ".yml"):
            self.problem(entry.loc, f"included stack {entry.value!r} must be a stack folder or a .yaml/.yml file")
            return None
        real = target.resolve()
        if real in chain:
            cycle = " → ".join(shown_path(p) for p in (*chain[chain.index(real) :], real))
            self.problem(entry.loc, f"include cycle: {cycle}")
            return None
        return self.load_stack(target, (*chain, real))

    # -- one file

    def parse_file(self, file: Path) -> _Item | None:
        if file not in self._parsed:
            self._parsed[file] = None
            self._parsed[file] = self._parse_file(file)
        return self._parsed[file]

    def _parse_file(self, file: Path) -> _Item | None:
        shown = shown_path(file)
        try:
            text = _read_text(file)
        except _FileProblem as exc:
            self.problem(Location(shown, max(exc.line, 1), max(exc.column, 1)), f"file {exc.message}")
            return None
        self.note_file(file)
        node = _compose(text, shown, self.problems)
        if node is None:
            return None
        try:
            top = _Builder(file, shown, self.problems).build(node, 0)
        except _Abort as exc:
            self.problem(exc.loc, exc.message)
            return None
        except RecursionError:
            self.problem(Location(shown, 1, 1), "nested too deeply")
            return None
        if top.value is None:
            return None
        if not isinstance(top.value, dict):
            self.problem(top.loc, "a stack file must be a mapping at the top level (stack:, app:, …)")
            return None
        return top

    # -- files of one stack

    def merge_files(self, docs: list[_Item]) -> dict[str, _Item]:
        merged: dict[str, _Item] = {}
        roles_seen: dict[str, Location] = {}
        for doc in docs:
            for key, item in doc.value.items():
                if key not in TOP_LEVEL_KEYS:
                    hint = did_you_mean(key, TOP_LEVEL_KEYS) or f" (expected one of: {', '.join(TOP_LEVEL_KEYS)})"
                    self.problem(item.key_loc, f"unknown top-level key {key!r}{hint}")
                    continue
                if item.value is None:
                    continue
                shape = _shape_problem(key, item)
                if shape is not None:
                    self.problem(item.where(), shape)
                    continue
                merged[key] = self.merge_kind(key, merged.get(key), item, roles_seen)
        return merged

    def merge_kind(self, key: str, old: _Item | None, new: _Item, roles_seen: dict[str, Location]) -> _Item:
        if key == "roles":
            self.check_roles(new, roles_seen)
            return new if old is None else replace(old, value=[*old.value, *new.value])
        if old is None:
            return new
        if key == "stack":
            self.problem(new.key_loc, f"'stack' may appear in only one file of a stack: here and at {old.key_loc}")
            return old
        combined = dict(old.value)
        for name, item in new.value.items():
            if name in combined:
                first = combined[name].key_loc
                self.problem(item.key_loc, f"{key}.{name} is defined twice: here and at {first}")
            else:
                combined[name] = item
        return replace(old, value=combined)

    def check_roles(self, roles: _Item, seen: dict[str, Location]) -> None:
        for role in roles.value:
            if not isinstance(role.value, str):
                continue
            if role.value in seen:
                self.problem(role.loc, f"role {role.value!r} is listed twice: here and at {seen[role.value]}")
            else:
                seen[role.value] = role.loc

    # -- blocklists' words_file

    def expand_words_files(self, stack: dict[str, _Item]) -> dict[str, _Item]:
        blocklists = stack.get("blocklists")
        if blocklists is None:
            return stack
        expanded = {name: self.expand_blocklist(name, item) for name, item in blocklists.value.items()}
        return {**stack, "blocklists": replace(blocklists, value=expanded)}

    def expand_blocklist(self, name: str, item: _Item) -> _Item:
        if not isinstance(item.value, dict) or "words_file" not in item.value:
            return item
        words_file = item.value["words_file"]
        if "words" in item.value:
            self.problem(
                words_file.key_loc,
                f"blocklists.{name}: give either words or words_file, not both "
                f"(words at {item.value['words'].key_loc})",
            )
            return replace(item, value={k: v for k, v in item.value.items() if k != "words_file"})
        words = self.read_words(words_file)
        fields: dict[str, _Item] = {}
        for key, value in item.value.items():
            if key != "words_file":
                fields[key] = value
            elif words is not None:
                fields["words"] = words
        return replace(item, value=fields)

    def read_words(self, words_file: _Item) -> _Item | None:
        if isinstance(words_file.value, _Template):
            self.problem(words_file.loc, "references (${…}) cannot be used in words_file")
            return None
        if not isinstance(words_file.value, str) or not words_file.value.strip():
            self.problem(words_file.loc, "words_file must be a path to a text file")
            return None
        path = _abs(words_file.source.parent / words_file.value)
        text = self.read_referenced(path, words_file.loc, f"words_file {words_file.value!r}")
        if text is None:
            return None
        words: list[str] = []
        lines: list[int] = []
        for number, line in enumerate(text.split("\n"), 1):
            word = line.strip()
            if word and not word.startswith("#"):
                words.append(word)
                lines.append(number)
        value = _WordList(tuple(words), shown_path(path), tuple(lines))
        return _Item(value, words_file.loc, words_file.source, words_file.key_loc)

    def read_referenced(self, path: Path, loc: Location, what: str) -> str | None:
        """The text of a file named inside the stack, or None (problem recorded at `loc`)."""
        try:
            text = _read_text(path)
        except _FileProblem as exc:
            line = f" (line {exc.line})" if exc.line else ""
            self.problem(loc, f"{what}: {shown_path(path)} {exc.message}{line}")
            return None
        self.note_file(path)
        return text


def _shallowest_meta(docs: list[tuple[Path, _Item]]) -> _Item | None:
    """The `stack:` of the file nearest the root (files deeper may belong to an include)."""
    metas = [(len(f.parts), f, doc.value["stack"]) for f, doc in docs if "stack" in doc.value]
    return min(metas, key=lambda m: (m[0], m[1]))[2] if metas else None


# ---------------------------------------------------------------- plain data + references


class _Flattener:
    """Turns the merged `_Item` tree into plain data, resolving references and
    recording locations. `stack.vars` is resolved first; it may use env and file refs."""

    def __init__(self, loader: _Loader) -> None:
        self.loader = loader
        self.locations: dict[FieldPath, Location] = {}
        self.key_locations: dict[FieldPath, Location] = {}
        self.refs: dict[FieldPath, str] = {}
        self.line_indexes: dict[FieldPath, tuple[str, tuple[int, ...]]] = {}
        self.missing_env: dict[FieldPath, str] = {}
        self.vars: dict[str, Any] = {}
        self.done: dict[FieldPath, Any] = {}
        self.in_vars = False

    def run(self, top: dict[str, _Item]) -> dict[str, Any]:
        meta = top.get("stack")
        if meta is not None and isinstance(meta.value, dict) and "vars" in meta.value:
            self.vars = self.resolve_vars(meta.value["vars"])
        return {key: self.walk(item, (key,)) for key, item in top.items()}

    def resolve_vars(self, item: _Item) -> dict[str, Any]:
        self.in_vars = True
        values = self.walk(item, _VARS)
        self.in_vars = False
        self.done[_VARS] = values
        if values is None:
            return {}
        if not isinstance(values, dict):
            self.loader.problem(item.where(), "stack.vars must be a mapping of name: value")
            return {}
        for name, value in values.items():
            if not isinstance(value, str | int | float | bool):
                where = self.locations.get((*_VARS, name))
                self.loader.problem(where, f"stack.vars.{name} must be text, a number or true/false")
        return values

    def walk(self, item: _Item, path: FieldPath) -> Any:
        if path == _VARS and path in self.done:  # resolved first, before the rest of `stack`
            return self.done[path]
        if item.key_loc is not None:
            self.key_locations[path] = item.key_loc
        self.locations[path] = item.where()
        value = item.value
        if isinstance(value, dict):
            return {key: self.walk(child, (*path, key)) for key, child in value.items()}
        if isinstance(value, list):
            return [self.walk(child, (*path, i)) for i, child in enumerate(value)]
        if isinstance(value, _Template):
            return value.text if path[:2] == _INCLUDE else self.resolve(value, item, path)
        if isinstance(value, _WordList):
            self.line_indexes[path] = (value.file, value.lines)
            return list(value.words)
        return value

    def resolve(self, template: _Template, item: _Item, path: FieldPath) -> Any:
        def lookup(ref: refs.Ref) -> Any:
            if ref.kind == "env":
                return self.env_value(ref.arg, item, path)
            if ref.kind == "file":
                return self.file_value(ref.arg, item)
            return self.var_value(ref.arg, item)

        value = refs.render(template.parts, lookup)
        whole = refs.whole_ref(template.parts)
        if whole is not None and whole.kind in ("env", "file"):
            self.refs[path] = str(whole)
        return value

    def env_value(self, name: str, item: _Item, path: FieldPath) -> str:
        value = self.loader.env.get(name)
        if value is not None:
            return value
        if self.loader.allow_missing_env:
            self.missing_env.setdefault(path, name)
        else:
            self.loader.problem(item.loc, f"environment variable {name} is not set (used as ${{env:{name}}})")
        return ""

    def file_value(self, relative: str, item: _Item) -> str:
        path = _abs(item.source.parent / relative)
        text = self.loader.read_referenced(path, item.loc, f"${{file:{relative}}}")
        if text is None:
            return ""
        if text.endswith("\r\n"):
            return text[:-2]
        return text.removesuffix("\n")

    def var_value(self, name: str, item: _Item) -> Any:
        if self.in_vars:
            self.loader.problem(item.loc, f"${{var:{name}}} cannot be used inside stack.vars")
            return ""
        if name not in self.vars:
            hint = did_you_mean(name, self.vars) or (
                f" (stack.vars defines: {', '.join(sorted(self.vars))})" if self.vars else " (stack.vars is empty)"
            )
            self.loader.problem(item.loc, f"unknown var {name!r} in ${{var:{name}}}{hint}")
            return ""
        return self.vars[name]
