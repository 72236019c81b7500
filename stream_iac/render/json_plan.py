"""The versioned JSON form of a plan (schemas/plan.schema.json). It never holds a secret value:
before/after omit secret fields, and `sensitive_paths` names them."""

from __future__ import annotations

from typing import Any

from stream_iac import FORMAT_VERSION
from stream_iac.plan import Plan


def plan_json(plan: Plan) -> dict[str, Any]:
    """One stack's plan as a JSON document."""
    return plan.to_json()


def plans_json(plans: list[Plan]) -> dict[str, Any]:
    """The JSON plan of a run: one shape for one stack or several, `{"format_version",
    "stacks": [one plan_json per stack, in the order given], "summary": the counts added up}`."""
    total = {"create": 0, "update": 0, "delete": 0, "unmanaged": 0}
    for plan in plans:
        for key, value in plan.summary().items():
            total[key] += value
    return {"format_version": FORMAT_VERSION, "stacks": [plan_json(p) for p in plans], "summary": total}
