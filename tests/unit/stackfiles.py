"""Helpers for the loader tests: write stack files, load them, and list the problems found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stream_iac.errors import StackError
from stream_iac.kinds import KINDS
from stream_iac.stack.loader import RawStack, load_stack
from stream_iac.state import LiveState


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


def live_state(**kinds: dict[str, Any]) -> LiveState:
    """A live state with every kind (from the kinds table, so a new kind is never missing): empty
    collections and empty app settings, overridden by `kinds`."""
    base: LiveState = {kind.name: {} for kind in KINDS}
    for kind in KINDS:
        if kind.singleton:
            base[kind.name] = {kind.name: {}}
    base.update(kinds)
    return base
