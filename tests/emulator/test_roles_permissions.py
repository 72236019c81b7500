"""Roles, grants-derived scopes, and permissions."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import REQUIRED_UPDATE, Api, assert_error, assert_ok

BUILTIN_ROLES = {"user", "guest", "anonymous", "admin", "moderator", "channel_member", "channel_moderator",
                 "global_moderator", "global_admin"}
CUSTOM_PERMISSION = {"id": "read-vip", "name": "Read VIP", "action": "ReadChannel",
                     "condition": {"$subject.vip": True}}


def roles_by_name(api: Api) -> dict[str, dict[str, Any]]:
    return {role["name"]: role for role in assert_ok(api.get("/roles"))["roles"]}


def test_builtin_roles_are_listed_as_not_custom(api: Api) -> None:
    roles = roles_by_name(api)
    assert set(roles) == BUILTIN_ROLES
    assert all(role["custom"] is False for role in roles.values())
    assert ".app" in roles["user"]["scopes"] and "messaging" in roles["user"]["scopes"]
    assert roles["anonymous"]["scopes"] == ["livestream"]
    assert all(isinstance(role["created_at"], int) for role in roles.values())


def test_create_role_and_scopes_follow_grants(api: Api) -> None:
    role = assert_ok(api.post("/roles", {"name": "vip"}), 201)["role"]
    assert role == {"name": "vip", "custom": True, "scopes": [], "created_at": role["created_at"],
                    "updated_at": role["updated_at"]}
    assert_ok(api.patch("/app", {"grants": {"vip": ["search-user"]}}))
    assert_ok(api.put("/chat/channeltypes/team", {**REQUIRED_UPDATE, "grants": {"vip": ["read-channel"]}}), 201)
    assert roles_by_name(api)["vip"]["scopes"] == [".app", "team"]


def test_role_with_grants_cannot_be_deleted_until_they_are_removed(api: Api) -> None:
    assert_ok(api.post("/roles", {"name": "vip"}), 201)
    assert_ok(api.put("/chat/channeltypes/team", {**REQUIRED_UPDATE, "grants": {"vip": ["read-channel"]}}), 201)
    assert_error(api.delete("/roles/vip"), 400, 4, "DeleteRole", "team")
    assert_ok(api.put("/chat/channeltypes/team", {**REQUIRED_UPDATE, "grants": {"vip": []}}), 201)
    assert_ok(api.delete("/roles/vip"))
    assert "vip" not in roles_by_name(api)


def test_builtin_and_unknown_roles_cannot_be_deleted(api: Api) -> None:
    assert_error(api.delete("/roles/admin"), 400, 4, "DeleteRole", "built-in")
    assert_error(api.delete("/roles/ghost"), 404, 16, "DeleteRole", '"ghost"')


def test_role_name_rules_and_limit(api: Api) -> None:
    assert_error(api.post("/roles", {"name": "r" * 65}), 400, 4, "CreateRole", "64")
    assert_error(api.post("/roles", {"name": "user"}), 400, 4, "CreateRole", "exists")
    assert_error(api.post("/roles", {}), 400, 4, "CreateRole", "name is a required field")
    for index in range(25):
        assert_ok(api.post("/roles", {"name": f"role{index}"}), 201)
    assert_error(api.post("/roles", {"name": "role25"}), 400, 4, "CreateRole", "25")


def test_builtin_permissions_are_listed_and_readable(api: Api) -> None:
    permissions = {item["id"]: item for item in assert_ok(api.get("/permissions"))["permissions"]}
    assert {"create-message", "create-message-owner", "read-flag-reports", "update-user-owner"} <= set(permissions)
    assert all(item["custom"] is False for item in permissions.values())
    body = assert_ok(api.get("/permissions/create-message-owner"))["permission"]
    assert body["action"] == "CreateMessage" and body["owner"] is True and body["level"] == "channel"
    assert assert_ok(api.get("/permissions/search-user"))["permission"]["level"] == "app"


def test_custom_permission_lifecycle(api: Api) -> None:
    assert set(assert_ok(api.post("/permissions", CUSTOM_PERMISSION), 201)) == {"duration"}
    stored = assert_ok(api.get("/permissions/read-vip"))["permission"]
    assert stored["custom"] is True and stored["condition"] == {"$subject.vip": True}
    update = {"name": "Read VIP 2", "action": "ReadChannel", "condition": {}, "description": "d"}
    assert set(assert_ok(api.put("/permissions/read-vip", update), 201)) == {"duration"}
    stored = assert_ok(api.get("/permissions/read-vip"))["permission"]
    assert stored["name"] == "Read VIP 2" and stored["description"] == "d"
    assert_ok(api.delete("/permissions/read-vip"))
    assert_error(api.get("/permissions/read-vip"), 404, 16, "GetPermission")


def test_custom_permission_can_be_granted_and_then_not_deleted(api: Api) -> None:
    assert_ok(api.post("/permissions", CUSTOM_PERMISSION), 201)
    assert_ok(api.put("/chat/channeltypes/team", {**REQUIRED_UPDATE, "grants": {"user": ["read-vip"]}}), 201)
    assert_error(api.delete("/permissions/read-vip"), 400, 4, "DeletePermission", "team")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({**CUSTOM_PERMISSION, "id": "create-message"}, "exists"),
        ({**CUSTOM_PERMISSION, "action": "Fly"}, '"Fly"'),
        ({key: value for key, value in CUSTOM_PERMISSION.items() if key != "condition"}, "condition"),
        ({**CUSTOM_PERMISSION, "name": "n" * 101}, "100"),
        ({**CUSTOM_PERMISSION, "id": "i" * 256}, "255"),
        ({**CUSTOM_PERMISSION, "description": "d" * 2049}, "2048"),
    ],
)
def test_invalid_custom_permissions_are_400(api: Api, body: dict[str, Any], detail: str) -> None:
    assert_error(api.post("/permissions", body), 400, 4, "CreatePermission", detail)


def test_builtin_permissions_cannot_be_changed_and_unknown_are_404(api: Api) -> None:
    update = {"name": "x", "action": "ReadChannel", "condition": {}}
    assert_error(api.put("/permissions/read-channel", update), 400, 4, "UpdatePermission", "built-in")
    assert_error(api.delete("/permissions/read-channel"), 400, 4, "DeletePermission", "built-in")
    assert_error(api.put("/permissions/ghost", update), 404, 16, "UpdatePermission")
    assert_error(api.delete("/permissions/ghost"), 404, 16, "DeletePermission")
    assert_error(api.get("/permissions/ghost"), 404, 16, "GetPermission")
