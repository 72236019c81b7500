"""Live state: every kind's list call in flight at once, each object normalised to the shape a
stack declares it in, built-ins marked."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from stream_iac.api.caller import ApiCaller
from stream_iac.errors import UserError, json_type_name
from stream_iac.kinds import KINDS
from stream_iac.kinds.base import BUILTIN_MARK, JSON, RAW_MARK, Kind, Lister
from stream_iac.state import LiveState

MAX_PAGES = 1000
"""A list call following more cursors than this stops with an error (an API paging forever)."""


class UnexpectedResponse(UserError):
    """A response in the shape of JSON, but not in the shape Stream's API answers a call with."""

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"{operation}: the API's response {detail}. Is STREAM_BASE_URL Stream's API? Rerun "
                         "with -v to see the requests")


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
    schema, defs = _schema(kind.shape.model)
    for field_name, value in body.items():
        if value is None:  # not set live
            continue
        field_schema = schema.get(field_name)
        problem = None if field_schema is None else _type_problem(field_schema, value, defs, field_name)
        if problem:
            raise UnexpectedResponse(kind.api.read.op, f"holds {kind.address(name)}.{problem}")
    return body


@functools.cache
def _schema(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON schema of each field of a kind's model, and the schema's definitions."""
    schema = model.model_json_schema()
    return schema.get("properties", {}), schema.get("$defs", {})


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,), "null": (type(None),),
}
_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true/false",
          "array": "a list", "object": "an object", "null": "null"}


def _type_problem(schema: dict[str, Any], value: Any, defs: dict[str, Any], path: str) -> str | None:
    """Where and how `value` is not of the JSON types `schema` allows (only types are checked, not
    limits or enums: the API may hold values a stack cannot write), or None."""
    if "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        problems: list[str] = []
        for branch in branches:
            problem = _type_problem(branch, value, defs, path)
            if problem is None:
                return None
            problems.append(problem)
        deeper = [p for p in problems if not p.startswith(f"{path} as ")]  # the right type, wrong inside
        return deeper[0] if deeper else _mismatch(path, value, branches)
    wanted = schema.get("type")
    if wanted is not None:
        allowed = _JSON_TYPES.get(wanted, (object,))
        if not isinstance(value, allowed) or (wanted in ("integer", "number") and isinstance(value, bool)) \
                or (wanted == "integer" and isinstance(value, float) and not value.is_integer()):
            return _mismatch(path, value, [schema])
    if isinstance(value, list) and "items" in schema:
        return _items_problem(schema["items"], value, defs, path)
    if isinstance(value, dict):
        for key, child in value.items():
            child_schema = schema.get("properties", {}).get(key)
            if child_schema is None and isinstance(schema.get("additionalProperties"), dict):
                child_schema = schema["additionalProperties"]
            if child_schema is not None:
                problem = _type_problem(child_schema, child, defs, f"{path}.{key}")
                if problem:
                    return problem
    return None


def _items_problem(schema: dict[str, Any], items: list[Any], defs: dict[str, Any], path: str) -> str | None:
    simple = set(schema) <= {"type", "maxLength", "minLength", "pattern", "enum", "title"}
    if simple and schema.get("type") == "string" and all(type(item) is str for item in items):
        return None  # the common case, fast (a blocklist's 10,000 words)
    for index, item in enumerate(items):
        problem = _type_problem(schema, item, defs, f"{path}[{index}]")
        if problem:
            return problem
    return None


def _mismatch(path: str, value: Any, schemas: list[dict[str, Any]]) -> str:
    wanted = []
    for schema in schemas:
        if "$ref" in schema:
            wanted.append("an object")
        elif schema.get("type") in _NAMES and schema.get("type") != "null":
            wanted.append(_NAMES[schema["type"]])
    expected = " or ".join(dict.fromkeys(wanted)) or "another type"
    return f"{path} as {json_type_name(value)}, where stream-iac expects {expected}"




def _normalised(kind: Kind, name: str, raw: JSON) -> JSON:
    body = _with_raw(kind, _checked(kind, name, raw), raw)
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
