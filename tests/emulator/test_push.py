"""Push providers and push templates."""

from __future__ import annotations

from typing import Any

import pytest

from stream_emulator import Emulator

from .helpers import KEY, Api, assert_error, assert_ok

APN = {"name": "apn-prod", "type": "apn", "apn_auth_type": "token", "apn_key_id": "K", "apn_team_id": "T",
       "apn_topic": "com.example", "apn_auth_key": "P8-SECRET", "apn_notification_template": "{}"}
FIREBASE = {"name": "fcm", "type": "firebase", "firebase_credentials": '{"project_id": "p"}'}


def upsert(api: Api, provider: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = assert_ok(api.post("/push_providers", {"push_provider": provider}), 201)["push_provider"]
    return body


def test_upsert_stores_secrets_but_never_returns_them(api: Api, emulator: Emulator) -> None:
    body = upsert(api, APN)
    assert body["name"] == "apn-prod" and body["type"] == "apn" and body["apn_key_id"] == "K"
    assert "apn_auth_key" not in body and "apn_notification_template" not in body
    assert isinstance(body["created_at"], int)
    listed = assert_ok(api.get("/push_providers"))["push_providers"]
    assert [item["name"] for item in listed] == ["apn-prod"]
    assert "apn_auth_key" not in listed[0]
    assert emulator.snapshot(KEY)["push_providers"][0]["apn_auth_key"] == "P8-SECRET"


def test_upsert_by_name_merges_and_keeps_created_at(api: Api, emulator: Emulator) -> None:
    first = upsert(api, APN)
    second = upsert(api, {"name": "apn-prod", "type": "apn", "description": "production"})
    assert second["created_at"] == first["created_at"]
    assert second["apn_key_id"] == "K" and second["description"] == "production"
    assert emulator.snapshot(KEY)["push_providers"][0]["apn_auth_key"] == "P8-SECRET"
    assert len(assert_ok(api.get("/push_providers"))["push_providers"]) == 1


def test_same_name_with_another_type_is_400(api: Api) -> None:
    upsert(api, APN)
    response = api.post("/push_providers", {"push_provider": {"name": "apn-prod", "type": "firebase"}})
    assert_error(response, 400, 4, "UpsertPushProvider", "apn")


def test_providers_need_push_v2_or_v3(api: Api) -> None:
    assert_ok(api.patch("/app", {"push_config": {"version": "v1"}}))
    assert_error(api.post("/push_providers", {"push_provider": APN}), 400, 4, "UpsertPushProvider", "v2 or v3")
    assert_ok(api.patch("/app", {"push_config": {"version": "v2"}}))
    upsert(api, APN)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "push_provider.name is a required field"),
        ({"push_provider": {"name": "x"}}, "push_provider.type is required for a new provider"),
        ({"push_provider": {"name": "x", "apn_key_id": "K", "firebase_host": "h"}}, "type is required"),
        ({"push_provider": {"name": "x", "type": "sms"}}, "type must be one of"),
        ({"push_provider": {"name": "n" * 37, "type": "apn"}}, "36"),
        ({"push_provider": {"name": "", "type": "apn"}}, "at least 1"),
        ({"push_provider": {"name": "x", "type": "apn", "description": "d" * 129}}, "128"),
        ({"push_provider": {"name": "x", "type": "firebase", "firebase_credentials": "nope"}}, "invalid"),
    ],
)
def test_invalid_providers_are_400(api: Api, body: dict[str, Any], detail: str) -> None:
    assert_error(api.post("/push_providers", body), 400, 4, "UpsertPushProvider", detail)


def test_type_is_optional_as_in_the_spec(api: Api) -> None:
    """The spec makes ``type`` optional: an existing provider keeps its type, a new one's is told by the
    credential fields it has."""
    inferred = upsert(api, {key: value for key, value in APN.items() if key != "type"})
    assert inferred["type"] == "apn"
    updated = upsert(api, {"name": "apn-prod", "description": "production"})
    assert (updated["type"], updated["description"], updated["apn_key_id"]) == ("apn", "production", "K")


def test_a_provider_read_back_can_be_upserted_unchanged(api: Api, strict_api: Api) -> None:
    """The node SDK's PushProvider has created_at/updated_at: sending one back is accepted by default
    (those fields are not request fields, so they are ignored) and refused when strict."""
    first = upsert(api, APN)
    again = upsert(api, {**first, "created_at": 1, "updated_at": 2})
    assert again["created_at"] == first["created_at"] and again["updated_at"] >= first["updated_at"]
    upsert(strict_api, APN)
    response = strict_api.post("/push_providers", {"push_provider": {**APN, "created_at": first["created_at"]}})
    assert_error(response, 400, 4, "UpsertPushProvider", "unknown field push_provider.created_at")


def test_at_most_25_providers(api: Api) -> None:
    for index in range(25):
        upsert(api, {"name": f"p{index}", "type": "xiaomi"})
    response = api.post("/push_providers", {"push_provider": {"name": "p25", "type": "xiaomi"}})
    assert_error(response, 400, 4, "UpsertPushProvider", "25")


def test_delete_by_type_and_name(api: Api) -> None:
    upsert(api, APN)
    assert_error(api.delete("/push_providers/firebase/apn-prod"), 404, 16, "DeletePushProvider")
    assert_error(api.delete("/push_providers/sms/apn-prod"), 400, 4, "DeletePushProvider", "type must be one of")
    assert set(assert_ok(api.delete("/push_providers/apn/apn-prod"))) == {"duration"}
    assert assert_ok(api.get("/push_providers"))["push_providers"] == []
    assert_error(api.delete("/push_providers/apn/apn-prod"), 404, 16, "DeletePushProvider")


def test_push_templates_upsert_and_filter(api: Api) -> None:
    upsert(api, FIREBASE)
    body = {"event_type": "message.new", "push_provider_type": "firebase", "push_provider_name": "fcm",
            "template": '{"title": "{{ sender.name }}"}'}
    template = assert_ok(api.post("/push_templates", body), 201)["template"]
    assert template["event_type"] == "message.new" and template["enable_push"] is True
    assert template["push_provider_internal_id"]
    assert_ok(api.post("/push_templates", {**body, "enable_push": False}), 201)
    listed = assert_ok(api.get("/push_templates", params={"push_provider_type": "firebase"}))["templates"]
    assert len(listed) == 1 and listed[0]["enable_push"] is False
    assert listed[0]["template"] == body["template"]
    assert assert_ok(api.get("/push_templates", params={"push_provider_type": "apn"}))["templates"] == []


def test_push_template_errors(api: Api) -> None:
    assert_error(api.get("/push_templates"), 400, 4, "GetPushTemplates", "push_provider_type")
    assert_error(api.get("/push_templates", params={"push_provider_type": "sms"}), 400, 4, "GetPushTemplates")
    body = {"event_type": "message.new", "push_provider_type": "firebase", "push_provider_name": "ghost"}
    assert_error(api.post("/push_templates", body), 400, 4, "UpsertPushTemplate", "not found")
    assert_error(api.post("/push_templates", {**body, "event_type": "x"}), 400, 4, "UpsertPushTemplate",
                 "event_type must be one of")


def test_deleting_a_provider_deletes_its_templates(api: Api) -> None:
    upsert(api, FIREBASE)
    body = {"event_type": "message.new", "push_provider_type": "firebase", "push_provider_name": "fcm"}
    assert_ok(api.post("/push_templates", body), 201)
    assert_ok(api.delete("/push_providers/firebase/fcm"))
    assert assert_ok(api.get("/push_templates", params={"push_provider_type": "firebase"}))["templates"] == []
