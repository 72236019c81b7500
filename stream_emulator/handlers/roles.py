"""Roles. A role's scopes are the scopes in which it currently has grants."""

from __future__ import annotations

from typing import Any

from ..pipeline.errors import bad_request, not_found
from ..pipeline.request_schemas import CREATE_ROLE
from ..store.builtins import Builtins
from ..store.state import AppState
from .common import Context, Result, created, ok, scopes_of_role


def role_view(state: AppState, name: str, custom: bool, created_at: int, updated_at: int) -> dict[str, Any]:
    return {
        "name": name,
        "custom": custom,
        "scopes": scopes_of_role(state, name),
        "created_at": created_at,
        "updated_at": updated_at,
    }


def all_role_views(state: AppState, builtins: Builtins) -> list[dict[str, Any]]:
    views = [role_view(state, name, False, state.created_at, state.created_at) for name in builtins.roles]
    views.extend(
        # A role loaded from a real app's list as built-in (live_import) stays built-in.
        role_view(state, name, role.get("custom", True), role["created_at"], role["updated_at"])
        for name, role in state.roles.items()
    )
    return views


def list_roles(ctx: Context) -> Result:
    """ListRoles: GET /roles -> 200 ``{"roles": [...]}``: the built-in roles, then the custom ones,
    each with the scopes it currently has grants in.
    """
    return ok({"roles": all_role_views(ctx.state, ctx.builtins)})


def create_role(ctx: Context) -> Result:
    """CreateRole: POST /roles with ``{name}`` -> 201 ``{"role": Role}``. 400/4 on a bad name, an
    existing or built-in role, or at the custom-role limit.
    """
    body = ctx.validated_body(CREATE_ROLE)
    name: str = body["name"]
    if name in ctx.builtins.roles or name in ctx.state.roles:
        raise bad_request(f'role "{name}" already exists')
    maximum = ctx.builtins.limit("custom_roles_max")
    if len(ctx.state.roles) >= maximum:
        raise bad_request(f"an app can have at most {maximum} custom roles")
    ctx.state.roles[name] = {"name": name, "created_at": ctx.now_ns, "updated_at": ctx.now_ns}
    return created({"role": role_view(ctx.state, name, True, ctx.now_ns, ctx.now_ns)})


def delete_role(ctx: Context) -> Result:
    """DeleteRole: DELETE /roles/{name} -> 200 ``{}``. 400/4 for a built-in role or one that still
    has grants in some scope; 404/16 if there is no such role.
    """
    name = ctx.params["name"]
    if name in ctx.builtins.roles:
        raise bad_request(f'role "{name}" is built-in and cannot be deleted')
    if name not in ctx.state.roles:
        raise not_found(f'role "{name}" does not exist')
    scopes = scopes_of_role(ctx.state, name)
    if scopes:
        raise bad_request(f'role "{name}" still has grants in scope(s) {", ".join(scopes)}; remove them first')
    del ctx.state.roles[name]
    return ok()
