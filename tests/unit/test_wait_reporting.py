"""What apply says about rate-limit waits: the throttle tells an observer of each pause as it
begins, and counts wall-clock waiting (concurrent waits once), on a virtual clock; the live line's
words; the apply summary's counts."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner

from stream_iac.api.throttle import Throttle
from stream_iac.cli.output import Output, Progress, wait_text
from stream_iac.executor import ApplyReport, ChangeResult


class VirtualClock:
    """A clock that moves only when a sleeper wakes: a sleep of d begun at t ends at t + d,
    whatever else sleeps meanwhile (so concurrent sleeps overlap, as real ones do)."""

    def __init__(self) -> None:
        self.now = 10.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        began = self.now
        await asyncio.sleep(0)  # let the others start their sleeps at the same instant
        self.now = max(self.now, began + seconds)


def test_the_observer_hears_each_pause_and_wall_clock_waiting_counts_overlaps_once() -> None:
    clock = VirtualClock()
    throttle = Throttle({"UpdateChannelType": 60, "UpdateApp": 60}, clock=clock.monotonic,
                        wall_clock=lambda: 1e9 + clock.now, sleep=clock.sleep)
    heard: list[tuple[str, float, int | None]] = []
    throttle.on_wait = lambda op, seconds, per_minute: heard.append((op, seconds, per_minute))
    throttle.penalize("UpdateChannelType", 3.0)
    throttle.penalize("UpdateApp", 3.0)

    async def both() -> None:
        await asyncio.gather(throttle.acquire("UpdateChannelType"), throttle.acquire("UpdateApp"))

    asyncio.run(both())
    assert sorted(heard) == [("UpdateApp", 3.0, 60), ("UpdateChannelType", 3.0, 60)]
    assert throttle.waited_seconds == 6.0, "two requests waited 3 s each"
    assert throttle.wall_waited_seconds == 3.0, "at the same time: 3 s of wall-clock waiting"


def progress_lines(live: bool, *pauses: tuple[str, float, int | None]) -> str:
    runner = CliRunner()
    with runner.isolation() as (_, err, _):
        progress = Progress(Output(False), 10, "text", live=live)
        for pause in pauses:
            progress.waiting(*pause)
        return err.getvalue().decode()


def test_the_live_line_says_what_it_waits_for() -> None:
    assert wait_text("UpdateChannelType", 2.2, 60) == "waiting 3s: UpdateChannelType, 60/min"
    assert wait_text("UpdateApp", 0.52, None) == "waiting 0.5s: UpdateApp"
    live = progress_lines(True, ("UpdateChannelType", 2.2, 60), ("UpdateApp", 0.1, 60))
    assert live == "[0/10] waiting 3s: UpdateChannelType, 60/min", "pacing shorter than half a second is not shown"
    logged = progress_lines(False, ("UpdateChannelType", 2.2, 60), ("UpdateApp", 20.0, 60))
    assert logged == "[0/10] waiting 20s: UpdateApp, 60/min\n", "in logs, only the long pauses"


def test_the_summary_counts_created_updated_and_deleted() -> None:
    from stream_iac.render.apply_report import outcome_counts

    applied = [ChangeResult(f"roles.r{i}", action, "applied")
               for i, action in enumerate(["create"] * 3 + ["update"] * 2 + ["delete"])]
    assert outcome_counts(ApplyReport(results=applied)) == "3 created, 2 updated, 1 deleted"
    failed = ApplyReport(results=[*applied, ChangeResult("roles.x", "create", "failed", "boom"),
                                  ChangeResult("roles.y", "update", "skipped")])
    assert outcome_counts(failed) == "3 created, 2 updated, 1 deleted; 1 failed, 1 skipped, 0 not attempted"
