"""Helpers for the loader tests: write stack files, load them, and list the problems found."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream_iac.errors import StackError
from stream_iac.stack.loader import RawStack, load_stack


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def load(path: Path | str, env: dict[str, str] | None = None, **kwargs: bool) -> RawStack:
    return load_stack(path, env=env or {}, **kwargs)


def problems(path: Path | str, env: dict[str, str] | None = None, **kwargs: bool) -> list[str]:
    """Each problem as `file:line:col: message` (or the bare message)."""
    with pytest.raises(StackError) as info:
        load(path, env, **kwargs)
    return [f"{loc}: {text}" if loc else text for loc, text in info.value.problems]
