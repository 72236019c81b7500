"""GetApp / UpdateApp."""

from __future__ import annotations

import json
from typing import Any

from ..pipeline.errors import bad_request
from ..pipeline.request_schemas import EVENT_HOOK, UPDATE_APP
from ..store.builtins import APP_SCOPE, Builtins
from ..store.state import AppState
from .channel_types import channel_config_view
from .common import (
    Context,
    Result,
    apply_grants,
    is_multi_tenant,
    json_copy,
    mask,
    ok,
    timestamp_to_ns,
    validate_grants,
)

# Accepted by UpdateApp but not part of the GetApp response.
WRITE_ONLY_FIELDS = frozenset(
    {
        "apn_config", "firebase_config", "huawei_config", "xiaomi_config", "push_config", "async_moderation_config",
        "channel_hide_members_only", "enable_hook_payload_compression", "feeds_moderation_enabled",
        "feeds_v2_region", "image_moderation_block_labels", "migrate_permissions_to_v2",
        "moderation_analytics_enabled", "reminders_max_members", "reminders_max_per_user",
    }
)
# Built specially for the response (secrets masked or omitted, server-assigned values).
SPECIAL_FIELDS = frozenset(
    {"grants", "event_hooks", "datadog_info", "sqs_secret", "sns_secret", "revoke_tokens_issued_before"}
)
MERGED_OBJECTS = ("apn_config", "firebase_config", "huawei_config", "xiaomi_config", "datadog_info")
HOOK_SECRETS = ("sqs_secret", "sns_secret")
PROVIDER_PUSH_VERSIONS = ("v2", "v3")
APP_ORGANIZATION = "stream-emulator"
APP_PLACEMENT = "local"


# -- reading --------------------------------------------------------------------------------------------


def get_app(ctx: Context) -> Result:
    """GetApp: GET /app -> 200 ``{"app": App}``: the built-in defaults overlaid with the stored
    settings, plus ``channel_configs``, the ``.app`` scope's ``grants``, ``push_notifications`` and
    ``event_hooks``. Secrets are masked (``"********"``) or left out.
    """
    return ok({"app": app_view(ctx.state, ctx.builtins, ctx.api_key, reveal_secrets=False)})


def app_view(state: AppState, builtins: Builtins, api_key: str, reveal_secrets: bool) -> dict[str, Any]:
    """The app as GetApp shows it; with ``reveal_secrets`` (the test snapshot: never on the wire), its
    secrets and the write-only settings stored too."""
    settings = state.settings
    view: dict[str, Any] = json_copy(builtins.app_defaults)
    for name, value in settings.items():
        if name not in SPECIAL_FIELDS and (reveal_secrets or name not in WRITE_ONLY_FIELDS):
            view[name] = json_copy(value)
    view.update(
        id=state.app_id,
        name=api_key,
        organization=APP_ORGANIZATION,
        placement=APP_PLACEMENT,
        grants=json_copy(state.grants.get(APP_SCOPE, {})),
        channel_configs={name: channel_config_view(state, config) for name, config in state.channel_types.items()},
        call_types={},
        policies={},
        push_notifications=push_notifications_view(settings, builtins, reveal_secrets),
        event_hooks=[hook_view(hook, reveal_secrets) for hook in settings.get("event_hooks", [])],
    )
    for secret in ("sqs_secret", "sns_secret"):
        value = settings.get(secret, "")
        view[secret] = value if reveal_secrets else mask(value)
    if "datadog_info" in settings:
        view["datadog_info"] = _without(settings["datadog_info"], () if reveal_secrets else ("api_key",))
    if "revoke_tokens_issued_before" in settings:
        view["revoke_tokens_issued_before"] = settings["revoke_tokens_issued_before"]
    return view


def _without(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {key: json_copy(value) for key, value in data.items() if key not in names}


def hook_view(hook: dict[str, Any], reveal_secrets: bool) -> dict[str, Any]:
    if reveal_secrets:
        return json_copy(hook)
    view = _without(hook, HOOK_SECRETS)
    if "failover_config" in view:
        view["failover_config"] = _without(view["failover_config"], ("gcs_credentials",))
    return view


def push_notifications_view(settings: dict[str, Any], builtins: Builtins, reveal: bool) -> dict[str, Any]:
    push_config = {**builtins.push_defaults, **settings.get("push_config", {})}
    apn = settings.get("apn_config", {})
    firebase = settings.get("firebase_config", {})
    huawei = settings.get("huawei_config", {})
    xiaomi = settings.get("xiaomi_config", {})
    apn_view = {"enabled": _enabled(apn, "auth_key", "p12_cert"), "development": bool(apn.get("development", False))}
    apn_view.update(_pick(apn, ("auth_type", "key_id", "team_id", "bundle_id", "host", "notification_template")))
    firebase_view = {"enabled": _enabled(firebase, "credentials_json", "server_key")}
    firebase_view.update(_pick(firebase, ("notification_template", "apn_template", "data_template")))
    huawei_view = {"enabled": _enabled(huawei, "secret") and bool(huawei.get("id"))}
    huawei_view.update(_pick(huawei, ("id",)))
    xiaomi_view = {"enabled": _enabled(xiaomi, "secret") and bool(xiaomi.get("package_name"))}
    xiaomi_view.update(_pick(xiaomi, ("package_name",)))
    if reveal:
        apn_view.update(_pick(apn, ("auth_key", "p12_cert")))
        firebase_view.update(_pick(firebase, ("credentials_json", "server_key")))
        huawei_view.update(_pick(huawei, ("secret",)))
        xiaomi_view.update(_pick(xiaomi, ("secret",)))
    return {
        "version": push_config["version"],
        "offline_only": bool(push_config.get("offline_only", False)),
        "apn": apn_view,
        "firebase": firebase_view,
        "huawei": huawei_view,
        "xiaomi": xiaomi_view,
    }


def _enabled(config: dict[str, Any], *credential_fields: str) -> bool:
    return not config.get("Disabled", False) and any(config.get(name) for name in credential_fields)


def _pick(config: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: config[name] for name in names if name in config}


def push_version(settings: dict[str, Any], builtins: Builtins) -> str:
    version: str = settings.get("push_config", {}).get("version", builtins.push_defaults["version"])
    return version


# -- writing --------------------------------------------------------------------------------------------


def update_app(ctx: Context) -> Result:
    """UpdateApp: PATCH /app with an UpdateAppRequest body -> 200 with no settings echoed.

    Only the given fields change: the apn/firebase/huawei/xiaomi configs and ``datadog_info`` are
    merged field by field; ``event_hooks`` replaces the list (a hook sent with a known id keeps its
    omitted secrets and ``created_at``) - or, with ``explicit_event_hooks_deletion: true`` (classic JS
    SDK), is merged into it by id, hooks sent with ``delete: true`` removed and the others kept;
    ``grants`` replaces per role, ``[]`` removes a role's grants and ``null`` resets the scope; turning
    ``multi_tenant_enabled`` on gives the ``global_*`` roles their default grants in every scope where
    they have none. 400/4 on a bad field, an unknown role or permission in ``grants``, push
    credentials the app's push version refuses, or more than 2 ``pending_message`` hooks.
    """
    body = ctx.validated_body(UPDATE_APP)
    settings = ctx.state.settings
    if body.get("multi_tenant_enabled") and not is_multi_tenant(ctx.state):
        settings["multi_tenant_enabled"] = True
        _add_multi_tenant_grants(ctx)
    if "grants" in body:
        _update_app_grants(ctx, body["grants"])
    if body.get("push_config") is not None:
        settings["push_config"] = dict(body["push_config"])
    version = push_version(settings, ctx.builtins)
    for name in MERGED_OBJECTS:
        if body.get(name) is not None:
            given_fields = {key: value for key, value in body[name].items() if value is not None}
            settings[name] = {**settings.get(name, {}), **json_copy(given_fields)}
    _check_push_credentials(settings, body, version)
    if body.get("event_hooks") is not None:
        explicit = bool(body.get("explicit_event_hooks_deletion"))
        settings["event_hooks"] = _merge_event_hooks(ctx, settings.get("event_hooks", []), body["event_hooks"],
                                                     explicit)
    if "revoke_tokens_issued_before" in body:
        _set_revoke_tokens(settings, body["revoke_tokens_issued_before"])
    if body.get("migrate_permissions_to_v2"):
        settings["permission_version"] = "v2"
    handled = {"grants", "push_config", "event_hooks", "revoke_tokens_issued_before", *MERGED_OBJECTS}
    for name, value in UPDATE_APP.without_extensions(body).items():
        if name not in handled and value is not None:
            settings[name] = json_copy(value)
    return ok()  # UpdateApp is declared 200 and echoes no settings


def _update_app_grants(ctx: Context, change: dict[str, Any] | None) -> None:
    if change is not None:
        validate_grants(change, ctx.state, ctx.builtins)
    current = ctx.state.grants.get(APP_SCOPE, {})
    defaults = ctx.builtins.grants_for_new_scope(APP_SCOPE, is_multi_tenant(ctx.state))
    ctx.state.grants[APP_SCOPE] = apply_grants(current, change, defaults)


def _add_multi_tenant_grants(ctx: Context) -> None:
    """Multi-tenancy adds the ``global_*`` roles' default grants to the ``.app`` scope and every channel
    type's (custom types get ``messaging``'s); a role that already has grants in a scope keeps them.
    Turning multi-tenancy off again leaves grants as they are."""
    for scope, grants in ctx.state.grants.items():
        for role, permission_ids in ctx.builtins.multi_tenant_grants_for(scope).items():
            if not grants.get(role):
                grants[role] = permission_ids


def _check_push_credentials(settings: dict[str, Any], body: dict[str, Any], version: str) -> None:
    apn = body.get("apn_config")
    if apn is not None:
        merged_apn = settings["apn_config"]
        if merged_apn.get("auth_type") == "certificate" and version in PROVIDER_PUSH_VERSIONS:
            raise bad_request(f"APN certificate authentication is not supported with push {version}, use token auth")
        if merged_apn.get("auth_type") == "token" and not merged_apn.get("Disabled", False):
            missing = [name for name in ("auth_key", "key_id", "team_id", "bundle_id") if not merged_apn.get(name)]
            if missing:
                raise bad_request(f"APN token authentication requires {', '.join(missing)}")
    firebase = body.get("firebase_config")
    if firebase is not None:
        if firebase.get("server_key") and version in PROVIDER_PUSH_VERSIONS:
            raise bad_request(f"firebase server_key is not supported with push {version}, use credentials_json")
        if firebase.get("credentials_json") and not _is_json_object(firebase["credentials_json"]):
            raise bad_request("firebase credentials are invalid")


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _merge_event_hooks(
    ctx: Context, existing: list[dict[str, Any]], hooks: list[dict[str, Any]], explicit_deletion: bool
) -> list[Any]:
    """The list replaces the old one; a hook sent with a known id keeps its omitted secrets and created_at.
    With ``explicit_deletion`` the hooks sent are merged into the old list by id instead, and a hook sent
    with ``delete: true`` is removed."""
    by_id = {hook["id"]: hook for hook in existing if "id" in hook}
    merged: dict[str, dict[str, Any]] = {hook["id"]: hook for hook in existing} if explicit_deletion else {}
    for hook in hooks:
        new_hook = {key: json_copy(value) for key, value in EVENT_HOOK.without_extensions(hook).items()
                    if value is not None}
        if hook.get("delete"):
            merged.pop(new_hook.get("id", ""), None)
            continue
        new_hook.pop("created_at", None)
        new_hook.pop("updated_at", None)
        previous = by_id.get(new_hook.get("id", ""))
        if previous is None:
            new_hook.setdefault("id", ctx.state.new_id(ctx.api_key, "hook"))
            new_hook["created_at"] = ctx.now_ns
        else:
            new_hook["created_at"] = previous["created_at"]
            for secret in HOOK_SECRETS:
                if secret not in new_hook and secret in previous:
                    new_hook[secret] = previous[secret]
            _keep_failover_credentials(new_hook, previous)
        new_hook.setdefault("enabled", True)
        new_hook.setdefault("event_types", [])
        new_hook["updated_at"] = ctx.now_ns
        merged[new_hook["id"]] = new_hook
    result = list(merged.values())
    if sum(1 for hook in result if hook.get("hook_type") == "pending_message") > 2:
        raise bad_request("at most 2 pending_message hooks are allowed")
    return result


def _keep_failover_credentials(hook: dict[str, Any], previous: dict[str, Any]) -> None:
    """A known hook sent with a failover config that leaves out ``gcs_credentials`` keeps the stored
    ones, as it keeps its other secrets (assumed: Stream never returns them, so a client cannot
    send them back)."""
    failover, before = hook.get("failover_config"), previous.get("failover_config") or {}
    if isinstance(failover, dict) and "gcs_credentials" not in failover and "gcs_credentials" in before:
        failover["gcs_credentials"] = before["gcs_credentials"]


def _set_revoke_tokens(settings: dict[str, Any], value: Any) -> None:
    if value is None:
        settings.pop("revoke_tokens_issued_before", None)
    else:
        settings["revoke_tokens_issued_before"] = timestamp_to_ns(value)
