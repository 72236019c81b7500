"""An app's state rebuilt from what Stream's API returned for it: the counterpart of
``Emulator.snapshot``, so a copy of a real app can be loaded into an emulator (``Emulator.load_state``),
e.g. to rehearse changes on it before they are made for real.

The input is the list calls' answers, each under the key the API answers with: ``app`` (GetApp),
``channel_types``, ``commands``, ``blocklists``, ``roles``, ``permissions``, ``push_providers``,
``policies`` (GetRetentionPolicy), ``templates`` (GetPushTemplates: each template with the
``push_provider_type`` and ``push_provider_name`` it was asked for) and ``external_storages``. A
``snapshot`` loads too (its ``retention_policies``, ``push_templates`` and ``channels``). Each collection
may be a list of objects or a map by name; timestamps may be integer nanoseconds or RFC-3339 text. A
key left out keeps a fresh app's part; ``unknown_keys`` names the keys this module does not read.

What the API never shows has to be decided here:

* **Secrets.** The API returns none (masked as ``"********"`` or left out). A secret the answer shows
  to be set (a masked SQS/SNS secret, an enabled APN/Firebase/Huawei/Xiaomi config without its
  credential) is stored as ``UNKNOWN_SECRET``, a placeholder: reads mask it as they mask any secret,
  so the copy reports it set, as the API did, and a write that leaves it out keeps it (the APN token
  check of UpdateApp passes). A secret the answer does not show (push provider credentials, event
  hook secrets) stays absent: no write of the emulator refuses a stored secret's absence. A value
  that is given (a ``snapshot``, which reveals secrets) is taken as it is.
* **Built-ins the emulator does not know.** A role or permission the app lists as built-in
  (``custom: false``) that is not among the emulator's own, or that a live grant uses without the
  list showing it, is stored and listed as built-in (``custom: false``), so a grant to it is accepted
  as the API accepts it. Built-ins the emulator knows keep its own definitions.
* Objects the emulator creates as built-in (the ``profanity_en_2020_v1`` blocklist, the built-in
  permissions, roles and commands) are not stored from the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .handlers.app_settings import MERGED_OBJECTS, SPECIAL_FIELDS
from .handlers.common import SECRET_MASK, json_copy, timestamp_to_ns
from .handlers.external_storage import CREDENTIALS_FIELD
from .handlers.push import template_key
from .store.builtins import APP_SCOPE, BUILTIN_BLOCKLIST_NAME, Builtins, builtin_permissions
from .store.state import AppState, fresh_app_state

UNKNOWN_SECRET = "(a secret the API did not return)"
"""Stored for a secret the API's answer shows to be set without giving its value."""

ID_COUNTER_OFFSET = 1_000_000
"""Ids the loaded app assigns from now on start here, so they cannot repeat an id it was loaded with."""

# GetApp fields computed for the answer, never stored as settings.
COMPUTED_APP_FIELDS = frozenset(
    {"id", "name", "organization", "placement", "channel_configs", "call_types", "policies", "push_notifications"}
)
# push_notifications.<service>: the stored config, the credential fields that make it enabled, and the
# fields the answer shows (besides "enabled").
PUSH_SERVICES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "apn": ("apn_config", ("auth_key", "p12_cert"),
            ("auth_type", "key_id", "team_id", "bundle_id", "host", "notification_template", "development")),
    "firebase": ("firebase_config", ("credentials_json", "server_key"),
                 ("notification_template", "apn_template", "data_template")),
    "huawei": ("huawei_config", ("secret",), ("id",)),
    "xiaomi": ("xiaomi_config", ("secret",), ("package_name",)),
}
TIMESTAMP_FIELDS = ("created_at", "updated_at", "disabled_at", "enabled_at")


def import_app_state(api_key: str, live: Mapping[str, Any], builtins: Builtins, now_ns: int) -> AppState:
    """A fresh app's state with every part that ``live`` holds replaced by it (see the module's
    docstring for the input). ``ValueError`` when a part is not in the shape the API answers with."""
    state = fresh_app_state(api_key, builtins, now_ns)
    try:
        _import_all(state, live, builtins)
    except (AttributeError, KeyError, TypeError) as exc:
        raise ValueError(f"live state not in the API's shape: {type(exc).__name__}: {exc}") from exc
    state.id_counter += ID_COUNTER_OFFSET
    return state


def _import_all(state: AppState, live: Mapping[str, Any], builtins: Builtins) -> None:
    roles = _items(live.get("roles"), "name")
    created = [role.get("created_at") for role in roles.values() if role.get("custom") is False]
    if created and created[0] is not None:
        state.created_at = timestamp_to_ns(created[0])  # built-in roles carry the app's creation time
    if "app" in live:
        _import_app(state, dict(live["app"] or {}), builtins)
    if "channel_types" in live:
        _import_channel_types(state, _items(live["channel_types"], "name"), builtins)
    state.commands = _import_named(live, "commands", "name", lambda item: item,
                                   skip=lambda name, item: name in builtins.command_names)
    state.blocklists = _import_named(live, "blocklists", "name", _blocklist,
                                     skip=lambda name, item: name == BUILTIN_BLOCKLIST_NAME)
    state.roles = {name: _role(role) for name, role in roles.items()
                   if role.get("custom") is not False or name not in builtins.roles}
    state.permissions = _import_named(
        live, "permissions", "id", _permission,
        skip=lambda name, item: item.get("custom") is False and name in builtin_permissions())
    state.push_providers = _import_named(live, "push_providers", "name", _provider)
    state.retention_policies = _import_named(live, _either(live, "policies", "retention_policies"), "policy",
                                             _policy)
    templates = _either(live, "templates", "push_templates")
    if templates in live:
        state.push_templates = _templates(live[templates])
    state.external_storages = _import_named(live, "external_storages", "name", _storage)
    if "channels" in live:
        state.channel_counts = {name: int(count) for name, count in dict(live["channels"]).items()}
    _register_granted(state, builtins)


KNOWN_KEYS = frozenset({"app", "channel_types", "commands", "blocklists", "roles", "permissions", "push_providers",
                        "policies", "retention_policies", "templates", "push_templates", "external_storages",
                        "channels"})


def unknown_keys(live: Mapping[str, Any]) -> list[str]:
    """The keys of ``live`` that ``import_app_state`` does not read (their objects are not loaded)."""
    return sorted(set(live) - KNOWN_KEYS)


def _either(live: Mapping[str, Any], key: str, snapshot_key: str) -> str:
    """The API's key for a part, or ``snapshot``'s when only that one is given."""
    return snapshot_key if key not in live and snapshot_key in live else key


def _items(collection: Any, key: str) -> dict[str, dict[str, Any]]:
    """A list of objects (each named by ``key``) or a map by name, as a map by name."""
    if collection is None:
        return {}
    if isinstance(collection, Mapping):
        return {str(name): dict(item) for name, item in collection.items()}
    return {str(item[key]): dict(item) for item in collection}


def _import_named(live: Mapping[str, Any], part: str, key: str, convert: Any,
                  skip: Any = None) -> dict[str, dict[str, Any]]:
    items = _items(live.get(part), key)
    return {name: convert(_timestamps(item)) for name, item in items.items() if skip is None or not skip(name, item)}


def _timestamps(item: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``item`` with its timestamps as integer nanoseconds, as the store holds them."""
    copied = json_copy(item)
    for name in TIMESTAMP_FIELDS:
        if copied.get(name) is not None:
            copied[name] = timestamp_to_ns(copied[name])
    return copied


# -- app settings -----------------------------------------------------------------------------------------


def _import_app(state: AppState, app: dict[str, Any], builtins: Builtins) -> None:
    if isinstance(app.get("id"), int):
        state.app_id = app["id"]
    settings: dict[str, Any] = {}
    for name, value in app.items():
        if name not in COMPUTED_APP_FIELDS and name not in SPECIAL_FIELDS and value is not None:
            settings[name] = json_copy(value)
    for name in ("sqs_secret", "sns_secret"):
        if app.get(name):
            settings[name] = _secret(app[name])
    if isinstance(app.get("datadog_info"), Mapping):
        settings["datadog_info"] = json_copy(dict(app["datadog_info"]))
    if app.get("revoke_tokens_issued_before") is not None:
        settings["revoke_tokens_issued_before"] = timestamp_to_ns(app["revoke_tokens_issued_before"])
    settings["event_hooks"] = [_hook(_timestamps(dict(hook))) for hook in app.get("event_hooks") or []]
    for name, value in _push_settings(dict(app.get("push_notifications") or {}), builtins).items():
        settings.setdefault(name, value)  # a snapshot gives the stored settings themselves
    state.settings = settings
    if app.get("grants") is not None:
        state.grants[APP_SCOPE] = _grants(app["grants"])


def _hook(hook: dict[str, Any]) -> dict[str, Any]:
    """An event hook as stored: the id and creation time an update of it keeps."""
    hook.setdefault("id", f"imported-hook-{hook.get('hook_type', '')}-{hook.get('webhook_url', '')}")
    hook.setdefault("created_at", 0)
    return hook


def _secret(value: Any) -> Any:
    """A secret as the answer gave it: the placeholder when masked, else the value itself."""
    return UNKNOWN_SECRET if value == SECRET_MASK else value


def _push_settings(push: dict[str, Any], builtins: Builtins) -> dict[str, Any]:
    """``push_notifications`` back into the UpdateApp settings it was computed from (none where it
    shows a fresh app's defaults)."""
    settings: dict[str, Any] = {}
    push_config = {"version": push.get("version"), "offline_only": bool(push.get("offline_only", False))}
    defaults = {"version": builtins.push_defaults["version"],
                "offline_only": bool(builtins.push_defaults.get("offline_only", False))}
    if push_config["version"] is not None and push_config != defaults:
        settings["push_config"] = push_config
    for service, (setting, credentials, shown) in PUSH_SERVICES.items():
        view = dict(push.get(service) or {})
        config = {name: json_copy(view[name]) for name in (*shown, *credentials) if view.get(name) is not None}
        for name in credentials:
            if name in config:
                config[name] = _secret(config[name])
        if view.get("enabled") and not any(config.get(name) for name in credentials):
            config[_credential_in_use(service, config, credentials)] = UNKNOWN_SECRET
        if {name: value for name, value in config.items() if (name, value) != ("development", False)}:
            settings[setting] = config
    return {name: value for name, value in settings.items() if name == "push_config" or name in MERGED_OBJECTS}


def _credential_in_use(service: str, config: dict[str, Any], credentials: tuple[str, ...]) -> str:
    """Which credential an enabled config must hold: an APN config's is named by its auth type."""
    if service == "apn" and config.get("auth_type") == "certificate":
        return "p12_cert"
    return credentials[0]


def _grants(grants: Mapping[str, Any]) -> dict[str, list[str]]:
    return {str(role): [str(permission) for permission in ids] for role, ids in grants.items() if ids}


# -- collections ------------------------------------------------------------------------------------------


def _import_channel_types(state: AppState, types: dict[str, dict[str, Any]], builtins: Builtins) -> None:
    state.channel_types = {}
    state.grants = {APP_SCOPE: state.grants[APP_SCOPE]}
    for name, raw in types.items():
        config = _timestamps(raw)
        grants = config.pop("grants", None)
        config["name"] = name
        config["commands"] = [_command_name(command) for command in config.get("commands") or []]
        config.setdefault("permissions", [])
        state.channel_types[name] = config
        state.grants[name] = _grants(grants) if grants is not None else builtins.grants_for_new_scope(name)


def _command_name(command: Any) -> str:
    """ListChannelTypes gives commands as objects, create/update answers (and ``snapshot``) as names."""
    return str(command["name"]) if isinstance(command, Mapping) else str(command)


def _blocklist(item: dict[str, Any]) -> dict[str, Any]:
    item.setdefault("id", item["name"])
    item.setdefault("type", "word")
    item["words"] = list(item.get("words") or [])
    return item


def _role(role: dict[str, Any]) -> dict[str, Any]:
    stored = {"name": role["name"], **{name: role[name] for name in ("created_at", "updated_at") if name in role}}
    stored = _timestamps(stored)
    stored.setdefault("created_at", 0)
    stored.setdefault("updated_at", stored["created_at"])
    if role.get("custom") is False:
        stored["custom"] = False  # a built-in role of the app that the emulator does not know
    return stored


PERMISSION_FIELDS = ("id", "name", "action", "condition", "description", "owner", "same_team")


def _permission(item: dict[str, Any]) -> dict[str, Any]:
    stored = {name: item[name] for name in PERMISSION_FIELDS if item.get(name) is not None}
    stored.setdefault("name", stored["id"])
    stored.setdefault("condition", {})
    if item.get("custom") is False:
        stored["custom"] = False  # a built-in permission of the app that the emulator does not know
    return stored


def _provider(item: dict[str, Any]) -> dict[str, Any]:
    item.setdefault("internal_id", f"imported:{item['name']}")
    return item


def _storage(item: dict[str, Any]) -> dict[str, Any]:
    """The API never returns a storage's credentials, but a storage cannot exist without them."""
    if "credentials" not in item:
        item["credentials"] = {CREDENTIALS_FIELD.get(item.get("type", ""), "credentials"): UNKNOWN_SECRET}
    item.setdefault("path", "")
    return item


def _policy(item: dict[str, Any]) -> dict[str, Any]:
    if "max_age_hours" in item:  # a stored policy (snapshot)
        return item
    return {"policy": item["policy"], "max_age_hours": item["config"]["max_age_hours"],
            "enabled_at": item.get("enabled_at", 0)}


def _templates(collection: Any) -> dict[str, dict[str, Any]]:
    """Push templates that name their provider (type and name, as ``snapshot`` gives them)."""
    items: Iterable[Any] = collection.values() if isinstance(collection, Mapping) else collection
    templates: dict[str, dict[str, Any]] = {}
    for item in items:
        template = _timestamps(dict(item))
        if "push_provider_type" not in template:
            continue  # the API's answer does not say which provider it belongs to
        template.setdefault("push_provider_name", "")
        key = template_key(template["push_provider_type"], template["push_provider_name"], template["event_type"])
        templates[key] = template
    return templates


def _register_granted(state: AppState, builtins: Builtins) -> None:
    """Roles and permissions a live grant uses, though no list showed them, are the app's built-ins
    (the API refuses a grant to anything else): known from now on, so a write keeping them is accepted."""
    for grants in state.grants.values():
        for role, permission_ids in grants.items():
            if role not in builtins.roles and role not in state.roles:
                state.roles[role] = {"name": role, "created_at": state.created_at, "updated_at": state.created_at,
                                     "custom": False}
            for permission_id in permission_ids:
                if permission_id not in builtin_permissions() and permission_id not in state.permissions:
                    state.permissions[permission_id] = {"id": permission_id, "name": permission_id,
                                                        "action": "", "condition": {}, "custom": False}
