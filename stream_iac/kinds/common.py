"""Small pieces several kind declarations share: built-in names and grant references."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field, TypeAdapter

from stream_iac.errors import json_type_name
from stream_iac.kinds.base import JSON


@dataclass(frozen=True)
class Source:
    """Where a limit on a field comes from, in its source's words. Put it in the field's
    `Annotated[...]` next to the `Field(...)` holding the limit: when validate refuses a value of
    the field, the message quotes it (stack/diagnostics.py)."""

    text: str


def spec(schema_field: str, words: str) -> Source:
    """A limit stated by Stream's OpenAPI spec (../shared/stream-api/openapi-subset.json)."""
    return Source(f'Stream API spec: {schema_field} "{words}"')


def docs(page: str, words: str) -> Source:
    """A limit stated by Stream's documentation (REFERENCE.md cites the page)."""
    return Source(f'Stream docs ({page}): "{words}"')


# Every integer field of the requests stream-iac sends is "format: int32" in the spec (none is
# int64), so none may exceed this, whatever other bound it has.
INT32_MAX = 2**31 - 1

BUILTIN_CHANNEL_TYPES = frozenset({"messaging", "livestream", "team", "gaming", "commerce"})
BUILTIN_COMMANDS = frozenset({"giphy", "ban", "unban", "mute", "unmute"})
COMMAND_SETS = frozenset({"all", "fun_set", "moderation_set"})
BUILTIN_ROLES = frozenset(
    {
        "user",
        "guest",
        "anonymous",
        "admin",
        "moderator",
        "channel_member",
        "channel_moderator",
        "global_moderator",
        "global_admin",
    }
)
BUILTIN_BLOCKLISTS = frozenset({"profanity_en_2020_v1"})

ROLE_NAME = Source('Stream API spec: CreateRoleRequest.name "maxLength: 64"; an empty name cannot be created '
                   "or deleted (DELETE /roles/{name})")
PERMISSION_ID = spec("CreatePermissionRequest.id", "maxLength: 255")
Name = Annotated[str, Field(min_length=1, max_length=255)]
RoleName = Annotated[str, Field(min_length=1, max_length=64), ROLE_NAME]
PermissionId = Annotated[str, Field(min_length=1, max_length=255), PERMISSION_ID]
Grants = dict[RoleName, list[PermissionId]]


def grant_refs(grants: Any) -> list[tuple[str, str]]:
    """A grants map refers to each role it grants something to, and to each permission granted.
    A role with an empty list (its grants cleared) is not a reference: see cleared_grant_roles."""
    refs: list[tuple[str, str]] = []
    if not isinstance(grants, dict):
        return refs
    for role, permissions in grants.items():
        if permissions:
            refs.append(("roles", role))
        for permission in permissions or []:
            refs.append(("permissions", permission))
    return refs


def cleared_grant_roles(grants: Any) -> list[tuple[str, str]]:
    """Roles whose grants a map clears (`role: []`). The API still checks such a role exists, so
    a write naming one waits for the role's creation, but the role need not exist otherwise."""
    if not isinstance(grants, dict):
        return []
    return [("roles", role) for role, permissions in grants.items() if not permissions]


def pick(obj: JSON, fields: set[str] | frozenset[str]) -> JSON:
    return {k: v for k, v in obj.items() if k in fields}


def _in_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# A point in time, written with its time zone (`2025-01-31T00:00:00Z`): the API's date-time fields.
# Held in UTC, so that a value written with another offset compares equal to what the API returns.
Timestamp = Annotated[AwareDatetime, AfterValidator(_in_utc)]
_TIMESTAMP = TypeAdapter(Timestamp)
_NS_PER_SECOND = 1_000_000_000


def timestamp_text(value: Any) -> Any:
    """A live date-time (nanoseconds since the epoch, as the API returns them, or seconds or
    milliseconds when small; or RFC 3339 text) as a stack writes a Timestamp; anything else as is."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    try:
        if isinstance(value, str):
            moment = _TIMESTAMP.validate_python(value)
        else:
            nanoseconds = int(value * _NS_PER_SECOND) if abs(value) < 1e11 else (
                int(value * 1_000_000) if abs(value) < 1e14 else int(value))
            seconds, rest = divmod(nanoseconds, _NS_PER_SECOND)
            moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest // 1000)
    except (ValueError, OverflowError, OSError):
        return value
    return _TIMESTAMP.dump_python(moment, mode="json")


def json_object_problem(value: str | None, what: str, source: Source) -> str | None:
    """Why `value` is not the text of a JSON object (`what` it should be), or None; never quotes
    the value (it is a secret). Empty text is left to the secret rules."""
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        return (f"must be JSON text ({what}), but it does not parse (line {exc.lineno}, column {exc.colno}); "
                f"{source.text}")
    if not isinstance(parsed, dict):
        return f"must be a JSON object ({what}), not {json_type_name(parsed)}; {source.text}"
    return None
