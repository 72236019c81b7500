"""Custom permissions: /api/v2/permissions (REFERENCE.md §8.3). Updates replace the whole
permission, so they always send every declared field."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from stream_iac.kinds.base import JSON, Api, Builtins, Endpoint, Kind, Lister, References, Shape, StackModel, Writes
from stream_iac.kinds.common import pick


class Permission(StackModel):
    """A custom permission; grant it to roles by its id (the key)."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    action: Annotated[str, Field(min_length=1)]
    condition: dict[str, Any]
    description: Annotated[str, Field(max_length=2048)] | None = None
    owner: bool | None = None
    same_team: bool | None = None


FIELDS = frozenset(Permission.model_fields)


def normalise(live: JSON) -> JSON:
    out = pick(live, FIELDS)
    if out.get("condition") is None:
        out["condition"] = {}
    return out


def valid_id(name: str) -> str | None:
    return None if len(name) <= 255 else "permission ids are at most 255 characters"


KIND = Kind(
    name="permissions",
    shape=Shape(model=Permission, normalise=normalise, name_rule=valid_id, noun="permission"),
    api=Api(
        read=Lister(op="ListPermissions", path="/permissions", key="permissions", name_field="id"),
        create=Endpoint("CreatePermission", "POST", "/permissions", name_field="id"),
        update=Endpoint("UpdatePermission", "PUT", "/permissions/{name}"),
        delete=Endpoint("DeletePermission", "DELETE", "/permissions/{name}"),
    ),
    writes=Writes(full_update=True),
    # The list call may not show every built-in permission, so an unknown one only warns.
    refs=References(missing_is_error=False),
    builtins=Builtins(detect=lambda name, live: live.get("custom") is False),
)
