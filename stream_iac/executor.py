"""The executor applies a Plan's changes, and nothing else: each change after the changes it
depends on, independent ones in parallel, dependents of a failed change skipped. A write whose
outcome is unknown is checked against live state before it is ever sent again. After the writes,
one more round of reads proves live state holds what was sent (`stream_iac.verify`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from stream_iac.api.caller import ApiCaller
from stream_iac.api.read import read_kind
from stream_iac.api.write import send_create, send_delete, send_update
from stream_iac.errors import ApiError, OutcomeUnknown, UserError
from stream_iac.kinds import BY_NAME
from stream_iac.kinds.base import JSON, Kind
from stream_iac.plan import Change, Plan
from stream_iac.plan.diff import compare, strip_secrets
from stream_iac.verify import Discrepancy, verify

Status = Literal["applied", "failed", "skipped", "not_attempted"]
MAX_WRITE_ATTEMPTS = 3
STOP_GRACE_SECONDS = 30.0  # after a stop (SIGINT/SIGTERM), how long writes in flight may finish
INTERRUPTED_IN_FLIGHT = ("interrupted while its write was in flight: it may or may not have taken effect; "
                         "run plan to see live state")
VERIFY_DELAYS = (0.0, 0.5, 1.0, 2.0)  # the API's reads can lag its writes by a few seconds


@dataclass
class ChangeResult:
    address: str
    action: str
    status: Status
    message: str = ""
    seconds: float = 0.0


@dataclass
class ApplyReport:
    results: list[ChangeResult] = field(default_factory=list)
    seconds: float = 0.0
    rate_limit_wait: float = 0.0
    verified: bool = False  # whether live state was read back after the writes (not with --no-verify)
    discrepancies: list[Discrepancy] = field(default_factory=list)  # what live state did not keep
    interrupted: bool = False  # stopped early (a signal): changes not started are not attempted
    pacing: str = ""  # which rate limits the writes were paced at (Pacing.describe()), "" if not known

    @property
    def ok(self) -> bool:
        return all(r.status == "applied" for r in self.results) and not self.discrepancies

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)


ProgressCallback = Callable[[str, Change, ChangeResult | None], None]  # event: "start" | "done"


def _says_exists_or_missing(error: ApiError) -> bool:
    """The API's words for a create that found the object there, or a delete that did not."""
    text = error.api_message.lower()
    return any(words in text for words in ("already exist", "does not exist", "not found", "doesn't exist"))


class Executor:
    """Applies plans through one API client: at most `parallelism` writes at once, progress
    reported through `on_progress("start"|"done", change, result)`; then, unless `verify` is
    off, reads back what the applied changes touched (patiently: reads may lag writes)."""

    def __init__(
        self,
        api: ApiCaller,
        *,
        parallelism: int = 4,
        on_progress: ProgressCallback | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        verify: bool = True,
    ) -> None:
        if parallelism < 1:
            raise UserError("--parallelism must be at least 1")
        self.api = api
        self.parallelism = parallelism
        self.on_progress = on_progress
        self.sleep = sleep
        self.verify = verify
        self.stop_grace = STOP_GRACE_SECONDS
        self._stopping = False
        self._stop_event: asyncio.Event | None = None

    def stop(self) -> None:
        """Start no new write; the writes in flight may finish (for up to `stop_grace` seconds),
        then `apply` returns its report. Safe to call from a signal handler of the loop."""
        self._stopping = True
        if self._stop_event is not None:
            self._stop_event.set()

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def apply(self, plan: Plan) -> ApplyReport:
        """Make `plan`'s changes, each after those it depends on; the report has one result per
        change, in plan order (applied, failed, skipped because a dependency failed, or not
        attempted), and what verification found live that is not what was sent. API errors do not
        raise: they are the failed results."""
        started = time.monotonic()
        results: dict[str, ChangeResult] = {}
        done = {c.address: asyncio.Event() for c in plan.changes}
        slots = asyncio.Semaphore(self.parallelism)
        in_flight: dict[str, Change] = {}
        self._stop_event = asyncio.Event()
        if self._stopping:
            self._stop_event.set()

        async def run(change: Change) -> None:
            try:
                for dep in change.depends_on:
                    if dep in done:
                        await done[dep].wait()
                if self._stopping:
                    return  # not attempted
                blocked = [d for d in change.depends_on if d in results and results[d].status != "applied"]
                if blocked:
                    reason = f"depends on {', '.join(blocked)}, which was not applied"
                    results[change.address] = ChangeResult(change.address, change.action, "skipped", reason)
                    self._progress("done", change, results[change.address])
                    return
                async with slots:
                    if self._stopping:
                        return  # not attempted
                    in_flight[change.address] = change
                    self._progress("start", change, None)
                    results[change.address] = await self._apply_one(change)
                    del in_flight[change.address]
                    self._progress("done", change, results[change.address])
            finally:
                done[change.address].set()

        tasks = [asyncio.create_task(run(c), name=c.address) for c in plan.changes]
        try:
            await self._run_until_done_or_stopped(tasks, in_flight)
        finally:
            for task in tasks:
                task.cancel()
        for address, change in in_flight.items():  # still in flight when the grace period ended
            results[address] = ChangeResult(address, change.action, "failed", INTERRUPTED_IN_FLIGHT)
        report = ApplyReport(verified=self.verify and not self._stopping, interrupted=self._stopping)
        for change in plan.changes:
            report.results.append(
                results.get(change.address) or ChangeResult(change.address, change.action, "not_attempted")
            )
        if report.verified:
            applied = [c for c, r in zip(plan.changes, report.results, strict=True) if r.status == "applied"]
            checking = asyncio.ensure_future(verify(self.api, applied, sleep=self.sleep, delays=VERIFY_DELAYS))
            if await self._first_or_stop(checking):
                report.discrepancies = checking.result()
            else:  # stopped while reading back: the writes are done, the check is dropped
                report.verified, report.interrupted = False, True
        report.seconds = time.monotonic() - started
        return report

    async def _run_until_done_or_stopped(self, tasks: list[asyncio.Task[None]], in_flight: dict[str, Change]) -> None:
        """Wait for every change; on a stop, cancel the ones not started and give those in flight
        up to `stop_grace` seconds. An unexpected error of a change is raised."""
        everything = asyncio.gather(*tasks)
        if await self._first_or_stop(everything, cancel=False):
            return
        for task in tasks:
            if task.get_name() not in in_flight:
                task.cancel()
        await asyncio.wait(tasks, timeout=self.stop_grace)
        for task in tasks:
            task.cancel()
        await asyncio.gather(everything, *tasks, return_exceptions=True)
        for task in tasks:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error

    async def _first_or_stop(self, work: asyncio.Future[Any], *, cancel: bool = True) -> bool:
        """Wait for `work`, or for a stop: whether `work` finished (its exception is raised). On a
        stop, `work` is cancelled unless `cancel` is off."""
        assert self._stop_event is not None
        stopper = asyncio.ensure_future(self._stop_event.wait())
        try:
            await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if work.done():
            work.result()
            return True
        if cancel:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
        return False

    def _progress(self, event: str, change: Change, result: ChangeResult | None) -> None:
        if self.on_progress:
            self.on_progress(event, change, result)

    async def _apply_one(self, change: Change) -> ChangeResult:
        kind = BY_NAME[change.kind]
        started = time.monotonic()
        notes: list[str] = []
        try:
            for step in _steps(kind, change):
                note = await self._write_checked(step)
                if note:
                    notes.append(note)
        except UserError as exc:
            return ChangeResult(change.address, change.action, "failed", exc.message, time.monotonic() - started)
        return ChangeResult(change.address, change.action, "applied", "; ".join(notes), time.monotonic() - started)

    async def _write_checked(self, step: Step) -> str:
        """Send one write; when its outcome is unknown, look before sending it again."""
        uncertain = False
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            try:
                await step.send(self.api)
                return "confirmed after an unanswered attempt" if uncertain else ""
            except OutcomeUnknown as exc:
                uncertain = True
                if await self._in_effect(step):
                    return "confirmed by reading live state after an unanswered request"
                if attempt == MAX_WRITE_ATTEMPTS:
                    raise UserError(f"{exc.message}; live state does not show the change") from None
            except ApiError as exc:
                if exc.status in (400, 404) and step.action != "update" and await self._in_effect(
                    step, patient=uncertain or _says_exists_or_missing(exc)
                ):
                    # The plan read a stale view (the API's reads lag its writes): the object
                    # is already there (or already gone).
                    return "already in place" if not uncertain else "confirmed after an unanswered attempt"
                raise
        raise AssertionError("unreachable")

    async def _in_effect(self, step: Step, *, patient: bool = True) -> bool:
        """Whether live state already shows the step; a patient check re-reads while the
        API's reads may still lag its writes."""
        for delay in VERIFY_DELAYS if patient else VERIFY_DELAYS[:1]:
            if delay:
                await self.sleep(delay)
            try:
                live = (await read_kind(self.api, step.kind)).get(step.name)
            except UserError:
                continue
            if step.shown_by(live):
                return True
        return False


@dataclass(frozen=True)
class Step:
    """One write of a change, and how live state shows that it took effect."""

    kind: Kind
    name: str
    action: str  # create | update | delete
    send: Callable[[ApiCaller], Awaitable[None]]
    expected: JSON | None = None  # the fields live state must show (secrets left out)

    def shown_by(self, live: JSON | None) -> bool:
        if self.action == "delete":
            return live is None
        return live is not None and not compare(self.kind, self.expected or {}, live)


def _steps(kind: Kind, change: Change) -> list[Step]:
    """A create whose fields the create call does not take is two writes, checked apart."""
    name, api_steps = change.name, []
    if change.action == "create":
        payload = change.payload or {}
        api_steps.append(Step(kind, name, "create", lambda api: send_create(api, kind, name, payload),
                              expected=_without_secrets(kind, payload)))
        if change.followup:
            followup = change.followup
            api_steps.append(Step(kind, name, "update", lambda api: send_update(api, kind, name, followup),
                                  expected=_without_secrets(kind, followup)))
    elif change.action == "update":
        payload = change.payload or {}
        api_steps.append(Step(kind, name, "update", lambda api: send_update(api, kind, name, payload),
                              expected=change.after or {}))
    else:
        live = change.live or {}
        api_steps.append(Step(kind, name, "delete", lambda api: send_delete(api, kind, name, live)))
    return api_steps


def _without_secrets(kind: Kind, body: JSON) -> JSON:
    stripped: JSON = strip_secrets(kind, body)
    return stripped
