"""`plan_stacks` over a fleet: each plan is reported as soon as it and those before it are ready, in
the order given, with a bounded number of stacks in flight; with `light`, what is kept of a stack
once reported is its plan, not its content or live state (memory does not grow with the fleet)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

from stream_iac.cli import run as run_module
from stream_iac.cli.run import StackPlan, plan_stacks
from stream_iac.plan import PlanOptions
from stream_iac.state import DesiredState, StackMeta


class Fleet:
    def __init__(self) -> None:
        self.in_flight = self.most_in_flight = 0
        self.reported: list[str] = []

    async def plan_stack(self, session: Any, path: str, options: PlanOptions) -> StackPlan:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(random.uniform(0, 0.002))  # finish out of order
            desired = DesiredState(meta=StackMeta(name=path, root=Path(path)))
            desired.objects["commands"] = {"big": object()}  # type: ignore[dict-item]
            return StackPlan(path, desired, {"commands": {"live": {}}}, object(), None)  # type: ignore[arg-type]
        finally:
            self.in_flight -= 1


@pytest.mark.parametrize("light", [False, True])
def test_plans_are_reported_in_order_with_few_in_flight(monkeypatch: pytest.MonkeyPatch, light: bool) -> None:
    fleet = Fleet()
    monkeypatch.setattr(run_module, "plan_stack", fleet.plan_stack)
    paths = [f"stacks/app{i:03d}" for i in range(200)]
    results = asyncio.run(plan_stacks(None, paths, PlanOptions(),  # type: ignore[arg-type]
                                      report=lambda r: fleet.reported.append(r.path), light=light))
    assert fleet.reported == paths
    assert [r.path for r in results] == paths
    assert fleet.most_in_flight <= run_module.STACKS_IN_FLIGHT
    assert all(bool(r.live) is not light and bool(r.desired.objects) is not light for r in results)
    assert all(r.desired.meta.name == r.path for r in results)  # the meta is kept either way


def test_a_failing_stack_stops_the_fleet_and_cancels_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []

    async def plan_stack(session: Any, path: str, options: PlanOptions) -> StackPlan:
        started.append(path)
        if path == "stacks/bad":
            raise ValueError("boom")
        await asyncio.sleep(0.05)
        raise AssertionError("a stack after the failure was planned to the end")

    monkeypatch.setattr(run_module, "plan_stack", plan_stack)
    with pytest.raises(ValueError, match="boom"):
        asyncio.run(plan_stacks(None, ["stacks/bad", *[f"s{i}" for i in range(100)]],  # type: ignore[arg-type]
                                PlanOptions()))
    assert len(started) <= run_module.STACKS_IN_FLIGHT
