"""`stream-iac check`: ask Stream to verify the credentials a stack configures, with its check
endpoints (CheckPush for each push provider, CheckSQS / CheckSNS for SQS and SNS settings and
event hooks, CheckExternalStorage for each external storage). What is checked, and how, comes
from each kind's `Checks` facet; this module makes the calls and collects the verdicts. No
printing: `stream_iac.render.checks` renders the results as text, JSON and Markdown.

A check fails with Stream's words: the failure its answer describes, or the message of an answer
of 400 or 404 (the API refusing the credentials, or not holding the object yet). Any other API
error (bad API key or secret, rate limits beyond retrying, the API unreachable) is not a verdict
on the stack's credentials: it is raised, as every other command raises it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from stream_iac.api.caller import ApiCaller
from stream_iac.errors import ApiError
from stream_iac.kinds import KINDS
from stream_iac.kinds.base import CheckCall, Kind
from stream_iac.state import DesiredState

Status = Literal["ok", "failing"]
VERDICT_STATUSES = (400, 404)  # answers that are a verdict on the credentials, not an error of the run


@dataclass(frozen=True)
class PlannedCheck:
    """One call to make: for the object at `address` (a part of it when `call.what` names one)."""

    kind: Kind
    name: str
    call: CheckCall

    @property
    def address(self) -> str:
        base = self.kind.address(self.name)
        return f"{base}.{self.call.what}" if self.call.what else base


@dataclass(frozen=True)
class CheckResult:
    """What Stream said about one thing the stack configures."""

    address: str
    check: str  # the operation that checked it (CheckPush, CheckSQS, …)
    status: Status
    message: str = ""  # Stream's words when failing

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "check": self.check, "status": self.status, "message": self.message}


@dataclass
class StackChecks:
    """Every check of one stack, in the order of the kinds' dependency levels and addresses."""

    stack: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def failing(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "failing"]

    def summary(self) -> dict[str, int]:
        return {"ok": len(self.results) - len(self.failing), "failing": len(self.failing)}


def planned_checks(desired: DesiredState) -> list[PlannedCheck]:
    """The calls that verify what `desired` declares, from each kind's `Checks` facet."""
    planned: list[PlannedCheck] = []
    for kind in KINDS:
        if kind.checks is None:
            continue
        for name, body in sorted(desired.bodies(kind.name).items()):
            planned.extend(PlannedCheck(kind, name, call) for call in kind.checks.calls(name, body))
    return planned


async def run_checks(api: ApiCaller, desired: DesiredState) -> StackChecks:
    """Make every check of `desired` (all at once; the client paces them) and collect the verdicts.
    Raises the UserError of a call that failed for another reason than the credentials."""
    planned = planned_checks(desired)
    results = await asyncio.gather(*(_run(api, check) for check in planned))
    return StackChecks(desired.meta.name, list(results))


async def _run(api: ApiCaller, check: PlannedCheck) -> CheckResult:
    call = check.call
    try:
        response = await api.call(call.op, call.method, call.path,
                                  params=dict(call.params) if call.params else None, body=call.body)
    except ApiError as exc:
        if exc.status not in VERDICT_STATUSES:
            raise
        return CheckResult(check.address, call.op, "failing", exc.api_message)
    failure = call.failure(response)
    if failure is not None:
        return CheckResult(check.address, call.op, "failing", failure)
    return CheckResult(check.address, call.op, "ok")

