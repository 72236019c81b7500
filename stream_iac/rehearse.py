"""Rehearsal (`plan --rehearse`): a plan applied first to a copy of the app, before anything
touches the app itself.

The copy is an in-process emulator (the bundled `stream_emulator`, run here as a tool: imported only
when a rehearsal runs, and sharing no code with this package) loaded with live state as the API
returned it. The plan is applied to it by the same executor `apply` uses, then the stack is planned
again against it. What the rehearsal finds:

* **refused** - changes the emulator refused, with the API's message and code (a grant to a
  permission that does not exist, a value out of range …), and the changes skipped because they
  depend on one;
* **not converged** - changes the emulator accepted that a new plan still shows (it did not keep
  what was sent).

The app itself is only read (the list calls). A rehearsal is only as faithful as the emulator: what
it refuses, Stream may accept, and the other way round.

Secrets: the API never returns them, so the copy holds a placeholder wherever live state shows one
to be set (the emulator's `live_import` explains); the plan's own secrets are sent to the in-process
copy only, and never leave this process.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from stream_iac.api.caller import ApiCaller
from stream_iac.api.client import RetryPolicy, StreamClient
from stream_iac.api.read import RawLists, normalise_all, read_live
from stream_iac.api.settings import ConnectionSettings
from stream_iac.api.throttle import Throttle
from stream_iac.errors import StalePlanError, UserError
from stream_iac.executor import ChangeResult, Executor
from stream_iac.kinds import BY_NAME, KINDS
from stream_iac.kinds.base import JSON, Context, Kind
from stream_iac.plan import Plan, PlanOptions, build_plan, fingerprint
from stream_iac.state import DesiredState

if TYPE_CHECKING:
    from stream_emulator import Emulator

REHEARSAL_KEY = "stream-iac-rehearsal"
"""The API key of the emulated copy (never the real app's)."""
REHEARSAL_URL = "http://127.0.0.1"
"""The copy's base URL: nothing listens there, requests are answered in-process."""
FAITHFUL_NOTE = ("a rehearsal is only as faithful as the emulator: Stream itself may refuse what it "
                 "accepted, or accept what it refused")

EmulatorFactory = Callable[[str, str], "Emulator"]
"""Builds the emulator of a rehearsal for (API key, secret); tests pass their own."""


@dataclass(frozen=True)
class Refusal:
    """A change the emulator refused (`status` "failed", `message` the API's message and code), or
    did not attempt because a change it depends on was refused (`status` "skipped")."""

    address: str
    action: str
    status: str
    message: str

    def to_json(self) -> JSON:
        return {"address": self.address, "action": self.action, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class Unconverged:
    """A change the emulator accepted that a new plan still shows: its address, the action the new
    plan would take, and the fields that still differ."""

    address: str
    action: str
    paths: tuple[str, ...]

    def to_json(self) -> JSON:
        return {"address": self.address, "action": self.action, "paths": list(self.paths)}


@dataclass
class Rehearsal:
    """What rehearsing one stack's plan found. `ok` when every change was accepted and a new plan
    is empty (`replan_error` says why a new plan could not be made, if it could not)."""

    stack: str
    changes: int
    refused: list[Refusal] = field(default_factory=list)
    unconverged: list[Unconverged] = field(default_factory=list)
    replan_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.refused and not self.unconverged and self.replan_error is None

    def to_json(self) -> JSON:
        """The rehearsal section of a JSON plan (schemas/plan.schema.json)."""
        return {
            "ok": self.ok,
            "changes": self.changes,
            "refused": [r.to_json() for r in self.refused],
            "unconverged": [u.to_json() for u in self.unconverged],
            "replan_error": self.replan_error,
            "note": FAITHFUL_NOTE,
        }


async def rehearse(api: ApiCaller, desired: DesiredState, plan: Plan, options: PlanOptions,
                   make_emulator: EmulatorFactory | None = None) -> Rehearsal:
    """Rehearse `plan` (made for `desired` with `options`) on an emulated copy of the app `api`
    reaches, read again now (list calls only: nothing is written through `api`). StalePlanError when
    an object the plan changes differs from what the plan was made from."""
    raw = await read_raw(api, hint=desired.context())
    _check_unchanged(plan, raw)
    emulator = (make_emulator or _default_emulator)(REHEARSAL_KEY, secrets.token_hex(24))
    try:
        unread = emulator.load_state(REHEARSAL_KEY, loadable(raw))
    except ValueError as exc:
        raise UserError(f"cannot rehearse: live state could not be loaded into the emulator ({exc})") from None
    rehearsed, not_loaded = _split(plan, unread)
    client = _client(emulator)
    try:
        rehearsal = await _rehearse_on(client, desired, rehearsed, options)
    finally:
        await client.aclose()
    rehearsal.changes = len(plan.changes)
    rehearsal.refused.extend(not_loaded)
    return rehearsal


async def read_raw(api: ApiCaller, kinds: tuple[Kind, ...] = KINDS, *, hint: Context | None = None
                   ) -> dict[str, dict[str, JSON]]:
    """Every live object of `kinds` as the API returned it: kind name → object name → object (one
    round of list calls where `hint`, the desired state, names what fanned-out calls need)."""
    lists = RawLists(api, hint=hint)
    results = await asyncio.gather(*(lists.raw(kind) for kind in kinds))
    return {kind.name: objects for kind, objects in zip(kinds, results, strict=True)}


def loadable(raw: Mapping[str, Mapping[str, JSON]]) -> dict[str, Any]:
    """Raw live state in the form the emulator loads (`Emulator.load_state`): each kind's answer under
    the key the API answers with, a singleton kind's one object, the objects of other kinds as a list."""
    out: dict[str, Any] = {}
    for name, objects in raw.items():
        kind = BY_NAME[name]
        out[kind.api.read.key] = objects.get(kind.name, {}) if kind.shape.singleton else list(objects.values())
    return out


def _split(plan: Plan, unread: list[str]) -> tuple[Plan, list[Refusal]]:
    """`plan` without the changes of kinds the emulator could not load (it would refuse them as
    changes to objects it does not have), and those changes, as not attempted: a rehearsal that
    could not try a change does not pass."""
    skipped = {kind.name for kind in KINDS if kind.api.read.key in unread}
    if not skipped:
        return plan, []
    left_out = [Refusal(c.address, c.action, "not_attempted", f"not rehearsed: the emulator cannot load {c.kind}")
                for c in plan.changes if c.kind in skipped]
    return replace(plan, changes=[c for c in plan.changes if c.kind not in skipped]), left_out


def _check_unchanged(plan: Plan, raw: Mapping[str, Mapping[str, JSON]]) -> None:
    live = {name: normalise_all(BY_NAME[name], dict(objects)) for name, objects in raw.items()}
    changed = [c.address for c in plan.changes if fingerprint(live.get(c.kind, {}).get(c.name)) != c.fingerprint]
    if changed:
        raise StalePlanError(f"cannot rehearse: changed live since the plan read it: {', '.join(changed)}; "
                             "run plan again")


def _default_emulator(api_key: str, secret: str) -> Emulator:
    """The copy: Stream's defaults (fields the spec does not define are ignored, as Stream does),
    no rate limits (nothing is paced on an in-process copy), no faults."""
    from stream_emulator import Emulator, EmulatorOptions

    return Emulator(EmulatorOptions(apps=[(api_key, secret)], rate_limits=False))


class _Unpaced(Throttle):
    """No pacing: the copy enforces no rate limits, so its headers are not worth waiting for."""

    def __init__(self) -> None:
        super().__init__(limits={})

    def observe(self, op: str, headers: Mapping[str, str]) -> None:
        return None


async def _no_wait(seconds: float) -> None:
    return None


def _client(emulator: Emulator) -> StreamClient:
    secret = emulator.options.apps[0][1]
    settings = ConnectionSettings(api_key=REHEARSAL_KEY, api_secret=secret, base_url=REHEARSAL_URL)
    return StreamClient(settings, transport=emulator.async_transport(), throttle=_Unpaced(),
                        retry=RetryPolicy(sleep=_no_wait))


async def _rehearse_on(client: StreamClient, desired: DesiredState, plan: Plan, options: PlanOptions) -> Rehearsal:
    rehearsal = Rehearsal(stack=plan.stack, changes=len(plan.changes))
    executor = Executor(client, verify=False, sleep=_no_wait)
    report = await executor.apply(plan)
    rehearsal.refused = [_refusal(result) for result in report.results if result.status != "applied"]
    try:
        again = build_plan(desired, await read_live(client, KINDS, hint=desired.context()), _replan_options(options))
    except UserError as exc:
        rehearsal.replan_error = exc.message
        return rehearsal
    refused = {r.address for r in rehearsal.refused}
    rehearsal.unconverged = [
        Unconverged(c.address, c.action, tuple(c.changed_paths + c.sensitive_paths))
        for c in again.changes if c.address not in refused
    ]
    return rehearsal


def _refusal(result: ChangeResult) -> Refusal:
    return Refusal(result.address, result.action, result.status, result.message or "not attempted")


def _replan_options(options: PlanOptions) -> PlanOptions:
    """The same plan, without re-sending what the API never returns (that would never converge)."""
    return PlanOptions(prune=options.prune, targets=options.targets)

