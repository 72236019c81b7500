"""Drift reports: managed fields that differ from the stack, objects the stack declares that
are missing live, and live objects the stack does not manage. Built from the same plan."""

from __future__ import annotations

from typing import Any

from stream_iac import FORMAT_VERSION
from stream_iac.plan import Plan
from stream_iac.render.text import change_lines


def drifted(plan: Plan) -> bool:
    return bool(plan.changes or plan.unmanaged)


def drift_text(plans: list[Plan], color: bool = False) -> str:
    lines: list[str] = []
    for plan in plans:
        lines.append(f'Stack "{plan.stack}": {"drift detected" if drifted(plan) else "in sync"}')
        for change in plan.changes:
            lines.extend(change_lines(change, color))
        lines.extend(f"  ? unmanaged {address}" for address in plan.unmanaged)
        s = plan.summary()
        lines.append(f"Drift: {s['update']} differing, {s['create']} missing live, {s['unmanaged']} unmanaged.")
        lines.extend(f"warning: {w}" for w in plan.warnings)
        lines.extend(f"note: {line}" for line in plan.not_compared_lines())
    return "\n".join(lines) + "\n"


def drift_json(plans: list[Plan]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "in_sync": not any(drifted(p) for p in plans),
        "stacks": [
            {
                "stack": p.stack,
                "in_sync": not drifted(p),
                "differences": [c.to_json() for c in p.changes],
                "unmanaged": p.unmanaged,
                "summary": p.summary(),
                "warnings": p.warnings,
                "not_compared": [n.to_json() for n in p.not_compared],
            }
            for p in plans
        ],
    }


def drift_markdown(plans: list[Plan]) -> str:
    lines = ["## stream-iac drift", "", "| stack | state | differing | missing live | unmanaged |",
             "|---|---|---:|---:|---:|"]
    for p in plans:
        s = p.summary()
        state = "drift" if drifted(p) else "in sync"
        lines.append(f"| {p.stack} | {state} | {s['update']} | {s['create']} | {s['unmanaged']} |")
    lines.append("")
    for p in plans:
        for change in p.changes:
            lines.append(f"- `{change.address}`: {', '.join(change.changed_paths) or change.action}")
        lines.extend(f"- `{address}`: not managed by the stack" for address in p.unmanaged)
        lines.extend(f"- warning: {w}" for w in p.warnings)
        lines.extend(f"- note: {line}" for line in p.not_compared_lines())
    return "\n".join(lines) + "\n"
