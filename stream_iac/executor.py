"""The executor applies a Plan's changes, and nothing else: each change after the changes it
depends on, independent ones in parallel, dependents of a failed change skipped. A write whose
outcome is unknown is checked against live state before it is ever sent again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from stream_iac.diff import compare
from stream_iac.errors import ApiError, OutcomeUnknown, UserError
from stream_iac.kinds import BY_NAME
from stream_iac.kinds.base import ApiCaller, Kind
from stream_iac.plan import Change, Plan

Status = Literal["applied", "failed", "skipped", "not_attempted"]
MAX_WRITE_ATTEMPTS = 3
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

    @property
    def ok(self) -> bool:
        return all(r.status == "applied" for r in self.results)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)


ProgressCallback = Callable[[str, Change, ChangeResult | None], None]  # event: "start" | "done"


def _says_exists_or_missing(error: ApiError) -> bool:
    """The API's words for a create that found the object there, or a delete that did not."""
    text = error.api_message.lower()
    return any(words in text for words in ("already exist", "does not exist", "not found", "doesn't exist"))


class Executor:
    def __init__(
        self,
        api: ApiCaller,
        *,
        parallelism: int = 4,
        on_progress: ProgressCallback | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if parallelism < 1:
            raise UserError("--parallelism must be at least 1")
        self.api = api
        self.parallelism = parallelism
        self.on_progress = on_progress
        self.sleep = sleep

    async def apply(self, plan: Plan) -> ApplyReport:
        started = time.monotonic()
        results: dict[str, ChangeResult] = {}
        done = {c.address: asyncio.Event() for c in plan.changes}
        slots = asyncio.Semaphore(self.parallelism)

        async def run(change: Change) -> None:
            try:
                for dep in change.depends_on:
                    if dep in done:
                        await done[dep].wait()
                blocked = [d for d in change.depends_on if d in results and results[d].status != "applied"]
                if blocked:
                    reason = f"depends on {', '.join(blocked)}, which was not applied"
                    results[change.address] = ChangeResult(change.address, change.action, "skipped", reason)
                    self._progress("done", change, results[change.address])
                    return
                async with slots:
                    self._progress("start", change, None)
                    results[change.address] = await self._apply_one(change)
                    self._progress("done", change, results[change.address])
            finally:
                done[change.address].set()

        tasks = [asyncio.create_task(run(c)) for c in plan.changes]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
        report = ApplyReport(seconds=time.monotonic() - started)
        for change in plan.changes:
            report.results.append(
                results.get(change.address) or ChangeResult(change.address, change.action, "not_attempted")
            )
        return report

    def _progress(self, event: str, change: Change, result: ChangeResult | None) -> None:
        if self.on_progress:
            self.on_progress(event, change, result)

    async def _apply_one(self, change: Change) -> ChangeResult:
        kind = BY_NAME[change.kind]
        started = time.monotonic()
        try:
            note = await self._write_checked(kind, change)
        except UserError as exc:
            return ChangeResult(change.address, change.action, "failed", exc.message, time.monotonic() - started)
        return ChangeResult(change.address, change.action, "applied", note, time.monotonic() - started)

    async def _write_checked(self, kind: Kind, change: Change) -> str:
        """Send the change; when its outcome is unknown, look before sending it again."""
        uncertain = False
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            try:
                await self._send(kind, change)
                return "confirmed after an unanswered attempt" if uncertain else ""
            except OutcomeUnknown as exc:
                uncertain = True
                if await self._in_effect(kind, change):
                    return "confirmed by reading live state after an unanswered request"
                if attempt == MAX_WRITE_ATTEMPTS:
                    raise UserError(f"{exc.message}; live state does not show the change") from None
            except ApiError as exc:
                if exc.status in (400, 404) and change.action != "update" and await self._in_effect(
                    kind, change, patient=uncertain or _says_exists_or_missing(exc)
                ):
                    # The plan read a stale view (the API's reads lag its writes): the object
                    # is already as the stack wants it.
                    return "already in place" if not uncertain else "confirmed after an unanswered attempt"
                raise
        raise AssertionError("unreachable")

    async def _send(self, kind: Kind, change: Change) -> None:
        if change.action == "create":
            await kind.send_create(self.api, change.name, change.payload or {})
            if change.followup:
                await kind.send_update(self.api, change.name, change.followup)
        elif change.action == "update":
            await kind.send_update(self.api, change.name, change.payload or {})
        else:
            await kind.send_delete(self.api, change.name, change.live or {})

    async def _in_effect(self, kind: Kind, change: Change, *, patient: bool = True) -> bool:
        """Whether live state already shows the change; a patient check re-reads while the
        API's reads may still lag its writes."""
        for delay in VERIFY_DELAYS if patient else VERIFY_DELAYS[:1]:
            if delay:
                await self.sleep(delay)
            try:
                live = (await kind.read_live(self.api)).get(change.name)
            except UserError:
                continue
            if change.action == "delete":
                if live is None:
                    return True
            elif live is not None and not compare(kind, change.after or {}, live):
                return True
        return False
