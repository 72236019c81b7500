"""GetRateLimits: the limits of every documented endpoint, server-side as seen by this app (other platforms
report full quotas)."""

from __future__ import annotations

from typing import Any

from ..pipeline.errors import bad_request
from .common import Context, Result, ok

PLATFORMS = ("server_side", "android", "ios", "web", "unity")


def _flag(ctx: Context, name: str) -> bool:
    raw = ctx.query_value(name)
    if raw is None:
        return False
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0", ""):
        return False
    raise bad_request(f"{name} must be a boolean")


def get_rate_limits(ctx: Context) -> Result:
    """GetRateLimits: GET /rate_limits[?server_side=&android=&ios=&web=&unity=&endpoints=A,B]
    -> 200 ``{platform: {operation id: {limit, remaining, reset}}}`` for every endpoint Stream documents
    (the operations of the SDK references in shared/seeds and the endpoint names of the classic JS SDK's
    ``EndpointName`` type, e.g. ``SendMessage``), not only the emulated ones: the documented
    limit (60/min for UpdateApp, the channel-type operations and CheckPush), else 10,000/min. No
    platform flag means all of them; only ``server_side`` counts this app's requests, the others
    report full quotas; unknown operation ids in ``endpoints`` are left out. 400/4 on a flag that is
    not a boolean.
    """
    requested = [platform for platform in PLATFORMS if _flag(ctx, platform)] or list(PLATFORMS)
    endpoints_param = ctx.query_value("endpoints")
    operations = list(ctx.operation_ids)
    if endpoints_param:
        wanted = [name.strip() for name in endpoints_param.split(",") if name.strip()]
        operations = [name for name in wanted if name in ctx.operation_ids]
    body: dict[str, Any] = {}
    for platform in requested:
        limits: dict[str, Any] = {}
        for operation_id in operations:
            info = ctx.rate_limit_info(operation_id)
            remaining = info.remaining if platform == "server_side" else info.limit
            limits[operation_id] = {"limit": info.limit, "remaining": remaining, "reset": info.reset}
        body[platform] = limits
    return ok(body)
