"""Custom roles: /api/v2/roles (REFERENCE.md §8.1). A role has no settable fields: its
permissions are grants, managed on the app and on channel types."""

from __future__ import annotations

from stream_iac.kinds.base import Endpoint, Kind, Lister, StackModel
from stream_iac.kinds.common import BUILTIN_ROLES, JSON


class Role(StackModel):
    """A custom role (the stack lists them by name)."""


def normalise(live: JSON) -> JSON:
    return {}


KIND = Kind(
    name="roles",
    title="role",
    model=Role,
    lister=Lister(op="ListRoles", path="/roles", key="roles"),
    normalise=normalise,
    create=Endpoint("CreateRole", "POST", "/roles"),
    delete=Endpoint("DeleteRole", "DELETE", "/roles/{name}"),
    is_builtin=lambda name, live: live.get("custom") is False,
    builtin_names=BUILTIN_ROLES,
    order=5,
    listed_by_name=True,
    max_objects=25,
    name_rule=lambda name: (
        "built-in role; declare only custom roles" if name in BUILTIN_ROLES
        else "role names are at most 64 characters" if len(name) > 64 else None
    ),
)
