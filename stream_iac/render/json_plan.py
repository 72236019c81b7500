"""The versioned JSON form of a plan (schemas/plan.schema.json). It never holds a secret value:
before/after omit secret fields, and `sensitive_paths` names them."""

from __future__ import annotations

from typing import Any

from stream_iac.plan import Plan
from stream_iac.plan.build import FORMAT_VERSION


def plan_json(plan: Plan) -> dict[str, Any]:
    """One stack's plan as a JSON document."""
    return plan.to_json()


def plans_json(plans: list[Plan]) -> dict[str, Any]:
    """Several stacks in one run: one document, one summary."""
    if len(plans) == 1:
        return plan_json(plans[0])
    total = {"create": 0, "update": 0, "delete": 0, "unmanaged": 0}
    for plan in plans:
        for key, value in plan.summary().items():
            total[key] += value
    return {"format_version": FORMAT_VERSION, "stacks": [plan_json(p) for p in plans], "summary": total}
