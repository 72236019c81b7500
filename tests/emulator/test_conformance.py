"""Conformance: every response the emulator gives is checked against the official spec's schemas.

The spec is ``../shared/stream-api/openapi-subset.json`` (the official OpenAPI 3.0.3 document cut to our endpoints),
read at test time from the ``shared`` folder beside this clone; where that folder is absent the tests skip.

A scenario drives every operation the emulator serves, plus a selection of errors, over both the in-process
transport and a real loopback socket, and records every exchange; the success scenario runs a second time on
the legacy un-prefixed paths (``/channeltypes``...), whose timestamps are RFC-3339 strings where ``/api/v2``
has integer nanoseconds. Then:

- each success body must validate against the schema the spec declares for its operation and status (on a
  legacy path, with every ``date-time`` an RFC-3339 string instead of a number);
- each 4xx/5xx body must validate against ``components/schemas/APIError`` (declared for that status or not);
- each status must be one the spec declares for the operation, or an error status with an APIError body;
- every spec operation the emulator implements must have been exercised, with a success.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from jsonschema import Draft202012Validator

from stream_emulator import Emulator
from stream_emulator.pipeline.request_schemas import REQUEST_BODIES
from stream_emulator.pipeline.routing import API_PREFIX, OPERATIONS
from stream_emulator.pipeline.schema import Arr, Node, Obj, Str

from .conftest import ClientFactory
from .helpers import KEY, SECRET, Api, server_token

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "stream-api" / "openapi-subset.json"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# OpenAPI 3.0 keywords that are not JSON Schema (``nullable`` is translated; the others are annotations).
OPENAPI_ONLY_KEYWORDS = frozenset({"nullable", "example", "discriminator", "xml", "externalDocs", "deprecated"})
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
SCHEMA_SINGLES = ("items", "not", "additionalProperties")

FIREBASE_CREDENTIALS = '{"type": "service_account", "project_id": "demo"}'
GCS_CREDENTIALS = '{"type": "service_account", "client_email": "e@p.iam.gserviceaccount.com", "private_key": "k"}'
AZURE_BLOB = {"abs_account_name": "exports", "abs_tenant_id": "t", "abs_client_id": "c", "abs_client_secret": "s"}


# -- the spec, translated to JSON Schema ---------------------------------------------------------------


RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"


def openapi_to_json_schema(node: Any, date_times_as_strings: bool = False) -> Any:
    """Translate one OpenAPI 3.0 schema object into JSON Schema (draft 2020-12).

    - ``nullable: true`` becomes ``type: [<type>, "null"]`` (plus ``null`` in an ``enum``), or ``anyOf [.., null]``
      where there is no ``type`` (a ``$ref``);
    - ``$ref: #/components/schemas/X`` becomes ``#/$defs/X``;
    - ``format`` is dropped: the spec types timestamps ``type: number, format: date-time`` and the emulator sends
      integer nanoseconds, which is a number and conforms (an RFC-3339 string would fail ``type``); no other
      format (int32, int64, duration, float) is checked either;
    - vendor extensions (``x-*``) and OpenAPI-only annotations are removed so they cannot be read as keywords.

    ``date_times_as_strings``: a ``date-time`` is an RFC-3339 string instead (the legacy path family).
    """
    if not isinstance(node, dict):
        return node
    if date_times_as_strings and node.get("format") == "date-time":
        node = {**node, "type": "string", "pattern": RFC3339}
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in OPENAPI_ONLY_KEYWORDS or key == "format":
            continue
        if key == "$ref":
            result[key] = value.replace("#/components/schemas/", "#/$defs/")
        elif key == "properties":
            result[key] = {
                name: openapi_to_json_schema(schema, date_times_as_strings) for name, schema in value.items()
            }
        elif key in SCHEMA_SINGLES:
            result[key] = openapi_to_json_schema(value, date_times_as_strings)
        elif key in SCHEMA_LISTS:
            result[key] = [openapi_to_json_schema(schema, date_times_as_strings) for schema in value]
        else:
            result[key] = copy.deepcopy(value)
    if node.get("nullable") is True:
        if "type" in result:
            types = result["type"] if isinstance(result["type"], list) else [result["type"]]
            result["type"] = [*types, "null"]
            if "enum" in result:
                result["enum"] = [*result["enum"], None]
        else:
            result = {"anyOf": [result, {"type": "null"}]}
    return result


def closed_objects(schema: Any) -> Any:
    """The same JSON Schema, but every object with ``properties`` and no ``additionalProperties`` is closed.

    Stricter than the spec (which leaves objects open): used to show that the emulator invents no fields.
    """
    if not isinstance(schema, dict):
        return schema
    result = dict(schema)
    for key in SCHEMA_SINGLES:
        if isinstance(schema.get(key), dict):
            result[key] = closed_objects(schema[key])
    for key in SCHEMA_LISTS:
        if key in schema:
            result[key] = [closed_objects(item) for item in schema[key]]
    if "properties" in schema:
        result["properties"] = {name: closed_objects(item) for name, item in schema["properties"].items()}
        result.setdefault("additionalProperties", False)
    return result


def path_segments(template_or_path: str) -> list[str]:
    return template_or_path.strip("/").split("/")


def is_parameter(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def matches(pattern: list[str], segments: list[str]) -> bool:
    if len(pattern) != len(segments):
        return False
    return all(is_parameter(expected) or expected == actual for expected, actual in zip(pattern, segments, strict=True))


def normalised_template(template: str) -> str:
    """``/api/v2/chat/commands/{name}`` -> ``/api/v2/chat/commands/{}`` (parameter names may differ)."""
    return "/" + "/".join("{}" if is_parameter(segment) else segment for segment in path_segments(template))


@dataclass(frozen=True)
class SpecOperation:
    operation_id: str
    method: str
    template: str
    responses: dict[int, str | None]  # status -> schema name of the application/json body (None: no body schema)


class Spec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.defs = {
            name: openapi_to_json_schema(schema) for name, schema in document["components"]["schemas"].items()
        }
        self.operations: list[SpecOperation] = []
        for template, path_item in document["paths"].items():
            for method, operation in path_item.items():
                if method not in HTTP_METHODS:
                    continue
                responses: dict[int, str | None] = {}
                for status, response in operation["responses"].items():
                    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                    ref = schema.get("$ref")
                    responses[int(status)] = ref.rsplit("/", 1)[-1] if ref else None
                self.operations.append(SpecOperation(operation["operationId"], method.upper(), template, responses))
        # The translated schemas must themselves be valid JSON Schema (checked once: it takes a moment).
        Draft202012Validator.check_schema({"$defs": self.defs})
        self.closed_defs = {name: closed_objects(schema) for name, schema in self.defs.items()}
        schemas = document["components"]["schemas"].items()
        self.legacy_defs = {name: openapi_to_json_schema(schema, True) for name, schema in schemas}
        self.legacy_closed_defs = {name: closed_objects(schema) for name, schema in self.legacy_defs.items()}
        self._validators: dict[tuple[str, bool, bool], Draft202012Validator] = {}

    def validator(self, schema_name: str, closed: bool = False, legacy: bool = False) -> Draft202012Validator:
        """Validates a body against a component schema; ``closed``: also refuse properties the spec omits;
        ``legacy``: date-times are RFC-3339 strings (the legacy path family)."""
        if (schema_name, closed, legacy) not in self._validators:
            if schema_name not in self.defs:
                raise KeyError(f"the spec has no schema {schema_name!r}")
            defs = {(False, False): self.defs, (True, False): self.closed_defs,
                    (False, True): self.legacy_defs, (True, True): self.legacy_closed_defs}[closed, legacy]
            root = {"$schema": Draft202012Validator.META_SCHEMA["$id"], "$defs": defs,
                    "$ref": f"#/$defs/{schema_name}"}
            self._validators[schema_name, closed, legacy] = Draft202012Validator(root)
        return self._validators[schema_name, closed, legacy]

    def match(self, method: str, raw_path: str) -> SpecOperation | None:
        """The operation for a request path; literal segments win over parameters (``/roles/search``). A legacy
        un-prefixed path is the spec's path without ``/api/v2`` (and without ``/chat``)."""
        if not raw_path.startswith(API_PREFIX + "/"):
            return self.match(method, API_PREFIX + raw_path) or self.match(method, API_PREFIX + "/chat" + raw_path)
        segments = [unquote(segment) for segment in path_segments(raw_path)]
        best: tuple[int, SpecOperation] | None = None
        for operation in self.operations:
            if operation.method != method:
                continue
            pattern = path_segments(operation.template)
            if matches(pattern, segments):
                literals = sum(1 for segment in pattern if not is_parameter(segment))
                if best is None or literals > best[0]:
                    best = (literals, operation)
        return best[1] if best else None


@cache
def load_spec(path: Path) -> Spec:
    return Spec(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def spec() -> Spec:
    if not SPEC_PATH.is_file():
        pytest.skip(f"{SPEC_PATH} not found: the shared folder is not beside this clone")
    return load_spec(SPEC_PATH)


def describe_errors(validator: Draft202012Validator, body: Any, limit: int = 8) -> list[str]:
    """One line per violation: which field broke which schema rule."""
    errors = sorted(validator.iter_errors(body), key=lambda error: [str(part) for part in error.absolute_path])
    lines = []
    for error in errors[:limit]:
        while error.context:  # anyOf/oneOf (a nullable $ref): report the inner failure that went deepest
            error = max(error.context, key=lambda inner: len(inner.absolute_path))
        rule = "/".join(str(part) for part in error.absolute_schema_path)
        lines.append(f"field {error.json_path}: {error.message} (rule {error.validator!r} at {rule})")
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more")
    return lines


# -- recording ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    label: str
    method: str
    path: str  # as sent, percent-encoded, without the query
    status: int
    body: Any  # parsed JSON, or the raw text when it is not JSON
    is_json: bool

    @property
    def legacy(self) -> bool:
        return not self.path.startswith(API_PREFIX + "/")

    def __str__(self) -> str:
        return f"[{self.label}] {self.method} {self.path} -> {self.status}"


class RecordingApi(Api):
    """``helpers.Api`` that records every exchange; ``label`` names the scenario step in failure messages."""

    def __init__(self, client: httpx.Client, key: str, secret: str, log: list[Exchange], label: str,
                 legacy: bool = False) -> None:
        super().__init__(client, key, secret, legacy)
        self.log = log
        self.label = label

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = super().request(method, path, **kwargs)
        try:
            body, is_json = response.json(), True
        except ValueError:
            body, is_json = response.text, False
        self.log.append(Exchange(self.label, method, response.request.url.path, response.status_code, body, is_json))
        return response


def expect(response: httpx.Response, status: int) -> dict[str, Any]:
    """The scenario must take the path it intends (else the checks below would prove less than they claim)."""
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


# -- the scenario ---------------------------------------------------------------------------------------


def drive_success_paths(api: RecordingApi) -> None:
    """Create, read, update and delete every resource kind; every operation the emulator serves, with a 2xx."""
    # App settings (push v3 first: push providers need v2/v3).
    expect(api.get("/app"), 200)
    expect(api.patch("/app", {
        "push_config": {"version": "v3", "offline_only": False},
        "webhook_url": "https://hooks.example.com/stream",
        "webhook_events": ["message.new"],
        "enforce_unique_usernames": "app",
        "sqs_url": "https://sqs.example.com/queue", "sqs_key": "AKIA", "sqs_secret": "sqs-secret",
        "event_hooks": [
            {"hook_type": "webhook", "webhook_url": "https://hooks.example.com/v2", "event_types": ["message.new"]},
            {"hook_type": "sqs", "sqs_queue_url": "https://sqs.example.com/q", "sqs_auth_type": "keys",
             "sqs_key": "AKIA", "sqs_secret": "hook-secret"},
        ],
        "apn_config": {"auth_type": "token", "auth_key": "P8", "key_id": "KEY", "team_id": "TEAM",
                       "bundle_id": "com.example.app", "development": True},
        "firebase_config": {"credentials_json": FIREBASE_CREDENTIALS, "notification_template": "{}"},
        "huawei_config": {"id": "hw-id", "secret": "hw-secret"},
        "xiaomi_config": {"package_name": "com.example", "secret": "mi-secret"},
        "datadog_info": {"api_key": "dd", "enabled": True, "site": "datadoghq.eu"},
        "file_upload_config": {"size_limit": 1024, "blocked_file_extensions": [".exe"]},
        "revoke_tokens_issued_before": "2025-01-01T00:00:00Z",
        "cdn_expiration_seconds": 86400,
    }), 200)

    # Referenced resources first: command, blocklist, role, custom permission.
    expect(api.post("/chat/commands", {"name": "ticket", "description": "Open a ticket", "args": "[text]",
                                        "set": "support_set"}), 201)
    expect(api.post("/blocklists", {"name": "banned-words", "words": ["spam", "scam"],
                                     "is_leet_check_enabled": True}), 201)
    expect(api.post("/blocklists", {"name": "banned-domains", "words": ["bad.example"], "type": "domain",
                                     "team": "blue", "user_id": "owner-1"}), 201)
    expect(api.post("/roles", {"name": "support-agent"}), 201)
    expect(api.post("/permissions", {"id": "read-support", "name": "Read support channels",
                                      "action": "ReadChannel", "condition": {"$subject.team": "support"},
                                      "description": "custom", "owner": False}), 201)

    # Channel types.
    expect(api.get("/chat/channeltypes"), 200)
    expect(api.post("/chat/channeltypes", {
        "name": "support", "automod": "disabled", "automod_behavior": "flag", "max_message_length": 2000,
        "commands": ["ticket", "fun_set"], "blocklists": [{"blocklist": "banned-words", "behavior": "block"}],
        "blocklist": "banned-words", "blocklist_behavior": "flag", "message_retention": "30",
        "partition_size": 20, "partition_ttl": "24h", "push_level": "mentions",
        "chat_preferences": {"default_preference": "all"},
        "permissions": [{"name": "allow all", "action": "Allow", "resources": ["ReadChannel"], "roles": ["user"],
                         "owner": False, "priority": 10}],
        "grants": {"support-agent": ["read-support", "read-channel"]},
    }), 201)
    expect(api.get("/chat/channeltypes/support"), 200)
    expect(api.put("/chat/channeltypes/support", {
        "automod": "AI", "automod_behavior": "shadow_block", "max_message_length": 3000, "quotes": True,
        "reminders": True, "allowed_flag_reasons": ["spam"],
        "automod_thresholds": {"explicit": {"flag": 0.5, "block": 0.9}, "toxic": {"flag": 0.4}},
    }), 201)
    expect(api.get("/chat/channeltypes"), 200)
    expect(api.get("/chat/channeltypes/messaging"), 200)
    expect(api.put("/chat/channeltypes/messaging", {
        "automod": "disabled", "automod_behavior": "flag", "max_message_length": 5000, "typing_events": False,
    }), 201)
    expect(api.get("/app"), 200)  # now with channel_configs, hooks, push config, datadog, revocation time

    # Commands.
    expect(api.get("/chat/commands"), 200)
    expect(api.get("/chat/commands/ticket"), 200)
    expect(api.get("/chat/commands/giphy"), 200)
    expect(api.put("/chat/commands/ticket", {"description": "Open a support ticket", "args": "[title]"}), 201)

    # Blocklists, with and without pagination.
    expect(api.get("/blocklists"), 200)
    page = expect(api.get("/blocklists", params={"limit": 1}), 200)
    expect(api.get("/blocklists", params={"limit": 2, "cursor": page["next_cursor"]}), 200)
    expect(api.get("/blocklists", params={"team": "blue"}), 200)
    expect(api.get("/blocklists/banned-words"), 200)
    expect(api.get("/blocklists/profanity_en_2020_v1"), 200)
    expect(api.put("/blocklists/banned-words", {"words": ["spam", "phishing"], "is_plural_check_enabled": True}),
           201)

    # Roles and permissions.
    expect(api.get("/roles"), 200)
    expect(api.get("/permissions"), 200)
    expect(api.get("/permissions/read-support"), 200)
    expect(api.get("/permissions/create-channel"), 200)
    expect(api.put("/permissions/read-support", {"name": "Read support", "action": "ReadChannel",
                                                  "condition": {"$subject.team": "helpdesk"}, "same_team": True}),
           201)

    # Push providers and templates.
    providers = [
        {"name": "apn-prod", "type": "apn", "apn_auth_type": "token", "apn_auth_key": "P8", "apn_key_id": "K",
         "apn_team_id": "T", "apn_topic": "com.example.app", "apn_development": False,
         "apn_notification_template": "{}", "description": "production APNs"},
        {"name": "fcm", "type": "firebase", "firebase_credentials": FIREBASE_CREDENTIALS,
         "firebase_notification_template": "{}", "disabled_at": "2025-02-01T00:00:00Z", "disabled_reason": "paused"},
        {"name": "hms", "type": "huawei", "huawei_app_id": "id", "huawei_app_secret": "secret"},
        {"name": "mi", "type": "xiaomi", "xiaomi_package_name": "com.example", "xiaomi_app_secret": "secret"},
    ]
    expect(api.get("/push_providers"), 200)
    for provider in providers:
        expect(api.post("/push_providers", {"push_provider": provider}), 201)
    expect(api.post("/push_providers", {"push_provider": {"name": "fcm", "type": "firebase",
                                                          "description": "renamed"}}), 201)
    expect(api.get("/push_providers"), 200)
    expect(api.post("/push_templates", {"event_type": "message.new", "push_provider_type": "firebase",
                                         "push_provider_name": "fcm", "template": '{"title": "{{ sender }}"}'}), 201)
    expect(api.post("/push_templates", {"event_type": "reaction.new", "push_provider_type": "apn",
                                         "enable_push": False}), 201)
    expect(api.get("/push_templates", params={"push_provider_type": "firebase", "push_provider_name": "fcm"}), 200)
    expect(api.get("/push_templates", params={"push_provider_type": "apn"}), 200)

    # Retention policies.
    expect(api.get("/chat/retention_policy"), 200)
    expect(api.post("/chat/retention_policy", {"policy": "old-messages", "max_age_hours": 720}), 201)
    expect(api.post("/chat/retention_policy", {"policy": "inactive-channels", "max_age_hours": 24}), 201)
    expect(api.post("/chat/retention_policy", {"policy": "old-messages", "max_age_hours": 48}), 201)
    expect(api.get("/chat/retention_policy"), 200)
    expect(api.post("/chat/retention_policy/runs", {}), 201)
    expect(api.post("/chat/retention_policy/runs", {"filter_conditions": {"policy": "old-messages"}, "limit": 10,
                                                    "sort": [{"field": "date", "direction": -1}]}), 201)
    expect(api.post("/chat/retention_policy/delete", {"policy": "inactive-channels"}), 201)

    # Blocklist import, and the task it starts (completed; failed past the word limit).
    blocklist = expect(api.get("/blocklists/banned-words"), 200)["blocklist"]
    task = expect(api.post(f"/blocklists/{blocklist['id']}/import", {"items": ["fraud", "spam"], "chunk_size": 100}),
                  201)
    expect(api.get(f"/tasks/{task['task_id']}"), 200)
    too_many = [f"word{index}" for index in range(10_001)]
    failed = expect(api.post("/blocklists/banned-words/import", {"items": too_many}), 201)
    assert expect(api.get(f"/tasks/{failed['task_id']}"), 200)["status"] == "failed"

    # Checks: push (a configuration that passes, one that fails), SQS and SNS (ok and error, both 201).
    expect(api.post("/check_push", {"user_id": "alice", "skip_devices": True, "push_provider_type": "apn",
                                     "push_provider_name": "apn-prod", "apn_template": '{"aps": {"alert": "hi"}}'}),
           201)
    expect(api.post("/push_providers", {"push_provider": {"name": "hms", "huawei_app_secret": "invalid"}}), 201)
    expect(api.post("/check_push", {"user_id": "alice", "firebase_template": "{{ message.text }}",
                                     "event_type": "message.updated"}), 201)
    expect(api.post("/check_sqs", {"sqs_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/queue"}), 201)
    expect(api.post("/check_sqs", {"sqs_url": "https://example.com/queue", "sqs_key": "k", "sqs_secret": "s"}), 201)
    expect(api.post("/check_sns", {"sns_topic_arn": "arn:aws:sns:eu-west-1:123456789012:topic", "sns_key": "k",
                                    "sns_secret": "s"}), 201)
    expect(api.post("/check_sns", {}), 201)

    # External storage: one of each type; list, update, check, delete.
    expect(api.get("/external_storage"), 200)
    expect(api.post("/external_storage", {"name": "exports-s3", "storage_type": "s3", "bucket": "exports",
                                           "path": "chat", "aws_s3": {"s3_region": "eu-west-1", "s3_api_key": "AKIA",
                                                                      "s3_secret": "secret"}}), 201)
    expect(api.post("/external_storage", {"name": "exports-gcs", "storage_type": "gcs", "bucket": "exports",
                                           "gcs_credentials": GCS_CREDENTIALS}), 201)
    expect(api.post("/external_storage", {"name": "exports-abs", "storage_type": "abs", "bucket": "exports",
                                           "azure_blob": AZURE_BLOB}), 201)
    expect(api.get("/external_storage"), 200)
    expect(api.put("/external_storage/exports-s3", {"storage_type": "s3", "bucket": "exports-2", "path": "",
                                                     "aws_s3": {"s3_region": "us-east-1"}}), 201)
    for name in ("exports-s3", "exports-gcs", "exports-abs"):
        expect(api.get(f"/external_storage/{name}/check"), 200)

    # Rate limits, for emulated and documented endpoints.
    expect(api.get("/rate_limits"), 200)
    expect(api.get("/rate_limits", params={"server_side": "true", "endpoints": "GetApp,CreateChannelType"}), 200)
    expect(api.get("/rate_limits", params={"android": "true", "endpoints": "GetRateLimits,SendMessage"}), 200)

    # Multi-tenancy adds the global_* roles' grants.
    expect(api.patch("/app", {"multi_tenant_enabled": True}), 200)
    expect(api.get("/app"), 200)

    # Deletes, in dependency order.
    expect(api.delete("/push_providers/xiaomi/mi"), 200)
    expect(api.delete("/push_providers/firebase/fcm"), 200)
    expect(api.delete("/chat/channeltypes/support"), 200)  # drops the type's grants of support-agent/read-support
    expect(api.delete("/chat/commands/ticket"), 200)
    expect(api.delete("/blocklists/banned-words"), 200)
    expect(api.delete("/roles/support-agent"), 200)
    expect(api.delete("/permissions/read-support"), 200)
    expect(api.post("/chat/retention_policy/delete", {"policy": "old-messages"}), 201)
    for name in ("exports-s3", "exports-gcs", "exports-abs"):
        expect(api.delete(f"/external_storage/{name}"), 200)
    expect(api.get("/app"), 200)


def drive_error_paths(api: RecordingApi, user_api: RecordingApi, stranger_api: RecordingApi,
                      forger_api: RecordingApi) -> None:
    """A selection of 4xx answers: not found, validation, authentication, authorisation, routing."""
    # 404 (code 16): unknown resources.
    expect(api.get("/chat/channeltypes/nope"), 404)
    expect(api.put("/chat/channeltypes/nope", {"automod": "disabled", "automod_behavior": "flag",
                                               "max_message_length": 10}), 404)
    expect(api.get("/chat/commands/nope"), 404)
    expect(api.delete("/chat/commands/nope"), 404)
    expect(api.get("/blocklists/nope"), 404)
    expect(api.delete("/roles/nope"), 404)
    expect(api.get("/permissions/nope"), 404)
    expect(api.delete("/push_providers/apn/nope"), 404)
    expect(api.post("/chat/retention_policy/delete", {"policy": "old-messages"}), 404)
    # 400 (code 4): validation and business rules.
    expect(api.post("/chat/channeltypes", {"name": "incomplete"}), 400)
    expect(api.post("/chat/channeltypes", {"name": "messaging", "automod": "disabled", "automod_behavior": "flag",
                                           "max_message_length": 5000}), 400)
    expect(api.put("/chat/channeltypes/messaging", {"name": "renamed", "automod": "disabled",
                                                    "automod_behavior": "flag", "max_message_length": 5000}), 400)
    expect(api.post("/chat/commands", {"name": "has spaces", "description": "x"}), 400)
    expect(api.post("/chat/commands", {"name": "giphy", "description": "reserved"}), 400)
    expect(api.post("/blocklists", {"name": "loud", "words": ["UPPER"]}), 400)
    expect(api.put("/blocklists/profanity_en_2020_v1", {"words": ["x"]}), 400)
    expect(api.get("/blocklists", params={"limit": 0}), 400)
    expect(api.get("/blocklists", params={"cursor": "not-a-cursor"}), 400)
    expect(api.post("/roles", {"name": "r" * 65}), 400)
    expect(api.delete("/roles/admin"), 400)
    expect(api.post("/permissions", {"id": "p", "name": "p", "action": "NoSuchAction", "condition": {}}), 400)
    expect(api.patch("/app", {"push_config": {"version": "v9"}}), 400)
    expect(api.patch("/app", {"cdn_expiration_seconds": 1}), 400)
    expect(api.post("/push_providers", {"push_provider": {"name": "x", "type": "sms"}}), 400)
    expect(api.get("/push_templates"), 400)
    expect(api.post("/chat/retention_policy", {"policy": "old-messages", "max_age_hours": 1}), 400)
    expect(api.post("/chat/commands", content=b"{not json"), 400)
    # 401: unknown api key (code 2), token signed with another secret (code 43), no token (code 5).
    expect(stranger_api.get("/app"), 401)
    expect(forger_api.get("/chat/channeltypes"), 401)
    expect(api.get("/roles", token=""), 401)
    # 403 (code 17): a user token on config endpoints.
    expect(user_api.put("/chat/channeltypes/messaging", {"automod": "disabled", "automod_behavior": "flag",
                                                         "max_message_length": 5000}), 403)
    expect(user_api.get("/app"), 403)
    # Routing: no such endpoint (404) and a method the path does not serve (405); neither is a spec operation.
    expect(api.get("/no/such/endpoint"), 404)
    expect(api.delete("/app"), 405)
    # A spec route the emulator does not serve: 404 naming its operation, not 405 for DELETE /roles/{name}.
    assert expect(api.get("/roles/search", params={"query": "a"}), 404)["message"].startswith("SearchRoles ")
    # The new endpoints' errors.
    expect(api.get("/tasks/no-such-task"), 404)
    expect(api.post("/blocklists/ghost/import", {"items": ["x"]}), 404)
    expect(api.post("/blocklists/profanity_en_2020_v1/import", {"items": ["x"]}), 400)
    expect(api.post("/blocklists/ghost/import", {"items": []}), 404)
    expect(api.get("/external_storage/ghost/check"), 404)
    expect(api.put("/external_storage/ghost", {"storage_type": "gcs", "bucket": "b", "gcs_credentials": "{}"}), 404)
    expect(api.delete("/external_storage/ghost"), 404)
    expect(api.post("/external_storage", {"name": "s3", "storage_type": "s3", "bucket": "b"}), 400)
    expect(api.post("/external_storage", {"name": "bad", "storage_type": "s3", "bucket": "Not_A_Bucket",
                                          "aws_s3": {"s3_region": "eu-west-1"}}), 201)
    expect(api.get("/external_storage/bad/check"), 400)
    expect(api.post("/check_push", {"message_id": "m1"}), 404)
    expect(api.post("/check_push", {"push_provider_type": "sms"}), 400)


def drive_rate_limit(api: RecordingApi) -> None:
    """429 (code 9): GetChannelType allows 60/min and 2/s; the injected clock does not move."""
    expect(api.get("/chat/channeltypes/messaging"), 200)
    expect(api.get("/chat/channeltypes/messaging"), 200)
    expect(api.get("/chat/channeltypes/messaging"), 429)


def drive_injected_faults(api: RecordingApi) -> None:
    """500 (code -1) and 429 injected by the fault simulator; the fixed seed makes the sequence the same each run."""
    seen: set[int] = set()
    for _ in range(40):
        try:
            seen.add(api.get("/chat/commands").status_code)
        except httpx.TransportError:  # an injected dropped connection: no response to check
            continue
        if {500, 429} <= seen:
            return
    raise AssertionError(f"40 requests at fault rate 1 gave only {sorted(seen)}")


@pytest.fixture
def exchanges(make_emulator: Callable[..., Emulator], client_factory: ClientFactory) -> list[Exchange]:
    """Every exchange of the whole scenario, over the transport ``client_factory`` is parametrized with."""
    log: list[Exchange] = []
    client = client_factory(make_emulator())
    api = RecordingApi(client, KEY, SECRET, log, "server token")
    drive_success_paths(api)
    legacy_emulator = make_emulator()
    drive_success_paths(RecordingApi(client_factory(legacy_emulator), KEY, SECRET, log, "legacy path", legacy=True))
    user_api = RecordingApi(client, KEY, SECRET, log, "user token")
    user_api.token = server_token(SECRET, user_id="alice")
    stranger_api = RecordingApi(client, "no-such-key", SECRET, log, "unknown api key")
    forger_api = RecordingApi(client, KEY, "not-the-secret-0123456789-0123456789", log, "wrong secret")
    drive_error_paths(api, user_api, stranger_api, forger_api)
    limited = RecordingApi(client_factory(make_emulator(rate_limits=True)), KEY, SECRET, log, "rate limited")
    drive_rate_limit(limited)
    faulty = RecordingApi(client_factory(make_emulator(fault_rate=1.0, seed=7)), KEY, SECRET, log, "faults")
    drive_injected_faults(faulty)
    return log


# -- checks ---------------------------------------------------------------------------------------------


def response_schema(spec: Spec, exchange: Exchange) -> str | None:
    """APIError for any error; otherwise the schema the spec declares for the operation and status, if any."""
    if exchange.status >= 400:
        return "APIError"
    operation = spec.match(exchange.method, exchange.path)
    return operation.responses.get(exchange.status) if operation else None


def conformance_problems(spec: Spec, exchange: Exchange) -> list[str]:
    """Everything wrong with one exchange, as human-readable lines (empty when it conforms)."""
    if not exchange.is_json:
        return [f"{exchange}: body is not JSON: {exchange.body[:200]!r}"]
    if not isinstance(exchange.body, dict):
        return [f"{exchange}: body is not a JSON object: {exchange.body!r}"]
    operation = spec.match(exchange.method, exchange.path)
    op_name = operation.operation_id if operation else "no spec operation"
    if exchange.status >= 400:
        problems = [f"{exchange} ({op_name}) vs APIError: {line}"
                    for line in describe_errors(spec.validator("APIError"), exchange.body)]
        if exchange.body.get("StatusCode") != exchange.status:  # "Response HTTP status code" (APIError.StatusCode)
            problems.append(f"{exchange} ({op_name}): StatusCode {exchange.body.get('StatusCode')!r} in the body")
        if operation is not None and exchange.status in operation.responses:
            declared = operation.responses[exchange.status]
            if declared and declared != "APIError":
                problems += [f"{exchange} ({op_name}) vs {declared}: {line}"
                             for line in describe_errors(spec.validator(declared), exchange.body)]
        return problems
    if operation is None:
        return [f"{exchange}: a success for a path and method that are not in the spec"]
    if exchange.status not in operation.responses:
        declared_statuses = sorted(operation.responses)
        return [f"{exchange} ({op_name}): status {exchange.status} is not declared (spec: {declared_statuses})"]
    schema_name = operation.responses[exchange.status]
    if schema_name is None:
        return []
    return [f"{exchange} ({op_name}) vs {schema_name}: {line}"
            for line in describe_errors(spec.validator(schema_name, legacy=exchange.legacy), exchange.body)]


def test_every_response_conforms_to_the_spec(spec: Spec, exchanges: list[Exchange]) -> None:
    problems = [line for exchange in exchanges for line in conformance_problems(spec, exchange)]
    assert not problems, f"{len(problems)} spec violation(s):\n" + "\n".join(problems)


def test_the_emulator_sends_no_field_the_spec_does_not_define(spec: Spec, exchanges: list[Exchange]) -> None:
    """Stricter than the spec, which leaves objects open: an invented field would go unnoticed by SDKs."""
    problems = []
    for exchange in exchanges:
        schema_name = response_schema(spec, exchange)
        if schema_name and isinstance(exchange.body, dict):
            validator = spec.validator(schema_name, closed=True, legacy=exchange.legacy)
            problems += [f"{exchange} vs {schema_name}: {line}" for line in describe_errors(validator, exchange.body)]
    assert not problems, f"{len(problems)} field(s) outside the spec:\n" + "\n".join(problems)


def test_the_scenario_covers_successes_and_every_error_class(spec: Spec, exchanges: list[Exchange]) -> None:
    statuses = {exchange.status for exchange in exchanges}
    assert {200, 201, 400, 401, 403, 404, 405, 429, 500} <= statuses, sorted(statuses)
    codes = {exchange.body["code"] for exchange in exchanges if exchange.status >= 400}
    assert {-1, 2, 4, 5, 9, 16, 17, 43} <= codes, sorted(codes)
    # Errors of operations whose spec does not declare the status (401/403/404) are checked against APIError too.
    undeclared = [
        exchange for exchange in exchanges
        if exchange.status >= 400
        and (operation := spec.match(exchange.method, exchange.path)) is not None
        and exchange.status not in operation.responses
    ]
    assert {exchange.status for exchange in undeclared} >= {401, 403, 404, 500}


def test_both_path_families_were_exercised_with_their_timestamp_shapes(spec: Spec, exchanges: list[Exchange]) -> None:
    """The legacy run reached every operation too, and its timestamps are strings where /api/v2 has integers."""
    by_family: dict[bool, set[str]] = {False: set(), True: set()}
    for exchange in exchanges:
        operation = spec.match(exchange.method, exchange.path)
        if operation is not None and 200 <= exchange.status < 300:
            by_family[exchange.legacy].add(operation.operation_id)
    assert by_family[True] == by_family[False]
    stamps = {
        exchange.legacy: exchange.body["command"]["created_at"]
        for exchange in exchanges if exchange.method == "POST" and exchange.path.endswith("/commands")
        and exchange.status == 201
    }
    assert isinstance(stamps[False], int) and stamps[False] > 10**18
    assert isinstance(stamps[True], str) and stamps[True].endswith("Z")


def test_every_spec_operation_the_emulator_implements_was_exercised(spec: Spec, exchanges: list[Exchange]) -> None:
    implemented = {(operation.method, normalised_template(API_PREFIX + operation.pattern)): operation.operation_id
                   for operation in OPERATIONS}
    in_spec = {(operation.method, normalised_template(operation.template)): operation.operation_id
               for operation in spec.operations}
    # The emulator serves nothing outside the spec, under the spec's own operation ids.
    assert {key: implemented[key] for key in implemented if in_spec.get(key) != implemented[key]} == {}
    succeeded = set()
    for exchange in exchanges:
        operation = spec.match(exchange.method, exchange.path)
        if operation is not None and 200 <= exchange.status < 300:
            succeeded.add((operation.method, normalised_template(operation.template)))
    missing = sorted(f"{implemented[key]} ({key[0]} {key[1]})" for key in set(implemented) - succeeded)
    assert not missing, "implemented but never exercised with a success: " + ", ".join(missing)


def request_schema_differences(spec: Spec, node: Node, schema: dict[str, Any], path: str) -> list[str]:
    """Where an emulator request schema and the spec's differ in its objects' fields or required fields."""
    schemas = spec.document["components"]["schemas"]
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    if isinstance(node, Arr) and schema.get("type") == "array":
        return request_schema_differences(spec, node.items, schema["items"], f"{path}[]")
    if not isinstance(node, Obj) or not node.closed:
        return []
    properties = schema.get("properties", {})
    problems = []
    if set(node.fields) != set(properties):
        problems.append(f"{path}: fields only the emulator has {sorted(set(node.fields) - set(properties))}, "
                        f"only the spec {sorted(set(properties) - set(node.fields))}")
    if set(node.required) != set(schema.get("required", [])):
        problems.append(f"{path}: required {sorted(node.required)}, spec {sorted(schema.get('required', []))}")
    for name in sorted(set(node.fields) & set(properties)):
        problems += request_schema_differences(spec, node.fields[name], properties[name], f"{path}.{name}")
    return problems


def test_strict_mode_refuses_exactly_the_fields_the_spec_does_not_define(spec: Spec) -> None:
    """Each request body schema has the spec's fields and required fields, at every depth: so strict mode
    (which refuses what a schema does not know) holds a client to the spec, no more, no less."""
    bodies = {}
    for path_item in spec.document["paths"].values():
        for method, operation in path_item.items():
            if method in HTTP_METHODS and "requestBody" in operation:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                bodies[operation["operationId"]] = {"$ref": ref}
    served = {operation.operation_id for operation in OPERATIONS}
    assert set(REQUEST_BODIES) == served & set(bodies)
    problems = [line for operation_id, node in REQUEST_BODIES.items()
                for line in request_schema_differences(spec, node, bodies[operation_id], operation_id)]
    assert not problems, "\n".join(problems)


# -- the checker itself must be able to fail ----------------------------------------------------------------


def test_openapi_translation_handles_nullable_refs_and_date_times() -> None:
    translated = openapi_to_json_schema({
        "type": "object", "nullable": True, "x-stream-index": "001", "required": ["at"],
        "properties": {
            "at": {"type": "number", "format": "date-time"},
            "kind": {"type": "string", "enum": ["a", "b"], "nullable": True},
            "child": {"$ref": "#/components/schemas/Child", "nullable": True},
            "map": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Child"}},
        },
    })
    assert translated == {
        "type": ["object", "null"], "required": ["at"],
        "properties": {
            "at": {"type": "number"},
            "kind": {"type": ["string", "null"], "enum": ["a", "b", None]},
            "child": {"anyOf": [{"$ref": "#/$defs/Child"}, {"type": "null"}]},
            "map": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Child"}},
        },
    }


def test_a_failure_names_the_field_and_the_rule_even_inside_nullable_refs() -> None:
    """Runs without the shared folder: a tiny spec in the same shape as the official one."""
    tiny = Spec({
        "paths": {"/api/v2/things/{id}": {"get": {"operationId": "GetThing", "responses": {
            "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        }}}},
        "components": {"schemas": {
            "Thing": {"type": "object", "required": ["at", "child"], "properties": {
                "at": {"type": "number", "format": "date-time"},
                "child": {"$ref": "#/components/schemas/Child", "nullable": True},
            }},
            "Child": {"type": "object", "properties": {"n": {"type": "integer"}}},
        }},
    })
    thing = Exchange("t", "GET", "/api/v2/things/a%2Fb", 200, {"at": 1_750_000_000_000_000_000, "child": None}, True)
    assert conformance_problems(tiny, thing) == []
    broken = Exchange("t", "GET", "/api/v2/things/x", 200, {"at": "2025-06-15T12:00:00Z", "child": {"n": "x"}}, True)
    assert conformance_problems(tiny, broken) == [
        "[t] GET /api/v2/things/x -> 200 (GetThing) vs Thing: field $.at: '2025-06-15T12:00:00Z' is not of type "
        "'number' (rule 'type' at properties/at/type)",
        "[t] GET /api/v2/things/x -> 200 (GetThing) vs Thing: field $.child.n: 'x' is not of type 'integer' "
        "(rule 'type' at properties/child/anyOf/0/properties/n/type)",
    ]
    invented = Exchange("t", "GET", "/api/v2/things/x", 200, {"at": 1, "child": {"n": 1, "extra": True}}, True)
    assert describe_errors(tiny.validator("Thing"), invented.body) == []
    assert describe_errors(tiny.validator("Thing", closed=True), invented.body) == [
        "field $.child: Additional properties are not allowed ('extra' was unexpected) "
        "(rule 'additionalProperties' at properties/child/anyOf/0/additionalProperties)"
    ]


def test_the_validator_reports_which_field_broke_which_rule(spec: Spec) -> None:
    command = {"name": "ticket", "description": "d", "args": "", "set": "", "created_at": 1_750_000_000_000_000_000,
               "updated_at": 1_750_000_000_000_000_000, "duration": "0.01ms"}
    validator = spec.validator("GetCommandResponse")
    assert describe_errors(validator, command) == []
    broken = {**command, "created_at": "2025-06-15T12:00:00Z"}
    del broken["description"]
    lines = describe_errors(validator, broken)
    assert any("field $: 'description' is a required property" in line and "'required'" in line for line in lines)
    assert any(line.startswith("field $.created_at: '2025-06-15T12:00:00Z' is not of type 'number'")
               for line in lines), lines
    error_lines = describe_errors(spec.validator("APIError"), {"code": "4", "message": "m", "StatusCode": 400,
                                                               "duration": "0.00ms", "more_info": "", "details": []})
    assert error_lines and error_lines[0].startswith("field $.code: '4' is not of type 'integer'")


def test_a_non_conforming_exchange_is_reported(spec: Spec) -> None:
    bad_success = Exchange("t", "GET", "/api/v2/chat/commands/ticket", 200, {"name": "ticket"}, True)
    assert any("GetCommand" in line and "'description' is a required property" in line
               for line in conformance_problems(spec, bad_success))
    wrong_status = Exchange("t", "POST", "/api/v2/chat/commands", 200, {"duration": "1ms"}, True)
    assert conformance_problems(spec, wrong_status) == [
        "[t] POST /api/v2/chat/commands -> 200 (CreateCommand): status 200 is not declared (spec: [201, 400, 429])"
    ]
    bad_error = Exchange("t", "GET", "/api/v2/app", 404, {"error": "nope"}, True)
    assert any("vs APIError" in line for line in conformance_problems(spec, bad_error))
    wrong_status_code = Exchange("t", "GET", "/api/v2/app", 404, {"code": 16, "message": "m", "StatusCode": 400,
                                                                  "duration": "0.00ms", "more_info": "",
                                                                  "details": []}, True)
    assert conformance_problems(spec, wrong_status_code) == [
        "[t] GET /api/v2/app -> 404 (GetApp): StatusCode 400 in the body"
    ]
    not_json = Exchange("t", "GET", "/api/v2/app", 500, "<html>", False)
    assert conformance_problems(spec, not_json) == ["[t] GET /api/v2/app -> 500: body is not JSON: '<html>'"]
    assert spec.match("GET", "/api/v2/roles/search").operation_id == "SearchRoles"  # type: ignore[union-attr]
    assert spec.match("DELETE", "/api/v2/roles/search").operation_id == "DeleteRole"  # type: ignore[union-attr]
    assert spec.match("POST", "/api/v2/chat/retention_policy/runs").operation_id == "GetRetentionPolicyRuns"  # type: ignore[union-attr]


def test_a_request_schema_that_differs_from_the_spec_is_reported(spec: Spec) -> None:
    invented = Obj({"name": Str(), "colour": Str()}, required=("name",))
    assert request_schema_differences(spec, invented, {"$ref": "#/components/schemas/CreateRoleRequest"}, "x") == [
        "x: fields only the emulator has ['colour'], only the spec []"
    ]
    loose = Obj({"push_provider": Obj({"name": Str()})})
    lines = request_schema_differences(spec, loose, {"$ref": "#/components/schemas/UpsertPushProviderRequest"}, "u")
    assert len(lines) == 2 and lines[0].startswith("u.push_provider: fields only the emulator has []")
