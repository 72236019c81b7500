"""Several apps at once, snapshot(), stats() and the test hooks."""

from __future__ import annotations

import pytest

from stream_emulator import Emulator

from .helpers import KEY, OTHER_KEY, SECRET, Api, assert_error, assert_ok, channel_type_body


def test_apps_are_isolated(api: Api, other_api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "d"}), 201)
    assert_ok(api.patch("/app", {"webhook_url": "https://first"}))
    assert assert_ok(other_api.get("/chat/commands"))["commands"] == []
    assert assert_ok(other_api.get("/app"))["app"]["webhook_url"] == ""
    assert assert_ok(other_api.get("/app"))["app"]["id"] != assert_ok(api.get("/app"))["app"]["id"]


def test_a_token_only_works_with_its_own_key(api: Api) -> None:
    assert_error(api.get("/app", key=OTHER_KEY), 401, 43, "GetApp")


def test_snapshot_contains_everything_including_secrets(api: Api, emulator: Emulator) -> None:
    assert_ok(api.patch("/app", {"sns_secret": "sns"}))
    assert_ok(api.post("/chat/channeltypes", channel_type_body("support", commands=["giphy"])), 201)
    assert_ok(api.post("/roles", {"name": "vip"}), 201)
    snapshot = emulator.snapshot(KEY)
    assert snapshot["app"]["sns_secret"] == "sns"
    assert snapshot["channel_types"]["support"]["commands"] == ["giphy"]
    assert "vip" in {role["name"] for role in snapshot["roles"]}
    assert set(snapshot) == {"app", "channel_types", "commands", "blocklists", "roles", "permissions",
                             "push_providers", "push_templates", "retention_policies", "external_storages",
                             "channels"}
    snapshot["app"]["sns_secret"] = "changed"
    assert emulator.snapshot(KEY)["app"]["sns_secret"] == "sns"


def test_stats_count_requests_writes_and_statuses(api: Api, emulator: Emulator) -> None:
    api.get("/app")
    api.patch("/app", {"webhook_url": "x"})
    api.patch("/app", {"cdn_expiration_seconds": 1})
    api.get("/nothing")
    stats = emulator.stats(KEY)
    assert stats["requests"] == {"GetApp": 1, "UpdateApp": 2}
    assert stats["writes"] == {"UpdateApp": 1}
    assert stats["responses"] == {200: 2, 400: 1, 404: 1}
    emulator.reset_stats(KEY)
    assert emulator.stats(KEY)["requests"] == {}


def test_hooks_reject_unknown_apps_and_types(emulator: Emulator) -> None:
    with pytest.raises(KeyError):
        emulator.snapshot("nope")
    with pytest.raises(KeyError):
        emulator.add_channel(KEY, "no-such-type")
    emulator.add_channel(KEY, "messaging", count=3)
    assert emulator.snapshot(KEY)["channels"] == {"messaging": 3}


def test_api_keys_property(emulator: Emulator) -> None:
    assert emulator.api_keys == [KEY, OTHER_KEY]
    assert SECRET not in emulator.api_keys
