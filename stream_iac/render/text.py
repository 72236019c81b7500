"""Terraform-like text: one line per changed object, then only its changed fields."""

from __future__ import annotations

from stream_iac.paths import dotted
from stream_iac.plan import Change, Plan
from stream_iac.render.values import lookup, show_change, show_value
from stream_iac.secrets import REDACTED
from stream_iac.terminal import style

WRITE_ONLY_SENT = "(write-only: sent, not compared)"
SYMBOLS = {"create": "+", "update": "~", "delete": "-"}
COLORS = {"create": "32", "update": "33", "delete": "31"}


def paint(text: str, code: str, color: bool) -> str:
    """`text` in colour `code`: a style marker the CLI's Output turns into an escape sequence on a
    terminal (so a name holding escape sequences can never pass for ours)."""
    return style(text, code) if color else text


def render_plan(plan: Plan, *, color: bool = False, header: bool = True) -> str:
    lines: list[str] = []
    if header:
        lines.append(f'Stack "{plan.stack}"')
    lines.extend(partial_lines(plan))
    for change in plan.changes:
        lines.extend(change_lines(change, color))
    if not plan.changes:
        lines.append("No changes to the targeted objects." if plan.partial else
                     "No changes. Live state matches the stack.")
    if plan.unmanaged:
        lines.append(f"Unmanaged (not in the stack; add their kind to stack.prune to delete them): "
                     f"{', '.join(plan.unmanaged)}")
    lines.append(summary_line(plan))
    lines.extend(f"warning: {w}" for w in plan.warnings)
    lines.extend(f"note: {line}" for line in plan.not_compared_lines())
    return "\n".join(lines) + "\n"


def partial_lines(plan: Plan) -> list[str]:
    """What a targeted plan covers (nothing for a whole plan)."""
    if plan.partial is None:
        return []
    lines = [f"Partial plan (--target {', '.join(plan.partial.targets)}): only the targeted objects and the "
             "changes they depend on; the rest of the stack is left out."]
    if plan.partial.dependencies:
        lines.append(f"  also included, because the targeted changes depend on them: "
                     f"{', '.join(plan.partial.dependencies)}")
    return lines


def change_lines(change: Change, color: bool) -> list[str]:
    head = paint(f"  {SYMBOLS[change.action]} {change.action} {change.address}", COLORS[change.action], color)
    lines = [head]
    if change.action == "create":
        lines.extend(f"      {path}: {show_value(lookup(change.after, path))}" for path in change.changed_paths)
    elif change.action == "update":
        for fc in change.field_changes:
            if fc.sensitive:
                continue
            if fc.write_only:
                lines.append(f"      {dotted(fc.path)}: {show_value(fc.after)} {WRITE_ONLY_SENT}")
                continue
            lines.append(f"      {dotted(fc.path)}: {show_change(fc.before, fc.after)}")
    lines.extend(f"      {path}: {REDACTED}" for path in change.sensitive_paths)
    return lines


def summary_line(plan: Plan) -> str:
    s = plan.summary()
    unmanaged = s["unmanaged"]
    noun = "object" if unmanaged == 1 else "objects"
    return (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete. "
        f"{unmanaged} unmanaged {noun} left alone."
    )



def fleet_summary_line(plans: list[Plan]) -> str:
    """One line after the plans of several stacks: how many have changes, and their total."""
    totals = {action: sum(plan.summary()[action] for plan in plans) for action in ("create", "update", "delete")}
    changed = sum(1 for plan in plans if not plan.empty)
    stacks = "stack" if len(plans) == 1 else "stacks"
    return (f"{len(plans)} {stacks} planned: {changed} with changes ({totals['create']} to create, "
            f"{totals['update']} to update, {totals['delete']} to delete), {len(plans) - changed} in sync.")
