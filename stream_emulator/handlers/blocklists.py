"""Blocklists, including the built-in ``profanity_en_2020_v1``."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..pipeline.errors import bad_request, not_found
from ..pipeline.request_schemas import BLOCKLIST_FLAGS, CREATE_BLOCKLIST, IMPORT_BLOCKLIST, UPDATE_BLOCKLIST
from ..store.builtins import BUILTIN_BLOCKLIST_NAME, Builtins
from ..store.state import AppState
from .common import Context, Result, created, dedupe, given, ok
from .tasks import finished_task

MIN_PAGE_SIZE, MAX_PAGE_SIZE = 1, 200



def _view(blocklist: dict[str, Any]) -> dict[str, Any]:
    """A copy safe to hand out: flat fields and a fresh word list (its strings are immutable),
    without deep-copying 10,000 words per read."""
    return {key: list(value) if isinstance(value, list) else value for key, value in blocklist.items()}

def builtin_blocklist_view(state: AppState, builtins: Builtins) -> dict[str, Any]:
    facts = builtins.builtin_blocklist
    view: dict[str, Any] = {
        "id": facts["name"],
        "name": facts["name"],
        "type": facts["type"],
        "words": builtins.blocklist_words(),
        "created_at": state.created_at,
        "updated_at": state.created_at,
    }
    view.update({flag: False for flag in BLOCKLIST_FLAGS})
    return view


def _is_builtin(ctx: Context, name: str) -> bool:
    return name == BUILTIN_BLOCKLIST_NAME


def _check_words(ctx: Context, words: list[str], list_type: str) -> list[str]:
    maximum = ctx.builtins.limit("blocklist_words_max")
    if len(words) > maximum:
        raise bad_request(f"a blocklist can have at most {maximum} words, got {len(words)}")
    return _check_word_values(ctx, words, list_type)


def _check_word_values(ctx: Context, words: list[str], list_type: str) -> list[str]:
    longest = ctx.builtins.limit("blocklist_word_length_max")
    for word in words:
        if not word:
            raise bad_request("blocklist words cannot be empty")
        if list_type != "regex" and word != word.lower():
            raise bad_request(f'blocklist words must be lowercase: "{word}"')
        if list_type == "word" and len(word) > longest:
            raise bad_request(f'blocklist words can be at most {longest} characters long: "{word}"')
    return dedupe(words)


def all_blocklist_views(state: AppState, builtins: Builtins) -> list[dict[str, Any]]:
    return [builtin_blocklist_view(state, builtins)] + [_view(item) for item in state.blocklists.values()]


def _page_bounds(ctx: Context, total: int) -> tuple[int, int]:
    start = _decode_cursor(ctx.query_value("cursor"))
    raw_limit = ctx.query_value("limit")
    if raw_limit is None:
        return start, total
    try:
        limit = int(raw_limit)
    except ValueError as exc:
        raise bad_request("limit must be an integer") from exc
    if not MIN_PAGE_SIZE <= limit <= MAX_PAGE_SIZE:
        raise bad_request(f"limit must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}")
    return start, min(total, start + limit)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        prefix, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix == "offset" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise bad_request("cursor is invalid")


def _existing_custom(ctx: Context, operation: str) -> dict[str, Any]:
    name = ctx.params["name"]
    if _is_builtin(ctx, name):
        raise bad_request(ctx.builtins.blocklist_error(operation))
    blocklist = ctx.state.blocklists.get(name)
    if blocklist is None:
        raise not_found(f'blocklist "{name}" not found')
    return blocklist


def custom_blocklist_count(state: AppState) -> int:
    return len(state.blocklists)


# -- handlers -------------------------------------------------------------------------------------------


def list_blocklists(ctx: Context) -> Result:
    """ListBlockLists: GET /blocklists[?team=&limit=&cursor=] -> 200 ``{"blocklists": [...],
    "next_cursor"?}``: the built-in ``profanity_en_2020_v1`` first, then the custom lists in creation
    order, filtered by ``team``; ``limit`` 1..200 pages with an opaque cursor. 400/4 on a bad
    ``limit`` or ``cursor``.
    """
    views = all_blocklist_views(ctx.state, ctx.builtins)
    team = ctx.query_value("team")
    if team:
        views = [view for view in views if view.get("team") == team]
    start, end = _page_bounds(ctx, len(views))
    body: dict[str, Any] = {"blocklists": views[start:end]}
    if end < len(views):
        body["next_cursor"] = _encode_cursor(end)
    return ok(body)


def create_blocklist(ctx: Context) -> Result:
    """CreateBlockList: POST /blocklists with ``{name, words, type?, team?, user_id?/user?,
    is_*_enabled?}`` -> 201 ``{"blocklist": BlockList}``. 400/4 on a bad field, an existing name (the
    built-in one included), at the blocklist limit, or on too many, empty, upper-case (non-regex) or
    too long (``word`` type) words.
    """
    body = ctx.validated_body(CREATE_BLOCKLIST)
    name: str = body["name"]
    if _is_builtin(ctx, name) or name in ctx.state.blocklists:
        raise bad_request(f'blocklist "{name}" already exists')
    maximum = ctx.builtins.limit("blocklists_max")
    if custom_blocklist_count(ctx.state) >= maximum:
        raise bad_request(f"an app can have at most {maximum} blocklists")
    list_type = body.get("type") or "word"
    blocklist: dict[str, Any] = {
        "id": ctx.state.new_id(ctx.api_key, "blocklist"),
        "name": name,
        "type": list_type,
        "words": _check_words(ctx, body["words"], list_type),
        "created_at": ctx.now_ns,
        "updated_at": ctx.now_ns,
    }
    blocklist.update({flag: bool(body.get(flag, False)) for flag in BLOCKLIST_FLAGS})
    if given(body, "team"):
        blocklist["team"] = body["team"]
    owner = body.get("user_id") or (body.get("user") or {}).get("id")
    if owner:
        blocklist["owner_user_id"] = owner
    ctx.state.blocklists[name] = blocklist
    return created({"blocklist": _view(blocklist)})


def get_blocklist(ctx: Context) -> Result:
    """GetBlockList: GET /blocklists/{name} -> 200 ``{"blocklist": BlockList}``, the built-in
    list too; 404/16 if there is none.
    """
    name = ctx.params["name"]
    if _is_builtin(ctx, name):
        return ok({"blocklist": builtin_blocklist_view(ctx.state, ctx.builtins)})
    blocklist = ctx.state.blocklists.get(name)
    if blocklist is None:
        raise not_found(f'blocklist "{name}" not found')
    return ok({"blocklist": _view(blocklist)})


def update_blocklist(ctx: Context) -> Result:
    """UpdateBlockList: PUT /blocklists/{name} with the fields to change (``words``, the
    ``is_*_enabled`` flags, ``team``) -> 201 ``{"blocklist": BlockList}``. 400/4 for the built-in list,
    a bad field or a bad word; 404/16 if there is none.
    """
    blocklist = _existing_custom(ctx, "update")
    body = ctx.validated_body(UPDATE_BLOCKLIST)
    if given(body, "words"):
        blocklist["words"] = _check_words(ctx, body["words"], blocklist["type"])
    for flag in BLOCKLIST_FLAGS:
        if given(body, flag):
            blocklist[flag] = body[flag]
    if given(body, "team"):
        blocklist["team"] = body["team"]
    blocklist["updated_at"] = ctx.now_ns
    return created({"blocklist": _view(blocklist)})


def delete_blocklist(ctx: Context) -> Result:
    """DeleteBlockList: DELETE /blocklists/{name} -> 200 ``{}``. 400/4 for the built-in
    list; 404/16 if there is none.
    """
    blocklist = _existing_custom(ctx, "delete")
    del ctx.state.blocklists[blocklist["name"]]
    return ok()


def import_blocklist(ctx: Context) -> Result:
    """ImportBlockList: POST /blocklists/{id}/import with ``{items, chunk_size?}`` (the list's ``id``, or its
    name) -> 201 ``{"task_id"}``. Adds the items that are not in the list yet (idempotent); the task,
    polled with GetTask, has already ended: ``completed`` with ``result {added, skipped, total}``, or
    ``failed`` (nothing added) when the list would exceed the word limit. 400/4 on a bad field, a bad
    item (as for CreateBlockList) or the built-in list; 404/16 if there is no such list.
    """
    blocklist = _by_id_or_name(ctx, ctx.params["id"])
    body = ctx.validated_body(IMPORT_BLOCKLIST)
    items = _check_word_values(ctx, body["items"], blocklist["type"])
    present = set(blocklist["words"])
    added = [item for item in items if item not in present]
    total = len(blocklist["words"]) + len(added)
    maximum = ctx.builtins.limit("blocklist_words_max")
    if total > maximum:
        error = {"type": "limit_exceeded",
                 "description": f"a blocklist can have at most {maximum} words; the import would make {total}"}
        return created({"task_id": finished_task(ctx.state, ctx.api_key, ctx.now_ns, error=error)})
    if added:
        blocklist["words"] = [*blocklist["words"], *added]
        blocklist["updated_at"] = ctx.now_ns
    result = {"added": len(added), "skipped": len(body["items"]) - len(added), "total": total}
    return created({"task_id": finished_task(ctx.state, ctx.api_key, ctx.now_ns, result=result)})


def _by_id_or_name(ctx: Context, key: str) -> dict[str, Any]:
    if _is_builtin(ctx, key):
        raise bad_request(ctx.builtins.blocklist_error("update"))
    for blocklist in ctx.state.blocklists.values():
        if blocklist["id"] == key:
            return blocklist
    blocklist = ctx.state.blocklists.get(key)
    if blocklist is None:
        raise not_found(f'blocklist "{key}" not found')
    return blocklist
