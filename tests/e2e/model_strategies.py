"""Hypothesis strategies built from a kind's pydantic model: each field's values are drawn from
its own constraints (Literal choices, `ge`/`le`, lengths, patterns, a json_schema_extra enum), and
a little beyond them (just past each bound, far past int32, one item too many), so that a test can
hold what `validate` accepts against what the emulator accepts.

Only what the model cannot say is given by hand, as `Override`s keyed by field path
("grants", "event_hooks[].sqs_secret"): values that must name other objects (roles, permission
ids, commands, blocklists), secrets (which a stack takes from ${env:}), and the fields whose
values `validate` checks with a validator rather than a constraint (blocklist words)."""

from __future__ import annotations

import string
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import annotated_types
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MAX = 2**63 - 1
# Free text: no "$" (it starts a ${...} reference); YAML look-alikes and non-ASCII are welcome.
TEXT_ALPHABET = string.ascii_letters + string.digits + " -_.,:!?[]()#'\"/é✓"
TRICKY_TEXT = ("null", "yes", "no", "on", "30", "1.5", "~", "true", " padded ", "a: b", "- x")

Strategy = st.SearchStrategy[Any]
Override = Callable[[], Strategy]
Overrides = Mapping[str, Override]


class Limits:
    """The constraints one annotation carries (merged from its Annotated metadata)."""

    def __init__(self) -> None:
        self.ge: float | None = None
        self.le: float | None = None
        self.min_len: int | None = None
        self.max_len: int | None = None
        self.pattern: str | None = None
        self.enum: list[Any] | None = None

    def add(self, meta: Any) -> None:
        if isinstance(meta, FieldInfo):
            for inner in meta.metadata:
                self.add(inner)
            extra = meta.json_schema_extra
            if isinstance(extra, dict) and isinstance(extra.get("enum"), list):
                self.enum = list(extra["enum"])
            return
        if isinstance(meta, annotated_types.Ge):
            self.ge = meta.ge  # type: ignore[assignment]
        elif isinstance(meta, annotated_types.Le):
            self.le = meta.le  # type: ignore[assignment]
        elif isinstance(meta, annotated_types.MinLen):
            self.min_len = meta.min_length
        elif isinstance(meta, annotated_types.MaxLen):
            self.max_len = meta.max_length
        elif getattr(meta, "pattern", None) is not None:
            self.pattern = meta.pattern


def _split(annotation: Any, limits: Limits) -> Any:
    """The annotation without Annotated wrappers, their constraints added to `limits`."""
    while typing.get_origin(annotation) is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        for item in meta:
            limits.add(item)
        annotation = base
    return annotation


def _members(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _mostly(inside: Strategy, at_bounds: list[Any], outside: list[Any]) -> Strategy:
    """Values within the constraints 16 times in 20, at a bound twice, past one twice: an example
    with ten constrained fields is still valid half the time."""
    def pick(n: int) -> Strategy:
        if n < 16 or not (at_bounds or outside):
            return inside
        if n < 18 or not outside:
            return st.sampled_from(at_bounds or outside)
        return st.sampled_from(outside)
    return st.integers(0, 19).flatmap(pick)


def integers(limits: Limits) -> Strategy:
    """Within the bounds (int32 when none is given), at them, or past them: just past, or far
    beyond int32 (`validate` must refuse what the API would)."""
    low = int(limits.ge) if limits.ge is not None else INT32_MIN
    high = int(limits.le) if limits.le is not None else INT64_MAX
    top = min(high, INT32_MAX)
    outside = [low - 1, high + 1, INT32_MAX + 1, 2**40] if limits.le is not None else [INT32_MAX + 1, 2**40]
    return _mostly(st.integers(low, top), [low, top], [v for v in outside if not low <= v <= high or v > INT32_MAX])


def numbers(limits: Limits) -> Strategy:
    low = limits.ge if limits.ge is not None else -1e6
    high = limits.le if limits.le is not None else 1e6
    return _mostly(st.floats(low, high, allow_nan=False, allow_infinity=False), [low, high],
                   [low - 0.5, high + 0.5])


def texts(limits: Limits) -> Strategy:
    if limits.enum is not None:
        return choices(limits.enum)
    if limits.pattern is not None:
        return _mostly(st.from_regex(limits.pattern, fullmatch=True), [], ["", "not that pattern!"])
    low = limits.min_len or 0
    high = limits.max_len if limits.max_len is not None else 40
    tricky = [t for t in TRICKY_TEXT if low <= len(t) <= high]
    inside = st.one_of(st.text(TEXT_ALPHABET, min_size=low, max_size=min(high, 40)), st.sampled_from(tricky)) \
        if tricky else st.text(TEXT_ALPHABET, min_size=low, max_size=min(high, 40))
    at_bounds = ["x" * low, "x" * high] if limits.max_len is not None else ["x" * low]
    outside = ["x" * (high + 1)] if limits.max_len is not None else []
    if low > 0:
        outside.append("x" * (low - 1))
    return _mostly(inside, at_bounds, outside)


def choices(values: Any) -> Strategy:
    """One of the allowed values, or now and then a near miss (another case, a typo)."""
    values = list(values)
    misses = [v.upper() if v != v.upper() else v.lower() for v in values if isinstance(v, str)][:3]
    return _mostly(st.sampled_from(values), [], [m for m in misses if m not in values] + ["no-such-value"])


def timestamps() -> Strategy:
    """RFC 3339 text with a time zone (in UTC or another offset), or now and then without one
    (which a stack's date-times must have)."""
    zones = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5))])
    moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones)
    return _mostly(moments.map(lambda moment: moment.isoformat()), ["2025-01-31T00:00:00Z"],
                   ["2025-01-31T00:00:00", "31/01/2025"])


def json_values() -> Strategy:
    scalars = st.one_of(st.booleans(), st.integers(-5, 5), st.text(TEXT_ALPHABET, max_size=8))
    return st.one_of(scalars, st.lists(scalars, max_size=2))


class ModelStrategies:
    """Strategies for the fields of one kind's model; `overrides` by field path win."""

    def __init__(self, overrides: Overrides | None = None) -> None:
        self.overrides = dict(overrides or {})

    def for_model(self, model: type[BaseModel], path: str = "", *, required_only: bool = False) -> Strategy:
        """A body: every required field, and a random subset of the optional ones."""
        required: dict[str, Strategy] = {}
        optional: dict[str, Strategy] = {}
        for name, info in model.model_fields.items():
            key = info.alias or name
            field_path = f"{path}.{key}" if path else key
            annotation = typing.Annotated[(info.annotation, info)]  # the FieldInfo: constraints and extras
            strategy = self.for_annotation(annotation, field_path)
            (required if info.is_required() else optional)[key] = strategy
        if required_only:
            optional = {}
        return st.fixed_dictionaries(required, optional=optional)

    def for_annotation(self, annotation: Any, path: str) -> Strategy:
        if path in self.overrides:
            return self.overrides[path]()
        limits = Limits()
        bare = _split(annotation, limits)
        members = _members(bare)
        if len(members) > 1:
            return st.one_of(*(self.for_annotation(m, path) for m in members))
        bare = _split(members[0], limits)
        origin, args = typing.get_origin(bare), typing.get_args(bare)
        if origin is typing.Literal:
            return choices(args)
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            return self.for_model(bare, path)
        if origin is list:
            item = self.for_annotation(args[0], f"{path}[]")
            high = limits.max_len if limits.max_len is not None else 4
            return st.lists(item, min_size=limits.min_len or 0, max_size=min(high + 1, 12))
        if origin is dict:
            keys = self.for_annotation(args[0], f"{path}{{}}")
            values = self.for_annotation(args[1], f"{path}.*")
            return st.dictionaries(keys, values, max_size=3)
        if bare is bool:
            return st.booleans()
        if bare is int:
            return integers(limits)
        if bare is float:
            return numbers(limits)
        if bare is str:
            return texts(limits)
        if bare is Any:
            return json_values()
        if bare is AwareDatetime or isinstance(bare, type) and issubclass(bare, datetime):
            return timestamps()
        raise TypeError(f"{path}: no strategy for {annotation!r}")
