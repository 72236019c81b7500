"""Orchestration for the commands: load stacks, connect, read, plan, apply, save and load plan
files. No printing: results go back to the commands, which render them."""

from __future__ import annotations

import asyncio
import json
import os
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from stream_iac.api.read import read_live
from stream_iac.api.settings import ConnectionSettings
from stream_iac.api.throttle import WaitObserver, fetch_app_limits
from stream_iac.cli.interrupts import Interrupts
from stream_iac.cli.output import Output
from stream_iac.cli.session import Session
from stream_iac.errors import ConfigError, StalePlanError, UserError
from stream_iac.kinds import BY_NAME, KINDS
from stream_iac.plan import Plan, PlanOptions, build_plan, fingerprint
from stream_iac.plan.guard import delete_problems
from stream_iac.plan.planfile import PlanHeader, check_mac, parse_plan_document, plan_document, read_header, signed
from stream_iac.secrets import Secret, secret_values
from stream_iac.stack.located import absolute, shown_path
from stream_iac.stack.resolve import read_file_reference
from stream_iac.stack.yaml_nodes import FileProblem
from stream_iac.state import Credentials, DesiredState, LiveState, StackMeta

if TYPE_CHECKING:  # the executor is imported by apply only: plan does not need it
    from stream_iac.executor import ApplyReport, ProgressCallback

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
        live = await read_live(client, KINDS, hint=desired.context())  # fan-outs over declared objects: round one
    finally:
        await client.aclose()
    return StackPlan(path, desired, live, build_plan(desired, live, options), settings)


STACKS_IN_FLIGHT = 32
"""How many stacks `plan_stacks` reads at once."""


async def plan_stacks(
    session: Session, paths: list[str], options: PlanOptions, *,
    report: Callable[[StackPlan], None] | None = None, light: bool = False,
) -> list[StackPlan]:
    """Several stacks (e.g. one app per region, or a fleet of hundreds), read concurrently, at most
    `STACKS_IN_FLIGHT` at a time (a fleet must not open thousands of connections at once); plans in
    the order given. `report` is handed each plan as soon as it and those before it are ready (so a
    fleet's output streams). With `light`, a plan keeps only the stack's meta once it is reported:
    its content and live state are dropped, so memory does not grow with the stacks reported."""
    if not paths:
        raise ConfigError("name at least one stack")
    waiting = iter(paths)
    pending: deque[asyncio.Task[StackPlan]] = deque()

    def start_next() -> None:
        path = next(waiting, None)
        if path is not None:
            pending.append(asyncio.ensure_future(plan_stack(session, path, options)))

    for _ in range(STACKS_IN_FLIGHT):
        start_next()
    results: list[StackPlan] = []
    try:
        while pending:
            result = await pending.popleft()
            start_next()
            if report is not None:
                report(result)
            results.append(_lightened(result) if light else result)
    finally:
        for task in pending:
            task.cancel()
    return results


def _lightened(result: StackPlan) -> StackPlan:
    """`result` without the stack's content and live state (its plan, meta and settings kept)."""
    return StackPlan(result.path, DesiredState(meta=result.desired.meta), {}, result.plan, result.settings)


async def read_app(session: Session) -> LiveState:
    """The live state of the app the connection flags and environment name (for export)."""
    client = session.client(session.settings_for(None))
    try:
        return await read_live(client)
    finally:
        await client.aclose()


async def apply_plan(
    session: Session, settings: ConnectionSettings, plan: Plan, *, parallelism: int,
    on_progress: ProgressCallback | None = None, verify: bool = True, interrupts: Interrupts | None = None,
    on_wait: WaitObserver | None = None,
) -> ApplyReport:
    """Apply `plan` to the app `settings` name, then (unless `verify` is off) read back what it
    touched; the per-change report, whose `rate_limit_wait` is the wall-clock time some request
    waited for a rate limit. With `interrupts`, SIGINT and SIGTERM stop it gracefully (no new write
    started, those in flight finished) and the report says so. `on_wait` is told of each rate-limit
    pause as it begins (operation, seconds, per-minute limit)."""
    client = session.client(settings, concurrency=parallelism)
    client.throttle.on_wait = on_wait
    try:
        ops = apply_operations(plan, verify)
        pacing = await fetch_app_limits(client, client.throttle, ops) if plan.changes else None
        waited_before = client.throttle.wall_waited_seconds  # the report's time is the executor's
        from stream_iac.executor import Executor

        executor = Executor(client, parallelism=parallelism, on_progress=on_progress, verify=verify)
        if interrupts is None:
            report = await executor.apply(plan)
        else:
            executor.stop_grace = interrupts.grace_seconds
            with interrupts.installed(asyncio.get_running_loop(), executor.stop):
                report = await executor.apply(plan)
        report.rate_limit_wait = client.throttle.wall_waited_seconds - waited_before
        report.pacing = pacing.describe() if pacing is not None else ""
        return report
    finally:
        client.throttle.on_wait = None
        await client.aclose()


def apply_operations(plan: Plan, verify: bool = True) -> list[str]:
    """The operation ids applying `plan` calls and paces: its writes and, with `verify`, the list
    calls that read back the kinds it touches (paced at the app's limits too, not the documented)."""
    reads = {BY_NAME[change.kind].api.read.op for change in plan.changes} if verify else set()
    return sorted(set(write_operations(plan)) | reads)


def write_operations(plan: Plan) -> list[str]:
    """The operation ids `plan`'s writes call (a create with a follow-up also updates)."""
    ops: set[str] = set()
    for change in plan.changes:
        api = BY_NAME[change.kind].api
        endpoints = {"create": [api.create] + ([api.update] if change.followup else []),
                     "update": [api.update], "delete": [api.delete]}.get(change.action, [])
        ops.update(endpoint.op for endpoint in endpoints if endpoint is not None)
    return sorted(ops)


# ---------------------------------------------------------------- saved plans


def save_plan(path: str, result: StackPlan, output: Output) -> None:
    """Write the plan of one stack to `path` through `output` (atomically: a temporary file, then
    a rename), with the MAC keyed with the app's API secret. A string holding a secret value is
    stored as a template of references (`planfile.plan_document`); a document that would still hold
    a secret value in any form is refused, not written."""
    meta = result.desired.meta
    credentials = (
        {"api_key_env": meta.credentials.api_key_env, "api_secret_env": meta.credentials.api_secret_env}
        if meta.credentials else None
    )
    header = PlanHeader(stack_path=os.path.abspath(result.path), api_key=result.settings.api_key,
                        base_url=result.settings.base_url, credentials=credentials,
                        protect=tuple(sorted(meta.protect)))
    doc = signed(plan_document(result.plan, header, output.redactor.references()), result.settings.api_secret)
    try:
        output.write_json(path, doc, exact=True)
    except UserError:
        raise UserError(f"refusing to save the plan to {path}: it would hold a secret value that is not in a "
                        "secret field and whose reference is not known (an encoded form of a secret, or the API "
                        "secret). Nothing was written; apply the stack without saving its plan, or find the "
                        "value with `stream-iac plan` (it shows (sensitive) where it is)") from None


async def load_saved_plan(session: Session, path: str) -> StackPlan:
    """The plan saved at `path`, once it is known to be exactly as saved (its MAC, keyed with the
    API secret of the app it is for) and still safe to apply: no object it touches changed since it
    was made (StalePlanError otherwise), and no delete it makes is of a built-in, protected or
    still referenced object, checked against live state now. Nothing is sent before all of this."""
    doc = read_plan_file(path)
    header = read_header(doc, path)
    creds = Credentials(**header.credentials) if header.credentials else None
    meta = StackMeta(name=str(doc.get("stack")), root=_stack_folder(header.stack_path),
                     protect=frozenset(header.protect), credentials=creds)
    settings = session.settings_for(DesiredState(meta=meta))
    if settings.api_key != header.api_key:
        raise ConfigError(f"{path} was planned for API key {header.api_key}, not {settings.api_key}")
    check_mac(doc, settings.api_secret, path)
    missing: list[str] = []
    plan = parse_plan_document(doc, path, lambda ref: _resolve_secret(ref, session.env, meta.root, missing))
    if missing:
        raise ConfigError(f"{path}: cannot apply, secrets missing: {', '.join(sorted(set(missing)))}")
    for change in plan.changes:
        for value in secret_values(change.payload) + secret_values(change.followup):
            session.redactor.add(value)
    if not plan.changes:
        raise UserError(f"{path} holds no changes")
    client = session.client(settings)
    try:
        live = await read_live(client, KINDS)  # every kind: a delete may have become referenced anywhere
    finally:
        await client.aclose()
    stale = [c.address for c in plan.changes if fingerprint(live.get(c.kind, {}).get(c.name)) != c.fingerprint]
    if stale:
        raise StalePlanError(
            f"{path} is stale: changed live since it was planned: {', '.join(stale)}. Nothing was applied; "
            "run plan again.")
    unsafe = delete_problems(plan, live, meta.protect)
    if unsafe:
        raise StalePlanError(f"{path} cannot be applied as live state is now:\n"
                             + "".join(f"  {problem}\n" for problem in unsafe)
                             + "Nothing was applied; run plan again.")
    return StackPlan(path, DesiredState(meta=meta), live, plan, settings)


def read_plan_file(path: str) -> Any:
    """The JSON of a saved-plan file; ConfigError when it cannot be read as JSON."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the saved plan: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a saved plan (not UTF-8 text). {_SAVE_AGAIN}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: not a saved plan: invalid JSON at line {getattr(exc, 'lineno', '?')} "
                          f"({getattr(exc, 'msg', exc)}); was it cut short or edited? {_SAVE_AGAIN}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a saved plan: nested too deeply. {_SAVE_AGAIN}") from None


_SAVE_AGAIN = "Nothing was applied; save the plan again with `stream-iac plan --out`."


def _stack_folder(stack_path: str) -> Path:
    """The folder a saved plan's `${file:}` references are relative to: the stack's folder (or,
    for a one-file stack, the folder holding it)."""
    path = Path(stack_path)
    return path if path.is_dir() or not path.suffix else path.parent


def _resolve_secret(ref: str, env: Any, stack_folder: Path, missing: list[str]) -> Secret:
    """A secret reference of a saved plan → its Secret, read as `plan` read it: environment
    variables from the environment, files by the loader's own `${file:}` reading, relative to
    the stack's folder (whatever the working directory)."""
    source, _, name = ref.partition(":")
    if source == "env":
        if name not in env:
            missing.append(f"environment variable {name}")
            return Secret("", ref)
        return Secret(env[name], ref)
    path = absolute(stack_folder / name)
    try:
        return Secret(read_file_reference(path), ref)
    except FileProblem as exc:
        line = f" (line {exc.line})" if exc.line else ""
        missing.append(f"file {shown_path(path)} {exc.message}{line}")
        return Secret("", ref)


__all__ = ["StackPlan", "apply_plan", "load_saved_plan", "plan_stack", "plan_stacks", "read_app", "run",
           "save_plan"]
