"""``Emulator.load_state``: an app rebuilt from the API's own answers answers every list call as the app
it was read from did, and a ``snapshot`` loads back into the same snapshot. Secrets the API only shows
as set become placeholders (reported set, kept by writes); built-ins the emulator does not know are
accepted in grants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stream_emulator import Emulator
from stream_emulator.live_import import UNKNOWN_SECRET

from .conftest import ClientFactory
from .helpers import KEY, SECRET, Api, assert_ok, channel_type_body

# Every list call, under the key its answer holds the objects in (the input load_state takes).
LIST_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "app": ("/app", {}),
    "channel_types": ("/chat/channeltypes", {}),
    "commands": ("/chat/commands", {}),
    "blocklists": ("/blocklists", {}),
    "roles": ("/roles", {}),
    "permissions": ("/permissions", {}),
    "push_providers": ("/push_providers", {}),
    "policies": ("/chat/retention_policy", {}),
    "external_storages": ("/external_storage", {}),
    "templates": ("/push_templates", {"push_provider_type": "apn", "push_provider_name": "apn-prod"}),
}


def populate(api: Api) -> None:
    """One of everything, secrets included."""
    assert_ok(api.post("/roles", {"name": "agent"}), 201)
    assert_ok(api.post("/permissions", {"id": "read-own", "name": "Read own", "action": "ReadChannel",
                                        "condition": {"owner": True}, "description": "d"}), 201)
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "Open a ticket", "set": "help_set"}), 201)
    assert_ok(api.post("/blocklists", {"name": "rude", "words": ["meanie", "nasty"], "is_leet_check_enabled": True}),
              201)
    assert_ok(api.post("/chat/channeltypes", channel_type_body(
        "support", commands=["giphy", "ticket"], blocklists=[{"blocklist": "rude", "behavior": "block"}],
        grants={"agent": ["read-channel", "read-own"]})), 201)
    assert_ok(api.patch("/app", {
        "webhook_url": "https://hooks.example.com/in", "sqs_secret": "sqs-secret-value", "sqs_key": "AKIA",
        "event_hooks": [{"hook_type": "webhook", "webhook_url": "https://h.example.com",
                         "event_types": ["message.new"]}],
        "datadog_info": {"api_key": "dd-secret-value", "site": "eu", "enabled": True},
        "apn_config": {"auth_type": "token", "auth_key": "apn-secret-value", "key_id": "K", "team_id": "T",
                       "bundle_id": "com.example"},
        "grants": {"agent": ["search-user"]},
    }))
    assert_ok(api.post("/push_providers", {"push_provider": {
        "name": "apn-prod", "type": "apn", "apn_auth_type": "token", "apn_auth_key": "provider-secret-value",
        "apn_key_id": "K", "apn_team_id": "T", "apn_topic": "com.example"}}), 201)
    assert_ok(api.post("/push_templates", {"event_type": "message.new", "push_provider_type": "apn",
                                           "push_provider_name": "apn-prod", "template": "{}"}), 201)
    assert_ok(api.post("/chat/retention_policy", {"policy": "old-messages", "max_age_hours": 48}), 201)
    assert_ok(api.post("/external_storage", {"name": "exports", "storage_type": "s3", "bucket": "my-bucket",
                                             "aws_s3": {"s3_region": "us-east-1"}}), 201)


def answers(api: Api) -> dict[str, Any]:
    """Each list call's answer, without the request's duration."""
    found = {}
    for key, (path, params) in LIST_CALLS.items():
        body = assert_ok(api.get(path, params=params))
        body.pop("duration")
        found[key] = body[key]
    return found


def as_loaded(answered: dict[str, Any]) -> dict[str, Any]:
    """The answers as a client hands them over: templates with the query that listed them."""
    query = LIST_CALLS["templates"][1]
    return {**answered, "templates": [{**item, **query} for item in answered["templates"]]}


@pytest.fixture
def copy_of(make_emulator: Callable[..., Emulator], client_factory: ClientFactory) -> Callable[[Api], Api]:
    """Loads what an app's list calls answer into a new emulator (``copies[-1]``); its API."""

    def make(original: Api) -> Api:
        emulator = make_emulator(apps=[(KEY, SECRET)])
        assert emulator.load_state(KEY, as_loaded(answers(original))) == []
        copies.append(emulator)
        return Api(client_factory(emulator), KEY, SECRET)

    copies: list[Emulator] = []
    make.copies = copies  # type: ignore[attr-defined]
    return make


def test_a_copy_answers_every_list_call_as_the_original(api: Api, copy_of: Callable[[Api], Api]) -> None:
    populate(api)
    original = answers(api)
    assert original["templates"] and original["external_storages"], "everything was created"
    assert answers(copy_of(api)) == original


def test_secrets_shown_as_set_are_placeholders_reported_set_and_kept(
    api: Api, copy_of: Callable[[Api], Api], emulator: Emulator
) -> None:
    populate(api)
    copy = copy_of(api)
    stored = copy_of.copies[-1].snapshot(KEY)  # type: ignore[attr-defined]
    assert stored["app"]["sqs_secret"] == UNKNOWN_SECRET
    assert stored["app"]["push_notifications"]["apn"]["auth_key"] == UNKNOWN_SECRET
    app = assert_ok(copy.get("/app"))["app"]
    assert app["sqs_secret"] == "********" and app["push_notifications"]["apn"]["enabled"] is True
    # An update that leaves the APN key out is accepted (the copy holds it, as the app did).
    assert_ok(copy.patch("/app", {"apn_config": {"key_id": "K2"}}))
    assert assert_ok(copy.get("/app"))["app"]["push_notifications"]["apn"]["enabled"] is True
    assert_ok(copy.put("/external_storage/exports", {"storage_type": "s3", "bucket": "other-bucket",
                                                     "aws_s3": {"s3_region": "us-east-1"}}), 201)
    for value in ("sqs-secret-value", "dd-secret-value", "apn-secret-value", "provider-secret-value"):
        assert value not in str(answers(copy)), "the API never returned it, so the copy cannot hold it"


def test_a_snapshot_loads_back_into_the_same_snapshot(api: Api, emulator: Emulator,
                                                      make_emulator: Callable[..., Emulator]) -> None:
    populate(api)
    emulator.add_channel(KEY, "support", 2)
    copy = make_emulator(apps=[(KEY, SECRET)])
    assert copy.load_state(KEY, emulator.snapshot(KEY)) == []
    assert copy.snapshot(KEY) == emulator.snapshot(KEY)


def test_builtins_the_emulator_does_not_know_are_accepted_in_grants(
    make_emulator: Callable[..., Emulator], client_factory: ClientFactory
) -> None:
    """A real app may list a built-in role or permission the emulator lacks, or grant one no list shows."""
    emulator = make_emulator(apps=[(KEY, SECRET)], strict=True)
    messaging = {"name": "messaging", "automod": "disabled", "automod_behavior": "flag", "max_message_length": 5000,
                 "commands": [], "grants": {"user": ["read-channel", "unlisted-permission"]}}
    unread = emulator.load_state(KEY, {
        "channel_types": {"messaging": messaging},
        "roles": [{"name": "global_support", "custom": False, "created_at": "2024-01-02T03:04:05Z"}],
        "permissions": [{"id": "newer-builtin", "name": "Newer", "action": "ReadChannel", "custom": False}],
        "call_types": [],
    })
    assert unread == ["call_types"]
    copy = Api(client_factory(emulator), KEY, SECRET)
    grants = {"global_support": ["newer-builtin"], "user": ["read-channel", "unlisted-permission", "create-message"]}
    assert_ok(copy.put("/chat/channeltypes/messaging", {"automod": "disabled", "automod_behavior": "flag",
                                                        "max_message_length": 5000, "grants": grants}), 201)
    roles = {role["name"]: role for role in assert_ok(copy.get("/roles"))["roles"]}
    assert roles["global_support"]["custom"] is False
    permissions = {p["id"]: p for p in assert_ok(copy.get("/permissions"))["permissions"]}
    assert permissions["newer-builtin"]["custom"] is False and permissions["unlisted-permission"]["custom"] is False
    # What was loaded replaced the fresh app's part; what was not keeps a fresh app's.
    assert set(assert_ok(copy.get("/chat/channeltypes"))["channel_types"]) == {"messaging"}
    assert assert_ok(copy.get("/app"))["app"]["grants"]


def test_input_not_in_the_api_shape_is_refused(emulator: Emulator) -> None:
    before = emulator.snapshot(KEY)
    with pytest.raises(ValueError, match="not in the API's shape"):
        emulator.load_state(KEY, {"commands": [{"description": "no name"}]})
    assert emulator.snapshot(KEY) == before
