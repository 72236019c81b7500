"""Response envelopes, status codes, routing errors, headers and request parsing."""

from __future__ import annotations

import pytest

from stream_emulator import Emulator

from .helpers import KEY, Api, assert_error, assert_ok, channel_type_body

RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def test_every_success_body_has_a_duration_string(api: Api) -> None:
    for path in ("/app", "/chat/channeltypes", "/chat/commands", "/blocklists", "/roles", "/permissions",
                 "/push_providers", "/chat/retention_policy", "/rate_limits"):
        body = assert_ok(api.get(path))
        assert isinstance(body["duration"], str)


def test_unknown_route_is_404_code_16_naming_the_request(api: Api) -> None:
    assert_error(api.get("/no/such/thing"), 404, 16, "GET /api/v2/no/such/thing", "no such endpoint")
    response = api.client.get("/nothing/here", params={"api_key": api.key}, headers={"Authorization": api.token})
    assert_error(response, 404, 16, "GET /nothing/here", "no such endpoint")


def test_wrong_method_is_405_with_allow_header(api: Api) -> None:
    response = api.post("/app", {})
    assert_error(response, 405, 16, "POST /api/v2/app")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PATCH"}


@pytest.mark.parametrize("path", ["/roles/search", "/chat/predefined_filters", "/chat/predefined_filters/x"])
def test_spec_routes_the_emulator_does_not_serve_are_404_naming_the_operation(api: Api, path: str) -> None:
    """``GET /roles/search`` is SearchRoles, not a GET of a role named "search" (no 405 for ``/roles/{name}``)."""
    response = api.get(path)
    operation = "SearchRoles" if "roles" in path else ("GetPredefinedFilter" if path.endswith("/x")
                                                         else "GetPredefinedFilters")
    assert_error(response, 404, 16, operation, "not served by the emulator")
    legacy = api.client.get(path.removeprefix("/chat"), params={"api_key": api.key},
                            headers={"Authorization": api.token})
    assert_error(legacy, 404, 16, operation)
    # A role may still be called "search": DELETE /roles/search is DeleteRole.
    assert_error(api.delete("/roles/search"), 404, 16, "DeleteRole", "does not exist")


def test_auth_errors_name_the_operation(api: Api) -> None:
    assert_error(api.get("/app", key="unknown"), 401, 2, "GetApp")
    assert_error(api.get("/roles", token=""), 401, 5, "ListRoles")


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


def test_unknown_body_fields_are_ignored_by_default(api: Api, emulator: Emulator) -> None:
    """Stream's API ignores a field it does not know: accepted, neither stored nor returned."""
    body = assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "d", "colour": "red"}), 201)
    assert "colour" not in body["command"]
    assert "colour" not in assert_ok(api.get("/chat/commands/ticket"))
    assert "colour" not in emulator.snapshot(KEY)["commands"][0]


def test_unknown_body_field_is_400_code_4_when_strict(strict_api: Api) -> None:
    response = strict_api.post("/chat/commands", {"name": "ticket", "description": "d", "colour": "red"})
    assert_error(response, 400, 4, "CreateCommand", "unknown field colour")
    nested = strict_api.patch("/app", {"file_upload_config": {"size_limit": 0, "max_files": 3}})
    assert_error(nested, 400, 4, "UpdateApp", "unknown field file_upload_config.max_files")


def test_fields_differing_only_in_letter_case_are_the_field_in_both_modes(api: Api, strict_api: Api,
                                                                         emulator: Emulator) -> None:
    """Stream decodes JSON as Go does: a key matches a field whatever its letter case (the node SDK sends
    ``apn_config.disabled`` for the spec's ``Disabled``)."""
    config = {"auth_type": "token", "auth_key": "P8", "key_id": "K", "team_id": "T", "bundle_id": "com.example"}
    assert_ok(api.patch("/app", {"apn_config": config}))
    assert assert_ok(api.get("/app"))["app"]["push_notifications"]["apn"]["enabled"] is True
    assert_ok(api.patch("/app", {"apn_config": {"disabled": True}}))
    assert assert_ok(api.get("/app"))["app"]["push_notifications"]["apn"]["enabled"] is False
    assert emulator.snapshot(KEY)["app"]["push_notifications"]["apn"]["auth_key"] == "P8"
    assert_ok(strict_api.patch("/app", {"apn_config": {"disabled": True}, "Webhook_URL": "https://x.example"}))
    assert assert_ok(strict_api.get("/app"))["app"]["webhook_url"] == "https://x.example"


def test_extension_fields_the_classic_sdks_send_are_accepted_by_default_only(api: Api, strict_api: Api) -> None:
    """Fields the official SDKs send but the spec omits: accepted by default, refused when strict."""
    sent = [
        ("POST", "/blocklists", {"name": "words", "words": ["x"], "validate": True}, 201, "CreateBlockList"),
        ("PATCH", "/app", {"explicit_event_hooks_deletion": True}, 200, "UpdateApp"),
        ("PATCH", "/app", {"event_hooks": [{"hook_type": "webhook", "webhook_url": "https://h.example",
                                            "delete": False}]}, 200, "UpdateApp"),
        ("PATCH", "/app", {"push_config": {"version": "v3"}}, 200, "UpdateApp"),
        ("POST", "/push_providers", {"push_provider": {"name": "mi", "type": "xiaomi", "xiaomi_package_name": "p",
                                                       "xiaomi_secret": "s"}}, 201, "UpsertPushProvider"),
    ]
    for method, path, body, status, operation in sent:
        assert api.request(method, path, json=body).status_code == status, (path, body)
        response = strict_api.request(method, path, json=body)
        if body == {"push_config": {"version": "v3"}}:
            assert response.status_code == 200
        else:
            assert_error(response, 400, 4, operation, "unknown field")


def test_wrong_field_type_is_400_code_4(api: Api) -> None:
    response = api.patch("/app", {"disable_auth_checks": "yes"})
    assert_error(response, 400, 4, "UpdateApp", "disable_auth_checks must be a boolean")


def test_percent_encoded_path_parameters_are_decoded(api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "my-command", "description": "d"}), 201)
    assert assert_ok(api.get("/chat/commands/my%2Dcommand"))["name"] == "my-command"
