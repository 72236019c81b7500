"""A kind's write calls: the request each create, update and delete sends, from the kind's
declaration (`Kind.api` and `Kind.writes`) and the payload the plan computed."""

from __future__ import annotations

from stream_iac.api.caller import ApiCaller
from stream_iac.kinds.base import JSON, Kind


def create_body(kind: Kind, payload: JSON) -> JSON:
    """The create payload with the kind's create defaults under it."""
    return {**kind.writes.create_defaults, **payload}


async def send_create(api: ApiCaller, kind: Kind, name: str, payload: JSON) -> None:
    """Create object `name` with `payload` (the plan's create payload)."""
    assert kind.api.create is not None
    endpoint = kind.api.create
    await api.call(endpoint.op, endpoint.method, endpoint.url(name, payload),
                   body=endpoint.body(name, create_body(kind, payload)))


async def send_update(api: ApiCaller, kind: Kind, name: str, payload: JSON) -> None:
    """Update object `name` with `payload` (the plan's update payload)."""
    assert kind.api.update is not None
    endpoint = kind.api.update
    await api.call(endpoint.op, endpoint.method, endpoint.url(name, payload), body=endpoint.body(name, payload))


async def send_delete(api: ApiCaller, kind: Kind, name: str, live: JSON) -> None:
    """Delete object `name` (its live body fills path placeholders such as a provider's type)."""
    assert kind.api.delete is not None
    endpoint = kind.api.delete
    await api.call(endpoint.op, endpoint.method, endpoint.url(name, live), body=endpoint.body(name, None))
