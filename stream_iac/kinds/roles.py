"""Custom roles: /api/v2/roles (REFERENCE.md §8.1). A role has no settable fields: its
permissions are grants, managed on the app and on channel types."""

from __future__ import annotations

from stream_iac.kinds.base import JSON, Api, Builtins, Endpoint, Kind, Lister, Shape, StackModel
from stream_iac.kinds.common import BUILTIN_ROLES, ROLE_NAME


class Role(StackModel):
    """Custom roles, listed by name (up to 64 characters each). A role holds no settings: what its
    users may do is granted in `app.grants` and in each channel type's `grants`. Built-in roles
    (user, admin, moderator, guest, anonymous, channel_member, channel_moderator, global_moderator,
    global_admin) are not listed here."""


def normalise(live: JSON) -> JSON:
    return {}


def valid_name(name: str) -> str | None:
    if name in BUILTIN_ROLES:
        return "built-in role; declare only custom roles"
    return f"role names are at most 64 characters; {ROLE_NAME.text}" if len(name) > 64 else None


KIND = Kind(
    name="roles",
    shape=Shape(model=Role, normalise=normalise, layout="names", max_objects=25, name_rule=valid_name,
                max_objects_source='Stream docs (chat_permission_policies): "up to 25 custom roles per app"',
                noun="role"),
    api=Api(
        read=Lister(op="ListRoles", path="/roles", key="roles"),
        create=Endpoint("CreateRole", "POST", "/roles", name_field="name"),
        delete=Endpoint("DeleteRole", "DELETE", "/roles/{name}"),
    ),
    builtins=Builtins(names=BUILTIN_ROLES, detect=lambda name, live: live.get("custom") is False),
)
