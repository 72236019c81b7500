"""A tiny validation language for request bodies (types, enums, min/max, lengths, required, unknown keys).

Every violation raises ``ApiError`` 400 code 4. JSON ``null`` on an optional field is accepted here and
means "not given" unless the handler gives it a meaning (e.g. ``grants: null`` resets a scope).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Node:
    def check(self, value: Any, path: str) -> None:
        raise NotImplementedError


def _label(path: str) -> str:
    return path or "body"


@dataclass(frozen=True)
class Str(Node):
    min_len: int | None = None
    max_len: int | None = None
    enum: tuple[str, ...] | None = None

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise bad_request(f"{_label(path)} must be a string")
        if self.enum is not None and value not in self.enum:
            raise bad_request(f"{_label(path)} must be one of [{' '.join(self.enum)}]")
        if self.min_len is not None and len(value) < self.min_len:
            raise bad_request(f"{_label(path)} must be at least {self.min_len} characters long")
        if self.max_len is not None and len(value) > self.max_len:
            raise bad_request(f"{_label(path)} must be at most {self.max_len} characters long")


@dataclass(frozen=True)
class Int(Node):
    minimum: int | None = None
    maximum: int | None = None
    bits: int = 32

    def check(self, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request(f"{_label(path)} must be an integer")
        low, high = (INT32_MIN, INT32_MAX) if self.bits == 32 else (INT64_MIN, INT64_MAX)
        if not low <= value <= high:
            raise bad_request(f"{_label(path)} is out of range for int{self.bits}")
        if self.minimum is not None and value < self.minimum:
            raise bad_request(f"{_label(path)} must be greater than or equal to {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise bad_request(f"{_label(path)} must be less than or equal to {self.maximum}")


@dataclass(frozen=True)
class Num(Node):
    minimum: float | None = None
    maximum: float | None = None

    def check(self, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise bad_request(f"{_label(path)} must be a number")
        if self.minimum is not None and value < self.minimum:
            raise bad_request(f"{_label(path)} must be greater than or equal to {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise bad_request(f"{_label(path)} must be less than or equal to {self.maximum}")


@dataclass(frozen=True)
class Bool(Node):
    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            raise bad_request(f"{_label(path)} must be a boolean")


@dataclass(frozen=True)
class Timestamp(Node):
    """A date-time: integer/float (unix nanoseconds, or seconds when small) or an ISO-8601 string."""

    def check(self, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise bad_request(f"{_label(path)} must be a date-time")


@dataclass(frozen=True)
class AnyValue(Node):
    def check(self, value: Any, path: str) -> None:
        return None


@dataclass(frozen=True)
class Arr(Node):
    items: Node
    min_items: int | None = None
    max_items: int | None = None

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise bad_request(f"{_label(path)} must be an array")
        if self.min_items is not None and len(value) < self.min_items:
            raise bad_request(f"{_label(path)} must contain at least {self.min_items} items")
        if self.max_items is not None and len(value) > self.max_items:
            raise bad_request(f"{_label(path)} must contain at most {self.max_items} items")
        for index, item in enumerate(value):
            if item is None:
                raise bad_request(f"{_label(path)}[{index}] must not be null")
            self.items.check(item, f"{path}[{index}]")


@dataclass(frozen=True)
class MapOf(Node):
    values: Node

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise bad_request(f"{_label(path)} must be an object")
        for key, item in value.items():
            if item is None:
                continue
            self.values.check(item, f"{path}.{key}" if path else key)


@dataclass(frozen=True)
class Obj(Node):
    fields: Mapping[str, Node]
    required: tuple[str, ...] = ()
    closed: bool = True
    ignored: tuple[str, ...] = field(default=())

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise bad_request(f"{_label(path)} must be an object")
        for name in self.required:
            if value.get(name) is None:
                raise bad_request(f"{_join(path, name)} is a required field")
        for name, item in value.items():
            node = self.fields.get(name)
            if node is None:
                if self.closed and name not in self.ignored:
                    raise bad_request(f"unknown field {_join(path, name)}")
                continue
            if item is not None:
                node.check(item, _join(path, name))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def enum(*values: str) -> Str:
    return Str(enum=tuple(values))


def strings(max_items: int | None = None) -> Arr:
    return Arr(Str(), max_items=max_items)


def string_fields(names: Iterable[str]) -> dict[str, Node]:
    return {name: Str() for name in names}


def bool_fields(names: Iterable[str]) -> dict[str, Node]:
    return {name: Bool() for name in names}
