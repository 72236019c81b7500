"""The one diff engine: compares a desired object with its live counterpart, field by field,
following the kind's declaration (only declared fields, sets, secrets and write-only fields, list
items by identity),
and builds the exact request payloads apply will send (carrying what the stack leaves out where
an update replaces). Everything that shows or applies a change starts here."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from stream_iac.kinds.base import BUILTIN_MARK, JSON, RAW_MARK, Identity, Kind, Replaced
from stream_iac.paths import ChangePath, Item, matches_any, pattern_roots
from stream_iac.secrets import Secret

_MISSING: Any = object()


@dataclass(frozen=True)
class FieldChange:
    """One field an update sets. `sensitive`: a secret that is sent (its value never here);
    `write_only`: a write-only field that is sent without having been compared (`after` is the
    value sent, `before` None: the API never returns it)."""

    path: ChangePath
    before: Any  # None when absent; never a secret value
    after: Any  # never a secret value (secrets are reported through `sensitive`)
    sensitive: bool = False
    write_only: bool = False

    @property
    def compared(self) -> bool:
        """Whether the change comes from comparing desired with live (not a value merely re-sent)."""
        return not self.sensitive and not self.write_only


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


def is_secret(kind: Kind, path: ChangePath) -> bool:
    """Whether the field at `path` is one of the kind's secrets."""
    return bool(kind.fields.secrets) and matches_any(kind.fields.secrets, path)


def is_write_only(kind: Kind, path: ChangePath) -> bool:
    """Whether the field at `path` is write-only (never returned, so never compared; not hidden)."""
    return bool(kind.fields.write_only) and matches_any(kind.fields.write_only, path)


class _Comparer:
    def __init__(self, kind: Kind, resend: bool) -> None:
        self.kind = kind
        self.resend_all = resend  # --resend-write-only: every declared secret and write-only field
        self.changes: list[FieldChange] = []

    def walk(self, path: ChangePath, desired: Any, live: Any) -> None:
        if isinstance(desired, Secret) or is_secret(self.kind, path):
            self.secret(path, live)
        elif is_write_only(self.kind, path):
            if self.resend_all and desired is not None:
                self.changes.append(_write_only_change(self.kind, path, desired))
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

    def secret(self, path: ChangePath, live: Any) -> None:
        unset = live in (_MISSING, None, "")
        if matches_any(self.kind.fields.secret_presence, path) and unset or self.resend_all:
            self.changes.append(FieldChange(path, None, None, sensitive=True))

    def items(self, path: ChangePath, identity: Identity, desired: list[Any], live: list[Any]) -> None:
        """A list whose items have identity: matched items field by field (named by their key),
        new items whole (their secrets are sent), live items left out removed."""
        before = len(self.changes)
        matched, added, removed = match_items(self.kind, path, identity, desired, live)
        for want_at, have_at in matched:
            self.walk((*path, item_ref(identity, live[have_at], have_at)), desired[want_at], live[have_at])
        for want_at in added:  # named by position (a declared item does not name its key)
            at = (*path, item_ref(identity, desired[want_at], want_at))
            self.add(at, _MISSING, desired[want_at])
            for secret in secret_paths_in(self.kind, desired[want_at], at):
                self.changes.append(FieldChange(secret, None, None, sensitive=True))
            # Write-only fields of a new item are sent (and shown) with it, inside its value.
        for have_at in removed:
            self.add((*path, item_ref(identity, live[have_at], have_at)), live[have_at], None)
        if len(self.changes) > before and replaced_at(self.kind, path) is not None:
            # The list is sent: matched items carry their declared secrets (unless the API keeps
            # them) and write-only fields.
            for want_at, have_at in matched:
                ref = (*path, item_ref(identity, live[have_at], have_at))
                self.resend(uncompared_in(self.kind, desired[want_at], ref))

    def resend(self, uncompared: list[tuple[ChangePath, Any]]) -> None:
        """Secrets and write-only fields an update sends because it replaces their object (or
        item), or sends the object holding them: listed as changes, except secrets the API keeps
        when left out (Writes.kept_secrets)."""
        flagged = {c.path for c in self.changes if not c.compared}
        for path, value in uncompared:
            if path in flagged:
                continue
            if is_write_only(self.kind, path) and not isinstance(value, Secret):
                self.changes.append(_write_only_change(self.kind, path, value))
            elif not matches_any(self.kind.writes.kept_secrets, path):
                self.changes.append(FieldChange(path, None, None, sensitive=True))

    def list(self, path: ChangePath, desired: list[Any], live: Any) -> None:
        identity = identity_at(self.kind, path)
        if identity is not None and isinstance(live, list):
            self.items(path, identity, desired, live)
            return
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
            if any(c.compared for c in self.changes[before:]):
                del self.changes[before:]  # the API replaces the list: report it as one change
                self.add(path, live, desired)
        elif desired != live:
            self.add(path, live, desired)

    def add(self, path: ChangePath, before: Any, after: Any) -> None:
        self.changes.append(FieldChange(path, None if before is _MISSING else before, after))


def identity_at(kind: Kind, path: ChangePath) -> Identity | None:
    """The identity of the items of the list at `path` (Fields.identities), if it has one."""
    return kind.fields.identities.get(str(path[0])) if len(path) == 1 else None


def replaced_at(kind: Kind, path: ChangePath) -> Replaced | None:
    """The kind's Replaced for the whole object (`path` empty) or for the items of the list at
    `path`, if an update replaces there."""
    if len(path) > 1:
        return None
    wanted = str(path[0]) if path else None
    return next((r for r in kind.writes.replaces if r.list_field == wanted), None)


def item_ref(identity: Identity, item: Any, index: int) -> Item | int:
    """How a change names a live list item: by its key, or by its position if it has none."""
    value = item.get(identity.key) if isinstance(item, dict) else None
    return index if value is None else Item(identity.key, str(value))


def match_items(
    kind: Kind, path: ChangePath, identity: Identity, desired: list[Any], live: list[Any]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Which live item each desired item is (Identity: by key, else equal, else same `match`
    fields, first unclaimed in order): (desired index, live index) pairs, the desired items that
    are new, and the live items no desired item is."""
    claimed: dict[int, int] = {}

    def claim(want_at: int, test: Any) -> None:
        for have_at, have in enumerate(live):
            if have_at not in claimed.values() and isinstance(have, dict) and test(desired[want_at], have):
                claimed[want_at] = have_at
                return

    def by_key(want: JSON, have: JSON) -> bool:
        return bool(have.get(identity.key) == want[identity.key])

    def equal(want: JSON, have: JSON) -> bool:
        comparer = _Comparer(kind, resend=False)
        comparer.walk((*path, 0), want, have)
        return not any(c.compared for c in comparer.changes)

    def same_match(want: JSON, have: JSON) -> bool:
        return all(_equal(want.get(f), have.get(f)) for f in identity.match)

    keyed = [i for i, want in enumerate(desired) if isinstance(want, dict) and want.get(identity.key) is not None]
    unkeyed = [i for i, want in enumerate(desired) if isinstance(want, dict) and i not in keyed]
    for want_at in keyed:
        claim(want_at, by_key)
    for test in (equal, same_match):
        for want_at in unkeyed:
            if want_at not in claimed:
                claim(want_at, test)
    added = [i for i in range(len(desired)) if i not in claimed]
    removed = [j for j in range(len(live)) if j not in claimed.values()]
    return sorted(claimed.items()), added, removed


def _equal(a: Any, b: Any) -> bool:
    """Equal values of the same JSON type (so True is not 1, but 5000 is 5000.0)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def compare(kind: Kind, desired: JSON, live: JSON, *, resend: bool = False) -> list[FieldChange]:
    """Field changes that turn `live` into `desired`; only declared fields count. Secrets and
    write-only fields are never compared: they are listed when they will be sent (set, re-sent
    with `resend` (--resend-write-only), or with an object the update replaces or sends), secrets
    as sensitive changes, write-only fields with their values."""
    comparer = _Comparer(kind, resend)
    comparer.walk((), desired, live)
    changed = [c for c in comparer.changes if c.compared]
    if changed and replaced_at(kind, ()) is not None:
        comparer.resend(uncompared_in(kind, desired))
    else:  # a nested object that is sent carries its declared secrets and write-only fields
        for top in dict.fromkeys(str(c.path[0]) for c in changed if len(c.path) > 1):
            if isinstance(desired.get(top), dict) and top not in kind.fields.merge_maps:
                comparer.resend(uncompared_in(kind, desired[top], (top,)))
    return [_hide_secrets(kind, c) for c in comparer.changes]


def _write_only_change(kind: Kind, path: ChangePath, value: Any) -> FieldChange:
    return FieldChange(path, None, strip_secrets(kind, value, path), write_only=True)


def _hide_secrets(kind: Kind, change: FieldChange) -> FieldChange:
    if change.sensitive:
        return change
    return replace(change, before=strip_secrets(kind, change.before, change.path),
                   after=strip_secrets(kind, change.after, change.path))


def strip_secrets(kind: Kind, value: Any, path: ChangePath = ()) -> Any:
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


def uncompared_in(kind: Kind, value: Any, path: ChangePath = ()) -> list[tuple[ChangePath, Any]]:
    """(path, value) of each declared secret and write-only field inside `value`: the fields no
    comparison can check. Values of secrets may be Secret objects: never show them."""
    if value is None:
        return []
    if isinstance(value, Secret) or path and (is_secret(kind, path) or is_write_only(kind, path)):
        return [(path, value)]
    found: list[tuple[ChangePath, Any]] = []
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
        if not path:
            # Secrets (and Secret values, which the loader makes only where a secret pattern
            # matches) and write-only fields sit only below the keys their patterns start with:
            # the rest of an object (a blocklist's words, a type's grants) is never walked.
            roots = pattern_roots(kind.fields.secrets | kind.fields.write_only)
            if roots is not None:
                items = [(k, v) for k, v in items if k in roots]
        for k, v in items:
            found.extend(uncompared_in(kind, v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(uncompared_in(kind, v, (*path, i)))
    return found


def secret_paths_in(kind: Kind, value: Any, path: ChangePath = ()) -> list[ChangePath]:
    """Paths inside `value` holding a secret."""
    return [at for at, held in uncompared_in(kind, value, path) if isinstance(held, Secret) or is_secret(kind, at)]


def _deep_merge(base: Any, top: Any) -> Any:
    if isinstance(base, dict) and isinstance(top, dict):
        merged = dict(base)
        for key, value in top.items():
            merged[key] = _deep_merge(base.get(key), value)
        return merged
    return top


def update_payload(kind: Kind, desired: JSON, live: JSON, changes: list[FieldChange]) -> JSON:
    """What an update sends: the changed top-level fields (maps the API merges key by key carry
    only their changed keys; nested objects carry live merged with desired, so undeclared
    sub-fields survive), plus the fields every update must carry. Where the update replaces
    (Writes.replaces: the whole object, or the items of a list), it also carries the live value
    of every field the stack does not declare, list items matched to live ones by identity.
    A declared secret is sent only where a change lists it (a sensitive change): set, rotated,
    new, or re-sent with an object the API replaces. A top-level write-only field is sent only
    where a change lists it; inside a nested object that is sent, it goes with the object."""
    flagged = {c.path for c in changes if c.sensitive}
    whole = replaced_at(kind, ())
    if whole is not None:
        payload = _carried(kind, desired, live, whole)
        tops = list(desired)
    else:
        payload = {}
        tops = [str(change.path[0]) for change in changes if change.path]
    for top in dict.fromkeys(tops):
        value = _payload_field(kind, top, desired, live, changes, flagged, deep=whole is None)
        if value is not _MISSING:
            payload[top] = value
    for field in kind.writes.required_on_update:
        if field not in payload:
            value = desired.get(field, live.get(field, kind.writes.create_defaults.get(field)))
            if value is not None:
                payload[field] = value
    return payload


def _payload_field(
    kind: Kind, top: str, desired: JSON, live: JSON, changes: list[FieldChange], flagged: set[ChangePath], *,
    deep: bool,
) -> Any:
    value = desired[top]
    if top in kind.fields.merge_maps and isinstance(value, dict):
        keys = {c.path[1] for c in changes if len(c.path) > 1 and c.path[0] == top}
        return {k: v for k, v in value.items() if k in keys} if keys else value
    identity, replaced = identity_at(kind, (top,)), replaced_at(kind, (top,))
    if identity is not None and replaced is not None and isinstance(value, list):
        return _replaced_items(kind, top, identity, replaced, value, live, flagged)
    if isinstance(value, dict) and deep:
        value = _deep_merge(strip_secrets(kind, live.get(top), (top,)), value)
    return _sent_secrets_only(kind, value, (top,), flagged)


def _sent_secrets_only(kind: Kind, value: Any, path: ChangePath, flagged: set[ChangePath]) -> Any:
    """`value` without the secrets no change lists (_MISSING when it is one)."""
    if isinstance(value, Secret) or matches_any(kind.fields.secrets, path):
        return value if path in flagged else _MISSING
    if isinstance(value, dict):
        kept = {k: _sent_secrets_only(kind, v, (*path, k), flagged) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not _MISSING}
    if isinstance(value, list):
        return [_sent_secrets_only(kind, v, (*path, i), flagged) for i, v in enumerate(value)]
    return value


def _carried(kind: Kind, declared: JSON, live: JSON, replaced: Replaced) -> JSON:
    """The live fields an update that replaces must carry because `declared` leaves them out: the
    model's (from the live object) and the `extra` ones the reader kept; never a secret."""
    raw = live.get(RAW_MARK) or {}
    fields = {**{k: raw[k] for k in sorted(replaced.extra) if k in raw},
              **{k: v for k, v in live.items() if k not in (RAW_MARK, BUILTIN_MARK)}}
    return {k: v for k, v in fields.items()
            if k not in declared and v is not None and not matches_any(kind.fields.secrets, (k,))}


def _replaced_items(
    kind: Kind, top: str, identity: Identity, replaced: Replaced, desired: list[Any], live: JSON,
    flagged: set[ChangePath],
) -> list[Any]:
    """A list the API replaces, item by item: a new item as declared; an item matched to a live
    one carries that item's key and every field the stack leaves out."""
    live_items = live.get(top) if isinstance(live.get(top), list) else []
    assert isinstance(live_items, list)
    raw_items = (live.get(RAW_MARK) or {}).get(top) or []
    raw_by_key = {str(r[identity.key]): r for r in raw_items if isinstance(r, dict) and identity.key in r}
    matched = dict(match_items(kind, (top,), identity, desired, live_items)[0])
    sent: list[Any] = []
    for want_at, want in enumerate(desired):
        if want_at not in matched:
            sent.append(_sent_secrets_only(kind, want, (top, want_at), flagged))
            continue
        have = live_items[matched[want_at]]
        ref = (top, item_ref(identity, have, matched[want_at]))
        raw = {k: v for k, v in raw_by_key.get(str(have.get(identity.key)), {}).items()
               if k in replaced.extra or k == identity.key}
        item = {k: v for k, v in {**raw, **have}.items()
                if k not in want and v is not None and not matches_any(kind.fields.secrets, (*ref, k))}
        for key, value in want.items():
            item[key] = _deep_merge(strip_secrets(kind, have.get(key), (*ref, key)), value)
        sent.append(_sent_secrets_only(kind, item, ref, flagged))
    return sent


def create_payloads(kind: Kind, desired: JSON) -> tuple[JSON, JSON | None]:
    """The create body, and the follow-up update for fields the create call does not take."""
    first, later = kind.writes.split_create(desired)
    if not later:
        return first, None
    for field in kind.writes.required_on_update:
        later.setdefault(field, first.get(field, kind.writes.create_defaults.get(field)))
    return first, later
