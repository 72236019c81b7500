"""Hypothesis strategies for random stacks covering every kind, and an independent model of
what a plan must refuse. Used by the convergence property tests.

Names come mostly from small pools, so that two random stacks share objects (giving updates, not
only creates and deletes), and sometimes from random lowercase alphanumerics. Values a kind
cannot change once created (a blocklist's type, a push provider's type) are a function of the
object's name, so two stacks never disagree about them (that refusal is tested elsewhere). So are
an external storage's type and the settings no plan can compare (its write-only settings, which
credentials it has): a stack that changes only those plans no update, by design, and the raw state
would rightly keep the old ones."""

from __future__ import annotations

import copy
import json
import string
from typing import Any

from hypothesis import strategies as st

Stack = dict[str, Any]

# Secrets the stacks reference, as the tests' environment holds them.
ENV = {
    "APN_KEY": "apn-private-key-material-123",
    "FCM_JSON": '{"type":"service_account","private_key":"fcm-key-789"}',
    "S3_KEY": "AKIAPROPERTYKEY0001",
    "S3_SECRET": "s3-property-secret-456",
    "GCS_JSON": '{"type":"service_account","client_email":"p@demo.iam.gserviceaccount.com",'
                '"private_key":"gcs-key-321"}',
    "ABS_SECRET": "abs-property-secret-654",
}

COLLECTION_KINDS = ("roles", "permissions", "commands", "blocklists", "retention_policies", "channel_types",
                    "push_providers", "push_templates", "external_storage")
# Stream has no call that deletes a push template: pruning the kind deletes nothing.
NEVER_DELETED = ("push_templates",)

# What the stack language treats as built-in (kept here, not imported, so the model is independent).
BUILTIN_TYPES = ("messaging", "livestream", "team", "gaming", "commerce")
BUILTIN_COMMANDS = ("giphy", "ban", "unban", "mute", "unmute")
COMMAND_SETS = {"fun_set": ["giphy"], "moderation_set": ["ban", "unban", "mute", "unmute"]}
BUILTIN_BLOCKLIST = "profanity_en_2020_v1"

ROLE_POOL = ("agent", "vip", "editor", "support2", "r1")
PERMISSION_POOL = ("read-secret", "vip-post", "p3")
COMMAND_POOL = ("ticket", "refund", "poll", "c4", "c5", "c6")
BLOCKLIST_POOL = ("bad", "spam", "links", "b4")
TYPE_POOL = ("support", "vipchat", "t3", "t4")
PROVIDER_POOL = ("apn-prod", "apn-dev", "fcm", "fcm-eu")
# By name: exports s3 (IAM role), archive s3 (keys), minio s3 (keys, custom endpoint), backups gcs, media abs.
STORAGE_POOL = ("exports", "archive", "minio", "backups", "media")
BUCKET_POOL = ("chat-exports", "chat-archive")
SET_POOL = ("support_set", "money_set")

CHANNEL_PERMISSIONS = ("read-channel", "create-message", "update-message-owner", "flag-user", "delete-message",
                       "upload-attachment")
APP_PERMISSIONS = ("flag-user", "search-user", "mute-user", "read-flag-reports")
GRANT_ROLES = ("user", "admin", "moderator", "channel_member", "guest")
ACTIONS = ("ReadChannel", "CreateMessage", "UpdateMessage", "DeleteMessage", "FlagMessage")
BLOCKLIST_TYPES = ("word", "regex", "domain", "domain_allowlist", "email", "email_allowlist")
WEBHOOK_EVENTS = ("message.new", "message.updated", "message.deleted", "reaction.new", "user.updated",
                  "channel.created")
FILE_EXTENSIONS = (".bat", ".exe", ".js", ".png", ".sh")
FLAG_REASONS = ("spam", "abuse", "other", "nsfw")
CHANNEL_FLAGS = ("typing_events", "read_events", "connect_events", "custom_events", "reactions", "replies",
                 "search", "mutes", "uploads", "url_enrichment", "push_notifications", "quotes", "reminders",
                 "delivery_events", "count_messages", "user_message_reminders", "mark_messages_pending", "polls",
                 "skip_last_msg_update_for_system_msgs", "shared_locations")

# What a push template's name may say (copied from the API's enums, not imported).
PUSH_TYPES = ("apn", "firebase", "huawei", "xiaomi")
TEMPLATE_EVENTS = ("message.new", "message.updated", "reaction.new", "notification.reminder_due",
                   "feeds.activity.added", "feeds.comment.added", "feeds.activity.reaction.added",
                   "feeds.comment.reaction.added", "feeds.follow.created", "feeds.notification_feed.updated")
COMMON_EVENTS = ("message.new", "reaction.new")  # drawn often, so that two stacks share templates
# Placeholders a template's payload is filled with: string ones go inside quotes, numbers do not.
TEMPLATE_STRINGS = ("{{ sender.name }}", "{{ message.text }}", "{{ channel.name }}", "{{{ message.text }}}")
TEMPLATE_NUMBERS = ("{{ unread_count }}", "{{ unread_channels }}")
STORAGE_TYPES = ("s3", "gcs", "abs")
AWS_REGIONS = ("eu-west-1", "us-east-1", "ap-south-1")

LOWER_ALNUM = string.ascii_lowercase + string.digits
# Free text: no "$" (it starts a ${...} reference), but YAML look-alikes and non-ASCII are welcome.
TEXT_ALPHABET = string.ascii_letters + string.digits + " -_.,:!?[]()#'\"/é✓"
TRICKY_TEXT = ("null", "yes", "no", "on", "30", "1.5", "~", "true", " padded ", "a: b", "- x")


def blocklist_type(name: str) -> str:
    """A blocklist's type cannot change once created: fix it by name."""
    return BLOCKLIST_TYPES[sum(map(ord, name)) % len(BLOCKLIST_TYPES)]


def provider_type(name: str) -> str:
    return "apn" if name.startswith("apn") else "firebase"


def name_hash(name: str) -> int:
    return sum(map(ord, name))


def storage_type(name: str) -> str:
    """An external storage's type, and with it which credentials it holds, fixed by name."""
    return STORAGE_TYPES[name_hash(name) % len(STORAGE_TYPES)]


def template_provider(name: str) -> str | None:
    """The provider a push template named `<type>/<provider>/<event>` belongs to (None: the type's own)."""
    parts = name.split("/")
    return parts[1] if len(parts) == 3 else None


def text(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    tricky = [t for t in TRICKY_TEXT if min_size <= len(t) <= max_size]
    return st.one_of(st.sampled_from(tricky), st.text(TEXT_ALPHABET, min_size=min_size, max_size=max_size))


@st.composite
def unique_names(draw: st.DrawFn, pool: tuple[str, ...], prefix: str, max_size: int) -> list[str]:
    """Up to `max_size` distinct names: mostly from the pool, sometimes a random lowercase
    alphanumeric one (its prefix keeps it clear of built-in names)."""
    chosen = draw(st.lists(st.sampled_from(pool), unique=True, max_size=max_size))
    extra = draw(st.lists(st.text(LOWER_ALNUM, min_size=1, max_size=8).map(lambda s: prefix + s), max_size=1))
    return list(dict.fromkeys([*chosen, *extra]))[:max_size]


def subset(items: tuple[str, ...] | list[str], min_size: int = 0) -> st.SearchStrategy[list[str]]:
    """A subset in a canonical (sorted) order: lists the API may keep in any order stay comparable."""
    return st.lists(st.sampled_from(sorted(items)), min_size=min_size, unique=True).map(sorted) if items \
        else st.just([])


@st.composite
def optional_fields(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """A random subset of the given fields, each with a drawn value."""
    chosen = draw(st.lists(st.sampled_from(sorted(fields)), unique=True)) if fields else []
    return {name: draw(fields[name]) for name in sorted(chosen)}


@st.composite
def grants(draw: st.DrawFn, roles: list[str], permissions: list[str], max_roles: int = 3,
           no_empty: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Roles mapped to permission ids; an empty list clears a role's grants (not for `no_empty`)."""
    chosen = draw(st.lists(st.sampled_from(roles), max_size=max_roles, unique=True))
    return {role: draw(subset(permissions, min_size=1 if role in no_empty else 0)) for role in chosen}


@st.composite
def permission(draw: st.DrawFn) -> dict[str, Any]:
    key = st.sampled_from(["$subject.vip", "$subject.team", "channel.team", "message.pinned"])
    value = st.one_of(st.booleans(), st.integers(-5, 5), st.sampled_from(["$subject.team", "gold", ""]))
    body: dict[str, Any] = {
        "name": draw(text(1, 30)),
        "action": draw(st.sampled_from(ACTIONS)),
        "condition": draw(st.dictionaries(key, value, max_size=2)),
    }
    body.update(draw(optional_fields({"description": text(0, 60), "owner": st.booleans(),
                                      "same_team": st.booleans()})))
    return body


@st.composite
def command(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"description": draw(text(1, 60))}
    body.update(draw(optional_fields({"args": text(0, 30), "set": st.sampled_from(SET_POOL)})))
    return body


@st.composite
def blocklist(draw: st.DrawFn, name: str) -> dict[str, Any]:
    word = st.text(LOWER_ALNUM + "-_.", min_size=1, max_size=40)
    body: dict[str, Any] = {"words": draw(st.lists(word, max_size=8, unique=True))}
    kind = blocklist_type(name)
    # Left out, the API creates a "word" list: only then may the stack leave the type unmanaged.
    if kind != "word" or draw(st.booleans()):
        body["type"] = kind
    body.update(draw(optional_fields({flag: st.booleans() for flag in (
        "is_leet_check_enabled", "is_plural_check_enabled", "is_substring_matching_enabled",
        "is_confusable_folding_enabled")})))
    return body


@st.composite
def push_provider(draw: st.DrawFn, name: str) -> dict[str, Any]:
    if provider_type(name) == "apn":
        body: dict[str, Any] = {"type": "apn", "apn_auth_type": "token", "apn_key_id": draw(text(1, 10)),
                                "apn_team_id": draw(text(1, 10)), "apn_topic": "com.example." + draw(
                                    st.text(LOWER_ALNUM, min_size=1, max_size=8)),
                                "apn_auth_key": "${env:APN_KEY}"}
        body.update(draw(optional_fields({"apn_development": st.booleans(), "description": text(0, 40)})))
    else:
        body = {"type": "firebase", "firebase_credentials": "${env:FCM_JSON}"}
        body.update(draw(optional_fields({"description": text(0, 40),
                                          "firebase_notification_template": text(1, 40)})))
    return body


def template_value(quoted: bool) -> st.SearchStrategy[str]:
    """One value of a template's payload, as JSON text: a placeholder or a literal."""
    if quoted:
        return st.one_of(st.sampled_from(TEMPLATE_STRINGS).map(lambda p: f'"{p}"'),
                         text(0, 20).map(lambda t: json.dumps(t, ensure_ascii=False)))
    return st.one_of(st.sampled_from(TEMPLATE_NUMBERS), st.integers(0, 99).map(str))


@st.composite
def template_text(draw: st.DrawFn) -> str:
    """A Handlebars template that renders to a JSON object (a payload, nested as APN or Firebase
    nest theirs, or flat)."""
    keys = draw(st.lists(st.sampled_from(("title", "body", "sound", "badge", "category")), min_size=1, max_size=3,
                         unique=True))
    pairs = ", ".join(f'"{key}": {draw(template_value(quoted=key != "badge"))}' for key in keys)
    wrapper = draw(st.sampled_from(('{{"aps": {{"alert": {{{}}}}}}}', '{{"notification": {{{}}}}}', "{{{}}}")))
    return str(wrapper.format(pairs))


@st.composite
def push_template(draw: st.DrawFn) -> dict[str, Any]:
    """A template's body: possibly empty (the template is created with Stream's defaults)."""
    return draw(optional_fields({"enable_push": st.booleans(), "template": template_text()}))


@st.composite
def push_templates(draw: st.DrawFn, providers: list[str]) -> dict[str, dict[str, Any]]:
    """Templates of no provider (`<type>/<event>`), and some of the given providers
    (`<type>/<provider>/<event>`, the provider's own type)."""
    event = st.one_of(st.sampled_from(COMMON_EVENTS), st.sampled_from(TEMPLATE_EVENTS))
    own = draw(st.lists(st.tuples(st.sampled_from(PUSH_TYPES), event), unique=True, max_size=3))
    names = [f"{push_type}/{event_type}" for push_type, event_type in own]
    for provider in providers:
        for event_type in draw(st.lists(event, unique=True, max_size=2)):
            names.append(f"{provider_type(provider)}/{provider}/{event_type}")
    return {name: draw(push_template()) for name in names}


def storage_credentials(name: str) -> dict[str, Any]:
    """The credentials and write-only settings of a storage, fixed by its name: no plan compares
    them, so two stacks that disagreed on them would each be right and the raw state not match."""
    kind, n = storage_type(name), name_hash(name)
    if kind == "gcs":
        return {"gcs_credentials": "${env:GCS_JSON}"}
    if kind == "abs":
        return {"azure_blob": {"abs_account_name": f"acct{n}", "abs_tenant_id": f"tenant-{n}",
                               "abs_client_id": f"client-{n}", "abs_client_secret": "${env:ABS_SECRET}"}}
    s3: dict[str, Any] = {"s3_region": AWS_REGIONS[n % len(AWS_REGIONS)]}
    if n % 2 == 0:  # the others use the app's IAM role
        s3.update({"s3_api_key": "${env:S3_KEY}", "s3_secret": "${env:S3_SECRET}"})
        if n % 4 == 0:
            s3["s3_custom_endpoint_url"] = f"https://minio{n}.example.com"
    return {"aws_s3": s3}


@st.composite
def external_storage(draw: st.DrawFn, name: str) -> dict[str, Any]:
    bucket = st.one_of(st.sampled_from(BUCKET_POOL), st.text(LOWER_ALNUM + "-", min_size=3, max_size=12))
    path = st.one_of(st.sampled_from(["", "daily/", "exports/chat/"]), st.text(LOWER_ALNUM + "/_-", max_size=10))
    body: dict[str, Any] = {"storage_type": storage_type(name), "bucket": draw(bucket)}
    body.update(draw(optional_fields({"path": path})))
    return {**body, **storage_credentials(name)}


@st.composite
def channel_type(draw: st.DrawFn, name: str, commands: list[str], blocklists: list[str], roles: list[str],
                 permissions: list[str]) -> dict[str, Any]:
    threshold = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0])
    level = st.fixed_dictionaries({}, optional={"flag": threshold, "block": threshold})
    behavior = st.sampled_from(["flag", "block", "shadow_block"])
    automod_behavior = behavior
    usable_blocklists = sorted([*blocklists, BUILTIN_BLOCKLIST])
    fields: dict[str, st.SearchStrategy[Any]] = {
        "automod": st.sampled_from(["disabled", "simple", "AI"]),
        "automod_behavior": automod_behavior,
        "max_message_length": st.integers(0, 20000),
        # "all" rarely (one draw in 40; not at a bound of the range, which hypothesis favours).
        # Custom sets are covered by test_custom_command_set_in_channel_type_commands: a set no
        # command belongs to is (rightly) refused, which this model does not predict.
        "commands": st.integers(0, 39).flatmap(
            lambda n: st.just(["all"]) if n == 20 else subset([*BUILTIN_COMMANDS, *COMMAND_SETS, *commands])),
        "blocklists": st.lists(st.sampled_from(usable_blocklists), unique=True, max_size=3).flatmap(
            lambda chosen: st.tuples(*[st.fixed_dictionaries({"blocklist": st.just(b), "behavior": behavior})
                                       for b in chosen]).map(list)),
        "blocklist": st.sampled_from(usable_blocklists),
        "blocklist_behavior": behavior,
        "grants": grants(sorted([*GRANT_ROLES, *roles]), sorted([*CHANNEL_PERMISSIONS, *permissions])),
        "message_retention": st.one_of(st.just("infinite"), st.integers(1, 3650).map(str)),
        "allowed_flag_reasons": subset(FLAG_REASONS),
        "automod_thresholds": st.fixed_dictionaries({}, optional={"explicit": level, "spam": level, "toxic": level}),
        "partition_size": st.integers(10, 1000),
        "partition_ttl": st.sampled_from(["24h", "1h30m", "90s"]),
        "push_level": st.sampled_from(["all", "all_mentions", "mentions", "direct_mentions", "none"]),
        "chat_preferences": st.fixed_dictionaries({}, optional={
            "direct_mentions": st.sampled_from(["all", "none"]), "thread_replies": st.sampled_from(["all", "none"]),
        }),
        **{flag: st.booleans() for flag in CHANNEL_FLAGS},
    }
    return draw(optional_fields(fields))


@st.composite
def app_settings(draw: st.DrawFn, roles: list[str], permissions: list[str]) -> dict[str, Any]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "webhook_url": st.text(LOWER_ALNUM, max_size=10).map(lambda s: f"https://hooks.example.com/{s}"),
        "webhook_events": subset(WEBHOOK_EVENTS),
        "enforce_unique_usernames": st.sampled_from(["no", "app", "team"]),
        "cdn_expiration_seconds": st.integers(14400, 1209600),
        "disable_auth_checks": st.booleans(),
        "push_config": st.fixed_dictionaries({"version": st.sampled_from(["v2", "v3"])},
                                              optional={"offline_only": st.booleans()}),
        "grants": grants(sorted([*roles, "user", "admin"]), sorted([*APP_PERMISSIONS, *permissions])),
        "custom_action_handler_url": st.sampled_from(["https://hooks.example.com/cmd", ""]),
        "file_upload_config": st.fixed_dictionaries({}, optional={
            "size_limit": st.integers(0, 104857600), "blocked_file_extensions": subset(FILE_EXTENSIONS)}),
    }
    return draw(optional_fields(fields))


@st.composite
def stacks(draw: st.DrawFn, orphan_templates: bool = False) -> Stack:
    """A random, self-contained stack: every reference is to a built-in or to an object it declares.
    With `orphan_templates`, some push templates may name a provider of the pool the stack does not
    declare (which the live app may or may not hold)."""
    roles = draw(unique_names(ROLE_POOL, "role", 4))
    permission_ids = draw(unique_names(PERMISSION_POOL, "perm", 2))
    command_names = draw(unique_names(COMMAND_POOL, "cmd", 5))
    blocklist_names = draw(unique_names(BLOCKLIST_POOL, "bl", 3))
    type_names = draw(unique_names(TYPE_POOL, "type", 3))
    provider_names = draw(unique_names(PROVIDER_POOL, draw(st.sampled_from(["apn", "fcm"])), 2))
    storage_names = draw(unique_names(STORAGE_POOL, "st", 2))
    policies = draw(subset(("old-messages", "inactive-channels")))
    builtin_types = ["messaging", *draw(subset(("livestream", "gaming")))]

    stack: Stack = {}
    app = draw(app_settings(roles, permission_ids))
    if app or draw(st.booleans()):
        stack["app"] = app
    if roles:
        stack["roles"] = roles
    if permission_ids:
        stack["permissions"] = {p: draw(permission()) for p in permission_ids}
    if command_names:
        stack["commands"] = {c: draw(command()) for c in command_names}
    if blocklist_names:
        stack["blocklists"] = {b: draw(blocklist(b)) for b in blocklist_names}
    if policies:
        stack["retention_policies"] = {p: {"max_age_hours": draw(st.integers(24, 43800))} for p in policies}
    stack["channel_types"] = {
        t: draw(channel_type(t, command_names, blocklist_names, roles, permission_ids))
        for t in [*builtin_types, *type_names]
    }
    if provider_names:
        stack["push_providers"] = {p: draw(push_provider(p)) for p in provider_names}
    undeclared = [p for p in PROVIDER_POOL if p not in provider_names]
    orphans = draw(st.lists(st.sampled_from(undeclared), max_size=1)) if orphan_templates and undeclared else []
    templates = draw(push_templates([*provider_names, *orphans]))
    if templates:
        stack["push_templates"] = templates
    if storage_names:
        stack["external_storage"] = {s: draw(external_storage(s)) for s in storage_names}
    return stack


# ------------------------------------------------------------------ an independent model of the app


def live_names(snapshot: dict[str, Any]) -> dict[str, set[str]]:
    """Custom (deletable) objects of each collection kind, from the emulator's raw state."""
    return {
        "roles": {r["name"] for r in snapshot["roles"] if r["custom"]},
        "permissions": {p["id"] for p in snapshot["permissions"]},
        "commands": {c["name"] for c in snapshot["commands"]},
        "blocklists": {b["name"] for b in snapshot["blocklists"]} - {BUILTIN_BLOCKLIST},
        "retention_policies": {p["policy"] for p in snapshot["retention_policies"]},
        "channel_types": set(snapshot["channel_types"]) - set(BUILTIN_TYPES),
        "push_providers": {p["name"] for p in snapshot["push_providers"]},
        "push_templates": set(live_templates(snapshot)),
        "external_storage": set(snapshot["external_storages"]),
    }


def live_templates(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The emulator's push templates by the name a stack gives them (`<type>[/<provider>]/<event>`)."""
    return {"/".join(part for part in (t["push_provider_type"], t["push_provider_name"], t["event_type"]) if part): t
            for t in snapshot["push_templates"]}


def sends_default_push(template: dict[str, Any]) -> bool:
    """A template that sends pushes with Stream's default payload is what every event has without
    one: a stack that does not declare it leaves nothing unmanaged."""
    return template.get("enable_push") is True and not template.get("template")


def declared_names(stack: Stack, kind: str) -> set[str]:
    """Custom objects of a kind the stack declares (built-in channel types left out)."""
    section = stack.get(kind) or {}
    return set(section) - set(BUILTIN_TYPES) if kind == "channel_types" else set(section)


def to_delete(snapshot: dict[str, Any], stack: Stack) -> set[tuple[str, str]]:
    """(kind, name) of every live object the stack's prune list makes a plan delete."""
    pruned = set((stack.get("stack") or {}).get("prune") or []) - set(NEVER_DELETED)
    return {(kind, name) for kind, found in live_names(snapshot).items() if kind in pruned
            for name in found - declared_names(stack, kind)}


def unmanaged(snapshot: dict[str, Any], stack: Stack) -> set[str]:
    """Addresses of the live objects a plan lists as not managed: those the stack does not
    declare and does not delete (push templates that send Stream's default push left out)."""
    deleted = to_delete(snapshot, stack)
    templates = live_templates(snapshot)
    return {f"{kind}.{name}" for kind, found in live_names(snapshot).items()
            for name in found - declared_names(stack, kind) if (kind, name) not in deleted
            and not (kind == "push_templates" and sends_default_push(templates[name]))}


def names_after_apply(snapshot: dict[str, Any], stack: Stack) -> dict[str, set[str]]:
    """The live objects of each collection kind once the stack is applied: what stays, and what
    it declares. A push provider's delete takes its templates along (Stream removes them)."""
    deleted = to_delete(snapshot, stack)
    out = {kind: {name for name in found if (kind, name) not in deleted} | declared_names(stack, kind)
           for kind, found in live_names(snapshot).items()}
    gone = {name for kind, name in deleted if kind == "push_providers"}
    out["push_templates"] = {t for t in out["push_templates"] if template_provider(t) not in gone}
    return out


def merged_grants(live: dict[str, list[str]], declared: dict[str, list[str]] | None) -> dict[str, list[str]]:
    out = {role: list(perms) for role, perms in live.items()}
    for role, perms in (declared or {}).items():
        if perms:
            out[role] = list(perms)
        else:
            out.pop(role, None)
    return out


def expand_commands(names: list[str], custom: list[str], sets: dict[str, str]) -> list[str]:
    """Channel-type command names as the API stores them (sets and "all" expanded)."""
    out: list[str] = []
    for name in names:
        if name == "all":
            members = [*BUILTIN_COMMANDS, *custom]
        elif name in COMMAND_SETS:
            members = COMMAND_SETS[name]
        elif name in custom or name in BUILTIN_COMMANDS:
            members = [name]
        else:
            members = [c for c in custom if sets.get(c) == name]
        out.extend(m for m in members if m not in out)
    return out


def _grant_refs(grant_map: dict[str, list[str]]) -> set[tuple[str, str]]:
    refs: set[tuple[str, str]] = set()
    for role, perms in grant_map.items():
        if perms:
            refs.add(("roles", role))
        refs.update(("permissions", p) for p in perms)
    return refs


def references_after_apply(snapshot: dict[str, Any], stack: Stack) -> dict[str, set[tuple[str, str]]]:
    """What each live object that survives the plan refers to once the stack is applied: its
    declared fields over its live ones (grants merged role by role)."""
    deleted = to_delete(snapshot, stack)
    all_commands = [c["name"] for c in snapshot["commands"] if ("commands", c["name"]) not in deleted]
    all_commands += [c for c in declared_names(stack, "commands") if c not in all_commands]
    sets = {c["name"]: c.get("set") or "" for c in snapshot["commands"]}
    sets.update({name: body.get("set") or "" for name, body in (stack.get("commands") or {}).items()})
    refs: dict[str, set[tuple[str, str]]] = {}
    app_decl = stack.get("app") or {}
    refs["app"] = _grant_refs(merged_grants(snapshot["app"].get("grants") or {}, app_decl.get("grants")))
    for name, config in snapshot["channel_types"].items():
        if ("channel_types", name) in deleted:
            continue
        decl = (stack.get("channel_types") or {}).get(name) or {}
        found = _grant_refs(merged_grants(config.get("grants") or {}, decl.get("grants")))
        commands = (expand_commands(decl["commands"], all_commands, sets) if "commands" in decl
                    else config.get("commands") or [])
        found.update(("commands", c) for c in commands if c not in BUILTIN_COMMANDS)
        options = decl["blocklists"] if "blocklists" in decl else config.get("blocklists") or []
        found.update(("blocklists", o["blocklist"]) for o in options)
        single = decl["blocklist"] if "blocklist" in decl else config.get("blocklist")
        if single:
            found.add(("blocklists", single))
        refs[f"channel_types.{name}"] = found
    # A declared template refers to its provider; a live one the stack leaves out does not hold
    # the provider's delete back (it goes with the provider).
    for name in stack.get("push_templates") or {}:
        provider = template_provider(name)
        if provider is not None:
            refs[f"push_templates.{name}"] = {("push_providers", provider)}
    return refs


def dangling(snapshot: dict[str, Any], stack: Stack) -> list[str]:
    """Deletes that a surviving object would still refer to: a plan must refuse them."""
    deleted = to_delete(snapshot, stack)
    out = []
    for address, found in sorted(references_after_apply(snapshot, stack).items()):
        out.extend(f"{kind}.{name} <- {address}" for kind, name in sorted(found & deleted))
    return out


def tidy(stack: Stack, snapshot: dict[str, Any]) -> Stack:
    """The stack, with references to what it deletes removed from the surviving objects (as a
    user would write it): roles and permissions dropped from grants, commands and blocklists
    from channel types. A channel type the stack does not declare is declared for that. Push
    templates of a provider that will not exist are left out too."""
    stack = copy.deepcopy(stack)
    deleted = to_delete(snapshot, stack)

    def fix_grants(live: dict[str, list[str]], decl: dict[str, Any]) -> None:
        wanted = decl.setdefault("grants", {})
        for role, perms in live.items():
            if role in wanted:
                continue
            kept = [] if ("roles", role) in deleted else [p for p in perms if ("permissions", p) not in deleted]
            if kept != perms:
                wanted[role] = kept
        if not wanted:
            del decl["grants"]

    app = stack.setdefault("app", {})
    fix_grants(snapshot["app"].get("grants") or {}, app)
    if not app:
        del stack["app"]
    types = stack.setdefault("channel_types", {})
    for name, config in snapshot["channel_types"].items():
        if ("channel_types", name) in deleted:
            continue
        decl = types.get(name, {})
        fix_grants(config.get("grants") or {}, decl)
        if "commands" not in decl and any(("commands", c) in deleted for c in config.get("commands") or []):
            decl["commands"] = [c for c in config["commands"] if ("commands", c) not in deleted]
        if "blocklists" not in decl and any(("blocklists", o["blocklist"]) in deleted
                                            for o in config.get("blocklists") or []):
            decl["blocklists"] = [{"blocklist": o["blocklist"], "behavior": o["behavior"]}
                                  for o in config["blocklists"] if ("blocklists", o["blocklist"]) not in deleted]
        if "blocklist" not in decl and ("blocklists", config.get("blocklist")) in deleted:
            decl["blocklist"] = ""
        if decl or name in types:
            types[name] = decl
    # Templates of a provider that will not exist (deleted, or never live nor declared) are left out.
    templates = stack.get("push_templates") or {}
    providers = names_after_apply(snapshot, stack)["push_providers"]
    for name in [n for n in templates if template_provider(n) not in (None, *providers)]:
        del templates[name]
    if "push_templates" in stack and not templates:
        del stack["push_templates"]
    return stack


def unknown_references(snapshot: dict[str, Any], stack: Stack) -> list[str]:
    """References to objects that exist nowhere (not declared, not live): a plan must refuse
    them. Only a push template's provider can be one in these stacks."""
    known = live_names(snapshot)["push_providers"] | declared_names(stack, "push_providers")
    return sorted(f"push_templates.{name}.push_provider_name refers to push_providers.{provider}"
                  for name in stack.get("push_templates") or {}
                  if (provider := template_provider(name)) is not None and provider not in known)


def _without_empty_unset(want: dict[str, Any], have: dict[str, Any] | None) -> dict[str, Any]:
    """`want` without empty lists and maps the live object does not hold at all: declaring one
    manages nothing (there is no leaf to compare), and the API leaves such fields out."""
    have = have if isinstance(have, dict) else {}
    out: dict[str, Any] = {}
    for key, value in want.items():
        if isinstance(value, dict) and key != "grants" and key != "condition":
            value = _without_empty_unset(value, have.get(key))
        if value in ([], {}) and have.get(key) is None:
            continue
        out[key] = value
    return out


def for_check(stack: Stack, snapshot: dict[str, Any]) -> Stack:
    """The stack as `checks.assert_live_matches` can compare it: channel-type command lists with
    "all" and sets expanded against the live commands, blocklist options in the API's key order,
    empty lists and maps the API does not hold left out, and no `stack` section."""
    out = copy.deepcopy({k: v for k, v in stack.items() if k != "stack"})
    custom = [c["name"] for c in snapshot["commands"]]
    sets = {c["name"]: c.get("set") or "" for c in snapshot["commands"]}
    if "app" in out:
        out["app"] = _without_empty_unset(out["app"], snapshot["app"])
    types = out.get("channel_types") or {}
    for name, body in types.items():
        if "commands" in body:
            body["commands"] = expand_commands(body["commands"], custom, sets)
        if "blocklists" in body:
            body["blocklists"] = [{"blocklist": o["blocklist"], "behavior": o["behavior"]} for o in body["blocklists"]]
        types[name] = _without_empty_unset(body, snapshot["channel_types"].get(name))
    return out
