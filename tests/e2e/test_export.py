"""`stream-iac export`, end to end through the real CLI against the emulator: the exported stack
is clean (one file per kind, no defaults, no secret values), stable, and plans to no changes
against the app it came from. The property test builds random apps by calling the emulator's
HTTP API directly, so it does not depend on stream-iac's own planner or executor."""

from __future__ import annotations

import copy
import json
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_emulator import Emulator, EmulatorOptions
from stream_iac.errors import UserError
from stream_iac.export import export_stack
from stream_iac.kinds.default_grants import default_grants
from stream_iac.schema import SCHEMA_ID
from stream_iac.state import LiveState
from tests.e2e.conftest import KEY, SECRET, Harness
from tests.e2e.strategies import PUSH_TYPES, TEMPLATE_EVENTS
from tests.e2e.test_kinds import ENV, FULL, apply_ok

SCHEMA_LINE = f"# yaml-language-server: $schema={SCHEMA_ID}stack.schema.json\n"
KIND_FILES = {"app.yaml", "roles.yaml", "permissions.yaml", "commands.yaml", "blocklists.yaml",
              "retention_policies.yaml", "channel_types.yaml", "push_providers.yaml"}
ENV_LINE = re.compile(r"^  ([A-Z0-9_]+)  \((.+)\)$", re.MULTILINE)
LONG_WORDS = [f"word{i:02d}" for i in range(25)]


def exported_vars(stdout: str) -> dict[str, str]:
    """The variables `export` lists: name -> address of the secret."""
    return dict(ENV_LINE.findall(stdout))


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def load(folder: Path, file: str) -> Any:
    return yaml.safe_load((folder / file).read_text(encoding="utf-8"))


def plan_of_export(h: Harness, folder: Path, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    result = h.run("plan", str(folder), "--format", "json", "--detailed-exitcode", env=env)
    assert result.exit_code in (0, 2), result.output
    doc: dict[str, Any] = json.loads(result.stdout)["stacks"][0]  # the one stack's plan
    return result.exit_code, doc


# ---------------------------------------------------------------- through the CLI, both transports


def rich_stack() -> dict[str, Any]:
    data = copy.deepcopy(FULL)
    data["blocklists"]["long"] = {"type": "word", "words": LONG_WORDS, "is_plural_check_enabled": True}
    data["commands"]["yes"] = {"description": "null", "args": "30"}
    data["app"]["custom_action_handler_url"] = "https://hooks.example.com/cmd?id=$${id}"
    data["app"]["push_config"] = {"version": "v2"}
    data["channel_types"]["livestream"] = {"typing_events": True, "url_enrichment": False}
    return data


def test_export_writes_a_clean_stack_that_plans_to_no_changes(harness: Harness) -> None:
    harness.env = ENV
    apply_ok(harness, harness.stack(rich_stack()))
    out = harness.tmp / "exported"
    result = exported = harness.run("export", "--out", str(out), "--name", "adopted")
    assert result.exit_code == 0, result.output

    files = files_of(out)
    assert set(files) == KIND_FILES | {"stack.yaml", "words/long.txt"}
    for name, content in files.items():
        if name.endswith(".yaml"):
            assert content.decode().startswith(SCHEMA_LINE), name
            assert f"wrote {out / name}" in result.stdout
    everything = b"\n".join(files.values())
    for secret in [*ENV.values(), SECRET]:
        assert secret.encode() not in everything, "a secret value was written"

    env_vars = exported_vars(result.stdout)
    assert env_vars == {"STREAM_APP_SQS_SECRET": "app.sqs_secret",
                        "STREAM_PUSH_APN_PROD_APN_AUTH_KEY": "push_providers.apn-prod.apn_auth_key",
                        "STREAM_PUSH_FCM_FIREBASE_CREDENTIALS": "push_providers.fcm.firebase_credentials"}

    assert load(out, "stack.yaml") == {"stack": {"name": "adopted"}}
    assert load(out, "roles.yaml") == {"roles": ["agent", "vip"]}
    app = load(out, "app.yaml")["app"]
    assert app["sqs_secret"] == "${env:STREAM_APP_SQS_SECRET}"
    assert app["push_config"] == {"version": "v2", "offline_only": False}
    assert "disable_auth_checks" not in app and "permission_version" not in app, "defaults are left out"
    assert (out / "app.yaml").read_text().count("$${id}") == 1, "a literal ${ is escaped"
    commands = load(out, "commands.yaml")["commands"]
    assert commands["yes"] == {"description": "null", "args": "30"}, "strings stay strings"
    assert commands["refund"] == {"description": "Ask for a refund"}, "empty args/set are left out"
    blocklists = load(out, "blocklists.yaml")["blocklists"]
    assert blocklists["long"] == {"type": "word", "words_file": "words/long.txt", "is_plural_check_enabled": True}
    assert (out / "words/long.txt").read_text().split() == LONG_WORDS
    assert blocklists["bad"]["words"] == ["alpha", "beta", "gamma"]
    assert "profanity_en_2020_v1" not in blocklists
    permissions = load(out, "permissions.yaml")["permissions"]
    assert list(permissions) == ["read-secret-channel"], "built-in permissions are not exported"
    types = load(out, "channel_types.yaml")["channel_types"]
    assert {k: v for k, v in types["messaging"].items() if k != "grants"} == {"max_message_length": 8000}
    assert {k: v for k, v in types["livestream"].items() if k != "grants"} == {"typing_events": True}
    support = types["support"]
    assert support["message_retention"] == "30"
    assert support["commands"] == ["giphy", "ticket"]
    assert support["grants"] == {"agent": ["create-message", "read-channel"], "vip": ["read-secret-channel"]}
    assert "typing_events" not in support and "max_message_length" not in support

    plan_env = {var: f"value-of-{var}" for var in env_vars}
    plan_env["STREAM_PUSH_FCM_FIREBASE_CREDENTIALS"] = '{"type": "service_account"}'
    result = harness.run("plan", str(out), "--detailed-exitcode", env=plan_env)
    assert result.exit_code == 0, result.output
    assert "No changes" in result.stdout

    again = harness.run("export", "--out", str(out), "--name", "adopted")
    assert again.exit_code == 0 and again.stdout == exported.stdout
    assert files_of(out) == files, "exporting twice is byte-identical"


def test_export_of_a_fresh_app_writes_no_default_grants_and_plans_empty(inproc: Harness) -> None:
    out = inproc.tmp / "fresh"
    result = inproc.run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Secrets are not readable" not in result.stdout
    assert set(files_of(out)) == {"stack.yaml", "app.yaml"}, "no channel type differs from its defaults"
    assert load(out, "app.yaml") == {"app": {}}, "the .app scope's default grants are left out"
    code, doc = plan_of_export(inproc, out, {})
    assert code == 0 and doc["changes"] == [] and doc["unmanaged"] == []


def test_export_writes_only_the_roles_whose_grants_changed(inproc: Harness) -> None:
    """Against the client's copy of Stream's default grant tables: a changed role is exported
    (built-in and custom types, and the .app scope), a cleared one as `[]`, an unchanged one not,
    and the round trip plans empty, for a multi-tenant app too (its global_* roles get default
    grants)."""
    inproc.env = {}
    stack = {"roles": ["agent"],
             "app": {"multi_tenant_enabled": True, "grants": {"user": ["flag-user", "search-user"]}},
             "channel_types": {"messaging": {"grants": {"user": ["read-channel"], "agent": ["read-channel"],
                                                        "channel_member": []}},
                               "support": {"grants": {"guest": ["read-channel"]}}}}
    apply_ok(inproc, inproc.stack(stack))
    out = inproc.tmp / "changed"
    result = inproc.run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    app = load(out, "app.yaml")["app"]
    assert app == {"multi_tenant_enabled": True, "grants": {"user": ["flag-user", "search-user"]}}
    types = load(out, "channel_types.yaml")["channel_types"]
    assert types["messaging"] == {"grants": {"agent": ["read-channel"], "channel_member": [], "user": ["read-channel"]}}
    assert types["support"] == {"grants": {"guest": ["read-channel"]}}
    assert sorted(types) == ["messaging", "support"], "unchanged built-in types are left out"
    code, doc = plan_of_export(inproc, out, {})
    assert code == 0 and doc["changes"] == [] and doc["unmanaged"] == []


def test_export_refuses_a_folder_with_other_stack_files(inproc: Harness) -> None:
    out = inproc.tmp / "busy"
    (out / "nested").mkdir(parents=True)
    (out / "nested" / "mine.yml").write_text("roles: [x]\n")
    result = inproc.run("export", "--out", str(out))
    assert result.exit_code == 1
    assert "nested/mine.yml" in result.stderr and "Traceback" not in result.output
    assert not (out / "app.yaml").exists()


def test_export_replaces_a_previous_export(inproc: Harness, tmp_path: Path) -> None:
    out = tmp_path / "again"
    out.mkdir()
    (out / "push_providers.yaml").write_text("push_providers:\n  old: {type: huawei}\n")
    result = inproc.run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert not (out / "push_providers.yaml").exists(), "a kind with nothing to export leaves no stale file"


# ---------------------------------------------------------------- export_stack on a given live state


def test_env_var_names_never_collide_and_secrets_follow_the_provider_type(tmp_path: Path) -> None:
    live: LiveState = {
        "app": {"app": {"sqs_secret": "set", "sns_secret": "",
                        "event_hooks": [{"hook_type": "sqs", "sqs_key": "K"}, {"hook_type": "webhook"}]}},
        "push_providers": {
            "apn-prod": {"type": "apn", "apn_auth_type": "token", "apn_development": False},
            "apn_prod": {"type": "apn", "apn_auth_type": "certificate"},
            "APN.PROD": {"type": "apn"},
            "hw": {"type": "huawei", "huawei_app_id": "1", "apn_development": False, "firebase_host": "x"},
            "xm": {"type": "xiaomi"},
        },
    }
    result = export_stack(live, tmp_path / "out")
    assert result.env_vars == {
        "STREAM_APP_SQS_SECRET": "app.sqs_secret",
        "STREAM_APP_EVENT_HOOKS_0_SQS_SECRET": "app.event_hooks[0].sqs_secret",
        "STREAM_PUSH_APN_PROD_APN_AUTH_KEY": "push_providers.APN.PROD.apn_auth_key",
        "STREAM_PUSH_APN_PROD_APN_AUTH_KEY_2": "push_providers.apn-prod.apn_auth_key",
        "STREAM_PUSH_APN_PROD_APN_P12_CERT": "push_providers.apn_prod.apn_p12_cert",
        "STREAM_PUSH_HW_HUAWEI_APP_SECRET": "push_providers.hw.huawei_app_secret",
        "STREAM_PUSH_XM_XIAOMI_APP_SECRET": "push_providers.xm.xiaomi_app_secret",
    }
    app = load(tmp_path / "out", "app.yaml")["app"]
    assert app == {"sqs_secret": "${env:STREAM_APP_SQS_SECRET}",
                   "event_hooks": [{"hook_type": "sqs", "sqs_key": "K",
                                    "sqs_secret": "${env:STREAM_APP_EVENT_HOOKS_0_SQS_SECRET}"},
                                   {"hook_type": "webhook"}]}
    providers = load(tmp_path / "out", "push_providers.yaml")["push_providers"]
    assert providers["hw"] == {"type": "huawei", "huawei_app_id": "1",
                               "huawei_app_secret": "${env:STREAM_PUSH_HW_HUAWEI_APP_SECRET}"}
    assert providers["apn-prod"] == {"type": "apn", "apn_auth_type": "token",
                                     "apn_auth_key": "${env:STREAM_PUSH_APN_PROD_APN_AUTH_KEY_2}"}


def test_references_to_missing_objects_are_left_out_with_a_note(tmp_path: Path) -> None:
    live: LiveState = {
        "app": {"app": {}},
        "roles": {"agent": {}},
        "blocklists": {"kept": {"type": "word", "words": ["a"]}},
        "channel_types": {"support": {"blocklists": [{"blocklist": "gone", "behavior": "block"}],
                                      "blocklist": "kept", "grants": {"agent": ["read-channel"], "ghost": ["x"]}}},
    }
    result = export_stack(live, tmp_path / "out")
    support = load(tmp_path / "out", "channel_types.yaml")["channel_types"]["support"]
    grants = support.pop("grants")
    assert support == {"blocklist": "kept"}
    assert grants.pop("agent") == ["read-channel"] and "ghost" not in grants
    assert grants == {role: [] for role in default_grants("support", {})}, "default roles it lacks are cleared"
    assert any("blocklists.gone" in note for note in result.notes)
    assert any("roles.ghost" in note for note in result.notes)


def test_default_grants_are_left_out_and_changed_or_cleared_roles_written(tmp_path: Path) -> None:
    messaging = default_grants("messaging", {})
    changed = {**messaging, "user": ["read-channel"]}
    del changed["channel_member"]
    types = {"messaging": {"grants": changed}, "team": {"grants": default_grants("team", {})},
             "custom": {"grants": messaging}}
    live: LiveState = {"app": {"app": {"grants": default_grants(".app", {})}}, "channel_types": types}
    export_stack(live, tmp_path / "out")
    assert load(tmp_path / "out", "app.yaml") == {"app": {}}
    types = load(tmp_path / "out", "channel_types.yaml")["channel_types"]
    assert types == {"messaging": {"grants": {"channel_member": [], "user": ["read-channel"]}}, "custom": {}}, \
        "team and the custom type hold their default grants"


def test_words_a_words_file_cannot_hold_stay_inline_and_odd_names_get_safe_files(tmp_path: Path) -> None:
    words = [f"w{i:02d}" for i in range(21)]
    live: LiveState = {"blocklists": {"../Odd Name": {"type": "word", "words": words},
                           "hashes": {"type": "word", "words": [*words, "#tag"]},
                           "short": {"type": "word", "words": words[:20]}}}
    export_stack(live, tmp_path / "out")
    blocklists = load(tmp_path / "out", "blocklists.yaml")["blocklists"]
    assert blocklists["hashes"]["words"] == sorted([*words, "#tag"])
    assert blocklists["short"]["words"] == words[:20]
    path = blocklists["../Odd Name"]["words_file"]
    assert re.fullmatch(r"words/[a-z0-9_-]+\.txt", path), path
    assert (tmp_path / "out" / path).read_text().split() == words


def test_a_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(UserError, match="not a folder"):
        export_stack({}, target)


# ---------------------------------------------------------------- property: any app round-trips

Call = tuple[str, str, dict[str, Any]]
Fields = dict[str, st.SearchStrategy[Any]]

TRICKY = ("30", "yes", "No", "null", "~", "true", "1e3", "0x1F", "0o17", "2024-01-01", ".inf", "${x}", "$${x}",
          "a: b", "- x", "#c", " pad ", "ünïcödé", "multi\nline", "[x]", "{y}", "@a", "'q'", '"d"', "%p", "!t",
          "*a", "&b", "|", ">", "?", "\t", "\x85", "\u2028", "\ufeff")
TEXT = st.one_of(st.sampled_from(TRICKY), st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8))
SLUG = st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=6)
WORD = st.text("abcdefghijklmnopqrstuvwxyz#é ${}", min_size=1, max_size=8).filter(lambda w: w.strip() != "")
ALL_BUILTIN_ROLES = {"user", "guest", "anonymous", "admin", "moderator", "channel_member", "channel_moderator",
                     "global_moderator", "global_admin"}
GRANTED_ROLES = ["user", "admin", "moderator", "guest", "channel_member"]
CHANNEL_PERMISSIONS = ["read-channel", "create-message", "flag-message", "add-links-owner", "upload-attachment"]
APP_PERMISSIONS = ["flag-user", "mute-user", "search-user", "update-user-owner", "read-flag-reports"]
ACTIONS = ["AddLinks", "CreateChannel", "CreateMessage", "ReadChannel", "FlagMessage", "SearchUser"]
FLAGS = ["typing_events", "read_events", "reactions", "replies", "search", "mutes", "uploads", "url_enrichment",
         "push_notifications", "count_messages", "polls", "shared_locations", "delivery_events"]
BLOCKLIST_FLAGS = ["is_leet_check_enabled", "is_plural_check_enabled", "is_substring_matching_enabled",
                   "is_confusable_folding_enabled"]
BUILTIN_TYPES = ["messaging", "livestream", "team", "gaming", "commerce"]
REQUIRED_TYPE_FIELDS: Fields = {"automod": st.sampled_from(["disabled", "simple", "AI"]),
                                "automod_behavior": st.sampled_from(["flag", "block"]),
                                "max_message_length": st.integers(0, 20000)}
SECRET_MARK = "SECRET_VALUE-VALUE-"
SECRET_VALUE = st.integers(0, 10**6).map(lambda n: f"{SECRET_MARK}{n}")


@st.composite
def some_fields(draw: st.DrawFn, strategies: Fields) -> dict[str, Any]:
    """A random subset of the fields, each with a drawn value."""
    names = draw(st.lists(st.sampled_from(sorted(strategies)), max_size=len(strategies), unique=True))
    return {name: draw(strategies[name]) for name in names}


@st.composite
def grants(draw: st.DrawFn, roles: list[str], permissions: list[str]) -> dict[str, list[str]]:
    chosen = draw(st.lists(st.sampled_from(roles), max_size=3, unique=True))
    return {role: draw(st.lists(st.sampled_from(permissions), max_size=3, unique=True)) for role in chosen}


@st.composite
def permission(draw: st.DrawFn, pid: str) -> dict[str, Any]:
    keys = st.one_of(st.sampled_from(["$subject.vip", "yes", "30", "${k}"]), SLUG)
    values = st.one_of(st.booleans(), TEXT, st.lists(TEXT, max_size=2))
    body = {"id": pid, "name": draw(TEXT), "action": draw(st.sampled_from(ACTIONS)),
            "condition": draw(st.dictionaries(keys, values, max_size=2))}
    return body | draw(some_fields({"description": TEXT, "owner": st.booleans(), "same_team": st.booleans()}))


@st.composite
def blocklist(draw: st.DrawFn, name: str) -> dict[str, Any]:
    body = {"name": name, "words": draw(st.lists(WORD, max_size=26, unique=True)),
            "type": draw(st.sampled_from(["word", "regex", "domain", "email"]))}
    return body | draw(some_fields({**{flag: st.booleans() for flag in BLOCKLIST_FLAGS}, "team": SLUG}))


@st.composite
def push_provider(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["apn", "firebase", "huawei", "xiaomi"]))
    body = {"name": name, "type": kind} | draw(some_fields({"description": TEXT, "disabled_reason": TEXT}))
    if kind == "apn":
        auth = draw(st.sampled_from(["token", "certificate"]))
        body |= {"apn_auth_type": auth, "apn_topic": draw(TEXT), "apn_development": draw(st.booleans())}
        if auth == "token":
            return body | {"apn_key_id": draw(SLUG), "apn_team_id": draw(SLUG), "apn_auth_key": draw(SECRET_VALUE)}
        return body | {"apn_p12_cert": draw(SECRET_VALUE)}
    if kind == "firebase":
        return body | {"firebase_credentials": json.dumps({"key": draw(SECRET_VALUE)})}
    if kind == "huawei":
        return body | {"huawei_app_id": draw(SLUG), "huawei_app_secret": draw(SECRET_VALUE)}
    return body | {"xiaomi_package_name": draw(SLUG), "xiaomi_app_secret": draw(SECRET_VALUE)}


@st.composite
def push_templates(draw: st.DrawFn, providers: dict[str, str]) -> list[Call]:
    """Templates of a push type, or of one of the providers (name -> type)."""
    owners = [(push_type, "") for push_type in PUSH_TYPES] + sorted((t, name) for name, t in providers.items())
    chosen = draw(st.lists(st.tuples(st.sampled_from(owners), st.sampled_from(TEMPLATE_EVENTS)), max_size=3,
                           unique=True))
    return [("POST", "/push_templates", {"push_provider_type": push_type, "event_type": event_type}
             | ({"push_provider_name": provider} if provider else {})
             | draw(some_fields({"enable_push": st.booleans(), "template": TEXT})))
            for (push_type, provider), event_type in chosen]


@st.composite
def external_storage(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["s3", "gcs", "abs"]))
    body = {"name": name, "storage_type": kind, "bucket": draw(TEXT)} | draw(some_fields({"path": TEXT}))
    if kind == "gcs":
        return body | {"gcs_credentials": json.dumps({"private_key": draw(SECRET_VALUE)})}
    if kind == "abs":
        return body | {"azure_blob": {"abs_account_name": draw(TEXT), "abs_tenant_id": draw(TEXT),
                                      "abs_client_id": draw(TEXT), "abs_client_secret": draw(SECRET_VALUE)}}
    s3 = {"s3_region": draw(TEXT)}
    if draw(st.booleans()):  # else the app's IAM role
        s3 |= {"s3_api_key": draw(SECRET_VALUE), "s3_secret": draw(SECRET_VALUE)}
        s3 |= draw(some_fields({"s3_custom_endpoint_url": TEXT}))
    return body | {"aws_s3": s3}


def channel_type_fields(roles: list[str], permissions: list[str], commands: list[str],
                        blocklists: list[str]) -> tuple[Fields, Fields]:
    """Fields create and update take, and those only update takes."""
    attachable = ["profanity_en_2020_v1", *blocklists]
    options = st.lists(st.fixed_dictionaries({"blocklist": st.sampled_from(attachable),
                                              "behavior": st.sampled_from(["flag", "block", "shadow_block"])}),
                       max_size=2, unique_by=lambda o: str(o["blocklist"]))
    fields: Fields = {
        **{flag: st.booleans() for flag in FLAGS},
        "commands": st.lists(st.sampled_from(["giphy", "ban", "mute", "all", "fun_set", "moderation_set", *commands]),
                             max_size=3, unique=True),
        "grants": grants(roles, CHANNEL_PERMISSIONS + permissions),
        "blocklists": options,
        "blocklist": st.sampled_from(attachable),
        "blocklist_behavior": st.sampled_from(["flag", "block"]),
        "message_retention": st.one_of(st.just("infinite"), st.integers(1, 999).map(str)),
        "push_level": st.sampled_from(["all", "mentions", "none"]),
        "partition_ttl": st.sampled_from(["24h", "1h30m"]),
        "chat_preferences": st.fixed_dictionaries({}, optional={"default_preference": TEXT, "thread_replies": TEXT}),
    }
    thresholds = st.fixed_dictionaries({}, optional={"flag": st.floats(0, 1), "block": st.floats(0, 1)})
    update_only: Fields = {
        "quotes": st.booleans(), "reminders": st.booleans(), "allowed_flag_reasons": st.lists(TEXT, max_size=2),
        "partition_size": st.integers(10, 100),
        "automod_thresholds": st.fixed_dictionaries({}, optional={"spam": thresholds, "toxic": thresholds}),
    }
    return fields, update_only


@st.composite
def channel_types(draw: st.DrawFn, fields: Fields, update_only: Fields) -> list[Call]:
    """New custom types (some updated afterwards), and updates of built-in ones."""
    calls: list[Call] = []
    for name in draw(st.lists(SLUG.map(lambda s: "t" + s), max_size=2, unique=True)):
        body = {"name": name} | draw(st.fixed_dictionaries(REQUIRED_TYPE_FIELDS)) | draw(some_fields(fields))
        calls.append(("POST", "/chat/channeltypes", body))
        if draw(st.booleans()):
            update = draw(st.fixed_dictionaries(REQUIRED_TYPE_FIELDS)) | draw(some_fields(update_only))
            calls.append(("PUT", f"/chat/channeltypes/{name}", update))
    for name in draw(st.lists(st.sampled_from(BUILTIN_TYPES), max_size=2, unique=True)):
        update = draw(st.fixed_dictionaries(REQUIRED_TYPE_FIELDS)) | draw(some_fields(fields | update_only))
        calls.append(("PUT", f"/chat/channeltypes/{name}", update))
    return calls


def app_fields(roles: list[str]) -> Fields:
    hooks = st.one_of(
        st.fixed_dictionaries({"hook_type": st.just("webhook"), "webhook_url": TEXT,
                               "event_types": st.lists(TEXT, max_size=2)}),
        st.fixed_dictionaries({"hook_type": st.just("sqs"), "sqs_key": TEXT, "sqs_secret": SECRET_VALUE,
                               "sqs_region": TEXT}),
    )
    return {
        "webhook_url": TEXT, "custom_action_handler_url": TEXT, "webhook_events": st.lists(TEXT, max_size=3),
        "enforce_unique_usernames": st.sampled_from(["no", "app", "team"]),
        "cdn_expiration_seconds": st.integers(14400, 1209600), "reminders_interval": st.integers(60, 86400),
        "disable_auth_checks": st.booleans(), "moderation_enabled": st.booleans(),
        "permission_version": st.sampled_from(["v1", "v2"]),
        "push_config": st.fixed_dictionaries({"version": st.sampled_from(["v2", "v3"])},
                                             optional={"offline_only": st.booleans()}),
        "sqs_url": TEXT, "sqs_key": TEXT, "sqs_secret": SECRET_VALUE, "sns_topic_arn": TEXT, "sns_secret": SECRET_VALUE,
        "grants": grants(roles, APP_PERMISSIONS),
        "file_upload_config": st.fixed_dictionaries({"size_limit": st.integers(0, 10**6)},
                                                    optional={"allowed_file_extensions": st.lists(TEXT, max_size=2)}),
        "user_search_disallowed_roles": st.lists(st.sampled_from(roles), max_size=3, unique=True),
        "image_moderation_labels": st.lists(TEXT, max_size=2),
        "datadog_info": st.fixed_dictionaries({"enabled": st.booleans(), "site": TEXT, "api_key": SECRET_VALUE}),
        "event_hooks": st.lists(hooks, max_size=2),
        "chat_primary_use_case": st.sampled_from(["messaging", "gaming"]),
    }


@st.composite
def live_apps(draw: st.DrawFn) -> list[Call]:
    """API calls that build a random app: every kind, with references between them. Push
    providers come before the app update, which may change the push version."""
    role_name = st.one_of(SLUG, TEXT).filter(lambda r: r not in ALL_BUILTIN_ROLES and len(r) <= 64)
    roles = draw(st.lists(role_name, max_size=3, unique=True))
    permission_ids = draw(st.lists(SLUG.map(lambda s: "p-" + s), max_size=2, unique=True))
    commands = [draw(some_fields({"args": TEXT, "set": st.one_of(TEXT, st.just("support_set"))}))
                | {"name": name, "description": draw(TEXT)}
                for name in draw(st.lists(SLUG.map(lambda s: "c" + s), max_size=3, unique=True))]
    blocklists = draw(st.lists(st.one_of(SLUG, st.sampled_from(["Bad", "bad", "../x", "a b", "${b}"])),
                               max_size=3, unique=True))
    policies = draw(st.lists(st.sampled_from(["old-messages", "inactive-channels"]), unique=True))
    providers = draw(st.lists(st.one_of(SLUG, st.sampled_from(["apn-prod", "apn_prod", "APN.PROD", "a b", "${p}"])),
                              max_size=3, unique=True))
    command_refs = [c["name"] for c in commands] + [c["set"] for c in commands if c.get("set")]
    fields, update_only = channel_type_fields(GRANTED_ROLES + roles, permission_ids, command_refs, blocklists)
    calls: list[Call] = [("POST", "/roles", {"name": role}) for role in roles]
    calls += [("POST", "/permissions", draw(permission(pid))) for pid in permission_ids]
    calls += [("POST", "/chat/commands", command) for command in commands]
    calls += [("POST", "/blocklists", draw(blocklist(name))) for name in blocklists]
    calls += [("POST", "/chat/retention_policy", {"policy": policy, "max_age_hours": draw(st.integers(24, 43800))})
              for policy in policies]
    calls += draw(channel_types(fields, update_only))
    calls += [("POST", "/push_providers", {"push_provider": draw(push_provider(name))}) for name in providers]
    calls += draw(push_templates({b["push_provider"]["name"]: b["push_provider"]["type"] for _, path, b in calls
                                  if path == "/push_providers"}))
    calls += [("POST", "/external_storage", draw(external_storage(name)))
              for name in draw(st.lists(SLUG, max_size=2, unique=True))]
    app = draw(some_fields(app_fields(GRANTED_ROLES + roles)))
    return [*calls, ("PATCH", "/app", app)] if app else calls


def build_app(emulator: Emulator, calls: list[Call]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns about short secrets
        token = jwt.encode({"server": True}, SECRET, algorithm="HS256")
    headers = {"Authorization": token, "Stream-Auth-Type": "jwt"}
    with httpx.Client(transport=emulator.transport(), base_url="http://emu/api/v2") as client:
        for method, path, body in calls:
            response = client.request(method, path, params={"api_key": KEY}, json=body, headers=headers)
            assert response.status_code < 300, (method, path, body, response.text)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(calls=live_apps())
def test_export_of_any_app_plans_to_no_changes(calls: list[Call]) -> None:
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    build_app(emulator, calls)
    with tempfile.TemporaryDirectory() as tmp:
        h = Harness(emulator, "inprocess", None, Path(tmp))
        out = Path(tmp) / "export"
        result = h.run("export", "--out", str(out))
        assert result.exit_code == 0, result.output
        first = files_of(out)
        written = b"\n".join(first.values())
        assert SECRET_MARK.encode() not in written and SECRET.encode() not in written, "a secret was written"
        env = {var: '{"type": "service_account"}' for var in exported_vars(result.stdout)}
        code, doc = plan_of_export(h, out, env)
        assert doc["changes"] == [], json.dumps(doc["changes"], indent=1, ensure_ascii=False)[:3000]
        assert doc["unmanaged"] == [], "every live object that is not built-in is exported"
        assert code == 0
        assert h.run("export", "--out", str(out)).exit_code == 0
        assert files_of(out) == first, "the same live state exports byte-identically"
