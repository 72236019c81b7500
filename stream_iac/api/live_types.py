"""The reader's type check of live values: which JSON types each field of a kind's model allows,
and where a value the API returned is not one of them.

The types are the ones the model's JSON Schema states (`type`, `anyOf`/`oneOf`, `items`,
`properties`, `additionalProperties`, `$ref` to a nested model), but derived from the core schema
pydantic has already built for the model: generating the JSON Schema of every kind took ~30 ms of
each `plan`'s start-up. tests/unit/test_live_types.py checks that both give the same types for
every kind. Only types are checked, never limits or enums: the API may hold values a stack
cannot write.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from stream_iac.errors import json_type_name

TypeSchema = dict[str, Any]
"""The part of a JSON Schema the check reads (`type`, `anyOf`, `items`, `properties`,
`additionalProperties`, `$ref`)."""


@functools.cache
def field_types(model: type[BaseModel]) -> tuple[dict[str, TypeSchema], dict[str, TypeSchema]]:
    """The JSON types of each field of `model` (by the name a stack gives it), and the nested
    models they refer to (`$ref` name → their types)."""
    converter = _Converter()
    top = converter.convert(model.__pydantic_core_schema__, top=True)
    return top.get("properties", {}), converter.defs


def fields_problem(model: type[BaseModel], body: dict[str, Any]) -> str | None:
    """Where and how the first field of `body` (a live object in the stack's shape) that is set
    (not None) is not of the JSON types the field of `model` allows (`type_problem`), or None.
    Fields the model does not have are not checked."""
    acceptors = _acceptors(model)
    for name, value in body.items():
        if value is None:
            continue
        accepts = acceptors.get(name)
        if accepts is None or accepts(value):
            continue
        properties, defs = field_types(model)
        problem = type_problem(properties[name], value, defs, name)
        if problem is not None:
            return problem
    return None


Accepts = Callable[[Any], bool]


@functools.cache
def _acceptors(model: type[BaseModel]) -> dict[str, Accepts]:
    """Per field, a predicate true exactly where `type_problem` finds nothing: a live object's
    fields are checked with these (a plan of a fleet checks hundreds of objects per app), and
    `type_problem` only runs to describe a value they refuse."""
    properties, defs = field_types(model)
    compiler = _Compiler(defs)
    return {name: compiler.compile(_set(schema)) for name, schema in properties.items()}


def _set(schema: TypeSchema) -> TypeSchema:
    """A field's types for a value that is set: `fields_problem` never checks None."""
    branches = schema.get("anyOf")
    if not branches or {"type": "null"} not in branches:
        return schema
    others = [branch for branch in branches if branch != {"type": "null"}]
    if not others:
        return schema
    return others[0] if len(others) == 1 else {"anyOf": others}


class _Compiler:
    """Type schemas → predicates that accept exactly the values `type_problem` finds nothing in."""

    def __init__(self, defs: dict[str, TypeSchema]) -> None:
        self.defs = defs
        self._refs: dict[str, Accepts] = {}

    def compile(self, schema: TypeSchema) -> Accepts:
        if "$ref" in schema:
            return self._ref(schema["$ref"].rsplit("/", 1)[-1])
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            return self._any_of(branches)
        has_type = _has_type(schema.get("type"))
        items = schema.get("items")
        each = None if items is None else self.compile(items)
        if items is not None and set(items) == {"type"} and items["type"] == "string":
            each = _is_text
        properties = {key: self.compile(child) for key, child in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties")
        others = self.compile(extra) if isinstance(extra, dict) else None
        if each is None and not properties and others is None:
            return has_type  # a plain value (most fields): its type is all there is to check

        def accepts(value: Any) -> bool:
            if not has_type(value):
                return False
            if each is not None and isinstance(value, list):
                return all(map(each, value))
            if isinstance(value, dict):
                for key, child in value.items():
                    check = properties.get(key, others)
                    if check is not None and not check(child):
                        return False
            return True

        return accepts

    def _any_of(self, branches: list[TypeSchema]) -> Accepts:
        nullable = {"type": "null"} in branches
        choices = [self.compile(branch) for branch in branches if branch != {"type": "null"}]
        if nullable and len(choices) == 1:  # the common `X | None`
            only = choices[0]
            return lambda value: value is None or only(value)
        return lambda value: (nullable and value is None) or any(accepts(value) for accepts in choices)

    def _ref(self, name: str) -> Accepts:
        """A nested model's predicate, looked up when called: a model may contain itself."""
        refs = self._refs
        if name not in refs:
            refs[name] = _accept_all  # while compiling it (never called: replaced right below)
            refs[name] = self.compile(self.defs.get(name, {}))
        return lambda value: refs[name](value)


def _accept_all(value: Any) -> bool:
    return True


def _is_text(value: Any) -> bool:
    return type(value) is str


def _is_text_like(value: Any) -> bool:
    return isinstance(value, str)


def _has_type(wanted: str | None) -> Accepts:
    """Whether a value is of the JSON type `wanted` (as `type_problem` decides it)."""
    if wanted is None or wanted not in _JSON_TYPES:
        return _accept_all
    allowed = _JSON_TYPES[wanted]
    if wanted == "string":
        return _is_text_like
    if wanted in ("integer", "number"):
        return lambda value: isinstance(value, allowed) and not isinstance(value, bool)
    return lambda value: isinstance(value, allowed)


_SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "none": "null",
            "datetime": "string", "date": "string", "time": "string", "timedelta": "string",
            "bytes": "string", "url": "string", "multi-host-url": "string", "uuid": "string"}
_WRAPPERS = frozenset({"default", "function-before", "function-after", "function-wrap", "custom-error"})
_LITERAL_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
                  type(None): "null"}


class _Converter:
    """Core schema → the JSON types of it, as pydantic's JSON Schema generator states them."""

    def __init__(self) -> None:
        self.defs: dict[str, TypeSchema] = {}
        self._definitions: dict[str, Any] = {}

    def convert(self, schema: Any, top: bool = False) -> TypeSchema:
        kind = schema["type"]
        if kind == "definitions":
            self._definitions.update({d["ref"]: d for d in schema["definitions"]})
            return self.convert(schema["schema"], top)
        if kind == "definition-ref":
            return self.convert(self._definitions[schema["schema_ref"]], top)
        if kind in _WRAPPERS:
            return self.convert(schema["schema"], top)
        if kind == "model":
            return self._model(schema, top)
        if kind in _SCALARS:
            return {"type": _SCALARS[kind]}
        if kind == "nullable":
            return _any_of([self.convert(schema["schema"]), {"type": "null"}])
        if kind == "union":
            choices = [c[0] if isinstance(c, tuple) else c for c in schema["choices"]]
            return _any_of([self.convert(c) for c in choices])
        if kind == "tagged-union":
            return {"oneOf": [self.convert(c) for c in schema["choices"].values()]}
        if kind in ("list", "set", "frozenset"):
            items = schema.get("items_schema")
            return {"type": "array", **({"items": self.convert(items)} if items else {})}
        if kind == "dict":
            values = schema.get("values_schema")
            converted = self.convert(values) if values else {}
            return {"type": "object", **({"additionalProperties": converted} if converted else {})}
        if kind == "literal":
            types = {type(value) for value in schema["expected"]}
            wanted = _LITERAL_TYPES.get(types.pop()) if len(types) == 1 else None
            return {"type": wanted} if wanted else {}
        if kind == "enum":
            wanted = {"str": "string", "int": "integer", "float": "number"}.get(schema.get("sub_type", ""))
            return self._ref(schema["ref"], {"type": wanted} if wanted else {})
        if kind == "json-or-python":
            return self.convert(schema["json_schema"], top)
        if kind == "lax-or-strict":
            return self.convert(schema["lax_schema"], top)
        return {}  # anything else (any, is-instance, a plain function): every JSON type

    def _model(self, schema: Any, top: bool) -> TypeSchema:
        inner = schema["schema"]
        if top:
            return self._fields(inner)
        ref = schema.get("ref") or repr(schema["cls"])
        if ref not in self.defs:
            self.defs[ref] = {}  # a model that contains itself refers to this entry
            self.defs[ref].update(self._fields(inner))
        return {"$ref": f"#/$defs/{ref}"}

    def _ref(self, ref: str, types: TypeSchema) -> TypeSchema:
        self.defs[ref] = types
        return {"$ref": f"#/$defs/{ref}"}

    def _fields(self, schema: Any) -> TypeSchema:
        while schema["type"] in _WRAPPERS:
            schema = schema["schema"]
        if schema["type"] != "model-fields":
            return self.convert(schema)
        properties = {}
        for name, model_field in schema["fields"].items():
            alias = model_field.get("validation_alias")
            properties[alias if isinstance(alias, str) else name] = self.convert(model_field["schema"])
        return {"type": "object", "properties": properties}


def _any_of(branches: list[TypeSchema]) -> TypeSchema:
    """One schema for any of `branches`, nested anyOf lists flattened (as pydantic writes them)."""
    flat: list[TypeSchema] = []
    for branch in branches:
        flat.extend(branch["anyOf"] if set(branch) == {"anyOf"} else [branch])
    return flat[0] if len(flat) == 1 else {"anyOf": flat}


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,), "null": (type(None),),
}
_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true/false",
          "array": "a list", "object": "an object", "null": "null"}


def type_problem(schema: TypeSchema, value: Any, defs: dict[str, TypeSchema], path: str) -> str | None:
    """Where and how `value` is not of the JSON types `schema` allows (`defs`: what its `$ref`s
    name), as `path as <type>, where stream-iac expects <types>`, or None."""
    if "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        problems: list[str] = []
        for branch in branches:
            problem = type_problem(branch, value, defs, path)
            if problem is None:
                return None
            problems.append(problem)
        deeper = [p for p in problems if not p.startswith(f"{path} as ")]  # the right type, wrong inside
        return deeper[0] if deeper else _mismatch(path, value, branches)
    wanted = schema.get("type")
    if wanted is not None:
        allowed = _JSON_TYPES.get(wanted, (object,))
        if not isinstance(value, allowed) or (wanted in ("integer", "number") and isinstance(value, bool)) \
                or (wanted == "integer" and isinstance(value, float) and not value.is_integer()):
            return _mismatch(path, value, [schema])
    if isinstance(value, list) and "items" in schema:
        return _items_problem(schema["items"], value, defs, path)
    if isinstance(value, dict):
        for key, child in value.items():
            child_schema = schema.get("properties", {}).get(key)
            if child_schema is None and isinstance(schema.get("additionalProperties"), dict):
                child_schema = schema["additionalProperties"]
            if child_schema is not None:
                problem = type_problem(child_schema, child, defs, f"{path}.{key}")
                if problem:
                    return problem
    return None


def _items_problem(schema: TypeSchema, items: list[Any], defs: dict[str, TypeSchema], path: str) -> str | None:
    if schema.get("type") == "string" and len(schema) == 1 and all(type(item) is str for item in items):
        return None  # the common case, fast (a blocklist's 10,000 words)
    for index, item in enumerate(items):
        problem = type_problem(schema, item, defs, f"{path}[{index}]")
        if problem:
            return problem
    return None


def _mismatch(path: str, value: Any, schemas: list[TypeSchema]) -> str:
    wanted = []
    for schema in schemas:
        if "$ref" in schema:
            wanted.append("an object")
        elif schema.get("type") in _NAMES and schema.get("type") != "null":
            wanted.append(_NAMES[schema["type"]])
    expected = " or ".join(dict.fromkeys(wanted)) or "another type"
    return f"{path} as {json_type_name(value)}, where stream-iac expects {expected}"
