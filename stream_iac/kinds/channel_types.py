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
from stream_iac.kinds.default_grants import default_grants

NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")

Behavior = Literal["flag", "block", "shadow_block"]
THRESHOLD = spec("LabelThresholds.flag/block", "format: float, minimum: 0, maximum: 1")
BEHAVIOR = spec("UpdateChannelTypeRequest.blocklist_behavior", "One of: flag, block, shadow_block")


class ThresholdLevel(StackPart):
    flag: Annotated[float, Field(ge=0, le=1), THRESHOLD] | None = None
    """The score (0–1) from which a message is flagged for review."""
    block: Annotated[float, Field(ge=0, le=1), THRESHOLD] | None = None
    """The score (0–1) from which a message is blocked."""


class AutomodThresholds(StackPart):
    explicit: ThresholdLevel | None = None
    """Scores for sexually explicit content."""
    spam: ThresholdLevel | None = None
    """Scores for spam."""
    toxic: ThresholdLevel | None = None
    """Scores for toxic content (insults, threats, hate)."""


class BlocklistOption(StackPart):
    blocklist: Annotated[str, Field(min_length=1, max_length=255), spec(
        "CreateBlockListRequest.name", "maxLength: 255")]
    """The name of the blocklist (one of the stack's `blocklists`, or a built-in one)."""
    behavior: Annotated[Behavior, spec("BlockListOptions.behavior", "One of: flag, block, shadow_block")]
    """What happens to a message that matches: flagged for review (`flag`), refused (`block`), or
    shown only to its author (`shadow_block`)."""


class ChatPreferences(StackPart):
    """Which messages notify a channel member by default, by what they are (each: `all`, `none`, …)."""

    channel_mentions: str | None = None
    """Messages that mention @channel."""
    default_preference: str | None = None
    """Messages no other setting covers."""
    direct_mentions: str | None = None
    """Messages that mention the member by name."""
    distinct_channel_messages: str | None = None
    """Messages in distinct (one-to-one or fixed-member) channels."""
    group_mentions: str | None = None
    """Messages that mention a group the member is in."""
    here_mentions: str | None = None
    """Messages that mention @here."""
    role_mentions: str | None = None
    """Messages that mention a role the member has."""
    thread_replies: str | None = None
    """Replies in threads the member takes part in."""


POLICY_PRIORITY = spec("PolicyRequest.priority", "format: int32, maximum: 999, minimum: 1")


class Policy(StackPart):
    """A permission policy of the legacy permission system (the app's permission_version v1)."""

    name: str
    """A name for people."""
    action: Annotated[Literal["Allow", "Deny"], spec("PolicyRequest.action", "enum: Deny, Allow")]
    """Whether the policy allows or denies what it matches."""
    resources: Annotated[list[str], Field(min_length=1), spec("PolicyRequest.resources", "minItems: 1")]
    """The resources (actions) it applies to, e.g. `CreateMessage`, or `*` for all (at least one)."""
    roles: list[str]
    """The roles it applies to (`*` for all)."""
    owner: bool
    """Whether it applies only to resources the user owns (their own messages)."""
    priority: Annotated[int, Field(ge=1, le=999), POLICY_PRIORITY]
    """Which policy wins when several match: the highest (1–999)."""


class ChannelType(StackModel):
    """A channel type. Built-in types (messaging, livestream, team, gaming, commerce) may be declared too."""

    automod: Annotated[Literal["disabled", "simple", "AI"], spec(
        "CreateChannelTypeRequest.automod", "Automod. One of: disabled, simple, AI")] | None = None
    """Automatic moderation of messages: off (`disabled`, the default), a word filter (`simple`) or
    Stream's AI moderation (`AI`)."""
    # CreateChannelType takes flag or block; shadow_block is set by an update right after the create.
    automod_behavior: Annotated[Behavior, spec(
        "UpdateChannelTypeRequest.automod_behavior", "enum: flag, block, shadow_block")] | None = None
    """What automod does with a message it catches: flag it for review (`flag`, the default), refuse
    it (`block`), or show it only to its author (`shadow_block`)."""
    # The spec states the maximum for updates (creates have none): any value is updated some day.
    max_message_length: Annotated[int, Field(ge=0, le=20000), spec(
        "UpdateChannelTypeRequest.max_message_length", "format: int32, maximum: 20000")] | None = None
    """Longest message text accepted, in characters (0–20000; default 5000)."""
    automod_thresholds: AutomodThresholds | None = None
    """The AI moderation scores from which messages are flagged or blocked, by category."""
    allowed_flag_reasons: list[str] | None = None
    """The reasons users may give when they flag a message in channels of this type."""
    blocklist: str | None = None
    """One blocklist applied to messages (older form of `blocklists`)."""
    blocklist_behavior: Annotated[Behavior, BEHAVIOR] | None = None
    """What happens to a message that matches `blocklist`: flag, block, or shadow_block."""
    blocklists: list[BlocklistOption] | None = None
    """The blocklists applied to messages, each with what happens on a match."""
    commands: list[Annotated[str, Field(min_length=1, max_length=255), spec(
        "CreateCommandRequest.name", "minLength: 1, maxLength: 255")]] | None = None
    """The slash commands users can run (built-in ones such as `giphy`, the stack's commands,
    a command set such as `fun_set`, or `all`)."""
    grants: Grants | None = None
    """Permissions in channels of this type, by role (`role: [permission ids]`): each role listed
    has its grants replaced, `[]` removes a role's grants, roles not listed keep theirs. A new type
    starts with the grants of `messaging`."""
    permissions: list[Policy] | None = None
    """Permission policies of the legacy permission system, for apps on permission_version v1
    (v2 apps use grants)."""
    message_retention: Annotated[str, Field(pattern=r"^(infinite|[0-9]+)$"), spec(
        "CreateChannelTypeRequest.message_retention", "Message retention. One of: infinite, numeric")] | None = None
    """How long messages are kept: `infinite` (the default) or a number of days."""
    typing_events: bool | None = None
    """Send typing indicators."""
    read_events: bool | None = None
    """Track and send read receipts."""
    connect_events: bool | None = None
    """Send events when members connect and disconnect (presence)."""
    custom_events: bool | None = None
    """Let clients send events of their own types."""
    reactions: bool | None = None
    """Allow reactions to messages."""
    replies: bool | None = None
    """Allow replies in threads."""
    search: bool | None = None
    """Make messages searchable."""
    mutes: bool | None = None
    """Let users mute other users."""
    uploads: bool | None = None
    """Allow file and image uploads."""
    url_enrichment: bool | None = None
    """Add previews of URLs in messages."""
    push_notifications: bool | None = None
    """Send push notifications for new messages."""
    quotes: bool | None = None
    """Allow replies that quote a message."""
    reminders: bool | None = None
    """Send reminders of unread messages."""
    delivery_events: bool | None = None
    """Track and send delivery receipts."""
    count_messages: bool | None = None
    """Keep a count of the messages in each channel (default false)."""
    user_message_reminders: bool | None = None
    """Let users set reminders on messages (default false)."""
    mark_messages_pending: bool | None = None
    """Hold new messages as pending until the pending-message hook decides (default false)."""
    polls: bool | None = None
    """Allow polls (default false)."""
    skip_last_msg_update_for_system_msgs: bool | None = None
    """Do not move a channel's last-message time for system messages (default false)."""
    shared_locations: bool | None = None
    """Allow messages that share a location (default false)."""
    # Updates take >= 0, but a declared value is also what a create sends, and creates take >= 10.
    partition_size: Annotated[int, Field(ge=10, le=INT32_MAX), spec(
        "CreateChannelTypeRequest.partition_size", "format: int32, minimum: 10")] | None = None
    """For channels with very many members: how many members share one partition (at least 10)."""
    partition_ttl: Annotated[str, Field(pattern=r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"), spec(
        "CreateChannelTypeRequest.partition_ttl", "format: duration, example: 24h")] | None = None
    """How long a member stays in a partition, as a duration such as `24h` or `90m`."""
    push_level: Annotated[
        Literal["all", "all_mentions", "mentions", "direct_mentions", "none"],
        spec("CreateChannelTypeRequest.push_level", "One of: all, all_mentions, mentions, direct_mentions, none"),
    ] | None = None
    """Which messages send members a push notification by default: all, all_mentions, mentions,
    direct_mentions, or none."""
    chat_preferences: ChatPreferences | None = None
    """Which messages notify members by default, by what they are."""


MANAGED_FIELDS = frozenset(ChannelType.model_fields)


POLICY_FIELDS = frozenset(Policy.model_fields)
# The response types a policy's action as a number (SPEC#Policy.action: integer); requests take
# Allow/Deny. Assumed: 1 allows, 0 denies.
POLICY_ACTIONS = {0: "Deny", 1: "Allow"}


def normalise(live: JSON) -> JSON:
    """Live objects carry commands as objects (list and GET) or names (writes); keep names.
    Policies keep only what a stack declares (not their timestamps)."""
    out = {k: v for k, v in live.items() if k in MANAGED_FIELDS and v is not None}
    commands = live.get("commands")
    if isinstance(commands, list):
        out["commands"] = [c["name"] if isinstance(c, dict) else c for c in commands]
    if isinstance(out.get("permissions"), list):
        out["permissions"] = [_policy(p) for p in out["permissions"]]
    return out


def _policy(policy: object) -> object:
    if not isinstance(policy, dict):
        return policy
    out = {k: v for k, v in policy.items() if k in POLICY_FIELDS}
    action = out.get("action")
    if isinstance(action, int) and not isinstance(action, bool):
        out["action"] = POLICY_ACTIONS.get(action, action)
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
    "permissions": [],
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
    """What type `name` holds when nothing changed it: a built-in type its own defaults, a custom
    one those of a new type; and the documented default grants of its scope (a custom type gets
    messaging's), so only changed roles are exported."""
    return {**BUILTIN_TYPE_DEFAULTS.get(name, NEW_TYPE_DEFAULTS), "grants": default_grants(name, live)}


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
        # The API returns policies by descending priority, whatever order they were written in.
        sets=frozenset({"commands", "grants.*", "allowed_flag_reasons", "blocklists", "permissions"}),
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
