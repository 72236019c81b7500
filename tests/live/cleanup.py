"""Deletes what a live-suite run made: every object whose name starts with the run's prefix, in
reverse dependency order, after taking the prefix's roles out of the app's grants. Used in a
`finally`, so it runs after failures too; it reports what it could not delete instead of stopping."""

from __future__ import annotations

import asyncio

from stream_iac.api.caller import ApiCaller
from stream_iac.api.read import read_kind
from stream_iac.api.write import send_delete, send_update
from stream_iac.errors import UserError
from stream_iac.kinds import BY_NAME, KINDS

PASSES = 3
PAUSE_SECONDS = 2.0  # Stream's reads can lag its writes: a role may still show the grants of a deleted type


async def delete_prefixed(api: ApiCaller, prefix: str) -> tuple[list[str], list[str]]:
    """Delete every live object named `prefix…`: (addresses deleted, problems left). The app's own
    grants to such roles are removed first (a role with grants cannot be deleted); grants inside
    channel types go with their (prefixed) channel type. What fails is tried again, in up to
    PASSES passes."""
    if not prefix:
        raise ValueError("refusing to clean up without a prefix: that would delete everything")
    deleted: list[str] = []
    problems: list[str] = []
    for attempt in range(PASSES):
        if attempt:
            await asyncio.sleep(PAUSE_SECONDS)
        problems = await _one_pass(api, prefix, deleted)
        if not problems:
            break
    return deleted, problems


async def _one_pass(api: ApiCaller, prefix: str, deleted: list[str]) -> list[str]:
    problems: list[str] = []
    await _ungrant_app_roles(api, prefix, problems)
    for kind in reversed(KINDS):
        if kind.api.delete is None:
            continue
        try:
            live = await read_kind(api, kind)
        except UserError as exc:
            problems.append(f"{kind.name}: {exc.message}")
            continue
        for name, body in live.items():
            if not name.startswith(prefix):
                continue
            try:
                await send_delete(api, kind, name, body)
                deleted.append(kind.address(name))
            except UserError as exc:
                problems.append(f"{kind.address(name)}: {exc.message}")
    return problems


async def _ungrant_app_roles(api: ApiCaller, prefix: str, problems: list[str]) -> None:
    app = BY_NAME["app"]
    try:
        grants = (await read_kind(api, app)).get("app", {}).get("grants") or {}
        cleared = {role: [] for role in grants if role.startswith(prefix)}
        if cleared:
            await send_update(api, app, "app", {"grants": cleared})
    except UserError as exc:
        problems.append(f"app.grants: {exc.message}")
