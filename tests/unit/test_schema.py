"""The checked-in JSON Schemas are current, and the example stacks satisfy the stack schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from stream_iac.drift_schema import drift_schema
from stream_iac.schema import plan_schema, stack_schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("name", "build"), [("stack.schema.json", stack_schema), ("plan.schema.json", plan_schema),
                                             ("drift.schema.json", drift_schema)])
def test_checked_in_schema_is_current(name: str, build: object) -> None:
    checked_in = json.loads((ROOT / "schemas" / name).read_text())
    assert checked_in == build(), f"schemas/{name} is stale: run `make schema`"  # type: ignore[operator]


def test_schemas_are_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(stack_schema())
    jsonschema.Draft202012Validator.check_schema(plan_schema())
    jsonschema.Draft202012Validator.check_schema(drift_schema())


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "stacks").rglob("*.yaml")), ids=lambda p: p.parent.name)
def test_example_stack_files_satisfy_the_schema_and_name_it(path: Path) -> None:
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    schema_ref = text.splitlines()[0].split("$schema=", 1)[1]
    assert (path.parent / schema_ref).resolve() == ROOT / "schemas" / "stack.schema.json"
    jsonschema.validate(yaml.safe_load(text) or {}, stack_schema())


def test_literal_secret_is_rejected_by_the_schema() -> None:
    stack = {"push_providers": {"p": {"type": "apn", "apn_auth_key": "literal-key"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(stack, stack_schema())
    stack["push_providers"]["p"]["apn_auth_key"] = "${env:APN_KEY}"
    jsonschema.validate(stack, stack_schema())
