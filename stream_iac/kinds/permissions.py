"""Custom permissions: /api/v2/permissions (REFERENCE.md §8.3). UpdatePermission replaces the
whole permission (its body is the full PermissionRequest), so an update sends every declared field
and carries the live value of every other one (a rename keeps the description and owner).

Built-in permissions are derived from Stream's documented actions (DOC:permissions_reference,
REFERENCE.md §8.3): `<action-kebab>`, `-owner` (own resources), `-any-team` (multi-tenant) and
both together (the emulator's assumption 11). They are known offline, like built-in roles."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, field_validator

from stream_iac.kinds.base import (
    BUILTIN_MARK,
    JSON,
    Api,
    Builtins,
    Endpoint,
    Kind,
    Lister,
    References,
    Replaced,
    Shape,
    StackModel,
    Writes,
)
from stream_iac.kinds.common import PERMISSION_ID, Source, pick, spec

# DOC:permissions_reference "Actions" table, chat and video (../shared/stream-api/builtins.json
# permission_actions); CreatePermission and UpdatePermission refuse any other action.
ACTIONS = (
    "AddLinks", "AddOwnChannelMembership", "BanChannelMember", "CreateChannel", "CreateDistinctChannelForOthers",
    "CreateMessage", "CreateAttachment", "CreateMention", "CreateReaction", "CreateSystemMessage",
    "DeleteChannel", "DeleteReaction", "FlagMessage", "MuteChannel", "PinMessage", "ReadChannel",
    "ReadChannelMembers", "ReadDisabledChannel", "ReadMessageFlags", "RecreateChannel",
    "RemoveOwnChannelMembership", "SendCustomEvent", "SkipChannelCooldown", "SkipMessageModeration",
    "TruncateChannel", "UpdateChannel", "UpdateChannelCooldown", "UpdateChannelFrozen", "UpdateChannelMembers",
    "UploadAttachment", "UseFrozenChannel", "DeleteMessage", "RunMessageAction", "UnblockMessage",
    "UpdateMessage", "DeleteAttachment", "BanUser", "FlagUser", "MuteUser", "SearchUser", "UpdateUser",
    "UpdateUserRole", "UpdateUserTeams", "CreateRestrictedVisibilityMessage", "ReadRestrictedVisibilityMessage",
    "BlockUser", "CreateCall", "CreateCallReaction", "DeleteRecording", "EndCall", "JoinBackstage", "JoinCall",
    "JoinEndedCall", "ListRecordings", "MuteUsers", "PinCallTrack", "ReadCall", "ReadFlagReports",
    "RemoveCallMember", "Screenshare", "SendAudio", "SendEvent", "SendVideo", "StartBroadcasting",
    "StartRecording", "StartTranscription", "StopBroadcasting", "StopRecording", "StopTranscription",
    "UpdateCall", "UpdateCallMember", "UpdateCallMemberRole", "UpdateCallPermissions", "UpdateCallSettings",
    "UpdateFlagReport",
)
_ACTION_SET = frozenset(ACTIONS)
ACTION_SOURCE = Source(f'Stream docs (permissions_reference): the {len(ACTIONS)} actions of its "Actions" table')


def _kebab(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", action).lower()


BUILTIN_PERMISSIONS = frozenset(
    _kebab(action) + owner + team for action in ACTIONS for owner in ("", "-owner") for team in ("", "-any-team")
)


def _did_you_mean(word: str, candidates: tuple[str, ...] | frozenset[str]) -> str:
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


class Permission(StackModel):
    """A custom permission, keyed by its id (up to 255 characters): it allows one action when its
    condition holds. Grant it to roles by that id, in `app.grants` or a channel type's `grants`."""

    name: Annotated[str, Field(min_length=1, max_length=100), spec("CreatePermissionRequest.name", "maxLength: 100")]
    """A readable name for the permission (required; 1 to 100 characters)."""
    action: Annotated[str, Field(min_length=1, json_schema_extra={"enum": list(ACTIONS)}), ACTION_SOURCE]
    """The action it allows, one of Stream's documented actions (`CreateMessage`, `ReadChannel`,
    `FlagUser` …). Whether it applies to a channel or the whole app follows from the action."""
    condition: dict[str, Any]
    """When the permission applies: a MongoDB-style query over the request, such as
    `{"$subject.vip": true}` (required; `{}` sets no condition)."""
    description: Annotated[str, Field(max_length=2048), spec(
        "CreatePermissionRequest.description", "maxLength: 2048")] | None = None
    """Free text saying what the permission is for (up to 2048 characters)."""
    owner: bool | None = None
    """Whether the permission covers only resources the user owns (their own messages, channels
    and so on)."""
    same_team: bool | None = None
    """Whether the permission covers only resources of the user's own team (multi-tenant apps)."""

    @field_validator("action")
    @classmethod
    def action_exists(cls, action: str) -> str:
        if action in _ACTION_SET:
            return action
        raise ValueError(f"{action!r} is not one of Stream's permission actions{_did_you_mean(action, ACTIONS)}, "
                         f"so CreatePermission would refuse it; {ACTION_SOURCE.text}")


FIELDS = frozenset(Permission.model_fields)


def normalise(live: JSON) -> JSON:
    out = pick(live, FIELDS)
    if out.get("condition") is None:
        out["condition"] = {}
    return out


def valid_id(name: str) -> str | None:
    if name in BUILTIN_PERMISSIONS:
        return ("built-in permission (derived from a documented action); declare only custom permissions, "
                "and grant built-in ones by their id")
    return None if len(name) <= 255 else f"permission ids are at most 255 characters; {PERMISSION_ID.text}"


def unlisted(permission_id: str, live: Mapping[str, JSON]) -> str | None:
    """ListPermissions returns "built-in + custom" (REFERENCE.md §8.3; the emulator lists all 300
    built-ins). A live list that shows no built-in permission at all is therefore known to be
    incomplete (older APIs listed custom permissions only): a permission missing from it may still
    be a built-in one that the docs do not list. A list that shows built-ins is complete."""
    if any(obj.get(BUILTIN_MARK) for obj in live.values()):
        return None
    hint = _did_you_mean(permission_id, BUILTIN_PERMISSIONS)
    return (f"ListPermissions showed no built-in permission for this app, so it cannot tell whether "
            f"{permission_id!r} exists: it is not a documented built-in id{hint} nor a custom permission; "
            "apply fails if the API does not have it")


KIND = Kind(
    name="permissions",
    shape=Shape(model=Permission, normalise=normalise, name_rule=valid_id, noun="permission"),
    api=Api(
        read=Lister(op="ListPermissions", path="/permissions", key="permissions", name_field="id"),
        create=Endpoint("CreatePermission", "POST", "/permissions", name_field="id"),
        update=Endpoint("UpdatePermission", "PUT", "/permissions/{name}"),
        delete=Endpoint("DeletePermission", "DELETE", "/permissions/{name}"),
    ),
    # The model holds every field the request takes, so nothing beyond it is carried.
    writes=Writes(replaces=(Replaced(),)),
    refs=References(unlisted=unlisted),
    builtins=Builtins(names=BUILTIN_PERMISSIONS, detect=lambda name, live: live.get("custom") is False,
                      declarable=False),
)
