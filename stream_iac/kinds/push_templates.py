"""Push templates: /api/v2/push_templates (REFERENCE.md §9). A template says, for one push type and
one event type, and optionally one named push provider, whether Stream sends a push notification
and what its payload looks like.

A stack names a template `<type>/<event_type>` (the type's templates that belong to no provider)
or `<type>/<provider>/<event_type>` (one provider's): `apn/message.new`,
`firebase/android-prod/reaction.new`. The name stands for the upsert's `push_provider_type`,
`push_provider_name` and `event_type`.

Reading: GetPushTemplates takes one type (and optionally one provider) per call, so the reader
makes one call per type and one per live push provider (those for the providers the stack
declares go with the first round of list calls, before the providers are read). Its answer does not name the provider a
template belongs to, only an internal id, so an answer to a type-wide call is taken to hold that
type's templates of no provider where the internal id is empty (what a type-wide call returns
besides them is not established; the provider calls name the others).

Removing: Stream has no call that deletes a template, so a template is never deleted or pruned: a
live template the stack does not declare is listed as unmanaged. To stop a notification, declare
`enable_push: false`. Stream removes a provider's templates with the provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stream_iac.kinds.base import (
    JSON,
    Api,
    Builtins,
    Endpoint,
    Export,
    FanOut,
    Kind,
    Lister,
    References,
    Shape,
    StackModel,
    Writes,
)
from stream_iac.kinds.common import spec

PUSH_TYPES = ("apn", "firebase", "huawei", "xiaomi")
EVENT_TYPES = (
    "message.new", "message.updated", "reaction.new", "notification.reminder_due", "feeds.activity.added",
    "feeds.comment.added", "feeds.activity.reaction.added", "feeds.comment.reaction.added", "feeds.follow.created",
    "feeds.notification_feed.updated",
)
# The request fields a template's name stands for (never declared in a stack).
NAME_FIELDS = ("push_provider_type", "push_provider_name", "event_type")


class PushTemplate(StackModel):
    """One push template, named `<type>/<event_type>` (e.g. `apn/message.new`) or
    `<type>/<provider>/<event_type>` (one provider's): whether Stream sends a push notification
    for that event, and its payload. Stream cannot delete a template: to stop a notification,
    set `enable_push: false`."""

    enable_push: bool | None = None
    """Send push notifications for this event type through this push type (or provider) at all.
    Stream sends them unless this is false; a template that only switches an event off needs no
    `template`."""

    template: str | None = None
    """The notification's payload: a Handlebars template that must render to a JSON object, e.g.
    `{"aps": {"alert": {"title": "{{ sender.name }}", "body": "{{ message.text }}"}}}` for APN.
    Placeholders such as `{{ sender.name }}`, `{{ channel.name }}`, `{{ message.text }}` and
    `{{ unread_count }}` are filled per notification; without a template Stream uses its default
    payload for the push type."""


def split_name(name: str) -> tuple[str, str | None, str]:
    """`apn/message.new` → ("apn", None, "message.new"); `apn/prod/message.new` → ("apn", "prod",
    "message.new"). Event types hold no '/', so a provider name may."""
    provider_type, _, rest = name.partition("/")
    provider, _, event_type = rest.rpartition("/")
    return provider_type, (provider if _ else None), event_type


def name_fields(name: str) -> JSON:
    provider_type, provider, event_type = split_name(name)
    fields: JSON = {"push_provider_type": provider_type, "event_type": event_type}
    if provider is not None:
        fields["push_provider_name"] = provider
    return fields


NAME_SOURCE = spec("UpsertPushTemplateRequest", "push_provider_type enum: firebase, apn, huawei, xiaomi; event_type "
                   "enum: " + ", ".join(EVENT_TYPES))


def valid_name(name: str) -> str | None:
    if "/" not in name:
        return ("a push template's name is <type>/<event_type> or <type>/<provider>/<event_type>, e.g. "
                "apn/message.new or firebase/android-prod/reaction.new")
    provider_type, provider, event_type = split_name(name)
    if provider_type not in PUSH_TYPES:
        return f"the push type {provider_type!r} is not one of {', '.join(PUSH_TYPES)}; {NAME_SOURCE.text}"
    if event_type not in EVENT_TYPES:
        return f"the event type {event_type!r} is not one Stream has push templates for; {NAME_SOURCE.text}"
    if provider is not None and not 1 <= len(provider) <= 36:
        return "a push provider's name is 1 to 36 characters; " + spec("PushProviderRequest.name",
                                                                       "minLength: 1, maxLength: 36").text
    return None


def normalise(live: JSON) -> JSON:
    return {k: live[k] for k in ("enable_push", "template") if live.get(k) is not None}


def queries(providers: Mapping[str, JSON]) -> list[dict[str, str]]:
    """One call per push type (its templates of no provider), one per live push provider."""
    calls = [{"push_provider_type": t} for t in PUSH_TYPES]
    for name, provider in sorted(providers.items()):
        if provider.get("type") in PUSH_TYPES:
            calls.append({"push_provider_type": str(provider["type"]), "push_provider_name": name})
    return calls


def template_name(query: Mapping[str, str], item: JSON) -> str | None:
    event_type = item.get("event_type")
    if not isinstance(event_type, str):
        return None
    provider = query.get("push_provider_name")
    if provider is None:
        if item.get("push_provider_internal_id"):  # a provider's: its own call names it
            return None
        return f"{query['push_provider_type']}/{event_type}"
    return f"{query['push_provider_type']}/{provider}/{event_type}"


def provider_refs(body: JSON) -> list[tuple[str, str]]:
    """A provider's template refers to the provider: it must exist (declared or live), and is
    written after it is created. Stream removes a provider's templates with the provider, so a
    live template the stack does not declare does not stop the provider's delete."""
    provider = body.get("push_provider_name")
    return [("push_providers", provider)] if isinstance(provider, str) and provider else []


def provider_fits(body: JSON, target: tuple[str, str], provider: JSON) -> str | None:
    """A provider's template is for the provider's own push type (Stream refuses another: "push
    provider … with type … not found")."""
    wanted, actual = body.get("push_provider_type"), provider.get("type")
    if target[0] != "push_providers" or not isinstance(actual, str) or wanted == actual:
        return None
    return (f"whose type is {actual}, not {wanted}: name the template {actual}/{target[1]}/"
            f"{body.get('event_type')}")


def export_filter(live: JSON) -> JSON:
    """Without the fields the name stands for."""
    return {k: v for k, v in live.items() if k not in NAME_FIELDS}


def _defaults(name: str, live: Any) -> Mapping[str, Any]:
    return {"enable_push": True}


def does_nothing(name: str, live: JSON) -> bool:
    """A live template that sends pushes with Stream's default payload is what every event has
    without one: never counted as unmanaged (whether Stream lists such templates on a fresh app is
    not established), nor exported."""
    return bool(live) and live.get("enable_push") is True and not live.get("template")


UPSERT = Endpoint("UpsertPushTemplate", "POST", "/push_templates")

KIND = Kind(
    name="push_templates",
    shape=Shape(model=PushTemplate, normalise=normalise, name_rule=valid_name, name_fields=name_fields,
                noun="push template"),
    api=Api(
        read=Lister(op="GetPushTemplates", path="/push_templates", key="templates", name_field="event_type",
                    fan_out=FanOut(queries=queries, name=template_name, over="push_providers")),
        create=UPSERT,
        update=UPSERT,
    ),
    # The upsert finds its template by the fields the name stands for: every update sends them.
    writes=Writes(required_on_update=NAME_FIELDS),
    refs=References(find=provider_refs, removed_with=frozenset({"push_providers"}), fits=provider_fits),
    builtins=Builtins(detect=does_nothing),
    export=Export(defaults=_defaults, filter=export_filter),
)
