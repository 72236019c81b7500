"""CheckPush, CheckSQS, CheckSNS: what the emulator can check without reaching APNs, Firebase or AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .helpers import Api, assert_error, assert_ok

SQS_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/chat-events"
SNS_ARN = "arn:aws:sns:eu-west-1:123456789012:chat-events"
APN = {"name": "apn-prod", "type": "apn", "apn_auth_type": "token", "apn_auth_key": "P8", "apn_key_id": "K",
       "apn_team_id": "T", "apn_topic": "com.example"}
FIREBASE = {"name": "fcm", "type": "firebase", "firebase_credentials": '{"project_id": "demo"}',
            "firebase_notification_template": '{"title": "{{ sender.name }}", "body": "{{ message.text }}"}'}


def check_push(api: Api, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = assert_ok(api.post("/check_push", body), 201)
    return result


@pytest.fixture
def providers(api: Api) -> Api:
    assert_ok(api.patch("/app", {"push_config": {"version": "v3"}}))
    for provider in (APN, FIREBASE):
        assert_ok(api.post("/push_providers", {"push_provider": provider}), 201)
    return api


def test_sqs_ok_and_every_kind_of_error_are_201(api: Api) -> None:
    ok = assert_ok(api.post("/check_sqs", {"sqs_key": "k", "sqs_secret": "s", "sqs_url": SQS_URL}), 201)
    assert ok["status"] == "ok" and "error" not in ok
    missing = assert_ok(api.post("/check_sqs", {"sqs_url": SQS_URL}), 201)
    assert (missing["status"], missing["error"]) == ("error", "missing sqs_key, sqs_secret")
    bad_url = assert_ok(api.post("/check_sqs", {"sqs_key": "k", "sqs_secret": "s", "sqs_url": "https://foo.com/bar"}),
                        201)
    assert (bad_url["error"], bad_url["data"]) == ("invalid SQS url", {"field": "sqs_url"})
    refused = assert_ok(api.post("/check_sqs", {"sqs_key": "INVALIDKEY", "sqs_secret": "s", "sqs_url": SQS_URL}), 201)
    assert refused["error"] == "The security token included in the request is invalid."
    assert refused["data"] == {"fields": ["sqs_key"]}


def test_sqs_and_sns_default_to_the_apps_settings(api: Api) -> None:
    assert assert_ok(api.post("/check_sqs", {}), 201)["status"] == "error"
    assert_ok(api.patch("/app", {"sqs_key": "k", "sqs_secret": "s", "sqs_url": SQS_URL,
                                 "sns_key": "k", "sns_secret": "s", "sns_topic_arn": SNS_ARN}))
    assert assert_ok(api.post("/check_sqs", {}), 201)["status"] == "ok"
    assert assert_ok(api.post("/check_sns", {}), 201)["status"] == "ok"
    overridden = assert_ok(api.post("/check_sns", {"sns_topic_arn": "arn:aws:sqs:eu-west-1:1:x"}), 201)
    assert overridden["error"] == "invalid SNS topic ARN"


def test_sns_refused_credentials(api: Api) -> None:
    body = {"sns_key": "k", "sns_secret": "an-invalid-secret", "sns_topic_arn": SNS_ARN}
    assert assert_ok(api.post("/check_sns", body), 201)["data"] == {"fields": ["sns_secret"]}


def test_check_push_passes_for_well_formed_providers(providers: Api) -> None:
    result = check_push(providers, user_id="alice", skip_devices=True)
    assert "device_errors" not in result and "general_errors" not in result
    assert result["event_type"] == "message.new" and result["skip_devices"] is True
    rendered = {"title": "Emulator Sender", "body": "Hello from the Stream emulator"}
    assert json.loads(result["rendered_firebase_template"]) == rendered
    apn = json.loads(result["rendered_apn_template"])
    assert apn["aps"]["alert"] == {"title": "Emulator Sender @ Emulator channel", "body": rendered["body"]}
    assert set(result["rendered_message"]) == {"title", "body"}


@pytest.mark.parametrize(
    ("provider", "device", "detail"),
    [
        ({**APN, "apn_auth_key": "invalid"}, "apn:apn-prod", "rejected the credentials (apn_auth_key)"),
        ({"name": "apn-cert", "type": "apn", "apn_auth_type": "certificate"}, "apn:apn-cert",
         "missing credentials: apn_p12_cert"),
        ({**FIREBASE, "firebase_credentials": '{"type": "service_account"}'}, "firebase:fcm", "project_id"),
        ({"name": "hms", "type": "huawei", "huawei_app_id": "id"}, "huawei:hms", "huawei_app_secret"),
        ({"name": "mi", "type": "xiaomi", "xiaomi_package_name": "p", "xiaomi_app_secret": "INVALID"}, "xiaomi:mi",
         "xiaomi service rejected"),
    ],
)
def test_check_push_reports_each_failing_provider(providers: Api, provider: dict[str, Any], device: str,
                                                  detail: str) -> None:
    assert_ok(providers.post("/push_providers", {"push_provider": provider}), 201)
    errors = check_push(providers, user_id="alice")["device_errors"]
    assert set(errors) == {device}
    assert errors[device]["provider"] == provider["type"] and errors[device]["provider_name"] == provider["name"]
    assert detail in errors[device]["error_message"]


def test_check_push_filters_by_provider_and_skips_disabled_ones(providers: Api) -> None:
    assert_ok(providers.post("/push_providers", {"push_provider": {**APN, "apn_auth_key": "invalid"}}), 201)
    only_firebase = check_push(providers, push_provider_type="firebase", push_provider_name="fcm")
    assert "device_errors" not in only_firebase and "rendered_apn_template" not in only_firebase
    assert_ok(providers.post("/push_providers", {"push_provider": {"name": "apn-prod",
                                                                   "disabled_at": "2025-01-01T00:00:00Z"}}), 201)
    assert "device_errors" not in check_push(providers)
    unknown = check_push(providers, push_provider_type="huawei", push_provider_name="hms")
    assert unknown["general_errors"] == ['no huawei push provider "hms" is configured']


def test_check_push_checks_the_app_level_push_config_too(api: Api) -> None:
    assert check_push(api)["general_errors"] == ["no push provider is configured"]
    assert_ok(api.patch("/app", {"push_config": {"version": "v1"},
                                 "apn_config": {"auth_type": "certificate", "p12_cert": "invalid-cert"}}))
    errors = check_push(api)["device_errors"]
    assert errors == {"apn:default": {"provider": "apn", "provider_name": "",
                                      "error_message": "the apn service rejected the credentials (apn_p12_cert)"}}


def test_check_push_renders_templates_and_reports_bad_json(providers: Api) -> None:
    result = check_push(providers, firebase_template='{"n": {{ unread_count }}, "who": "{{ receiver.id }}"}',
                        user_id="bob", firebase_data_template="{{ message.text }}", event_type="reaction.new")
    assert result["rendered_firebase_template"] == '{"n": 1, "who": "bob"}'
    assert result["general_errors"] == ["the firebase data template does not render to valid JSON"]
    assert result["event_type"] == "reaction.new"
    broken = check_push(providers, apn_template="{{ message.text }}")
    assert broken["general_errors"] == ["the apn template does not render to valid JSON"]


def test_check_push_errors(api: Api) -> None:
    assert_error(api.post("/check_push", {"message_id": "m1"}), 404, 16, "CheckPush", 'message "m1" not found')
    assert_error(api.post("/check_push", {"push_provider_type": "sms"}), 400, 4, "CheckPush", "push_provider_type")
    assert_error(api.post("/check_push", {"event_type": "channel.created"}), 400, 4, "CheckPush", "event_type")
