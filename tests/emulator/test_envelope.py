"""Response envelopes, status codes, routing errors, headers and request parsing."""

from __future__ import annotations

import pytest

from .helpers import Api, assert_error, assert_ok, channel_type_body

RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def test_every_success_body_has_a_duration_string(api: Api) -> None:
    for path in ("/app", "/chat/channeltypes", "/chat/commands", "/blocklists", "/roles", "/permissions",
                 "/push_providers", "/chat/retention_policy", "/rate_limits"):
        body = assert_ok(api.get(path))
        assert isinstance(body["duration"], str)


def test_unknown_route_is_404_code_16(api: Api) -> None:
    assert_error(api.get("/no/such/thing"), 404, 16, "UnknownOperation", "no such endpoint")


def test_wrong_method_is_405_with_allow_header(api: Api) -> None:
    response = api.post("/app", {})
    assert_error(response, 405, 16, "UnknownOperation")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PATCH"}


def test_legacy_unprefixed_paths_are_not_served(api: Api) -> None:
    response = api.client.get("/app", params={"api_key": api.key}, headers={"Authorization": api.token})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/app", "/no/such/thing"])
def test_rate_limit_headers_on_every_response(api: Api, path: str) -> None:
    response = api.get(path)
    for header in RATE_LIMIT_HEADERS:
        assert int(response.headers[header]) >= 0


def test_rate_limit_headers_on_auth_errors(api: Api) -> None:
    response = api.get("/app", key="unknown")
    assert response.status_code == 401
    assert all(header in response.headers for header in RATE_LIMIT_HEADERS)


def test_create_returns_201_get_200_delete_200(api: Api) -> None:
    assert api.post("/chat/commands", {"name": "ticket", "description": "d"}).status_code == 201
    assert api.put("/chat/commands/ticket", {"description": "e"}).status_code == 201
    assert api.get("/chat/commands/ticket").status_code == 200
    assert api.delete("/chat/commands/ticket").status_code == 200
    assert api.patch("/app", {"webhook_url": ""}).status_code == 200


def test_timestamps_are_integer_nanoseconds(api: Api) -> None:
    body = assert_ok(api.post("/chat/channeltypes", channel_type_body("support")), 201)
    assert isinstance(body["created_at"], int)
    assert body["created_at"] > 10**18


def test_invalid_json_body_is_400_code_4(api: Api) -> None:
    response = api.request("POST", "/chat/commands", content=b"{not json")
    assert_error(response, 400, 4, "CreateCommand", "invalid JSON")


def test_non_object_body_is_400_code_4(api: Api) -> None:
    assert_error(api.post("/chat/commands", ["a"]), 400, 4, "CreateCommand", "must be an object")


def test_unknown_body_field_is_400_code_4(api: Api) -> None:
    response = api.post("/chat/commands", {"name": "ticket", "description": "d", "colour": "red"})
    assert_error(response, 400, 4, "CreateCommand", 'unknown field colour')


def test_wrong_field_type_is_400_code_4(api: Api) -> None:
    response = api.patch("/app", {"disable_auth_checks": "yes"})
    assert_error(response, 400, 4, "UpdateApp", "disable_auth_checks must be a boolean")


def test_percent_encoded_path_parameters_are_decoded(api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "my-command", "description": "d"}), 201)
    assert assert_ok(api.get("/chat/commands/my%2Dcommand"))["name"] == "my-command"
