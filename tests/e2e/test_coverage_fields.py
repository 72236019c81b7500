"""The fields issue #15 added to existing kinds, end to end through the real CLI against the strict
emulator: the app settings GetApp returns, the write-only app settings (the single push configs of
push v1 among them), event hooks' callback and failover, push providers' disabled_at and APN
template, channel types' v1 permission policies. Each is declared, planned, applied, re-planned
empty, exported, and the export re-planned empty; write-only fields are never compared, go with
--resend-write-only, and every plan names them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Harness
from tests.e2e.test_export import exported_vars, load, plan_of_export
from tests.e2e.test_kinds import apply_ok, plan_json

ENV = {
    "P12": "p12-certificate-material-0123",
    "FCM_JSON": '{"type":"service_account","private_key":"fcm-key-0123456789"}',
    "HUAWEI": "huawei-secret-value-0123",
    "XIAOMI": "xiaomi-secret-value-0123",
    "GCS": '{"type":"service_account","private_key":"gcs-key-0123456789"}',
    "APN_KEY": "apn-private-key-material-123",
}
TEMPLATE = '{"aps": {"alert": {"title": "{{ sender.name }}"}}}'
POLICIES = [
    {"name": "Members may write", "action": "Allow", "resources": ["CreateMessage", "ReadChannel"],
     "roles": ["channel_member"], "owner": False, "priority": 60},
    {"name": "Nobody else", "action": "Deny", "resources": ["*"], "roles": ["*"], "owner": False, "priority": 1},
]
READABLE: dict[str, Any] = {
    "permission_version": "v1",
    "allowed_flag_reasons": ["spam", "abuse"],
    "activity_metrics_config": {"retention_days": 30},
    "moderation_dashboard_preferences": {
        "media_queue_blur_enabled": True,
        "escalation_reasons": ["threat"],
        "keyframe_classifications_map": {"nudity": {"explicit": True}},
        "overview_dashboard": {"default_date_range_days": 7, "visible_charts": ["flags", "actions"]},
    },
    "moderation_s3_image_access_role_arn": "arn:aws:iam::123456789012:role/moderation",
    "moderation_onboarding_complete": True,
    "revoke_tokens_issued_before": "2025-01-31T00:00:00Z",
}
WRITE_ONLY: dict[str, Any] = {
    "async_moderation_config": {"timeout_ms": 3000,
                                "callback": {"mode": "CALLBACK_MODE_REST", "server_url": "https://mod.example.com"}},
    "channel_hide_members_only": True,
    "enable_hook_payload_compression": True,
    "image_moderation_block_labels": ["Explicit Nudity"],
    "moderation_analytics_enabled": True,
    "reminders_max_members": 50,
    "reminders_max_per_user": 100,
    "feeds_moderation_enabled": True,
    "feeds_v2_region": "eu-west",
}
PUSH_V1: dict[str, Any] = {
    "push_config": {"version": "v1"},
    "apn_config": {"auth_type": "certificate", "p12_cert": "${env:P12}", "bundle_id": "com.example.app",
                   "development": True, "notification_template": TEMPLATE, "Disabled": False},
    "firebase_config": {"credentials_json": "${env:FCM_JSON}", "data_template": '{"x": "{{ message.id }}"}',
                        "Disabled": False},
    "huawei_config": {"id": "huawei-app", "secret": "${env:HUAWEI}", "Disabled": False},
    "xiaomi_config": {"package_name": "com.example.app", "secret": "${env:XIAOMI}", "Disabled": False},
}
HOOKS = [
    {"hook_type": "pending_message", "webhook_url": "https://pending.example.com",
     "callback": {"mode": "CALLBACK_MODE_REST", "server_url": "https://pending.example.com/answer"}},
    {"hook_type": "webhook", "webhook_url": "https://hooks.example.com",
     "failover_config": {"type": "gcs", "gcs_bucket": "undelivered", "gcs_path": "stream/",
                         "gcs_credentials": "${env:GCS}"}},
]
APP: dict[str, Any] = {
    "app": {**READABLE, **WRITE_ONLY, **PUSH_V1, "event_hooks": HOOKS},
    "channel_types": {"support": {"permissions": POLICIES}, "messaging": {"permissions": POLICIES[:1]}},
}
PROVIDERS: dict[str, Any] = {
    "push_providers": {
        "ios": {"type": "apn", "apn_auth_type": "token", "apn_key_id": "K1", "apn_team_id": "T1",
                "apn_topic": "com.example.app", "apn_auth_key": "${env:APN_KEY}",
                "apn_notification_template": TEMPLATE, "disabled_at": "2025-02-01T10:00:00+01:00",
                "disabled_reason": "keys are being rotated"},
    },
}
NOT_COMPARED_APP = {f"app.{name}" for name in WRITE_ONLY} | {
    "app.apn_config.Disabled", "app.apn_config.p12_cert", "app.firebase_config.credentials_json",
    "app.huawei_config.secret", "app.xiaomi_config.secret", "app.event_hooks[1].failover_config.gcs_credentials"}


def not_compared(doc: dict[str, Any]) -> dict[str, str]:
    return {entry["path"]: entry["reason"] for entry in doc["not_compared"]}


def replan_is_empty(h: Harness, stack: str) -> dict[str, Any]:
    doc = plan_json(h, stack)
    assert doc["changes"] == [], json.dumps(doc["changes"], indent=1)[:3000]
    return doc


def export_replans_empty(h: Harness) -> tuple[Path, str]:
    out = h.tmp / "exported"
    result = h.run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    env = {name: "exported-secret-value-0123456789" for name in exported_vars(result.stdout)}
    env.update({name: ENV["FCM_JSON"] for name, where in exported_vars(result.stdout).items()
                if where.endswith(("credentials_json", "gcs_credentials"))})
    code, doc = plan_of_export(h, out, env)
    assert code == 0 and doc["changes"] == [], json.dumps(doc["changes"], indent=1)[:3000]
    return out, result.output


def test_new_app_and_channel_type_fields_apply_converge_and_export(inproc: Harness) -> None:
    h = inproc
    h.env = ENV
    stack = h.stack(APP)
    first = plan_json(h, stack)
    assert set(not_compared(first)) >= NOT_COMPARED_APP
    assert not_compared(first)["app.reminders_max_members"] == "write-only"
    assert not_compared(first)["app.huawei_config.secret"] == "secret"
    text = h.run("plan", stack).stdout
    assert "note: not compared (write-only: the API never returns it;" in text and "app.feeds_v2_region" in text
    assert ENV["HUAWEI"] not in text

    apply_ok(h, stack)
    live = h.snapshot()["app"]
    assert "reminders_max_members" not in live, "a write-only app setting goes only with --resend-write-only"
    assert live["apn_config"]["Disabled"] is False, "it goes with the nested object the update sends"
    assert live["apn_config"]["p12_cert"] == ENV["P12"]
    replan_is_empty(h, stack)

    resend = plan_json(h, stack, "--resend-write-only")
    [app_change] = [c for c in resend["changes"] if c["address"] == "app"]
    assert {"reminders_max_members", "feeds_v2_region"} <= set(app_change["changed_paths"])
    assert "huawei_config.secret" in app_change["sensitive_paths"]
    shown = h.run("plan", stack, "--rotate-secrets").stdout  # the old name still works
    assert "reminders_max_members: 50 (write-only: sent, not compared)" in shown
    apply_ok(h, stack, "--resend-write-only")

    snapshot = h.snapshot()
    live = snapshot["app"]
    for name, value in {**WRITE_ONLY, **READABLE}.items():
        if name != "revoke_tokens_issued_before":
            assert live[name] == value, name
    assert live["huawei_config"] == {"id": "huawei-app", "secret": ENV["HUAWEI"], "Disabled": False}
    assert live["xiaomi_config"]["secret"] == ENV["XIAOMI"]
    assert live["firebase_config"]["credentials_json"] == ENV["FCM_JSON"]
    failover = next(hook for hook in live["event_hooks"] if hook["hook_type"] == "webhook")["failover_config"]
    assert failover["gcs_credentials"] == ENV["GCS"]
    assert {p["name"] for p in snapshot["channel_types"]["support"]["permissions"]} == {p["name"] for p in POLICIES}
    replan_is_empty(h, stack)

    changed = copy.deepcopy(APP)
    changed["app"]["event_hooks"][1]["webhook_url"] = "https://hooks.example.com/v2"
    changed["app"]["revoke_tokens_issued_before"] = "2025-03-01T12:00:00+02:00"
    changed["channel_types"]["support"]["permissions"][1]["priority"] = 2
    stack = h.stack(changed, name="changed")
    apply_ok(h, stack)
    failover = next(hook for hook in h.snapshot()["app"]["event_hooks"] if hook["hook_type"] == "webhook")
    assert failover["failover_config"]["gcs_credentials"] == ENV["GCS"], "kept when the hook is updated"
    assert replan_is_empty(h, stack)["not_compared"]

    out, said = export_replans_empty(h)
    app = load(out, "app.yaml")["app"]
    assert app["revoke_tokens_issued_before"] == "2025-03-01T10:00:00Z"
    assert app["moderation_dashboard_preferences"] == READABLE["moderation_dashboard_preferences"]
    assert app["apn_config"]["p12_cert"].startswith("${env:") and app["huawei_config"]["secret"].startswith("${env:")
    assert app["event_hooks"][1]["failover_config"]["gcs_credentials"].startswith("${env:")
    assert not set(WRITE_ONLY) & set(app), "write-only fields cannot be read back, so cannot be exported"
    assert "app: write-only fields are not exported" in said
    assert load(out, "channel_types.yaml")["channel_types"]["support"]["permissions"]


def test_provider_disabled_at_and_apn_template_apply_converge_and_export(inproc: Harness) -> None:
    h = inproc
    h.env = ENV
    stack = h.stack(PROVIDERS)
    apply_ok(h, stack)
    [provider] = h.snapshot()["push_providers"]
    assert provider["apn_notification_template"] == TEMPLATE, "a write-only field goes with the create"
    assert provider["disabled_at"] == 1738400400 * 10**9
    doc = replan_is_empty(h, stack)
    assert not_compared(doc)["push_providers.ios.apn_notification_template"] == "write-only"

    changed = copy.deepcopy(PROVIDERS)
    changed["push_providers"]["ios"]["apn_topic"] = "com.example.other"
    changed["push_providers"]["ios"]["apn_notification_template"] = '{"aps": {"alert": "new"}}'
    stack = h.stack(changed, name="changed")
    [change] = plan_json(h, stack)["changes"]
    assert change["changed_paths"] == ["apn_topic", "apn_notification_template"], "re-sent with the upsert"
    assert change["after"]["apn_notification_template"] == '{"aps": {"alert": "new"}}', "shown: not a secret"
    apply_ok(h, stack)
    [provider] = h.snapshot()["push_providers"]
    assert provider["apn_notification_template"] == '{"aps": {"alert": "new"}}'
    replan_is_empty(h, stack)

    out, _ = export_replans_empty(h)
    exported = load(out, "push_providers.yaml")["push_providers"]["ios"]
    assert exported["disabled_at"] == "2025-02-01T09:00:00Z" and "apn_notification_template" not in exported
