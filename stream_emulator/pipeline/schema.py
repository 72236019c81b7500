"""A tiny validation language for request bodies (types, enums, min/max, lengths, required, unknown keys).

Every violation raises ``ApiError`` 400 code 4. JSON ``null`` on an optional field is accepted here and
means "not given" unless the handler gives it a meaning (e.g. ``grants: null`` resets a scope).

Unknown keys are treated as Stream's API treats them: the server decodes bodies the way Go's
``encoding/json`` does, so a key that names no field is ignored, and a key that differs from a field
only in letter case (``apn_config.disabled`` for ``Disabled``, as the Node SDK spells it) *is* that
field. ``check`` therefore works in one of two modes:

* default (``strict=False``): unknown keys are removed from the body (so they are never stored or
  returned), and so are ``extensions`` - fields the official SDKs send although the spec does not
  define them - after the handler has had the chance to read them;
* ``strict=True``: an unknown key, or an extension, is refused (400, code 4), so a client is held to
  the fields the official spec defines.

Either way a key matching a field in another letter case is renamed to the field's own spelling.
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
    def check(self, value: Any, path: str, strict: bool = True) -> None:
        """Raise a 400 ``ApiError`` unless ``value`` fits; objects are normalised in place (see the module)."""
        raise NotImplementedError


def _label(path: str) -> str:
    return path or "body"


@dataclass(frozen=True)
class Str(Node):
    min_len: int | None = None
    max_len: int | None = None
    enum: tuple[str, ...] | None = None

    def check(self, value: Any, path: str, strict: bool = True) -> None:
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

    def check(self, value: Any, path: str, strict: bool = True) -> None:
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

    def check(self, value: Any, path: str, strict: bool = True) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise bad_request(f"{_label(path)} must be a number")
        if self.minimum is not None and value < self.minimum:
            raise bad_request(f"{_label(path)} must be greater than or equal to {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise bad_request(f"{_label(path)} must be less than or equal to {self.maximum}")


@dataclass(frozen=True)
class Bool(Node):
    def check(self, value: Any, path: str, strict: bool = True) -> None:
        if not isinstance(value, bool):
            raise bad_request(f"{_label(path)} must be a boolean")


@dataclass(frozen=True)
class Timestamp(Node):
    """A date-time: integer/float (unix nanoseconds, or seconds when small) or an ISO-8601 string."""

    def check(self, value: Any, path: str, strict: bool = True) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise bad_request(f"{_label(path)} must be a date-time")


@dataclass(frozen=True)
class AnyValue(Node):
    def check(self, value: Any, path: str, strict: bool = True) -> None:
        return None


@dataclass(frozen=True)
class Arr(Node):
    items: Node
    min_items: int | None = None
    max_items: int | None = None

    def check(self, value: Any, path: str, strict: bool = True) -> None:
        if not isinstance(value, list):
            raise bad_request(f"{_label(path)} must be an array")
        if self.min_items is not None and len(value) < self.min_items:
            raise bad_request(f"{_label(path)} must contain at least {self.min_items} items")
        if self.max_items is not None and len(value) > self.max_items:
            raise bad_request(f"{_label(path)} must contain at most {self.max_items} items")
        for index, item in enumerate(value):
            if item is None:
                raise bad_request(f"{_label(path)}[{index}] must not be null")
            self.items.check(item, f"{path}[{index}]", strict)


@dataclass(frozen=True)
class MapOf(Node):
    values: Node

    def check(self, value: Any, path: str, strict: bool = True) -> None:
        if not isinstance(value, dict):
            raise bad_request(f"{_label(path)} must be an object")
        for key, item in value.items():
            if item is None:
                continue
            self.values.check(item, f"{path}.{key}" if path else key, strict)


@dataclass(frozen=True)
class Obj(Node):
    """A JSON object. ``fields`` are the spec's; ``extensions`` are fields the official SDKs send that the
    spec does not define (accepted, and readable by the handler, only when not strict); ``ignored``
    keys are accepted and dropped in both modes; ``closed=False`` keeps any other key as it is
    (free-form objects such as a user's custom data)."""

    fields: Mapping[str, Node]
    required: tuple[str, ...] = ()
    closed: bool = True
    ignored: tuple[str, ...] = field(default=())
    extensions: Mapping[str, Node] = field(default_factory=dict)

    def check(self, value: Any, path: str, strict: bool = True) -> None:
        if not isinstance(value, dict):
            raise bad_request(f"{_label(path)} must be an object")
        if self.closed:
            self._normalise_keys(value, path, strict)
        for name in self.required:
            if value.get(name) is None:
                raise bad_request(f"{_join(path, name)} is a required field")
        for name, item in value.items():
            node = self.fields.get(name) or self.extensions.get(name)
            if node is not None and item is not None:
                node.check(item, _join(path, name), strict)

    def __post_init__(self) -> None:
        names = {name.lower(): name for name in [*self.fields, *self.extensions]}
        object.__setattr__(self, "_names_by_lower_case", names)

    def _normalise_keys(self, value: dict[str, Any], path: str, strict: bool) -> None:
        """Rename keys spelled in another letter case; refuse (strict) or drop unknown keys."""
        names: dict[str, str] = self.__dict__["_names_by_lower_case"]
        for key in list(value):
            if key in self.fields:
                continue
            canonical = key if key in self.extensions else names.get(key.lower())
            if canonical is None or (strict and canonical in self.extensions):
                if strict and key not in self.ignored:
                    raise bad_request(f"unknown field {_join(path, key)}")
                del value[key]
            elif canonical != key:
                value.setdefault(canonical, value.pop(key))

    def without_extensions(self, value: dict[str, Any]) -> dict[str, Any]:
        """``value`` without this object's extension keys (what may be stored)."""
        return {key: item for key, item in value.items() if key not in self.extensions}


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
