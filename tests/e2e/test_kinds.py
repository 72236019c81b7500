"""Every resource kind, end to end through the real CLI against the emulator (in-process and
over a loopback socket): create, update of each field type, delete with prune, no-op."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stream_emulator import Emulator, EmulatorOptions, serve_in_thread
from tests.e2e.checks import assert_live_matches
from tests.e2e.conftest import KEY, SECRET, Harness, Tls

ENV = {"APN_KEY": "apn-private-key-material-123", "SQS_SECRET": "sqs-secret-value-456",
       "FCM_JSON": '{"type":"service_account","private_key":"fcm-key-789"}'}

FULL: dict[str, Any] = {
    "app": {
        "webhook_url": "https://hooks.example.com/stream",
        "webhook_events": ["message.new", "message.updated"],
        "enforce_unique_usernames": "app",
        "cdn_expiration_seconds": 86400,
        "disable_auth_checks": False,
        "push_config": {"version": "v3"},
        "file_upload_config": {"size_limit": 1000000, "blocked_file_extensions": [".exe"]},
        "sqs_url": "https://sqs.example.com/q",
        "sqs_key": "AKIAKEY",
        "sqs_secret": "${env:SQS_SECRET}",
        "grants": {"agent": ["search-user"]},
    },
    "roles": ["agent", "vip"],
    "permissions": {
        "read-secret-channel": {"name": "Read secret channel", "action": "ReadChannel",
                                "condition": {"$subject.vip": True}, "description": "VIP only"},
    },
    "commands": {"ticket": {"description": "Open a ticket", "args": "[subject]", "set": "support_set"},
                 "refund": {"description": "Ask for a refund"}},
    "blocklists": {"bad": {"type": "word", "words": ["alpha", "beta", "gamma"], "is_leet_check_enabled": True}},
    "retention_policies": {"old-messages": {"max_age_hours": 8760}},
    "channel_types": {
        "messaging": {"max_message_length": 8000},
        "support": {
            "automod": "simple",
            "automod_behavior": "flag",
            "max_message_length": 5000,
            "commands": ["giphy", "ticket"],
            "blocklists": [{"blocklist": "bad", "behavior": "block"}],
            "grants": {"agent": ["read-channel", "create-message"], "vip": ["read-secret-channel"]},
            "reactions": False,
            "quotes": True,
            "message_retention": "30",
        },
    },
    "push_providers": {
        "apn-prod": {"type": "apn", "apn_auth_type": "token", "apn_key_id": "K1", "apn_team_id": "T1",
                     "apn_topic": "com.example.app", "apn_auth_key": "${env:APN_KEY}"},
        "fcm": {"type": "firebase", "firebase_credentials": "${env:FCM_JSON}", "description": "Android"},
    },
}


def plan_json(h: Harness, stack: str, *extra: str) -> dict[str, Any]:
    result = h.run("plan", stack, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)["stacks"][0]  # the one stack's plan
    return doc


def apply_ok(h: Harness, stack: str, *extra: str) -> str:
    result = h.run("apply", "--auto-approve", stack, *extra)
    assert result.exit_code == 0, result.output
    assert "Apply complete" in result.stdout
    return result.stdout


def assert_converged(h: Harness, stack: str, data: dict[str, Any]) -> None:
    doc = plan_json(h, stack)
    assert doc["changes"] == [], json.dumps(doc["changes"], indent=1)[:2000]
    assert_live_matches(h.snapshot(), data, ENV)


def test_full_stack_creates_every_kind_and_converges(harness: Harness) -> None:
    harness.env = ENV
    stack = harness.stack(FULL)
    doc = plan_json(harness, stack)
    actions = {c["address"]: c["action"] for c in doc["changes"]}
    assert actions["app"] == "update" and actions["channel_types.messaging"] == "update"
    for address in ("roles.agent", "permissions.read-secret-channel", "commands.ticket", "blocklists.bad",
                    "retention_policies.old-messages", "channel_types.support", "push_providers.apn-prod"):
        assert actions[address] == "create", address
    apply_ok(harness, stack)
    assert_converged(harness, stack, FULL)
    snapshot = harness.snapshot()
    providers = {p["name"]: p for p in snapshot["push_providers"]}
    assert providers["apn-prod"]["apn_auth_key"] == ENV["APN_KEY"], "secret was sent on create"
    assert snapshot["app"]["sqs_secret"] == ENV["SQS_SECRET"]


def test_update_of_each_field_type_then_converges(harness: Harness) -> None:
    harness.env = ENV
    stack = harness.stack(FULL)
    apply_ok(harness, stack)
    changed = copy.deepcopy(FULL)
    changed["app"]["webhook_url"] = "https://hooks.example.com/v2"  # string
    changed["app"]["cdn_expiration_seconds"] = 172800  # integer
    changed["app"]["webhook_events"] = ["message.new"]  # set list
    changed["app"]["file_upload_config"]["size_limit"] = 2000000  # nested object
    changed["app"]["grants"]["agent"] = ["search-user", "flag-user"]  # grants map
    changed["channel_types"]["support"]["reactions"] = True  # bool
    changed["channel_types"]["support"]["automod"] = "disabled"  # enum
    changed["channel_types"]["support"]["commands"] = ["giphy", "ticket", "refund"]
    changed["channel_types"]["support"]["grants"]["agent"] = ["read-channel"]
    changed["commands"]["ticket"]["description"] = "Open a support ticket"
    changed["blocklists"]["bad"]["words"] = ["alpha", "delta"]
    changed["retention_policies"]["old-messages"]["max_age_hours"] = 720
    changed["permissions"]["read-secret-channel"]["condition"] = {"$subject.vip": False}
    changed["push_providers"]["apn-prod"]["apn_topic"] = "com.example.other"
    stack = harness.stack(changed)
    doc = plan_json(harness, stack)
    updated = {c["address"] for c in doc["changes"] if c["action"] == "update"}
    assert updated == {"app", "channel_types.support", "commands.ticket", "blocklists.bad",
                       "retention_policies.old-messages", "permissions.read-secret-channel",
                       "push_providers.apn-prod"}
    assert all(c["action"] == "update" for c in doc["changes"])
    support = next(c for c in doc["changes"] if c["address"] == "channel_types.support")
    assert set(support["changed_paths"]) == {"reactions", "automod", "commands", "grants.agent"}
    apply_ok(harness, stack)
    assert_converged(harness, stack, changed)
    providers = {p["name"]: p for p in harness.snapshot()["push_providers"]}
    assert providers["apn-prod"]["apn_auth_key"] == ENV["APN_KEY"], "upsert kept the credentials"


def test_delete_with_prune_removes_only_pruned_kinds(harness: Harness) -> None:
    harness.env = ENV
    apply_ok(harness, harness.stack(FULL))
    smaller = copy.deepcopy(FULL)
    del smaller["commands"]["refund"]
    del smaller["blocklists"]
    smaller["channel_types"]["support"]["blocklists"] = []
    smaller["roles"] = ["agent"]
    del smaller["channel_types"]["support"]["grants"]["vip"]
    del smaller["retention_policies"]
    del smaller["push_providers"]["fcm"]
    del smaller["permissions"]
    smaller["channel_types"]["support"]["grants"]["agent"] = ["read-channel"]
    without_prune = harness.stack(smaller)
    doc = plan_json(harness, without_prune)
    assert [c for c in doc["changes"] if c["action"] == "delete"] == []
    assert {"commands.refund", "blocklists.bad", "push_providers.fcm"} <= set(doc["unmanaged"])

    smaller["stack"] = {"prune": ["commands", "blocklists", "push_providers", "retention_policies", "permissions"]}
    smaller["channel_types"]["support"]["grants"]["vip"] = []
    pruned = harness.stack(smaller, name="pruned")
    doc = plan_json(harness, pruned)
    deletes = {c["address"] for c in doc["changes"] if c["action"] == "delete"}
    assert deletes == {"commands.refund", "blocklists.bad", "push_providers.fcm",
                       "retention_policies.old-messages", "permissions.read-secret-channel"}
    apply_ok(harness, pruned)
    snapshot = harness.snapshot()
    assert "refund" not in {c["name"] for c in snapshot["commands"]}
    assert "bad" not in {b["name"] for b in snapshot["blocklists"]}
    assert "fcm" not in {p["name"] for p in snapshot["push_providers"]}
    assert snapshot["retention_policies"] == []
    assert "vip" in {r["name"] for r in snapshot["roles"]}, "roles are not pruned: not in stack.prune"
    assert_converged(harness, pruned, smaller)


def test_in_sync_plan_makes_only_list_calls_and_apply_no_write(harness: Harness) -> None:
    harness.env = ENV
    stack = harness.stack(FULL)
    apply_ok(harness, stack)
    harness.emulator.reset_stats(KEY)
    result = harness.run("plan", stack, "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    stats = harness.emulator.stats(KEY)
    requests = dict(stats["requests"])
    # GetPushTemplates takes one push type (and optionally one provider) per call: 4 types, 2 providers.
    assert requests.pop("GetPushTemplates") == 4 + len(FULL["push_providers"])
    assert set(requests) == {"GetApp", "ListChannelTypes", "ListCommands", "ListBlockLists", "ListRoles",
                             "ListPermissions", "ListPushProviders", "GetRetentionPolicy", "ListExternalStorage"}
    assert all(count == 1 for count in requests.values()), requests
    harness.emulator.reset_stats(KEY)
    result = harness.run("apply", "--auto-approve", stack)
    assert result.exit_code == 0 and "No changes" in result.stdout
    assert harness.emulator.stats(KEY)["writes"] == {}


def test_builtins_are_never_deleted_even_with_prune(harness: Harness) -> None:
    stack = harness.stack({"roles": ["agent"]})
    result = harness.run("plan", stack, "--prune", "--format", "json")
    assert result.exit_code == 0, result.output
    [plan] = json.loads(result.stdout)["stacks"]
    assert plan["changes"] == [{"address": "roles.agent", "kind": "roles", "name": "agent",
                                "action": "create", "before": None, "after": {},
                                "changed_paths": [], "sensitive_paths": [], "depends_on": []}]


def test_prune_deletes_channel_types_and_roles_after_their_references(harness: Harness) -> None:
    harness.env = ENV
    apply_ok(harness, harness.stack(FULL))
    minimal = {
        "stack": {"prune": ["channel_types", "roles", "commands", "blocklists", "permissions", "push_providers",
                            "retention_policies"]},
        "app": {"grants": {"agent": []}},
        "channel_types": {"messaging": {"max_message_length": 8000}},
        "commands": {"ticket": {"description": "Open a ticket", "args": "[subject]", "set": "support_set"}},
    }
    stack = harness.stack(minimal, name="minimal")
    doc = plan_json(harness, stack)
    deletes = [c["address"] for c in doc["changes"] if c["action"] == "delete"]
    assert {"channel_types.support", "roles.agent", "roles.vip", "commands.refund"} <= set(deletes)
    assert deletes.index("channel_types.support") < deletes.index("roles.vip"), "referrers go first"
    assert deletes.index("channel_types.support") < deletes.index("commands.refund")
    apply_ok(harness, stack)
    snapshot = harness.snapshot()
    assert set(snapshot["channel_types"]) == {"messaging", "livestream", "team", "gaming", "commerce"}
    assert not [r for r in snapshot["roles"] if r["custom"]]
    assert [c["name"] for c in snapshot["commands"]] == ["ticket"]
    assert_converged(harness, stack, minimal)


@pytest.fixture
def tls_harness_pair(tls: Tls, tmp_path: Path) -> Iterator[tuple[Harness, Harness]]:
    """One emulated app over HTTPS, and two clients of it: one trusting the test CA
    (SSL_CERT_FILE), one with certifi's bundle only."""
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    handle = serve_in_thread(emulator, host="127.0.0.1", port=0, ssl_context=tls.server_context)
    try:
        assert handle.url.startswith("https://")
        trusted = Harness(emulator, "tls", handle.url, tmp_path / "trusted")
        trusted.connection_env["SSL_CERT_FILE"] = str(tls.ca_file)
        untrusted = Harness(emulator, "tls", handle.url, tmp_path / "untrusted")
        untrusted.connection_env["SSL_CERT_FILE"] = ""
        yield trusted, untrusted
    finally:
        handle.stop()


def test_plan_and_apply_over_https_verify_the_certificate(tls_harness_pair: tuple[Harness, Harness]) -> None:
    """Real Stream is HTTPS only: plan and apply over TLS succeed with the CA trusted, and the
    same command without it fails with one clear message, nothing applied."""
    trusted, untrusted = tls_harness_pair
    stack = trusted.stack({"channel_types": {"support": {"max_message_length": 3000}}})
    applied = trusted.run("apply", "--auto-approve", stack)
    assert applied.exit_code == 0, applied.output
    assert trusted.snapshot()["channel_types"]["support"]["max_message_length"] == 3000
    assert trusted.run("plan", "--detailed-exitcode", stack).exit_code == 0

    changed = untrusted.stack({"channel_types": {"support": {"max_message_length": 4000}}})
    refused = untrusted.run("apply", "--auto-approve", changed)
    assert refused.exit_code == 1
    assert "TLS certificate verification failed" in refused.stderr
    assert "Traceback" not in refused.output
    assert untrusted.snapshot()["channel_types"]["support"]["max_message_length"] == 3000


def test_our_own_tests_run_the_emulator_strict() -> None:
    """Every emulator the end-to-end tests build refuses fields the spec does not define, so a
    field stream-iac sends by mistake fails a test instead of being silently ignored."""
    sources = "\n".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("*.py"))
    building = "Emulator(" + "EmulatorOptions("
    built = sources.count(building)
    assert built > 0 and sources.count(building + "strict=True") == built
