"""Push providers: /api/v2/push_providers (REFERENCE.md §9). Upsert is taken to replace the
provider (Stream does not document a merge), so an update sends the whole declared provider,
credentials included, and carries the live value of every field the stack leaves out. Credentials
the stack does not declare cannot be carried (the API never returns them); the emulator keeps
them (its assumption 12). Providers need the app's push_config.version to be v2 or v3, so they
depend on the app."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from stream_iac.kinds.base import (
    JSON,
    Api,
    Checks,
    Endpoint,
    Export,
    Fields,
    Kind,
    Lister,
    References,
    Replaced,
    Shape,
    StackModel,
    Writes,
)
from stream_iac.kinds.checks import push_provider_calls
from stream_iac.kinds.common import Source, Timestamp, json_object_problem, pick, spec, timestamp_text

SECRETS = frozenset(
    {
        "apn_auth_key",
        "apn_p12_cert",
        "firebase_credentials",
        "firebase_server_key",
        "huawei_app_secret",
        "xiaomi_app_secret",
    }
)

TYPE_PREFIX = {"apn": "apn_", "firebase": "firebase_", "huawei": "huawei_", "xiaomi": "xiaomi_"}

# REFERENCE.md §4 "Push credential validation" (JSIT serverside.js): with token auth Stream refuses
# an APN config missing its bundle id (a provider's apn_topic), key id or team id.
APN_TOKEN_FIELDS = ("apn_key_id", "apn_team_id", "apn_topic")
APN_TOKEN_SOURCE = Source("Stream's live API tests (REFERENCE.md §4, push credential validation): "
                          '"missing bundle_id/key_id/team_id with token auth ⇒ 400"')
# REFERENCE.md §9: firebase_credentials is the service-account JSON; the API answers other text
# with "firebase credentials are invalid" (ISS stream-chat-js#1006).
FIREBASE_CREDENTIALS_SOURCE = Source('REFERENCE.md §9: "firebase_credentials (service-account JSON)"; the API '
                                     'answers anything else with "firebase credentials are invalid"')


class PushProvider(StackModel):
    """A named push provider; credentials must come from ${env:} or ${file:}."""

    type: Annotated[Literal["apn", "firebase", "huawei", "xiaomi"], spec(
        "DeletePushProvider.type", "enum: apn, firebase, huawei, xiaomi")]
    """The push service: Apple (apn), Firebase Cloud Messaging (firebase), Huawei Push Kit
    (huawei) or Xiaomi (xiaomi). Fields of the other services do not apply; it cannot change
    once the provider exists."""
    description: Annotated[str, Field(max_length=128), spec(
        "PushProviderRequest.description", "maxLength: 128")] | None = None
    """A note for people, shown in the dashboard (up to 128 characters)."""
    disabled_at: Timestamp | None = None
    """When the provider was switched off (RFC 3339, e.g. `2025-01-31T00:00:00Z`): a disabled
    provider sends nothing. Absent: the provider is in use."""
    disabled_reason: Annotated[str, Field(max_length=255), spec(
        "PushProviderRequest.disabled_reason", "maxLength: 255")] | None = None
    """Why the provider is disabled, for people (up to 255 characters)."""
    apn_auth_type: Annotated[Literal["token", "certificate"], spec(
        "APNConfig.auth_type", "enum: certificate, token")] | None = None
    """How Stream authenticates to Apple: with a .p8 key (`token`, needs apn_key_id, apn_team_id
    and apn_topic) or a .p12 certificate (`certificate`)."""
    apn_key_id: str | None = None
    """The id of the .p8 key in Apple's developer account (token authentication)."""
    apn_team_id: str | None = None
    """The Apple developer team id (token authentication)."""
    apn_topic: str | None = None
    """The app's bundle id, the topic notifications are sent to."""
    apn_development: bool | None = None
    """Send through Apple's development (sandbox) servers (default false: production)."""
    apn_host: str | None = None
    """Another APN host to send through (empty: Apple's)."""
    apn_auth_key: str | None = None
    """The .p8 key text (token authentication)."""
    apn_p12_cert: str | None = None
    """The .p12 certificate, base64 (certificate authentication)."""
    apn_notification_template: str | None = None
    """The template of the APN payload, in Stream's template language (empty: Stream's default)."""
    firebase_credentials: str | None = None
    """The Firebase project's service-account key file (JSON text)."""
    firebase_server_key: str | None = None
    """The legacy Firebase server key (superseded by firebase_credentials)."""
    firebase_notification_template: str | None = None
    """The template of the notification part, in Stream's template language (empty: Stream's default)."""
    firebase_apn_template: str | None = None
    """The template of the APNs part Firebase forwards to iOS devices."""
    firebase_data_template: str | None = None
    """The template of the data part."""
    firebase_host: str | None = None
    """Another Firebase host to send through (empty: Google's)."""
    huawei_app_id: str | None = None
    """The Huawei app id."""
    huawei_app_secret: str | None = None
    """The Huawei app secret."""
    xiaomi_package_name: str | None = None
    """The Android package name registered with Xiaomi."""
    xiaomi_app_secret: str | None = None
    """The Xiaomi app secret."""

    @model_validator(mode="after")
    def fields_match_type(self) -> PushProvider:
        prefix = TYPE_PREFIX[self.type]
        foreign = [
            name
            for name in self.model_fields_set
            if any(name.startswith(p) for p in TYPE_PREFIX.values()) and not name.startswith(prefix)
        ]
        if foreign:
            raise ValueError(f"fields {', '.join(sorted(foreign))} do not apply to a {self.type} provider")
        return self

    @model_validator(mode="after")
    def apn_token_auth_is_complete(self) -> PushProvider:
        """Token authentication needs the key id, team id and topic: the API refuses the provider
        without them. (What a provider without apn_auth_type is taken for is not established.)"""
        if self.type != "apn" or self.apn_auth_type != "token":
            return self
        missing = [name for name in APN_TOKEN_FIELDS if not getattr(self, name)]
        if missing:
            raise ValueError(f"an apn provider with token authentication needs {', '.join(missing)} "
                             f"(apn_topic is the app's bundle id); {APN_TOKEN_SOURCE.text}")
        return self

    @field_validator("firebase_credentials")
    @classmethod
    def credentials_are_a_json_object(cls, value: str | None) -> str | None:
        """Never shows the value: it is a secret. Empty (a variable missing under
        --allow-missing-env, or an empty secret, which validate refuses on its own) is left alone."""
        problem = json_object_problem(value, "the service-account key file", FIREBASE_CREDENTIALS_SOURCE)
        if problem:
            raise ValueError(problem)
        return value


# Taken by the upsert, never listed (the emulator's assumption, as for the single APN config's template).
WRITE_ONLY = frozenset({"apn_notification_template"})
FIELDS = frozenset(PushProvider.model_fields) - SECRETS - WRITE_ONLY


def normalise(live: JSON) -> JSON:
    out = {k: v for k, v in pick(live, FIELDS).items() if v is not None}
    if "disabled_at" in out:
        out["disabled_at"] = timestamp_text(out["disabled_at"])
    return out


# The credential a provider of each type holds (apn: by its auth type; token when not given).
TYPE_SECRET = {"firebase": "firebase_credentials", "huawei": "huawei_app_secret", "xiaomi": "xiaomi_app_secret"}


def export_secrets(live: JSON) -> tuple[tuple[str], ...]:
    if live.get("type") == "apn":
        return (("apn_p12_cert",),) if live.get("apn_auth_type") == "certificate" else (("apn_auth_key",),)
    secret = TYPE_SECRET.get(str(live.get("type")))
    return ((secret,),) if secret else ()


def export_filter(live: JSON) -> JSON:
    """Without fields of the other provider types (the API may report them empty or false)."""
    own = TYPE_PREFIX.get(str(live.get("type")), "")
    foreign = tuple(p for p in TYPE_PREFIX.values() if p != own)
    return {k: v for k, v in live.items() if not k.startswith(foreign)}


PUSH_VERSION_SOURCE = Source('Stream docs (push_providers_and_multi_bundle): provider endpoints "only work when app '
                             'push is v2 or v3 (push_config.version)" (REFERENCE.md §9)')


def push_version_allows_providers(app: JSON) -> tuple[tuple[str, ...], str] | None:
    """The app's push version must be v2 or v3 for providers to be written (unknown: no problem)."""
    version = (app.get("push_config") or {}).get("version")
    if version in (None, "v2", "v3"):
        return None
    return (("push_config", "version"), f"push providers need the app's push_config.version to be v2 or v3, "
                                         f"and it would be {version}; {PUSH_VERSION_SOURCE.text}")


def valid_name(name: str) -> str | None:
    if 1 <= len(name) <= 36:
        return None
    return "push provider names are 1 to 36 characters; " + spec("PushProviderRequest.name",
                                                                "minLength: 1, maxLength: 36").text


UPSERT = Endpoint("UpsertPushProvider", "POST", "/push_providers", name_field="name", wrap="push_provider")

KIND = Kind(
    name="push_providers",
    shape=Shape(model=PushProvider, normalise=normalise, max_objects=25, name_rule=valid_name, noun="push provider",
                max_objects_source='Stream docs (push_providers_and_multi_bundle): "≤ 25 push providers per app"'),
    api=Api(
        read=Lister(op="ListPushProviders", path="/push_providers", key="push_providers"),
        create=UPSERT,
        update=UPSERT,
        delete=Endpoint("DeletePushProvider", "DELETE", "/push_providers/{type}/{name}"),
    ),
    fields=Fields(secrets=SECRETS, write_only=WRITE_ONLY, immutable=("type",)),
    writes=Writes(replaces=(Replaced(),)),
    refs=References(find=lambda body: [("app", "app")], needs={"app": push_version_allows_providers}),
    export=Export(defaults=lambda name, live: {"apn_development": False}, secrets=export_secrets, env_word="PUSH",
                  filter=export_filter),
    checks=Checks(calls=push_provider_calls),  # `stream-iac check`: CheckPush
)
