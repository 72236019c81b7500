"""Orchestration for the commands: load stacks, connect, read, plan, apply, save and load plan
files. No printing: results go back to the commands, which render them."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from stream_iac.api.read import read_live
from stream_iac.api.settings import ConnectionSettings
from stream_iac.cli.session import Session
from stream_iac.errors import ConfigError, StalePlanError, UserError
from stream_iac.executor import ApplyReport, Executor, ProgressCallback
from stream_iac.kinds import KINDS
from stream_iac.plan import Plan, PlanOptions, build_plan, fingerprint
from stream_iac.plan.planfile import PlanHeader, parse_plan_document, plan_document
from stream_iac.secrets import Secret, secret_values
from stream_iac.state import Credentials, DesiredState, LiveState, StackMeta

T = TypeVar("T")


@dataclass
class StackPlan:
    """One stack's plan, with what it was made from and where it applies."""

    path: str
    desired: DesiredState
    live: LiveState
    plan: Plan
    settings: ConnectionSettings


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, with the result kept out of the main task: on Python 3.11, closing the loop
    formats the main task's repr, result included (the SIGINT handler check), and the full repr
    of many plans costs milliseconds per stack."""
    results: list[T] = []

    async def main() -> None:
        results.append(await coro)

    asyncio.run(main())
    return results[0]


async def plan_stack(session: Session, path: str, options: PlanOptions) -> StackPlan:
    """Load the stack at `path`, read its app's live state and plan it."""
    desired = session.load(path)
    settings = session.settings_for(desired)
    client = session.client(settings)
    try:
        live = await read_live(client, KINDS)
    finally:
        await client.aclose()
    return StackPlan(path, desired, live, build_plan(desired, live, options), settings)


async def plan_stacks(session: Session, paths: list[str], options: PlanOptions) -> list[StackPlan]:
    """Several stacks (e.g. one app per region), read concurrently; plans in the order given."""
    if not paths:
        raise ConfigError("name at least one stack")
    return list(await asyncio.gather(*(plan_stack(session, p, options) for p in paths)))


async def read_app(session: Session) -> LiveState:
    """The live state of the app the connection flags and environment name (for export)."""
    client = session.client(session.settings_for(None))
    try:
        return await read_live(client)
    finally:
        await client.aclose()


async def apply_plan(
    session: Session, settings: ConnectionSettings, plan: Plan, *, parallelism: int,
    on_progress: ProgressCallback | None = None,
) -> ApplyReport:
    """Apply `plan` to the app `settings` name; the per-change report."""
    client = session.client(settings)
    try:
        report = await Executor(client, parallelism=parallelism, on_progress=on_progress).apply(plan)
        report.rate_limit_wait = client.stats.throttle_wait_seconds
        return report
    finally:
        await client.aclose()


# ---------------------------------------------------------------- saved plans


def save_plan(path: str, result: StackPlan) -> None:
    """Write the plan of one stack to `path` (atomically: a temporary file, then a rename)."""
    meta = result.desired.meta
    credentials = (
        {"api_key_env": meta.credentials.api_key_env, "api_secret_env": meta.credentials.api_secret_env}
        if meta.credentials else None
    )
    header = PlanHeader(stack_path=os.path.abspath(result.path), api_key=result.settings.api_key,
                        base_url=result.settings.base_url, credentials=credentials)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(plan_document(result.plan, header), fh, indent=2)
    os.replace(tmp, path)


async def load_saved_plan(session: Session, path: str) -> StackPlan:
    """The plan saved at `path`, after checking that no object it touches changed since it was
    made (StalePlanError otherwise) and that it is for the app the environment names."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable saved plan ({exc})") from None
    missing: list[str] = []
    header, plan = parse_plan_document(doc, path, lambda ref: _resolve_secret(ref, session.env, missing))
    if missing:
        raise ConfigError(f"{path}: cannot apply, secrets missing: {', '.join(sorted(set(missing)))}")
    creds = Credentials(**header.credentials) if header.credentials else None
    desired = DesiredState(meta=StackMeta(name=plan.stack, root=Path(header.stack_path), credentials=creds))
    settings = session.settings_for(desired)
    if settings.api_key != header.api_key:
        raise ConfigError(f"{path} was planned for API key {header.api_key}, not {settings.api_key}")
    for change in plan.changes:
        session.known_secrets.extend(secret_values(change.payload) + secret_values(change.followup))
    kinds = [kind for kind in KINDS if kind.name in {c.kind for c in plan.changes}]
    client = session.client(settings)
    try:
        live = await read_live(client, kinds)
    finally:
        await client.aclose()
    stale = [c.address for c in plan.changes if fingerprint(live[c.kind].get(c.name)) != c.fingerprint]
    if stale:
        raise StalePlanError(
            f"{path} is stale: changed live since it was planned: {', '.join(stale)}. Nothing was applied; "
            "run plan again.")
    if not plan.changes:
        raise UserError(f"{path} holds no changes")
    return StackPlan(path, desired, live, plan, settings)


def _resolve_secret(ref: str, env: Any, missing: list[str]) -> Secret:
    source, _, name = ref.partition(":")
    if source == "env":
        if name not in env:
            missing.append(f"environment variable {name}")
            return Secret("", ref)
        return Secret(env[name], ref)
    try:
        return Secret(Path(name).read_text(encoding="utf-8").removesuffix("\n"), ref)
    except OSError as exc:
        missing.append(f"file {name} ({exc.strerror})")
        return Secret("", ref)


__all__ = ["StackPlan", "apply_plan", "load_saved_plan", "plan_stack", "plan_stacks", "read_app", "run",
           "save_plan"]
