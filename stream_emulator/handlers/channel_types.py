"""Channel types: list/create/get/update/delete."""

from __future__ import annotations

import re
from typing import Any

from ..pipeline.errors import bad_request, not_found
from ..pipeline.request_schemas import (
    CREATE_CHANNEL_TYPE,
    CREATE_CHANNEL_TYPE_LEGACY,
    UPDATE_CHANNEL_TYPE,
    UPDATE_CHANNEL_TYPE_LEGACY,
)
from ..store.builtins import Builtins
from ..store.state import AppState
from .commands import command_object, expand_command_refs
from .common import Context, Result, apply_grants, created, is_multi_tenant, json_copy, ok, validate_grants

READ_ONLY_UPDATE_FIELDS = ("name", "created_at", "updated_at")
CLEARABLE_WITH_NULL = ("automod_thresholds", "partition_ttl")
GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


# -- views ----------------------------------------------------------------------------------------------


def _sorted_policies(config: dict[str, Any]) -> list[dict[str, Any]]:
    policies = json_copy(config.get("permissions", []))
    return sorted(policies, key=lambda policy: -int(policy.get("priority", 0)))


def channel_type_view(
    state: AppState, builtins: Builtins, config: dict[str, Any], command_objects: bool
) -> dict[str, Any]:
    """ChannelTypeConfig: GET/list use command objects, create/update responses use names."""
    view = json_copy(config)
    view["permissions"] = _sorted_policies(config)
    view["grants"] = json_copy(state.grants.get(config["name"], {}))
    if command_objects:
        view["commands"] = [command_object(state, builtins, name) for name in config["commands"]]
    return view


def channel_config_view(state: AppState, config: dict[str, Any]) -> dict[str, Any]:
    """ChannelConfig as embedded in GetApp (no grants or v1 permissions, command names)."""
    view = json_copy(config)
    view.pop("permissions", None)
    return view


# -- validation -----------------------------------------------------------------------------------------


def _check_references(ctx: Context, body: dict[str, Any]) -> None:
    if body.get("grants") is not None:
        validate_grants(body["grants"], ctx.state, ctx.builtins)
    names = []
    if body.get("blocklist"):
        names.append(body["blocklist"])
    names.extend(option["blocklist"] for option in body.get("blocklists") or [])
    for name in names:
        if name != ctx.builtins.builtin_blocklist["name"] and name not in ctx.state.blocklists:
            raise bad_request(f'blocklist "{name}" does not exist')


def _check_values(body: dict[str, Any]) -> None:
    retention = body.get("message_retention")
    if retention is not None and retention != "infinite" and not retention.isdigit():
        raise bad_request('message_retention must be "infinite" or a number of days')
    ttl = body.get("partition_ttl")
    if ttl and not GO_DURATION.match(ttl):
        raise bad_request(f'partition_ttl "{ttl}" is not a valid duration (e.g. "24h")')


def _apply_fields(ctx: Context, config: dict[str, Any], body: dict[str, Any]) -> None:
    for name, value in body.items():
        if name == "grants":
            continue
        if name == "commands":
            if value is not None:
                config["commands"] = expand_command_refs(value, ctx.state, ctx.builtins)
        elif value is None:
            if name in CLEARABLE_WITH_NULL:
                config.pop(name, None)
        else:
            config[name] = json_copy(value)


def _existing(ctx: Context) -> dict[str, Any]:
    name = ctx.params["name"]
    config = ctx.state.channel_types.get(name)
    if config is None:
        raise not_found(f'channel type "{name}" does not exist')
    return config


# -- handlers -------------------------------------------------------------------------------------------


def list_channel_types(ctx: Context) -> Result:
    """ListChannelTypes: GET /chat/channeltypes -> 200 ``{"channel_types": {name:
    ChannelTypeConfig}}`` for the built-in and custom types, commands as objects, v1 permission
    policies by descending priority, each type's ``grants``.
    """
    types = {
        name: channel_type_view(ctx.state, ctx.builtins, config, command_objects=True)
        for name, config in ctx.state.channel_types.items()
    }
    return ok({"channel_types": types})


def get_channel_type(ctx: Context) -> Result:
    """GetChannelType: GET /chat/channeltypes/{name} -> 200 the ChannelTypeConfig
    (commands as objects); 404/16 if there is no such type.
    """
    return ok(channel_type_view(ctx.state, ctx.builtins, _existing(ctx), command_objects=True))


def create_channel_type(ctx: Context) -> Result:
    """CreateChannelType: POST /chat/channeltypes with a CreateChannelTypeRequest body
    (``name``, ``automod``, ``automod_behavior``, ``max_message_length`` required; only ``name`` on the
    legacy path) -> 201 the created type (custom-type defaults filled in, commands as names, grants from
    ``messaging``'s unless given, plus the ``global_*`` roles' on a multi-tenant app). 400/4 on a bad
    field, if the type exists, at the channel-type limit, or when it names an unknown command,
    blocklist, role or permission.
    """
    body = ctx.validated_body(CREATE_CHANNEL_TYPE_LEGACY if ctx.legacy else CREATE_CHANNEL_TYPE)
    name: str = body["name"]
    if name in ctx.state.channel_types:
        raise bad_request(f'channel type "{name}" already exists')
    maximum = ctx.builtins.limit("channel_types_max")
    if len(ctx.state.channel_types) >= maximum:
        raise bad_request(f"an app can have at most {maximum} channel types")
    _check_values(body)
    _check_references(ctx, body)
    config: dict[str, Any] = json_copy(ctx.builtins.custom_channel_type_defaults)
    config.update(name=name, permissions=[], created_at=ctx.now_ns, updated_at=ctx.now_ns)
    _apply_fields(ctx, config, body)
    defaults = ctx.builtins.grants_for_new_scope(name, is_multi_tenant(ctx.state))
    ctx.state.grants[name] = apply_grants(defaults, body.get("grants"), defaults)
    ctx.state.channel_types[name] = config
    return created(channel_type_view(ctx.state, ctx.builtins, config, command_objects=False))


def update_channel_type(ctx: Context) -> Result:
    """UpdateChannelType: PUT /chat/channeltypes/{name} with an UpdateChannelTypeRequest
    body (``automod``, ``automod_behavior``, ``max_message_length`` required, except on the legacy path,
    where the classic SDKs send only what changes; given fields replace,
    ``null`` clears ``automod_thresholds`` / ``partition_ttl``) -> 201 (as Stream answers) the updated
    type, commands as names. 404/16 if there is no such type; 400/4 on a bad field, a read-only one
    (``name``, ``created_at``, ``updated_at``) or an unknown reference.
    """
    config = _existing(ctx)
    if isinstance(ctx.body, dict):
        for field in READ_ONLY_UPDATE_FIELDS:
            if field in ctx.body:
                raise bad_request(f'field "{field}" cannot be updated')
    body = ctx.validated_body(UPDATE_CHANNEL_TYPE_LEGACY if ctx.legacy else UPDATE_CHANNEL_TYPE)
    _check_values(body)
    _check_references(ctx, body)
    _apply_fields(ctx, config, body)
    if "grants" in body:
        current = ctx.state.grants.get(config["name"], {})
        defaults = ctx.builtins.grants_for_new_scope(config["name"], is_multi_tenant(ctx.state))
        ctx.state.grants[config["name"]] = apply_grants(current, body["grants"], defaults)
    config["updated_at"] = ctx.now_ns
    return created(channel_type_view(ctx.state, ctx.builtins, config, command_objects=False))


def delete_channel_type(ctx: Context) -> Result:
    """DeleteChannelType: DELETE /chat/channeltypes/{name} -> 200 ``{}``. 404/16 if there
    is no such type; 400/4 for a built-in type or one that still has channels.
    """
    config = _existing(ctx)
    name = config["name"]
    if name in ctx.builtins.channel_types:
        raise bad_request(f'channel type "{name}" is built-in and cannot be deleted')
    channels = ctx.state.channel_counts.get(name, 0)
    if channels:
        raise bad_request(f'channel type "{name}" still has {channels} channel(s); delete them first')
    del ctx.state.channel_types[name]
    ctx.state.grants.pop(name, None)
    ctx.state.channel_counts.pop(name, None)
    return ok()
