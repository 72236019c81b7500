"""App settings: GET/PATCH /api/v2/app (REFERENCE.md §4). A singleton: never created or
deleted. Fields the API never returns are write-only (Fields.write_only): never compared, sent
only with --resend-write-only (an update of the app changes only the fields it names). push_config
and the non-secret parts of the single push configs are read back from push_notifications."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from stream_iac.kinds.base import (
    JSON,
    Api,
    Checks,
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
from stream_iac.kinds.checks import app_calls
from stream_iac.kinds.common import (
    INT32_MAX,
    ROLE_NAME,
    Grants,
    Source,
    Timestamp,
    cleared_grant_roles,
    docs,
    grant_refs,
    json_object_problem,
    spec,
    timestamp_text,
)
from stream_iac.kinds.default_grants import APP_SCOPE, default_grants
from stream_iac.paths import FieldPath


class _Strict(StackPart):
    pass


# REFERENCE.md §4 (UpdateApp, apn_config and firebase_config; Stream's JS SDK tests against the live API).
APN_TOKEN_FIELDS = ("auth_key", "key_id", "team_id", "bundle_id")
APN_TOKEN_SOURCE = Source('Stream\'s live API tests (REFERENCE.md §4): token authentication "requires '
                          'auth_key, key_id, team_id and bundle_id", else 400')
FIREBASE_CREDENTIALS_SOURCE = Source('REFERENCE.md §4: firebase_config "invalid creds ⇒ 400" (the service-account '
                                     "JSON)")
PUSH_V1_ONLY = Source('REFERENCE.md §4: apn_config "cert auth rejected when push v2", firebase_config "server_key '
                      'rejected when push v2"')


class PushConfig(_Strict):
    version: Annotated[Literal["v1", "v2", "v3"], spec("PushConfig.version", "enum: v1, v2, v3")]
    """Which push system the app uses: v1 sends through the single apn/firebase/huawei/xiaomi
    configs of the app; v2 and v3 through named push providers (`push_providers`). A new app is on v3."""
    offline_only: bool | None = None
    """Send push notifications only to users who are not connected at the moment (default false)."""


class FileUploadConfig(_Strict):
    size_limit: Annotated[int, Field(ge=0, le=104857600), spec(
        "FileUploadConfig.size_limit", "format: int32, minimum: 0, maximum: 104857600")] | None = None
    """Largest upload accepted, in bytes (0–104857600, i.e. up to 100 MiB); 0, the default, means
    the platform's own maximum."""
    allowed_file_extensions: list[str] | None = None
    """File extensions uploads may have (e.g. `.pdf`); empty allows every extension not blocked."""
    blocked_file_extensions: list[str] | None = None
    """File extensions refused on upload (e.g. `.exe`)."""
    allowed_mime_types: list[str] | None = None
    """MIME types uploads may have (e.g. `image/png`); empty allows every type not blocked. For
    images, Stream only lets this narrow its own list of image types."""
    blocked_mime_types: list[str] | None = None
    """MIME types refused on upload."""


class DataDogInfo(_Strict):
    api_key: str | None = None
    """The Datadog API key Stream reports the app's metrics with."""
    enabled: bool | None = None
    """Whether Stream sends the app's metrics to Datadog."""
    site: str | None = None
    """The Datadog site the key belongs to (e.g. `datadoghq.eu`)."""


class CallbackConfig(_Strict):
    mode: Annotated[Literal["CALLBACK_MODE_NONE", "CALLBACK_MODE_REST", "CALLBACK_MODE_TWIRP"], spec(
        "AsyncModerationCallbackConfig.mode", "enum: CALLBACK_MODE_NONE, CALLBACK_MODE_REST, CALLBACK_MODE_TWIRP"
    )] | None = None
    """How Stream calls back: not at all (CALLBACK_MODE_NONE), with a JSON POST
    (CALLBACK_MODE_REST) or over Twirp (CALLBACK_MODE_TWIRP)."""
    server_url: str | None = None
    """The URL Stream calls back."""


class FailoverConfig(_Strict):
    type: str | None = None
    """Where events the hook could not deliver are kept instead (`gcs`: a Google Cloud Storage bucket)."""
    gcs_bucket: str | None = None
    """The Google Cloud Storage bucket undelivered events are written to."""
    gcs_path: str | None = None
    """The path prefix inside that bucket."""
    gcs_credentials: str | None = None
    """The service-account key (JSON) Stream writes to the bucket with."""


class AsyncModerationConfig(_Strict):
    timeout_ms: Annotated[int, Field(ge=0, le=INT32_MAX), spec(
        "AsyncModerationConfiguration.timeout_ms", "format: int32")] | None = None
    """How long Stream waits for the asynchronous moderation answer, in milliseconds."""
    callback: CallbackConfig | None = None
    """Where Stream sends asynchronous moderation results."""


class ApnConfig(_Strict):
    """The app's single (nameless) APN configuration, used on push v1."""

    auth_type: Annotated[Literal["certificate", "token"], spec(
        "APNConfig.auth_type", "enum: certificate, token")] | None = None
    """How Stream authenticates to Apple: with a .p8 key (`token`, needs key_id, team_id and
    bundle_id) or a .p12 certificate (`certificate`, push v1 only)."""
    auth_key: str | None = None
    """The .p8 key text, for token authentication."""
    p12_cert: str | None = None
    """The .p12 certificate (base64), for certificate authentication."""
    key_id: str | None = None
    """The id of the .p8 key in Apple's developer account."""
    team_id: str | None = None
    """The Apple developer team id."""
    bundle_id: str | None = None
    """The app's bundle id, the topic notifications are sent to."""
    development: bool | None = None
    """Send through Apple's development (sandbox) servers (default false: production)."""
    host: str | None = None
    """Another APN host to send through (empty: Apple's)."""
    notification_template: str | None = None
    """The template of the APN payload, in Stream's template language (empty: Stream's default)."""
    Disabled: bool | None = None
    """Stop sending through this configuration while keeping it (the API's own capitalised name)."""

    @model_validator(mode="after")
    def token_auth_is_complete(self) -> ApnConfig:
        """Stream refuses token authentication without the key, its id, the team id and the bundle id."""
        if self.auth_type != "token" or self.Disabled:
            return self
        missing = [name for name in APN_TOKEN_FIELDS if not getattr(self, name)]
        if missing:
            raise ValueError(f"token authentication needs {', '.join(missing)}; {APN_TOKEN_SOURCE.text}")
        return self


class FirebaseConfig(_Strict):
    """The app's single (nameless) Firebase configuration, used on push v1."""

    credentials_json: str | None = None
    """The service-account key file (JSON) of the Firebase project."""
    server_key: str | None = None
    """The legacy Firebase server key (push v1 only; v2 and v3 need credentials_json)."""
    notification_template: str | None = None
    """The template of the notification part, in Stream's template language (empty: Stream's default)."""
    apn_template: str | None = None
    """The template of the APNs part Firebase forwards to iOS devices."""
    data_template: str | None = None
    """The template of the data part."""
    Disabled: bool | None = None
    """Stop sending through this configuration while keeping it (the API's own capitalised name)."""

    @field_validator("credentials_json")
    @classmethod
    def credentials_are_a_json_object(cls, value: str | None) -> str | None:
        problem = json_object_problem(value, "the service-account key file", FIREBASE_CREDENTIALS_SOURCE)
        if problem:
            raise ValueError(problem)
        return value


class HuaweiConfig(_Strict):
    """The app's single (nameless) Huawei Push Kit configuration, used on push v1."""

    id: str | None = None
    """The Huawei app id."""
    secret: str | None = None
    """The Huawei app secret."""
    Disabled: bool | None = None
    """Stop sending through this configuration while keeping it (the API's own capitalised name)."""


class XiaomiConfig(_Strict):
    """The app's single (nameless) Xiaomi push configuration, used on push v1."""

    package_name: str | None = None
    """The Android package name registered with Xiaomi."""
    secret: str | None = None
    """The Xiaomi app secret."""
    Disabled: bool | None = None
    """Stop sending through this configuration while keeping it (the API's own capitalised name)."""


class OverviewDashboard(_Strict):
    default_date_range_days: Annotated[int, Field(ge=0, le=INT32_MAX), spec(
        "OverviewDashboardConfig.default_date_range_days", "format: int32")] | None = None
    """How many days the overview shows when it opens."""
    visible_charts: list[str] | None = None
    """The charts the overview shows, in order."""


class ModerationDashboardPreferences(_Strict):
    """How Stream's moderation dashboard behaves for the app."""

    allowed_moderation_action_reasons: list[str] | None = None
    """The reasons a moderator can pick from when acting on content."""
    async_review_queue_upsert: bool | None = None
    """Add items to the review queue asynchronously."""
    block_foreign_cdn_attachments: bool | None = None
    """Do not show attachments hosted outside Stream's CDN in the dashboard."""
    custom_views_enabled: bool | None = None
    """Let moderators save their own filtered views of the queue."""
    disable_audit_logs: bool | None = None
    """Stop recording moderators' actions in the audit log."""
    disable_flagging_reviewed_entity: bool | None = None
    """Do not put content back in the queue when it is flagged again after a review."""
    escalation_queue_enabled: bool | None = None
    """Have a separate queue for escalated items."""
    escalation_reasons: list[str] | None = None
    """The reasons a moderator can pick from when escalating."""
    filterable_custom_keys: list[str] | None = None
    """Custom data keys the queue can be filtered by."""
    flag_user_on_flagged_content: bool | None = None
    """Flag the author too when their content is flagged."""
    include_attachment_payload: bool | None = None
    """Show the attachments' data with reviewed messages."""
    keyframe_classifications_map: dict[str, dict[str, bool]] | None = None
    """For video key frames: which classification labels are on, by category."""
    media_queue_blur_enabled: bool | None = None
    """Blur images and videos in the queue until a moderator reveals them."""
    overview_dashboard: OverviewDashboard | None = None
    """The overview page's settings."""


# The spec types EventHook.hook_type as a plain string; these are the types Stream's own tests use.
HOOK_TYPE = Source("EventHook.hook_type: webhook, sqs, sns or pending_message (stream-py's tests against the live "
                   "API, REFERENCE.md §4)")
MAX_PENDING_MESSAGE_HOOKS = 2  # DOC:webhooks_overview (REFERENCE.md §4)


class EventHook(_Strict):
    """One destination of the app's events. Stream gives each hook an id, which the stack does not
    name: a declared hook is matched to a live one by its fields."""

    hook_type: Annotated[Literal["webhook", "sqs", "sns", "pending_message"], HOOK_TYPE]
    """Where events go: an HTTP endpoint (webhook), an AWS SQS queue (sqs), an AWS SNS topic (sns),
    or the endpoint that decides on messages held as pending (pending_message; at most 2)."""
    enabled: bool | None = None
    """Whether the hook receives events (default true)."""
    event_types: list[str] | None = None
    """The event types sent (e.g. `message.new`); empty, the default, sends every type."""
    webhook_url: str | None = None
    """The URL events are POSTed to (webhook and pending_message hooks)."""
    timeout_ms: Annotated[int, Field(ge=0, le=INT32_MAX), spec("EventHook.timeout_ms", "format: int32")] | None = None
    """How long Stream waits for the endpoint to answer, in milliseconds."""
    callback: CallbackConfig | None = None
    """How a pending_message hook's endpoint answers back."""
    failover_config: FailoverConfig | None = None
    """Where events are kept when the hook cannot deliver them."""
    sqs_queue_url: str | None = None
    """The URL of the SQS queue (sqs hooks)."""
    sqs_region: str | None = None
    """The AWS region of the queue."""
    sqs_auth_type: str | None = None
    """How Stream authenticates to SQS, e.g. `keys` (with sqs_key and sqs_secret); with an IAM role,
    sqs_role_arn names it."""
    sqs_key: str | None = None
    """The AWS access key id, for keys authentication."""
    sqs_secret: str | None = None
    """The AWS secret access key, for keys authentication."""
    sqs_role_arn: str | None = None
    """The ARN of the IAM role Stream assumes, for role authentication."""
    sns_topic_arn: str | None = None
    """The ARN of the SNS topic (sns hooks)."""
    sns_region: str | None = None
    """The AWS region of the topic."""
    sns_auth_type: str | None = None
    """How Stream authenticates to SNS, e.g. `keys` (with sns_key and sns_secret); with an IAM role,
    sns_role_arn names it."""
    sns_key: str | None = None
    """The AWS access key id, for keys authentication."""
    sns_secret: str | None = None
    """The AWS secret access key, for keys authentication."""
    sns_role_arn: str | None = None
    """The ARN of the IAM role Stream assumes, for role authentication."""
    sns_event_based_message_group_id_enabled: bool | None = None
    """For FIFO topics: group messages by event rather than by channel."""
    should_send_custom_events: bool | None = None
    """Also send custom events (sent by clients with their own type)."""
    product: str | None = None
    """The Stream product whose events the hook receives (e.g. `chat`, `video`, `feeds`)."""


class App(StackModel):
    """Stream app settings (UpdateApp). Only the fields declared here are managed."""

    activity_metrics_config: dict[str, Annotated[int, Field(ge=0, le=INT32_MAX), spec(
        "UpdateAppRequest.activity_metrics_config", "additionalProperties: format: int32")]] | None = None
    """Settings of the activity metrics Stream keeps for the app, by metric name (whole numbers)."""
    allowed_flag_reasons: list[str] | None = None
    """The reasons users may give when they flag a message or a user, app-wide."""
    apn_config: ApnConfig | None = None
    """The app's single APN configuration (push v1). Its credentials are never returned; the
    other fields are, through the app's push settings."""
    async_moderation_config: AsyncModerationConfig | None = None
    """How Stream's asynchronous moderation answers back."""
    async_url_enrich_enabled: bool | None = None
    """Enrich URLs in messages (link previews) after the message is sent, rather than before (default false)."""
    auto_translation_enabled: bool | None = None
    """Translate every message into the languages of the channel's members (default false)."""
    before_message_send_hook_url: str | None = None
    """A URL Stream calls with each message before sending it, which can change or refuse it."""
    before_message_send_hook_attempt_timeout_ms: Annotated[
        int, Field(ge=0, le=INT32_MAX), spec("UpdateAppRequest.before_message_send_hook_attempt_timeout_ms",
                                             "format: int32")] | None = None
    """How long Stream waits for the before-message-send hook, per attempt, in milliseconds."""
    cdn_expiration_seconds: Annotated[int, Field(ge=14400, le=1209600), spec(
        "UpdateAppRequest.cdn_expiration_seconds", "format: int32, minimum: 14400, maximum: 1209600")] | None = None
    """How long signed CDN links of uploaded files stay valid, in seconds (14400–1209600, 4 hours
    to 14 days; default 1209600)."""
    channel_hide_members_only: bool | None = None
    """Limit hiding a channel (hide/show) to the channel's members."""
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
    """What the app mainly uses chat for (informs Stream's defaults and support)."""
    custom_action_handler_url: str | None = None
    """The URL Stream calls when a user runs a custom command or message action."""
    datadog_info: DataDogInfo | None = None
    """Sending the app's metrics to Datadog."""
    disable_auth_checks: bool | None = None
    """Accept client requests without checking their user token (development only; default false)."""
    disable_permissions_checks: bool | None = None
    """Let every client request through without checking permissions (development only; default false)."""
    enable_hook_payload_compression: bool | None = None
    """Compress the bodies of the requests Stream sends to webhooks."""
    enforce_unique_usernames: Annotated[Literal["no", "app", "team"], spec(
        "UpdateAppRequest.enforce_unique_usernames", "enum: no, app, team")] | None = None
    """Refuse a user name already taken: never (`no`, the default), across the app (`app`) or within a team (`team`)."""
    event_hooks: list[EventHook] | None = None
    """Where the app's events are sent (webhooks, SQS, SNS, pending-message hooks). The API replaces
    the whole list; hooks live but not declared are removed."""
    feed_audit_logs_enabled: bool | None = None
    """Keep an audit log of changes to activity feeds (default false)."""
    feeds_moderation_enabled: bool | None = None
    """Moderate activity-feed content."""
    feeds_v2_region: str | None = None
    """The region that holds the app's activity feeds (v2)."""
    file_upload_config: FileUploadConfig | None = None
    """Which files users may upload."""
    firebase_config: FirebaseConfig | None = None
    """The app's single Firebase configuration (push v1). Its credentials are never returned; its
    templates are, through the app's push settings."""
    grants: Grants | None = None
    """App-wide permissions by role (`role: [permission ids]`): each role listed has its grants
    replaced, `[]` removes a role's grants, roles not listed keep theirs."""
    guest_user_creation_disabled: bool | None = None
    """Refuse the creation of guest users (default false)."""
    huawei_config: HuaweiConfig | None = None
    """The app's single Huawei configuration (push v1). Its secret is never returned; its app id is."""
    image_moderation_block_labels: list[str] | None = None
    """Image moderation labels that block the message (rather than flag it)."""
    image_moderation_enabled: bool | None = None
    """Check uploaded images with image moderation (default false)."""
    image_moderation_labels: list[str] | None = None
    """Image moderation labels that flag an image."""
    image_upload_config: FileUploadConfig | None = None
    """Which images users may upload."""
    max_aggregated_activities_length: Annotated[int, Field(ge=0, le=INT32_MAX), spec(
        "UpdateAppRequest.max_aggregated_activities_length", "format: int32")] | None = None
    """Most activities kept in one aggregated feed group (0, the default: Stream's own limit)."""
    member_custom_on_messages_enabled: bool | None = None
    """Include channel members' custom data in the messages they send (default false)."""
    moderation_analytics_enabled: bool | None = None
    """Collect analytics on moderation."""
    moderation_dashboard_preferences: ModerationDashboardPreferences | None = None
    """How Stream's moderation dashboard behaves for the app."""
    moderation_enabled: bool | None = None
    """Use Stream's moderation product (default false)."""
    moderation_onboarding_complete: bool | None = None
    """Whether the moderation dashboard's first-time setup is done."""
    moderation_s3_image_access_role_arn: str | None = None
    """The ARN of an IAM role that lets moderation read images stored in your own S3 bucket."""
    moderation_webhook_url: str | None = None
    """The URL moderation events are sent to."""
    multi_tenant_enabled: bool | None = None
    """Separate users and channels into teams (default false). Turning it on adds the global_* roles' grants."""
    permission_version: Annotated[Literal["v1", "v2"], spec(
        "UpdateAppRequest.permission_version", "enum: v1, v2")] | None = None
    """Which permission system the app uses: v1 (policies on channel types) or v2 (grants; the default)."""
    push_config: PushConfig | None = None
    """The app's push system version and whether push goes to offline users only."""
    reminders_interval: Annotated[int, Field(ge=60, le=86400), spec(
        "UpdateAppRequest.reminders_interval", "format: int32, minimum: 60, maximum: 86400")] | None = None
    """How often Stream checks for message reminders that are due, in seconds (60–86400; default 60)."""
    reminders_max_members: Annotated[int, Field(ge=2, le=INT32_MAX), spec(
        "UpdateAppRequest.reminders_max_members", "format: int32, minimum: 2")] | None = None
    """Channels with more members than this get no unread-message reminders (at least 2)."""
    reminders_max_per_user: Annotated[int, Field(ge=1, le=100000), spec(
        "UpdateAppRequest.reminders_max_per_user", "format: int32, minimum: 1, maximum: 100000")] | None = None
    """Most message reminders one user may have pending (1–100000)."""
    revoke_tokens_issued_before: Timestamp | None = None
    """Refuse every user token issued before this moment (RFC 3339, e.g. `2025-01-31T00:00:00Z`)."""
    sns_key: str | None = None
    """The AWS access key id of the app-wide SNS destination."""
    sns_secret: str | None = None
    """The AWS secret access key of the app-wide SNS destination."""
    sns_topic_arn: str | None = None
    """The ARN of the SNS topic app events are published to."""
    sqs_key: str | None = None
    """The AWS access key id of the app-wide SQS destination."""
    sqs_secret: str | None = None
    """The AWS secret access key of the app-wide SQS destination."""
    sqs_url: str | None = None
    """The URL of the SQS queue app events are sent to."""
    user_response_time_enabled: bool | None = None
    """Track how fast users answer messages (default false)."""
    user_search_disallowed_roles: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64), ROLE_NAME]], Field(max_length=10),
        spec("UpdateAppRequest.user_search_disallowed_roles", "maxItems: 10")] | None = None
    """Roles whose users may not search for other users (at most 10 roles)."""
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
    """What the app mainly uses video for."""
    webhook_events: list[str] | None = None
    """The event types sent to webhook_url (empty: every type)."""
    webhook_url: str | None = None
    """The URL app events are POSTed to (the single webhook; event_hooks can hold more)."""
    xiaomi_config: XiaomiConfig | None = None
    """The app's single Xiaomi configuration (push v1). Its secret is never returned; its package name is."""

    @model_validator(mode="after")
    def push_v1_credentials_need_push_v1(self) -> App:
        """APN certificates and Firebase server keys work on push v1 only: the stack must say so
        (the app's live version is not known here, and a new app is on v3)."""
        version = self.push_config.version if self.push_config else None
        uses = []
        if self.apn_config and self.apn_config.auth_type == "certificate":
            uses.append("apn_config.auth_type certificate")
        if self.firebase_config and self.firebase_config.server_key:
            uses.append("firebase_config.server_key")
        if uses and version != "v1":
            found = f"push_config.version is {version}" if version else "the stack does not set push_config.version"
            raise ValueError(f"{' and '.join(uses)} work only on push v1, and {found}: declare "
                             f"push_config: {{version: v1}} (or use token authentication / credentials_json); "
                             f"{PUSH_V1_ONLY.text}")
        return self

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


# The app's single push configurations (push v1): UpdateApp takes them, GetApp reports what is not
# secret under push_notifications (REFERENCE.md §4), so those parts are compared. Config → (its
# key under push_notifications, the fields reported there, its credentials).
PUSH_CONFIGS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "apn_config": ("apn", ("auth_type", "key_id", "team_id", "bundle_id", "development", "host",
                           "notification_template"), ("auth_key", "p12_cert")),
    "firebase_config": ("firebase", ("notification_template", "apn_template", "data_template"),
                        ("credentials_json", "server_key")),
    "huawei_config": ("huawei", ("id",), ("secret",)),
    "xiaomi_config": ("xiaomi", ("package_name",), ("secret",)),
}
# Accepted by UpdateApp, never in GetApp's answer (REFERENCE.md §4 "Write-only inputs"); the push
# configs' `Disabled` is reported only folded into `enabled` with whether a credential is set.
# migrate_permissions_to_v2 is not a setting but a one-off action: not declarable.
WRITE_ONLY = frozenset({
    "async_moderation_config", "channel_hide_members_only", "enable_hook_payload_compression",
    "feeds_moderation_enabled", "feeds_v2_region", "image_moderation_block_labels", "moderation_analytics_enabled",
    "reminders_max_members", "reminders_max_per_user", *(f"{config}.Disabled" for config in PUSH_CONFIGS),
})
FIELDS = frozenset(App.model_fields) - {"push_config", *PUSH_CONFIGS} - WRITE_ONLY
SECRET_PRESENCE = frozenset({"sqs_secret", "sns_secret"})
HOOK_SECRETS = frozenset({"sqs_secret", "sns_secret", "failover_config.gcs_credentials"})
SECRETS = SECRET_PRESENCE | {"datadog_info.api_key", *(f"event_hooks[].{secret}" for secret in HOOK_SECRETS)} | {
    f"{config}.{secret}" for config, (_, _, secrets) in PUSH_CONFIGS.items() for secret in secrets}
HOOK_FIELDS = frozenset(EventHook.model_fields)
# UpdateApp replaces the event_hooks list (REFERENCE.md §4); a hook sent with its id is updated
# in place, keeping its secrets when they are left out (emulator, app_settings._merge_event_hooks).


def normalise(live: JSON) -> JSON:
    out: JSON = {k: v for k, v in live.items() if k in FIELDS and v is not None}
    push = live.get("push_notifications") or {}
    if push.get("version"):
        out["push_config"] = {"version": push["version"], "offline_only": bool(push.get("offline_only"))}
    out.update(_push_configs(push))
    for key in SECRET_PRESENCE:
        if key in live:
            out[key] = "set" if live.get(key) else ""
    if isinstance(out.get("event_hooks"), list):
        out["event_hooks"] = [_hook(h) for h in out["event_hooks"]]
    if isinstance(out.get("datadog_info"), dict):
        out["datadog_info"] = {k: v for k, v in out["datadog_info"].items() if k != "api_key"}
    if "revoke_tokens_issued_before" in out:
        out["revoke_tokens_issued_before"] = timestamp_text(out["revoke_tokens_issued_before"])
    return out


def _push_configs(push: JSON) -> JSON:
    """The single push configs as push_notifications reports them: the fields that are not secret
    (an export leaves out those equal to EXPORT_DEFAULTS)."""
    out: JSON = {}
    for config, (key, readable, _) in PUSH_CONFIGS.items():
        reported = push.get(key)
        if isinstance(reported, dict):
            out[config] = {k: reported[k] for k in readable if reported.get(k) is not None}
    return out


def _set_up(fields: Any) -> bool:
    """Whether a single push config holds anything but defaults (so it has a credential to export)."""
    return isinstance(fields, dict) and any(v not in (False, "") for v in fields.values())


def _hook(hook: Any) -> Any:
    """A live hook: the model's fields and its id (Fields.identities), never a secret."""
    if not isinstance(hook, dict):
        return hook
    out = {k: v for k, v in hook.items() if (k in HOOK_FIELDS or k == "id") and v is not None
           and k not in HOOK_SECRETS}
    if isinstance(out.get("failover_config"), dict):
        out["failover_config"] = {k: v for k, v in out["failover_config"].items() if k != "gcs_credentials"}
    return out


# What GetApp reports for a new app (builtins.json app_settings_defaults; the false flags,
# reminders_interval and max_aggregated_activities_length are the values the API requires in the
# response, as a new app reports them). An export leaves fields equal to these out; a wrong guess
# only leaves a field unmanaged, never changes it. Grants: the documented defaults of the .app scope
# (kinds/default_grants.py), so only the roles whose grants were changed are exported.
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
    "apn_config": {"development": False},  # push_notifications.apn of an app without one
    "reminders_interval": 60,
    "user_response_time_enabled": False,
}


def export_secrets(live: JSON) -> tuple[FieldPath, ...]:
    """SQS/SNS secrets the API reports as set, the secret of each event hook given a key or a
    failover bucket, and the credential of each single push config that is set up."""
    paths: list[FieldPath] = [(key,) for key in sorted(SECRET_PRESENCE) if live.get(key) == "set"]
    for index, hook in enumerate(live.get("event_hooks") or []):
        for service in ("sqs", "sns"):
            if isinstance(hook, dict) and hook.get(f"{service}_key"):
                paths.append(("event_hooks", index, f"{service}_secret"))
        if isinstance(hook, dict) and (hook.get("failover_config") or {}).get("gcs_bucket"):
            paths.append(("event_hooks", index, "failover_config", "gcs_credentials"))
    for config in PUSH_CONFIGS:
        if _set_up(live.get(config)):
            paths.append((config, _push_credential(config, live[config])))
    return tuple(paths)


def _push_credential(config: str, fields: JSON) -> str:
    """The credential a single push config holds: APN's by its auth type (token when not given),
    Firebase's service-account JSON, Huawei's and Xiaomi's secret."""
    if config == "apn_config":
        return "p12_cert" if fields.get("auth_type") == "certificate" else "auth_key"
    return PUSH_CONFIGS[config][2][0]


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
                "allowed_flag_reasons",
                "webhook_events",
                "image_moderation_labels",
                "image_moderation_block_labels",
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
        write_only=WRITE_ONLY,
        secret_presence=SECRET_PRESENCE,
        merge_maps=frozenset({"grants"}),
        identities={"event_hooks": Identity("id", match=("hook_type",))},
    ),
    writes=Writes(
        replaces=(Replaced("event_hooks[]"),),
        kept_secrets=frozenset(f"event_hooks[].{secret}" for secret in HOOK_SECRETS),
    ),
    refs=References(find=references, ordering=lambda body: cleared_grant_roles(body.get("grants"))),
    export=Export(defaults=lambda name, live: {**EXPORT_DEFAULTS, "grants": default_grants(APP_SCOPE, live)},
                  secrets=export_secrets),
    checks=Checks(calls=app_calls),  # `stream-iac check`: SQS/SNS settings and event hooks
)
