"""App settings: GET/PATCH /api/v2/app (REFERENCE.md §4). A singleton: never created or
deleted. Only fields the API returns can be declared (write-only inputs could never be
compared); push_config is read back from push_notifications."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from stream_iac.kinds.base import (
    JSON,
    Api,
    Endpoint,
    Export,
    Fields,
    Identity,
    Kind,
    Lister,
    References,
    Replaced,
    Shape,
    StackModel,
    StackPart,
    Writes,
)
from stream_iac.kinds.common import (
    INT32_MAX,
    ROLE_NAME,
    Grants,
    Source,
    cleared_grant_roles,
    docs,
    grant_refs,
    spec,
)
from stream_iac.paths import FieldPath


class _Strict(StackPart):
    pass


class PushConfig(_Strict):
    version: Annotated[Literal["v1", "v2", "v3"], spec("PushConfig.version", "enum: v1, v2, v3")]
    offline_only: bool | None = None


class FileUploadConfig(_Strict):
    size_limit: Annotated[int, Field(ge=0, le=104857600), spec(
        "FileUploadConfig.size_limit", "format: int32, minimum: 0, maximum: 104857600")] | None = None
    allowed_file_extensions: list[str] | None = None
    blocked_file_extensions: list[str] | None = None
    allowed_mime_types: list[str] | None = None
    blocked_mime_types: list[str] | None = None


class DataDogInfo(_Strict):
    api_key: str | None = None
    enabled: bool | None = None
    site: str | None = None


# The spec types EventHook.hook_type as a plain string; these are the types Stream's own tests use.
HOOK_TYPE = Source("EventHook.hook_type: webhook, sqs, sns or pending_message (stream-py's tests against the live "
                   "API, REFERENCE.md §4)")
MAX_PENDING_MESSAGE_HOOKS = 2  # DOC:webhooks_overview (REFERENCE.md §4)


class EventHook(_Strict):
    hook_type: Annotated[Literal["webhook", "sqs", "sns", "pending_message"], HOOK_TYPE]
    enabled: bool | None = None
    event_types: list[str] | None = None
    webhook_url: str | None = None
    timeout_ms: Annotated[int, Field(ge=0, le=INT32_MAX), spec("EventHook.timeout_ms", "format: int32")] | None = None
    sqs_queue_url: str | None = None
    sqs_region: str | None = None
    sqs_auth_type: str | None = None
    sqs_key: str | None = None
    sqs_secret: str | None = None
    sqs_role_arn: str | None = None
    sns_topic_arn: str | None = None
    sns_region: str | None = None
    sns_auth_type: str | None = None
    sns_key: str | None = None
    sns_secret: str | None = None
    sns_role_arn: str | None = None
    sns_event_based_message_group_id_enabled: bool | None = None
    should_send_custom_events: bool | None = None
    product: str | None = None


class App(StackModel):
    """Stream app settings (UpdateApp). Only the fields declared here are managed."""

    async_url_enrich_enabled: bool | None = None
    auto_translation_enabled: bool | None = None
    before_message_send_hook_url: str | None = None
    before_message_send_hook_attempt_timeout_ms: Annotated[
        int, Field(ge=0, le=INT32_MAX), spec("UpdateAppRequest.before_message_send_hook_attempt_timeout_ms",
                                             "format: int32")] | None = None
    cdn_expiration_seconds: Annotated[int, Field(ge=14400, le=1209600), spec(
        "UpdateAppRequest.cdn_expiration_seconds", "format: int32, minimum: 14400, maximum: 1209600")] | None = None
    chat_primary_use_case: Annotated[
        Literal[
            "messaging",
            "customer-support",
            "community",
            "marketplace",
            "gaming",
            "telehealth",
            "on-demand",
            "workforce-management",
            "dating",
            "education",
            "financial",
            "sports",
            "real-money-gaming",
        ],
        spec("UpdateAppRequest.chat_primary_use_case", "enum"),
    ] | None = None
    custom_action_handler_url: str | None = None
    datadog_info: DataDogInfo | None = None
    disable_auth_checks: bool | None = None
    disable_permissions_checks: bool | None = None
    enforce_unique_usernames: Annotated[Literal["no", "app", "team"], spec(
        "UpdateAppRequest.enforce_unique_usernames", "enum: no, app, team")] | None = None
    event_hooks: list[EventHook] | None = None
    feed_audit_logs_enabled: bool | None = None
    file_upload_config: FileUploadConfig | None = None
    grants: Grants | None = None
    guest_user_creation_disabled: bool | None = None
    image_moderation_enabled: bool | None = None
    image_moderation_labels: list[str] | None = None
    image_upload_config: FileUploadConfig | None = None
    max_aggregated_activities_length: Annotated[int, Field(ge=0, le=INT32_MAX), spec(
        "UpdateAppRequest.max_aggregated_activities_length", "format: int32")] | None = None
    member_custom_on_messages_enabled: bool | None = None
    moderation_enabled: bool | None = None
    moderation_webhook_url: str | None = None
    multi_tenant_enabled: bool | None = None
    permission_version: Annotated[Literal["v1", "v2"], spec(
        "UpdateAppRequest.permission_version", "enum: v1, v2")] | None = None
    push_config: PushConfig | None = None
    reminders_interval: Annotated[int, Field(ge=60, le=86400), spec(
        "UpdateAppRequest.reminders_interval", "format: int32, minimum: 60, maximum: 86400")] | None = None
    sns_key: str | None = None
    sns_secret: str | None = None
    sns_topic_arn: str | None = None
    sqs_key: str | None = None
    sqs_secret: str | None = None
    sqs_url: str | None = None
    user_response_time_enabled: bool | None = None
    user_search_disallowed_roles: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64), ROLE_NAME]], Field(max_length=10),
        spec("UpdateAppRequest.user_search_disallowed_roles", "maxItems: 10")] | None = None
    video_primary_use_case: Annotated[
        Literal[
            "video-calling",
            "voice-calling",
            "livestreaming",
            "audio-rooms",
            "ai-agents",
            "live-shopping",
            "other",
        ],
        spec("UpdateAppRequest.video_primary_use_case", "enum"),
    ] | None = None
    webhook_events: list[str] | None = None
    webhook_url: str | None = None

    @field_validator("event_hooks")
    @classmethod
    def at_most_two_pending_message_hooks(cls, hooks: list[EventHook] | None) -> list[EventHook] | None:
        pending = [i for i, hook in enumerate(hooks or []) if hook.hook_type == "pending_message"]
        if len(pending) > MAX_PENDING_MESSAGE_HOOKS:
            raise ValueError(
                f"{len(pending)} hooks of hook_type pending_message (items {', '.join(map(str, pending))}), "
                f"the API allows at most {MAX_PENDING_MESSAGE_HOOKS}; "
                + docs("webhooks_overview", "up to 2 pending_message hooks").text)
        return hooks


FIELDS = frozenset(App.model_fields) - {"push_config"}
SECRET_PRESENCE = frozenset({"sqs_secret", "sns_secret"})
SECRETS = SECRET_PRESENCE | {"datadog_info.api_key", "event_hooks[].sqs_secret", "event_hooks[].sns_secret"}
HOOK_FIELDS = frozenset(EventHook.model_fields)
HOOK_SECRETS = frozenset({"sqs_secret", "sns_secret"})
# UpdateApp replaces the event_hooks list (REFERENCE.md §4); a hook sent with its id is updated
# in place, keeping its secrets when they are left out (emulator, app_settings._merge_event_hooks).
# Hook fields the request takes that the model does not hold (id, created_at, updated_at aside).
HOOK_EXTRA = frozenset({"callback", "failover_config"})


def normalise(live: JSON) -> JSON:
    out: JSON = {k: v for k, v in live.items() if k in FIELDS and v is not None}
    push = live.get("push_notifications") or {}
    if push.get("version"):
        out["push_config"] = {"version": push["version"], "offline_only": bool(push.get("offline_only"))}
    for key in SECRET_PRESENCE:
        if key in live:
            out[key] = "set" if live.get(key) else ""
    if isinstance(out.get("event_hooks"), list):
        out["event_hooks"] = [_hook(h) for h in out["event_hooks"]]
    if isinstance(out.get("datadog_info"), dict):
        out["datadog_info"] = {k: v for k, v in out["datadog_info"].items() if k != "api_key"}
    return out


def _hook(hook: Any) -> Any:
    """A live hook: the model's fields and its id (Fields.identities), never a secret."""
    if not isinstance(hook, dict):
        return hook
    return {k: v for k, v in hook.items() if (k in HOOK_FIELDS or k == "id") and v is not None
            and k not in HOOK_SECRETS}


# What GetApp reports for a new app (builtins.json app_settings_defaults; the false flags,
# reminders_interval and max_aggregated_activities_length are the values the API requires in the
# response, as a new app reports them). An export leaves fields equal to these out; a wrong guess
# only leaves a field unmanaged, never changes it. Grants are not here: every .app role is exported,
# since Stream's default grants cannot be told apart from changed ones offline.
EXPORT_DEFAULTS: JSON = {
    "async_url_enrich_enabled": False,
    "auto_translation_enabled": False,
    "cdn_expiration_seconds": 1209600,
    "disable_auth_checks": False,
    "disable_permissions_checks": False,
    "enforce_unique_usernames": "no",
    "feed_audit_logs_enabled": False,
    "file_upload_config": {"size_limit": 0},
    "guest_user_creation_disabled": False,
    "image_moderation_enabled": False,
    "image_upload_config": {"size_limit": 0},
    "max_aggregated_activities_length": 0,
    "member_custom_on_messages_enabled": False,
    "moderation_enabled": False,
    "multi_tenant_enabled": False,
    "permission_version": "v2",
    "push_config": {"version": "v3", "offline_only": False},
    "reminders_interval": 60,
    "user_response_time_enabled": False,
}


def export_secrets(live: JSON) -> tuple[FieldPath, ...]:
    """SQS/SNS secrets the API reports as set, and the secret of each event hook given a key."""
    paths: list[FieldPath] = [(key,) for key in sorted(SECRET_PRESENCE) if live.get(key) == "set"]
    for index, hook in enumerate(live.get("event_hooks") or []):
        for service in ("sqs", "sns"):
            if isinstance(hook, dict) and hook.get(f"{service}_key"):
                paths.append(("event_hooks", index, f"{service}_secret"))
    return tuple(paths)


def references(body: JSON) -> list[tuple[str, str]]:
    refs = grant_refs(body.get("grants"))
    refs.extend(("roles", role) for role in body.get("user_search_disallowed_roles") or [])
    return refs


KIND = Kind(
    name="app",
    shape=Shape(model=App, normalise=normalise, layout="singleton", noun="app"),
    api=Api(
        read=Lister(op="GetApp", path="/app", key="app", name_field=None),
        update=Endpoint("UpdateApp", "PATCH", "/app"),
    ),
    fields=Fields(
        sets=frozenset(
            {
                "grants.*",
                "webhook_events",
                "image_moderation_labels",
                "user_search_disallowed_roles",
                "event_hooks[].event_types",
                "file_upload_config.allowed_file_extensions",
                "file_upload_config.blocked_file_extensions",
                "file_upload_config.allowed_mime_types",
                "file_upload_config.blocked_mime_types",
                "image_upload_config.allowed_file_extensions",
                "image_upload_config.blocked_file_extensions",
                "image_upload_config.allowed_mime_types",
                "image_upload_config.blocked_mime_types",
            }
        ),
        secrets=SECRETS,
        secret_presence=SECRET_PRESENCE,
        merge_maps=frozenset({"grants"}),
        identities={"event_hooks": Identity("id", match=("hook_type",))},
    ),
    writes=Writes(
        replaces=(Replaced("event_hooks[]", extra=HOOK_EXTRA),),
        kept_secrets=frozenset(f"event_hooks[].{secret}" for secret in HOOK_SECRETS),
    ),
    refs=References(find=references, ordering=lambda body: cleared_grant_roles(body.get("grants"))),
    export=Export(defaults=lambda name, live: EXPORT_DEFAULTS, secrets=export_secrets),
)
