"""The planner: read live state (every list call at once), diff it against the desired state
with the one diff engine, and produce a Plan: the list of changes that the renderers show and
the executor applies, each with its exact request payloads and its dependencies."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from stream_iac import FORMAT_VERSION
from stream_iac.errors import UserError
from stream_iac.kinds import BY_NAME, KINDS
from stream_iac.kinds.base import JSON, Context, Kind
from stream_iac.paths import dotted
from stream_iac.plan.diff import (
    FieldChange,
    compare,
    create_payloads,
    is_write_only,
    secret_paths_in,
    strip_secrets,
    uncompared_in,
    update_payload,
)
from stream_iac.plan.order import link_dependencies, ordered
from stream_iac.plan.targets import Partial, targeted
from stream_iac.stack.diagnostics import did_you_mean
from stream_iac.state import DesiredState, LiveState

Action = Literal["create", "update", "delete"]
ABSENT = "absent"



@dataclass
class Change:
    """One create, update or delete, with the exact requests apply sends for it."""

    address: str
    kind: str
    name: str
    action: Action
    before: JSON | None  # managed fields as live has them; never a secret
    after: JSON | None  # managed fields as the stack wants them; never a secret
    changed_paths: list[str]
    sensitive_paths: list[str]
    field_changes: list[FieldChange] = field(default_factory=list)
    payload: JSON | None = None  # exact body for create/update (secrets as Secret objects)
    followup: JSON | None = None  # an update sent right after the create
    live: JSON | None = None  # live object (normalised), for deletes and fingerprints
    depends_on: list[str] = field(default_factory=list)
    fingerprint: str = ABSENT

    def to_json(self) -> JSON:
        """The change as the JSON plan shows it (schemas/plan.schema.json): never a secret."""
        return {
            "address": self.address,
            "kind": self.kind,
            "name": self.name,
            "action": self.action,
            "before": self.before,
            "after": self.after,
            "changed_paths": self.changed_paths,
            "sensitive_paths": self.sensitive_paths,
            "depends_on": self.depends_on,
        }


# Why a declared field cannot be compared with live state, by the kind of field it is.
NOT_COMPARED_WHY = {
    "write-only": "the API never returns it",
    "secret": "the API never returns its value",
}
RESENT_WHEN = "sent on create, with updates that replace its object, and with --resend-write-only"


@dataclass(frozen=True)
class NotCompared:
    """A declared field no plan can compare with live state: its address (`app.feeds_v2_region`)
    and why (a key of NOT_COMPARED_WHY)."""

    path: str
    reason: str

    def to_json(self) -> JSON:
        return {"path": self.path, "reason": self.reason, "why": NOT_COMPARED_WHY[self.reason]}


@dataclass
class Plan:
    """What apply will do to one stack's app: the changes in the order apply makes them, and the
    declared fields it could not compare (secrets and write-only fields)."""

    stack: str
    changes: list[Change]
    unmanaged: list[str]
    warnings: list[str] = field(default_factory=list)
    partial: Partial | None = None  # set when --target limits the plan
    not_compared: list[NotCompared] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "delete": 0}
        for change in self.changes:
            counts[change.action] += 1
        return {**counts, "unmanaged": len(self.unmanaged)}

    @property
    def deletes(self) -> list[Change]:
        return [c for c in self.changes if c.action == "delete"]

    @property
    def empty(self) -> bool:
        return not self.changes

    def to_json(self) -> JSON:
        """The versioned JSON form of the plan (schemas/plan.schema.json): never a secret."""
        return {
            "format_version": FORMAT_VERSION,
            "stack": self.stack,
            "changes": [c.to_json() for c in self.changes],
            "unmanaged": self.unmanaged,
            "summary": self.summary(),
            "warnings": self.warnings,
            "partial": self.partial.to_json() if self.partial else None,
            "not_compared": [n.to_json() for n in self.not_compared],
        }

    def not_compared_lines(self) -> list[str]:
        """One line per reason naming the declared fields the plan could not compare, e.g.
        "not compared (write-only: the API never returns it; sent on …): app.feeds_v2_region"."""
        lines = []
        for reason, why in NOT_COMPARED_WHY.items():
            paths = [n.path for n in self.not_compared if n.reason == reason]
            if paths:
                lines.append(f"not compared ({reason}: {why}; {RESENT_WHEN}): {', '.join(paths)}")
        return lines


@dataclass(frozen=True)
class PlanOptions:
    prune: bool = False  # prune every kind, as if all were listed in stack.prune
    targets: tuple[str, ...] = ()
    resend_write_only: bool = False  # --resend-write-only (alias --rotate-secrets)


def fingerprint(live: JSON | None) -> str:
    """A short digest of a live object (or "absent"), to tell whether it changed since a plan."""
    if live is None:
        return ABSENT
    blob = json.dumps(live, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def build_plan(desired: DesiredState, live: LiveState, options: PlanOptions = PlanOptions()) -> Plan:
    """The plan that turns `live` into what `desired` declares: a create for each declared object
    missing live, an update for each that differs (only declared fields count), a delete for each
    live object of a pruned kind that the stack does not declare (never a built-in or protected
    one), in dependency order. Raises UserError when the stack cannot be applied as it stands
    (a reference to an object that exists nowhere, a delete of an object that stays referenced,
    a change to an immutable field)."""
    deleted, unmanaged = _not_declared(desired, live, options)
    context = desired.context(live, without=frozenset(deleted))
    changes: list[Change] = []
    problems: list[str] = []
    for kind in KINDS:
        have = live.get(kind.name, {})
        for name, body in desired.bodies(kind.name).items():
            change = _change_for(kind, name, kind.shape.expand(body, context), have.get(name), options, problems)
            if change:
                changes.append(change)
    changes.extend(_delete(BY_NAME[k], name, live[k][name]) for k, name in deleted)
    warnings: list[str] = []
    problems.extend(_reference_problems(desired, live, context, warnings))
    problems.extend(_needs_problems(changes, desired, live))
    problems.extend(_still_referenced(deleted, desired, context, live))
    if problems:
        raise UserError("cannot plan:\n" + "\n".join(f"  {p}" for p in problems))
    link_dependencies(changes, desired, context)
    partial = None
    if options.targets:
        changes, partial = targeted(changes, options.targets, desired, live)
    return Plan(stack=desired.meta.name, changes=ordered(changes), unmanaged=unmanaged,
                warnings=sorted(set(warnings)), partial=partial,
                not_compared=not_compared(desired, options.targets))


def not_compared(desired: DesiredState, targets: tuple[str, ...] = ()) -> list[NotCompared]:
    """The declared secrets and write-only fields of every object (of the targeted ones, when
    `targets` (KIND or KIND.NAME) limit the plan), which no plan can compare."""
    found: list[NotCompared] = []
    for kind in KINDS:
        for name, body in desired.bodies(kind.name).items():
            if targets and kind.name not in targets and kind.address(name) not in targets:
                continue
            for path, _ in uncompared_in(kind, body):
                reason = "write-only" if is_write_only(kind, path) else "secret"
                found.append(NotCompared(f"{kind.address(name)}.{dotted(path)}", reason))
    return found


def _not_declared(
    desired: DesiredState, live: LiveState, options: PlanOptions
) -> tuple[list[tuple[str, str]], list[str]]:
    """Live objects the stack does not declare: (kind, name) of those to delete, and the
    addresses of those left alone. Built-ins are neither."""
    deleted: list[tuple[str, str]] = []
    unmanaged: list[str] = []
    for kind in KINDS:
        have = live.get(kind.name, {})
        for name in sorted(set(have) - set(desired.bodies(kind.name))):
            if kind.singleton or kind.builtin(name, have[name]):
                continue
            if _prunable(desired, kind, name, options):
                deleted.append((kind.name, name))
            else:
                unmanaged.append(kind.address(name))
    return deleted, unmanaged


def _prunable(desired: DesiredState, kind: Kind, name: str, options: PlanOptions) -> bool:
    pruned = options.prune or kind.name in desired.meta.prune
    return (pruned and kind.api.delete is not None and kind.address(name) not in desired.meta.protect
            and kind.api.name_problem(name) is None)  # a delete for '..' would reach another path


def _change_for(
    kind: Kind, name: str, body: JSON, live_obj: JSON | None, options: PlanOptions, problems: list[str]
) -> Change | None:
    address = kind.address(name)
    if live_obj is None:
        if kind.api.create is None:
            problems.append(f"{address}: does not exist live and cannot be created")
            return None
        payload, followup = create_payloads(kind, body)
        sensitive = [dotted(p) for p in secret_paths_in(kind, body)]
        after = strip_secrets(kind, body)
        return Change(address, kind.name, name, "create", None, after, sorted(_leaf_paths(after)), sensitive,
                      payload=payload, followup=followup)
    field_changes = compare(kind, body, live_obj, resend=options.resend_write_only)
    if not field_changes:
        return None
    for fc in field_changes:
        if fc.path and fc.path[0] in kind.fields.immutable:
            problems.append(f"{address}: {dotted(fc.path)} cannot be changed once created "
                            f"(live {fc.before!r}, stack {fc.after!r}); delete and recreate it")
    top = {fc.path[0] for fc in field_changes if fc.path}
    before = strip_secrets(kind, {k: live_obj.get(k) for k in body if k in top})
    after = strip_secrets(kind, {k: v for k, v in body.items() if k in top})
    return Change(
        address, kind.name, name, "update", before, after,
        changed_paths=[dotted(fc.path) for fc in field_changes if not fc.sensitive],  # write-only: shown
        sensitive_paths=[dotted(fc.path) for fc in field_changes if fc.sensitive],
        field_changes=field_changes,
        payload=update_payload(kind, body, live_obj, field_changes),
        live=live_obj,
        fingerprint=fingerprint(live_obj),
    )


def _delete(kind: Kind, name: str, live_obj: JSON) -> Change:
    before = strip_secrets(kind, kind.declarable(live_obj))
    return Change(kind.address(name), kind.name, name, "delete", before, None, [], [], live=live_obj,
                  fingerprint=fingerprint(live_obj))


def _leaf_paths(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict) and value:
        out: list[str] = []
        for k, v in value.items():
            out.extend(_leaf_paths(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return [prefix] if prefix else []


def _reference_problems(desired: DesiredState, live: LiveState, context: Context, warnings: list[str]) -> list[str]:
    """References to objects that exist nowhere (not built-in, not declared, not live), and to
    objects that exist but cannot be named there (`References.fits`)."""
    problems: list[str] = []
    for ref in desired.references(context):
        decl, target = ref.target_kind, ref.target
        have = live.get(decl.name, {})
        if desired.has(decl.name, target) or target in have or decl.builtin(target, {}):
            misfit = ref.misfit(context)
            if misfit:
                problems.append(f"{ref.text}, {misfit}")
            continue
        unlisted = decl.refs.unlisted(target, have)  # the live list is known to be incomplete
        if unlisted:
            warnings.append(f"{ref.text}, which is not live as far as the list shows: {unlisted}")
            continue
        known = {*desired.bodies(decl.name), *have, *decl.builtins.names}
        problems.append(f"{ref.text}, which is neither built-in, declared in the stack, nor live"
                        f"{did_you_mean(target, sorted(known))}")
    return problems


def _needs_problems(changes: list[Change], desired: DesiredState, live: LiveState) -> list[str]:
    """What a write needs of a singleton object (References.needs), checked on that object as the
    plan leaves it: a push provider written while the app's push version would be v1."""
    problems: list[str] = []
    written = {c.kind for c in changes if c.action != "delete"}
    for kind in KINDS:
        if kind.name not in written:
            continue
        for target_name, check in kind.refs.needs.items():
            target = BY_NAME[target_name]
            body = desired.bodies(target_name).get(target_name)
            problem = check(after_apply(target, live.get(target_name, {}).get(target_name), body))
            if problem:
                path, text = problem
                field_address = f"{target.address(target_name)}.{dotted(path)}"
                declared = desired.objects.get(target_name, {}).get(target_name)
                if declared and body and path[0] in body:
                    where = declared.locate(path) if declared.locate else declared.location
                    problems.append(f"{where}: {kind.name}: {text} (as the stack sets {field_address})" if where
                                    else f"{kind.name}: {text} (as the stack sets {field_address})")
                else:
                    problems.append(f"{kind.name}: {text} (as {field_address} is live; set it in the stack)")
    return problems


def after_apply(kind: Kind, live_obj: JSON | None, desired_body: JSON | None) -> JSON:
    """What an object will look like once the plan is applied (undeclared fields keep their
    live value; in maps the API merges key by key, an empty list removes the key)."""
    after = dict(live_obj or {})
    for key, value in (desired_body or {}).items():
        if key in kind.fields.merge_maps and isinstance(value, dict):
            merged = {**(after.get(key) or {}), **value}
            after[key] = {k: v for k, v in merged.items() if v not in ([], None)}
        else:
            after[key] = value
    return after


def _still_referenced(
    deleted: list[tuple[str, str]], desired: DesiredState, context: Context, live: LiveState
) -> list[str]:
    """A delete is refused at plan time when an object that stays would still refer to it."""
    targets = set(deleted)
    problems: list[str] = []
    if not targets:
        return problems
    for kind in KINDS:
        wanted = desired.bodies(kind.name)
        have = live.get(kind.name, {})
        for name in sorted(set(have) | set(wanted)):
            if (kind.name, name) in targets:
                continue
            body = wanted.get(name)
            after = after_apply(kind, have.get(name), kind.shape.expand(body, context) if body is not None else None)
            for target in sorted(set(kind.refs.find(after)) & targets):
                if body is None and target[0] in kind.refs.removed_with:
                    continue  # live only, and the API removes it with the target
                target_address = BY_NAME[target[0]].address(target[1])
                problems.append(f"{target_address} cannot be deleted: {kind.address(name)} still refers to it; "
                                f"remove the reference from {kind.address(name)} in the stack first")
    return problems








def check_max_deletes(plan: Plan, max_deletes: int | None) -> None:
    if max_deletes is not None and len(plan.deletes) > max_deletes:
        names = ", ".join(c.address for c in plan.deletes)
        raise UserError(f"the plan deletes {len(plan.deletes)} objects, more than --max-deletes {max_deletes}: {names}")
