"""Files → YAML nodes: the files of a stack, each read safely (size, NUL bytes, UTF-8, BOM)
and composed into one YAML node tree, with messages that point at a line and column."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

from stream_iac.errors import Location, Problem

MAX_FILE_BYTES = 10 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")


# ---------------------------------------------------------------- reading files


class FileProblem(Exception):
    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # 0: not about one place in the file
        self.column = column


def read_text(path: Path) -> str:
    """A file's text; raises FileProblem when it is not a readable, small UTF-8 text file."""
    try:
        if not path.is_file():
            raise FileProblem("is not a regular file" if path.exists() else "does not exist")
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileProblem(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem("is larger than 10 MiB")
    return _decode(data)


def _decode(data: bytes) -> str:
    nul = data.find(b"\0")
    if nul >= 0:
        raise FileProblem("contains NUL bytes (a binary file?)", *_line_col(data, nul))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise FileProblem(f"is not valid UTF-8 text (byte 0x{bad:02x})", *_line_col(data, exc.start)) from None
    return text.removeprefix("\ufeff")


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def discover(path: Path) -> tuple[Path, list[Path]]:
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


# ---------------------------------------------------------------- text → YAML nodes


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


def compose(text: str, shown: str, problems: list[Problem]) -> yaml.Node | None:
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
