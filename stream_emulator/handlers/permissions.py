"""Permissions: built-in ones (derived from the action list) and custom ones."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ..pipeline.errors import bad_request, not_found
from ..pipeline.request_schemas import CREATE_PERMISSION, UPDATE_PERMISSION
from ..store.builtins import BuiltinPermission, Builtins, builtin_permissions
from .common import Context, Result, created, json_copy, ok, scopes_granting_permission

APP_LEVEL_RESOURCES = ("User", "FlagReport")


def _level(resource_type: str) -> str:
    return "app" if resource_type in APP_LEVEL_RESOURCES else "channel"


@cache  # a pure function of the few hundred actions, called for each of them on every list
def _title(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", action)


def builtin_permission_view(permission: BuiltinPermission) -> dict[str, Any]:
    qualifiers = [text for text, on in (("own", permission.owner), ("any team", permission.any_team)) if on]
    suffix = f" ({', '.join(qualifiers)})" if qualifiers else ""
    return {
        "id": permission.id,
        "name": _title(permission.action) + suffix,
        "description": f"built-in permission for action {permission.action}{suffix}",
        "action": permission.action,
        "owner": permission.owner,
        "same_team": not permission.any_team,
        "custom": False,
        "level": _level(permission.resource_type),
        "owner_resource": permission.resource_type.lower() if permission.owner else "",
        "tags": ["video" if permission.resource_type == "Call" else "chat"],
    }


def custom_permission_view(builtins: Builtins, stored: dict[str, Any]) -> dict[str, Any]:
    resource_type = builtins.permission_actions.get(stored["action"], "Channel")
    return {
        "id": stored["id"],
        "name": stored["name"],
        "description": stored.get("description", ""),
        "action": stored["action"],
        "owner": stored.get("owner", False),
        "same_team": stored.get("same_team", False),
        "custom": stored.get("custom", True),  # False: a real app's built-in, loaded by live_import
        "level": _level(resource_type),
        "owner_resource": resource_type.lower() if stored.get("owner") else "",
        "tags": [],
        "condition": json_copy(stored.get("condition", {})),
    }


def _check_action(ctx: Context, action: str) -> None:
    if action not in ctx.builtins.permission_actions:
        raise bad_request(f'action "{action}" does not exist')


def _stored_fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = ("name", "action", "condition", "description", "owner", "same_team")
    return {name: json_copy(body[name]) for name in fields if body.get(name) is not None}


def _existing_custom(ctx: Context) -> dict[str, Any]:
    permission_id = ctx.params["id"]
    if permission_id in builtin_permissions():
        raise bad_request(f'permission "{permission_id}" is built-in and cannot be modified')
    stored = ctx.state.permissions.get(permission_id)
    if stored is None:
        raise not_found(f'permission "{permission_id}" does not exist')
    return stored


# -- handlers -------------------------------------------------------------------------------------------


def list_permissions(ctx: Context) -> Result:
    """ListPermissions: GET /permissions -> 200 ``{"permissions": [...]}``: every built-in
    permission (four per action: plain, ``-owner``, ``-any-team``, ``-owner-any-team``), then the
    custom ones.
    """
    views = [builtin_permission_view(permission) for permission in builtin_permissions().values()]
    views.extend(custom_permission_view(ctx.builtins, stored) for stored in ctx.state.permissions.values())
    return ok({"permissions": views})


def create_permission(ctx: Context) -> Result:
    """CreatePermission: POST /permissions with ``{id, name, action, condition,
    description?, owner?, same_team?}`` -> 201 ``{}`` (nothing echoed). 400/4 on a bad field, an
    existing id (built-in included) or an unknown action.
    """
    body = ctx.validated_body(CREATE_PERMISSION)
    permission_id: str = body["id"]
    if permission_id in builtin_permissions() or permission_id in ctx.state.permissions:
        raise bad_request(f'permission "{permission_id}" already exists')
    _check_action(ctx, body["action"])
    ctx.state.permissions[permission_id] = {"id": permission_id, **_stored_fields(body)}
    return created()


def get_permission(ctx: Context) -> Result:
    """GetPermission: GET /permissions/{id} -> 200 ``{"permission": Permission}``, built-in or
    custom; 404/16 if there is none.
    """
    permission_id = ctx.params["id"]
    builtin = builtin_permissions().get(permission_id)
    if builtin is not None:
        return ok({"permission": builtin_permission_view(builtin)})
    stored = ctx.state.permissions.get(permission_id)
    if stored is None:
        raise not_found(f'permission "{permission_id}" does not exist')
    return ok({"permission": custom_permission_view(ctx.builtins, stored)})


def update_permission(ctx: Context) -> Result:
    """UpdatePermission: PUT /permissions/{id} with ``{name, action, condition,
    description?, owner?, same_team?}`` (replaces the stored fields) -> 201 ``{}``. 400/4 for a
    built-in permission, a bad field or an unknown action; 404/16 if there is none.
    """
    stored = _existing_custom(ctx)
    body = ctx.validated_body(UPDATE_PERMISSION)
    _check_action(ctx, body["action"])
    ctx.state.permissions[stored["id"]] = {"id": stored["id"], **_stored_fields(body)}
    return created()


def delete_permission(ctx: Context) -> Result:
    """DeletePermission: DELETE /permissions/{id} -> 200 ``{}``. 400/4 for a built-in
    permission or one still granted in some scope; 404/16 if there is none.
    """
    stored = _existing_custom(ctx)
    scopes = scopes_granting_permission(ctx.state, stored["id"])
    if scopes:
        raise bad_request(f'permission "{stored["id"]}" is still granted in scope(s) {", ".join(scopes)}')
    del ctx.state.permissions[stored["id"]]
    return ok()
