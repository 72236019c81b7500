"""Retention policies: /api/v2/chat/retention_policy (REFERENCE.md §10). Setting a policy
creates or updates it; the key is the policy name."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from stream_iac.kinds.base import JSON, Api, Endpoint, Kind, Lister, Replaced, Shape, StackModel, Writes
from stream_iac.kinds.common import spec

POLICIES = ("old-messages", "inactive-channels")


class RetentionPolicy(StackModel):
    """A data retention policy, keyed by the policy: Stream hard-deletes, server side, what is
    older than `max_age_hours`. `old-messages` deletes messages; `inactive-channels` deletes
    channels whose creation, last update and last message are all older. A new app has none."""

    max_age_hours: Annotated[int, Field(ge=24, le=43800), spec(
        "SetRetentionPolicyRequest.max_age_hours", "format: int32, minimum: 24, maximum: 43800")]
    """The age, in hours, past which the policy deletes (required; 24 hours to 43800, five years)."""


def normalise(live: JSON) -> JSON:
    config = live.get("config") or {}
    return {"max_age_hours": config.get("max_age_hours")}



def valid_policy(name: str) -> str | None:
    if name in POLICIES:
        return None
    return (f"policy must be one of: {', '.join(POLICIES)}; "
            + spec("SetRetentionPolicyRequest.policy", "enum: old-messages, inactive-channels").text)


SET = Endpoint("SetRetentionPolicy", "POST", "/chat/retention_policy", name_field="policy")

KIND = Kind(
    name="retention_policies",
    shape=Shape(model=RetentionPolicy, normalise=normalise, name_rule=valid_policy, noun="retention policy"),
    api=Api(
        read=Lister(op="GetRetentionPolicy", path="/chat/retention_policy", key="policies", name_field="policy"),
        create=SET,
        update=SET,
        delete=Endpoint("DeleteRetentionPolicy", "POST", "/chat/retention_policy/delete", name_field="policy"),
    ),
    writes=Writes(replaces=(Replaced(),)),  # SetRetentionPolicy takes the whole policy
)
