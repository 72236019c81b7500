"""Sliding-window rate limits, driven by an injected clock (no sleeping)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stream_emulator import Emulator, ManualClock

from .conftest import ClientFactory
from .helpers import KEY, OTHER_KEY, OTHER_SECRET, SECRET, START_TIME, Api, assert_error, assert_ok, channel_type_body


@pytest.fixture
def limited_api(make_emulator: Callable[..., Emulator], client_factory: ClientFactory) -> Api:
    return Api(client_factory(make_emulator(rate_limits=True)), KEY, SECRET)


def test_create_channel_type_allows_two_per_second(limited_api: Api, clock: ManualClock) -> None:
    assert_ok(limited_api.post("/chat/channeltypes", channel_type_body("a")), 201)
    assert_ok(limited_api.post("/chat/channeltypes", channel_type_body("b")), 201)
    response = limited_api.post("/chat/channeltypes", channel_type_body("c"))
    assert_error(response, 429, 9, "CreateChannelType")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert response.headers["X-RateLimit-Limit"] == "60"
    clock.advance(retry_after)
    assert_ok(limited_api.post("/chat/channeltypes", channel_type_body("c")), 201)


def test_rejected_request_did_not_write(limited_api: Api) -> None:
    for name in ("a", "b", "c"):
        limited_api.post("/chat/channeltypes", channel_type_body(name))
    assert "c" not in assert_ok(limited_api.get("/chat/channeltypes"))["channel_types"]


def test_sixty_per_minute_then_429_until_the_window_slides(limited_api: Api, clock: ManualClock) -> None:
    for index in range(60):
        response = limited_api.get("/chat/channeltypes/messaging")
        assert response.status_code == 200, index
        assert response.headers["X-RateLimit-Remaining"] == str(59 - index)
        clock.advance(0.5)
    response = limited_api.get("/chat/channeltypes/messaging")
    assert_error(response, 429, 9, "GetChannelType")
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) == int(START_TIME) + 60
    clock.advance(int(response.headers["Retry-After"]))
    assert limited_api.get("/chat/channeltypes/messaging").status_code == 200


def test_limits_are_per_operation(limited_api: Api) -> None:
    limited_api.get("/chat/channeltypes/messaging")
    limited_api.get("/chat/channeltypes/messaging")
    assert limited_api.get("/chat/channeltypes/messaging").status_code == 429
    assert limited_api.get("/chat/channeltypes").status_code == 200
    assert limited_api.patch("/app", {}).status_code == 200


def test_update_app_is_limited_but_get_app_is_not_per_second(limited_api: Api) -> None:
    statuses = [limited_api.patch("/app", {}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    for _ in range(50):
        response = limited_api.get("/app")
        assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "10000"
    assert response.headers["X-RateLimit-Remaining"] == str(10000 - 50)


def test_limits_are_per_app(make_emulator: Callable[..., Emulator], client_factory: ClientFactory) -> None:
    emulator = make_emulator(rate_limits=True)
    first, second = Api(client_factory(emulator), KEY, SECRET), Api(client_factory(emulator), OTHER_KEY, OTHER_SECRET)
    assert [first.patch("/app", {}).status_code for _ in range(3)] == [200, 200, 429]
    assert second.patch("/app", {}).status_code == 200


def test_enforcement_can_be_turned_off_but_headers_are_sent(api: Api) -> None:
    responses = [api.post("/chat/channeltypes", channel_type_body(f"t{index}")) for index in range(5)]
    assert [response.status_code for response in responses] == [201] * 5
    assert responses[-1].headers["X-RateLimit-Remaining"] == "55"


def test_429_responses_are_counted_in_stats(
    make_emulator: Callable[..., Emulator], client_factory: ClientFactory
) -> None:
    emulator = make_emulator(rate_limits=True)
    limited = Api(client_factory(emulator), KEY, SECRET)
    for _ in range(4):
        limited.patch("/app", {})
    stats = emulator.stats(KEY)
    assert stats["responses"][429] == 2 and stats["rate_limited"] == 2
    assert stats["requests"]["UpdateApp"] == 4 and stats["writes"]["UpdateApp"] == 2


def test_get_rate_limits_reports_remaining_quota(limited_api: Api) -> None:
    limited_api.patch("/app", {})
    body = assert_ok(limited_api.get("/rate_limits", params={"server_side": "true", "endpoints": "UpdateApp,GetApp"}))
    assert set(body) == {"server_side", "duration"}
    assert body["server_side"]["UpdateApp"] == {"limit": 60, "remaining": 59, "reset": int(START_TIME) + 60}
    assert body["server_side"]["GetApp"]["remaining"] == 10000
    everything = assert_ok(limited_api.get("/rate_limits"))
    assert {"server_side", "android", "ios", "web", "unity"} <= set(everything)
    assert "CreateChannelType" in everything["android"]


def test_get_rate_limits_covers_every_documented_endpoint(limited_api: Api) -> None:
    """Stream's own test asks for GetRateLimits,SendMessage: both are answered, emulated or not."""
    body = assert_ok(limited_api.get("/rate_limits", params={"endpoints": "GetRateLimits,SendMessage,NoSuchThing"}))
    for platform in ("server_side", "android", "ios", "web", "unity"):
        assert set(body[platform]) == {"GetRateLimits", "SendMessage"}
    assert body["server_side"]["SendMessage"] == {"limit": 10000, "remaining": 10000, "reset": int(START_TIME) + 60}
    assert body["server_side"]["GetRateLimits"]["remaining"] == 9999  # this very call
    everything = assert_ok(limited_api.get("/rate_limits", params={"web": "true"}))["web"]
    assert len(everything) > 150
    assert {"QueryChannels", "SendMessage", "CheckPush", "CreateExternalStorage", "GetTask", "Connect"} <= set(
        everything)
    assert everything["CheckPush"]["limit"] == 60 and everything["UpdateApp"]["limit"] == 60


def test_rate_limit_headers_are_lower_case(limited_api: Api) -> None:
    response = limited_api.get("/app")
    names = [name.decode() for name, _ in response.headers.raw]  # as sent (httpx's keys() are lower-cased)
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(names)
    assert names == [name.lower() for name in names]


@pytest.mark.parametrize(
    ("method", "path", "body", "operation"),
    [
        ("PATCH", "/app", {}, "UpdateApp"),
        ("GET", "/chat/channeltypes", None, "ListChannelTypes"),
        ("GET", "/chat/channeltypes/messaging", None, "GetChannelType"),
        ("PUT", "/chat/channeltypes/messaging", {"automod": "disabled", "automod_behavior": "flag",
                                                 "max_message_length": 5000}, "UpdateChannelType"),
        ("DELETE", "/chat/channeltypes/ghost", None, "DeleteChannelType"),
        ("POST", "/chat/channeltypes", {"name": ""}, "CreateChannelType"),
    ],
)
def test_every_sixty_per_minute_operation_allows_two_per_second(
    limited_api: Api, method: str, path: str, body: object, operation: str
) -> None:
    responses = [limited_api.request(method, path, json=body) for _ in range(3)]
    assert all(response.status_code != 429 for response in responses[:2])
    assert_error(responses[2], 429, 9, operation)
    assert responses[2].headers["X-RateLimit-Limit"] == "60"


def test_other_operations_have_no_per_second_limit(limited_api: Api) -> None:
    statuses = {limited_api.get("/chat/commands").status_code for _ in range(20)}
    assert statuses == {200}
