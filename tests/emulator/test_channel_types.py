"""Channel types."""

from __future__ import annotations

from typing import Any

import pytest

from stream_emulator import Emulator

from .helpers import KEY, REQUIRED_UPDATE, Api, assert_error, assert_ok, channel_type_body

BUILTIN_TYPES = {"messaging", "livestream", "team", "gaming", "commerce"}
BUILTIN_COMMANDS = ["giphy", "ban", "unban", "mute", "unmute"]


def create(api: Api, name: str, **fields: Any) -> dict[str, Any]:
    return assert_ok(api.post("/chat/channeltypes", channel_type_body(name, **fields)), 201)


def update(api: Api, name: str, **fields: Any) -> dict[str, Any]:
    return assert_ok(api.put(f"/chat/channeltypes/{name}", {**REQUIRED_UPDATE, **fields}), 201)


def get(api: Api, name: str) -> dict[str, Any]:
    return assert_ok(api.get(f"/chat/channeltypes/{name}"))


def test_list_is_a_map_keyed_by_name_with_command_objects(api: Api) -> None:
    types = assert_ok(api.get("/chat/channeltypes"))["channel_types"]
    assert set(types) == BUILTIN_TYPES
    messaging = types["messaging"]
    assert messaging["name"] == "messaging"
    assert [command["name"] for command in messaging["commands"]] == BUILTIN_COMMANDS
    assert messaging["commands"][0] == {"name": "giphy", "description": messaging["commands"][0]["description"],
                                         "args": "[text]", "set": "fun_set"}
    assert types["livestream"]["typing_events"] is False
    assert types["gaming"]["search"] is False


def test_create_is_flat_with_command_names_and_defaults(api: Api) -> None:
    body = create(api, "support", commands=["giphy"])
    assert body["name"] == "support"
    assert body["commands"] == ["giphy"]
    assert body["typing_events"] is True and body["polls"] is False
    assert body["message_retention"] == "infinite"
    assert isinstance(body["created_at"], int) and body["created_at"] == body["updated_at"]
    assert "channel_type" not in body


def test_create_without_commands_has_none(api: Api) -> None:
    assert create(api, "bare")["commands"] == []


def test_get_is_flat_with_command_objects(api: Api) -> None:
    create(api, "support", commands=["ban"])
    body = get(api, "support")
    assert body["commands"][0]["name"] == "ban"
    assert body["commands"][0]["set"] == "moderation_set"


def test_new_custom_type_gets_messaging_grants(api: Api) -> None:
    messaging = get(api, "messaging")["grants"]
    assert create(api, "support")["grants"] == messaging
    assert set(messaging) == {"admin", "moderator", "user", "channel_member", "channel_moderator"}


def test_create_with_grants_replaces_only_the_named_roles(api: Api) -> None:
    messaging = get(api, "messaging")["grants"]
    grants = create(api, "support", grants={"user": ["read-channel"], "channel_member": []})["grants"]
    assert grants["user"] == ["read-channel"]
    assert "channel_member" not in grants
    assert grants["admin"] == messaging["admin"]


def test_duplicate_create_is_400(api: Api) -> None:
    create(api, "support")
    response = api.post("/chat/channeltypes", channel_type_body("support"))
    assert_error(response, 400, 4, "CreateChannelType", "already exists")
    assert_error(api.post("/chat/channeltypes", channel_type_body("messaging")), 400, 4, "CreateChannelType")


@pytest.mark.parametrize("missing", ["name", "automod", "automod_behavior", "max_message_length"])
def test_create_requires_spec_fields(api: Api, missing: str) -> None:
    body = channel_type_body("support")
    del body[missing]
    assert_error(api.post("/chat/channeltypes", body), 400, 4, "CreateChannelType", f"{missing} is a required field")


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"automod": "maybe"}, "automod must be one of"),
        ({"automod_behavior": "shadow_block"}, "automod_behavior must be one of [flag block]"),
        ({"max_message_length": -1}, "greater than or equal to 0"),
        ({"partition_size": 5}, "partition_size"),
        ({"message_retention": "forever"}, "message_retention"),
        ({"partition_ttl": "a day"}, "partition_ttl"),
        ({"blocklists": [{"blocklist": "profanity_en_2020_v1", "behavior": "hide"}]}, "behavior must be one of"),
        ({"permissions": [{"name": "p", "action": "Allow", "resources": [], "roles": [], "owner": False,
                           "priority": 1}]}, "at least 1 items"),
    ],
)
def test_create_validates_values(api: Api, fields: dict[str, Any], detail: str) -> None:
    response = api.post("/chat/channeltypes", channel_type_body("support", **fields))
    assert_error(response, 400, 4, "CreateChannelType", detail)


def test_max_message_length_is_capped_on_update_only_as_the_spec_says(api: Api) -> None:
    created = assert_ok(api.post("/chat/channeltypes", channel_type_body("long", max_message_length=50000)), 201)
    assert created["max_message_length"] == 50000
    response = api.put("/chat/channeltypes/long", {**REQUIRED_UPDATE, "max_message_length": 20001})
    assert_error(response, 400, 4, "UpdateChannelType", "less than or equal to 20000")


def test_update_only_fields_on_create_are_ignored_by_default_and_refused_when_strict(
    api: Api, strict_api: Api
) -> None:
    created = assert_ok(api.post("/chat/channeltypes", channel_type_body("support", quotes=False)), 201)
    assert created["quotes"] is True  # ``quotes`` is not a create field: the default stays
    response = strict_api.post("/chat/channeltypes", channel_type_body("support", quotes=False))
    assert_error(response, 400, 4, "CreateChannelType", "unknown field quotes")


def test_unknown_command_is_400_on_create_and_update(api: Api) -> None:
    response = api.post("/chat/channeltypes", channel_type_body("support", commands=["nope"]))
    assert_error(response, 400, 4, "CreateChannelType", '"nope"')
    response = api.put("/chat/channeltypes/messaging", {**REQUIRED_UPDATE, "commands": ["nope"]})
    assert_error(response, 400, 4, "UpdateChannelType", '"nope"')


def test_command_sets_and_all_are_expanded(api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "excuse", "description": "d", "set": "fun_set"}), 201)
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "d", "set": "support_set"}), 201)
    assert create(api, "a", commands=["fun_set"])["commands"] == ["giphy", "excuse"]
    assert create(api, "b", commands=["moderation_set"])["commands"] == ["ban", "unban", "mute", "unmute"]
    assert create(api, "c", commands=["support_set", "ban"])["commands"] == ["ticket", "ban"]
    assert create(api, "d", commands=["all"])["commands"] == [*BUILTIN_COMMANDS, "excuse", "ticket"]
    assert create(api, "e", commands=["ticket", "fun_set", "ban", "giphy"])["commands"] == [
        "ticket", "giphy", "excuse", "ban",
    ]
    assert [command["name"] for command in get(api, "c")["commands"]] == ["ticket", "ban"]


def test_update_merges_and_replaces_commands(api: Api) -> None:
    create(api, "support", commands=["giphy"], search=True)
    body = update(api, "support", mutes=False, commands=["ban"])
    assert body["mutes"] is False
    assert body["search"] is True
    assert body["commands"] == ["ban"]
    assert body["updated_at"] >= body["created_at"]
    assert get(api, "support")["mutes"] is False


@pytest.mark.parametrize("missing", ["automod", "automod_behavior", "max_message_length"])
def test_update_requires_automod_fields(api: Api, missing: str) -> None:
    body = dict(REQUIRED_UPDATE)
    del body[missing]
    response = api.put("/chat/channeltypes/messaging", body)
    assert_error(response, 400, 4, "UpdateChannelType", f"{missing} is a required field")


@pytest.mark.parametrize("field", ["name", "created_at", "updated_at"])
def test_update_rejects_read_only_fields(api: Api, field: str) -> None:
    response = api.put("/chat/channeltypes/messaging", {**REQUIRED_UPDATE, field: "x"})
    assert_error(response, 400, 4, "UpdateChannelType", f'"{field}"')


def test_update_accepts_shadow_block_and_update_only_flags(api: Api) -> None:
    body = update(api, "messaging", automod_behavior="shadow_block", quotes=False, reminders=True)
    assert body["automod_behavior"] == "shadow_block"
    assert body["quotes"] is False and body["reminders"] is True


def test_automod_thresholds_kept_when_omitted_and_cleared_by_null(api: Api) -> None:
    thresholds = {"explicit": {"flag": 0.5, "block": 0.9}}
    update(api, "messaging", automod_thresholds=thresholds)
    assert update(api, "messaging", mutes=True)["automod_thresholds"] == thresholds
    assert "automod_thresholds" not in update(api, "messaging", automod_thresholds=None)
    assert_error(
        api.put("/chat/channeltypes/messaging", {**REQUIRED_UPDATE, "automod_thresholds": {"spam": {"flag": 2}}}),
        400, 4, "UpdateChannelType", "less than or equal to 1",
    )


def test_grants_replace_per_role_clear_and_reset(api: Api) -> None:
    defaults = get(api, "messaging")["grants"]
    grants = update(api, "messaging", grants={"user": ["read-channel", "read-channel"]})["grants"]
    assert grants["user"] == ["read-channel"]
    assert grants["admin"] == defaults["admin"]
    assert "channel_member" not in update(api, "messaging", grants={"channel_member": []})["grants"]
    assert update(api, "messaging", grants=None)["grants"] == defaults
    assert update(api, "messaging", grants={})["grants"] == defaults


def test_reset_grants_of_a_builtin_type_uses_its_own_defaults(api: Api) -> None:
    defaults = get(api, "livestream")["grants"]
    update(api, "livestream", grants={"guest": []})
    assert update(api, "livestream", grants=None)["grants"] == defaults
    assert "anonymous" in defaults


def test_grants_reference_existing_roles_and_permissions(api: Api) -> None:
    assert_error(api.put("/chat/channeltypes/messaging", {**REQUIRED_UPDATE, "grants": {"vip": ["read-channel"]}}),
                 400, 4, "UpdateChannelType", '"vip"')
    assert_error(api.put("/chat/channeltypes/messaging", {**REQUIRED_UPDATE, "grants": {"user": ["fly"]}}),
                 400, 4, "UpdateChannelType", '"fly"')
    assert_ok(api.post("/roles", {"name": "vip"}), 201)
    assert update(api, "messaging", grants={"vip": ["read-channel"]})["grants"]["vip"] == ["read-channel"]


def test_blocklist_references_must_exist(api: Api) -> None:
    response = api.put("/chat/channeltypes/messaging", {**REQUIRED_UPDATE, "blocklist": "custom"})
    assert_error(response, 400, 4, "UpdateChannelType", '"custom"')
    body = update(api, "messaging", blocklists=[{"blocklist": "profanity_en_2020_v1", "behavior": "block"}])
    assert body["blocklists"] == [{"blocklist": "profanity_en_2020_v1", "behavior": "block"}]


def test_v1_permissions_are_returned_sorted_by_priority(api: Api) -> None:
    policies = [
        {"name": f"p{rank}", "action": "Allow", "resources": ["*"], "roles": [], "owner": False, "priority": rank}
        for rank in (10, 50, 20)
    ]
    body = update(api, "messaging", permissions=policies)
    assert [policy["priority"] for policy in body["permissions"]] == [50, 20, 10]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_type_is_404_code_16(api: Api, method: str) -> None:
    response = api.request(method, "/chat/channeltypes/ghost", json=REQUIRED_UPDATE if method == "PUT" else None)
    operation = {"GET": "GetChannelType", "PUT": "UpdateChannelType", "DELETE": "DeleteChannelType"}[method]
    assert_error(response, 404, 16, operation, '"ghost"')


def test_delete_custom_type(api: Api) -> None:
    create(api, "support")
    assert set(assert_ok(api.delete("/chat/channeltypes/support"))) == {"duration"}
    assert api.get("/chat/channeltypes/support").status_code == 404
    assert "support" not in assert_ok(api.get("/chat/channeltypes"))["channel_types"]


def test_builtin_types_cannot_be_deleted(api: Api) -> None:
    assert_error(api.delete("/chat/channeltypes/messaging"), 400, 4, "DeleteChannelType", "built-in")


def test_type_with_channels_cannot_be_deleted(api: Api, emulator: Emulator) -> None:
    create(api, "support")
    emulator.add_channel(KEY, "support")
    assert_error(api.delete("/chat/channeltypes/support"), 400, 4, "DeleteChannelType", "channel")
    assert emulator.snapshot(KEY)["channels"] == {"support": 1}


def test_at_most_50_channel_types(api: Api) -> None:
    for index in range(50 - len(BUILTIN_TYPES)):
        create(api, f"type{index}")
    response = api.post("/chat/channeltypes", channel_type_body("one-too-many"))
    assert_error(response, 400, 4, "CreateChannelType", "50")


def test_app_channel_configs_follow_channel_types(api: Api) -> None:
    create(api, "support", commands=["giphy"])
    configs = assert_ok(api.get("/app"))["app"]["channel_configs"]
    assert configs["support"]["commands"] == ["giphy"]
