"""Short, safe display of values for human-readable output."""

from __future__ import annotations

import json
from typing import Any

from stream_iac.secrets import REDACTED, Secret

LIST_PREVIEW = 8


def show(value: Any, limit: int = 120) -> str:
    if isinstance(value, Secret):
        return REDACTED
    if value is None:
        return "(unset)"
    text = json.dumps(value, default=lambda v: REDACTED, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lookup(obj: Any, dotted_path: str) -> Any:
    """The value at "a.b.c" inside nested mappings (None when absent)."""
    value = obj
    for key in dotted_path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def show_value(value: Any, limit: int = 120) -> str:
    """A created field's value; a long list as its length (a blocklist may hold 10,000 words)."""
    if isinstance(value, list) and len(value) > LIST_PREVIEW:
        return f"{len(value)} items"
    return show(value, limit)


def show_change(before: Any, after: Any, limit: int = 120) -> str:
    """`5000 → 8000`, or for lists an added/removed summary when they are long."""
    if isinstance(before, list) and isinstance(after, list) and max(len(before), len(after)) > LIST_PREVIEW:
        return list_delta(before, after)
    return f"{show(before, limit)} → {show(after, limit)}"


def list_delta(before: list[Any], after: list[Any]) -> str:
    def canon(v: Any) -> str:
        return v if isinstance(v, str) else json.dumps(v, sort_keys=True)

    old = {canon(v) for v in before}
    new = {canon(v) for v in after}
    added = sorted(new - old)
    removed = sorted(old - new)
    parts = []
    if added:
        parts.append(f"+{len(added)} ({', '.join(added[:5])}{', …' if len(added) > 5 else ''})")
    if removed:
        parts.append(f"-{len(removed)} ({', '.join(removed[:5])}{', …' if len(removed) > 5 else ''})")
    if not parts:
        parts.append("reordered")
    return f"{' '.join(parts)}; {len(after)} items"
