"""State file: JSON, written atomically (temp file + fsync + rename) so a kill never corrupts it."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .state import STATE_FORMAT_VERSION, AppState

FORMAT_NAME = "stream-emulator-state"


class StateFileError(Exception):
    """The state file exists but cannot be used."""


def load_state_file(path: Path) -> dict[str, dict[str, Any]]:
    """Return ``{api_key: raw app state}``; an absent file means no saved state."""
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateFileError(f"cannot read state file {path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise StateFileError(f"{path} is not a stream emulator state file")
    if document.get("version") != STATE_FORMAT_VERSION:
        raise StateFileError(f"{path} has unsupported version {document.get('version')!r}")
    apps = document.get("apps")
    if not isinstance(apps, dict):
        raise StateFileError(f"{path} has no apps")
    return apps


def decode_app_states(raw_apps: dict[str, dict[str, Any]]) -> dict[str, AppState]:
    try:
        return {api_key: AppState.from_json(raw) for api_key, raw in raw_apps.items()}
    except (TypeError, KeyError) as exc:
        raise StateFileError(f"state file has an invalid app entry: {exc}") from exc


def save_state_file(path: Path, apps: dict[str, dict[str, Any]]) -> None:
    document = {"format": FORMAT_NAME, "version": STATE_FORMAT_VERSION, "apps": apps}
    data = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
