"""Generates a stack at Stream's own limits (or a scaled-down one for the benchmark's test)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BUILTIN_COMMANDS = ["giphy", "ban", "unban", "mute", "unmute"]
# The app limit of 50 channel types counts the 5 built-in ones: declare them, plus 45 custom.
BUILTIN_TYPES = ["messaging", "livestream", "team", "gaming", "commerce"]
PERMISSION_IDS = ["read-channel", "create-message", "update-message-owner", "delete-message-owner", "upload-attachment"]


@dataclass(frozen=True)
class Size:
    channel_types: int = 50
    commands: int = 200
    blocklists: int = 15
    words: int = 10_000
    roles: int = 25
    push_providers: int = 25
    permissions: int = 20

    @property
    def objects(self) -> int:
        return (self.channel_types + self.commands + self.blocklists + self.roles + self.push_providers
                + self.permissions + 2 + 1)


FULL = Size()
SMALL = Size(channel_types=3, commands=5, blocklists=2, words=50, roles=3, push_providers=2, permissions=2)


def _word(i: int, b: int) -> str:
    return f"w{b:02d}x{i:05d}"


def app_settings(size: Size) -> dict[str, Any]:
    """30 app settings, grants for every custom role included."""
    return {
        "async_url_enrich_enabled": True,
        "auto_translation_enabled": False,
        "before_message_send_hook_url": "https://hooks.example.com/before",
        "before_message_send_hook_attempt_timeout_ms": 500,
        "cdn_expiration_seconds": 86400,
        "chat_primary_use_case": "customer-support",
        "custom_action_handler_url": "https://hooks.example.com/commands/{type}",
        "disable_auth_checks": False,
        "disable_permissions_checks": False,
        "enforce_unique_usernames": "app",
        "feed_audit_logs_enabled": False,
        "file_upload_config": {"size_limit": 10_000_000, "blocked_file_extensions": [".exe", ".bat"]},
        "guest_user_creation_disabled": True,
        "image_moderation_enabled": False,
        "image_moderation_labels": ["explicit", "violence"],
        "image_upload_config": {"size_limit": 5_000_000},
        "max_aggregated_activities_length": 100,
        "member_custom_on_messages_enabled": True,
        "moderation_enabled": True,
        "moderation_webhook_url": "https://hooks.example.com/moderation",
        "multi_tenant_enabled": False,
        "permission_version": "v2",
        "push_config": {"version": "v3", "offline_only": False},
        "reminders_interval": 3600,
        "sqs_url": "https://sqs.us-east-1.amazonaws.com/1/stream",
        "sqs_key": "AKIABENCH",
        "sqs_secret": "${env:BENCH_SQS_SECRET}",
        "user_response_time_enabled": True,
        "webhook_events": ["message.new", "message.updated", "message.deleted"],
        "webhook_url": "https://hooks.example.com/stream",
        "grants": {f"role{r:02d}": ["search-user", "flag-user"] for r in range(size.roles)},
    }


def stack_data(size: Size) -> dict[str, Any]:
    roles = [f"role{r:02d}" for r in range(size.roles)]
    commands = {f"cmd{c:03d}": {"description": f"Command number {c}", "args": "[text]", "set": f"set{c % 10}"}
                for c in range(size.commands)}
    permissions = {f"perm-{p:02d}": {"name": f"Custom permission {p}", "action": "ReadChannel",
                                     "condition": {"$subject.level": p}, "description": "benchmark"}
                   for p in range(size.permissions)}
    command_names = list(commands)
    channel_types = {}
    for t in range(size.channel_types):
        grants = {roles[(t + k) % len(roles)]: PERMISSION_IDS[: 2 + k] for k in range(3)} if roles else {}
        if permissions:
            grants[roles[t % len(roles)]] = [*PERMISSION_IDS[:2], list(permissions)[t % len(permissions)]]
        name = BUILTIN_TYPES[t] if t < len(BUILTIN_TYPES) and size.channel_types >= 10 else f"type{t:02d}"
        channel_types[name] = {
            "automod": "simple", "automod_behavior": "flag", "max_message_length": 4000 + t,
            "commands": ["giphy", *command_names[t * 4 % max(1, len(command_names)):][:4]],
            "blocklists": [{"blocklist": f"list{t % size.blocklists:02d}", "behavior": "block"}]
            if size.blocklists else [],
            "grants": grants, "reactions": t % 2 == 0, "replies": True, "search": t % 3 != 0,
            "uploads": True, "url_enrichment": False, "message_retention": "infinite",
        }
    providers = {}
    for p in range(size.push_providers):
        if p % 2:
            providers[f"fcm-{p:02d}"] = {"type": "firebase", "firebase_credentials": "${env:BENCH_FCM}",
                                         "description": f"Android app {p}"}
        else:
            providers[f"apn-{p:02d}"] = {"type": "apn", "apn_auth_type": "token", "apn_key_id": f"K{p}",
                                         "apn_team_id": "TEAM", "apn_topic": f"com.example.app{p}",
                                         "apn_auth_key": "${env:BENCH_APN}"}
    return {
        "stack": {"name": "bench"},
        "app": app_settings(size),
        "roles": roles,
        "permissions": permissions,
        "commands": commands,
        "channel_types": channel_types,
        "push_providers": providers,
        "retention_policies": {"old-messages": {"max_age_hours": 8760}, "inactive-channels": {"max_age_hours": 4380}},
    }


ENV = {"BENCH_SQS_SECRET": "bench-sqs-secret", "BENCH_FCM": '{"type":"service_account"}',
       "BENCH_APN": "-----BEGIN PRIVATE KEY-----bench-----END PRIVATE KEY-----"}


def write_stack(
    folder: Path, size: Size = FULL, name: str = "bench", credentials: dict[str, str] | None = None
) -> Path:
    """Writes the stack as one file per kind plus one words file per blocklist."""
    folder.mkdir(parents=True, exist_ok=True)
    data = stack_data(size)
    data["stack"]["name"] = name
    if credentials:
        data["stack"]["credentials"] = credentials
    for key, value in data.items():
        (folder / f"{key}.yaml").write_text(yaml.safe_dump({key: value}, sort_keys=False))
    words_dir = folder / "words"
    words_dir.mkdir(exist_ok=True)
    blocklists = {}
    for b in range(size.blocklists):
        (words_dir / f"list{b:02d}.txt").write_text("\n".join(_word(i, b) for i in range(size.words)) + "\n")
        blocklists[f"list{b:02d}"] = {"type": "word", "words_file": f"words/list{b:02d}.txt",
                                      "is_leet_check_enabled": b % 2 == 0}
    (folder / "blocklists.yaml").write_text(yaml.safe_dump({"blocklists": blocklists}, sort_keys=False))
    return folder
