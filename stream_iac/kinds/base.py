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

from stream_iac import startup
from stream_iac.paths import FieldPath

JSON = dict[str, Any]
BUILTIN_MARK = "__builtin__"  # set on live objects the API reports as built-in; never compared
# On live objects of kinds whose updates replace (Writes.replaces): the fields an update must carry
# that the model does not hold, as the API returned them. Never compared, rendered or exported.
RAW_MARK = "__raw__"

Refs = list[tuple[str, str]]  # (kind, name) pairs an object refers to
Context = Mapping[str, Mapping[str, JSON]]  # kind -> name -> body (desired over live)


def _is_number_type(annotation: Any) -> bool:
    if annotation in (int, float):
        return True
    return any(_is_number_type(arg) for arg in get_args(annotation))


class StackPart(BaseModel):
    """Base of every model of stack content: unknown keys are errors, and YAML's true/false is
    never taken as a number (pydantic would read `max_message_length: yes` as 1)."""

    # A field's description is the docstring under it (it flows into the JSON Schema, the field
    # reference in docs/reference/ and `stream-iac explain`).
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=startup.FIELD_DOCS)

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

    model_config = ConfigDict(extra="forbid", populate_by_name=True, use_enum_values=True,
                              use_attribute_docstrings=startup.FIELD_DOCS)


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
    fan_out: FanOut | None = None


@dataclass(frozen=True)
class FanOut:
    """A list call that lists only what its query parameters select (GetPushTemplates: one
    provider type, optionally one provider, per call), so it is made once per query.

    * queries: the live objects of kind `over` as the API returned them (empty without `over`)
      → the query parameters of each call.
    * name: the parameters of one call and one object it returned → that object's name, or None
      when the object belongs to another call's answer (a type-wide call also returns each
      provider's templates).
    * over: the kind whose live objects the calls are built from. The calls `queries({})` gives
      are made at once, and so are those for the objects of `over` the reader's hint names (the
      desired state: a stack that declares them needs no second round); the others once that
      kind's list is read. `queries` must give the same query for the same name and fields
      whether the object comes from the hint or from the API.
    """

    queries: Callable[[Mapping[str, JSON]], list[dict[str, str]]]
    name: Callable[[Mapping[str, str], JSON], str | None]
    over: str | None = None


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

    def name_problem(self, name: str) -> str | None:
        """Why `name` cannot be an object's name when a write call puts it in the request path,
        or None (see `path_segment_problem`)."""
        paths = [e.path for e in (self.create, self.update, self.delete) if e is not None and "{name}" in e.path]
        return path_segment_problem(name, paths[0]) if paths else None


# Path segments that do not survive the trip to the server: HTTP clients (httpx among them) remove
# dot segments (RFC 3986 section 5.2.4), and an empty segment leaves the path of the collection. A
# request for such a name reaches another resource. `quote(name, safe="")` escapes every other
# character, so these are the only names that cannot round-trip (tests/unit/test_url_names.py
# checks this against httpx itself).
_UNSAFE_SEGMENTS = {
    "": "an empty name leaves an empty segment, the path of the whole collection",
    ".": "HTTP clients remove '.' (it means 'this folder')",
    "..": "HTTP clients remove '..' and the segment before it (it means 'the parent folder')",
}


def path_segment_problem(name: str, path: str) -> str | None:
    """Why `name`, filled into `path` at `{name}`, would not reach the object, or None."""
    segment = quote(name, safe="")
    if segment not in _UNSAFE_SEGMENTS:
        return None
    return (f"{name!r} cannot be used as a name: names go into request paths ({path}), where "
            f"{_UNSAFE_SEGMENTS[segment]}, so the request would reach another resource")


# ---------------------------------------------------------------- the stack's side


def _no_problem(name: str) -> str | None:
    return None


def _as_is(body: JSON, context: Context) -> JSON:
    return body


def _nothing_named(name: str) -> JSON:
    return {}


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
    * name_fields: the request fields an object's name stands for (a push template's provider
      type, provider and event type); added to each declared and each live body, so they are
      written and compared like declared fields, but never declared themselves (export drops
      them with its filter).
    """

    model: type[StackModel]
    normalise: Callable[[JSON], JSON]
    layout: Literal["mapping", "names", "singleton"] = "mapping"
    max_objects: int | None = None  # the API's limit on objects of this kind per app
    max_objects_source: str = ""  # where that limit is stated, in its source's words
    name_rule: Callable[[str], str | None] = _no_problem  # a problem with a name, or None
    expand: Callable[[JSON, Context], JSON] = _as_is
    line_files: Mapping[str, str] = field(default_factory=dict)
    noun: str = "object"
    name_fields: Callable[[str], JSON] = _nothing_named

    @property
    def singleton(self) -> bool:
        return self.layout == "singleton"


@dataclass(frozen=True)
class Fields:
    """Field semantics the diff engine follows.

    * sets: lists whose order does not matter.
    * secrets: values never compared, shown or stored; sent on create, with updates that replace
      their object (see Writes), and on --resend-write-only (alias --rotate-secrets).
    * write_only: values the API takes but never returns, so never compared; they follow the rules
      of secrets (sent on create, with replacing updates, and on --resend-write-only) but are not
      hidden. Every plan names the declared secrets and write-only fields it could not compare.
    * secret_presence: secrets whose *presence* the API reports ("" when unset).
    * merge_maps: maps the API merges key by key (grants): only changed keys are sent.
    * immutable: fields that cannot change once created.
    * identities: top-level lists whose items the API identifies by a key it assigns (event hooks
      by `id`): compared item by item, changes named by that key (`event_hooks[id=h1].timeout_ms`).
    """

    sets: frozenset[str] = frozenset()
    secrets: frozenset[str] = frozenset()
    write_only: frozenset[str] = frozenset()
    secret_presence: frozenset[str] = frozenset()
    merge_maps: frozenset[str] = frozenset()
    immutable: tuple[str, ...] = ()
    identities: Mapping[str, Identity] = field(default_factory=dict)


@dataclass(frozen=True)
class Identity:
    """How the API identifies the items of a list: by `key`, a field it assigns, which the kind's
    normalise keeps in each live item. A stack does not name it, so a declared item is the live
    item with the same key if it names one, else the first unclaimed live item equal to it on
    every declared field, else the first unclaimed one with the same `match` fields (in order).
    Other declared items are new; other live items are removed (the API replaces the list)."""

    key: str
    match: tuple[str, ...] = ()


@dataclass(frozen=True)
class Replaced:
    """Where an update replaces what it writes, so whatever it leaves out is lost: the whole object
    (`at=""`), or each item of a top-level list with an Identity (`at="event_hooks[]"`). There the
    update carries the live value of every field the stack does not declare: the model's fields
    from the live object, and the `extra` fields the write call takes that the model does not
    hold (the reader keeps those under RAW_MARK). Secrets are never carried (the API does not
    return them): those in `Writes.kept_secrets` the API keeps when a write leaves them out; any
    other secret the stack declares is sent with every update of the object or item."""

    at: str = ""
    extra: frozenset[str] = frozenset()

    @property
    def list_field(self) -> str | None:
        """The list whose items are replaced, or None for the whole object."""
        return self.at.removesuffix("[]") if self.at.endswith("[]") else None


def _create_whole(body: JSON) -> tuple[JSON, JSON]:
    return body, {}


@dataclass(frozen=True)
class Writes:
    """What the write calls must carry.

    * replaces: where the update replaces what it writes (see Replaced); elsewhere it changes
      only the fields it sends.
    * kept_secrets: secrets the API keeps when a write of their object (or item) leaves them out;
      sent only on create, for a new item, when the API reports them unset, and on
      --resend-write-only.
    * required_on_update: fields every update must carry (from the stack, else from live).
    * create_defaults: values a create sends for fields the stack leaves out.
    * split_create: a create body → (what the create call takes, what an update right after
      must set); for kinds whose create call refuses some fields or values.
    """

    replaces: tuple[Replaced, ...] = ()
    kept_secrets: frozenset[str] = frozenset()
    required_on_update: tuple[str, ...] = ()
    create_defaults: Mapping[str, Any] = field(default_factory=dict)
    split_create: Callable[[JSON], tuple[JSON, JSON]] = _create_whole


def _no_refs(body: JSON) -> Refs:
    return []


def _always_fits(body: JSON, target: tuple[str, str], target_body: JSON) -> str | None:
    return None


def _listed(name: str, live: Mapping[str, JSON]) -> str | None:
    return None


@dataclass(frozen=True)
class References:
    """What an object refers to (kind, name), read from a body in the API's form.

    * find: references whose target must exist.
    * ordering: objects a write must wait for when the plan creates them, but that need not exist.
    * unlisted: given a name and every live object *of this kind*, why the live list may not show
      an object of that name although it exists, or None. A reference to an object that is neither
      built-in, declared nor live stops a plan, like every other reference mistake, unless this
      gives a reason (the list is known to be incomplete): then the plan warns, with the reason.
    * needs: what writing an object of this kind needs of a singleton object (the app's push
      version, for push providers): singleton kind → a check of that object's body (the fields the
      stack declares, over the live ones at plan time) giving (path in that body, problem) or None.
      validate runs it on what the stack declares; plan on what the app will hold.
    * removed_with: kinds whose delete also removes this kind's live objects that refer to the
      deleted object (Stream removes a push provider's templates with it): such an object does
      not stop the delete, unless the stack declares it.
    * fits: given an object's body, a (kind, name) it refers to and that object's body (declared
      over live), why the referred object is not one this reference can name although it exists
      (a template for firebase naming an APN provider), or None. validate checks it where the
      stack declares both; plan wherever the referred object is declared or live.
    """

    find: Callable[[JSON], Refs] = _no_refs
    ordering: Callable[[JSON], Refs] = _no_refs
    unlisted: Callable[[str, Mapping[str, JSON]], str | None] = _listed
    needs: Mapping[str, Callable[[JSON], tuple[FieldPath, str] | None]] = field(default_factory=dict)
    removed_with: frozenset[str] = frozenset()
    fits: Callable[[JSON, tuple[str, str], JSON], str | None] = _always_fits


def _never(name: str, live: JSON) -> bool:
    return False


@dataclass(frozen=True)
class Builtins:
    """Objects every app has: never created, deleted or pruned.

    * names: the documented built-in objects.
    * detect: a live object the API marks as built-in (e.g. `custom: false`).
    * declarable: whether a stack may declare one of `names` to change it. When not (the name
      rule refuses them: built-in permissions, derived from actions), the reader keeps only their
      names, as nothing compares, exports or shows their bodies (an app lists 300 of them: most
      of what a plan normalised)."""

    names: frozenset[str] = frozenset()
    detect: Callable[[str, JSON], bool] = _never
    declarable: bool = True


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


def _no_failure(response: JSON) -> str | None:
    return None


@dataclass(frozen=True)
class CheckCall:
    """One request asking Stream to verify credentials an object configures (`stream-iac check`).
    `what` names what it checks inside the object ("" for the object itself, "event_hooks[0]");
    the body may hold `Secret`s. `failure`: the response → why the check failed, in Stream's
    words, or None when it passed (an answer of 400 fails with the API's message)."""

    what: str
    op: str
    method: str
    path: str
    body: JSON | None = None
    params: Mapping[str, str] | None = None
    failure: Callable[[JSON], str | None] = _no_failure


@dataclass(frozen=True)
class Checks:
    """How `stream-iac check` verifies the credentials of the kind's objects: `calls` gives, from
    an object's name and its body as the stack declares it, the calls to make (none: nothing of
    this object can be checked)."""

    calls: Callable[[str, JSON], list[CheckCall]]


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
    checks: Checks | None = None  # what `stream-iac check` asks Stream to verify
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

    def declarable(self, live: JSON) -> JSON:
        """A live object with only what a stack can declare: without the marks the reader adds,
        and without the keys the API identifies list items by (Fields.identities)."""
        out = {k: v for k, v in live.items() if k not in (BUILTIN_MARK, RAW_MARK)}
        for list_field, identity in self.fields.identities.items():
            items = out.get(list_field)
            if isinstance(items, list):
                out[list_field] = [{k: v for k, v in item.items() if k != identity.key} if isinstance(item, dict)
                                   else item for item in items]
        return out
