"""Push providers: /api/v2/push_providers (REFERENCE.md §9). Upsert replaces the provider,
so an update sends the whole declared provider, credentials included. Providers need the
app's push_config.version to be v2 or v3, so they depend on the app."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from stream_iac.kinds.base import (
    JSON,
    Api,
    Endpoint,
    Export,
    Fields,
    Kind,
    Lister,
    References,
    Shape,
    StackModel,
    Writes,
)
from stream_iac.kinds.common import pick

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


class PushProvider(StackModel):
    """A named push provider; credentials must come from ${env:} or ${file:}."""

    type: Literal["apn", "firebase", "huawei", "xiaomi"]
    description: Annotated[str, Field(max_length=128)] | None = None
    disabled_reason: Annotated[str, Field(max_length=255)] | None = None
    apn_auth_type: Literal["token", "certificate"] | None = None
    apn_key_id: str | None = None
    apn_team_id: str | None = None
    apn_topic: str | None = None
    apn_development: bool | None = None
    apn_host: str | None = None
    apn_auth_key: str | None = None
    apn_p12_cert: str | None = None
    firebase_credentials: str | None = None
    firebase_server_key: str | None = None
    firebase_notification_template: str | None = None
    firebase_apn_template: str | None = None
    firebase_data_template: str | None = None
    firebase_host: str | None = None
    huawei_app_id: str | None = None
    huawei_app_secret: str | None = None
    xiaomi_package_name: str | None = None
    xiaomi_app_secret: str | None = None

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


FIELDS = frozenset(PushProvider.model_fields) - SECRETS


def normalise(live: JSON) -> JSON:
    return {k: v for k, v in pick(live, FIELDS).items() if v is not None}


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


def valid_name(name: str) -> str | None:
    return None if 1 <= len(name) <= 36 else "push provider names are 1 to 36 characters"


UPSERT = Endpoint("UpsertPushProvider", "POST", "/push_providers", name_field="name", wrap="push_provider")

KIND = Kind(
    name="push_providers",
    shape=Shape(model=PushProvider, normalise=normalise, max_objects=25, name_rule=valid_name, noun="push provider"),
    api=Api(
        read=Lister(op="ListPushProviders", path="/push_providers", key="push_providers"),
        create=UPSERT,
        update=UPSERT,
        delete=Endpoint("DeletePushProvider", "DELETE", "/push_providers/{type}/{name}"),
    ),
    fields=Fields(secrets=SECRETS, immutable=("type",)),
    writes=Writes(full_update=True),
    refs=References(find=lambda body: [("app", "app")]),
    export=Export(defaults=lambda name, live: {"apn_development": False}, secrets=export_secrets, env_word="PUSH",
                  filter=export_filter),
)
