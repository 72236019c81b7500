"""Pacing at the app's own limits (issue 17): the throttle starts from `GetRateLimits`, falls
back to the documented limits when that call fails, and a tight app sees no 429 during an apply.
Virtual time only: nothing here waits or measures wall time."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml

from stream_emulator import Emulator, EmulatorOptions
from stream_emulator.store.clock import ManualClock
from stream_iac.api.client import RetryPolicy, StreamClient
from stream_iac.api.read import read_live
from stream_iac.api.settings import ConnectionSettings
from stream_iac.api.throttle import DOCUMENTED_LIMITS, SAFETY, Throttle, fetch_app_limits
from stream_iac.cli.output import print_report
from stream_iac.cli.run import write_operations
from stream_iac.errors import ApiError
from stream_iac.executor import ApplyReport, Executor
from stream_iac.plan import PlanOptions, build_plan
from stream_iac.stack.validate import load_and_validate

KEY, SECRET = "tight-key", "tight-secret-0123456789"


class VirtualTime:
    """One clock for the emulator (unix seconds) and the client (monotonic and wall): it moves
    only when the client sleeps."""

    def __init__(self) -> None:
        self.clock = ManualClock(1_700_000_000.0)

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(max(0.0, seconds))
        await asyncio.sleep(0)


class FakeCaller:
    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, str, dict[str, Any] | None]] = []

    async def call(self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None,
                   body: Any = None) -> dict[str, Any]:
        self.calls.append((op, method, path, params))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_the_throttle_starts_from_the_fetched_limits() -> None:
    time = VirtualTime()
    throttle = Throttle(clock=time.clock, wall_clock=time.clock, sleep=time.sleep)
    reset = int(time.clock()) + 60
    caller = FakeCaller({"server_side": {
        "UpdateChannelType": {"limit": 600, "remaining": 600, "reset": reset},
        "CreateCommand": {"limit": 30, "remaining": 30, "reset": reset},
    }})

    async def go() -> list[float]:
        pacing = await fetch_app_limits(caller, throttle, ["UpdateChannelType", "CreateCommand"])
        assert pacing.source == "app"
        assert pacing.limits == {"UpdateChannelType": 600, "CreateCommand": 30}
        assert pacing.describe() == "paced at the app's limits: CreateCommand 30/min, UpdateChannelType 600/min"
        starts = []
        for _ in range(3):
            await throttle.acquire("UpdateChannelType")
            starts.append(time.clock())
        return starts

    starts = asyncio.run(go())
    assert caller.calls == [("GetRateLimits", "GET", "/rate_limits",
                             {"server_side": True, "endpoints": "CreateCommand,UpdateChannelType"})]
    assert throttle.per_minute_limit("UpdateChannelType") == 600  # not the documented 60
    assert throttle.per_minute_limit("CreateCommand") == 30  # undocumented, now known
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(abs(gap - SAFETY / 20) < 1e-6 for gap in gaps), gaps  # 600/min = 20/s, not 2/s


def test_quota_already_used_counts_against_the_first_window() -> None:
    time = VirtualTime()
    throttle = Throttle(clock=time.clock, wall_clock=time.clock, sleep=time.sleep)
    reset = int(time.clock()) + 10
    throttle.start_from({"UpdateApp": {"limit": 6, "remaining": 0, "reset": reset}})

    async def go() -> float:
        return await throttle.acquire("UpdateApp")

    waited = asyncio.run(go())
    assert waited >= 10 - 1e-6


def test_a_failed_fetch_falls_back_to_the_documented_limits_and_says_so() -> None:
    throttle = Throttle()
    caller = FakeCaller(ApiError("GetRateLimits", 500, -1, "boom"))
    pacing = asyncio.run(fetch_app_limits(caller, throttle, ["UpdateChannelType"]))
    assert pacing.source == "documented"
    assert pacing.limits == {"UpdateChannelType": DOCUMENTED_LIMITS["UpdateChannelType"]}
    assert "documented limits" in pacing.describe() and "GetRateLimits failed" in pacing.describe()


def test_an_answer_without_server_side_limits_falls_back_too() -> None:
    pacing = asyncio.run(fetch_app_limits(FakeCaller({"web": {}}), Throttle(), ["UpdateApp"]))
    assert pacing.source == "documented" and pacing.limits == {"UpdateApp": 60}


def _stack(tmp_path: Path, types: int, commands: int) -> Path:
    data = {
        "stack": {"name": "tight"},
        "commands": {f"cmd{i:02d}": {"description": f"command {i}"} for i in range(commands)},
        "channel_types": {f"type{i:02d}": {"max_message_length": 4000 + i} for i in range(types)},
    }
    (tmp_path / "stack.yaml").write_text(yaml.safe_dump(data))
    return tmp_path


TIGHT = {"CreateChannelType": (6, 1), "CreateCommand": (4, 1), "UpdateApp": (3, 1)}


def _apply_to(emulator: Emulator, time: VirtualTime, stack: Path, fetch: bool) -> tuple[ApplyReport, str]:
    settings = ConnectionSettings(KEY, SECRET, base_url="http://emulator.test", timeout=5.0)
    throttle = Throttle(clock=time.clock, wall_clock=time.clock, sleep=time.sleep)
    retry = RetryPolicy(max_attempts=8, sleep=time.sleep, random=lambda: 0.5, wall_clock=time.clock)
    client = StreamClient(settings, transport=emulator.async_transport(), throttle=throttle, retry=retry)

    async def go() -> tuple[ApplyReport, str]:
        try:
            plan = build_plan(load_and_validate(stack, env={}), await read_live(client), PlanOptions())
            description = ""
            if fetch:
                description = (await fetch_app_limits(client, throttle, write_operations(plan))).describe()
            executor = Executor(client, parallelism=8, sleep=time.sleep, verify=False)
            return await executor.apply(plan), description
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_a_tight_app_sees_no_429_when_paced_at_its_own_limits(tmp_path: Path) -> None:
    time = VirtualTime()
    emulator = Emulator(EmulatorOptions(apps=[(KEY, SECRET)], rate_limits=True, clock=time.clock, latency_ms=2,
                                        limits={KEY: TIGHT}))
    report, description = _apply_to(emulator, time, _stack(tmp_path, types=8, commands=6), fetch=True)
    stats = emulator.stats(KEY)
    assert report.ok, report.results
    assert stats["requests"]["CreateChannelType"] == 8 and stats["requests"]["CreateCommand"] == 6
    assert stats["rate_limited"] == 0 and 429 not in stats["responses"]
    assert stats["requests"]["GetRateLimits"] == 1
    assert "paced at the app's limits" in description and "CreateChannelType 6/min" in description


def test_the_same_apply_at_the_documented_limits_is_refused_by_the_tight_app(tmp_path: Path) -> None:
    """The control for the test above: without the fetch, the documented 60/min (2 a second)
    is too fast for this app, so the test above shows the fetch at work."""
    time = VirtualTime()
    emulator = Emulator(EmulatorOptions(apps=[(KEY, SECRET)], rate_limits=True, clock=time.clock, latency_ms=2,
                                        limits={KEY: TIGHT}))
    _apply_to(emulator, time, _stack(tmp_path, types=8, commands=6), fetch=False)
    assert emulator.stats(KEY)["rate_limited"] > 0


def test_the_apply_summary_names_the_limits_it_paced_at() -> None:
    lines: list[str] = []

    class Out:
        def out(self, text: str) -> None:
            lines.append(text)

    report = ApplyReport(verified=True, pacing="paced at the app's limits: UpdateChannelType 600/min")
    print_report(Out(), report)  # type: ignore[arg-type]
    assert "Rate limits: paced at the app's limits: UpdateChannelType 600/min." in lines


NONSENSE = [-5, 0, "600", 600.5, True, None, 10**12, [600], {"per_minute": 600}]


def test_nonsense_limits_keep_the_default_pacing() -> None:
    """A misbehaving GetRateLimits (negative, zero, strings, floats, booleans, absurdly high limits)
    never switches pacing off: each such op keeps the documented limit (or, without one, pacing by
    response headers), and the summary says the app's answer was not used for it."""
    for value in NONSENSE:
        throttle = Throttle()
        caller = FakeCaller({"server_side": {
            "UpdateChannelType": {"limit": value, "remaining": value, "reset": 1},
            "CreateCommand": {"limit": value, "remaining": 5, "reset": "soon"},
        }})
        pacing = asyncio.run(fetch_app_limits(caller, throttle, ["UpdateChannelType", "CreateCommand"]))
        assert throttle.per_minute_limit("UpdateChannelType") == DOCUMENTED_LIMITS["UpdateChannelType"], value
        assert throttle.per_minute_limit("CreateCommand") is None, value  # as before the call: no limit known
        assert pacing.unknown == ("CreateCommand", "UpdateChannelType"), value
        assert "no usable limit in the app's answer for CreateCommand, UpdateChannelType" in pacing.describe()


def test_an_entry_that_is_not_an_object_or_is_missing_is_unknown() -> None:
    throttle = Throttle()
    caller = FakeCaller({"server_side": {"UpdateApp": "fast", "UpdateChannelType": {"limit": 120}}})
    pacing = asyncio.run(fetch_app_limits(caller, throttle, ["CreateChannelType", "UpdateApp", "UpdateChannelType"]))
    assert pacing.unknown == ("CreateChannelType", "UpdateApp")
    assert pacing.limits == {"CreateChannelType": 60, "UpdateApp": 60, "UpdateChannelType": 120}


def test_garbled_remaining_or_reset_keeps_the_limit_but_not_the_used_quota() -> None:
    time = VirtualTime()
    throttle = Throttle(clock=time.clock, wall_clock=time.clock, sleep=time.sleep)
    taken = throttle.start_from({"UpdateApp": {"limit": 6, "remaining": -3, "reset": float("nan")}})
    assert taken == {"UpdateApp": 6}
    assert asyncio.run(throttle.acquire("UpdateApp")) == 0.0  # no used quota invented from nonsense


def test_a_nonsense_rate_limit_header_does_not_switch_pacing_off() -> None:
    throttle = Throttle()
    for header in ("0", "-1", str(10**12), "many"):
        throttle.observe("UpdateApp", {"X-RateLimit-Limit": header})
        assert throttle.per_minute_limit("UpdateApp") == 60, header
