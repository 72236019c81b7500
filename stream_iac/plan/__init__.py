"""The plan: desired state + live state → one list of changes, pure (no I/O).

`diff` (the one diff engine: field changes and the exact request payloads), `build` (the
changes of a stack: creates, updates, deletes, reference checks), `order` (dependencies and the
order apply follows), `planfile` (the saved-plan file format). Renderers show a `Plan`; the
executor applies the same `Plan`.
"""

from stream_iac.plan.build import Change, Plan, PlanOptions, build_plan, check_max_deletes, fingerprint
from stream_iac.plan.diff import FieldChange

__all__ = ["Change", "FieldChange", "Plan", "PlanOptions", "build_plan", "check_max_deletes", "fingerprint"]
