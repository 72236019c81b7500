"""Located values → one merged stack. The files of a stack are merged (an object is defined in
one file only; lists of names are joined), then laid over the stack's `stack.include`s
(mappings merge, lists and scalars replace; `stack:` key by key, vars merged, protect
accumulated). A line file becomes the list it stands for."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from stream_iac.errors import Location, Problem
from stream_iac.kinds import BY_NAME, KINDS
from stream_iac.kinds.base import Kind
from stream_iac.stack.diagnostics import did_you_mean
from stream_iac.stack.located import Abort, Builder, Item, Template, WordList, absolute, shown_path
from stream_iac.stack.yaml_nodes import FileProblem, compose, discover, read_text

# ---------------------------------------------------------------- what the kinds declare
# The top-level keys are `stack` and the kinds' names; each kind's Shape says how its section is
# written (layout), what its objects are called in messages (noun), and which of its fields name
# a file to read one item per line into another field (Shape.line_files).

TOP_LEVEL_KEYS: tuple[str, ...] = ("stack", *(kind.name for kind in KINDS))
MAPPING_KINDS: tuple[str, ...] = tuple(kind.name for kind in KINDS if kind.shape.layout == "mapping")
_LINE_FILES = {kind.name: kind.shape.line_files for kind in KINDS if kind.shape.line_files}
_STACK_SHAPE = (dict, "a mapping (name, include, prune, protect, vars, credentials)")


def _shape_problem(key: str, item: Item) -> str | None:
    expected, described = _STACK_SHAPE if key == "stack" else _section_shape(BY_NAME[key])
    if isinstance(item.value, expected):
        return None
    return f"'{key}' must be {described}"


def _section_shape(kind: Kind) -> tuple[type, str]:
    if kind.shape.layout == "singleton":
        return dict, f"a mapping of {kind.shape.noun} settings"
    if kind.shape.layout == "names":
        return list, f"a list of {kind.shape.noun} names"
    return dict, "a mapping of name: settings"


def _join_names(loader: Loader, kind: Kind, old: Item | None, new: Item, seen: dict[str, Location]) -> Item:
    """A section written as a list of names, in several files: the lists are joined; a name
    listed twice is a problem."""
    for entry in new.value:
        if not isinstance(entry.value, str):
            continue
        if entry.value in seen:
            loader.problem(entry.loc, f"{kind.shape.noun} {entry.value!r} is listed twice: here and at "
                                      f"{seen[entry.value]}")
        else:
            seen[entry.value] = entry.loc
    return new if old is None else replace(old, value=[*old.value, *new.value])


def _read_line_files(loader: Loader, stack: dict[str, Item]) -> dict[str, Item]:
    """Each object's line-file fields read into the list field they stand for."""
    for kind_name, line_files in _LINE_FILES.items():
        section = stack.get(kind_name)
        if section is None:
            continue
        expanded = {name: _expand_object(loader, kind_name, name, item, line_files)
                    for name, item in section.value.items()}
        stack = {**stack, kind_name: replace(section, value=expanded)}
    return stack


def _expand_object(loader: Loader, kind_name: str, name: str, item: Item, line_files: Mapping[str, str]) -> Item:
    for file_field, list_field in line_files.items():
        if not isinstance(item.value, dict) or file_field not in item.value:
            continue
        file_item = item.value[file_field]
        if list_field in item.value:
            loader.problem(
                file_item.key_loc,
                f"{kind_name}.{name}: give either {list_field} or {file_field}, not both "
                f"({list_field} at {item.value[list_field].key_loc})",
            )
            item = replace(item, value={k: v for k, v in item.value.items() if k != file_field})
            continue
        lines = _read_lines(loader, file_item, file_field)
        fields: dict[str, Item] = {}
        for key, value in item.value.items():
            if key != file_field:
                fields[key] = value
            elif lines is not None:
                fields[list_field] = lines
        item = replace(item, value=fields)
    return item


def _read_lines(loader: Loader, file_item: Item, file_field: str) -> Item | None:
    """The items of a line file (blank lines and # comments skipped), each with its line."""
    if isinstance(file_item.value, Template):
        loader.problem(file_item.loc, f"references (${{…}}) cannot be used in {file_field}")
        return None
    if not isinstance(file_item.value, str) or not file_item.value.strip():
        loader.problem(file_item.loc, f"{file_field} must be a path to a text file")
        return None
    path = absolute(file_item.source.parent / file_item.value)
    text = loader.read_referenced(path, file_item.loc, f"{file_field} {file_item.value!r}")
    if text is None:
        return None
    items: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n"), 1):
        entry = line.strip()
        if entry and not entry.startswith("#"):
            items.append(entry)
            lines.append(number)
    value = WordList(tuple(items), shown_path(path), tuple(lines))
    return Item(value, file_item.loc, file_item.source, file_item.key_loc)


# ---------------------------------------------------------------- merging


def _deep_merge(old: Item | None, new: Item) -> Item:
    """Include semantics: mappings merge recursively, lists and scalars replace."""
    if old is None or not isinstance(old.value, dict) or not isinstance(new.value, dict):
        return new
    merged = dict(old.value)
    for key, value in new.value.items():
        merged[key] = _deep_merge(merged.get(key), value)
    return replace(new, value=merged)


def _merge_meta(old: Item, new: Item) -> Item:
    """`stack:` of an include and of the including stack: key by key; vars merge; protect
    accumulates (a protection can only be added, never dropped by an including stack)."""
    if not isinstance(old.value, dict) or not isinstance(new.value, dict):
        return new
    merged = dict(old.value)
    for key, value in new.value.items():
        prev = merged.get(key)
        if key == "vars" and prev is not None and isinstance(prev.value, dict) and isinstance(value.value, dict):
            merged[key] = replace(value, value={**prev.value, **value.value})
        elif key == "protect" and prev is not None and prev.value is not None:
            merged[key] = _accumulate(prev, value)
        else:
            merged[key] = value
    return replace(new, value=merged)


def _accumulate(prev: Item, new: Item) -> Item:
    """`stack.protect` of an include and of the including stack: both lists, each item keeping
    its place. When either is not a list, the included one is kept as it is, so validation
    reports it rather than a malformed entry dropping a protection."""
    if not isinstance(prev.value, list):
        return prev
    if not isinstance(new.value, list):
        return new if new.value is not None else prev
    return replace(new, value=[*prev.value, *new.value])


def _override(base: dict[str, Item], top: dict[str, Item]) -> dict[str, Item]:
    out = dict(base)
    for key, item in top.items():
        old = out.get(key)
        out[key] = _merge_meta(old, item) if key == "stack" and old is not None else _deep_merge(old, item)
    return out


def _without_include(stack: dict[str, Item]) -> dict[str, Item]:
    meta = stack.get("stack")
    if meta is None or not isinstance(meta.value, dict) or "include" not in meta.value:
        return stack
    trimmed = {k: v for k, v in meta.value.items() if k != "include"}
    return {**stack, "stack": replace(meta, value=trimmed)}


def _is_under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _shallowest_meta(docs: list[tuple[Path, Item]]) -> Item | None:
    """The `stack:` of the file nearest the root (files deeper may belong to an include)."""
    metas = [(len(f.parts), f, doc.value["stack"]) for f, doc in docs if "stack" in doc.value]
    return min(metas, key=lambda m: (m[0], m[1]))[2] if metas else None


# ---------------------------------------------------------------- the loader


class Loader:
    """Reads stacks into merged `Item` trees, collecting problems (and the files it read)."""

    def __init__(self, env: Mapping[str, str], allow_missing_env: bool) -> None:
        self.env = env
        self.allow_missing_env = allow_missing_env
        self.problems: list[Problem] = []
        self.files: list[Path] = []
        self._parsed: dict[Path, Item | None] = {}
        self._stacks: dict[Path, dict[str, Item]] = {}

    def problem(self, loc: Location | None, message: str) -> None:
        self.problems.append((loc, message))

    def note_file(self, path: Path) -> None:
        if path not in self.files:
            self.files.append(path)

    # -- one stack: its own files, then its includes underneath

    def load_stack(self, path: Path, chain: tuple[Path, ...]) -> dict[str, Item]:
        cached = self._stacks.get(chain[-1])
        if cached is not None:
            return cached
        root, files = discover(path)
        docs = [(f, doc) for f in files if (doc := self.parse_file(f)) is not None]
        entries = self.include_entries(_shallowest_meta(docs))
        targets = [(entry, absolute(root / entry.value)) for entry in entries]
        inside = [t for _, t in targets if root in t.parents] if path.is_dir() else []
        own = self.merge_files([doc for f, doc in docs if not any(_is_under(f, t) for t in inside)])
        own = _read_line_files(self, own)
        result: dict[str, Item] = {}
        for entry, target in targets:
            included = self.load_include(entry, target, chain)
            if included is not None:
                result = _override(result, _without_include(included))
        result = _override(result, own)
        self._stacks[chain[-1]] = result
        return result

    def include_entries(self, meta: Item | None) -> list[Item]:
        if meta is None or not isinstance(meta.value, dict):
            return []
        include = meta.value.get("include")
        if include is None or include.value is None:
            return []
        entries = include.value if isinstance(include.value, list) else [include]
        found: list[Item] = []
        for entry in entries:
            if isinstance(entry.value, Template):
                self.problem(entry.loc, "references (${…}) cannot be used in stack.include")
            elif not isinstance(entry.value, str) or not entry.value.strip():
                self.problem(entry.loc, "stack.include must be a list of paths")
            else:
                found.append(entry)
        return found

    def load_include(self, entry: Item, target: Path, chain: tuple[Path, ...]) -> dict[str, Item] | None:
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

    def parse_file(self, file: Path) -> Item | None:
        if file not in self._parsed:
            self._parsed[file] = None
            self._parsed[file] = self._parse_file(file)
        return self._parsed[file]

    def _parse_file(self, file: Path) -> Item | None:
        shown = shown_path(file)
        try:
            text = read_text(file)
        except FileProblem as exc:
            self.problem(Location(shown, max(exc.line, 1), max(exc.column, 1)), f"file {exc.message}")
            return None
        self.note_file(file)
        node = compose(text, shown, self.problems)
        if node is None:
            return None
        try:
            top = Builder(file, shown, self.problems).build(node, 0)
        except Abort as exc:
            self.problem(exc.loc, exc.message)
            return None
        except RecursionError:
            self.problem(Location(shown, 1, 1), "nested too deeply")
            return None
        if top.value is None:
            return None
        if not isinstance(top.value, dict):
            self.problem(top.loc, f"a stack file must be a mapping at the top level (stack:, {KINDS[0].name}:, …)")
            return None
        return top

    # -- files of one stack

    def merge_files(self, docs: list[Item]) -> dict[str, Item]:
        merged: dict[str, Item] = {}
        names_seen: dict[str, Location] = {}
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
                merged[key] = self.merge_kind(key, merged.get(key), item, names_seen)
        return merged

    def merge_kind(self, key: str, old: Item | None, new: Item, names_seen: dict[str, Location]) -> Item:
        kind = BY_NAME.get(key)
        if kind is not None and kind.shape.layout == "names":
            return _join_names(self, kind, old, new, names_seen)
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

    # -- files named inside the stack

    def read_referenced(
        self, path: Path, loc: Location, what: str, read: Callable[[Path], str] = read_text
    ) -> str | None:
        """The text of a file named inside the stack (as `read` gives it), or None (problem
        recorded at `loc`)."""
        try:
            text = read(path)
        except FileProblem as exc:
            line = f" (line {exc.line})" if exc.line else ""
            self.problem(loc, f"{what}: {shown_path(path)} {exc.message}{line}")
            return None
        self.note_file(path)
        return text
