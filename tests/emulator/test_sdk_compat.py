"""Compatibility: the official Python SDK (``getstream``) drives the emulator and parses every response.

The emulator is served on a real loopback socket and the SDK is pointed at it with ``base_url``. Each test goes
through create, read, update and delete of one resource kind with the SDK's own methods and checks that:

- the SDK returned its typed response object (it raises ``StreamApiException`` when it cannot parse a body);
- every field of that object, recursively, holds a value of the field's declared type, and every value on the
  wire reached the object unchanged (``dataclasses_json`` neither checks types nor refuses bad ones: it coerces
  silently, so the parsed object is compared with the JSON body the SDK received, recorded by its transport);
- a field the SDK declares non-optional but the emulator left out is an emulator bug when the official spec
  (``../shared/stream-api/openapi-subset.json``, if present) requires it too; fields the spec does not know
  (the SDK is generated from a newer spec) are tolerated;
- the data read back matches what was written.

Errors are checked too: the SDK must turn the emulator's error bodies into ``StreamApiException`` with the
status, code and message of the body.
"""

from __future__ import annotations

import dataclasses
import json
import time
import types
import typing
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from stream_emulator import Emulator, EmulatorOptions, ManualClock, serve_in_thread

from .helpers import KEY, SECRET, server_token

getstream = pytest.importorskip(
    "getstream", reason="the official SDK is an optional test extra: pip install '.[compat]'"
)
models = pytest.importorskip("getstream.models")
stream_response = pytest.importorskip("getstream.stream_response")

pytestmark = [
    pytest.mark.compat,
    pytest.mark.socket,
    # dataclasses_json warns for each non-optional field it fills with None; parse_problems() judges those instead.
    pytest.mark.filterwarnings("ignore:Missing value of non-optional type:RuntimeWarning"),
]
MAX_LISTED_PROBLEMS = 12

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "stream-api" / "openapi-subset.json"
FIREBASE_CREDENTIALS = '{"type": "service_account", "project_id": "demo"}'
APN_TOKEN_AUTH = {"apn_auth_type": "token", "apn_auth_key": "P8-KEY", "apn_key_id": "KEY", "apn_team_id": "TEAM",
                  "apn_topic": "com.example.app"}


# -- checking what the SDK parsed ------------------------------------------------------------------------


@cache
def spec_required_fields() -> dict[str, frozenset[str]] | None:
    """``schema name -> required properties`` of the official spec, or None where the shared folder is absent."""
    if not SPEC_PATH.is_file():
        return None
    schemas = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["components"]["schemas"]
    return {name: frozenset(schema.get("required", [])) for name, schema in schemas.items()}


@cache
def field_hints(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, vars(models))
    return {field.name: hints[field.name] for field in dataclasses.fields(cls)}


@cache
def json_names(cls: type) -> dict[str, str]:
    """JSON key -> attribute name of an SDK model (``StatusCode`` -> ``status_code``)."""
    names = {}
    for field in dataclasses.fields(cls):
        override = field.metadata.get("dataclasses_json", {}).get("letter_case")
        names[override(field.name) if override else field.name] = field.name
    return names


@dataclasses.dataclass
class ParseReport:
    problems: list[str] = dataclasses.field(default_factory=list)
    missing: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # (path, model, field)


def check_typed(value: Any, hint: Any, path: str, report: ParseReport, owner: tuple[str, str] | None) -> None:
    """Record every place where ``value`` does not hold the declared type ``hint`` (None where not optional)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is object:
        return
    if origin in (typing.Union, types.UnionType):
        if value is None:
            if type(None) not in args:
                report.missing.append((path, *(owner or ("?", "?"))))
            return
        for option in (arg for arg in args if arg is not type(None)):
            attempt = ParseReport()
            check_typed(value, option, path, attempt, owner)
            if not attempt.problems:
                report.missing.extend(attempt.missing)
                return
        report.problems.append(f"{path}: {value!r} is not a {hint}")
        return
    if value is None:
        report.missing.append((path, *(owner or ("?", "?"))))
        return
    if origin is list:
        if not isinstance(value, list):
            report.problems.append(f"{path}: {value!r} is not a list")
            return
        for index, item in enumerate(value):
            check_typed(item, args[0], f"{path}[{index}]", report, None)
        return
    if origin is dict:
        if not isinstance(value, dict):
            report.problems.append(f"{path}: {value!r} is not a dict")
            return
        for key, item in value.items():
            check_typed(item, args[1], f"{path}[{key!r}]", report, None)
        return
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            report.problems.append(f"{path}: {value!r} was not parsed into {hint.__name__}")
            return
        for name, field_hint in field_hints(hint).items():
            check_typed(getattr(value, name), field_hint, f"{path}.{name}", report, (hint.__name__, name))
        return
    if hint is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            report.problems.append(f"{path}: {value!r} is not an aware datetime")
        return
    if hint is bool or hint is int or hint is str:
        if type(value) is not hint:
            report.problems.append(f"{path}: {value!r} is not a {hint.__name__}")
        return
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            report.problems.append(f"{path}: {value!r} is not a number")
        return
    if isinstance(hint, type) and not isinstance(value, hint):
        report.problems.append(f"{path}: {value!r} is not a {hint.__name__}")


def compare_with_wire(raw: Any, value: Any, path: str, problems: list[str]) -> None:
    """Every value the emulator sent must have reached the SDK object unchanged (no coercion, nothing dropped).

    ``dataclasses_json`` coerces silently (``"yes"`` -> ``True``, ``"abc"`` -> ``["a", "b", "c"]``, ``1.5`` -> ``1``),
    so comparing the parsed object with the JSON on the wire is what shows that the SDK really understood it.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not isinstance(raw, dict):
            problems.append(f"{path}: the wire has {raw!r}, the SDK made a {type(value).__name__}")
            return
        names = json_names(type(value))
        for key, item in raw.items():
            if key in names:  # keys the SDK does not model are ignored by it (the spec check covers them)
                compare_with_wire(item, getattr(value, names[key]), f"{path}.{key}", problems)
    elif isinstance(value, datetime):
        if type(raw) is not int or abs(value.timestamp() * 1e9 - raw) > 1e3:
            problems.append(f"{path}: the wire has {raw!r}, the SDK read {value!r} (expected integer nanoseconds)")
    elif isinstance(value, list):
        if not isinstance(raw, list) or len(raw) != len(value):
            problems.append(f"{path}: the wire has {raw!r}, the SDK read {value!r}")
            return
        for index, (raw_item, item) in enumerate(zip(raw, value, strict=True)):
            compare_with_wire(raw_item, item, f"{path}[{index}]", problems)
    elif isinstance(value, dict):
        if not isinstance(raw, dict) or set(raw) != set(value):
            problems.append(f"{path}: the wire has {raw!r}, the SDK read {value!r}")
            return
        for key in raw:
            compare_with_wire(raw[key], value[key], f"{path}[{key!r}]", problems)
    elif type(raw) is not type(value) or raw != value:
        problems.append(f"{path}: the wire has {raw!r}, the SDK read {value!r}")


def parse_problems(data: Any, raw: Any = None) -> list[str]:
    """Type errors, values changed on the way in, and non-optional SDK fields left out though the spec requires them."""
    report = ParseReport()
    check_typed(data, type(data), type(data).__name__, report, None)
    required = spec_required_fields()
    for path, model, field in report.missing:
        if required is not None and field in required.get(model, ()):
            report.problems.append(f"{path}: missing, but required by the SDK's {model} and by the spec")
    if raw is not None:
        compare_with_wire(raw, data, type(data).__name__, report.problems)
    return report.problems


def listing(problems: list[str]) -> str:
    shown = problems[:MAX_LISTED_PROBLEMS]
    if len(problems) > len(shown):
        shown.append(f"... and {len(problems) - len(shown)} more")
    return "\n".join(shown)


class RecordingTransport(httpx.BaseTransport):
    """A real HTTP transport (over the loopback socket) that keeps the last response body the SDK received."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.request = ""
        self.body: bytes | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.request, self.body = f"{request.method} {request.url.path}", response.read()
        return response

    def close(self) -> None:
        self.inner.close()

    def last_body(self) -> Any:
        assert self.body is not None, "no request went through the recording transport"
        return json.loads(self.body)


class Checker:
    """``check(client.get_app(), models.GetApplicationResponse)``: the SDK's typed data, checked against the wire."""

    def __init__(self, transport: RecordingTransport) -> None:
        self.transport = transport

    def __call__(self, response: Any, model: Any, status: int = 200) -> Any:
        assert isinstance(response, stream_response.StreamResponse), type(response)
        assert response.status_code() == status
        data = response.data
        assert isinstance(data, model), f"expected {model.__name__}, the SDK returned {type(data).__name__}"
        problems = parse_problems(data, self.transport.last_body())
        assert not problems, f"{self.transport.request}: {model.__name__} was not parsed cleanly:\n" + listing(problems)
        return data

    def error(self, call: Callable[[], Any], status: int, code: int, operation: str) -> Any:
        """The SDK must raise its API exception carrying the status, code and message of the error body."""
        with pytest.raises(getstream.StreamApiException) as caught:
            call()
        error = caught.value
        assert (error.status_code, error.code) == (status, code), str(error)
        assert error.message.startswith(f'{operation} failed with error: "'), error.message
        assert isinstance(error.api_error, models.APIError)
        assert parse_problems(error.api_error, self.transport.last_body()) == []
        assert error.api_error.status_code == status and error.api_error.details == []
        return error


# -- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Starts emulators on loopback sockets; the clock stands still at the current time (no flaky windows)."""
    handles = []

    def start(**options: Any) -> str:
        options.setdefault("rate_limits", False)
        emulator = Emulator(EmulatorOptions(apps=[(KEY, SECRET)], clock=ManualClock(time.time()), **options))
        handle = serve_in_thread(emulator)
        handles.append(handle)
        return handle.url

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def check(transport: RecordingTransport) -> Checker:
    return Checker(transport)


@pytest.fixture
def make_client(transport: RecordingTransport) -> Iterator[Callable[..., Any]]:
    clients = []

    def make(url: str, secret: str | None = SECRET, token: str | None = None) -> Any:
        credentials = {"token": token} if token else {"api_secret": secret}
        client = getstream.Stream(api_key=KEY, base_url=url, transport=transport, **credentials)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def url(serve: Callable[..., str]) -> str:
    return serve()


@pytest.fixture
def client(url: str, make_client: Callable[..., Any]) -> Any:
    return make_client(url)


# -- one test per resource kind ---------------------------------------------------------------------------


def test_app_settings_read_and_update(client: Any, check: Checker) -> None:
    """The app exists once per key: it can be read and updated, not created or deleted."""
    app = check(client.get_app(), models.GetApplicationResponse).app
    assert isinstance(app, models.AppResponseFields) and app.name == KEY
    assert isinstance(app.channel_configs["messaging"], models.ChannelConfig)
    revoked = datetime(2025, 1, 1, 12, 30, tzinfo=UTC)
    check(client.update_app(
        push_config=models.PushConfig(version="v3", offline_only=True),
        webhook_url="https://hooks.example.com/stream",
        webhook_events=["message.new"],
        enforce_unique_usernames="app",
        cdn_expiration_seconds=86400,
        sqs_url="https://sqs.example.com/queue", sqs_key="AKIA", sqs_secret="sqs-secret",
        event_hooks=[models.EventHook(hook_type="webhook", webhook_url="https://hooks.example.com/v2",
                                      event_types=["message.new"], enabled=True)],
        file_upload_config=models.FileUploadConfig(size_limit=2048, blocked_file_extensions=[".exe"]),
        revoke_tokens_issued_before=revoked,
    ), models.Response)
    app = check(client.get_app(), models.GetApplicationResponse).app
    assert app.webhook_url == "https://hooks.example.com/stream" and app.webhook_events == ["message.new"]
    assert app.enforce_unique_usernames == "app" and app.cdn_expiration_seconds == 86400
    assert (app.push_notifications.version, app.push_notifications.offline_only) == ("v3", True)
    assert (app.sqs_url, app.sqs_key) == ("https://sqs.example.com/queue", "AKIA")
    [hook] = app.event_hooks
    assert (hook.hook_type, hook.webhook_url, hook.event_types) == ("webhook", "https://hooks.example.com/v2",
                                                                    ["message.new"])
    assert isinstance(hook.id, str) and hook.id and isinstance(hook.created_at, datetime)
    assert app.file_upload_config.size_limit == 2048
    assert app.file_upload_config.blocked_file_extensions == [".exe"]
    assert app.revoke_tokens_issued_before == revoked


def test_channel_type_create_read_update_delete(client: Any, check: Checker) -> None:
    chat = client.chat
    check(chat.create_command(name="ticket", description="Open a ticket", args="[text]"),
          models.CreateCommandResponse, 201)
    check(client.create_block_list(name="banned", words=["spam"]), models.CreateBlockListResponse, 201)
    created = check(chat.create_channel_type(
        name="support", automod="disabled", automod_behavior="flag", max_message_length=1000,
        commands=["ticket", "fun_set"], message_retention="30", partition_ttl="24h", push_level="mentions",
        blocklists=[models.BlockListOptions(blocklist="banned", behavior="block")],
        chat_preferences=models.ChatPreferences(default_preference="all"),
    ), models.CreateChannelTypeResponse, 201)
    assert (created.name, created.max_message_length, created.commands) == ("support", 1000, ["ticket", "giphy"])
    assert created.blocklists == [models.BlockListOptions(blocklist="banned", behavior="block")]
    assert created.grants and isinstance(created.created_at, datetime)

    read = check(chat.get_channel_type("support"), models.GetChannelTypeResponse)
    assert [command.name for command in read.commands] == ["ticket", "giphy"]
    assert read.commands[0] == models.Command(name="ticket", description="Open a ticket", args="[text]", set="",
                                              created_at=read.commands[0].created_at,
                                              updated_at=read.commands[0].updated_at)
    assert (read.message_retention, read.partition_ttl, read.push_level) == ("30", "24h", "mentions")
    assert read.chat_preferences.default_preference == "all"
    listed = check(chat.list_channel_types(), models.ListChannelTypesResponse).channel_types
    assert {"messaging", "support"} <= set(listed)
    assert isinstance(listed["support"], models.ChannelTypeConfig) and listed["support"].max_message_length == 1000

    updated = check(chat.update_channel_type(
        "support", automod="AI", automod_behavior="shadow_block", max_message_length=2500, quotes=False,
        commands=["giphy"],
        automod_thresholds=models.Thresholds(explicit=models.LabelThresholds(flag=0.5, block=0.9)),
    ), models.UpdateChannelTypeResponse, 201)
    assert (updated.automod, updated.automod_behavior, updated.max_message_length) == ("AI", "shadow_block", 2500)
    assert updated.commands == ["giphy"] and updated.quotes is False
    assert updated.automod_thresholds.explicit == models.LabelThresholds(flag=0.5, block=0.9)
    assert updated.updated_at >= created.updated_at
    reread = check(chat.get_channel_type("support"), models.GetChannelTypeResponse)
    assert reread.max_message_length == 2500 and reread.message_retention == "30"  # update merges
    assert reread.automod_thresholds.explicit.block == 0.9

    check(chat.delete_channel_type("support"), models.Response)
    check.error(lambda: chat.get_channel_type("support"), 404, 16, "GetChannelType")
    assert "support" not in check(chat.list_channel_types(), models.ListChannelTypesResponse).channel_types


def test_command_create_read_update_delete(client: Any, check: Checker) -> None:
    chat = client.chat
    created = check(chat.create_command(name="ticket", description="Open a ticket", args="[text]", set="support"),
                    models.CreateCommandResponse, 201).command
    assert (created.name, created.description, created.args, created.set) == ("ticket", "Open a ticket", "[text]",
                                                                              "support")
    assert isinstance(created.created_at, datetime)
    read = check(chat.get_command("ticket"), models.GetCommandResponse)
    assert (read.name, read.description, read.created_at) == ("ticket", "Open a ticket", created.created_at)
    listed = check(chat.list_commands(), models.ListCommandsResponse).commands
    assert [command.name for command in listed] == ["ticket"]
    builtin = check(chat.get_command("giphy"), models.GetCommandResponse)
    assert (builtin.name, builtin.set) == ("giphy", "fun_set")

    updated = check(chat.update_command("ticket", description="Open a support ticket"),
                    models.UpdateCommandResponse, 201).command
    assert (updated.description, updated.args, updated.set) == ("Open a support ticket", "[text]", "support")
    assert check(chat.get_command("ticket"), models.GetCommandResponse).description == "Open a support ticket"

    deleted = check(chat.delete_command("ticket"), models.DeleteCommandResponse)
    assert deleted.name == "ticket"
    check.error(lambda: chat.get_command("ticket"), 404, 16, "GetCommand")
    assert check(chat.list_commands(), models.ListCommandsResponse).commands == []


def test_blocklist_create_read_update_delete(client: Any, check: Checker) -> None:
    created = check(client.create_block_list(name="banned", words=["spam", "scam"], is_leet_check_enabled=True),
                    models.CreateBlockListResponse, 201).blocklist
    assert (created.name, created.type, created.words) == ("banned", "word", ["spam", "scam"])
    assert created.is_leet_check_enabled is True and created.is_plural_check_enabled is False
    assert isinstance(created.created_at, datetime)
    read = check(client.get_block_list("banned"), models.GetBlockListResponse).blocklist
    assert read.words == ["spam", "scam"] and read.id == created.id
    builtin = check(client.get_block_list("profanity_en_2020_v1"), models.GetBlockListResponse).blocklist
    assert builtin.words and builtin.type == "word"

    everything = check(client.list_block_lists(), models.ListBlockListResponse)
    assert [item.name for item in everything.blocklists] == ["profanity_en_2020_v1", "banned"]
    assert everything.next_cursor is None
    first = check(client.list_block_lists(limit=1), models.ListBlockListResponse)
    assert [item.name for item in first.blocklists] == ["profanity_en_2020_v1"] and first.next_cursor
    second = check(client.list_block_lists(limit=1, cursor=first.next_cursor), models.ListBlockListResponse)
    assert [item.name for item in second.blocklists] == ["banned"] and second.next_cursor is None

    updated = check(client.update_block_list("banned", words=["phishing"], is_plural_check_enabled=True),
                    models.UpdateBlockListResponse, 201).blocklist
    assert updated.words == ["phishing"] and updated.is_plural_check_enabled is True
    assert updated.is_leet_check_enabled is True  # untouched flags are kept
    assert check(client.get_block_list("banned"), models.GetBlockListResponse).blocklist.words == ["phishing"]

    check(client.delete_block_list("banned"), models.Response)
    check.error(lambda: client.get_block_list("banned"), 404, 16, "GetBlockList")
    listed = check(client.list_block_lists(), models.ListBlockListResponse).blocklists
    assert [item.name for item in listed] == ["profanity_en_2020_v1"]


def test_role_create_read_delete(client: Any, check: Checker) -> None:
    """Roles have no properties, so the API has no get or update of one role (the list is the read)."""
    role = check(client.create_role("support-agent"), models.CreateRoleResponse, 201).role
    assert (role.name, role.custom, role.scopes) == ("support-agent", True, [])
    assert isinstance(role.created_at, datetime)
    roles = {item.name: item for item in check(client.list_roles(), models.ListRolesResponse).roles}
    assert roles["support-agent"].custom is True and roles["admin"].custom is False
    check(client.delete_role("support-agent"), models.Response)
    assert "support-agent" not in {item.name for item in check(client.list_roles(), models.ListRolesResponse).roles}
    check.error(lambda: client.delete_role("support-agent"), 404, 16, "DeleteRole")


def test_permission_create_read_update_delete(client: Any, check: Checker, url: str) -> None:
    # Older SDKs (stream-py before CreatePermission was re-added to the spec, see REFERENCE §8.3) can only list
    # and get permissions; there the writes go over raw HTTP with the SDK's kind of server token.
    sdk_can_write = all(hasattr(client, name) for name in ("create_permission", "update_permission",
                                                           "delete_permission"))
    raw = httpx.Client(base_url=url, params={"api_key": KEY},
                       headers={"Authorization": server_token(SECRET), "Stream-Auth-Type": "jwt"})
    try:
        if sdk_can_write:
            check(client.create_permission(action="ReadChannel", id="read-support", name="Read support",
                                           condition={"$subject.team": "support"}, description="custom"),
                  models.Response, 201)
        else:
            response = raw.post("/api/v2/permissions", json={
                "action": "ReadChannel", "id": "read-support", "name": "Read support",
                "condition": {"$subject.team": "support"}, "description": "custom"})
            assert response.status_code == 201, response.text
        permission = check(client.get_permission("read-support"), models.GetCustomPermissionResponse).permission
        assert (permission.id, permission.name, permission.action, permission.custom) == (
            "read-support", "Read support", "ReadChannel", True)
        assert permission.condition == {"$subject.team": "support"} and permission.description == "custom"
        listed = check(client.list_permissions(), models.ListPermissionsResponse).permissions
        assert {"read-support", "create-channel"} <= {item.id for item in listed}
        builtin = check(client.get_permission("create-channel"), models.GetCustomPermissionResponse).permission
        assert builtin.custom is False and builtin.action == "CreateChannel"

        if sdk_can_write:
            check(client.update_permission("read-support", action="ReadChannel", name="Read helpdesk",
                                           condition={"$subject.team": "helpdesk"}), models.Response, 201)
        else:
            response = raw.put("/api/v2/permissions/read-support", json={
                "action": "ReadChannel", "name": "Read helpdesk", "condition": {"$subject.team": "helpdesk"}})
            assert response.status_code == 201, response.text
        permission = check(client.get_permission("read-support"), models.GetCustomPermissionResponse).permission
        assert (permission.name, permission.condition) == ("Read helpdesk", {"$subject.team": "helpdesk"})

        if sdk_can_write:
            check(client.delete_permission("read-support"), models.Response)
        else:
            assert raw.delete("/api/v2/permissions/read-support").status_code == 200
    finally:
        raw.close()
    check.error(lambda: client.get_permission("read-support"), 404, 16, "GetPermission")


def test_push_provider_and_template_create_read_update_delete(client: Any, check: Checker) -> None:
    check(client.update_app(push_config=models.PushConfig(version="v3")), models.Response)
    paused = datetime(2025, 2, 1, tzinfo=UTC)
    fcm = check(client.upsert_push_provider(models.PushProviderRequest(
        name="fcm", type="firebase", firebase_credentials=FIREBASE_CREDENTIALS, description="Android",
        firebase_notification_template="{}", disabled_at=paused, disabled_reason="paused",
    )), models.UpsertPushProviderResponse, 201).push_provider
    assert (fcm.name, fcm.type, fcm.description, fcm.disabled_at) == ("fcm", "firebase", "Android", paused)
    assert fcm.firebase_credentials is None  # a secret: stored, never returned
    apn_request = models.PushProviderRequest(name="apn-prod", type="apn", **APN_TOKEN_AUTH)
    apn = check(client.upsert_push_provider(apn_request), models.UpsertPushProviderResponse, 201).push_provider
    assert (apn.apn_key_id, apn.apn_team_id, apn.apn_topic, apn.apn_auth_key) == ("KEY", "TEAM", "com.example.app",
                                                                                  None)
    providers = check(client.list_push_providers(), models.ListPushProvidersResponse).push_providers
    assert sorted((item.type, item.name) for item in providers) == [("apn", "apn-prod"), ("firebase", "fcm")]

    rename = models.PushProviderRequest(name="fcm", type="firebase", description="Android app")
    renamed = check(client.upsert_push_provider(rename), models.UpsertPushProviderResponse, 201).push_provider
    assert renamed.description == "Android app" and renamed.created_at == fcm.created_at
    assert renamed.firebase_notification_template == "{}"  # upsert merges

    template = check(client.upsert_push_template(event_type="message.new", push_provider_type="firebase",
                                                 push_provider_name="fcm", template='{"title": "{{ sender }}"}'),
                     models.UpsertPushTemplateResponse, 201).template
    assert (template.event_type, template.template, template.enable_push) == (
        "message.new", '{"title": "{{ sender }}"}', True)
    templates = check(client.get_push_templates("firebase", "fcm"), models.GetPushTemplatesResponse).templates
    assert [(item.event_type, item.template) for item in templates] == [("message.new", '{"title": "{{ sender }}"}')]
    disabled = check(client.upsert_push_template(event_type="message.new", push_provider_type="firebase",
                                                 push_provider_name="fcm", enable_push=False),
                     models.UpsertPushTemplateResponse, 201).template
    assert disabled.enable_push is False and disabled.template == '{"title": "{{ sender }}"}'

    check(client.delete_push_provider("firebase", "fcm"), models.Response)
    providers = check(client.list_push_providers(), models.ListPushProvidersResponse).push_providers
    assert [item.name for item in providers] == ["apn-prod"]
    assert check(client.get_push_templates("firebase", "fcm"), models.GetPushTemplatesResponse).templates == []
    check.error(lambda: client.delete_push_provider("firebase", "fcm"), 404, 16, "DeletePushProvider")


def test_retention_policy_create_read_update_delete(client: Any, check: Checker) -> None:
    chat = client.chat
    assert check(chat.get_retention_policy(), models.GetRetentionPolicyResponse).policies == []
    policy = check(chat.set_retention_policy(max_age_hours=720, policy="old-messages"),
                   models.SetRetentionPolicyResponse, 201).policy
    assert (policy.policy, policy.config.max_age_hours) == ("old-messages", 720)
    assert isinstance(policy.enabled_at, datetime) and isinstance(policy.app_pk, int)
    check(chat.set_retention_policy(max_age_hours=24, policy="inactive-channels"),
          models.SetRetentionPolicyResponse, 201)
    updated = check(chat.set_retention_policy(max_age_hours=48, policy="old-messages"),
                    models.SetRetentionPolicyResponse, 201).policy
    assert updated.config.max_age_hours == 48
    policies = check(chat.get_retention_policy(), models.GetRetentionPolicyResponse).policies
    assert sorted((item.policy, item.config.max_age_hours) for item in policies) == [("inactive-channels", 24),
                                                                                     ("old-messages", 48)]
    runs = check(chat.get_retention_policy_runs(limit=10, filter_conditions={"policy": "old-messages"}),
                 models.GetRetentionPolicyRunsResponse, 201)
    assert runs.runs == []
    check(chat.delete_retention_policy("old-messages"), models.DeleteRetentionPolicyResponse, 201)
    policies = check(chat.get_retention_policy(), models.GetRetentionPolicyResponse).policies
    assert [item.policy for item in policies] == ["inactive-channels"]
    check.error(lambda: chat.delete_retention_policy("old-messages"), 404, 16, "DeleteRetentionPolicy")


def test_rate_limits_and_rate_limit_headers(client: Any, check: Checker) -> None:
    limits = check(client.get_rate_limits(server_side=True, endpoints="GetApp,CreateChannelType"),
                   models.GetRateLimitsResponse)
    assert set(limits.server_side) == {"GetApp", "CreateChannelType"} and limits.android is None
    assert limits.server_side["CreateChannelType"].limit == 60
    assert isinstance(limits.server_side["GetApp"], models.LimitInfoResponse)
    # Every documented endpoint, not only the emulated ones (Stream's own test asks for these two).
    documented = check(client.get_rate_limits(server_side=True, endpoints="GetRateLimits,SendMessage"),
                       models.GetRateLimitsResponse)
    assert set(documented.server_side) == {"GetRateLimits", "SendMessage"}
    every_platform = check(client.get_rate_limits(), models.GetRateLimitsResponse)
    assert every_platform.server_side and every_platform.android and every_platform.web
    assert "SendMessage" in every_platform.unity and "CheckPush" in every_platform.ios
    info = client.get_app().rate_limit()  # the SDK reads x-ratelimit-* headers of every response
    assert info is not None and info.limit == 10000 and isinstance(info.reset, datetime)


def test_blocklist_import_and_its_task(client: Any, check: Checker) -> None:
    blocklist = check(client.create_block_list(name="banned", words=["spam"]), models.CreateBlockListResponse,
                      201).blocklist
    started = check(client.import_block_list(blocklist.id, items=["spam", "scam", "fraud"], chunk_size=2),
                    models.ImportBlockListResponse, 201)
    task = check(client.get_task(started.task_id), models.GetTaskResponse)
    assert (task.task_id, task.status) == (started.task_id, "completed")
    assert task.result == {"added": 2, "skipped": 1, "total": 3} and isinstance(task.created_at, datetime)
    assert check(client.get_block_list("banned"), models.GetBlockListResponse).blocklist.words == [
        "spam", "scam", "fraud"]
    too_many = check(client.import_block_list("banned", items=[f"w{index}" for index in range(10_000)]),
                     models.ImportBlockListResponse, 201)
    failed = check(client.get_task(too_many.task_id), models.GetTaskResponse)
    assert failed.status == "failed" and failed.error.type == "limit_exceeded"
    check.error(lambda: client.get_task("no-such-task"), 404, 16, "GetTask")


def test_external_storage_create_list_update_check_delete(client: Any, check: Checker) -> None:
    check(client.create_external_storage(bucket="chat-exports", name="exports", storage_type="s3", path="daily",
                                         aws_s3=models.S3Request(s3_region="eu-west-1", s3_api_key="AKIA",
                                                                 s3_secret="secret")),
          models.CreateExternalStorageResponse, 201)
    listed = check(client.list_external_storage(), models.ListExternalStorageResponse).external_storages
    assert (listed["exports"].type, listed["exports"].bucket, listed["exports"].path) == ("s3", "chat-exports",
                                                                                          "daily")
    checked = check(client.check_external_storage("exports"), models.CheckExternalStorageResponse)
    assert checked.file_url.startswith("https://chat-exports.s3.eu-west-1.amazonaws.com/daily/stream-check-")
    updated = check(client.update_external_storage("exports", bucket="chat-exports", storage_type="abs",
                                                   azure_blob=models.AzureRequest(
                                                       abs_account_name="exports", abs_tenant_id="t",
                                                       abs_client_id="c", abs_client_secret="invalid")),
                    models.UpdateExternalStorageResponse, 201)
    assert (updated.name, updated.type, updated.path) == ("exports", "abs", "")
    check.error(lambda: client.check_external_storage("exports"), 400, 4, "CheckExternalStorage")
    check(client.delete_external_storage("exports"), models.DeleteExternalStorageResponse)
    assert check(client.list_external_storage(), models.ListExternalStorageResponse).external_storages == {}
    check.error(lambda: client.delete_external_storage("exports"), 404, 16, "DeleteExternalStorage")


def test_check_push_sqs_and_sns(client: Any, check: Checker) -> None:
    check(client.update_app(push_config=models.PushConfig(version="v3"), sqs_key="AKIA", sqs_secret="secret",
                            sqs_url="https://sqs.eu-west-1.amazonaws.com/123456789012/queue"), models.Response)
    check(client.upsert_push_provider(models.PushProviderRequest(name="apn-prod", type="apn", **APN_TOKEN_AUTH)),
          models.UpsertPushProviderResponse, 201)
    check(client.upsert_push_provider(models.PushProviderRequest(name="fcm", type="firebase",
                                                                 firebase_credentials=FIREBASE_CREDENTIALS)),
          models.UpsertPushProviderResponse, 201)
    passed = check(client.check_push(user_id="alice", skip_devices=True), models.CheckPushResponse, 201)
    assert passed.device_errors is None and passed.general_errors is None and passed.event_type == "message.new"
    assert passed.rendered_apn_template and passed.rendered_firebase_template and passed.rendered_message
    check(client.upsert_push_provider(models.PushProviderRequest(name="fcm", firebase_credentials='{"a": 1}')),
          models.UpsertPushProviderResponse, 201)
    failed = check(client.check_push(user_id="alice", push_provider_type="firebase", push_provider_name="fcm"),
                   models.CheckPushResponse, 201)
    [(device, error)] = failed.device_errors.items()
    assert (device, error.provider, error.provider_name) == ("firebase:fcm", "firebase", "fcm")
    assert "project_id" in error.error_message
    sqs = check(client.check_sqs(), models.CheckSQSResponse, 201)  # the app's own SQS settings
    assert sqs.status == "ok" and sqs.error is None
    sqs = check(client.check_sqs(sqs_url="https://foo.com/bar"), models.CheckSQSResponse, 201)
    assert (sqs.status, sqs.error) == ("error", "invalid SQS url")
    sns = check(client.check_sns(sns_key="key", sns_secret="invalid",
                                 sns_topic_arn="arn:aws:sns:eu-west-1:123456789012:topic"),
                models.CheckSNSResponse, 201)
    assert sns.status == "error" and sns.data == {"fields": ["sns_secret"]}


# -- errors ---------------------------------------------------------------------------------------------------


def test_error_bodies_become_sdk_exceptions(client: Any, check: Checker, url: str,
                                            make_client: Callable[..., Any]) -> None:
    check.error(lambda: client.chat.create_command(name="has spaces", description="x"), 400, 4, "CreateCommand")
    check.error(lambda: client.chat.update_channel_type("nope", automod="disabled", automod_behavior="flag",
                                                        max_message_length=10), 404, 16, "UpdateChannelType")
    # A client holding a user token (the SDK mints it with user_id and iat) is refused on config endpoints.
    user_client = make_client(url, token=client.create_token("alice"))
    check.error(lambda: user_client.chat.update_channel_type("messaging", automod="disabled",
                                                             automod_behavior="flag", max_message_length=10),
                403, 17, "UpdateChannelType")
    forger = make_client(url, secret="not-the-secret-0123456789-0123456789")
    check.error(forger.get_app, 401, 43, "GetApp")


def test_rate_limited_calls_raise_the_sdk_rate_limit_exception(serve: Callable[..., str], check: Checker,
                                                               make_client: Callable[..., Any]) -> None:
    client = make_client(serve(rate_limits=True))
    check(client.chat.get_channel_type("messaging"), models.GetChannelTypeResponse)
    check(client.chat.get_channel_type("messaging"), models.GetChannelTypeResponse)  # 2 per second
    error = check.error(lambda: client.chat.get_channel_type("messaging"), 429, 9, "GetChannelType")
    assert isinstance(error, getstream.StreamRateLimitException)
    assert error.retry_after is not None and error.retry_after.total_seconds() >= 1


# -- the checker must be able to fail ----------------------------------------------------------------------


def test_the_parse_check_catches_wrongly_shaped_data() -> None:
    stamp = 1_735_689_600_000_000_000  # 2025-01-01T00:00:00Z in nanoseconds
    wire = {"name": "ticket", "description": "d", "args": "", "set": "", "created_at": stamp, "unknown": 1}
    good = models.Command.from_dict(wire, infer_missing=True)
    assert good.created_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_problems(good, wire) == []
    wrong_type = models.Command(name="ticket", description="d", args="", set="", created_at="2025-01-01T00:00:00Z")
    assert parse_problems(wrong_type) == [
        "Command.created_at: '2025-01-01T00:00:00Z' is not a datetime.datetime | None"
    ]
    # dataclasses_json coerces silently: only the comparison with the wire shows it.
    coerced_wire = {"duration": "1ms", "commands": [{"name": 5, "description": "d", "args": "", "set": "",
                                                     "updated_at": True}]}
    coerced = models.ListCommandsResponse.from_dict(coerced_wire, infer_missing=True)
    assert parse_problems(coerced) == []
    assert parse_problems(coerced, coerced_wire) == [
        "ListCommandsResponse.commands[0].name: the wire has 5, the SDK read '5'",
        "ListCommandsResponse.commands[0].updated_at: the wire has True, the SDK read "
        "datetime.datetime(1970, 1, 1, 0, 0, tzinfo=datetime.timezone.utc) (expected integer nanoseconds)",
    ]
    empty = models.GetChannelTypeResponse.from_dict({"duration": "1ms"}, infer_missing=True)
    if spec_required_fields() is not None:  # name, automod, ... are required by the spec too: a missing one is a bug
        assert "GetChannelTypeResponse.name: missing, but required by the SDK's GetChannelTypeResponse and by the " \
            "spec" in parse_problems(empty)
