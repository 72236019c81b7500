"""Orchestration for the commands: load stacks, connect, read, plan, apply. No printing:
results go back to the CLI, which renders them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from stream_iac.client import StreamClient
from stream_iac.errors import ConfigError, UserError
from stream_iac.executor import ApplyReport, Executor, ProgressCallback
from stream_iac.kinds import KINDS
from stream_iac.plan import Plan, PlanOptions, build_plan, read_live
from stream_iac.secrets import secret_values
from stream_iac.settings import ConnectionSettings, resolve_settings
from stream_iac.stack.validate import load_and_validate
from stream_iac.state import DesiredState, LiveState

TransportFactory = Callable[[ConnectionSettings], httpx.AsyncBaseTransport | None]
T = TypeVar("T")


@dataclass(frozen=True)
class ConnectionFlags:
    api_key: str | None = None
    base_url: str | None = None
    timeout: float | None = None


@dataclass
class Session:
    """Everything one command run needs; `transport_factory` lets tests run in-process."""

    env: Mapping[str, str]
    flags: ConnectionFlags = ConnectionFlags()
    transport_factory: TransportFactory | None = None
    log: Any = None
    known_secrets: list[str] = field(default_factory=list)

    def settings_for(self, desired: DesiredState | None) -> ConnectionSettings:
        creds = desired.meta.credentials if desired else None
        if creds:
            settings = resolve_settings(self.env, api_key=None, base_url=self.flags.base_url,
                                        timeout=self.flags.timeout, key_env=creds.api_key_env,
                                        secret_env=creds.api_secret_env)
        else:
            settings = resolve_settings(self.env, api_key=self.flags.api_key, base_url=self.flags.base_url,
                                        timeout=self.flags.timeout)
        self.known_secrets.append(settings.api_secret)
        return settings

    def client(self, settings: ConnectionSettings) -> StreamClient:
        transport = self.transport_factory(settings) if self.transport_factory else None
        return StreamClient(settings, transport=transport, log=self.log)

    def load(self, path: str | Path, *, allow_missing_env: bool = False) -> DesiredState:
        desired = load_and_validate(path, env=self.env, allow_missing_env=allow_missing_env)
        for kind_objects in desired.objects.values():
            for obj in kind_objects.values():
                self.known_secrets.extend(secret_values(obj.body))
        return desired


@dataclass
class StackPlan:
    path: str
    desired: DesiredState
    live: LiveState
    plan: Plan
    settings: ConnectionSettings


def run(coro: Awaitable[T]) -> T:
    async def wrapper() -> T:
        return await coro

    return asyncio.run(wrapper())


async def plan_stack(session: Session, path: str, options: PlanOptions) -> StackPlan:
    desired = session.load(path)
    settings = session.settings_for(desired)
    client = session.client(settings)
    try:
        live = await read_live(client, KINDS)
    finally:
        await client.aclose()
    return StackPlan(path, desired, live, build_plan(desired, live, options), settings)


async def plan_stacks(session: Session, paths: list[str], options: PlanOptions) -> list[StackPlan]:
    """Several stacks (e.g. one app per region) are read concurrently."""
    if not paths:
        raise ConfigError("name at least one stack")
    return list(await asyncio.gather(*(plan_stack(session, p, options) for p in paths)))


async def apply_plan(
    session: Session, settings: ConnectionSettings, plan: Plan, *, parallelism: int,
    on_progress: ProgressCallback | None = None,
) -> ApplyReport:
    client = session.client(settings)
    try:
        report = await Executor(client, parallelism=parallelism, on_progress=on_progress).apply(plan)
        report.rate_limit_wait = client.stats.throttle_wait_seconds
        return report
    finally:
        await client.aclose()


def refuse_empty(desired: DesiredState) -> None:
    if desired.count() == 0:
        raise UserError("the stack declares no objects; refusing to manage an app with it")
