"""GetApp / UpdateApp."""

from __future__ import annotations

from typing import Any

import pytest

from stream_emulator import Emulator
from stream_emulator.store.builtins import builtin_permissions, load_builtins

from .helpers import KEY, REQUIRED_UPDATE, Api, assert_error, assert_ok, channel_type_body

REQUIRED_APP_FIELDS = (
    "id", "name", "organization", "placement", "push_notifications", "webhook_url", "moderation_webhook_url",
    "channel_configs", "call_types", "policies", "suspended", "suspended_explanation", "disable_auth_checks",
    "disable_permissions_checks", "permission_version", "user_search_disallowed_roles", "multi_tenant_enabled",
    "allow_multi_user_devices", "image_moderation_enabled", "async_url_enrich_enabled", "auto_translation_enabled",
    "custom_action_handler_url", "enforce_unique_usernames", "sqs_url", "sqs_key", "sqs_secret", "sns_topic_arn",
    "sns_key", "sns_secret", "file_upload_config", "image_upload_config", "grants", "campaign_enabled",
    "webhook_events", "reminders_interval", "cdn_expiration_seconds", "moderation_enabled",
    "moderation_multitenant_blocklist_enabled", "guest_user_creation_disabled", "event_hooks", "use_hook_v2",
    "user_response_time_enabled", "moderation_llm_configurability_enabled", "max_aggregated_activities_length",
    "feed_audit_logs_enabled", "moderation_video_call_moderation_enabled",
    "moderation_audio_call_moderation_enabled", "member_custom_on_messages_enabled",
)


def get_app(api: Api) -> dict[str, Any]:
    app: dict[str, Any] = assert_ok(api.get("/app"))["app"]
    return app


def test_fresh_app_has_every_required_field_and_documented_defaults(api: Api) -> None:
    app = get_app(api)
    assert set(REQUIRED_APP_FIELDS) <= set(app)
    assert app["disable_auth_checks"] is False
    assert app["cdn_expiration_seconds"] == 1209600
    assert app["file_upload_config"] == {"size_limit": 0}
    assert app["multi_tenant_enabled"] is False
    assert app["sqs_secret"] == "" and app["sns_secret"] == ""
    assert set(app["channel_configs"]) == {"messaging", "livestream", "team", "gaming", "commerce"}
    assert app["channel_configs"]["messaging"]["commands"] == ["giphy", "ban", "unban", "mute", "unmute"]
    assert "grants" not in app["channel_configs"]["messaging"]
    assert app["grants"]["user"] == ["flag-user", "mute-user", "search-user", "update-user-owner"]


def test_update_is_partial_and_echoes_only_duration(api: Api) -> None:
    body = assert_ok(api.patch("/app", {"webhook_url": "https://hooks.example.com"}))
    assert set(body) == {"duration"}
    assert_ok(api.patch("/app", {"enforce_unique_usernames": "app"}))
    app = get_app(api)
    assert app["webhook_url"] == "https://hooks.example.com"
    assert app["enforce_unique_usernames"] == "app"


def test_secrets_are_masked_and_datadog_key_omitted(api: Api, emulator: Emulator) -> None:
    assert_ok(api.patch("/app", {"sqs_secret": "s3cr3t", "datadog_info": {"api_key": "dd", "site": "eu"}}))
    app = get_app(api)
    assert app["sqs_secret"] == "********"
    assert app["sns_secret"] == ""
    assert app["datadog_info"] == {"site": "eu"}
    stored = emulator.snapshot(KEY)["app"]
    assert stored["sqs_secret"] == "s3cr3t"
    assert stored["datadog_info"]["api_key"] == "dd"


def test_datadog_key_survives_update_without_it(api: Api, emulator: Emulator) -> None:
    assert_ok(api.patch("/app", {"datadog_info": {"api_key": "dd", "site": "eu"}}))
    assert_ok(api.patch("/app", {"datadog_info": {"site": "us", "enabled": True}}))
    assert emulator.snapshot(KEY)["app"]["datadog_info"] == {"api_key": "dd", "site": "us", "enabled": True}


def test_write_only_fields_are_not_returned(api: Api) -> None:
    assert_ok(api.patch("/app", {"reminders_max_members": 5, "channel_hide_members_only": True}))
    app = get_app(api)
    assert "reminders_max_members" not in app
    assert "channel_hide_members_only" not in app


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"enforce_unique_usernames": "maybe"}, "enforce_unique_usernames must be one of"),
        ({"cdn_expiration_seconds": 100}, "greater than or equal to 14400"),
        ({"cdn_expiration_seconds": 1209601}, "less than or equal to 1209600"),
        ({"user_search_disallowed_roles": [f"r{i}" for i in range(11)]}, "at most 10 items"),
        ({"push_config": {"version": "v9"}}, "version must be one of"),
        ({"push_config": {}}, "push_config.version is a required field"),
        ({"reminders_interval": 10}, "reminders_interval"),
        ({"file_upload_config": {"size_limit": -1}}, "size_limit"),
    ],
)
def test_invalid_settings_are_400_code_4(api: Api, body: dict[str, Any], detail: str) -> None:
    assert_error(api.patch("/app", body), 400, 4, "UpdateApp", detail)


def test_read_only_fields_are_ignored_by_default_and_refused_when_strict(api: Api, strict_api: Api) -> None:
    assert_ok(api.patch("/app", {"id": 5, "webhook_url": "https://hooks.example.com"}))
    app = get_app(api)
    assert app["id"] != 5 and app["webhook_url"] == "https://hooks.example.com"
    assert_error(strict_api.patch("/app", {"id": 5}), 400, 4, "UpdateApp", "unknown field id")


def test_push_config_is_reflected_in_push_notifications(api: Api) -> None:
    assert_ok(api.patch("/app", {"push_config": {"version": "v2", "offline_only": True}}))
    push = get_app(api)["push_notifications"]
    assert push["version"] == "v2"
    assert push["offline_only"] is True


def test_apn_config_is_write_only_and_secret_free_in_get(api: Api) -> None:
    apn = {"auth_type": "token", "auth_key": "P8", "key_id": "K", "team_id": "T", "bundle_id": "com.x"}
    assert_ok(api.patch("/app", {"apn_config": apn}))
    app = get_app(api)
    assert "apn_config" not in app
    assert app["push_notifications"]["apn"] == {
        "enabled": True, "development": False, "auth_type": "token", "key_id": "K", "team_id": "T",
        "bundle_id": "com.x",
    }


def test_apn_certificate_auth_is_rejected_with_push_v3(api: Api) -> None:
    response = api.patch("/app", {"apn_config": {"auth_type": "certificate", "p12_cert": "x"}})
    assert_error(response, 400, 4, "UpdateApp", "certificate")


def test_apn_token_auth_needs_its_identifiers(api: Api) -> None:
    response = api.patch("/app", {"apn_config": {"auth_type": "token", "auth_key": "P8"}})
    assert_error(response, 400, 4, "UpdateApp", "key_id")


def test_invalid_firebase_credentials_are_400(api: Api) -> None:
    response = api.patch("/app", {"firebase_config": {"credentials_json": "{not json"}})
    assert_error(response, 400, 4, "UpdateApp", "firebase credentials are invalid")


def test_event_hooks_replace_the_list_and_get_ids(api: Api) -> None:
    hooks = [{"hook_type": "webhook", "webhook_url": "https://a"}, {"hook_type": "sqs", "sqs_secret": "q"}]
    assert_ok(api.patch("/app", {"event_hooks": hooks}))
    listed = get_app(api)["event_hooks"]
    assert [hook["hook_type"] for hook in listed] == ["webhook", "sqs"]
    assert all(hook["id"] and isinstance(hook["created_at"], int) for hook in listed)
    assert "sqs_secret" not in listed[1]
    assert_ok(api.patch("/app", {"event_hooks": [listed[1]]}))
    assert [hook["id"] for hook in get_app(api)["event_hooks"]] == [listed[1]["id"]]
    assert_ok(api.patch("/app", {"event_hooks": []}))
    assert get_app(api)["event_hooks"] == []


def test_event_hook_secret_is_kept_when_resent_by_id_without_it(api: Api, emulator: Emulator) -> None:
    assert_ok(api.patch("/app", {"event_hooks": [{"hook_type": "sqs", "sqs_secret": "q"}]}))
    hook = get_app(api)["event_hooks"][0]
    assert_ok(api.patch("/app", {"event_hooks": [{**hook, "sqs_queue_url": "https://queue"}]}))
    stored = emulator.snapshot(KEY)["app"]["event_hooks"][0]
    assert stored["sqs_secret"] == "q"
    assert stored["sqs_queue_url"] == "https://queue"


def test_failover_credentials_are_kept_when_a_hook_is_resent_by_id_without_them(api: Api, emulator: Emulator) -> None:
    failover = {"type": "gcs", "gcs_bucket": "b", "gcs_credentials": "{}"}
    assert_ok(api.patch("/app", {"event_hooks": [{"hook_type": "webhook", "failover_config": failover}]}))
    hook = get_app(api)["event_hooks"][0]
    assert hook["failover_config"] == {"type": "gcs", "gcs_bucket": "b"}, "the credentials are never returned"
    assert_ok(api.patch("/app", {"event_hooks": [{**hook, "failover_config": {**hook["failover_config"],
                                                                             "gcs_path": "p"}}]}))
    stored = emulator.snapshot(KEY)["app"]["event_hooks"][0]["failover_config"]
    assert stored == {"type": "gcs", "gcs_bucket": "b", "gcs_path": "p", "gcs_credentials": "{}"}


def test_write_only_settings_are_stored_and_never_returned(api: Api, emulator: Emulator) -> None:
    assert_ok(api.patch("/app", {"reminders_max_members": 5, "feeds_v2_region": "eu",
                                 "moderation_onboarding_complete": True}))
    app = get_app(api)
    assert "reminders_max_members" not in app and "feeds_v2_region" not in app
    assert app["moderation_onboarding_complete"] is True
    stored = emulator.snapshot(KEY)["app"]
    assert stored["reminders_max_members"] == 5 and stored["feeds_v2_region"] == "eu"


def test_at_most_two_pending_message_hooks(api: Api) -> None:
    hooks = [{"hook_type": "pending_message", "webhook_url": f"https://{i}"} for i in range(3)]
    assert_error(api.patch("/app", {"event_hooks": hooks}), 400, 4, "UpdateApp", "pending_message")


def test_app_grants_replace_per_role_clear_with_empty_and_reset_with_null(api: Api) -> None:
    defaults = get_app(api)["grants"]
    assert_ok(api.patch("/app", {"grants": {"user": ["search-user"]}}))
    grants = get_app(api)["grants"]
    assert grants["user"] == ["search-user"]
    assert grants["admin"] == defaults["admin"]
    assert_ok(api.patch("/app", {"grants": {"guest": []}}))
    assert "guest" not in get_app(api)["grants"]
    assert_ok(api.patch("/app", {"grants": None}))
    assert get_app(api)["grants"] == defaults


def test_app_grants_reject_unknown_roles_and_permissions(api: Api) -> None:
    assert_error(api.patch("/app", {"grants": {"ghost": ["search-user"]}}), 400, 4, "UpdateApp", "ghost")
    assert_error(api.patch("/app", {"grants": {"user": ["fly"]}}), 400, 4, "UpdateApp", '"fly"')


def test_revoke_tokens_issued_before_is_stored_as_nanoseconds_and_cleared_by_null(api: Api) -> None:
    assert_ok(api.patch("/app", {"revoke_tokens_issued_before": "2025-01-01T00:00:00Z"}))
    assert get_app(api)["revoke_tokens_issued_before"] == 1735689600 * 10**9
    assert_ok(api.patch("/app", {"revoke_tokens_issued_before": None}))
    assert "revoke_tokens_issued_before" not in get_app(api)


def test_failed_update_changes_nothing(api: Api) -> None:
    response = api.patch("/app", {"webhook_url": "https://x", "cdn_expiration_seconds": 1})
    assert response.status_code == 400
    assert get_app(api)["webhook_url"] == ""


def test_multi_tenancy_adds_the_global_roles_grants(api: Api) -> None:
    """DOC:permissions_reference 'Multi-Tenant Default Grants': global_moderator and global_admin get *-any-team
    grants in the .app scope and every channel type (custom types: messaging's)."""
    assert_ok(api.post("/chat/channeltypes", channel_type_body("support")), 201)
    assert_ok(api.put("/chat/channeltypes/team", {**REQUIRED_UPDATE, "grants": {"global_admin": ["read-channel"]}}),
              201)
    assert "global_admin" not in get_app(api)["grants"]
    assert_ok(api.patch("/app", {"multi_tenant_enabled": True}))
    app = get_app(api)
    assert app["multi_tenant_enabled"] is True
    assert "flag-user-any-team" in app["grants"]["global_moderator"]
    messaging = assert_ok(api.get("/chat/channeltypes/messaging"))["grants"]
    assert "read-channel-any-team" in messaging["global_moderator"]
    assert assert_ok(api.get("/chat/channeltypes/support"))["grants"]["global_admin"] == messaging["global_admin"]
    assert assert_ok(api.get("/chat/channeltypes/team"))["grants"]["global_admin"] == ["read-channel"]  # kept
    created = assert_ok(api.post("/chat/channeltypes", channel_type_body("later")), 201)
    assert created["grants"]["global_moderator"] == messaging["global_moderator"]
    roles = {role["name"]: role for role in assert_ok(api.get("/roles"))["roles"]}
    assert {".app", "messaging", "support"} <= set(roles["global_moderator"]["scopes"])
    # A reset of a scope on a multi-tenant app gives the multi-tenant defaults.
    assert_ok(api.put("/chat/channeltypes/team", {**REQUIRED_UPDATE, "grants": None}), 201)
    assert "read-channel-any-team" in assert_ok(api.get("/chat/channeltypes/team"))["grants"]["global_admin"]


def test_every_multi_tenant_grant_is_a_builtin_permission() -> None:
    granted = {permission for scope in load_builtins().multi_tenant_grants.values()
               for permissions in scope.values() for permission in permissions}
    assert granted - set(builtin_permissions()) == set()


def test_explicit_event_hook_deletion_merges_by_id(api: Api, emulator: Emulator) -> None:
    """The classic JS SDK's ``explicit_event_hooks_deletion``: the hooks sent are merged by id, those sent with
    ``delete: true`` removed, the others kept (without it the list replaces the old one)."""
    hooks = [{"hook_type": "webhook", "webhook_url": f"https://hooks.example.com/{index}"} for index in range(3)]
    assert_ok(api.patch("/app", {"event_hooks": hooks}))
    first, second, third = get_app(api)["event_hooks"]
    assert_ok(api.patch("/app", {"explicit_event_hooks_deletion": True, "event_hooks": [
        {"id": second["id"], "delete": True},
        {"id": third["id"], "hook_type": "webhook", "webhook_url": "https://hooks.example.com/changed"},
        {"hook_type": "sqs", "sqs_queue_url": "https://sqs.example.com/q"},
    ]}))
    after = get_app(api)["event_hooks"]
    assert [hook["id"] for hook in after[:2]] == [first["id"], third["id"]]
    assert after[1]["webhook_url"] == "https://hooks.example.com/changed" and after[2]["hook_type"] == "sqs"
    assert all("delete" not in hook for hook in emulator.snapshot(KEY)["app"]["event_hooks"])
    assert "explicit_event_hooks_deletion" not in emulator.snapshot(KEY)["app"]  # not stored
    assert_ok(api.patch("/app", {"event_hooks": [{"id": first["id"], "delete": True}]}))
    assert get_app(api)["event_hooks"] == []
