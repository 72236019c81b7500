"""The reader's type check of live values takes each kind's field types from the model's core
schema (cheap) instead of its JSON Schema (slow to generate): both must state the same types."""

from __future__ import annotations

from typing import Any

import pytest

from stream_iac.api.live_types import field_types, fields_problem, type_problem
from stream_iac.kinds import KINDS, Kind


def _types(schema: dict[str, Any], defs: dict[str, Any], seen: frozenset[str] = frozenset()) -> Any:
    """What the type check reads of a schema, with `$ref`s resolved (a model inside itself as a
    marker), so that two schemas naming their definitions differently compare equal."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return ("ref", "itself" if name in seen else _types(defs[name], defs, seen | {name}))
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        return ("any of", [_types(branch, defs, seen) for branch in branches])
    found: dict[str, Any] = {"type": schema.get("type")}
    if "items" in schema:
        found["items"] = _types(schema["items"], defs, seen)
    if "properties" in schema:
        found["properties"] = {key: _types(value, defs, seen) for key, value in schema["properties"].items()}
    if isinstance(schema.get("additionalProperties"), dict):
        found["additionalProperties"] = _types(schema["additionalProperties"], defs, seen)
    return found


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_the_core_schema_gives_the_json_schemas_types(kind: Kind) -> None:
    json_schema = kind.shape.model.model_json_schema()
    json_defs = json_schema.get("$defs", {})
    properties, defs = field_types(kind.shape.model)
    assert set(properties) == set(json_schema.get("properties", {}))
    for name, schema in properties.items():
        assert _types(schema, defs) == _types(json_schema["properties"][name], json_defs), name


def test_messages_name_the_path_the_type_found_and_the_types_expected() -> None:
    defs = {"Inner": {"type": "object", "properties": {"size": {"type": "integer"}}}}
    schema = {"anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}]}
    assert type_problem(schema, None, defs, "x") is None
    assert type_problem(schema, "big", defs, "x") == "x as text, where stream-iac expects an object"
    whole = "where stream-iac expects a whole number"
    assert type_problem(schema, {"size": 1.5}, defs, "x") == f"x.size as a number, {whole}"
    assert type_problem({"type": "integer"}, True, defs, "n") == f"n as true/false, {whole}"
    words = {"type": "array", "items": {"type": "string"}}
    assert type_problem(words, ["a", "b"], defs, "w") is None
    assert type_problem(words, ["a", 3], defs, "w") == "w[1] as a number, where stream-iac expects text"


_SAMPLES: list[Any] = [None, True, 0, 7, 1.5, "text", [], ["a", "b"], [1], [True, "a"], {}, {"k": 1}, {"k": "v"},
                       [{"k": 1}], [{"name": "n", "k": ["x"]}], {"k": {"k": 2}}]


def _values_for(schema: dict[str, Any], defs: dict[str, Any]) -> list[Any]:
    """The samples, plus objects holding each sample under each property of `schema` (one level
    into a nested model, its list of objects or its map of values)."""
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    for branch in schema.get("anyOf") or schema.get("oneOf") or []:
        if "$ref" in branch or "items" in branch or "properties" in branch:
            schema = branch
            while "$ref" in schema:
                schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    inner = schema.get("items", schema)
    while "$ref" in inner:
        inner = defs[inner["$ref"].rsplit("/", 1)[-1]]
    keys = list(inner.get("properties", {})) + (["any"] if isinstance(inner.get("additionalProperties"), dict) else [])
    objects = [{key: sample} for key in keys for sample in _SAMPLES]
    return [*_SAMPLES, *objects, *([objects[i:i + 1] for i in range(len(objects))] if "items" in schema else [])]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_the_fast_check_finds_what_the_schema_walk_finds(kind: Kind) -> None:
    properties, defs = field_types(kind.shape.model)
    for name, schema in properties.items():
        for value in _values_for(schema, defs):
            expected = None if value is None else type_problem(schema, value, defs, name)
            assert fields_problem(kind.shape.model, {name: value}) == expected, (name, value)
