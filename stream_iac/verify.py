"""Verification after apply: one more round of reads of what apply touched, compared with what it
sent. A field whose live value is not what was sent (the API ignored or changed it), a field apply
did not send that changed anyway, an object still live after its delete or missing after its
create: each is one Discrepancy, named by address and field path. Reads may lag writes, so a
difference is only reported once it is still there after the executor's patient re-reads.

What an update should leave is the live object it was planned against with the update's payload
applied the way the API applies it: maps the API merges key by key (grants) merged, everything
else the payload names replaced, everything else kept. The fields the reader keeps beyond the
model (RAW_MARK, see `Writes.replaces`) are checked the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from stream_iac.api.caller import ApiCaller
from stream_iac.api.read import read_live
from stream_iac.errors import UserError
from stream_iac.kinds import BY_NAME, KINDS
from stream_iac.kinds.base import BUILTIN_MARK, JSON, RAW_MARK, Kind
from stream_iac.paths import ChangePath, Item, dotted
from stream_iac.plan import Change
from stream_iac.plan.diff import FieldChange, compare, strip_secrets
from stream_iac.render.values import show


@dataclass(frozen=True)
class Discrepancy:
    """One way live state differs from what apply sent, after apply."""

    address: str
    path: str  # dotted field path; "" for the object itself
    message: str

    def to_json(self) -> JSON:
        return {"address": self.address, "path": self.path, "message": self.message}


async def verify(
    api: ApiCaller, changes: Iterable[Change], *, sleep: Callable[[float], Awaitable[None]],
    delays: tuple[float, ...],
) -> list[Discrepancy]:
    """Read the kinds `changes` touched (one round of list calls), and again after each of
    `delays` while live state still differs; the differences of the last round."""
    changes = list(changes)
    kinds = [kind for kind in KINDS if kind.name in {c.kind for c in changes}]
    if not kinds:
        return []
    found: list[Discrepancy] = []
    for delay in delays:
        if delay:
            await sleep(delay)
        try:
            live = await read_live(api, kinds)
        except UserError as exc:
            found = [Discrepancy("", "", f"could not read live state back to verify the changes: {exc.message}")]
            continue
        found = [d for c in changes for d in discrepancies(BY_NAME[c.kind], c, live[c.kind].get(c.name))]
        if not found:
            return []
    return found


def discrepancies(kind: Kind, change: Change, live: JSON | None) -> list[Discrepancy]:
    """How `live` (the object read after apply, or None) differs from what `change` sent."""
    address = change.address
    if change.action == "delete":
        return [] if live is None else [Discrepancy(address, "", f"{address} is still live: the API did not delete it")]
    if live is None:
        return [Discrepancy(address, "", f"{address} is not live after its {change.action}")]
    sent = _sent(kind, change)
    expected, expected_raw = _expected(kind, change, sent)
    found = [_describe(address, fc, sent, expected, create=change.action == "create")
             for fc in compare(kind, expected, live)]
    raw = _known_items(kind, expected_raw, live.get(RAW_MARK) or {})
    found.extend(_describe(address, fc, sent, expected_raw, create=False) for fc in compare(kind, expected_raw, raw))
    kept: dict[str, Discrepancy] = {}  # the first of each path: the raw part may repeat a missing item
    for discrepancy in found:
        if discrepancy is not None:
            kept.setdefault(discrepancy.path, discrepancy)
    return list(kept.values())


def _sent(kind: Kind, change: Change) -> JSON:
    """What the change's requests set, secrets left out (the API does not return them)."""
    body = {**(change.payload or {}), **(change.followup or {})}
    stripped: JSON = strip_secrets(kind, body)
    return stripped


def _expected(kind: Kind, change: Change, sent: JSON) -> tuple[JSON, JSON]:
    """What the object should hold now, in the stack's shape and in the reader's raw part."""
    before = (change.live or {}) if change.action == "update" else {}
    expected: JSON = {k: v for k, v in before.items() if k not in (RAW_MARK, BUILTIN_MARK)}
    for top, value in sent.items():
        if top in kind.fields.merge_maps and isinstance(value, dict):
            merged = {**(expected.get(top) or {}), **value}
            expected[top] = {k: v for k, v in merged.items() if v not in ([], None)}
        else:
            expected[top] = value
    expected_raw: JSON = dict(before.get(RAW_MARK) or {})
    for replaced in kind.writes.replaces:
        list_field = replaced.list_field
        if list_field is None:
            for name in replaced.extra:
                if name in expected:
                    expected_raw[name] = expected.pop(name)
        elif isinstance(expected.get(list_field), list) and list_field in sent:
            key = kind.fields.identities[list_field].key
            items = expected[list_field]
            expected[list_field] = [{k: v for k, v in i.items() if k not in replaced.extra} if isinstance(i, dict)
                                    else i for i in items]
            expected_raw[list_field] = [{k: v for k, v in i.items() if k in replaced.extra or k == key}
                                        for i in items if isinstance(i, dict) and key in i]
    return expected, expected_raw


def _known_items(kind: Kind, expected_raw: JSON, raw: JSON) -> JSON:
    """The raw part read back, its identity lists cut to the items `expected_raw` names (new
    items have no key yet; a stray item shows in the stack-shaped comparison)."""
    out = dict(raw)
    for list_field, identity in kind.fields.identities.items():
        wanted = {str(i.get(identity.key)) for i in expected_raw.get(list_field) or [] if isinstance(i, dict)}
        if isinstance(out.get(list_field), list):
            out[list_field] = [i for i in out[list_field] if isinstance(i, dict)
                               and str(i.get(identity.key)) in wanted]
    return out


def _describe(address: str, fc: FieldChange, sent: JSON, expected: JSON, *, create: bool) -> Discrepancy | None:
    where = f"{address}.{dotted(fc.path)}"
    path = dotted(fc.path)
    if fc.write_only:  # re-sent, never compared: the API does not return it
        return None
    if fc.sensitive:  # a secret the API reported set before apply, and no longer does
        if not _value_at(expected, fc.path):
            return None
        return Discrepancy(address, path, f"{where} is no longer set: the API dropped the secret")
    if fc.after is None and fc.before is not None:
        return Discrepancy(address, path, f"{where} is live, though apply did not send it: live {show(fc.before)}")
    if create or _was_sent(sent, fc.path):
        return Discrepancy(address, path,
                           f"the API did not keep {where}: sent {show(fc.after)}, live {show(fc.before)}")
    return Discrepancy(address, path,
                       f"{where} changed, though apply did not send it: was {show(fc.after)}, live {show(fc.before)}")


def _was_sent(sent: Any, path: ChangePath) -> bool:
    """Whether the requests named the field at `path` (or a list or value holding it)."""
    value = sent
    for key in path:
        if not isinstance(value, dict):
            return True
        if key not in value:
            return False
        value = value[key]
    return True


def _value_at(value: Any, path: ChangePath) -> Any:
    for key in path:
        if isinstance(key, Item) or not isinstance(value, dict | list):
            return None
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value
