"""The classic Python SDK (``stream-chat`` 4.x) drives the emulator as it drives Stream: pointed at the emulator's
root URL with ``base_url`` and nothing else, it calls the legacy un-prefixed paths (``/channeltypes``, ``/app``...)
with its ``{"server": true}`` token. Every resource kind goes through create, read, list, update and delete
with the SDK's own methods; where the SDK has no method for an operation, the test calls the SDK's own
``get``/``post``/``put``/``delete`` (same transport, auth and parsing) and says so.

The legacy family answers with RFC-3339 timestamps, and every response carries the lower-case
``x-ratelimit-*`` headers that the SDK's ``rate_limit()`` reads.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from stream_emulator import Emulator

from .conftest import FIREBASE_CREDENTIALS, GCS_CREDENTIALS, KEY, SECRET

stream_chat = pytest.importorskip("stream_chat", reason="the classic SDK is a test dependency: pip install '.[test]'")
exceptions = pytest.importorskip("stream_chat.base.exceptions")

pytestmark = pytest.mark.socket
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
APN_TOKEN_AUTH = {"apn_auth_type": "token", "apn_auth_key": "P8-KEY", "apn_key_id": "KEY", "apn_team_id": "TEAM",
                  "apn_topic": "com.example.app"}


@pytest.fixture
def served(serve: Callable[..., tuple[Emulator, str]]) -> tuple[Emulator, str]:
    return serve()


@pytest.fixture
def client(served: tuple[Emulator, str]) -> Iterator[Any]:
    sdk = stream_chat.StreamChat(api_key=KEY, api_secret=SECRET, base_url=served[1])
    yield sdk
    sdk.session.close()


@pytest.fixture
def emulator(served: tuple[Emulator, str]) -> Emulator:
    return served[0]


def assert_timestamp(value: Any) -> None:
    assert isinstance(value, str) and RFC3339.match(value), value


def assert_api_error(call: Callable[[], Any], status: int, code: int, operation: str) -> None:
    with pytest.raises(exceptions.StreamAPIException) as caught:
        call()
    error = caught.value
    assert (error.status_code, error.error_code) == (status, code), str(error)
    assert error.error_message.startswith(f'{operation} failed with error: "'), error.error_message


# -- one test per resource kind ---------------------------------------------------------------------------


def test_app_settings_read_and_update(client: Any, emulator: Emulator) -> None:
    app = client.get_app_settings()["app"]
    assert app["name"] == KEY and "messaging" in app["channel_configs"]
    client.update_app_settings(
        webhook_url="https://hooks.example.com/stream", webhook_events=["message.new"],
        enforce_unique_usernames="app", push_config={"version": "v3"},
        sqs_url="https://sqs.eu-west-1.amazonaws.com/123456789012/queue", sqs_key="AKIA", sqs_secret="sqs-secret",
        event_hooks=[{"hook_type": "webhook", "webhook_url": "https://hooks.example.com/v2",
                      "event_types": ["message.new"]}],
    )
    app = client.get_app_settings()["app"]
    assert (app["webhook_url"], app["webhook_events"], app["enforce_unique_usernames"]) == (
        "https://hooks.example.com/stream", ["message.new"], "app")
    [hook] = app["event_hooks"]
    assert_timestamp(hook["created_at"])
    client.revoke_tokens(datetime(2025, 1, 1, tzinfo=UTC))
    assert client.get_app_settings()["app"]["revoke_tokens_issued_before"] == "2025-01-01T00:00:00Z"
    assert emulator.snapshot(KEY)["app"]["sqs_secret"] == "sqs-secret"


def test_channel_type_create_read_list_update_delete(client: Any) -> None:
    client.create_command({"name": "ticket", "description": "Open a ticket"})
    # Quirk of the SDK, not the emulator: create_channel_type fills in commands=["all"], as the legacy API expects.
    created = client.create_channel_type({"name": "support"})
    assert created["name"] == "support" and created["automod"] == "disabled"
    assert created["commands"] == ["giphy", "ban", "unban", "mute", "unmute", "ticket"]
    assert_timestamp(created["created_at"])
    got = client.get_channel_type("support")
    assert [command["name"] for command in got["commands"]][-1] == "ticket"
    assert "support" in client.list_channel_types()["channel_types"]
    # The legacy path takes an update of just the fields that change (v2 requires automod & co).
    updated = client.update_channel_type("support", typing_events=False, commands=["fun_set"])
    assert updated["typing_events"] is False and updated["commands"] == ["giphy"]
    assert client.get_channel_type("support")["max_message_length"] == 5000
    client.delete_channel_type("support")
    assert_api_error(lambda: client.get_channel_type("support"), 404, 16, "GetChannelType")
    client.delete_command("ticket")


def test_command_create_read_list_update_delete(client: Any) -> None:
    command = client.create_command({"name": "ticket", "description": "Open a ticket", "args": "[subject]",
                                     "set": "support_set"})["command"]
    assert (command["name"], command["set"]) == ("ticket", "support_set")
    assert_timestamp(command["created_at"])
    assert client.get_command("ticket")["description"] == "Open a ticket"
    assert client.get_command("giphy")["description"] == "Post a random gif to the channel"
    assert [item["name"] for item in client.list_commands()["commands"]] == ["ticket"]
    updated = client.update_command("ticket", description="Open a support ticket")["command"]
    assert updated["description"] == "Open a support ticket" and updated["args"] == "[subject]"
    assert client.delete_command("ticket")["name"] == "ticket"
    assert_api_error(lambda: client.get_command("ticket"), 404, 16, "GetCommand")


def test_blocklist_create_read_list_update_import_delete(client: Any) -> None:
    client.create_blocklist("banned", ["spam", "scam"])
    blocklist = client.get_blocklist("banned")["blocklist"]
    assert (blocklist["words"], blocklist["type"]) == (["spam", "scam"], "word")
    assert_timestamp(blocklist["created_at"])
    assert [item["name"] for item in client.list_blocklists()["blocklists"]] == ["profanity_en_2020_v1", "banned"]
    client.update_blocklist("banned", ["phishing"])
    assert client.get_blocklist("banned")["blocklist"]["words"] == ["phishing"]
    # The SDK has no method for ImportBlockList; its own post() calls it, and get_task() polls the task.
    task_id = client.post(f"blocklists/{blocklist['id']}/import", data={"items": ["phishing", "fraud"]})["task_id"]
    task = client.get_task(task_id)
    assert task["status"] == "completed" and task["result"] == {"added": 1, "skipped": 1, "total": 2}
    assert_timestamp(task["created_at"])
    assert client.get_blocklist("banned")["blocklist"]["words"] == ["phishing", "fraud"]
    client.delete_blocklist("banned")
    assert_api_error(lambda: client.get_blocklist("banned"), 404, 16, "GetBlockList")
    assert_api_error(lambda: client.delete_blocklist("profanity_en_2020_v1"), 400, 4, "DeleteBlockList")


def test_role_create_list_delete(client: Any) -> None:
    role = client.create_role("support-agent")["role"]
    assert (role["name"], role["custom"]) == ("support-agent", True)
    assert_timestamp(role["created_at"])
    roles = {item["name"]: item for item in client.list_roles()["roles"]}
    assert roles["support-agent"]["custom"] is True and roles["admin"]["custom"] is False
    client.delete_role("support-agent")
    assert "support-agent" not in {item["name"] for item in client.list_roles()["roles"]}
    assert_api_error(lambda: client.delete_role("support-agent"), 404, 16, "DeleteRole")


def test_permission_create_read_list_update_delete(client: Any) -> None:
    client.create_permission({"id": "read-support", "name": "Read support", "action": "ReadChannel",
                              "condition": {"$subject.team": "support"}})
    permission = client.get_permission("read-support")["permission"]
    assert (permission["name"], permission["custom"], permission["condition"]) == (
        "Read support", True, {"$subject.team": "support"})
    assert {"read-support", "create-channel"} <= {item["id"] for item in client.list_permissions()["permissions"]}
    client.update_permission("read-support", {"name": "Read helpdesk", "action": "ReadChannel",
                                              "condition": {"$subject.team": "helpdesk"}})
    assert client.get_permission("read-support")["permission"]["name"] == "Read helpdesk"
    client.delete_permission("read-support")
    assert_api_error(lambda: client.get_permission("read-support"), 404, 16, "GetPermission")


def test_push_provider_and_template_create_list_update_delete(client: Any, emulator: Emulator) -> None:
    client.update_app_settings(push_config={"version": "v3"})
    provider = client.upsert_push_provider({"name": "apn-prod", "type": "apn", **APN_TOKEN_AUTH})["push_provider"]
    assert (provider["name"], provider["apn_key_id"]) == ("apn-prod", "KEY") and "apn_auth_key" not in provider
    assert_timestamp(provider["created_at"])
    client.upsert_push_provider({"name": "fcm", "type": "firebase", "firebase_credentials": FIREBASE_CREDENTIALS})
    providers = client.list_push_providers()["push_providers"]
    assert sorted((item["type"], item["name"]) for item in providers) == [("apn", "apn-prod"), ("firebase", "fcm")]
    # A provider read back is upserted unchanged (created_at, updated_at and all): accepted, as Stream does.
    listed = next(item for item in providers if item["name"] == "fcm")
    renamed = client.upsert_push_provider({**listed, "description": "Android"})["push_provider"]
    assert renamed["description"] == "Android" and renamed["created_at"] == listed["created_at"]
    assert emulator.snapshot(KEY)["push_providers"][1]["firebase_credentials"] == FIREBASE_CREDENTIALS
    # The SDK has no push-template methods; its own post()/get() call them.
    template = client.post("push_templates", data={"event_type": "message.new", "push_provider_type": "firebase",
                                                   "push_provider_name": "fcm", "template": '{"title": "hi"}'})
    assert template["template"]["template"] == '{"title": "hi"}'
    templates = client.get("push_templates", params={"push_provider_type": "firebase"})["templates"]
    assert [item["event_type"] for item in templates] == ["message.new"]
    client.delete_push_provider("firebase", "fcm")
    assert [item["name"] for item in client.list_push_providers()["push_providers"]] == ["apn-prod"]
    assert_api_error(lambda: client.delete_push_provider("firebase", "fcm"), 404, 16, "DeletePushProvider")


def test_retention_policy_create_read_update_delete(client: Any) -> None:
    # The SDK has no retention-policy methods; its own get()/post() call the legacy /retention_policy paths.
    assert client.get("retention_policy")["policies"] == []
    policy = client.post("retention_policy", data={"policy": "old-messages", "max_age_hours": 720})["policy"]
    assert policy["config"] == {"max_age_hours": 720}
    assert_timestamp(policy["enabled_at"])
    client.post("retention_policy", data={"policy": "old-messages", "max_age_hours": 48})
    assert [item["config"]["max_age_hours"] for item in client.get("retention_policy")["policies"]] == [48]
    assert client.post("retention_policy/runs", data={"limit": 10})["runs"] == []
    client.post("retention_policy/delete", data={"policy": "old-messages"})
    assert client.get("retention_policy")["policies"] == []


def test_external_storage_create_list_update_check_delete(client: Any) -> None:
    # The SDK has no external-storage methods; its own get()/post()/put()/delete() call them.
    client.post("external_storage", data={"name": "exports", "storage_type": "gcs", "bucket": "chat-exports",
                                          "path": "daily", "gcs_credentials": GCS_CREDENTIALS})
    listed = client.get("external_storage")["external_storages"]
    assert listed == {"exports": {"name": "exports", "type": "gcs", "bucket": "chat-exports", "path": "daily"}}
    updated = client.put("external_storage/exports", data={"storage_type": "s3", "bucket": "chat-exports",
                                                           "aws_s3": {"s3_region": "eu-west-1"}})
    assert (updated["type"], updated["path"]) == ("s3", "")
    file_url = client.get("external_storage/exports/check")["file_url"]
    assert file_url.startswith("https://chat-exports.s3.eu-west-1.amazonaws.com/stream-check-")
    client.delete("external_storage/exports")
    assert client.get("external_storage")["external_storages"] == {}


def test_checks(client: Any) -> None:
    client.update_app_settings(push_config={"version": "v3"})
    client.upsert_push_provider({"name": "apn-prod", "type": "apn", **APN_TOKEN_AUTH})
    push = client.check_push({"user_id": "alice", "skip_devices": True})
    assert "device_errors" not in push and push["rendered_apn_template"].startswith('{"aps"')
    client.upsert_push_provider({"name": "apn-prod", "type": "apn", "apn_auth_key": "invalid-key"})
    push = client.check_push({"user_id": "alice", "skip_devices": True})
    assert push["device_errors"]["apn:apn-prod"]["provider_name"] == "apn-prod"
    sqs = client.check_sqs("key", "secret", "https://foo.com/bar")
    assert (sqs["status"], sqs["error"]) == ("error", "invalid SQS url")
    assert client.check_sqs("key", "secret", "https://sqs.us-east-1.amazonaws.com/123456789012/q")["status"] == "ok"
    sns = client.check_sns("key", "invalid-secret", "arn:aws:sns:us-east-1:123456789012:topic")
    assert sns["status"] == "error"
    assert client.check_sns("key", "secret", "arn:aws:sns:us-east-1:123456789012:topic")["status"] == "ok"


def test_rate_limits_and_rate_limit_headers(client: Any) -> None:
    response = client.get_app_settings()
    info = response.rate_limit()  # read from the lower-case x-ratelimit-* headers, as a plain dict
    assert info is not None and info.limit == 10000 and info.remaining == 9999
    assert info.reset > datetime.now(UTC)
    assert "x-ratelimit-limit" in response.headers()
    limits = client.get_rate_limits(server_side=True, endpoints=["GetRateLimits", "SendMessage", "UpdateApp"])
    assert set(limits["server_side"]) == {"GetRateLimits", "SendMessage", "UpdateApp"}
    assert limits["server_side"]["UpdateApp"]["limit"] == 60 and "android" not in limits
    everything = client.get_rate_limits()
    assert {"server_side", "android", "ios", "web"} <= set(everything)
    assert "SendMessage" in everything["ios"]


def test_errors_become_sdk_exceptions(client: Any, served: tuple[Emulator, str]) -> None:
    assert_api_error(lambda: client.create_command({"name": "has spaces", "description": "x"}), 400, 4,
                     "CreateCommand")
    assert_api_error(lambda: client.update_channel_type("nope", typing_events=False), 404, 16, "UpdateChannelType")
    forger = stream_chat.StreamChat(api_key=KEY, api_secret="not-the-secret-0123456789-0123456789",
                                    base_url=served[1])
    try:
        assert_api_error(forger.get_app_settings, 401, 43, "GetApp")
    finally:
        forger.session.close()


def test_the_async_client_works_too(served: tuple[Emulator, str]) -> None:
    async def run() -> None:
        async with stream_chat.async_chat.StreamChatAsync(api_key=KEY, api_secret=SECRET, base_url=served[1]) as sdk:
            await sdk.create_command({"name": "ticket", "description": "Open a ticket"})
            response = await sdk.list_commands()
            assert [item["name"] for item in response["commands"]] == ["ticket"]
            # Quirk of aiohttp, not the emulator: it re-cases the names it knows ("X-RateLimit-Limit") and the
            # async client looks them up in lower case in a plain dict, so its rate_limit() is None even on Stream.
            headers = {name.lower(): value for name, value in response.headers().items()}
            assert headers["x-ratelimit-limit"] == "10000"
            await sdk.delete_command("ticket")

    asyncio.run(run())
