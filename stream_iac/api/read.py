"""Live state: every kind's list call in flight at once, each object normalised to the shape a
stack declares it in, built-ins marked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from stream_iac.api.caller import ApiCaller
from stream_iac.kinds import KINDS
from stream_iac.kinds.base import BUILTIN_MARK, JSON, Kind, Lister
from stream_iac.state import LiveState


async def read_live(api: ApiCaller, kinds: Iterable[Kind] = KINDS) -> LiveState:
    """Every live object of `kinds`, read with one round of concurrent list calls (plus pages
    where the API pages). Returns kind name → object name → normalised body."""
    kinds = list(kinds)
    results = await asyncio.gather(*(read_kind(api, kind) for kind in kinds))
    return {kind.name: objects for kind, objects in zip(kinds, results, strict=True)}


async def read_kind(api: ApiCaller, kind: Kind) -> dict[str, JSON]:
    """Every live object of one kind: object name → body in the stack's shape (a singleton
    kind has one object, named after the kind)."""
    return normalise_all(kind, await list_raw(api, kind))


async def list_raw(api: ApiCaller, kind: Kind) -> dict[str, JSON]:
    """Every live object of one kind as the API returns it, by name."""
    return await _list(api, kind.api.read, kind.name)


def normalise_all(kind: Kind, raw_objects: dict[str, JSON]) -> dict[str, JSON]:
    """Objects as the API returns them → the stack's shape, built-ins marked."""
    if kind.shape.singleton:
        return {kind.name: kind.shape.normalise(raw_objects.get(kind.name) or {})}
    return {name: _normalised(kind, name, obj) for name, obj in raw_objects.items()}


def _normalised(kind: Kind, name: str, raw: JSON) -> JSON:
    body = kind.shape.normalise(raw)
    if kind.builtin(name, raw):
        body[BUILTIN_MARK] = True
    return body


async def _list(api: ApiCaller, lister: Lister, singleton_name: str) -> dict[str, JSON]:
    """The objects a list call returns, by name, following cursor pages where the API pages
    (a response holding one object gives it under `singleton_name`)."""
    found: dict[str, JSON] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] | None = None
        if lister.page_size:
            params = {"limit": lister.page_size, **({"cursor": cursor} if cursor else {})}
        data = await api.call(lister.op, "GET", lister.path, params=params)
        items = data.get(lister.key) or {}
        if lister.name_field is None:  # the response holds one object (a singleton kind)
            found[singleton_name] = items if isinstance(items, dict) else {}
        elif isinstance(items, dict):
            found.update({str(k): v for k, v in items.items()})
        else:
            found.update({str(item[lister.name_field]): item for item in items})
        cursor = data.get("next_cursor") if lister.page_size else None
        if not cursor:
            return found
