"""The emulator's apps file (``stream-iac emulator --apps-file FILE``): which apps to serve, and each one's
own rate limits. JSON::

    {"apps": [{"key": "eu-key", "secret": "eu-secret",
               "limits": {"UpdateChannelType": [600, 20]}}]}

``limits`` (optional) maps an operation id to ``[per minute, per second]``; operations not named keep
Stream's documented limits. A bare list of apps is accepted too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AppLimits = dict[str, tuple[int, int]]


class AppsFileError(ValueError):
    """The apps file cannot be read or is not in the shape above."""


@dataclass
class AppsFile:
    apps: list[tuple[str, str]] = field(default_factory=list)
    limits: dict[str, AppLimits] = field(default_factory=dict)


def parse_limit(text: str) -> tuple[str, tuple[int, int]]:
    """``OP=PER_MINUTE[/PER_SECOND]`` (per second defaults to per minute / 30, at least 1)."""
    op, sep, numbers = text.partition("=")
    per_minute, _, per_second = numbers.partition("/")
    try:
        minute = int(per_minute)
        second = int(per_second) if per_second else max(1, minute // 30)
    except ValueError:
        raise ValueError(f"expected OP=PER_MINUTE[/PER_SECOND], got {text!r}") from None
    if not sep or not op.strip() or minute < 1 or second < 1:
        raise ValueError(f"expected OP=PER_MINUTE[/PER_SECOND] with positive numbers, got {text!r}")
    return op.strip(), (minute, second)


def _limits(raw: Any, where: str) -> AppLimits:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise AppsFileError(f"{where}: limits must be an object of operation id -> [per minute, per second]")
    out: AppLimits = {}
    for op, pair in raw.items():
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in pair)):
            raise AppsFileError(f"{where}: limits of {op}: expected [per minute, per second], both integers >= 1")
        out[str(op)] = (pair[0], pair[1])
    return out


def parse_apps(document: Any, source: str = "apps file") -> AppsFile:
    entries = document.get("apps") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise AppsFileError(f"{source}: expected {{\"apps\": [{{\"key\", \"secret\", \"limits\"?}}, ...]}}")
    result = AppsFile()
    for index, entry in enumerate(entries):
        where = f"{source}: apps[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not isinstance(
                entry.get("secret"), str) or not entry["key"] or not entry["secret"]:
            raise AppsFileError(f"{where}: expected an object with a non-empty \"key\" and \"secret\"")
        result.apps.append((entry["key"], entry["secret"]))
        limits = _limits(entry.get("limits"), where)
        if limits:
            result.limits[entry["key"]] = limits
    return result


def load_apps_file(path: str | Path) -> AppsFile:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise AppsFileError(f"cannot read the apps file {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise AppsFileError(f"the apps file {path} is not valid JSON: {exc}") from None
    return parse_apps(document, str(path))


def write_apps_file(path: str | Path, apps: list[tuple[str, str]], limits: dict[str, AppLimits] | None = None) -> None:
    """Write an apps file (for tests and benchmarks)."""
    limits = limits or {}
    doc = {"apps": [{"key": key, "secret": secret,
                     **({"limits": {op: list(pair) for op, pair in limits[key].items()}} if key in limits else {})}
                    for key, secret in apps]}
    Path(path).write_text(json.dumps(doc, indent=1), encoding="utf-8")
