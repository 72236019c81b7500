"""The JSON Schema of `stream-iac drift --format json` (schemas/drift.schema.json), built from
the same models as the plan's: a drift report lists, per stack, the plan's changes as
differences."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stream_iac import FORMAT_VERSION
from stream_iac.schema import _Change, _Error, _NotCompared, _Summary, output_schema


class _StackDrift(BaseModel):
    """One stack: whether its app matches it, and how it does not."""

    model_config = ConfigDict(extra="forbid")
    stack: str
    in_sync: bool = Field(description="No difference and no unmanaged object.")
    differences: list[_Change] = Field(
        description="What apply would change: managed fields that differ (update), declared objects missing live "
                    "(create), and deletes of kinds in stack.prune.")
    unmanaged: list[str] = Field(description="Addresses of live objects the stack does not declare (built-ins never).")
    summary: _Summary
    warnings: list[str]
    not_compared: list[_NotCompared] = Field(
        description="Declared secrets and write-only fields, which drift cannot compare with live state.")


class _Drift(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format_version: str = Field(pattern=f"^{FORMAT_VERSION}$")
    in_sync: bool = Field(description="Every stack is in sync (exit code 0; 2 otherwise).")
    stacks: list[_StackDrift]


def drift_schema() -> dict[str, Any]:
    """The schema of the drift report, or of the error document printed when drift fails."""
    return output_schema("drift", {"Drift": _Drift, "Error": _Error}, ["Drift", "Error"])
