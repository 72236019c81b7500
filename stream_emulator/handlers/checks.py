"""The check endpoints: CheckPush, CheckSNS, CheckSQS.

Stream's servers try the real services (APNs, Firebase, AWS); the emulator cannot, so it checks what it
can see - that the credentials are there and have the right shape - and fails a credential on purpose
when a value contains the word ``invalid`` (so a test can provoke a failure with any well-formed value).
SNS and SQS answer a bad configuration with a *successful* response ``{"status": "error", "error": ...}``,
not an HTTP error, as Stream does (REFERENCE §11).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..pipeline.errors import bad_request, not_found
from ..pipeline.request_schemas import CHECK_PUSH, CHECK_SNS, CHECK_SQS, PUSH_TYPES
from .common import Context, Result, created

INVALID_MARKER = "invalid"
# https://sqs.<region>.amazonaws.com/<account>/<queue> (or the older https://<region>.queue.amazonaws.com/...)
SQS_URL = re.compile(
    r"^https://(sqs\.[a-z0-9-]+|[a-z0-9-]+\.queue)\.amazonaws\.com(\.cn)?/\d{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?$"
)
SNS_TOPIC_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
AWS_REJECTED = "The security token included in the request is invalid."


def rejected(value: Any) -> bool:
    """The emulator's stand-in for a service refusing a credential."""
    return isinstance(value, str) and INVALID_MARKER in value.lower()


def _aws_check(fields: dict[str, str], address_field: str, address_ok: bool, address_error: str) -> dict[str, Any]:
    missing = [name for name, value in fields.items() if not value]
    if missing:
        return {"status": "error", "error": f"missing {', '.join(missing)}", "data": {"fields": missing}}
    if not address_ok:
        return {"status": "error", "error": address_error, "data": {"field": address_field}}
    bad = [name for name, value in fields.items() if name != address_field and rejected(value)]
    if bad:
        return {"status": "error", "error": AWS_REJECTED, "data": {"fields": bad}}
    return {"status": "ok"}


def check_sqs(ctx: Context) -> Result:
    """CheckSQS: POST /check_sqs with ``{sqs_key?, sqs_secret?, sqs_url?}`` (each defaulting to the app's
    setting) -> 201 ``{"status": "ok"}`` or ``{"status": "error", "error", "data"}``: an error when a value
    is missing, the URL is not an SQS queue URL (``https://sqs.<region>.amazonaws.com/<12-digit account>/
    <queue>``), or the key or secret contains "invalid". 400/4 on a bad field.
    """
    body = ctx.validated_body(CHECK_SQS)
    fields = {name: body.get(name) or ctx.state.settings.get(name) or "" for name in ("sqs_url", "sqs_key",
                                                                                      "sqs_secret")}
    return created(_aws_check(fields, "sqs_url", bool(SQS_URL.match(fields["sqs_url"])), "invalid SQS url"))


def check_sns(ctx: Context) -> Result:
    """CheckSNS: POST /check_sns with ``{sns_key?, sns_secret?, sns_topic_arn?}`` (each defaulting to the
    app's setting) -> 201 ``{"status": "ok"}`` or ``{"status": "error", "error", "data"}``: an error when
    a value is missing, the topic is not an SNS topic ARN (``arn:aws:sns:<region>:<12-digit account>:
    <topic>``), or the key or secret contains "invalid". 400/4 on a bad field.
    """
    body = ctx.validated_body(CHECK_SNS)
    fields = {name: body.get(name) or ctx.state.settings.get(name) or "" for name in ("sns_topic_arn", "sns_key",
                                                                                      "sns_secret")}
    arn_ok = bool(SNS_TOPIC_ARN.match(fields["sns_topic_arn"]))
    return created(_aws_check(fields, "sns_topic_arn", arn_ok, "invalid SNS topic ARN"))


# -- push -----------------------------------------------------------------------------------------------------

# The app-level (push v1 style) configs of UpdateApp, as provider fields.
APP_LEVEL_CONFIGS = {
    "apn": ("apn_config", {"auth_type": "apn_auth_type", "auth_key": "apn_auth_key", "key_id": "apn_key_id",
                           "team_id": "apn_team_id", "bundle_id": "apn_topic", "p12_cert": "apn_p12_cert",
                           "notification_template": "apn_notification_template"}),
    "firebase": ("firebase_config", {"credentials_json": "firebase_credentials", "server_key": "firebase_server_key",
                                     "notification_template": "firebase_notification_template",
                                     "data_template": "firebase_data_template"}),
    "huawei": ("huawei_config", {"id": "huawei_app_id", "secret": "huawei_app_secret"}),
    "xiaomi": ("xiaomi_config", {"package_name": "xiaomi_package_name", "secret": "xiaomi_app_secret"}),
}
DEFAULT_TEMPLATES = {
    "apn": '{"aps": {"alert": {"title": "{{ sender.name }} @ {{ channel.name }}", "body": "{{ message.text }}"}, '
           '"badge": {{ unread_count }}, "sound": "default"}}',
    "firebase": '{"title": "{{ sender.name }} @ {{ channel.name }}", "body": "{{ message.text }}"}',
}
PLACEHOLDER = re.compile(r"\{\{\{\s*([^{}]*?)\s*\}\}\}|\{\{\s*([^{}]*?)\s*\}\}")  # {{{ raw }}} or {{ escaped }}


def _push_targets(ctx: Context) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, name, provider fields) of every push configuration in use: the enabled app-level configs
    (name ``""``) and the providers that are not disabled."""
    targets = []
    for provider_type, (setting, renames) in APP_LEVEL_CONFIGS.items():
        config = ctx.state.settings.get(setting) or {}
        fields = {renames[key]: value for key, value in config.items() if key in renames}
        if fields and not config.get("Disabled", False):
            targets.append((provider_type, "", fields))
    targets.extend(
        (provider["type"], provider["name"], provider)
        for provider in ctx.state.push_providers.values()
        if not provider.get("disabled_at")
    )
    return targets


def _credential_problem(provider_type: str, fields: dict[str, Any]) -> str | None:
    """Why the push service would refuse these credentials, or None."""
    if provider_type == "apn":
        certificate = fields.get("apn_auth_type") == "certificate"
        if certificate or (fields.get("apn_p12_cert") and not fields.get("apn_auth_key")):
            required: tuple[str, ...] = ("apn_p12_cert",)
        else:
            required = ("apn_auth_key", "apn_key_id", "apn_team_id", "apn_topic")
    elif provider_type == "firebase":
        required = ("firebase_server_key",) if fields.get("firebase_server_key") else ("firebase_credentials",)
    elif provider_type == "huawei":
        required = ("huawei_app_id", "huawei_app_secret")
    else:
        required = ("xiaomi_package_name", "xiaomi_app_secret")
    missing = [name for name in required if not fields.get(name)]
    if missing:
        return f"missing credentials: {', '.join(missing)}"
    credentials = fields.get("firebase_credentials")
    if provider_type == "firebase" and credentials:
        try:
            parsed = json.loads(credentials)
        except ValueError:
            return "firebase_credentials is not valid JSON"
        if not isinstance(parsed, dict) or not parsed.get("project_id"):
            return "firebase_credentials is not a service account JSON with a project_id"
    refused = [name for name in required if rejected(fields.get(name))]
    if refused:
        return f"the {provider_type} service rejected the credentials ({', '.join(refused)})"
    return None


def _render(template: str, values: dict[str, Any]) -> str:
    """A small stand-in for Stream's Handlebars rendering: ``{{ a.b }}`` is replaced by the sample value
    (JSON-escaped, to sit inside a JSON string), block helpers and unknown names by nothing."""

    def value_of(match: re.Match[str]) -> str:
        current: Any = values
        for part in (match.group(1) or match.group(2)).split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if current is None or isinstance(current, dict):
            return ""
        return json.dumps(current)[1:-1] if isinstance(current, str) else json.dumps(current)

    return PLACEHOLDER.sub(value_of, template)


def check_push(ctx: Context) -> Result:
    """CheckPush: POST /check_push with ``{user_id?, push_provider_type?, push_provider_name?,
    apn_template?, firebase_template?, firebase_data_template?, event_type?, skip_devices?}`` -> 201
    ``{event_type, skip_devices, rendered_message, rendered_apn_template?, rendered_firebase_template?,
    device_errors?, general_errors?}``. The emulator has no users or devices: it checks every push
    configuration in use (enabled app-level configs, providers that are not disabled; only the one
    named when type/name are given) as if the user had one device on it, with device id
    ``<type>:<name>`` (``<type>:default`` for an app-level config). A configuration fails when a
    credential is missing, the firebase credentials are not JSON with a ``project_id``, or a credential
    contains "invalid". A template that does not render to JSON, or no configuration to check, is a
    general error. 400/4 on a bad field; 404/16 for a ``message_id`` (the emulator holds no messages).
    """
    body = ctx.validated_body(CHECK_PUSH)
    if body.get("message_id"):
        raise not_found(f'message "{body["message_id"]}" not found')
    wanted_type, wanted_name = body.get("push_provider_type"), body.get("push_provider_name")
    if wanted_type is not None and wanted_type not in PUSH_TYPES:
        raise bad_request(f"push_provider_type must be one of [{' '.join(PUSH_TYPES)}]")
    targets = [
        target for target in _push_targets(ctx)
        if (wanted_type is None or target[0] == wanted_type) and (wanted_name is None or target[1] == wanted_name)
    ]
    event_type = body.get("event_type") or "message.new"
    user_id = body.get("user_id") or (body.get("user") or {}).get("id") or "emulator-user"
    sample = {
        "sender": {"id": "emulator-sender", "name": "Emulator Sender"},
        "receiver": {"id": user_id, "name": user_id},
        "channel": {"id": "emulator-channel", "type": "messaging", "name": "Emulator channel",
                    "cid": "messaging:emulator-channel"},
        "message": {"id": "emulator-message", "text": "Hello from the Stream emulator"},
        "unread_count": 1,
        "event_type": event_type,
    }
    response: dict[str, Any] = {
        "event_type": event_type,
        "skip_devices": bool(body.get("skip_devices", False)),
        "rendered_message": {"title": "Emulator Sender @ Emulator channel", "body": sample["message"]["text"]},
    }
    general_errors: list[str] = []
    if not targets:
        which = f' "{wanted_name}"' if wanted_name else ""
        kind = f"{wanted_type} " if wanted_type else ""
        general_errors.append(f"no {kind}push provider{which} is configured")
    device_errors = {}
    for provider_type, name, fields in targets:
        problem = _credential_problem(provider_type, fields)
        if problem is not None:
            device_errors[f"{provider_type}:{name or 'default'}"] = {
                "provider": provider_type, "provider_name": name, "error_message": problem,
            }
    for kind, requested, configured_field, response_field in (
        ("apn", body.get("apn_template"), "apn_notification_template", "rendered_apn_template"),
        ("firebase", body.get("firebase_template"), "firebase_notification_template", "rendered_firebase_template"),
    ):
        of_kind = [fields for provider_type, _, fields in targets if provider_type == kind]
        if requested is None and not of_kind:
            continue
        configured = next((fields[configured_field] for fields in of_kind if fields.get(configured_field)), None)
        rendered = _render(requested or configured or DEFAULT_TEMPLATES[kind], sample)
        try:
            json.loads(rendered)
        except ValueError:
            general_errors.append(f"the {kind} template does not render to valid JSON")
        response[response_field] = rendered
    data_template = body.get("firebase_data_template")
    if data_template is not None:
        try:
            json.loads(_render(data_template, sample))
        except ValueError:
            general_errors.append("the firebase data template does not render to valid JSON")
    if device_errors:
        response["device_errors"] = device_errors
    if general_errors:
        response["general_errors"] = general_errors
    return created(response)
