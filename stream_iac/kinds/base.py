"""What a resource kind declares. The loader, validation, planner, executor, reader, export and
schema are generic over this class: everything that differs between kinds is data in one of
the facets below, or a small hook a kind module defines next to its declaration.

A kind module reads as one declaration:

    KIND = Kind(
        name="commands",
        shape=Shape(model=Command, normalise=normalise, name_rule=...),
        api=Api(read=Lister(...), create=Endpoint(...), update=..., delete=...),
        writes=Writes(required_on_update=("description",)),
    )

Field patterns use the language of `stream_iac.paths` ("grants.*", "event_hooks[].sqs_secret").
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from stream_iac.paths import FieldPath

JSON = dict[str, Any]
BUILTIN_MARK = "__builtin__"  # set on live objects the API reports as built-in; never compared

Refs = list[tuple[str, str]]  # (kind, name) pairs an object refers to
Context = Mapping[str, Mapping[str, JSON]]  # kind -> name -> body (desired over live)


def _is_number_type(annotation: Any) -> bool:
    if annotation in (int, float):
        return True
    return any(_is_number_type(arg) for arg in get_args(annotation))


class StackPart(BaseModel):
    """Base of every model of stack content: unknown keys are errors, and YAML's true/false is
    never taken as a number (pydantic would read `max_message_length: yes` as 1)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_not_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None and _wants_number(cls, info.field_name):
            raise ValueError("must be a number, not true/false (YAML reads unquoted yes/no/on/off as true/false)")
        return value


@functools.cache
def _wants_number(model: type[BaseModel], field_name: str) -> bool:
    """Whether a field takes numbers but not booleans (asked for every boolean in a stack)."""
    annotation = model.model_fields[field_name].annotation
    return _is_number_type(annotation) and not _is_bool_type(annotation)


def _is_bool_type(annotation: Any) -> bool:
    return annotation is bool or any(_is_bool_type(arg) for arg in get_args(annotation))


class StackModel(StackPart):
    """Base of every stack object model."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, use_enum_values=True)


# ---------------------------------------------------------------- the API's calls


@dataclass(frozen=True)
class Lister:
    """The call that lists every object of a kind (plus cursor pages where the API pages).
    `key` names the response field holding the objects: a list of objects with a `name_field`,
    a map by name, or, with `name_field=None`, the one object of a singleton kind."""

    op: str
    path: str
    key: str
    name_field: str | None = "name"
    page_size: int | None = None


@dataclass(frozen=True)
class Endpoint:
    """One write call. `path` may hold `{name}` and other `{field}` placeholders, filled from the
    object; when it does not hold `{name}`, the name travels in the body as `name_field`.
    `wrap` is the body's envelope key (e.g. "push_provider")."""

    op: str
    method: str
    path: str
    name_field: str | None = None
    wrap: str | None = None

    def url(self, name: str, obj: Mapping[str, Any] | None = None) -> str:
        """The request path for object `name` (placeholders URL-quoted)."""
        values = {k: quote(str(v), safe="") for k, v in (obj or {}).items() if isinstance(v, str)}
        values["name"] = quote(name, safe="")
        return self.path.format(**values)

    def body(self, name: str, payload: JSON | None) -> JSON | None:
        """The request body for object `name`: the payload, the name where the path lacks it,
        and the envelope."""
        body = dict(payload) if payload is not None else None
        if self.name_field and "{name}" not in self.path:
            body = {**(body or {}), self.name_field: name}
        if self.wrap and body is not None:
            return {self.wrap: body}
        return body


@dataclass(frozen=True)
class Api:
    """How the API reads and writes the kind. A kind without `create` cannot be created (a
    singleton); without `delete`, never deleted."""

    read: Lister
    create: Endpoint | None = None
    update: Endpoint | None = None
    delete: Endpoint | None = None


# ---------------------------------------------------------------- the stack's side


def _no_problem(name: str) -> str | None:
    return None


def _as_is(body: JSON, context: Context) -> JSON:
    return body


@dataclass(frozen=True)
class Shape:
    """How a stack declares the kind, and how a live object is brought to that shape.

    * layout: "mapping" (name: settings), "names" (a list of names, concatenated across files),
      or "singleton" (one mapping of settings, named after the kind).
    * normalise: a live object as the API returns it → the fields the model declares.
    * expand: a desired body → the form the API reports (e.g. command sets expanded), given every
      desired and live object by kind.
    * line_files: fields whose value names a text file read one item per line into another field
      (`words_file` → `words`).
    * noun: what one object (or a singleton's settings) is called in messages.
    """

    model: type[StackModel]
    normalise: Callable[[JSON], JSON]
    layout: Literal["mapping", "names", "singleton"] = "mapping"
    max_objects: int | None = None  # the API's limit on objects of this kind per app
    name_rule: Callable[[str], str | None] = _no_problem  # a problem with a name, or None
    expand: Callable[[JSON, Context], JSON] = _as_is
    line_files: Mapping[str, str] = field(default_factory=dict)
    noun: str = "object"

    @property
    def singleton(self) -> bool:
        return self.layout == "singleton"


@dataclass(frozen=True)
class Fields:
    """Field semantics the diff engine follows.

    * sets: lists whose order does not matter.
    * secrets: values never compared, shown or stored; sent on create (and --rotate-secrets).
    * secret_presence: secrets whose *presence* the API reports ("" when unset).
    * merge_maps: maps the API merges key by key (grants): only changed keys are sent.
    * immutable: fields that cannot change once created.
    """

    sets: frozenset[str] = frozenset()
    secrets: frozenset[str] = frozenset()
    secret_presence: frozenset[str] = frozenset()
    merge_maps: frozenset[str] = frozenset()
    immutable: tuple[str, ...] = ()


def _create_whole(body: JSON) -> tuple[JSON, JSON]:
    return body, {}


@dataclass(frozen=True)
class Writes:
    """What the write calls must carry.

    * full_update: the update replaces the object, so it sends every declared field.
    * required_on_update: fields every update must carry (from the stack, else from live).
    * create_defaults: values a create sends for fields the stack leaves out.
    * split_create: a create body → (what the create call takes, what an update right after
      must set); for kinds whose create call refuses some fields or values.
    """

    full_update: bool = False
    required_on_update: tuple[str, ...] = ()
    create_defaults: Mapping[str, Any] = field(default_factory=dict)
    split_create: Callable[[JSON], tuple[JSON, JSON]] = _create_whole


def _no_refs(body: JSON) -> Refs:
    return []


@dataclass(frozen=True)
class References:
    """What an object refers to (kind, name), read from a body in the API's form.

    * find: references whose target must exist.
    * ordering: objects a write must wait for when the plan creates them, but that need not exist.
    * missing_is_error: whether a reference to an unknown object *of this kind* stops a plan, or
      only warns (for kinds whose list call may not show every built-in).
    """

    find: Callable[[JSON], Refs] = _no_refs
    ordering: Callable[[JSON], Refs] = _no_refs
    missing_is_error: bool = True


def _never(name: str, live: JSON) -> bool:
    return False


@dataclass(frozen=True)
class Builtins:
    """Objects every app has: never created, deleted or pruned."""

    names: frozenset[str] = frozenset()
    detect: Callable[[str, JSON], bool] = _never  # from a live object (e.g. `custom: false`)


def _no_defaults(name: str, live: Context) -> Mapping[str, Any]:
    return {}


def _no_secrets(live: JSON) -> tuple[FieldPath, ...]:
    return ()


def _whole(live: JSON) -> JSON:
    return live


@dataclass(frozen=True)
class Export:
    """How `export` writes live objects of the kind as a stack.

    * defaults: the values an object of this name has when nothing set them, given every live
      object by kind; left out of the export (merge maps key by key).
    * builtins: built-in objects can be changed, so they are exported with what differs from
      their defaults; otherwise never.
    * secrets: paths of the secrets a live object holds (the API never returns them), exported
      as ${env:} references.
    * env_word: the word for the kind in those variables' names (default: the kind's name).
    * filter: drops what a stack cannot declare for this object.
    """

    defaults: Callable[[str, Context], Mapping[str, Any]] = _no_defaults
    builtins: bool = False
    secrets: Callable[[JSON], tuple[FieldPath, ...]] = _no_secrets
    env_word: str | None = None
    filter: Callable[[JSON], JSON] = _whole


# ---------------------------------------------------------------- the kind


@dataclass(frozen=True)
class Kind:
    """A resource kind: its name (the stack's top-level key and the address prefix) and its
    facets. Dependency order is not here: see `stream_iac.kinds.LEVELS`."""

    name: str
    shape: Shape
    api: Api
    fields: Fields = Fields()
    writes: Writes = Writes()
    refs: References = References()
    builtins: Builtins = Builtins()
    export: Export = Export()
    # Derived from shape.layout once: asked for every object of every plan.
    singleton: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "singleton", self.shape.singleton)

    def address(self, name: str) -> str:
        """`channel_types.support`; a singleton's address is the kind's name."""
        return self.name if self.singleton else f"{self.name}.{name}"

    def builtin(self, name: str, live: JSON) -> bool:
        """Whether object `name` (live as `live`, or {} when only the name is known) is built-in."""
        return name in self.builtins.names or bool(live.get(BUILTIN_MARK)) or self.builtins.detect(name, live)
