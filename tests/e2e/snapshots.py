"""Field-by-field differences between two emulator snapshots (raw state, secrets included), to
prove that an apply changed only what it was meant to change."""

from __future__ import annotations

from typing import Any

Path = tuple[str, ...]

IDENTITY_KEYS = ("id", "name", "policy")  # how the emulator's lists name their items
VOLATILE = frozenset({"updated_at", "enabled_at"})  # timestamps a write sets
DERIVED: tuple[Path, ...] = (("app", "channel_configs"), ("roles", "*", "scopes"))  # mirrors of other state


def _key(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    return next((str(item[k]) for k in IDENTITY_KEYS if k in item), None)


def flatten(value: Any, path: Path = ()) -> dict[Path, Any]:
    """Leaf path → value. Mappings are followed key by key; lists whose items all carry an
    identity (`id`, `name`, `policy`) are followed item by item under that key; other lists are
    values."""
    if isinstance(value, dict):
        out: dict[Path, Any] = {}
        for key, item in value.items():
            if key not in VOLATILE:
                out.update(flatten(item, (*path, str(key))))
        return out or {path: {}}
    if isinstance(value, list) and value and all(_key(item) is not None for item in value):
        out = {}
        for item in value:
            out.update(flatten(item, (*path, str(_key(item)))))
        return out
    return {path: value}


def _under(path: Path, prefix: Path) -> bool:
    return len(path) >= len(prefix) and all(p == "*" or p == k for p, k in zip(prefix, path, strict=False))


def differences(before: dict[str, Any], after: dict[str, Any], allowed: tuple[Path, ...] = ()) -> list[str]:
    """Every leaf that differs between two snapshots, outside the `allowed` prefixes (and the
    derived mirrors); as "path: before → after" lines."""
    a, b = flatten(before), flatten(after)
    out = []
    for path in sorted(set(a) | set(b)):
        if any(_under(path, prefix) for prefix in (*allowed, *DERIVED)):
            continue
        if a.get(path, "<absent>") != b.get(path, "<absent>"):
            out.append(f"{'.'.join(path)}: {a.get(path, '<absent>')!r} → {b.get(path, '<absent>')!r}")
    return out
