"""Undeclared fields survive every update, as a property: for a random app (a random stack A,
with event hooks, applied to a new app, plus what only the API holds: each hook's callback, each
push provider's disabled_at) and a random change of one declared field of one object in a stack
B that also leaves random fields of that object undeclared, applying B changes the emulator's raw
state (secrets included) in that one field only, verification passes, and B then plans empty."""

from __future__ import annotations

import asyncio
import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from stream_emulator import Emulator, EmulatorOptions
from stream_iac.cli.run import StackPlan, plan_stack
from stream_iac.executor import Executor
from stream_iac.plan import PlanOptions
from tests.e2e.snapshots import differences
from tests.e2e.strategies import (
    ENV,
    LOWER_ALNUM,
    WEBHOOK_EVENTS,
    Stack,
    app_settings,
    blocklist,
    channel_type,
    command,
    external_storage,
    live_templates,
    permission,
    push_provider,
    push_template,
    stacks,
    subset,
)
from tests.e2e.test_convergence import FastSession, VirtualTime, describe, failures

KEY = "undeclared-key"
SECRET = "undeclared-secret-0123456789"
HOOK_ENV = {"HOOK_SQS": "hook-sqs-secret-111", "HOOK_SNS": "hook-sns-secret-222"}
SESSION_ENV = {"STREAM_API_KEY": KEY, "STREAM_API_SECRET": SECRET, "STREAM_BASE_URL": "http://127.0.0.1:9",
               **ENV, **HOOK_ENV}
CALLBACK = {"mode": "CALLBACK_MODE_REST", "server_url": "https://callback.example.com"}
# Fields a valid stack always declares (an apn provider with token auth: its key id, team id and topic).
REQUIRED = {"permissions": ("name", "action", "condition"), "commands": ("description",), "blocklists": ("words",),
            "retention_policies": ("max_age_hours",),
            "push_providers": ("type", "apn_key_id", "apn_team_id", "apn_topic"),
            # Its type and credentials (fixed by name): an update replaces the whole storage, and the
            # credentials a stack leaves out cannot be carried (the API never returns them).
            "external_storage": ("storage_type", "bucket", "aws_s3", "gcs_credentials", "azure_blob")}
HOOK_URL = {"webhook": "webhook_url", "sqs": "sqs_queue_url", "sns": "sns_topic_arn"}

# ------------------------------------------------------------------ event hooks


def hook_fields(hook_type: str, n: int) -> dict[str, st.SearchStrategy[Any]]:
    """Strategies for every field of a hook of this type but its type and URL (`n` keeps URLs apart)."""
    fields: dict[str, st.SearchStrategy[Any]] = {
        "event_types": subset(WEBHOOK_EVENTS), "enabled": st.booleans(), "timeout_ms": st.integers(100, 20000),
        "product": st.sampled_from(["chat", "video"]), "should_send_custom_events": st.booleans(),
    }
    if hook_type in ("sqs", "sns"):
        fields.update({
            f"{hook_type}_region": st.sampled_from(["eu-west-1", "us-east-1"]),
            f"{hook_type}_auth_type": st.just("keys"),
            f"{hook_type}_key": st.text(LOWER_ALNUM, min_size=1, max_size=8).map(str.upper),
            f"{hook_type}_secret": st.just("${env:HOOK_" + hook_type.upper() + "}"),
        })
    return fields


def hook_url(hook_type: str, n: int, tag: str) -> str:
    if hook_type == "sns":
        return f"arn:aws:sns:eu-west-1:1:hook{n}-{tag}"
    return f"https://hooks.example.com/{hook_type}/{n}/{tag}"


@st.composite
def event_hooks(draw: st.DrawFn) -> list[dict[str, Any]]:
    hooks = []
    if not draw(st.integers(0, 4)):
        return []
    for n, hook_type in enumerate(draw(st.lists(st.sampled_from(sorted(HOOK_URL)), min_size=1, max_size=3))):
        fields = hook_fields(hook_type, n)
        chosen = draw(st.lists(st.sampled_from(sorted(fields)), unique=True))
        tag = draw(st.text(LOWER_ALNUM, min_size=1, max_size=6))
        hooks.append({"hook_type": hook_type, HOOK_URL[hook_type]: hook_url(hook_type, n, tag),
                      **{name: draw(fields[name]) for name in sorted(chosen)}})
    return hooks


# ------------------------------------------------------------------ one field changed, others left undeclared


def fresh_body(draw: st.DrawFn, kind: str, name: str, stack: Stack) -> dict[str, Any]:
    """A new random body for object `name` of `kind`, referring only to what `stack` declares."""
    roles = list(stack.get("roles") or [])
    perms = sorted(stack.get("permissions") or {})
    if kind == "app":
        return draw(app_settings(roles, perms))
    if kind == "permissions":
        return draw(permission())
    if kind == "commands":
        return draw(command())
    if kind == "blocklists":
        return draw(blocklist(name))
    if kind == "retention_policies":
        return {"max_age_hours": draw(st.integers(24, 43800))}
    if kind == "push_providers":
        return draw(push_provider(name))
    if kind == "push_templates":
        return draw(push_template())
    if kind == "external_storage":
        return draw(external_storage(name))
    return draw(channel_type(name, sorted(stack.get("commands") or {}), sorted(stack.get("blocklists") or {}),
                             roles, perms))


@st.composite
def one_change(draw: st.DrawFn, stack: Stack) -> tuple[Stack, str, str, tuple[Any, ...]]:
    """B, and what it changes: (B, kind, name, field path inside the object). B declares the
    changed object with one field new and random others of its fields left out."""
    hooks = (stack.get("app") or {}).get("event_hooks") or []
    # Hypothesis favours the first choices: this order spreads the examples about evenly over the kinds.
    kinds = [kind for kind in ("push_templates", "push_providers", "external_storage", "permissions",
                               "retention_policies", "blocklists", "commands", "channel_types", "app")
             if stack.get(kind)]
    kind = draw(st.sampled_from(["event_hooks", *kinds] if hooks else kinds))
    if kind == "event_hooks":
        return draw(hook_change(stack, hooks))
    name = "app" if kind == "app" else draw(st.sampled_from(sorted(stack[kind])))
    before = stack[kind] if kind == "app" else stack[kind][name]
    fresh: dict[str, Any] = {}
    changed: list[str] = []
    for _ in range(5):  # optional fields are drawn at random: draw again until one differs
        fresh.update(fresh_body(draw, kind, name, stack))
        changed = sorted(f for f, v in fresh.items() if before.get(f) != v and f != "event_hooks")
        if changed:
            break
    field = draw(st.sampled_from(changed)) if changed else None
    optional = sorted(f for f in before if f not in REQUIRED.get(kind, ()) and f != field)
    kept = draw(st.lists(st.sampled_from(optional), unique=True)) if optional else []
    body = {f: v for f, v in before.items() if f in REQUIRED.get(kind, ()) or f in kept}
    if field is not None:
        body[field] = fresh[field]
    second = copy.deepcopy(stack)
    if kind == "app":
        second["app"] = body
    else:
        second[kind][name] = body
    return second, kind, name, (field,) if field else ()


@st.composite
def hook_change(draw: st.DrawFn, stack: Stack, hooks: list[dict[str, Any]]) -> tuple[Stack, str, str, tuple[Any, ...]]:
    """B with one field of one event hook changed, and random fields of every hook left out
    (each keeps its type and URL, which tell the hooks apart)."""
    at = draw(st.integers(0, len(hooks) - 1))
    hook_type = hooks[at]["hook_type"]
    fields = hook_fields(hook_type, at)
    field = draw(st.sampled_from([*sorted(fields), HOOK_URL[hook_type]]))
    value = hook_url(hook_type, at, "changed") if field == HOOK_URL[hook_type] else draw(fields[field])
    declared = []
    for n, hook in enumerate(hooks):
        url = HOOK_URL[hook["hook_type"]]
        others = sorted(f for f in hook if f not in ("hook_type", url))
        kept = draw(st.lists(st.sampled_from(others), unique=True)) if others else []
        item = {f: v for f, v in hook.items() if f in ("hook_type", url) or f in kept}
        if n == at:
            item[field] = value
        declared.append(item)
    second = copy.deepcopy(stack)
    second["app"] = {**second["app"], "event_hooks": declared}
    return second, "app", "app", ("event_hooks", hooks[at][HOOK_URL[hook_type]], field)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Stack, Stack, str, str, tuple[Any, ...]]:
    first = draw(stacks())
    hooks = draw(event_hooks())
    if hooks:
        first["app"] = {**(first.get("app") or {}), "event_hooks": hooks}
    second, kind, name, path = draw(one_change(first))
    return first, second, kind, name, path


# ------------------------------------------------------------------ the app


class App:
    def __init__(self, folder: Path) -> None:
        self.emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
        self.session = FastSession(env=SESSION_ENV, transport_factory=lambda _: self.emulator.async_transport())
        self.folder = folder

    def write(self, name: str, stack: Stack) -> str:
        path = self.folder / name
        path.mkdir()
        (path / "stack.yaml").write_text(yaml.safe_dump(stack, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return str(path)

    async def plan(self, path: str) -> StackPlan:
        return await plan_stack(self.session, path, PlanOptions())

    async def apply(self, path: str) -> None:
        planned = await self.plan(path)
        if planned.plan.empty:
            return
        client = self.session.client(planned.settings)
        try:
            report = await Executor(client, sleep=VirtualTime().sleep).apply(planned.plan)
        finally:
            await client.aclose()
        assert report.ok, f"apply failed:\n{failures(report)}\n{report.discrepancies}\nplan:\n{describe(planned.plan)}"

    async def raw(self, op: str, method: str, path: str, body: Any) -> None:
        client = self.session.client(self.session.settings_for(None))
        try:
            await client.call(op, method, path, body=body)
        finally:
            await client.aclose()

    async def seed_what_only_the_api_holds(self) -> None:
        """A callback on every event hook (sent with its id and secrets, so nothing else changes), a
        disabled_at on every push provider."""
        snapshot = self.emulator.snapshot(KEY)
        hooks = [{k: v for k, v in hook.items() if k not in ("created_at", "updated_at")}
                 for hook in snapshot["app"]["event_hooks"]]
        if hooks:
            await self.raw("UpdateApp", "PATCH", "/app", {"event_hooks": [{**h, "callback": CALLBACK} for h in hooks]})
        for provider in snapshot["push_providers"]:
            await self.raw("UpsertPushProvider", "POST", "/push_providers", {"push_provider": {
                "name": provider["name"], "type": provider["type"], "disabled_at": "2024-01-02T03:04:05Z"}})


def allowed_paths(snapshot: dict[str, Any], kind: str, name: str, path: tuple[Any, ...]) -> tuple[tuple[str, ...], ...]:
    """Where in the emulator's snapshot the change may show."""
    if not path:
        return ()
    if kind == "app":
        if path[0] == "event_hooks":
            _, url, field = path
            [hook] = [h for h in snapshot["app"]["event_hooks"] if url in (h.get(f) for f in HOOK_URL.values())]
            return (("app", "event_hooks", str(hook["id"]), field),)
        if path[0] == "push_config":  # read back through push_notifications; the snapshot keeps what was sent too
            return (("app", "push_notifications"), ("app", "push_config"))
        return (("app", path[0]),)
    if kind == "retention_policies":
        return ((kind, name, "config", "max_age_hours"),)
    if kind == "external_storage":
        return (("external_storages", name, *path),)
    if kind == "blocklists":
        name = next(str(b["id"]) for b in snapshot["blocklists"] if b["name"] == name)
    if kind == "permissions" and path[0] in ("owner", "action"):  # read-only fields derived from them
        return ((kind, name, path[0]), (kind, name, "owner_resource"), (kind, name, "level"))
    return ((kind, name, *path),)


def snapshot(app: App) -> dict[str, Any]:
    """The emulator's raw state, push templates by name (their list items carry no identity)."""
    raw = app.emulator.snapshot(KEY)
    return {**raw, "push_templates": live_templates(raw)}


async def scenario(app: App, first: Stack, second: Stack, kind: str, name: str, path: tuple[Any, ...]) -> None:
    await app.apply(app.write("a", first))
    await app.seed_what_only_the_api_holds()
    before = snapshot(app)
    await app.apply(app.write("b", second))
    after = snapshot(app)
    found = differences(before, after, allowed_paths(before, kind, name, path))
    assert found == [], f"changed {kind}.{name} {path}; other fields changed too:\n" + "\n".join(found)
    again = await app.plan(app.write("b2", second))
    assert again.plan.empty, describe(again.plan)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(case=scenarios())
def test_one_changed_field_changes_nothing_else(case: tuple[Stack, Stack, str, str, tuple[Any, ...]]) -> None:
    first, second, kind, name, path = case
    event(f"kind: {kind}" + (" (an event hook)" if path[:1] == ("event_hooks",) else ""))
    event("a declared field changed" if path else "no field changed")
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(scenario(App(Path(tmp)), first, second, kind, name, path))
