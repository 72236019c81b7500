"""JSON Schemas generated from the pydantic models: one for stacks (editors validate YAML
with it through the yaml-language-server line, and show each key's description on hover), one
for JSON plans. The stack schema's descriptions and defaults come from `stream_iac.reference`,
which the field reference and `stream-iac explain` are built from too."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from stream_iac import FORMAT_VERSION
from stream_iac.kinds import KINDS
from stream_iac.reference import FieldDoc, sections
from stream_iac.stack.validate import StackSection

SCHEMA_ID = "https://stream-iac.dev/schemas/"


def stack_schema() -> dict[str, Any]:
    """The JSON Schema of a stack file: every key described (description, notes, range, default
    and limit source, as `stream-iac explain` shows them), no titles, and no `null` defaults."""
    described = {section.name: section.summary() for section in sections()}
    fields: dict[str, Any] = {"stack": (StackSection | None, Field(default=None, description=described["stack"]))}
    for kind in KINDS:
        model_type: Any = kind.shape.model
        about = described[kind.name]
        if kind.singleton:
            fields[kind.name] = (model_type | None, Field(default=None, description=about))
        elif kind.shape.layout == "names":
            fields[kind.name] = (list[str] | None, Field(default=None, max_length=kind.shape.max_objects,
                                                          description=about))
        else:
            fields[kind.name] = (dict[str, model_type] | None, Field(default=None, max_length=kind.shape.max_objects,
                                                                      description=about))
    model = create_model("Stack", __config__=ConfigDict(extra="forbid", title="stream-iac stack"), **fields)
    schema: dict[str, Any] = model.model_json_schema()
    _allow_line_files(schema)
    _secrets_must_be_references(schema)
    for section in sections():
        _describe(schema, schema, section.name, section.fields)
    _without_titles_or_null_defaults(schema)
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
            definition["properties"][file_field] = {"type": "string"}  # described by _describe
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
                definition["properties"][parts[-1]] = {"type": "string", "pattern": SECRET_REFERENCE}


def _describe(schema: dict[str, Any], definition: dict[str, Any] | None, name: str,
              docs: tuple[FieldDoc, ...]) -> None:
    """Each property of the object `name` holds (`definition`, reached from the root) gets its
    entry's summary as description, and Stream's default as default; nested objects likewise."""
    ref = _property_ref(definition, name) if definition else None
    target = schema["$defs"].get(ref) if ref else None
    if target is None:
        return
    for doc in docs:
        prop = target.get("properties", {}).get(doc.name)
        if prop is None:
            continue
        prop["description"] = doc.summary()
        if doc.has_default:
            prop["default"] = doc.default
        if doc.fields:
            _describe(schema, target, doc.name, doc.fields)


def _without_titles_or_null_defaults(schema: Any) -> None:
    """Drop the titles pydantic makes from property names (editors would show "Max Message
    Length" above the description) and `"default": null` (editors would offer null)."""
    if isinstance(schema, list):
        for item in schema:
            _without_titles_or_null_defaults(item)
        return
    if not isinstance(schema, dict):
        return
    for prop in (schema.get("properties") or {}).values():
        if isinstance(prop, dict):
            prop.pop("title", None)
            if "default" in prop and prop["default"] is None:
                del prop["default"]
    for value in schema.values():
        _without_titles_or_null_defaults(value)


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


class _NotCompared(BaseModel):
    """A declared field no plan can compare with live state (the API never returns it)."""

    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="The field's address, e.g. app.feeds_v2_region.")
    reason: str = Field(pattern="^(write-only|secret)$", description="What kind of field it is.")
    why: str = Field(description="Why it cannot be compared, in words.")


class _Refusal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str
    action: str = Field(pattern="^(create|update|delete)$")
    status: str = Field(pattern="^(failed|skipped|not_attempted)$",
                        description="failed: the emulator refused it; otherwise not attempted after a refusal.")
    message: str = Field(description="The API's message and code, or why the change was not attempted.")


class _Unconverged(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str
    action: str = Field(pattern="^(create|update|delete)$", description="What a new plan would still do.")
    paths: list[str] = Field(description="The fields that still differ.")


class _Rehearsal(BaseModel):
    """`plan --rehearse`: the plan applied to an in-process emulator loaded with live state, then
    planned again there. Only as faithful as the emulator."""

    model_config = ConfigDict(extra="forbid")
    ok: bool = Field(description="Every change accepted, and a new plan against the emulator is empty.")
    changes: int = Field(description="How many changes were rehearsed.")
    refused: list[_Refusal]
    unconverged: list[_Unconverged] = Field(description="Changes accepted that a new plan still shows.")
    replan_error: str | None = Field(description="Why planning again against the emulator failed, if it did.")
    note: str


class _StackPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format_version: str = Field(pattern=f"^{FORMAT_VERSION}$")
    stack: str
    changes: list[_Change]
    unmanaged: list[str]
    summary: _Summary
    warnings: list[str]
    partial: _Partial | None = Field(
        description="Set when --target limited the plan (other differences are left out); null for a whole plan.")
    not_compared: list[_NotCompared] = Field(
        description="Declared secrets and write-only fields: sent on create, with updates that replace their "
                    "object and with --resend-write-only, but never compared with live state.")
    rehearsal: _Rehearsal | None = Field(default=None, description="With `plan --rehearse` only.")


class _ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str


class _Error(BaseModel):
    """What `--format json` prints on stdout when the command fails (exit code 1)."""

    model_config = ConfigDict(extra="forbid")
    format_version: str = Field(pattern=f"^{FORMAT_VERSION}$")
    error: _ErrorDetail


class _MultiPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format_version: str = Field(pattern=f"^{FORMAT_VERSION}$")
    stacks: list[_StackPlan]
    summary: _Summary


def plan_schema() -> dict[str, Any]:
    """One shape for one stack or several (`stacks`, a list), or the error document."""
    return output_schema("plan", {"StackPlan": _StackPlan, "Plan": _MultiPlan, "Error": _Error}, ["Plan", "Error"])


def output_schema(command: str, models: dict[str, type[BaseModel]], one_of: list[str]) -> dict[str, Any]:
    """The schema of `stream-iac COMMAND --format json`: one of the models named in `one_of`,
    every model (and what it refers to) under `$defs` by the names `models` gives them."""
    defs: dict[str, Any] = {}
    for name, model in models.items():
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        defs[name] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID + f"{command}.schema.json",
        "title": f"stream-iac {command}",
        "description": (f"Output of `stream-iac {command} --format json` (format_version {FORMAT_VERSION}). "
                        "Never holds secret values."),
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in one_of],
        "$defs": defs,
    }


def write_schemas(out_dir: str | Path, *, write: Callable[[Path, Any, Callable[[Any], str]], Path] | None = None,
                  make_folder: Callable[[Path], Path] | None = None) -> list[Path]:
    """Write the schemas (stacks, JSON plans, JSON drift reports) into `out_dir` (each file through
    `write`, the folder made with `make_folder`: the CLI's Output, which reports a folder that
    cannot be made)."""
    from stream_iac.drift_schema import drift_schema  # it builds on this module's models

    out = Path(out_dir)
    if make_folder is None:
        out.mkdir(parents=True, exist_ok=True)
    else:
        make_folder(out)
    written = []
    for name, schema in (("stack.schema.json", stack_schema()), ("plan.schema.json", plan_schema()),
                         ("drift.schema.json", drift_schema())):
        path = out / name
        if write is None:
            path.write_text(_schema_text(schema), encoding="utf-8")
        else:
            write(path, schema, _schema_text)
        written.append(path)
    return written


def _schema_text(schema: Any) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
