"""Push providers (v2/v3 push only) and push templates."""

from __future__ import annotations

import json
from typing import Any

from ..pipeline.errors import bad_request, not_found
from ..pipeline.request_schemas import PUSH_TYPES, UPSERT_PUSH_PROVIDER, UPSERT_PUSH_TEMPLATE
from ..pipeline.schema import Str
from .app_settings import PROVIDER_PUSH_VERSIONS, push_version
from .common import Context, Result, created, json_copy, ok, timestamp_to_ns

PROVIDER_SECRETS = (
    "apn_auth_key", "apn_p12_cert", "firebase_credentials", "firebase_server_key", "huawei_app_secret",
    "xiaomi_app_secret",
)
WRITE_ONLY_PROVIDER_FIELDS = ("apn_notification_template",)
SERVER_FIELDS = ("internal_id",)
PROVIDER_NAME = Str(min_len=1, max_len=36)
PROVIDER_TYPE = Str(enum=PUSH_TYPES)


def provider_view(provider: dict[str, Any], reveal_secrets: bool) -> dict[str, Any]:
    hidden = SERVER_FIELDS if reveal_secrets else SERVER_FIELDS + PROVIDER_SECRETS + WRITE_ONLY_PROVIDER_FIELDS
    return {key: json_copy(value) for key, value in provider.items() if key not in hidden}


def template_key(provider_type: str, provider_name: str, event_type: str) -> str:
    return f"{provider_type}|{provider_name}|{event_type}"


TEMPLATE_LOOKUP_FIELDS = ("push_provider_type", "push_provider_name")


def template_view(template: dict[str, Any]) -> dict[str, Any]:
    return {key: json_copy(value) for key, value in template.items() if key not in TEMPLATE_LOOKUP_FIELDS}


def _check_provider_payload(provider: dict[str, Any]) -> None:
    credentials = provider.get("firebase_credentials")
    if credentials:
        try:
            valid = isinstance(json.loads(credentials), dict)
        except ValueError:
            valid = False
        if not valid:
            raise bad_request("firebase credentials are invalid")


def _inferred_type(provider: dict[str, Any], existing: dict[str, Any] | None) -> str:
    if existing is not None:
        provider_type: str = existing["type"]
        return provider_type
    kinds = {key.split("_", 1)[0] for key in provider if key.split("_", 1)[0] in PUSH_TYPES}
    if len(kinds) != 1:
        raise bad_request("push_provider.type is required for a new provider (one of apn, firebase, huawei, xiaomi)")
    return kinds.pop()


# -- handlers -------------------------------------------------------------------------------------------


def list_push_providers(ctx: Context) -> Result:
    """ListPushProviders: GET /push_providers -> 200 ``{"push_providers": [...]}``,
    without secrets or write-only fields.
    """
    providers = [provider_view(provider, False) for provider in ctx.state.push_providers.values()]
    return ok({"push_providers": providers})


def upsert_push_provider(ctx: Context) -> Result:
    """UpsertPushProvider: POST /push_providers with ``{"push_provider": {name, type?,
    ...}}`` -> 201 ``{"push_provider": PushProvider}``, created or updated (the given fields over the
    stored ones). The spec makes the wrapper and ``type`` optional: a missing wrapper is an empty
    provider (so ``push_provider.name`` is missing); a missing ``type`` is the existing provider's, or
    for a new one the type whose credential fields (``apn_*``, ``firebase_*``, ``huawei_*``,
    ``xiaomi_*``) it has. 400/4 on a bad field, a missing name, a type that cannot be told, invalid
    firebase credentials, an app still on push v1, a name already used with another type, or at the
    push-provider limit.
    """
    body = ctx.validated_body(UPSERT_PUSH_PROVIDER)
    version = push_version(ctx.state.settings, ctx.builtins)
    if version not in PROVIDER_PUSH_VERSIONS:
        raise bad_request(f"push providers require push_config.version v2 or v3, the app uses {version}")
    given_fields = {key: value for key, value in (body.get("push_provider") or {}).items() if value is not None}
    if not given_fields.get("name"):
        raise bad_request("push_provider.name is a required field")
    _check_provider_payload(given_fields)
    name = given_fields["name"]
    existing = ctx.state.push_providers.get(name)
    provider_type = given_fields.get("type") or _inferred_type(given_fields, existing)
    given_fields["type"] = provider_type
    if existing is not None and existing["type"] != provider_type:
        raise bad_request(f'push provider "{name}" already exists with type "{existing["type"]}"')
    if existing is None:
        maximum = ctx.builtins.limit("push_providers_max")
        if len(ctx.state.push_providers) >= maximum:
            raise bad_request(f"an app can have at most {maximum} push providers")
        existing = {"internal_id": ctx.state.new_id(ctx.api_key, "push_provider"), "created_at": ctx.now_ns}
    provider = {**existing, **json_copy(given_fields), "updated_at": ctx.now_ns}
    if "disabled_at" in given_fields:
        provider["disabled_at"] = timestamp_to_ns(given_fields["disabled_at"])
    ctx.state.push_providers[name] = provider
    return created({"push_provider": provider_view(provider, False)})


def delete_push_provider(ctx: Context) -> Result:
    """DeletePushProvider: DELETE /push_providers/{type}/{name} -> 200 ``{}``, its
    templates removed too. 400/4 on a bad type or name; 404/16 if there is no such provider of that
    type.
    """
    provider_type, name = ctx.params["type"], ctx.params["name"]
    PROVIDER_TYPE.check(provider_type, "type")
    PROVIDER_NAME.check(name, "name")
    provider = ctx.state.push_providers.get(name)
    if provider is None or provider["type"] != provider_type:
        raise not_found(f'push provider "{name}" with type "{provider_type}" not found')
    del ctx.state.push_providers[name]
    for key in [key for key in ctx.state.push_templates if key.startswith(f"{provider_type}|{name}|")]:
        del ctx.state.push_templates[key]
    return ok()


def get_push_templates(ctx: Context) -> Result:
    """GetPushTemplates: GET /push_templates?push_provider_type=T[&push_provider_name=N] ->
    200 ``{"templates": [...]}``. 400/4 when the type is missing or unknown.
    """
    provider_type = ctx.query_value("push_provider_type")
    if not provider_type:
        raise bad_request("push_provider_type is a required field")
    PROVIDER_TYPE.check(provider_type, "push_provider_type")
    provider_name = ctx.query_value("push_provider_name")
    templates = [
        template_view(template)
        for template in ctx.state.push_templates.values()
        if template["push_provider_type"] == provider_type
        and (provider_name is None or template["push_provider_name"] == provider_name)
    ]
    return ok({"templates": templates})


def upsert_push_template(ctx: Context) -> Result:
    """UpsertPushTemplate: POST /push_templates with ``{event_type, push_provider_type,
    push_provider_name?, enable_push?, template?}`` -> 201 ``{"template": PushTemplate}``, created or
    updated. 400/4 on a bad field or a provider that does not exist with that type.
    """
    body = ctx.validated_body(UPSERT_PUSH_TEMPLATE)
    provider_type: str = body["push_provider_type"]
    provider_name: str = body.get("push_provider_name") or ""
    internal_id = ""
    if provider_name:
        provider = ctx.state.push_providers.get(provider_name)
        if provider is None or provider["type"] != provider_type:
            raise bad_request(f'push provider "{provider_name}" with type "{provider_type}" not found')
        internal_id = provider["internal_id"]
    key = template_key(provider_type, provider_name, body["event_type"])
    template = ctx.state.push_templates.get(key) or {
        "push_provider_type": provider_type,
        "push_provider_name": provider_name,
        "push_provider_internal_id": internal_id,
        "event_type": body["event_type"],
        "enable_push": True,
        "created_at": ctx.now_ns,
    }
    if body.get("enable_push") is not None:
        template["enable_push"] = body["enable_push"]
    if body.get("template") is not None:
        template["template"] = body["template"]
    template["updated_at"] = ctx.now_ns
    ctx.state.push_templates[key] = template
    return created({"template": template_view(template)})
