"""What `validate` accepts, the API accepts: for every kind, values drawn from the kind's own model
(its Literal choices, bounds, lengths and patterns, and a little past each: one past a bound, far
past int32, an item too many) are written as a stack; a stack that validates (and plans) is
applied to a new emulated app (strict: fields the spec does not define are refused too), once to
create its objects and once more, with other values, to update them. Every write must be
accepted: a refusal is a limit of the API that `validate` does not know.

Values the model cannot describe are drawn by hand (`OVERRIDES`): names of other objects (grant
roles and permission ids, commands, blocklists), secrets (from ${env:}, with firebase credentials
that are a JSON object, a JSON array or no JSON at all), blocklist words. At least 50 stacks per
kind are applied; no test here measures time."""

from __future__ import annotations

import asyncio
import tempfile
import typing
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st

from stream_emulator import Emulator, EmulatorOptions
from stream_emulator.store.builtins import builtin_permissions
from stream_iac.cli.run import plan_stack
from stream_iac.errors import StackError, UserError
from stream_iac.executor import Executor
from stream_iac.kinds import BY_NAME
from stream_iac.plan import PlanOptions
from tests.e2e.model_strategies import TEXT_ALPHABET, ModelStrategies, Overrides
from tests.e2e.test_convergence import FastSession, VirtualTime

EXAMPLES = 50
KEY = "limits-key"
SECRET = "limits-secret-0123456789"
ENV = {
    "STREAM_API_KEY": KEY,
    "STREAM_API_SECRET": SECRET,
    "STREAM_BASE_URL": "http://127.0.0.1:9",
    "PROP_SECRET": "secret-value-0123456789",
    "PROP_FCM_OBJECT": '{"type": "service_account", "private_key": "fcm-key-0123456789"}',
    "PROP_FCM_ARRAY": '["service_account", "fcm-key-0123456789"]',
    "PROP_FCM_TEXT": "type = service_account (not JSON)",
}

# Names the emulator knows on a new app (taken from the emulator, the side under test).
ROLES = ("user", "admin", "moderator", "guest", "anonymous", "channel_member", "channel_moderator")
PERMISSION_IDS = tuple(sorted(builtin_permissions()))
COMMANDS = ("giphy", "ban", "unban", "mute", "unmute", "fun_set", "moderation_set", "all")
BUILTIN_BLOCKLIST = "profanity_en_2020_v1"
TYPE_PREFIXES = {"apn": "apn_", "firebase": "firebase_", "huawei": "huawei_", "xiaomi": "xiaomi_"}

secret = st.just("${env:PROP_SECRET}")
grants = st.dictionaries(st.sampled_from(ROLES), st.lists(st.sampled_from(PERMISSION_IDS), max_size=3, unique=True),
                         max_size=3)
word = st.one_of(st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=40),
                 st.sampled_from(["x" * 40, "x" * 41, "Capital", "a.*b", "ab"]))

OVERRIDES: dict[str, Overrides] = {
    "app": {
        "grants": lambda: grants,
        "user_search_disallowed_roles[]": lambda: st.sampled_from(ROLES),
        "sqs_secret": lambda: secret,
        "sns_secret": lambda: secret,
        "datadog_info.api_key": lambda: secret,
        "event_hooks[].sqs_secret": lambda: secret,
        "event_hooks[].sns_secret": lambda: secret,
        "event_hooks[].failover_config.gcs_credentials": lambda: secret,
        **{field: lambda: secret for field in ("apn_config.auth_key", "apn_config.p12_cert",
                                               "firebase_config.server_key", "huawei_config.secret",
                                               "xiaomi_config.secret")},
        "firebase_config.credentials_json": lambda: st.sampled_from(
            ["${env:PROP_FCM_OBJECT}", "${env:PROP_FCM_OBJECT}", "${env:PROP_FCM_ARRAY}", "${env:PROP_FCM_TEXT}"]),
        # pending_message hooks often, so that a stack has three of them now and then
        "event_hooks[].hook_type": lambda: st.sampled_from(["pending_message", "pending_message", "webhook", "sqs",
                                                            "sns"]),
    },
    "channel_types": {
        "grants": lambda: grants,
        "commands[]": lambda: st.sampled_from(COMMANDS),
        "blocklist": lambda: st.sampled_from([BUILTIN_BLOCKLIST, ""]),
        "blocklists[].blocklist": lambda: st.just(BUILTIN_BLOCKLIST),
    },
    "blocklists": {"words": lambda: st.lists(word, max_size=6, unique=True)},
    "push_providers": {
        **{field: lambda: secret for field in ("apn_auth_key", "apn_p12_cert", "firebase_server_key",
                                               "huawei_app_secret", "xiaomi_app_secret")},
        "firebase_credentials": lambda: st.sampled_from(
            ["${env:PROP_FCM_OBJECT}", "${env:PROP_FCM_OBJECT}", "${env:PROP_FCM_ARRAY}", "${env:PROP_FCM_TEXT}"]),
    },
    "external_storage": {field: lambda: secret for field in ("aws_s3.s3_api_key", "aws_s3.s3_secret",
                                                             "gcs_credentials", "azure_blob.abs_client_secret")},
}
STORAGE_CREDENTIALS = {"s3": "aws_s3", "gcs": "gcs_credentials", "abs": "azure_blob"}


def names(kind: str) -> st.SearchStrategy[str]:
    """Object names: mostly ones the kind's name rule takes, sometimes any text (or a built-in)."""
    if kind == "retention_policies":
        return st.sampled_from(["old-messages", "inactive-channels", "old-messages", "new-messages"])
    if kind in ("channel_types", "commands"):
        pattern = r"[A-Za-z0-9_-]{1,64}" if kind == "channel_types" else r"[A-Za-z0-9_-]{1,255}"
        builtin = ["messaging", "livestream"] if kind == "channel_types" else ["giphy"]
        return st.one_of(st.from_regex(pattern, fullmatch=True), st.sampled_from(builtin),
                         st.text(TEXT_ALPHABET, max_size=8))
    if kind == "push_templates":  # <type>/<event_type>: templates of no provider (one needs no provider)
        types, events = ["apn", "firebase", "huawei", "xiaomi", "web"], ["message.new", "reaction.new", "message.x"]
        return st.one_of(st.builds(lambda t, e: f"{t}/{e}", st.sampled_from(types), st.sampled_from(events)),
                         st.text(TEXT_ALPHABET, max_size=8))
    longest = {"roles": 64, "permissions": 255, "push_providers": 36, "blocklists": 255,
               "external_storage": 255}[kind]
    builtin = {"roles": ["admin"], "permissions": ["read-channel"], "push_providers": [],
               "blocklists": [BUILTIN_BLOCKLIST], "external_storage": []}[kind]
    return st.one_of(st.text(TEXT_ALPHABET, min_size=1, max_size=20), st.text(TEXT_ALPHABET, max_size=2),
                     st.sampled_from([*builtin, "x" * longest, "x" * (longest + 1)]))


@st.composite
def body(draw: st.DrawFn, kind: str, first: dict[str, Any] | None = None) -> dict[str, Any]:
    """A body drawn from the kind's model; for an update (`first` given), fields that cannot change
    once created keep their value."""
    model = BY_NAME[kind].shape.model
    drawn: dict[str, Any] = draw(ModelStrategies(OVERRIDES.get(kind)).for_model(model))
    if kind == "push_providers":
        drawn["type"] = first["type"] if first else drawn["type"]
        own = TYPE_PREFIXES.get(drawn["type"], "")
        foreign = tuple(p for p in TYPE_PREFIXES.values() if p != own)
        if draw(st.integers(0, 9)):  # mostly only the provider's own fields (else validate refuses)
            drawn = {k: v for k, v in drawn.items() if not k.startswith(foreign)}
    if kind == "external_storage" and draw(st.integers(0, 9)):  # mostly the type's own credentials only
        wanted = STORAGE_CREDENTIALS.get(drawn["storage_type"], "")
        drawn = {k: v for k, v in drawn.items() if k == wanted or k not in STORAGE_CREDENTIALS.values()}
        if wanted and wanted not in drawn:
            field = model.model_fields[wanted]
            strategies = ModelStrategies(OVERRIDES.get(kind))
            drawn[wanted] = draw(strategies.for_annotation(typing.Annotated[(field.annotation, field)], wanted))
    if kind == "blocklists" and first is not None:
        if "type" in first:
            drawn["type"] = first["type"]
        else:
            drawn.pop("type", None)
    return drawn


@st.composite
def stacks(draw: st.DrawFn, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(a stack creating objects of `kind`, a stack updating them)."""
    if kind == "app":
        return {"app": draw(body("app"))}, {"app": draw(body("app"))}
    if kind == "roles":
        chosen = draw(st.lists(names("roles"), min_size=1, max_size=3))
        return {"roles": chosen}, {"roles": draw(st.lists(st.sampled_from(chosen), min_size=1))}
    name = draw(names(kind))
    first = draw(body(kind))
    second = draw(body(kind, first))
    return {kind: {name: first}}, {kind: {name: second}}


class App:
    """One new emulated app (strict: it refuses fields the spec does not define), planned and
    applied in-process through the library, on virtual time."""

    def __init__(self, folder: Path) -> None:
        emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
        self.session = FastSession(env=ENV, transport_factory=lambda _: emulator.async_transport())
        self.folder = folder

    def write(self, name: str, stack: dict[str, Any]) -> str:
        path = self.folder / name
        path.mkdir()
        (path / "stack.yaml").write_text(yaml.safe_dump(stack, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return str(path)


async def apply(app: App, path: str) -> list[str]:
    """Plan and apply one stack; the writes the API refused (StackError if validate refuses it)."""
    planned = await plan_stack(app.session, path, PlanOptions())
    if planned.plan.empty:
        return []
    client = app.session.client(planned.settings)
    try:
        report = await Executor(client, parallelism=4, sleep=VirtualTime().sleep, verify=False).apply(planned.plan)
    finally:
        await client.aclose()
    return [f"{r.address} {r.action}: {r.status}: {r.message}" for r in report.results if r.status != "applied"]


def run_example(kind: str, create: dict[str, Any], update: dict[str, Any], applied: Counter[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = App(Path(tmp))
        for step, stack in (("create", create), ("update", update)):
            path = app.write(step, stack)
            try:
                refused = asyncio.run(apply(app, path))
            except StackError:
                event(f"{step}: validate refused the stack")
                if step == "create":
                    reject()
                return
            except UserError as error:  # a reference or a change the plan refuses: known before apply too
                event(f"{step}: plan refused: {error.message.splitlines()[0][:60]}")
                if step == "create":
                    reject()
                return
            assert not refused, (f"validate accepted this {kind} stack, but the API refused it:\n"
                                 + "\n".join(refused) + "\n" + yaml.safe_dump(stack, allow_unicode=True))
            applied[step] += 1
            event(f"{step}: applied")


@pytest.mark.parametrize("kind", list(BY_NAME))
def test_what_validate_accepts_the_api_accepts(kind: str) -> None:
    applied: Counter[str] = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(pair=stacks(kind))
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        run_example(kind, *pair, applied)

    check()
    assert applied["create"] >= EXAMPLES, f"only {applied['create']} {kind} stacks validated and were applied"
