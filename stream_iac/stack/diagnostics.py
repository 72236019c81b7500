"""Readable, located problems from pydantic validation errors on stack data.

    <kind>.<name>.<field>: must be ≤ 20000 (got 50000)

Pydantic's `loc` is mapped back onto the stack's data (union branch labels such as
`str` or a discriminator tag are dropped), then onto the place the value, key or
parent mapping is written. Values of secret paths are never shown.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from stream_iac.errors import Location, Problem
from stream_iac.kinds.common import Source
from stream_iac.paths import FieldPath, dotted
from stream_iac.secrets import REDACTED, Secret, scrub

if TYPE_CHECKING:
    from stream_iac.stack.loader import RawStack

SecretPredicate = Callable[[FieldPath], bool]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """" (did you mean 'x'?)" for the closest candidate, or ""."""
    matches = difflib.get_close_matches(word, [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def nearest_location(raw: RawStack, path: FieldPath) -> Location | None:
    """Where `path` is written, or the nearest enclosing value that has a location."""
    if path and isinstance(path[-1], int) and path[:-1] in raw.line_indexes:
        file, lines = raw.line_indexes[path[:-1]]
        if 0 <= path[-1] < len(lines):
            return Location(file, lines[path[-1]], 1)
    for end in range(len(path), -1, -1):
        loc = raw.locations.get(path[:end])
        if loc is not None:
            return loc
    return None


def problems_from_validation_error(
    exc: ValidationError,
    raw: RawStack,
    prefix: FieldPath = (),
    model: type[BaseModel] | None = None,
    is_secret: SecretPredicate | None = None,
) -> list[Problem]:
    """One problem per distinct error. `prefix` is where the validated data sits in
    `raw.data`; `model` (the class that was validated) gives valid field names for
    "did you mean"; `is_secret(path)` marks paths whose values must not be shown."""
    data = _get(raw.data, prefix)
    secret = is_secret or _never
    referenced: frozenset[FieldPath] = getattr(raw, "referenced", frozenset())

    def hidden(path: FieldPath) -> bool:  # a secret, or read from the environment or a file
        return secret(path) or path in referenced

    findings = [_finding(error, data, prefix, model, hidden) for error in exc.errors()]
    shown_as = f" {REDACTED}"
    for finding in findings:
        if finding.got.startswith(shown_as) and finding.path in referenced and not secret(finding.path):
            finding.got = " (got a value read from ${env:…} or ${file:…}, not shown)" + finding.got[len(shown_as):]
    return _combine(findings, raw)


# ---------------------------------------------------------------- one error


@dataclass
class _Finding:
    path: FieldPath  # full data path the message is about
    where: str  # "value" | "key" | "parent": which location to use
    text: str  # "must be an integer"
    got: str = ""  # " (got 'abc')"


def _never(_path: FieldPath) -> bool:
    return False


def _finding(
    error: ErrorDetails, data: Any, prefix: FieldPath, model: type[BaseModel] | None, is_secret: SecretPredicate
) -> _Finding:
    kind = error["type"]
    relative, key_error = _data_path(error["loc"], data, kind)
    path = (*prefix, *relative)
    value = error.get("input")
    ctx = error.get("ctx") or {}
    secret = is_secret(path) or isinstance(value, Secret)
    if key_error:
        source = _source_at(model, error["loc"])
        text = f"invalid name: {_message(error, value, secret)}" + (f"; {source}" if source else "")
        return _Finding(path, "key", text)
    if kind == "extra_forbidden":
        name = str(relative[-1]) if relative else "?"
        hint = did_you_mean(name, [n for n in _field_names(model, error["loc"][:-1]) if n != name])
        return _Finding(path[:-1], "key:" + name, f"unknown field {name!r}{hint}")
    if kind == "missing":
        return _Finding(path, "parent", "required field missing")
    if kind == "union_tag_not_found":
        field = str(ctx.get("discriminator", "")).strip("'\"")
        return _Finding((*path, field) if field else path, "parent", "required field missing")
    if kind == "union_tag_invalid":
        field = str(ctx.get("discriminator", "")).strip("'\"")
        choices = _choices(str(ctx.get("expected_tags", "")))
        tag = ctx.get("tag")
        return _Finding((*path, field) if field else path, "value", f"must be one of: {choices}", _got(tag, secret))
    message = _message(error, value, secret)
    got = _got_for(kind, value, secret)
    if REDACTED in message or (not secret and isinstance(value, str | int) and str(value) in message):
        got = ""  # a validator's own message already shows the value
    source = _source_at(model, error["loc"])
    if source and source not in message:
        got += f"; {source}"
    return _Finding(path, "value", message, got)


def _data_path(loc: tuple[str | int, ...], data: Any, kind: str) -> tuple[FieldPath, bool]:
    """Pydantic's loc as a path in the data, without union branch labels. The flag is
    set when the error is about a mapping key itself (pydantic's "[key]"). Where the
    validated data is not in the stack's data, loc is taken as it is."""
    path: list[str | int] = []
    node = data
    for i, segment in enumerate(loc):
        last = i == len(loc) - 1
        if segment == "[key]":
            return tuple(path), True
        if node is _ABSENT:
            path.append(segment)
        elif _has(node, segment):
            path.append(segment)
            node = node[segment]
        elif last and kind == "missing":
            path.append(segment)
    return tuple(path), False


_SIMPLE = {
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "decimal_type": "must be a number",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "mapping_type": "must be a mapping",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "iterable_type": "must be a list",
    "none_required": "must be empty (null)",
}
_BOUNDS = {
    "less_than_equal": ("le", "≤"),
    "less_than": ("lt", "<"),
    "greater_than_equal": ("ge", "≥"),
    "greater_than": ("gt", ">"),
    "multiple_of": ("multiple_of", "a multiple of"),
}
_STRIPPED_PREFIXES = ("Value error, ", "Assertion failed, ")


def _message(error: ErrorDetails, value: Any, secret: bool) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind in _BOUNDS:
        key, sign = _BOUNDS[kind]
        return f"must be {sign} {ctx.get(key)}"
    if kind in ("literal_error", "enum"):
        text = f"must be one of: {_choices(str(ctx.get('expected', '')))}"
        if isinstance(value, bool):
            text += " (YAML reads unquoted yes/no/on/off/true/false as true or false: quote the word)"
        return text
    length = _length_message(kind, ctx, value, secret)
    if length is not None:
        return length
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {ctx.get('pattern')}"
    message = str(error["msg"])
    for stripped in _STRIPPED_PREFIXES:
        message = message.removeprefix(stripped)
    if secret and isinstance(value, str | Secret):
        shown = value.reveal() if isinstance(value, Secret) else value
        message = scrub(message, [shown])
        if shown and shown in message:  # too short to be scrubbed: say less
            message = "is not a valid value (not shown: it is a secret)"
    return message


def _length_message(kind: str, ctx: dict[str, Any], value: Any, secret: bool) -> str | None:
    count = "" if secret or not isinstance(value, str | list | dict) else f" (got {len(value)})"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items{count}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} items{count}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters{count}"
    if kind == "string_too_short":
        minimum = ctx.get("min_length")
        return "must not be empty" if minimum == 1 else f"must be at least {minimum} characters{count}"
    return None


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" → "a, b, c"."""
    pieces = expected.replace(" or ", ", ").split(", ")
    return ", ".join(p.strip().strip("'\"") for p in pieces if p.strip())


def _got_for(kind: str, value: Any, secret: bool) -> str:
    if kind in ("too_long", "too_short", "string_too_long", "string_too_short"):
        return f" {REDACTED}" if secret else ""
    if kind == "value_error" and isinstance(value, dict | list | tuple):
        return ""  # our own validators already say what in the collection is wrong
    return _got(value, secret)


def _got(value: Any, secret: bool) -> str:
    if secret or isinstance(value, Secret):
        return f" {REDACTED}"
    if isinstance(value, dict):
        return " (got a mapping)"
    if isinstance(value, list | tuple):
        return " (got a list)"
    if value is None:
        return " (got nothing)"
    if isinstance(value, bool):
        return f" (got {'true' if value else 'false'})"
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "…"
    return f" (got {shown})"


# ---------------------------------------------------------------- output


def _combine(findings: list[_Finding], raw: RawStack) -> list[Problem]:
    """Errors at the same place from several union branches become one message."""
    grouped: dict[tuple[FieldPath, str], list[_Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.path, finding.where), []).append(finding)
    problems = [_render(group, raw) for group in grouped.values()]
    return list(dict.fromkeys(problems))


def _render(group: list[_Finding], raw: RawStack) -> Problem:
    first = group[0]
    texts: list[str] = []
    for finding in group:
        text = finding.text
        if texts and text.startswith("must be ") and texts[0].startswith("must be "):
            text = text.removeprefix("must be ")
        if text not in texts:
            texts.append(text)
    message = " or ".join(texts) + first.got
    address = dotted(first.path)
    return _location(first, raw), f"{address}: {message}" if address else message


def _location(finding: _Finding, raw: RawStack) -> Location | None:
    if finding.where.startswith("key"):
        name = finding.where.partition(":")[2]
        path = (*finding.path, name) if name else finding.path
        return raw.key_locations.get(path) or nearest_location(raw, path)
    if finding.where == "parent":
        return nearest_location(raw, finding.path[:-1])
    return _quoted_item_location(finding, raw) or nearest_location(raw, finding.path)


def _quoted_item_location(finding: _Finding, raw: RawStack) -> Location | None:
    """An error about a list read from a line file that quotes one of its items points at
    that word's line in the file."""
    if finding.path not in raw.line_indexes:
        return None
    items = _get(raw.data, finding.path)
    if not isinstance(items, list):
        return None
    for index, item in enumerate(items):
        if isinstance(item, str) and repr(item) in finding.text:
            return nearest_location(raw, (*finding.path, index))
    return None


_ABSENT = object()


def _get(data: Any, path: FieldPath) -> Any:
    for segment in path:
        if not _has(data, segment):
            return _ABSENT
        data = data[segment]
    return data


def _has(data: Any, segment: str | int) -> bool:
    if isinstance(data, dict):
        return segment in data
    return isinstance(data, list) and isinstance(segment, int) and 0 <= segment < len(data)


# ---------------------------------------------------------------- field names of a model


def _field_names(model: type[BaseModel] | None, loc: tuple[str | int, ...]) -> list[str]:
    """Keys a user may write in the mapping at pydantic's `loc` (relative to `model`)."""
    names: list[str] = []
    for candidate in _models_at(model, loc):
        for name, info in candidate.model_fields.items():
            key = info.alias or name
            if key not in names:
                names.append(key)
    return names


def _models_at(model: type[BaseModel] | None, loc: tuple[str | int, ...]) -> list[type[BaseModel]]:
    """Walk the annotations along loc. A union branch label (a model's class name or a
    discriminator tag) narrows to that branch; any other segment that no type knows is
    skipped as a label."""
    candidates: list[Any] = [model] if model is not None else []
    for segment in loc:
        members = [t for c in candidates for t in _unwrap(c)]
        branch = [m for m in members if _is_model(m) and _labels(m, segment)]
        if branch and len(members) > 1:
            candidates = branch
            continue
        stepped = [step for c in candidates for step in _step(c, segment)]
        candidates = stepped or candidates
    return [t for c in candidates for t in _unwrap(c) if _is_model(t)]


def _labels(model: Any, segment: str | int) -> bool:
    """Is `segment` the label pydantic gives this union member: its name or its tag?"""
    if segment == model.__name__:
        return True
    return any(
        typing.get_origin(info.annotation) is typing.Literal and segment in typing.get_args(info.annotation)
        for info in model.model_fields.values()
    )


def _step(annotation: Any, segment: str | int) -> list[Any]:
    found: list[Any] = []
    for t in _unwrap(annotation):
        if _is_model(t):
            found.extend(
                info.annotation
                for name, info in t.model_fields.items()
                if segment in (name, info.alias, info.validation_alias)
            )
            continue
        origin, args = typing.get_origin(t), typing.get_args(t)
        if isinstance(segment, int) and origin in (list, tuple, set, frozenset) and args:
            found.append(args[0])
        elif isinstance(segment, str) and origin is dict and len(args) == 2:
            found.append(args[1])
    return found


def _source_at(model: type[BaseModel] | None, loc: tuple[str | int, ...]) -> str | None:
    """The words of the `Source` (stream_iac.kinds.common) declared with the field or item at
    pydantic's `loc`, if any: where the limit a value broke comes from. Walks the annotations as
    `_models_at` does, but keeps the metadata of `Annotated` (where a Source sits)."""
    if model is None:
        return None
    annotations: list[Any] = [model]
    segments = [s for i, s in enumerate(loc) if i + 1 == len(loc) or loc[i + 1] != "[key]"]  # "k", "[key]" → key
    for segment in segments:
        stepped = [step for annotation in annotations for step in _annotated_step(annotation, segment)]
        annotations = stepped or annotations  # a union branch label: stay
    for annotation in annotations:
        for meta in _metadata(annotation):
            if isinstance(meta, Source):
                return meta.text
    return None


def _annotated_step(annotation: Any, segment: str | int) -> list[Any]:
    """The annotations one segment further down, with their `Annotated` metadata."""
    found: list[Any] = []
    for t in _unwrap(annotation):
        if _is_model(t):
            for name, info in t.model_fields.items():
                if segment in (name, info.alias):
                    found.append(typing.Annotated[(info.annotation, *info.metadata)] if info.metadata
                                 else info.annotation)
            continue
        origin, args = typing.get_origin(t), typing.get_args(t)
        if isinstance(segment, int) and origin in (list, tuple, set, frozenset) and args:
            found.append(args[0])
        elif isinstance(segment, str) and origin is dict and len(args) == 2:
            found.append(args[0] if segment == "[key]" else args[1])
    return found


def _metadata(annotation: Any) -> list[Any]:
    """The `Annotated` metadata of an annotation, through unions (not into containers)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        return [*meta, *_metadata(base)]
    if origin is typing.Union or origin is types.UnionType:
        return [m for arg in typing.get_args(annotation) for m in _metadata(arg)]
    return []


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)
