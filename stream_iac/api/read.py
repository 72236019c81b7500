"""Live state: every kind's list call in flight at once, each object normalised to the shape a
stack declares it in, built-ins marked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from stream_iac.api.caller import ApiCaller
from stream_iac.api.live_types import fields_problem
from stream_iac.errors import ApiError, UserError, json_type_name
from stream_iac.kinds import BY_NAME, KINDS
from stream_iac.kinds.base import BUILTIN_MARK, JSON, RAW_MARK, Context, FanOut, Kind, Lister
from stream_iac.state import LiveState

MAX_PAGES = 1000
"""A list call following more cursors than this stops with an error (an API paging forever)."""


class UnexpectedResponse(UserError):
    """A response in the shape of JSON, but not in the shape Stream's API answers a call with."""

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"{operation}: the API's response {detail}. Is STREAM_BASE_URL Stream's API? Rerun "
                         "with -v to see the requests")


async def read_live(api: ApiCaller, kinds: Iterable[Kind] = KINDS, *, hint: Context | None = None) -> LiveState:
    """Every live object of `kinds`, read with one round of concurrent list calls (plus pages
    where the API pages). A list call that fans out over the live objects of another kind is made
    in that round for the objects `hint` names (the desired state: kind → name → body, e.g.
    `DesiredState.context()`), and in a second round only for live objects the hint lacks. The
    hint changes which calls are made when, never the result. Returns kind name → object name →
    normalised body."""
    kinds = list(kinds)
    lists = RawLists(api, hint=hint)
    results = await asyncio.gather(*(lists.normalised(kind) for kind in kinds))
    return {kind.name: objects for kind, objects in zip(kinds, results, strict=True)}


async def read_kind(api: ApiCaller, kind: Kind) -> dict[str, JSON]:
    """Every live object of one kind: object name → body in the stack's shape (a singleton
    kind has one object, named after the kind)."""
    return await RawLists(api).normalised(kind)


async def list_raw(api: ApiCaller, kind: Kind) -> dict[str, JSON]:
    """Every live object of one kind as the API returns it, by name (an object a fanned-out call
    returned also holds the query parameters of that call)."""
    return await RawLists(api).raw(kind)


Query = dict[str, str]  # the query parameters of one fanned-out list call
QueryKey = tuple[tuple[str, str], ...]


class RawLists:
    """The list calls of one read, each made once however many kinds need its answer. A kind whose
    list call fans out over another kind's live objects (`Lister.fan_out`) makes the calls for the
    objects `hint` names (kind → name → body, the desired state) at once, speculatively; once that
    kind's list is read, it makes the calls for live objects the hint lacks and drops the answers
    for hinted objects that do not exist live."""

    def __init__(self, api: ApiCaller, *, hint: Context | None = None) -> None:
        self.api = api
        self.hint: Context = hint or {}
        self._tasks: dict[str, asyncio.Task[dict[str, JSON]]] = {}

    async def normalised(self, kind: Kind) -> dict[str, JSON]:
        """Every live object of `kind` in the stack's shape."""
        return normalise_all(kind, await self.raw(kind))

    def raw(self, kind: Kind) -> asyncio.Task[dict[str, JSON]]:
        """Every live object of `kind` as the API returns it, by name (one call per run)."""
        if kind.name not in self._tasks:
            self._tasks[kind.name] = asyncio.ensure_future(self._read(kind))
        return self._tasks[kind.name]

    async def _read(self, kind: Kind) -> dict[str, JSON]:
        lister, fan_out = kind.api.read, kind.api.read.fan_out
        if fan_out is None:
            return await _list(self.api, lister, kind.name)
        if fan_out.over is None:
            queries = fan_out.queries({})
            return _named(lister, fan_out, queries, await _ask_all(self.api, lister, queries))
        # The first round: the calls that need no live object, and those for the objects the hint
        # names (speculative: such an object may not exist live yet, and then its call may fail).
        first = fan_out.queries({})
        guessed = [q for q in fan_out.queries(self.hint.get(fan_out.over, {})) if q not in first]
        sure, guesses, over = await asyncio.gather(
            _ask_all(self.api, lister, first), _ask_all(self.api, lister, guessed, speculative=True),
            self.raw(BY_NAME[fan_out.over]))
        # The second round: what the live objects need and the first round did not answer (an
        # object the hint lacks, or whose speculative call failed). Answers for objects that do not
        # exist live are dropped, so the result is the same with any hint.
        answered: dict[QueryKey, JSON | None] = {
            _key(q): a for q, a in zip(first + guessed, sure + guesses, strict=True) if a is not None}
        wanted = first + [q for q in fan_out.queries(over) if q not in first]
        later = [q for q in wanted if _key(q) not in answered]
        answered.update(zip(map(_key, later), await _ask_all(self.api, lister, later), strict=True))
        return _named(lister, fan_out, wanted, [answered[_key(q)] for q in wanted])


def _key(query: Query) -> QueryKey:
    return tuple(sorted(query.items()))


async def _ask_all(api: ApiCaller, lister: Lister, queries: list[Query], *, speculative: bool = False
                   ) -> list[JSON | None]:
    """The answers of one call per query, all at once. A speculative call the API refuses (4xx:
    it may not know a provider the stack is about to create) answers None instead of failing."""
    return list(await asyncio.gather(*(_ask(api, lister, q, speculative) for q in queries)))


async def _ask(api: ApiCaller, lister: Lister, query: Query, speculative: bool) -> JSON | None:
    try:
        return await api.call(lister.op, "GET", lister.path, params=dict(query))
    except ApiError as exc:
        if speculative and 400 <= exc.status < 500:
            return None
        raise


def _named(lister: Lister, fan_out: FanOut, queries: list[Query], answers: list[JSON | None]) -> dict[str, JSON]:
    """The objects the answers of a fanned-out list call hold, by name, each with its call's query."""
    found: dict[str, JSON] = {}
    for query, data in zip(queries, answers, strict=True):
        items = None if data is None else data.get(lister.key)
        if items is None:
            continue
        if not isinstance(items, list):
            raise UnexpectedResponse(lister.op, f"holds {lister.key!r} as {json_type_name(items)}, not a list")
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise UnexpectedResponse(lister.op, f"holds {lister.key}[{index}] as {json_type_name(item)}, "
                                                    "not an object")
            name = fan_out.name(query, item)
            if name is not None:
                found[name] = {**item, **query}
    return found


def normalise_all(kind: Kind, raw_objects: dict[str, JSON]) -> dict[str, JSON]:
    """Objects as the API returns them → the stack's shape, built-ins marked, and what an update
    must carry beyond the model kept under RAW_MARK. UnexpectedResponse when a field the stack
    can declare has a JSON type the kind's model does not allow (so nothing after this step meets
    a list where it expects a number)."""
    if kind.shape.singleton:
        raw = raw_objects.get(kind.name) or {}
        return {kind.name: _with_raw(kind, _checked(kind, kind.name, raw), raw)}
    return {name: _normalised(kind, name, obj) for name, obj in raw_objects.items()}


def _checked(kind: Kind, name: str, raw: JSON) -> JSON:
    """The stack's shape of one live object, its declarable fields' JSON types checked."""
    try:
        body = kind.shape.normalise(raw)
    except (AttributeError, TypeError, KeyError, ValueError, IndexError):
        raise UnexpectedResponse(kind.api.read.op, f"holds {kind.address(name)} in a shape stream-iac cannot "
                                                   "read (a field of the wrong JSON type)") from None
    problem = fields_problem(kind.shape.model, body)  # a field not set live (None) is not checked
    if problem:
        raise UnexpectedResponse(kind.api.read.op, f"holds {kind.address(name)}.{problem}")
    return body


def _normalised(kind: Kind, name: str, raw: JSON) -> JSON:
    if not kind.builtins.declarable and name in kind.builtins.names:
        return {BUILTIN_MARK: True}  # only its name is ever used (Builtins.declarable)
    body = _with_raw(kind, {**_checked(kind, name, raw), **kind.shape.name_fields(name)}, raw)
    if kind.builtin(name, raw):
        body[BUILTIN_MARK] = True
    return body


def _with_raw(kind: Kind, body: JSON, raw: JSON) -> JSON:
    """`body` with the `extra` fields of the kind's Writes.replaces as the API returned them: of
    the object, or of each item of a replaced list (with the item's identity key)."""
    if not kind.writes.replaces:
        return body
    kept: JSON = {}
    for replaced in kind.writes.replaces:
        list_field = replaced.list_field
        if list_field is None:
            kept.update({f: raw[f] for f in sorted(replaced.extra) if raw.get(f) is not None})
            continue
        key = kind.fields.identities[list_field].key
        items = raw.get(list_field)
        kept[list_field] = [
            {f: item[f] for f in sorted(replaced.extra | {key}) if item.get(f) is not None}
            for item in (items if isinstance(items, list) else []) if isinstance(item, dict)
        ]
    if kept:
        body[RAW_MARK] = kept
    return body


async def _list(api: ApiCaller, lister: Lister, singleton_name: str) -> dict[str, JSON]:
    """The objects a list call returns, by name, following cursor pages where the API pages
    (a response holding one object gives it under `singleton_name`). UnexpectedResponse for a
    response not in the shape of the list call's answer, a cursor that repeats, or more than
    MAX_PAGES pages."""
    found: dict[str, JSON] = {}
    cursor: str | None = None
    seen: set[str] = set()
    for _page in range(MAX_PAGES):
        params: dict[str, Any] | None = None
        if lister.page_size:
            params = {"limit": lister.page_size, **({"cursor": cursor} if cursor else {})}
        data = await api.call(lister.op, "GET", lister.path, params=params)
        found.update(_page_objects(lister, data.get(lister.key), singleton_name))
        cursor = data.get("next_cursor") if lister.page_size else None
        if cursor is None or cursor == "":
            return found
        if not isinstance(cursor, str):
            raise UnexpectedResponse(lister.op, f"has a next_cursor that is {json_type_name(cursor)}, not text")
        if cursor in seen:
            raise UnexpectedResponse(lister.op, f"repeats a page cursor it gave before, so paging would never end "
                                                f"(after {len(seen) + 1} pages)")
        seen.add(cursor)
    raise UnexpectedResponse(lister.op, f"still had more pages after {MAX_PAGES}; stream-iac stops there")


def _page_objects(lister: Lister, items: Any, singleton_name: str) -> dict[str, JSON]:
    """The objects one page holds, by name (checked: objects, each with a name that is text)."""
    key = lister.key
    if items is None:
        return {singleton_name: {}} if lister.name_field is None else {}
    if lister.name_field is None:  # the response holds one object (a singleton kind)
        if not isinstance(items, dict):
            raise UnexpectedResponse(lister.op, f"holds {key!r} as {json_type_name(items)}, not an object")
        return {singleton_name: items}
    if isinstance(items, dict):
        for name, item in items.items():
            if not isinstance(item, dict):
                raise UnexpectedResponse(lister.op, f"holds {key}[{name!r}] as {json_type_name(item)}, not an object")
        return dict(items)
    if not isinstance(items, list):
        raise UnexpectedResponse(lister.op, f"holds {key!r} as {json_type_name(items)}, not a list")
    page: dict[str, JSON] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise UnexpectedResponse(lister.op, f"holds {key}[{index}] as {json_type_name(item)}, not an object")
        name = item.get(lister.name_field)
        if name is None:
            raise UnexpectedResponse(lister.op, f"holds {key}[{index}] without a {lister.name_field!r}")
        if not isinstance(name, str) or not name:
            shown = "empty" if name == "" else json_type_name(name)
            raise UnexpectedResponse(lister.op, f"holds {key}[{index}] whose {lister.name_field!r} is {shown}, "
                                                "not a name")
        page[name] = item
    return page
