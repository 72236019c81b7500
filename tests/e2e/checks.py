"""An independent check that the emulator's raw state holds what a stack declares. It reads
the emulator's own snapshot (secrets included), not stream-iac's reader, so a bug shared by
our reader and our planner cannot hide here."""

from __future__ import annotations

from typing import Any

UNORDERED = {"commands", "words", "webhook_events", "allowed_flag_reasons", "image_moderation_labels",
             "user_search_disallowed_roles", "blocklists", "event_types"}
COMMAND_SETS = {"fun_set": ["giphy"], "moderation_set": ["ban", "unban", "mute", "unmute"]}


def _items(snapshot: dict[str, Any], kind: str, key: str = "name") -> dict[str, Any]:
    value = snapshot[kind]
    if isinstance(value, dict):
        return value
    return {item.get(key) or item.get("name"): item for item in value}


def _norm_list(field: str, value: list[Any]) -> Any:
    if field == "commands":
        value = [c["name"] if isinstance(c, dict) else c for c in value]
        expanded: list[str] = []
        for c in value:
            expanded.extend(COMMAND_SETS.get(c, [c]))
        value = expanded
    if field in UNORDERED:
        return sorted(value, key=lambda v: repr(v))
    return value


def _assert_fields(where: str, want: dict[str, Any], have: dict[str, Any], env: dict[str, str]) -> None:
    for field, value in want.items():
        actual = have.get(field)
        if isinstance(value, str) and value.startswith("${env:"):
            value = env[value[6:-1]]
        if field == "grants":
            for role, perms in value.items():
                assert sorted(actual.get(role, [])) == sorted(perms), f"{where}.grants.{role}: {actual.get(role)}"
        elif isinstance(value, dict):
            assert isinstance(actual, dict), f"{where}.{field}: {actual!r}"
            _assert_fields(f"{where}.{field}", value, actual, env)
        elif isinstance(value, list):
            assert isinstance(actual, list), f"{where}.{field}: {actual!r}"
            assert _norm_list(field, actual) == _norm_list(field, value), f"{where}.{field}: {actual!r} != {value!r}"
        else:
            assert actual == value, f"{where}.{field}: {actual!r} != {value!r}"


def assert_live_matches(snapshot: dict[str, Any], stack: dict[str, Any], env: dict[str, str] | None = None) -> None:
    env = env or {}
    for kind, section in stack.items():
        if kind == "stack":
            continue
        if kind == "app":
            app = dict(snapshot["app"])
            want = dict(section)
            push = want.pop("push_config", None)
            if push:
                assert app["push_notifications"]["version"] == push["version"]
            _assert_fields("app", want, app, env)
        elif kind == "push_templates":  # named <type>[/<provider>]/<event_type>
            live_templates = {"/".join(p for p in (t["push_provider_type"], t["push_provider_name"], t["event_type"])
                                       if p): t for t in snapshot["push_templates"]}
            for name, body in section.items():
                assert name in live_templates, f"push_templates.{name} missing live"
                _assert_fields(f"push_templates.{name}", dict(body), live_templates[name], env)
        elif kind == "external_storage":  # credentials are kept apart in the emulator
            for name, body in section.items():
                stored = snapshot["external_storages"].get(name)
                assert stored is not None, f"external_storage.{name} missing live"
                have = {**stored, **stored["credentials"], "storage_type": stored["type"]}
                _assert_fields(f"external_storage.{name}", dict(body), have, env)
        elif kind == "roles":
            roles = _items(snapshot, "roles")
            for name in section:
                assert name in roles and roles[name]["custom"] is True, f"roles.{name} missing"
        else:
            key = {"permissions": "id", "retention_policies": "policy"}.get(kind, "name")
            live = _items(snapshot, kind, key)
            for name, body in section.items():
                assert name in live, f"{kind}.{name} missing live"
                have = live[name]
                if kind == "retention_policies":
                    have = {"max_age_hours": have["config"]["max_age_hours"]}
                want = dict(body)
                if "words_file" in want:
                    want.pop("words_file")
                _assert_fields(f"{kind}.{name}", want, have, env)
