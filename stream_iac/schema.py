"""JSON Schemas generated from the pydantic models: one for stacks (editors validate YAML
with it through the yaml-language-server line), one for JSON plans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stream_iac.kinds import KINDS
from stream_iac.stack.validate import StackSection

SCHEMA_ID = "https://stream-iac.dev/schemas/"


def stack_schema() -> dict[str, Any]:
    fields: dict[str, Any] = {"stack": (StackSection | None, None)}
    for kind in KINDS:
        if kind.singleton:
            fields[kind.name] = (kind.model | None, None)
        elif kind.listed_by_name:
            fields[kind.name] = (list[str] | None, Field(default=None, max_length=kind.max_objects))
        else:
            fields[kind.name] = (dict[str, kind.model] | None, Field(default=None, max_length=kind.max_objects))
    from pydantic import create_model

    model = create_model(  # type: ignore[call-overload]
        "Stack", __config__=ConfigDict(extra="forbid", title="stream-iac stack"), **fields
    )
    schema: dict[str, Any] = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID + "stack.schema.json"
    schema["description"] = "A stream-iac stack file: the desired configuration of a Stream Chat app."
    return schema


class _Summary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    create: int
    update: int
    delete: int
    unmanaged: int


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str
    kind: str
    name: str
    action: str = Field(pattern="^(create|update|delete)$")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed_paths: list[str]
    sensitive_paths: list[str]
    depends_on: list[str]


class _StackPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format_version: str = Field(pattern="^1$")
    stack: str
    changes: list[_Change]
    unmanaged: list[str]
    summary: _Summary
    warnings: list[str]


class _MultiPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format_version: str = Field(pattern="^1$")
    stacks: list[_StackPlan]
    summary: _Summary


def plan_schema() -> dict[str, Any]:
    single = _StackPlan.model_json_schema(ref_template="#/$defs/{model}")
    multi = _MultiPlan.model_json_schema(ref_template="#/$defs/{model}")
    defs = {**single.pop("$defs", {}), **multi.pop("$defs", {})}
    defs["StackPlan"] = single
    defs["MultiPlan"] = multi
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID + "plan.schema.json",
        "title": "stream-iac plan",
        "description": "Output of `stream-iac plan --format json` (format_version 1). Never holds secret values.",
        "oneOf": [{"$ref": "#/$defs/StackPlan"}, {"$ref": "#/$defs/MultiPlan"}],
        "$defs": defs,
    }


def write_schemas(out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in (("stack.schema.json", stack_schema()), ("plan.schema.json", plan_schema())):
        path = out / name
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
