"""JSON Schemas generated from the pydantic models: one for stacks (editors validate YAML
with it through the yaml-language-server line), one for JSON plans."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from stream_iac.kinds import KINDS
from stream_iac.stack.validate import StackSection

SCHEMA_ID = "https://stream-iac.dev/schemas/"


def stack_schema() -> dict[str, Any]:
    fields: dict[str, Any] = {"stack": (StackSection | None, None)}
    for kind in KINDS:
        model_type: Any = kind.shape.model
        if kind.singleton:
            fields[kind.name] = (model_type | None, None)
        elif kind.shape.layout == "names":
            fields[kind.name] = (list[str] | None, Field(default=None, max_length=kind.shape.max_objects))
        else:
            fields[kind.name] = (dict[str, model_type] | None, Field(default=None, max_length=kind.shape.max_objects))
    model = create_model("Stack", __config__=ConfigDict(extra="forbid", title="stream-iac stack"), **fields)
    schema: dict[str, Any] = model.model_json_schema()
    _allow_line_files(schema)
    _secrets_must_be_references(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID + "stack.schema.json"
    schema["description"] = "A stream-iac stack file: the desired configuration of a Stream Chat app."
    return schema


SECRET_REFERENCE = r"^\$\{(env|file):[^}]+\}$"


def _allow_line_files(schema: dict[str, Any]) -> None:
    """The loader reads a kind's line files (`words_file`) into their list field (`words`) before
    validation; editors must accept either."""
    for kind in KINDS:
        definition = schema["$defs"].get(kind.shape.model.__name__)
        for file_field, list_field in kind.shape.line_files.items():
            if definition is None:
                continue
            definition["properties"][file_field] = {
                "type": "string", "title": file_field.replace("_", " ").title(),
                "description": f"A text file holding `{list_field}`, one per line (blank lines and # comments "
                               "are skipped), relative to this file.",
            }
            definition["required"] = [r for r in definition.get("required", []) if r != list_field]
            definition["oneOf"] = [{"required": [list_field]}, {"required": [file_field]}]


def _secrets_must_be_references(schema: dict[str, Any]) -> None:
    for kind in KINDS:
        for pattern in kind.fields.secrets:
            parts = pattern.replace("[]", "").split(".")
            definition = schema["$defs"].get(kind.shape.model.__name__)
            for part in parts[:-1]:
                ref = _property_ref(definition, part) if definition else None
                definition = schema["$defs"].get(ref) if ref else None
            if definition and parts[-1] in definition.get("properties", {}):
                definition["properties"][parts[-1]] = {
                    "type": "string", "pattern": SECRET_REFERENCE,
                    "description": "Secret: must be ${env:NAME} or ${file:PATH}, never a literal value.",
                }


def _property_ref(definition: dict[str, Any], name: str) -> str | None:
    text = json.dumps(definition.get("properties", {}).get(name, {}))
    marker = '"$ref": "#/$defs/'
    if marker not in text:
        return None
    return text.split(marker, 1)[1].split('"', 1)[0]


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


class _Partial(BaseModel):
    """A plan limited by --target: it holds only the changes of the targeted objects and of
    what they depend on."""

    model_config = ConfigDict(extra="forbid")
    targets: list[str] = Field(description="The --target addresses (KIND.NAME, or a bare kind), as given.")
    dependencies: list[str] = Field(
        description="Addresses of changes included because a targeted change depends on them.")


class _StackPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format_version: str = Field(pattern="^1$")
    stack: str
    changes: list[_Change]
    unmanaged: list[str]
    summary: _Summary
    warnings: list[str]
    partial: _Partial | None = Field(
        description="Set when --target limited the plan (other differences are left out); null for a whole plan.")


class _ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str


class _Error(BaseModel):
    """What `--format json` prints on stdout when the command fails (exit code 1)."""

    model_config = ConfigDict(extra="forbid")
    format_version: str = Field(pattern="^1$")
    error: _ErrorDetail


class _MultiPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format_version: str = Field(pattern="^1$")
    stacks: list[_StackPlan]
    summary: _Summary


def plan_schema() -> dict[str, Any]:
    single = _StackPlan.model_json_schema(ref_template="#/$defs/{model}")
    multi = _MultiPlan.model_json_schema(ref_template="#/$defs/{model}")
    error = _Error.model_json_schema(ref_template="#/$defs/{model}")
    defs = {**single.pop("$defs", {}), **multi.pop("$defs", {}), **error.pop("$defs", {})}
    defs["StackPlan"] = single
    defs["MultiPlan"] = multi
    defs["Error"] = error
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID + "plan.schema.json",
        "title": "stream-iac plan",
        "description": "Output of `stream-iac plan --format json` (format_version 1). Never holds secret values.",
        "oneOf": [{"$ref": "#/$defs/StackPlan"}, {"$ref": "#/$defs/MultiPlan"}, {"$ref": "#/$defs/Error"}],
        "$defs": defs,
    }


def write_schemas(out_dir: str | Path, *, write: Callable[[Path, Any, Callable[[Any], str]], Path] | None = None,
                  make_folder: Callable[[Path], Path] | None = None) -> list[Path]:
    """Write both schemas into `out_dir` (each file through `write`, the folder made with
    `make_folder`: the CLI's Output, which reports a folder that cannot be made)."""
    out = Path(out_dir)
    if make_folder is None:
        out.mkdir(parents=True, exist_ok=True)
    else:
        make_folder(out)
    written = []
    for name, schema in (("stack.schema.json", stack_schema()), ("plan.schema.json", plan_schema())):
        path = out / name
        if write is None:
            path.write_text(_schema_text(schema), encoding="utf-8")
        else:
            write(path, schema, _schema_text)
        written.append(path)
    return written


def _schema_text(schema: Any) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
