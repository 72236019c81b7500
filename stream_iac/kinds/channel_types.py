"""Channel types: /api/v2/chat/channeltypes (REFERENCE.md §5)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from stream_iac.kinds.base import (
    JSON,
    Api,
    Builtins,
    Context,
    Endpoint,
    Export,
    Fields,
    Kind,
    Lister,
    References,
    Shape,
    StackModel,
    StackPart,
    Writes,
)
from stream_iac.kinds.common import (
    BUILTIN_CHANNEL_TYPES,
    BUILTIN_COMMANDS,
    COMMAND_SETS,
    INT32_MAX,
    Grants,
    cleared_grant_roles,
    grant_refs,
    spec,
)

NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")

Behavior = Literal["flag", "block", "shadow_block"]
THRESHOLD = spec("LabelThresholds.flag/block", "format: float, minimum: 0, maximum: 1")
BEHAVIOR = spec("UpdateChannelTypeRequest.blocklist_behavior", "One of: flag, block, shadow_block")


class ThresholdLevel(StackPart):
    flag: Annotated[float, Field(ge=0, le=1), THRESHOLD] | None = None
    block: Annotated[float, Field(ge=0, le=1), THRESHOLD] | None = None


class AutomodThresholds(StackPart):
    explicit: ThresholdLevel | None = None
    spam: ThresholdLevel | None = None
    toxic: ThresholdLevel | None = None


class BlocklistOption(StackPart):
    blocklist: Annotated[str, Field(min_length=1, max_length=255), spec(
        "CreateBlockListRequest.name", "maxLength: 255")]
    behavior: Annotated[Behavior, spec("BlockListOptions.behavior", "One of: flag, block, shadow_block")]


class ChatPreferences(StackPart):
    channel_mentions: str | None = None
    default_preference: str | None = None
    direct_mentions: str | None = None
    distinct_channel_messages: str | None = None
    group_mentions: str | None = None
    here_mentions: str | None = None
    role_mentions: str | None = None
    thread_replies: str | None = None


class ChannelType(StackModel):
    """A channel type. Built-in types (messaging, livestream, team, gaming, commerce) may be declared too."""

    automod: Annotated[Literal["disabled", "simple", "AI"], spec(
        "CreateChannelTypeRequest.automod", "Automod. One of: disabled, simple, AI")] | None = None
    # CreateChannelType takes flag or block; shadow_block is set by an update right after the create.
    automod_behavior: Annotated[Behavior, spec(
        "UpdateChannelTypeRequest.automod_behavior", "enum: flag, block, shadow_block")] | None = None
    # The spec states the maximum for updates (creates have none): any value is updated some day.
    max_message_length: Annotated[int, Field(ge=0, le=20000), spec(
        "UpdateChannelTypeRequest.max_message_length", "format: int32, maximum: 20000")] | None = None
    automod_thresholds: AutomodThresholds | None = None
    allowed_flag_reasons: list[str] | None = None
    blocklist: str | None = None
    blocklist_behavior: Annotated[Behavior, BEHAVIOR] | None = None
    blocklists: list[BlocklistOption] | None = None
    commands: list[Annotated[str, Field(min_length=1, max_length=255), spec(
        "CreateCommandRequest.name", "minLength: 1, maxLength: 255")]] | None = None
    grants: Grants | None = None
    message_retention: Annotated[str, Field(pattern=r"^(infinite|[0-9]+)$"), spec(
        "CreateChannelTypeRequest.message_retention", "Message retention. One of: infinite, numeric")] | None = None
    typing_events: bool | None = None
    read_events: bool | None = None
    connect_events: bool | None = None
    custom_events: bool | None = None
    reactions: bool | None = None
    replies: bool | None = None
    search: bool | None = None
    mutes: bool | None = None
    uploads: bool | None = None
    url_enrichment: bool | None = None
    push_notifications: bool | None = None
    quotes: bool | None = None
    reminders: bool | None = None
    delivery_events: bool | None = None
    count_messages: bool | None = None
    user_message_reminders: bool | None = None
    mark_messages_pending: bool | None = None
    polls: bool | None = None
    skip_last_msg_update_for_system_msgs: bool | None = None
    shared_locations: bool | None = None
    # Updates take >= 0, but a declared value is also what a create sends, and creates take >= 10.
    partition_size: Annotated[int, Field(ge=10, le=INT32_MAX), spec(
        "CreateChannelTypeRequest.partition_size", "format: int32, minimum: 10")] | None = None
    partition_ttl: Annotated[str, Field(pattern=r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"), spec(
        "CreateChannelTypeRequest.partition_ttl", "format: duration, example: 24h")] | None = None
    push_level: Annotated[
        Literal["all", "all_mentions", "mentions", "direct_mentions", "none"],
        spec("CreateChannelTypeRequest.push_level", "One of: all, all_mentions, mentions, direct_mentions, none"),
    ] | None = None
    chat_preferences: ChatPreferences | None = None


MANAGED_FIELDS = frozenset(ChannelType.model_fields)


def normalise(live: JSON) -> JSON:
    """Live objects carry commands as objects (list and GET) or names (writes); keep names."""
    out = {k: v for k, v in live.items() if k in MANAGED_FIELDS and v is not None}
    commands = live.get("commands")
    if isinstance(commands, list):
        out["commands"] = [c["name"] if isinstance(c, dict) else c for c in commands]
    return out


def references(body: JSON) -> list[tuple[str, str]]:
    refs: list[tuple[str, str]] = []
    for command in body.get("commands") or []:
        if command not in BUILTIN_COMMANDS and command not in COMMAND_SETS:
            refs.append(("commands", command))
    for option in body.get("blocklists") or []:
        refs.append(("blocklists", option["blocklist"]))
    if body.get("blocklist"):
        refs.append(("blocklists", body["blocklist"]))
    refs.extend(grant_refs(body.get("grants")))
    return refs


SET_MEMBERS = {"fun_set": ["giphy"], "moderation_set": ["ban", "unban", "mute", "unmute"]}


def expand_commands(body: JSON, context: Context) -> JSON:
    """The API stores command sets and "all" expanded; compare and send them that way."""
    commands = body.get("commands")
    if not commands:
        return body
    custom = context.get("commands", {})
    expanded: list[str] = []
    for name in commands:
        if name == "all":
            members = sorted(BUILTIN_COMMANDS) + sorted(custom)
        elif name in custom:
            members = [name]
        elif name in SET_MEMBERS:
            members = SET_MEMBERS[name]
        elif name not in BUILTIN_COMMANDS and name not in custom:
            members = sorted(c for c, obj in custom.items() if obj.get("set") == name) or [name]
        else:
            members = [name]
        expanded.extend(m for m in members if m not in expanded)
    return {**body, "commands": expanded}


# What a channel type created with only its name holds (builtins.json custom_channel_type_defaults),
# and where the built-in types differ from that. An export leaves out fields equal to these.
NEW_TYPE_DEFAULTS: JSON = {
    "automod": "disabled",
    "automod_behavior": "flag",
    "max_message_length": 5000,
    "message_retention": "infinite",
    "typing_events": True,
    "read_events": True,
    "connect_events": True,
    "custom_events": True,
    "delivery_events": True,
    "reactions": True,
    "replies": True,
    "quotes": True,
    "search": True,
    "mutes": True,
    "uploads": True,
    "url_enrichment": True,
    "push_notifications": True,
    "count_messages": False,
    "user_message_reminders": False,
    "reminders": False,
    "mark_messages_pending": False,
    "polls": False,
    "skip_last_msg_update_for_system_msgs": False,
    "shared_locations": False,
    "commands": [],
}
_BUILTIN_TYPE_BASE: JSON = {
    **NEW_TYPE_DEFAULTS,
    "commands": ["giphy", "ban", "unban", "mute", "unmute"],
    "blocklist_behavior": "flag",
    "blocklists": [],
}
BUILTIN_TYPE_DEFAULTS: dict[str, JSON] = {
    "messaging": _BUILTIN_TYPE_BASE,
    "livestream": {**_BUILTIN_TYPE_BASE, "typing_events": False, "url_enrichment": False},
    "team": _BUILTIN_TYPE_BASE,
    "gaming": {**_BUILTIN_TYPE_BASE, "search": False},
    "commerce": _BUILTIN_TYPE_BASE,
}


def export_defaults(name: str, live: Context) -> JSON:
    """A new custom type gets the live `messaging` grants. Built-in types keep every role: Stream's
    default grants cannot be told apart from changed ones offline."""
    if name in BUILTIN_TYPE_DEFAULTS:
        return BUILTIN_TYPE_DEFAULTS[name]
    messaging = live.get("channel_types", {}).get("messaging", {})
    return {**NEW_TYPE_DEFAULTS, "grants": messaging.get("grants") or {}}


REQUIRED_ON_WRITE = {"automod": "disabled", "automod_behavior": "flag", "max_message_length": 5000}
# Fields the create call does not take, and values it refuses (automod_behavior shadow_block is
# an update-only value: created as flag). An update right after the create sets them.
UPDATE_AFTER_CREATE = ("automod_thresholds", "allowed_flag_reasons", "quotes", "reminders")
CREATE_SUBSTITUTES: dict[str, dict[object, object]] = {"automod_behavior": {"shadow_block": "flag"}}


def split_create(body: JSON) -> tuple[JSON, JSON]:
    """(what CreateChannelType takes, what an UpdateChannelType right after must set)."""
    later = {k: v for k, v in body.items() if k in UPDATE_AFTER_CREATE}
    first = {k: v for k, v in body.items() if k not in UPDATE_AFTER_CREATE}
    for field, substitutes in CREATE_SUBSTITUTES.items():
        value = first.get(field)
        if isinstance(value, str | int | float | bool) and value in substitutes:
            first[field], later[field] = substitutes[value], value
    return first, later


def valid_name(name: str) -> str | None:
    return None if NAME_RE.fullmatch(name) else "channel type names use letters, digits, '_' and '-' (1 to 64)"


KIND = Kind(
    name="channel_types",
    shape=Shape(model=ChannelType, normalise=normalise, max_objects=50, name_rule=valid_name,
                max_objects_source='Stream docs (channel_features): "hard limit 50 channel types per app"',
                expand=expand_commands, noun="channel type"),
    api=Api(
        read=Lister(op="ListChannelTypes", path="/chat/channeltypes", key="channel_types"),
        create=Endpoint("CreateChannelType", "POST", "/chat/channeltypes", name_field="name"),
        update=Endpoint("UpdateChannelType", "PUT", "/chat/channeltypes/{name}"),
        delete=Endpoint("DeleteChannelType", "DELETE", "/chat/channeltypes/{name}"),
    ),
    fields=Fields(
        sets=frozenset({"commands", "grants.*", "allowed_flag_reasons", "blocklists"}),
        merge_maps=frozenset({"grants"}),
    ),
    writes=Writes(
        required_on_update=tuple(REQUIRED_ON_WRITE),
        create_defaults=REQUIRED_ON_WRITE,
        split_create=split_create,
    ),
    refs=References(find=references, ordering=lambda body: cleared_grant_roles(body.get("grants"))),
    builtins=Builtins(names=BUILTIN_CHANNEL_TYPES),
    export=Export(defaults=export_defaults, builtins=True),
)
