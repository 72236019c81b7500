"""What a resource kind declares. The planner, diff engine and executor are generic over
this class: everything that differs between kinds is data here, or one of the small hooks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, get_args
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from stream_iac.paths import FieldPath

JSON = dict[str, Any]
BUILTIN_MARK = "__builtin__"  # set on live objects the API reports as built-in; never compared


class ApiCaller(Protocol):
    async def call(
        self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> dict[str, Any]: ...


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


@dataclass(frozen=True)
class Endpoint:
    op: str
    method: str
    path: str  # may contain {name} and other {field} placeholders filled from the object
    wrap: str | None = None  # body envelope key, e.g. "push_provider"

    def url(self, name: str, obj: Mapping[str, Any] | None = None) -> str:
        values = {k: quote(str(v), safe="") for k, v in (obj or {}).items() if isinstance(v, str)}
        values["name"] = quote(name, safe="")
        return self.path.format(**values)

    async def send(self, api: ApiCaller, name: str, body: JSON | None, obj: Mapping[str, Any] | None = None) -> JSON:
        payload: Any = body
        if self.wrap and body is not None:
            payload = {self.wrap: body}
        return await api.call(self.op, self.method, self.url(name, obj), body=payload)


@dataclass(frozen=True)
class Lister:
    """How to read every live object of a kind in one call (plus pages where the API pages)."""

    op: str
    path: str
    key: str  # response key holding the objects
    name_field: str = "name"  # for list-shaped responses; map-shaped ones are keyed by name
    page_size: int | None = None  # cursor pagination (blocklists)

    async def read(self, api: ApiCaller) -> dict[str, JSON]:
        found: dict[str, JSON] = {}
        cursor: str | None = None
        while True:
            params: dict[str, Any] | None = None
            if self.page_size:
                params = {"limit": self.page_size, **({"cursor": cursor} if cursor else {})}
            data = await api.call(self.op, "GET", self.path, params=params)
            items = data.get(self.key) or {}
            if isinstance(items, dict):
                found.update({str(k): v for k, v in items.items()})
            else:
                found.update({str(item[self.name_field]): item for item in items})
            cursor = data.get("next_cursor") if self.page_size else None
            if not cursor:
                return found


Refs = list[tuple[str, str]]  # (kind, name) pairs an object refers to
Context = Mapping[str, Mapping[str, JSON]]  # kind -> name -> body (desired over live)


@dataclass(frozen=True)
class Kind:
    """A resource kind, mostly declaration.

    Paths below use the pattern language of `stream_iac.paths`.
    * set_paths: lists whose order does not matter.
    * secret_paths: values never compared, shown or stored; sent on create (and --rotate-secrets).
    * secret_presence_paths: secrets whose *presence* the API reports ("" when unset).
    * merge_map_paths: maps the API merges key by key (grants): only declared keys are sent.
    * required_on_update: fields every update must carry (taken from the stack, else from live).
    * update_after_create: fields the create call does not take; set by an update right after.
    * immutable: fields that cannot change once created.
    * full_update: the update call replaces the object, so it sends every declared field.
    """

    name: str
    title: str
    model: type[StackModel]
    lister: Lister | None
    normalise: Callable[[JSON], JSON]
    create: Endpoint | None = None
    update: Endpoint | None = None
    delete: Endpoint | None = None
    singleton: bool = False
    set_paths: frozenset[str] = frozenset()
    secret_paths: frozenset[str] = frozenset()
    secret_presence_paths: frozenset[str] = frozenset()
    merge_map_paths: frozenset[str] = frozenset()
    required_on_update: tuple[str, ...] = ()
    create_defaults: Mapping[str, Any] = field(default_factory=dict)
    update_after_create: tuple[str, ...] = ()
    # Values the create call does not accept: created with the substitute, then set by the
    # update right after (automod_behavior shadow_block is an update-only value).
    create_substitutes: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    immutable: tuple[str, ...] = ()
    full_update: bool = False
    name_in_body: str | None = "name"  # field carrying the name in create bodies
    references: Callable[[JSON], Refs] = lambda body: []
    # Objects a write must wait for when this plan creates them, but that need not exist.
    ordering_references: Callable[[JSON], Refs] = lambda body: []
    # Rewrites a desired body into the form the API reports (e.g. command sets expanded),
    # given every desired and live object by kind.
    expand: Callable[[JSON, Context], JSON] = lambda body, context: body
    is_builtin: Callable[[str, JSON], bool] = lambda name, live: False
    builtin_names: frozenset[str] = frozenset()
    read_singleton: Callable[[ApiCaller], Any] | None = None
    delete_body: Callable[[str], JSON] | None = None
    order: int = 50  # tie-break for output order and for kinds with no explicit dependency
    # Whether a reference to an unknown object of this kind stops a plan, or only warns (for
    # kinds whose list call may not show every built-in, like permissions).
    unknown_reference_is_error: bool = True
    listed_by_name: bool = False  # the stack lists objects as names (roles: [a, b])
    max_objects: int | None = None  # the API's limit on objects of this kind per app
    name_rule: Callable[[str], str | None] = lambda name: None  # a problem with a name, or None
    # Export (stream_iac/export.py). export_defaults: the values an object of this name has when
    # nothing set them, given every live object by kind; an export leaves out fields equal to them
    # (maps the API merges key by key are compared key by key). export_builtins: built-in objects
    # can be changed, so they are exported with what differs from their defaults; otherwise never.
    # export_secrets: paths of the secrets a live object holds (the API never returns them),
    # exported as ${env:} references. export_filter: drops what a stack cannot declare for this object.
    export_defaults: Callable[[str, Context], Mapping[str, Any]] = lambda name, live: {}
    export_builtins: bool = False
    export_secrets: Callable[[JSON], tuple[FieldPath, ...]] = lambda live: ()
    export_filter: Callable[[JSON], JSON] = lambda live: live

    def address(self, name: str) -> str:
        return self.name if self.singleton else f"{self.name}.{name}"

    async def read_live(self, api: ApiCaller) -> dict[str, JSON]:
        """Every live object, normalised to the stack's shape."""
        if self.read_singleton is not None:
            raw = await self.read_singleton(api)
            return {self.name: self.normalise(raw)}
        assert self.lister is not None
        raw_objects = await self.lister.read(api)
        return {name: self._normalise_marked(name, obj) for name, obj in raw_objects.items()}

    def _normalise_marked(self, name: str, raw: JSON) -> JSON:
        body = self.normalise(raw)
        if self.builtin(name, raw):
            body[BUILTIN_MARK] = True
        return body

    def builtin(self, name: str, live: JSON) -> bool:
        return name in self.builtin_names or bool(live.get(BUILTIN_MARK)) or self.is_builtin(name, live)

    def create_body(self, name: str, payload: JSON) -> JSON:
        body = {**self.create_defaults, **payload}
        if self.name_in_body:
            body[self.name_in_body] = name
        return body

    async def send_create(self, api: ApiCaller, name: str, payload: JSON) -> None:
        assert self.create is not None
        await self.create.send(api, name, self.create_body(name, payload), payload)

    async def send_update(self, api: ApiCaller, name: str, payload: JSON) -> None:
        assert self.update is not None
        body = dict(payload)
        if self.name_in_body and "{name}" not in self.update.path:
            body[self.name_in_body] = name
        await self.update.send(api, name, body, payload)

    async def send_delete(self, api: ApiCaller, name: str, live: JSON) -> None:
        assert self.delete is not None
        body = self.delete_body(name) if self.delete_body else None
        await self.delete.send(api, name, body, live)
