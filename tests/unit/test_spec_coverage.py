"""Coverage of Stream's configuration: every field the write calls of a managed kind accept (their
request schemas in the official spec, `../shared/stream-api/openapi-subset.json`, nested objects
included) is declarable in a stack (the generated `stack.schema.json`), or listed in EXCLUDED with
the reason it is not.

Which request schemas a kind writes with is not a table here: it follows from the kind's own
declaration (the operations of its create and update `Endpoint`s, and the body's envelope) and the
spec's paths (the request body of each operation). A new kind is covered as soon as it is declared;
what it leaves out goes into EXCLUDED."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stream_iac.kinds import KINDS
from stream_iac.kinds.base import Kind
from stream_iac.schema import stack_schema

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "stream-api" / "openapi-subset.json"
JSON = dict[str, Any]

ACTING_USER = "the acting user of a server-side call (user_id, user): not configuration"
IN_TEMPLATE_NAME = "part of the push template's name, its key in the stack (Shape.name_fields)"

# (kind, field path in the request body: `a.b`, `list[].field`) → why a stack cannot declare it.
EXCLUDED: dict[tuple[str, str], str] = {
    ("app", "migrate_permissions_to_v2"): "a one-off action (move the app to permissions v2), not a setting: "
                                          "declare permission_version: v2 instead",
    ("app", "event_hooks[].id"): "assigned by Stream; a declared hook is matched to a live one by its fields",
    ("app", "event_hooks[].created_at"): "read-only: set by Stream",
    ("app", "event_hooks[].updated_at"): "read-only: set by Stream",
    ("blocklists", "user"): ACTING_USER,
    ("blocklists", "user_id"): ACTING_USER,
    ("push_templates", "push_provider_type"): IN_TEMPLATE_NAME,
    ("push_templates", "push_provider_name"): IN_TEMPLATE_NAME,
    ("push_templates", "event_type"): IN_TEMPLATE_NAME,
}


def _spec() -> JSON:
    if not SPEC.is_file():
        pytest.skip(f"the spec is not there ({SPEC}): ../shared is absent")
    spec: JSON = json.loads(SPEC.read_text(encoding="utf-8"))
    return spec


def request_schemas(spec: JSON, kind: Kind) -> Iterator[tuple[str, JSON]]:
    """(operation, the body schema it takes) for each write call of the kind that takes a body:
    the request body the spec gives the operation, inside the endpoint's envelope if it has one."""
    bodies = {operation["operationId"]: operation.get("requestBody")
              for methods in spec["paths"].values() for operation in methods.values() if isinstance(operation, dict)}
    for endpoint in dict.fromkeys(e for e in (kind.api.create, kind.api.update) if e is not None):
        body = bodies.get(endpoint.op)
        if body is None:
            continue
        schema = resolve(spec, body["content"]["application/json"]["schema"])
        if endpoint.wrap:
            schema = resolve(spec, schema["properties"][endpoint.wrap])
        yield endpoint.op, schema


def resolve(document: JSON, schema: JSON) -> JSON:
    """`schema` with its `$ref` followed within `document`; of an `anyOf` (pydantic's `X | None`),
    the option that is not null."""
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            schema = option
    if "$ref" in schema:
        found: JSON = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        return found
    return schema


def object_of(document: JSON, schema: JSON) -> tuple[JSON | None, str]:
    """The object schema a property holds (directly, or as the items of a list), and the path
    step to it ("." or "[]."); None when it holds no object with properties."""
    schema = resolve(document, schema)
    if schema.get("type") == "array" or "items" in schema:
        inner = resolve(document, schema.get("items", {}))
        return (inner, "[].") if inner.get("properties") else (None, "")
    return (schema, ".") if schema.get("properties") else (None, "")


def undeclarable(spec: JSON, stack: JSON, kind: Kind, excluded: dict[tuple[str, str], str] = EXCLUDED) -> list[str]:
    """Request fields of the kind that the stack schema does not hold and `excluded` does not list."""
    declared = stack["$defs"][kind.shape.model.__name__] if kind.shape.layout != "names" else {"properties": {}}
    missing: list[str] = []

    def walk(request: JSON, model: JSON, prefix: str, op: str) -> None:
        for name, prop in request.get("properties", {}).items():
            path = prefix + name
            if (kind.name, path) in excluded:
                continue
            if not prefix and name in _name_fields(kind):
                continue  # the object's name: its key in the stack
            held = model.get("properties", {}).get(name)
            if held is None:
                missing.append(f"{kind.name}: {path} ({op})")
                continue
            sub_request, step = object_of(spec, prop)
            sub_model, _ = object_of(stack, held)
            if sub_request is not None and sub_model is not None:
                walk(sub_request, sub_model, path + step, op)

    for op, request in request_schemas(spec, kind):
        walk(request, declared, "", op)
    return sorted(set(missing))


def _name_fields(kind: Kind) -> set[str]:
    """The body fields the object's name travels in (Endpoint.name_field)."""
    return {e.name_field for e in (kind.api.create, kind.api.update) if e is not None and e.name_field}


def test_every_field_the_api_accepts_is_declarable_or_excluded_with_a_reason() -> None:
    spec = _spec()
    stack = stack_schema()
    missing = [field for kind in KINDS for field in undeclarable(spec, stack, kind)]
    assert not missing, ("fields the API accepts that a stack cannot declare; declare them in the kind's model, or "
                         "list them in EXCLUDED with the reason:\n  " + "\n  ".join(missing))


def test_every_kind_that_writes_has_a_request_schema_in_the_spec() -> None:
    """Else the coverage test would pass for it without looking at anything."""
    spec = _spec()
    writers = {kind.name for kind in KINDS if kind.api.create or kind.api.update}
    covered = {kind.name for kind in KINDS if any(True for _ in request_schemas(spec, kind))}
    assert writers - covered == set()


def test_exclusions_name_fields_the_api_accepts_and_say_why() -> None:
    """A stale entry (a field the spec no longer has, or one the stack now declares) is an error."""
    spec = _spec()
    stack = stack_schema()
    by_name = {kind.name: kind for kind in KINDS}
    for (kind_name, path), reason in EXCLUDED.items():
        assert len(reason) > 20, f"{kind_name}: {path}: say why it is not declarable"
        kind = by_name[kind_name]
        accepted = {p for _, request in request_schemas(spec, kind) for p in _paths(spec, request)}
        assert path in accepted, f"{kind_name}: {path} is excluded, but no write call of the kind takes it"
        others = {entry: why for entry, why in EXCLUDED.items() if entry != (kind_name, path)}
        still_missing = undeclarable(spec, stack, kind, others)
        assert any(m.startswith(f"{kind_name}: {path} (") for m in still_missing), \
            f"{kind_name}: {path} is excluded, but a stack can declare it: drop it from EXCLUDED"


def _paths(spec: JSON, request: JSON, prefix: str = "") -> Iterator[str]:
    for name, prop in request.get("properties", {}).items():
        yield prefix + name
        inner, step = object_of(spec, prop)
        if inner is not None:
            yield from _paths(spec, inner, prefix + name + step)
