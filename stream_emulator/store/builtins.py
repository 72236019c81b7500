"""Facts about a fresh Stream Chat app, loaded from ``store/data/builtins.json``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

BUILTIN_BLOCKLIST_NAME = "profanity_en_2020_v1"
APP_SCOPE = ".app"


@dataclass(frozen=True)
class BuiltinPermission:
    id: str
    action: str
    resource_type: str
    owner: bool
    any_team: bool


@dataclass(frozen=True)
class Builtins:
    channel_types: dict[str, dict[str, Any]]
    custom_channel_type_defaults: dict[str, Any]
    commands: list[dict[str, str]]
    roles: dict[str, str]  # name -> level ("user" | "channel")
    default_grants: dict[str, dict[str, list[str]]]  # scope -> role -> permission ids
    permission_actions: dict[str, str]  # action -> resource type
    app_defaults: dict[str, Any]
    push_defaults: dict[str, Any]
    limits: dict[str, Any]
    builtin_blocklist: dict[str, Any]
    rate_limits_per_minute: dict[str, int]
    rate_limit_per_second_divisor: int
    multi_tenant_grants: dict[str, dict[str, list[str]]]  # scope -> global_* role -> permission ids
    rate_limit_endpoints: list[str]  # every documented endpoint (operation id), for GetRateLimits

    @property
    def command_names(self) -> list[str]:
        return [command["name"] for command in self.commands]

    def limit(self, name: str) -> Any:
        return self.limits[name]

    def grants_for_new_scope(self, channel_type: str, multi_tenant: bool = False) -> dict[str, list[str]]:
        """Defaults of a built-in scope; custom channel types start from ``messaging``. A multi-tenant
        app's defaults add the ``global_*`` roles' grants (DOC:permissions_reference)."""
        scope = self.default_grants.get(channel_type, self.default_grants["messaging"])
        grants = {role: list(ids) for role, ids in scope.items()}
        if multi_tenant:
            grants.update(self.multi_tenant_grants_for(channel_type))
        return grants

    def multi_tenant_grants_for(self, scope: str) -> dict[str, list[str]]:
        """The ``global_*`` roles' grants in a scope of a multi-tenant app (custom types: ``messaging``'s)."""
        extra = self.multi_tenant_grants.get(scope, self.multi_tenant_grants["messaging"])
        return {role: list(ids) for role, ids in extra.items()}

    def blocklist_words(self) -> list[str]:
        count = int(self.builtin_blocklist["placeholder_word_count"])
        return [f"profanity{index:04d}" for index in range(1, count + 1)]

    def blocklist_error(self, kind: str) -> str:
        return str(self.builtin_blocklist["errors"][kind])


def kebab_case(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", action).lower()


@cache
def builtin_permissions() -> dict[str, BuiltinPermission]:
    """Permission ids derived from the action list: ``x``, ``x-owner``, ``x-any-team``, ``x-owner-any-team``."""
    permissions: dict[str, BuiltinPermission] = {}
    for action, resource_type in load_builtins().permission_actions.items():
        base = kebab_case(action)
        for owner in (False, True):
            for any_team in (False, True):
                permission_id = base + ("-owner" if owner else "") + ("-any-team" if any_team else "")
                permissions[permission_id] = BuiltinPermission(permission_id, action, resource_type, owner, any_team)
    return permissions


@cache
def load_builtins() -> Builtins:
    text = (resources.files("stream_emulator.store") / "data" / "builtins.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    return Builtins(**raw)
