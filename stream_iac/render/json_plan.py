"""The versioned JSON form of a plan (schemas/plan.schema.json). It never holds a secret value:
before/after omit secret fields, and `sensitive_paths` names them."""

from __future__ import annotations

from typing import Any

from stream_iac.plan import Change, Plan

FORMAT_VERSION = "1"


def change_json(change: Change) -> dict[str, Any]:
    return {
        "address": change.address,
        "kind": change.kind,
        "name": change.name,
        "action": change.action,
        "before": change.before,
        "after": change.after,
        "changed_paths": change.changed_paths,
        "sensitive_paths": change.sensitive_paths,
        "depends_on": change.depends_on,
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "stack": plan.stack,
        "changes": [change_json(c) for c in plan.changes],
        "unmanaged": plan.unmanaged,
        "summary": plan.summary(),
        "warnings": plan.warnings,
    }


def plans_json(plans: list[Plan]) -> dict[str, Any]:
    """Several stacks in one run: one document, one summary."""
    if len(plans) == 1:
        return plan_json(plans[0])
    total = {"create": 0, "update": 0, "delete": 0, "unmanaged": 0}
    for plan in plans:
        for key, value in plan.summary().items():
            total[key] += value
    return {"format_version": FORMAT_VERSION, "stacks": [plan_json(p) for p in plans], "summary": total}
