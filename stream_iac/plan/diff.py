"""The one diff engine: compares a desired object with its live counterpart, field by field,
following the kind's declaration (only declared fields, sets, secrets), and builds the exact
request payloads apply will send. Everything that shows or applies a change starts here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stream_iac.kinds.base import JSON, Kind
from stream_iac.paths import FieldPath, matches_any
from stream_iac.secrets import Secret

_MISSING: Any = object()


@dataclass(frozen=True)
class FieldChange:
    path: FieldPath
    before: Any  # None when absent; never a secret value
    after: Any  # never a secret value (secrets are reported through `sensitive`)
    sensitive: bool = False


def _canon(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _same_set(desired: list[Any], live: Any) -> bool:
    if not isinstance(live, list):
        return not desired
    try:  # lists of names: compared as they are
        return set(desired) == set(live)
    except TypeError:  # mappings in the list
        return {_canon(v) for v in desired} == {_canon(v) for v in live}


class _Comparer:
    def __init__(self, kind: Kind, rotate_secrets: bool) -> None:
        self.kind = kind
        self.rotate_secrets = rotate_secrets
        self.changes: list[FieldChange] = []

    def walk(self, path: FieldPath, desired: Any, live: Any) -> None:
        if isinstance(desired, Secret) or self.kind.fields.secrets and matches_any(self.kind.fields.secrets, path):
            self.secret(path, live)
        elif isinstance(desired, dict):
            live_map = live if isinstance(live, dict) else {}
            if live is _MISSING or live is None:
                live_map = {}
            for key, value in desired.items():
                self.walk((*path, key), value, live_map.get(key, _MISSING))
        elif isinstance(desired, list):
            self.list(path, desired, live)
        elif live is _MISSING or not _equal(desired, live):
            self.add(path, live, desired)

    def secret(self, path: FieldPath, live: Any) -> None:
        unset = live in (_MISSING, None, "")
        if matches_any(self.kind.fields.secret_presence, path) and unset or self.rotate_secrets:
            self.changes.append(FieldChange(path, None, None, sensitive=True))

    def list(self, path: FieldPath, desired: list[Any], live: Any) -> None:
        if matches_any(self.kind.fields.sets, path):
            if not _same_set(desired, live):
                self.add(path, live, desired)
            return
        if not isinstance(live, list) or len(live) != len(desired):
            self.add(path, live, desired)
            return
        if any(isinstance(item, dict) for item in desired):
            before = len(self.changes)
            for index, (want, have) in enumerate(zip(desired, live, strict=True)):
                self.walk((*path, index), want, have)
            if any(not c.sensitive for c in self.changes[before:]):
                del self.changes[before:]  # the API replaces the list: report it as one change
                self.add(path, live, desired)
        elif desired != live:
            self.add(path, live, desired)

    def add(self, path: FieldPath, before: Any, after: Any) -> None:
        self.changes.append(FieldChange(path, None if before is _MISSING else before, after))


def _equal(a: Any, b: Any) -> bool:
    """Equal values of the same JSON type (so True is not 1, but 5000 is 5000.0)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def compare(kind: Kind, desired: JSON, live: JSON, *, rotate_secrets: bool = False) -> list[FieldChange]:
    """Field changes that turn `live` into `desired`; only declared fields count."""
    comparer = _Comparer(kind, rotate_secrets)
    comparer.walk((), desired, live)
    return [_hide_secrets(kind, c) for c in comparer.changes]


def _hide_secrets(kind: Kind, change: FieldChange) -> FieldChange:
    if change.sensitive:
        return change
    return FieldChange(change.path, strip_secrets(kind, change.before, change.path),
                       strip_secrets(kind, change.after, change.path))


def strip_secrets(kind: Kind, value: Any, path: FieldPath = ()) -> Any:
    """A copy of `value` without any secret (by the kind's secret paths, or a Secret object)."""
    if isinstance(value, dict):
        return {
            k: strip_secrets(kind, v, (*path, k))
            for k, v in value.items()
            if not isinstance(v, Secret) and not matches_any(kind.fields.secrets, (*path, k))
        }
    if isinstance(value, list):
        return [strip_secrets(kind, v, (*path, i)) for i, v in enumerate(value)]
    return value


def secret_paths_in(kind: Kind, value: Any, path: FieldPath = ()) -> list[FieldPath]:
    """Paths inside `value` holding a secret."""
    found: list[FieldPath] = []
    if isinstance(value, Secret) or (path and matches_any(kind.fields.secrets, path) and value is not None):
        return [path]
    if isinstance(value, dict):
        for k, v in value.items():
            found.extend(secret_paths_in(kind, v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(secret_paths_in(kind, v, (*path, i)))
    return found


def _deep_merge(base: Any, top: Any) -> Any:
    if isinstance(base, dict) and isinstance(top, dict):
        merged = dict(base)
        for key, value in top.items():
            merged[key] = _deep_merge(base.get(key), value)
        return merged
    return top


def update_payload(
    kind: Kind, desired: JSON, live: JSON, changes: list[FieldChange], *, rotate_secrets: bool = False
) -> JSON:
    """What an update sends: the changed top-level fields (maps the API merges key by key
    carry only their changed keys; nested objects the API replaces carry live merged with
    desired, so undeclared sub-fields survive), plus the fields every update must carry."""
    if kind.writes.full_update:
        payload = dict(desired)
    else:
        payload = {}
        for top in dict.fromkeys(change.path[0] for change in changes if change.path):
            payload[str(top)] = _payload_field(kind, str(top), desired, live, changes)
    if rotate_secrets:
        for path in secret_paths_in(kind, desired):
            payload.setdefault(str(path[0]), _payload_field(kind, str(path[0]), desired, live, changes))
    for field in kind.writes.required_on_update:
        if field not in payload:
            value = desired.get(field, live.get(field, kind.writes.create_defaults.get(field)))
            if value is not None:
                payload[field] = value
    return payload


def _payload_field(kind: Kind, top: str, desired: JSON, live: JSON, changes: list[FieldChange]) -> Any:
    value = desired[top]
    if top in kind.fields.merge_maps and isinstance(value, dict):
        keys = {c.path[1] for c in changes if len(c.path) > 1 and c.path[0] == top}
        return {k: v for k, v in value.items() if k in keys} if keys else value
    if isinstance(value, dict):
        return _deep_merge(strip_secrets(kind, live.get(top), (top,)), value)
    return value


def create_payloads(kind: Kind, desired: JSON) -> tuple[JSON, JSON | None]:
    """The create body, and the follow-up update for fields the create call does not take."""
    first, later = kind.writes.split_create(desired)
    if not later:
        return first, None
    for field in kind.writes.required_on_update:
        later.setdefault(field, first.get(field, kind.writes.create_defaults.get(field)))
    return first, later
