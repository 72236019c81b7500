"""Undeclared fields survive every update (issue #12, item 1). For each kind, an object is made
with many fields (some only the API can hold: an event hook's callback, a provider's
disabled_at), then a stack declaring only a few of them changes one; the emulator's raw state
(secrets included) must differ in that one field only. Updates that replace the object (a
permission, a push provider) or a list item (an event hook) carry what the stack leaves out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stream_emulator import Emulator, EmulatorOptions, serve_in_thread
from stream_iac.api.client import StreamClient
from stream_iac.api.settings import ConnectionSettings
from stream_iac.api.throttle import Throttle
from tests.e2e.conftest import KEY, SECRET, Harness
from tests.e2e.snapshots import differences

ENV = {"APN_KEY": "apn-private-key-material-123", "SQS_SECRET": "app-sqs-secret-456",
       "HOOK_SQS": "hook-sqs-secret-789", "HOOK_SNS": "hook-sns-secret-012", "DD_KEY": "datadog-key-345"}

SQS_HOOK = {"hook_type": "sqs", "sqs_queue_url": "https://sqs.example.com/q", "sqs_region": "eu-west-1",
            "sqs_auth_type": "keys", "sqs_key": "AKIAHOOK", "sqs_secret": "${env:HOOK_SQS}", "timeout_ms": 5000,
            "product": "chat", "event_types": ["message.new"], "enabled": True}
SNS_HOOK = {"hook_type": "sns", "sns_topic_arn": "arn:aws:sns:eu-west-1:1:t", "sns_region": "eu-west-1",
            "sns_auth_type": "keys", "sns_key": "AKIASNS", "sns_secret": "${env:HOOK_SNS}", "timeout_ms": 7000}
WEB_HOOK = {"hook_type": "webhook", "webhook_url": "https://hooks.example.com/w", "timeout_ms": 3000,
            "should_send_custom_events": True}

FULL: dict[str, Any] = {
    "app": {
        "push_config": {"version": "v3", "offline_only": True},
        "webhook_url": "https://hooks.example.com/a",
        "sqs_url": "https://sqs.example.com/app", "sqs_key": "AKIAAPP", "sqs_secret": "${env:SQS_SECRET}",
        "cdn_expiration_seconds": 86400,
        "datadog_info": {"api_key": "${env:DD_KEY}", "enabled": True, "site": "datadoghq.eu"},
        "file_upload_config": {"size_limit": 1000, "blocked_file_extensions": [".exe"]},
        "event_hooks": [SQS_HOOK, WEB_HOOK, SNS_HOOK],
        "grants": {"admin": ["flag-user"]},
    },
    "roles": ["agent"],
    "permissions": {"vip-read": {"name": "VIP read", "action": "ReadChannel", "condition": {"$subject.vip": True},
                                 "description": "Only VIPs read these", "owner": True, "same_team": True}},
    "commands": {"ticket": {"description": "Open a ticket", "args": "[subject]", "set": "support_set"}},
    "blocklists": {"bad": {"type": "word", "words": ["alpha", "beta"], "is_leet_check_enabled": True,
                           "is_plural_check_enabled": True}},
    "retention_policies": {"old-messages": {"max_age_hours": 100}, "inactive-channels": {"max_age_hours": 200}},
    "channel_types": {"support": {
        "automod": "simple", "automod_behavior": "block", "max_message_length": 3000, "reactions": False,
        "commands": ["giphy", "ticket"], "grants": {"agent": ["read-channel"]}, "message_retention": "30",
        "automod_thresholds": {"explicit": {"flag": 0.5, "block": 0.9}}, "allowed_flag_reasons": ["spam"],
        "partition_ttl": "24h", "chat_preferences": {"direct_mentions": "all"},
        "blocklists": [{"blocklist": "bad", "behavior": "flag"}],
    }},
    "push_providers": {"apn-prod": {"type": "apn", "apn_auth_type": "token", "apn_key_id": "K1", "apn_team_id": "T1",
                                    "apn_topic": "com.example.app", "apn_development": True,
                                    "description": "iOS production", "apn_auth_key": "${env:APN_KEY}"}},
}
CALLBACK = {"mode": "CALLBACK_MODE_REST", "server_url": "https://callback.example.com"}
DISABLED_AT = "2024-01-02T03:04:05Z"

# kind -> (the narrow stack: a few declared fields, one changed; the snapshot paths that may change)
CASES: dict[str, tuple[dict[str, Any], tuple[tuple[str, ...], ...]]] = {
    "app": ({"app": {"event_hooks": [
        {"hook_type": "sqs", "sqs_queue_url": SQS_HOOK["sqs_queue_url"],
         "event_types": ["message.new", "message.updated"]},
        {"hook_type": "webhook", "webhook_url": WEB_HOOK["webhook_url"]},
        {"hook_type": "sns", "sns_topic_arn": SNS_HOOK["sns_topic_arn"]},
    ]}}, (("app", "event_hooks", "<sqs hook>", "event_types"),)),
    "permissions": ({"permissions": {"vip-read": {"name": "VIP readers", "action": "ReadChannel",
                                                  "condition": {"$subject.vip": True}}}},
                    (("permissions", "vip-read", "name"),)),
    "commands": ({"commands": {"ticket": {"description": "Open a support ticket"}}},
                 (("commands", "ticket", "description"),)),
    "blocklists": ({"blocklists": {"bad": {"words": ["alpha", "gamma"]}}}, (("blocklists", "<bad>", "words"),)),
    "retention_policies": ({"retention_policies": {"old-messages": {"max_age_hours": 720}}},
                           (("retention_policies", "old-messages", "config", "max_age_hours"),)),
    "channel_types": ({"channel_types": {"support": {"max_message_length": 8000}}},
                      (("channel_types", "support", "max_message_length"),)),
    "push_providers": ({"push_providers": {"apn-prod": {"type": "apn", "apn_topic": "com.example.other"}}},
                       (("push_providers", "apn-prod", "apn_topic"),)),
}


def raw_call(emulator: Emulator, op: str, method: str, path: str, body: Any) -> dict[str, Any]:
    """One request straight to the emulator, for what a stack cannot declare."""
    async def call() -> dict[str, Any]:
        client = StreamClient(ConnectionSettings(KEY, SECRET, "http://127.0.0.1:9"),
                              transport=emulator.async_transport(), throttle=Throttle(limits={}))
        try:
            return await client.call(op, method, path, body=body)
        finally:
            await client.aclose()
    return asyncio.run(call())


def seed(h: Harness) -> dict[str, Any]:
    """FULL applied, plus what only the API holds; the snapshot after."""
    h.env = ENV
    result = h.run("apply", "--auto-approve", h.stack(FULL, name="full"))
    assert result.exit_code == 0, result.output
    hooks = [{k: v for k, v in hook.items() if k not in ("created_at", "updated_at")}
             for hook in h.snapshot()["app"]["event_hooks"]]
    raw_call(h.emulator, "UpdateApp", "PATCH", "/app", {"event_hooks": [{**hook, "callback": CALLBACK}
                                                                          for hook in hooks]})
    raw_call(h.emulator, "UpsertPushProvider", "POST", "/push_providers",
             {"push_provider": {"name": "apn-prod", "type": "apn", "disabled_at": DISABLED_AT}})
    snapshot = h.snapshot()
    assert all(hook["callback"] == CALLBACK and hook.get("id") for hook in snapshot["app"]["event_hooks"])
    return snapshot


def hook_id(snapshot: dict[str, Any], hook_type: str) -> str:
    [hook] = [h for h in snapshot["app"]["event_hooks"] if h["hook_type"] == hook_type]
    return str(hook["id"])


def resolved(snapshot: dict[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    """A path of CASES with its placeholders replaced by the ids the emulator gave."""
    ids = {"<sqs hook>": hook_id(snapshot, "sqs"),
           "<bad>": next(str(b["id"]) for b in snapshot["blocklists"] if b["name"] == "bad")}
    return tuple(ids.get(part, part) for part in path)


def apply_narrow(h: Harness, stack: dict[str, Any], *extra: str) -> str:
    result = h.run("apply", "--auto-approve", h.stack(stack, name="narrow"), *extra)
    assert result.exit_code == 0, result.output
    assert "verified: live state holds what was sent" in result.stdout
    return result.stdout


@pytest.mark.parametrize("kind", sorted(CASES))
def test_changing_one_declared_field_keeps_every_other_field_and_secret(harness: Harness, kind: str) -> None:
    before = seed(harness)
    stack, allowed = CASES[kind]
    allowed = tuple(resolved(before, path) for path in allowed)
    out = apply_narrow(harness, stack)
    assert "Apply complete: 0 created, 1 updated, 0 deleted" in out
    after = harness.snapshot()
    assert differences(before, after, allowed) == []
    assert differences(before, after) != [], "the declared field changed"
    assert harness.run("plan", harness.stack(stack, name="narrow"), "--detailed-exitcode").exit_code == 0


def test_permission_rename_keeps_description_and_owner(harness: Harness) -> None:
    seed(harness)
    apply_narrow(harness, CASES["permissions"][0])
    [permission] = [p for p in harness.snapshot()["permissions"] if p["id"] == "vip-read"]
    assert permission["name"] == "VIP readers"
    assert (permission["description"], permission["owner"], permission["same_team"]) == (
        "Only VIPs read these", True, True)


def test_event_hook_change_keeps_id_timeout_and_secret(harness: Harness) -> None:
    before = {h["hook_type"]: h for h in seed(harness)["app"]["event_hooks"]}
    plan = harness.run("plan", harness.stack(CASES["app"][0], name="narrow"))
    sqs_id = before["sqs"]["id"]
    assert f"event_hooks[id={sqs_id}].event_types" in plan.stdout, "the plan names the hook by its id"
    assert "event_hooks:" not in plan.stdout, "not one opaque list line"
    apply_narrow(harness, CASES["app"][0])
    after = {h["hook_type"]: h for h in harness.snapshot()["app"]["event_hooks"]}
    sqs = after["sqs"]
    assert sqs["id"] == sqs_id and sqs["timeout_ms"] == 5000 and sqs["product"] == "chat"
    assert sqs["sqs_secret"] == ENV["HOOK_SQS"], "the API keeps a hook's secret when it is left out"
    assert sqs["callback"] == CALLBACK, "a field the stack cannot declare is carried too"
    assert sqs["event_types"] == ["message.new", "message.updated"]
    assert after["sns"]["sns_secret"] == ENV["HOOK_SNS"] and after["sns"]["id"] == before["sns"]["id"]
    assert after["webhook"]["timeout_ms"] == 3000 and after["webhook"]["id"] == before["webhook"]["id"]


def test_push_provider_update_keeps_undeclared_credential(harness: Harness) -> None:
    seed(harness)
    apply_narrow(harness, CASES["push_providers"][0])
    [provider] = [p for p in harness.snapshot()["push_providers"] if p["name"] == "apn-prod"]
    assert provider["apn_auth_key"] == ENV["APN_KEY"]
    assert provider["description"] == "iOS production" and provider["apn_development"] is True
    assert provider["disabled_at"] is not None


def test_declared_provider_credential_is_shown_as_resent(harness: Harness) -> None:
    """An update of an object the API replaces sends the credential the stack declares: the plan says so."""
    seed(harness)
    stack = {"push_providers": {"apn-prod": {"type": "apn", "apn_topic": "com.example.third",
                                             "apn_auth_key": "${env:APN_KEY}"}}}
    result = harness.run("plan", harness.stack(stack, name="declared"), "--format", "json")
    [change] = json.loads(result.stdout)["stacks"][0]["changes"]
    assert change["changed_paths"] == ["apn_topic"] and change["sensitive_paths"] == ["apn_auth_key"]


def test_saved_plan_with_a_hook_change_applies_the_same(harness: Harness, tmp_path: Path) -> None:
    before = seed(harness)
    plan_file = str(tmp_path / "plan.json")
    result = harness.run("plan", harness.stack(CASES["app"][0], name="narrow"), "--out", plan_file)
    assert result.exit_code == 0, result.output
    result = harness.run("apply", "--auto-approve", plan_file)
    assert result.exit_code == 0, result.output
    allowed = (("app", "event_hooks", hook_id(before, "sqs"), "event_types"),)
    assert differences(before, harness.snapshot(), allowed) == []


# ------------------------------------------------------------------ the same, read through the official SDK


@pytest.fixture
def socket_harness(tmp_path: Path) -> Iterator[Harness]:
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    handle = serve_in_thread(emulator, host="127.0.0.1", port=0)
    try:
        yield Harness(emulator, "socket", handle.url, tmp_path)
    finally:
        handle.stop()


@pytest.mark.socket
@pytest.mark.compat
# dataclasses_json warns for each non-optional field of the SDK's (newer) models the emulator leaves out.
@pytest.mark.filterwarnings("ignore:Missing value of non-optional type:RuntimeWarning")
def test_sdk_reads_the_undeclared_fields_kept(socket_harness: Harness) -> None:
    getstream = pytest.importorskip("getstream", reason="the official SDK is an optional test extra: '.[compat]'")
    h = socket_harness
    before = {hook["hook_type"]: hook for hook in seed(h)["app"]["event_hooks"]}
    apply_narrow(h, {**CASES["app"][0], **CASES["permissions"][0], **CASES["push_providers"][0]})
    client = getstream.Stream(api_key=KEY, api_secret=SECRET, base_url=h.url)
    try:
        permission = client.get_permission("vip-read").data.permission
        assert (permission.name, permission.description, permission.owner, permission.same_team) == (
            "VIP readers", "Only VIPs read these", True, True)
        hooks = {hook.hook_type: hook for hook in client.get_app().data.app.event_hooks}
        for hook_type, hook in before.items():
            assert hooks[hook_type].id == hook["id"] and hooks[hook_type].timeout_ms == hook["timeout_ms"]
        assert hooks["sqs"].product == "chat" and hooks["sqs"].callback is not None
        [provider] = [p for p in client.list_push_providers().data.push_providers if p.name == "apn-prod"]
        assert (provider.apn_topic, provider.description, provider.apn_development) == (
            "com.example.other", "iOS production", True)
        assert provider.disabled_at is not None
    finally:
        client.close()
    # Secrets are not readable through the API: the emulator's raw state shows they were kept.
    snapshot = h.snapshot()
    assert {hook["hook_type"]: hook.get(f"{hook['hook_type']}_secret") for hook in snapshot["app"]["event_hooks"]
            if hook["hook_type"] != "webhook"} == {"sqs": ENV["HOOK_SQS"], "sns": ENV["HOOK_SNS"]}
    assert [p["apn_auth_key"] for p in snapshot["push_providers"]] == [ENV["APN_KEY"]]
