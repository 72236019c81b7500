"""Orchestration for the commands: load stacks, connect, read, plan, apply. No printing:
results go back to the CLI, which renders them."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from stream_iac.errors import ConfigError
from stream_iac.executor import ApplyReport, Executor, ProgressCallback
from stream_iac.kinds import KINDS
from stream_iac.plan import Plan, PlanOptions, build_plan, read_live
from stream_iac.session import ConnectionFlags, Session, TransportFactory
from stream_iac.settings import ConnectionSettings
from stream_iac.state import DesiredState, LiveState

__all__ = ["ConnectionFlags", "Session", "TransportFactory", "StackPlan", "plan_stack", "plan_stacks", "apply_plan"]
T = TypeVar("T")


@dataclass
class StackPlan:
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
