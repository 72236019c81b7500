"""The legacy path family: every operation on its un-prefixed path (as the classic SDKs call it), answered by
the same handler, with RFC-3339 timestamps; ``/api/v2`` keeps integer nanoseconds."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from stream_emulator import Emulator
from stream_emulator.pipeline.legacy import legacy_shape, rfc3339
from stream_emulator.pipeline.routing import OPERATIONS, Operation, match_route

from .conftest import ClientFactory
from .helpers import KEY, SECRET, START_TIME, Api, assert_error, assert_ok, channel_type_body

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


@pytest.fixture
def legacy(emulator: Emulator, client_factory: ClientFactory) -> Api:
    return Api(client_factory(emulator), KEY, SECRET, legacy=True)


def concrete(pattern: str) -> list[str]:
    return [("x" if part.startswith("{") else part) for part in pattern.split("/")[1:]]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.operation_id)
def test_every_operation_is_served_on_both_path_families(operation: Operation) -> None:
    v2 = match_route(operation.method, ["api", "v2", *concrete(operation.pattern)])
    old = match_route(operation.method, concrete(operation.legacy_pattern))
    assert v2 is not None and v2.operation is operation and not v2.legacy
    assert old is not None and old.operation is operation and old.legacy
    assert not operation.legacy_pattern.startswith(("/api", "/chat/"))


def test_the_legacy_paths_are_the_classic_sdks_paths() -> None:
    legacy_paths = {(operation.method, operation.legacy_pattern) for operation in OPERATIONS}
    assert {("GET", "/app"), ("PATCH", "/app"), ("POST", "/channeltypes"), ("PUT", "/channeltypes/{name}"),
            ("GET", "/commands/{name}"), ("GET", "/blocklists"), ("GET", "/retention_policy"),
            ("POST", "/retention_policy/runs"), ("POST", "/check_push"), ("GET", "/tasks/{id}"),
            ("DELETE", "/push_providers/{type}/{name}")} <= legacy_paths


def test_timestamps_are_rfc3339_strings_on_legacy_paths_and_nanoseconds_on_v2(api: Api, legacy: Api) -> None:
    on_legacy = assert_ok(legacy.post("/chat/commands", {"name": "ticket", "description": "d"}), 201)["command"]
    on_v2 = assert_ok(api.get("/chat/commands/ticket"))
    assert isinstance(on_v2["created_at"], int) and on_v2["created_at"] == int(START_TIME * 1e9)
    assert on_legacy["created_at"] == rfc3339(on_v2["created_at"]) == "2025-06-15T15:06:40Z"
    app = assert_ok(legacy.get("/app"))["app"]
    assert RFC3339.match(app["channel_configs"]["messaging"]["created_at"])
    roles = assert_ok(legacy.get("/roles"))["roles"]
    assert all(RFC3339.match(role["created_at"]) for role in roles)


def test_the_legacy_shape_converts_timestamps_only() -> None:
    payload = {"created_at": 1_750_000_000_123_000_000, "reset": 1_750_000_060, "count": 3,
               "items": [{"updated_at": 1_750_000_000_000_000_001, "name": "created_at"}],
               "condition": {"created_at": 5}, "enabled_at": "already a string", "flag": True}
    assert legacy_shape(payload) == {
        "created_at": "2025-06-15T15:06:40.123Z", "reset": 1_750_000_060, "count": 3,
        "items": [{"updated_at": "2025-06-15T15:06:40.000000001Z", "name": "created_at"}],
        "condition": {"created_at": 5}, "enabled_at": "already a string", "flag": True,
    }


def test_legacy_channel_types_need_only_what_the_classic_sdks_send(api: Api, legacy: Api) -> None:
    """The classic SDKs create with ``{name, commands}`` and update only the fields that change; /api/v2
    requires automod, automod_behavior and max_message_length as the spec says."""
    created = assert_ok(legacy.post("/chat/channeltypes", {"name": "support", "commands": ["all"]}), 201)
    assert (created["automod"], created["max_message_length"]) == ("disabled", 5000)
    updated = assert_ok(legacy.put("/chat/channeltypes/support", {"typing_events": False}), 201)
    assert updated["typing_events"] is False and updated["max_message_length"] == 5000
    assert_error(api.post("/chat/channeltypes", {"name": "other"}), 400, 4, "CreateChannelType", "automod")
    assert_error(api.put("/chat/channeltypes/support", {"typing_events": False}), 400, 4, "UpdateChannelType")
    assert_error(legacy.put("/chat/channeltypes/support", {"name": "x"}), 400, 4, "UpdateChannelType")


def test_both_families_share_state_rate_limits_and_error_names(
    make_emulator: Callable[..., Emulator], client_factory: ClientFactory
) -> None:
    emulator = make_emulator(rate_limits=True)
    v2, old = Api(client_factory(emulator), KEY, SECRET), Api(client_factory(emulator), KEY, SECRET, legacy=True)
    assert_ok(v2.post("/chat/channeltypes", channel_type_body("support")), 201)
    assert "support" in assert_ok(old.get("/chat/channeltypes"))["channel_types"]
    assert_ok(old.patch("/app", {}))
    assert_ok(v2.patch("/app", {}))
    response = old.patch("/app", {})  # UpdateApp: 2 per second, whichever path
    assert_error(response, 429, 9, "UpdateApp")
    assert response.headers["x-ratelimit-limit"] == "60"
    assert_error(old.get("/chat/commands/nope"), 404, 16, "GetCommand")
    assert_error(old.delete("/app"), 405, 16, "DELETE /app")


def test_a_timestamp_read_on_a_legacy_path_and_sent_back_keeps_its_nanoseconds(api: Api, legacy: Api) -> None:
    assert_ok(api.patch("/app", {"push_config": {"version": "v3"}}))
    provider = {"name": "mi", "type": "xiaomi", "disabled_at": 1_750_000_000_123_456_789}
    assert_ok(api.post("/push_providers", {"push_provider": provider}), 201)
    [listed] = assert_ok(legacy.get("/push_providers"))["push_providers"]
    assert listed["disabled_at"] == "2025-06-15T15:06:40.123456789Z"
    assert_ok(legacy.post("/push_providers", {"push_provider": listed}), 201)  # created_at & co. are ignored
    [again] = assert_ok(api.get("/push_providers"))["push_providers"]
    assert again["disabled_at"] == 1_750_000_000_123_456_789
