"""Custom permissions: /api/v2/permissions (REFERENCE.md §8.3). Updates replace the whole
permission, so they always send every declared field."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from stream_iac.kinds.base import Endpoint, Kind, Lister, StackModel
from stream_iac.kinds.common import JSON, pick


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


KIND = Kind(
    name="permissions",
    title="permission",
    model=Permission,
    lister=Lister(op="ListPermissions", path="/permissions", key="permissions", name_field="id"),
    normalise=normalise,
    create=Endpoint("CreatePermission", "POST", "/permissions"),
    update=Endpoint("UpdatePermission", "PUT", "/permissions/{name}"),
    delete=Endpoint("DeletePermission", "DELETE", "/permissions/{name}"),
    full_update=True,
    unknown_reference_is_error=False,
    name_in_body="id",
    is_builtin=lambda name, live: live.get("custom") is False,
    order=5,
    name_rule=lambda name: None if len(name) <= 255 else "permission ids are at most 255 characters",
)
