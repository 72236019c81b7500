"""Read a stack: YAML files with a location for every value, merged across files and
includes, with `stack.vars` and `${…}` references resolved.

A stack is a folder (every `*.yaml`/`*.yml` under it, recursively, in sorted order;
hidden files and folders are skipped) or a single YAML file. Files under a folder the
stack includes belong to that include, not to the including stack.

Every problem is collected and raised together as one `StackError`; no other
exception escapes `load_stack`.

The steps, one module each: `yaml_nodes` (files → YAML nodes), `located` (YAML nodes →
values that know where they are written), `includes` (the files of a stack and its includes →
one merged stack), `resolve` (merged stack → plain data with references resolved).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stream_iac.errors import Location, StackError
from stream_iac.paths import FieldPath
from stream_iac.stack.includes import Loader
from stream_iac.stack.located import absolute, shown_path
from stream_iac.stack.resolve import Flattener
from stream_iac.stack.yaml_nodes import MAX_FILE_BYTES

__all__ = ["MAX_FILE_BYTES", "RawStack", "load_stack", "shown_path"]


@dataclass
class RawStack:
    root: Path  # the stack folder (or a single-file stack's folder)
    data: dict[str, Any]  # merged plain data, every ${…} resolved
    locations: dict[FieldPath, Location]  # where each value / list item is written (a collection: its key)
    refs: dict[FieldPath, str]  # value that was exactly one ${env:…}/${file:…} → "env:NAME" / "file:path"
    missing_env: dict[FieldPath, str]  # with allow_missing_env: value → env var that was not set
    files: list[Path]  # every file read, in order
    key_locations: dict[FieldPath, Location] = field(default_factory=dict)  # where each mapping key is
    # lists read from a line file: path of the list → (file, line of each item)
    line_indexes: dict[FieldPath, tuple[str, tuple[int, ...]]] = field(default_factory=dict)
    # values built (wholly or partly) from ${env:…} or ${file:…}: validation messages never show them
    referenced: frozenset[FieldPath] = frozenset()


def load_stack(path: str | Path, *, env: Mapping[str, str], allow_missing_env: bool = False) -> RawStack:
    loader = Loader(env, allow_missing_env)
    try:
        raw = _load(loader, Path(path))
    except RecursionError:
        raise StackError([(None, f"{path}: stack is nested too deeply to read")]) from None
    except OSError as exc:
        raise StackError([(None, f"{path}: cannot read stack: {exc.strerror or exc}")]) from None
    if loader.problems:
        raise StackError(list(dict.fromkeys(loader.problems)))
    return raw


def _load(loader: Loader, path: Path) -> RawStack:
    start = absolute(path)
    if not start.exists():
        raise StackError([(None, f"stack not found: {path}")])
    top = loader.load_stack(start, (start.resolve(),))
    flat = Flattener(loader)
    data = flat.run(top)
    return RawStack(
        root=start if start.is_dir() else start.parent,
        data=data,
        locations=flat.locations,
        refs=flat.refs,
        missing_env=flat.missing_env,
        files=list(loader.files),
        key_locations=flat.key_locations,
        line_indexes=flat.line_indexes,
        referenced=frozenset(flat.referenced),
    )
