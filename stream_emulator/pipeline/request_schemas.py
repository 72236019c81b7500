"""Request body schemas of the emulated operations (types, enums and bounds of the public API spec)."""

from __future__ import annotations

from .schema import (
    AnyValue,
    Arr,
    Bool,
    Int,
    MapOf,
    Node,
    Num,
    Obj,
    Str,
    Timestamp,
    bool_fields,
    enum,
    string_fields,
    strings,
)

PUSH_TYPES = ("apn", "firebase", "huawei", "xiaomi")
BEHAVIORS = ("flag", "block", "shadow_block")
GRANTS = MapOf(strings())

# -- app settings -------------------------------------------------------------------------------------

PUSH_CONFIG = Obj({"version": enum("v1", "v2", "v3"), "offline_only": Bool()}, required=("version",))
APN_CONFIG = Obj(
    {
        "Disabled": Bool(),
        "auth_type": enum("certificate", "token"),
        "development": Bool(),
        **string_fields(["auth_key", "bundle_id", "host", "key_id", "notification_template", "p12_cert", "team_id"]),
    }
)
FIREBASE_CONFIG = Obj(
    {
        "Disabled": Bool(),
        **string_fields(["apn_template", "credentials_json", "data_template", "notification_template", "server_key"]),
    }
)
HUAWEI_CONFIG = Obj({"Disabled": Bool(), "id": Str(), "secret": Str()})
XIAOMI_CONFIG = Obj({"Disabled": Bool(), "package_name": Str(), "secret": Str()})
CALLBACK = Obj(
    {
        "mode": enum("CALLBACK_MODE_NONE", "CALLBACK_MODE_REST", "CALLBACK_MODE_TWIRP"),
        "server_url": Str(),
    }
)
FILE_UPLOAD_CONFIG = Obj(
    {
        "size_limit": Int(minimum=0, maximum=104857600),
        "allowed_file_extensions": strings(),
        "allowed_mime_types": strings(),
        "blocked_file_extensions": strings(),
        "blocked_mime_types": strings(),
    },
    required=("size_limit",),
)
# ``delete`` and UpdateApp's ``explicit_event_hooks_deletion`` are sent by the classic JS SDK (its
# ``EventHook``/``AppSettings`` types) but are not in the spec: extensions (see ``schema``).
EVENT_HOOK = Obj(
    {
        "callback": CALLBACK,
        "created_at": Timestamp(),
        "updated_at": Timestamp(),
        "enabled": Bool(),
        "event_types": strings(),
        "failover_config": Obj(string_fields(["gcs_bucket", "gcs_credentials", "gcs_path", "type"])),
        "hook_type": enum("webhook", "sqs", "sns", "pending_message"),
        "timeout_ms": Int(),
        "should_send_custom_events": Bool(),
        "sns_event_based_message_group_id_enabled": Bool(),
        **string_fields(
            [
                "id", "product", "webhook_url",
                "sns_auth_type", "sns_key", "sns_region", "sns_role_arn", "sns_secret", "sns_topic_arn",
                "sqs_auth_type", "sqs_key", "sqs_queue_url", "sqs_region", "sqs_role_arn", "sqs_secret",
            ]
        ),
    },
    extensions={"delete": Bool()},
)
MODERATION_DASHBOARD_PREFERENCES = Obj(
    {
        **bool_fields(
            [
                "async_review_queue_upsert", "block_foreign_cdn_attachments", "custom_views_enabled",
                "disable_audit_logs", "disable_flagging_reviewed_entity", "escalation_queue_enabled",
                "flag_user_on_flagged_content", "include_attachment_payload", "media_queue_blur_enabled",
            ]
        ),
        "allowed_moderation_action_reasons": strings(),
        "escalation_reasons": strings(),
        "filterable_custom_keys": strings(),
        "keyframe_classifications_map": MapOf(MapOf(Bool())),
        "overview_dashboard": Obj({"default_date_range_days": Int(), "visible_charts": strings()}),
    }
)
UPDATE_APP = Obj(
    {
        "activity_metrics_config": MapOf(Int()),
        "allowed_flag_reasons": strings(),
        "apn_config": APN_CONFIG,
        "async_moderation_config": Obj({"callback": CALLBACK, "timeout_ms": Int()}),
        "before_message_send_hook_attempt_timeout_ms": Int(),
        "cdn_expiration_seconds": Int(minimum=14400, maximum=1209600),
        "chat_primary_use_case": enum(
            "messaging", "customer-support", "community", "marketplace", "gaming", "telehealth", "on-demand",
            "workforce-management", "dating", "education", "financial", "sports", "real-money-gaming",
        ),
        "datadog_info": Obj({"api_key": Str(), "enabled": Bool(), "site": Str()}),
        "enforce_unique_usernames": enum("no", "app", "team"),
        "event_hooks": Arr(EVENT_HOOK),
        "file_upload_config": FILE_UPLOAD_CONFIG,
        "firebase_config": FIREBASE_CONFIG,
        "grants": GRANTS,
        "huawei_config": HUAWEI_CONFIG,
        "image_moderation_block_labels": strings(),
        "image_moderation_labels": strings(),
        "image_upload_config": FILE_UPLOAD_CONFIG,
        "max_aggregated_activities_length": Int(),
        "moderation_dashboard_preferences": MODERATION_DASHBOARD_PREFERENCES,
        "permission_version": enum("v1", "v2"),
        "push_config": PUSH_CONFIG,
        "reminders_interval": Int(minimum=60, maximum=86400),
        "reminders_max_members": Int(minimum=2),
        "reminders_max_per_user": Int(minimum=1, maximum=100000),
        "revoke_tokens_issued_before": Timestamp(),
        "user_search_disallowed_roles": strings(max_items=10),
        "video_primary_use_case": enum(
            "video-calling", "voice-calling", "livestreaming", "audio-rooms", "ai-agents", "live-shopping", "other"
        ),
        "webhook_events": strings(),
        "xiaomi_config": XIAOMI_CONFIG,
        **bool_fields(
            [
                "async_url_enrich_enabled", "auto_translation_enabled", "channel_hide_members_only",
                "disable_auth_checks", "disable_permissions_checks", "enable_hook_payload_compression",
                "feed_audit_logs_enabled", "feeds_moderation_enabled", "guest_user_creation_disabled",
                "image_moderation_enabled", "member_custom_on_messages_enabled", "migrate_permissions_to_v2",
                "moderation_analytics_enabled", "moderation_enabled", "moderation_onboarding_complete",
                "multi_tenant_enabled", "user_response_time_enabled",
            ]
        ),
        **string_fields(
            [
                "before_message_send_hook_url", "custom_action_handler_url", "feeds_v2_region",
                "moderation_s3_image_access_role_arn", "moderation_webhook_url", "sns_key", "sns_secret",
                "sns_topic_arn", "sqs_key", "sqs_secret", "sqs_url", "webhook_url",
            ]
        ),
    },
    extensions={"explicit_event_hooks_deletion": Bool()},
)

# -- channel types ------------------------------------------------------------------------------------

CHANNEL_TYPE_FLAGS = (
    "connect_events", "count_messages", "custom_events", "delivery_events", "mark_messages_pending", "mutes",
    "polls", "push_notifications", "reactions", "read_events", "replies", "search", "shared_locations",
    "skip_last_msg_update_for_system_msgs", "typing_events", "uploads", "url_enrichment", "user_message_reminders",
)
UPDATE_ONLY_FLAGS = ("quotes", "reminders")
LABEL_THRESHOLDS = Obj({"flag": Num(0, 1), "block": Num(0, 1)})
POLICY = Obj(
    {
        "action": enum("Deny", "Allow"),
        "name": Str(),
        "owner": Bool(),
        "priority": Int(minimum=1, maximum=999),
        "resources": Arr(Str(), min_items=1),
        "roles": strings(),
    },
    required=("action", "name", "resources", "roles", "owner", "priority"),
)
CHAT_PREFERENCES = Obj(
    string_fields(
        [
            "channel_mentions", "default_preference", "direct_mentions", "distinct_channel_messages",
            "group_mentions", "here_mentions", "role_mentions", "thread_replies",
        ]
    )
)
BLOCKLIST_OPTIONS = Obj({"blocklist": Str(), "behavior": enum(*BEHAVIORS)}, required=("blocklist", "behavior"))


def _channel_type_fields(update: bool) -> dict[str, Node]:
    fields: dict[str, Node] = {
        "automod": enum("disabled", "simple", "AI"),
        "automod_behavior": enum(*BEHAVIORS) if update else enum("flag", "block"),
        "blocklist": Str(),
        "blocklist_behavior": enum(*BEHAVIORS),
        "blocklists": Arr(BLOCKLIST_OPTIONS),
        "chat_preferences": CHAT_PREFERENCES,
        "commands": strings(),
        "grants": GRANTS,
        # The spec states the 20000 maximum for updates only.
        "max_message_length": Int(minimum=0, maximum=20000) if update else Int(minimum=0),
        "message_retention": Str(),
        "partition_size": Int(minimum=0 if update else 10),
        "partition_ttl": Str(),
        "permissions": Arr(POLICY),
        "push_level": enum("all", "all_mentions", "mentions", "direct_mentions", "none"),
        **bool_fields(CHANNEL_TYPE_FLAGS),
    }
    if update:
        fields.update(bool_fields(UPDATE_ONLY_FLAGS))
        fields["allowed_flag_reasons"] = strings()
        fields["automod_thresholds"] = Obj(
            {"explicit": LABEL_THRESHOLDS, "spam": LABEL_THRESHOLDS, "toxic": LABEL_THRESHOLDS}
        )
    else:
        fields["name"] = Str(min_len=1)
    return fields


REQUIRED_CHANNEL_TYPE_FIELDS = ("automod", "automod_behavior", "max_message_length")
CREATE_CHANNEL_TYPE = Obj(_channel_type_fields(update=False), required=("name", *REQUIRED_CHANNEL_TYPE_FIELDS))
UPDATE_CHANNEL_TYPE = Obj(_channel_type_fields(update=True), required=REQUIRED_CHANNEL_TYPE_FIELDS)
# The legacy (un-prefixed) paths accepted a channel type of just ``{name}`` (or ``{name, commands}``) and
# updates of only the fields that change, as the classic SDKs send them (REFERENCE §5).
CREATE_CHANNEL_TYPE_LEGACY = Obj(_channel_type_fields(update=False), required=("name",))
UPDATE_CHANNEL_TYPE_LEGACY = Obj(_channel_type_fields(update=True))

# -- commands, blocklists, roles, permissions ---------------------------------------------------------

CREATE_COMMAND = Obj(
    {
        "name": Str(max_len=255),  # emptiness is reported by the handler with a clearer message
        "description": Str(max_len=255),
        "args": Str(max_len=255),
        "set": Str(max_len=255),
    },
    required=("name", "description"),
)
UPDATE_COMMAND = Obj(
    {"description": Str(max_len=255), "args": Str(max_len=255), "set": Str(max_len=255)},
    required=("description",),
    ignored=("name",),
)
USER_REQUEST = Obj({"id": Str()}, required=("id",), closed=False)
BLOCKLIST_FLAGS = (
    "is_confusable_folding_enabled", "is_leet_check_enabled", "is_plural_check_enabled",
    "is_substring_matching_enabled",
)
CREATE_BLOCKLIST = Obj(
    {
        "name": Str(min_len=1, max_len=255),
        "team": Str(),
        "type": enum("regex", "domain", "domain_allowlist", "email", "email_allowlist", "word"),
        "user": USER_REQUEST,
        "user_id": Str(),
        "words": strings(),
        **bool_fields(BLOCKLIST_FLAGS),
    },
    required=("name", "words"),
)
UPDATE_BLOCKLIST = Obj(
    {"team": Str(), "user": USER_REQUEST, "user_id": Str(), "words": strings(), **bool_fields(BLOCKLIST_FLAGS)}
)
IMPORT_BLOCKLIST = Obj({"items": Arr(Str(), min_items=1), "chunk_size": Int(minimum=1)}, required=("items",))
CREATE_ROLE = Obj({"name": Str(min_len=1, max_len=64)}, required=("name",))
_PERMISSION_FIELDS: dict[str, Node] = {
    "action": Str(min_len=1),
    "condition": MapOf(AnyValue()),
    "description": Str(max_len=2048),
    "name": Str(min_len=1, max_len=100),
    "owner": Bool(),
    "same_team": Bool(),
}
CREATE_PERMISSION = Obj(
    {**_PERMISSION_FIELDS, "id": Str(min_len=1, max_len=255)}, required=("id", "name", "action", "condition")
)
UPDATE_PERMISSION = Obj(_PERMISSION_FIELDS, required=("name", "action", "condition"))

# -- push -----------------------------------------------------------------------------------------------

PUSH_PROVIDER = Obj(
    {
        "apn_development": Bool(),
        "description": Str(max_len=128),
        "disabled_at": Timestamp(),
        "disabled_reason": Str(max_len=255),
        "name": Str(min_len=1, max_len=36),
        "type": enum(*PUSH_TYPES),
        "apn_auth_type": enum("token", "certificate"),
        **string_fields(
            [
                "apn_auth_key", "apn_host", "apn_key_id", "apn_notification_template", "apn_p12_cert",
                "apn_team_id", "apn_topic", "firebase_apn_template", "firebase_credentials",
                "firebase_data_template", "firebase_host", "firebase_notification_template", "firebase_server_key",
                "huawei_app_id", "huawei_app_secret", "xiaomi_app_secret", "xiaomi_package_name",
            ]
        ),
    },
    required=("name",),
)
UPSERT_PUSH_PROVIDER = Obj({"push_provider": PUSH_PROVIDER})
PUSH_TEMPLATE_EVENTS = (
    "message.new", "message.updated", "reaction.new", "notification.reminder_due", "feeds.activity.added",
    "feeds.comment.added", "feeds.activity.reaction.added", "feeds.comment.reaction.added",
    "feeds.follow.created", "feeds.notification_feed.updated",
)
UPSERT_PUSH_TEMPLATE = Obj(
    {
        "enable_push": Bool(),
        "event_type": enum(*PUSH_TEMPLATE_EVENTS),
        "push_provider_name": Str(),
        "push_provider_type": enum(*PUSH_TYPES),
        "template": Str(),
    },
    required=("event_type", "push_provider_type"),
)

# -- retention --------------------------------------------------------------------------------------------

RETENTION_POLICIES = ("old-messages", "inactive-channels")
SET_RETENTION_POLICY = Obj(
    {"policy": enum(*RETENTION_POLICIES), "max_age_hours": Int(minimum=24, maximum=43800)},
    required=("policy", "max_age_hours"),
)
DELETE_RETENTION_POLICY = Obj({"policy": enum(*RETENTION_POLICIES)}, required=("policy",))
RETENTION_RUNS = Obj(
    {
        "filter_conditions": MapOf(AnyValue()),
        "limit": Int(minimum=0, maximum=100),
        "next": Str(),
        "prev": Str(),
        "sort": Arr(Obj({"direction": Int(), "field": Str(), "type": Str()}), max_items=2),
    }
)

# -- checks -----------------------------------------------------------------------------------------------

CHECK_PUSH = Obj(
    {
        "event_type": enum("message.new", "message.updated", "reaction.new", "reaction.updated",
                           "notification.reminder_due"),
        "skip_devices": Bool(),
        "user": USER_REQUEST,
        **string_fields(
            [
                "apn_template", "firebase_data_template", "firebase_template", "message_id", "push_provider_name",
                "push_provider_type", "user_id",
            ]
        ),
    }
)
CHECK_SNS = Obj(string_fields(["sns_key", "sns_secret", "sns_topic_arn"]))
CHECK_SQS = Obj(string_fields(["sqs_key", "sqs_secret", "sqs_url"]))

# -- external storage -------------------------------------------------------------------------------------

STORAGE_TYPES = ("s3", "gcs", "abs")
S3_REQUEST = Obj(string_fields(["s3_api_key", "s3_custom_endpoint_url", "s3_region", "s3_secret"]),
                 required=("s3_region",))
AZURE_REQUEST = Obj(
    string_fields(["abs_account_name", "abs_client_id", "abs_client_secret", "abs_tenant_id"]),
    required=("abs_account_name", "abs_tenant_id", "abs_client_id", "abs_client_secret"),
)
_EXTERNAL_STORAGE_FIELDS: dict[str, Node] = {
    "aws_s3": S3_REQUEST,
    "azure_blob": AZURE_REQUEST,
    "bucket": Str(min_len=1),
    "gcs_credentials": Str(),
    "path": Str(),
    "storage_type": enum(*STORAGE_TYPES),
}
CREATE_EXTERNAL_STORAGE = Obj(
    {**_EXTERNAL_STORAGE_FIELDS, "name": Str(min_len=1)}, required=("name", "storage_type", "bucket")
)
UPDATE_EXTERNAL_STORAGE = Obj(_EXTERNAL_STORAGE_FIELDS, required=("storage_type", "bucket"))

# -- the body schema of each operation that takes one ---------------------------------------------------------

# What the spec test holds against the official spec's request schemas (same fields, same required ones), so
# that strict mode refuses exactly the fields the spec does not define. The legacy variants of the channel
# type schemas differ only in what is required.
REQUEST_BODIES: dict[str, Obj] = {
    "UpdateApp": UPDATE_APP,
    "CreateChannelType": CREATE_CHANNEL_TYPE,
    "UpdateChannelType": UPDATE_CHANNEL_TYPE,
    "CreateCommand": CREATE_COMMAND,
    "UpdateCommand": UPDATE_COMMAND,
    "CreateBlockList": CREATE_BLOCKLIST,
    "UpdateBlockList": UPDATE_BLOCKLIST,
    "ImportBlockList": IMPORT_BLOCKLIST,
    "CreateRole": CREATE_ROLE,
    "CreatePermission": CREATE_PERMISSION,
    "UpdatePermission": UPDATE_PERMISSION,
    "UpsertPushProvider": UPSERT_PUSH_PROVIDER,
    "UpsertPushTemplate": UPSERT_PUSH_TEMPLATE,
    "SetRetentionPolicy": SET_RETENTION_POLICY,
    "DeleteRetentionPolicy": DELETE_RETENTION_POLICY,
    "GetRetentionPolicyRuns": RETENTION_RUNS,
    "CheckPush": CHECK_PUSH,
    "CheckSNS": CHECK_SNS,
    "CheckSQS": CHECK_SQS,
    "CreateExternalStorage": CREATE_EXTERNAL_STORAGE,
    "UpdateExternalStorage": UPDATE_EXTERNAL_STORAGE,
}
