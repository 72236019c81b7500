"""What every stack key means: the data behind the field reference (`docs/reference/<kind>.md`),
the descriptions in `schemas/stack.schema.json` and `stream-iac explain`, so the three cannot differ.

It is read from the kinds: a field's description is the docstring under it in the model; its type
and range are what the model's JSON Schema says; its default is what a new object holds
(`Kind.export.defaults`); the notes on secrets, write-only fields, sets, merged maps, immutable
fields and list items with an identity come from `Kind.fields`; a limit's source from the `Source`
declared with it. Nothing here knows a kind by name.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from stream_iac.errors import UserError
from stream_iac.kinds import KINDS
from stream_iac.kinds.base import JSON, Fields, Kind
from stream_iac.paths import FieldPath, matches_any
from stream_iac.stack.diagnostics import _source_at, did_you_mean
from stream_iac.stack.validate import StackSection

STACK_SECTION = "stack"
REFERENCE_DIR = Path("docs") / "reference"
# A name no object has: asking a kind's export defaults for it gives what a new object holds.
_NEW_OBJECT = "\x00new"

SECRET_NOTE = ("Secret: write it as ${env:NAME} or ${file:PATH}, never as a literal value. It is never shown or "
               "saved, and not compared (the API does not return it).")
WRITE_ONLY_NOTE = ("Write-only: the API never returns it, so it is not compared. It is sent when its object is "
                   "created, with an update that replaces or sends the object holding it, and on "
                   "--resend-write-only.")
SET_NOTE = "A set: order does not matter and duplicates count once."
VALUES_ARE_SETS_NOTE = "Each value is a set: order does not matter and duplicates count once."
MERGED_NOTE = ("Merged key by key: only the keys declared are managed; keys the stack leaves out keep their "
               "live value.")
IMMUTABLE_NOTE = "Cannot change once the object is created: a change is refused (delete and recreate it)."


@dataclass(frozen=True)
class FieldDoc:
    """One key of a stack object: `path` as explain takes it (`app.event_hooks[].timeout_ms`)."""

    path: str
    name: str
    type: str
    description: str
    required: bool = False
    range: str | None = None
    default: Any = None
    has_default: bool = False  # Stream's value when nothing set it is known (default may be None)
    notes: tuple[str, ...] = ()
    source: str | None = None  # where the field's limit is stated
    fields: tuple[FieldDoc, ...] = ()  # of a nested object, or of each item of a list of objects

    def to_json(self) -> JSON:
        """The entry as JSON (`explain --format json`)."""
        out: JSON = {"path": self.path, "type": self.type, "required": self.required,
                     "description": self.description, "notes": list(self.notes)}
        if self.range is not None:
            out["range"] = self.range
        if self.has_default:
            out["default"] = self.default
        if self.source is not None:
            out["limit_source"] = self.source
        if self.fields:
            out["fields"] = [f.to_json() for f in self.fields]
        return out

    def summary(self) -> str:
        """The description, notes, range, default and limit source in one text (the schema's
        description, shown when an editor hovers over the key)."""
        lines = [self.description, *self.notes]
        if self.range:
            lines.append(f"Range: {self.range}.")
        if self.has_default:
            lines.append(f"Default: {show_value(self.default)}.")
        if self.source:
            lines.append(f"Limit: {self.source}.")
        return "\n\n".join(line for line in lines if line)


@dataclass(frozen=True)
class KindDoc:
    """A top-level section of a stack: a kind, or the `stack:` section."""

    name: str
    description: str
    layout: str  # how the section is written, in words
    fields: tuple[FieldDoc, ...] = field(default=())

    @property
    def path(self) -> str:
        return self.name

    def to_json(self) -> JSON:
        """The entry as JSON (`explain --format json`)."""
        return {"path": self.name, "layout": self.layout, "description": self.description,
                "fields": [f.to_json() for f in self.fields]}

    def summary(self) -> str:
        """The description and layout in one text (the schema's description of the section)."""
        return f"{self.description}\n\n{self.layout}"


def first_sentence(text: str) -> str:
    """`text` up to the first full stop that ends a sentence (not the one of `e.g.`)."""
    return _SENTENCE_END.split(text, maxsplit=1)[0]


_SENTENCE_END = re.compile(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[a-z0-9)`][.!?])\s+(?=[A-Z`])")


def show_value(value: Any) -> str:
    """A default as a stack would write it."""
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------- building the entries


@functools.cache
def sections() -> tuple[KindDoc, ...]:
    """Every top-level section of a stack: `stack`, then each kind in dependency order."""
    stack = KindDoc(STACK_SECTION, _doc(StackSection), "The stack's settings.",
                    _fields(_Walk(StackSection, Fields(), {}, {}), STACK_SECTION))
    return (stack, *(_kind_doc(kind) for kind in KINDS))


def _kind_doc(kind: Kind) -> KindDoc:
    model = kind.shape.model
    walk = _Walk(model, kind.fields, _new_object_defaults(kind), dict(kind.shape.line_files),
                 _builtin_defaults(kind), kind.shape.noun)
    return KindDoc(kind.name, _doc(model), _layout(kind), _fields(walk, kind.name))


def _doc(model: type[BaseModel]) -> str:
    """A model's docstring as one paragraph (pydantic puts it in the schema as written)."""
    return " ".join((model.__doc__ or "").split())


def _layout(kind: Kind) -> str:
    limit = ""
    if kind.shape.max_objects is not None:
        limit = f" At most {kind.shape.max_objects}"
        limit += f" ({kind.shape.max_objects_source})." if kind.shape.max_objects_source else "."
    if kind.shape.layout == "names":
        return f"A list of {kind.shape.noun} names.{limit}"
    if kind.shape.layout == "singleton":
        return f"The {kind.shape.noun}'s settings, as one mapping; only the fields declared are managed."
    key = kind.api.read.name_field if kind.api.read.name_field in ("id", "name") else "name"
    return f"A mapping from each {kind.shape.noun}'s {key} to its settings.{limit}"


def _new_object_defaults(kind: Kind) -> Mapping[str, Any]:
    name = kind.name if kind.singleton else _NEW_OBJECT
    return kind.export.defaults(name, {})


def _builtin_defaults(kind: Kind) -> dict[str, Mapping[str, Any]]:
    """What each built-in object holds when nothing changed it, for kinds whose built-ins a stack
    can change (`Export.builtins`): their defaults may differ from a new object's."""
    if kind.singleton or not kind.export.builtins:
        return {}
    return {name: kind.export.defaults(name, {}) for name in sorted(kind.builtins.names)}


@dataclass(frozen=True)
class _Walk:
    """What one section's walk needs: its model (for limit sources), its field semantics, what a
    new object holds, and its line files (file field → list field)."""

    model: type[BaseModel]
    semantics: Fields
    defaults: Mapping[str, Any]
    line_files: Mapping[str, str]
    builtin_defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    noun: str = ""

    @functools.cached_property
    def schema(self) -> JSON:
        schema: JSON = self.model.model_json_schema()
        return schema


def _fields(walk: _Walk, prefix: str) -> tuple[FieldDoc, ...]:
    docs = _object_fields(walk, walk.schema, (), prefix, walk.defaults)
    extra = [_line_file_doc(prefix, file_field, list_field) for file_field, list_field in walk.line_files.items()]
    return (*docs, *extra)


def _object_fields(walk: _Walk, schema: JSON, at: FieldPath, prefix: str,
                   defaults: Mapping[str, Any] | None) -> tuple[FieldDoc, ...]:
    required = set(schema.get("required", ()))
    docs = []
    for key, prop in schema.get("properties", {}).items():
        docs.append(_field_doc(walk, key, prop, (*at, key), f"{prefix}.{key}", key in required, defaults))
    return tuple(docs)


def _field_doc(walk: _Walk, key: str, prop: JSON, path: FieldPath, shown: str, required: bool,
               defaults: Mapping[str, Any] | None) -> FieldDoc:
    value = _declared(prop, walk.schema)
    items = _resolve(value.get("items", {}), walk.schema) if value.get("type") == "array" else {}
    children: tuple[FieldDoc, ...] = ()
    if "properties" in value:
        children = _object_fields(walk, value, path, shown, _child(defaults, key))
    elif "properties" in items:
        children = _object_fields(walk, items, (*path, 0), f"{shown}[]", None)
    default, has_default = _default(walk, key, prop, path, defaults)
    return FieldDoc(
        path=shown, name=key, type=_type_text(value, walk.schema), description=" ".join(
            str(prop.get("description", "")).split()),
        required=required, range=_range_text(value, walk.schema), default=default, has_default=has_default,
        notes=(*_notes(walk, key, path, value), *_builtin_note(walk, path, default, has_default)),
        source=_source(walk.model, path, value), fields=children,
    )


def _builtin_note(walk: _Walk, path: FieldPath, default: Any, has_default: bool) -> tuple[str, ...]:
    """Which built-in objects start with another value than a new object's (a built-in channel
    type's commands, say), grouped by that value."""
    if not walk.builtin_defaults or any(isinstance(part, int) for part in path) \
            or matches_any(walk.semantics.merge_maps, path):
        return ()
    names_by_value: dict[str, list[str]] = {}
    for name, defaults in walk.builtin_defaults.items():
        value: Any = defaults
        for part in path:
            value = value.get(part, _ABSENT) if isinstance(value, Mapping) else _ABSENT
        if value is _ABSENT or isinstance(value, Mapping) or (has_default and value == default):
            continue
        names_by_value.setdefault(show_value(value), []).append(name)
    if not names_by_value:
        return ()
    values = "; ".join(f"{', '.join(names)}: {shown}" for shown, names in names_by_value.items())
    return (f"A built-in {walk.noun} starts with its own value: {values}.",)


_ABSENT = object()


def _line_file_doc(prefix: str, file_field: str, list_field: str) -> FieldDoc:
    return FieldDoc(
        path=f"{prefix}.{file_field}", name=file_field, type="string (a file path)",
        description=(f"A text file holding `{list_field}`, one per line (blank lines and lines starting "
                     f"with # are skipped), relative to the stack file; give it instead of `{list_field}`."),
    )


def _child(defaults: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    value = (defaults or {}).get(key)
    return value if isinstance(value, Mapping) else None


def _default(walk: _Walk, key: str, prop: JSON, path: FieldPath,
             defaults: Mapping[str, Any] | None) -> tuple[Any, bool]:
    """Stream's value for a field nothing set (objects are described field by field, and merged
    maps key by key, so neither has one), or the model's own default where it is not "unset"."""
    if matches_any(walk.semantics.merge_maps, path):
        return None, False
    if defaults is not None and key in defaults and not isinstance(defaults[key], Mapping):
        return defaults[key], True
    if prop.get("default") not in (None, {}):
        return prop["default"], True
    return None, False


def _notes(walk: _Walk, key: str, path: FieldPath, value: JSON) -> tuple[str, ...]:
    semantics = walk.semantics
    notes = []
    if matches_any(semantics.secrets, path):
        notes.append(SECRET_NOTE)
    if matches_any(semantics.write_only, path):
        notes.append(WRITE_ONLY_NOTE)
    if value.get("type") == "array" and matches_any(semantics.sets, path):
        notes.append(SET_NOTE)
    if value.get("type") == "object" and matches_any(semantics.sets, (*path, "*")):
        notes.append(VALUES_ARE_SETS_NOTE)
    if matches_any(semantics.merge_maps, path):
        notes.append(MERGED_NOTE)
    if matches_any(semantics.immutable, path):
        notes.append(IMMUTABLE_NOTE)
    identity = semantics.identities.get(key) if len(path) == 1 else None
    if identity is not None:
        notes.append(f"Each item is matched to a live item by the `{identity.key}` the API gives it (a stack does "
                     f"not write it): the live item equal to it, else the next live item with the same "
                     f"{', '.join(identity.match) or 'position'}.")
    for file_field, list_field in walk.line_files.items():
        if len(path) == 1 and key == list_field:
            notes.append(f"`{file_field}` may name a text file holding it instead.")
    return tuple(notes)


def _source(model: type[BaseModel], path: FieldPath, value: JSON) -> str | None:
    """The Source of the field's limit, or of its items' (or values') limit."""
    found = _source_at(model, path)
    if found is None and value.get("type") == "array":
        found = _source_at(model, (*path, 0))
    if found is None and value.get("type") == "object" and "properties" not in value:
        found = _source_at(model, (*path, "*"))
    return found


# ---------------------------------------------------------------- the JSON Schema, in words


def _resolve(schema: Any, root: JSON) -> JSON:
    """`schema` with a `$ref` to the model's `$defs` followed."""
    if not isinstance(schema, dict):
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: JSON = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        return resolved
    return schema


def _declared(prop: JSON, root: JSON) -> JSON:
    """The schema of a value a stack declares: an optional field's `null` branch left out."""
    branches = [b for b in prop.get("anyOf", ()) if b != {"type": "null"}]
    if len(branches) == 1:
        return _resolve(branches[0], root)
    if branches:
        return {"anyOf": branches}
    return _resolve(prop, root)


def _type_text(schema: JSON, root: JSON) -> str:
    if "anyOf" in schema:
        return " or ".join(_type_text(_resolve(b, root), root) for b in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        return f"list of {_plural(_type_text(_resolve(schema.get('items', {}), root), root))}"
    if kind == "object" or "properties" in schema:
        values = schema.get("additionalProperties")
        if "properties" in schema:
            return "object"
        if isinstance(values, dict) and values:
            return f"map of string to {_type_text(_resolve(values, root), root)}"
        return "object (any keys and values)"
    if kind is None and "enum" in schema:
        return "string"
    return str(kind or "any")


def _plural(text: str) -> str:
    head, _, tail = text.partition(" ")
    return f"{head}s {tail}".rstrip() if not head.endswith("s") else text


def _counted(one: str, many: str) -> Callable[[Any], str]:
    return lambda n: f"{n} {one if n == 1 else many}"


_LIMITS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("minLength", "maxLength", _counted("character", "characters")),
    ("minItems", "maxItems", _counted("item", "items")),
    ("minProperties", "maxProperties", _counted("entry", "entries")),
    ("minimum", "maximum", str),
)


def _range_text(schema: JSON, root: JSON, items_are: str = "each item") -> str | None:
    """The values a field takes, in words (`0 to 20000`, `one of: flag, block`), or None.
    `items_are` names the items of a list (a map's values are lists in grants)."""
    parts = []
    if "enum" in schema:
        parts.append("one of: " + ", ".join(str(v) for v in schema["enum"]))
    for low_key, high_key, unit in _LIMITS:
        low, high = schema.get(low_key), schema.get(high_key)
        if low is not None and high is not None:
            parts.append(f"{low} to {unit(high)}")
        elif high is not None:
            parts.append(f"at most {unit(high)}")
        elif low_key == "minLength" and low == 1:
            parts.append("not empty")
        elif low is not None:
            parts.append(f"at least {unit(low)}")
    if "pattern" in schema:
        parts.append(f"matching `{schema['pattern']}`")
    if schema.get("type") == "array":
        items = _range_text(_resolve(schema.get("items", {}), root), root)
        if items and "properties" not in _resolve(schema.get("items", {}), root):
            parts.append(f"{items_are} {items}")
    values = schema.get("additionalProperties")
    if isinstance(values, dict) and "properties" not in schema:
        keys = _range_text(schema.get("propertyNames", {}), root)
        if keys:
            parts.append(f"each key {keys}")
        value_schema = _resolve(values, root)
        value_range = _range_text(value_schema, root, "each value's items")
        if value_range:
            parts.append(value_range if value_schema.get("type") == "array" else f"each value {value_range}")
    return "; ".join(parts) or None


# ---------------------------------------------------------------- looking a path up


def lookup(address: str) -> KindDoc | FieldDoc:
    """The entry `address` names: a section (`channel_types`), a field (`channel_types.max_message_length`,
    `app.event_hooks[].timeout_ms`, `app.file_upload_config.size_limit`), or a field of a named object
    (`channel_types.support.max_message_length`, `app.event_hooks[id=h1].timeout_ms`). List indexes,
    identities and map keys may be written or left out. Raises UserError for a path nothing has."""
    parts = re.sub(r"\[[^\]]*\]", "", address.strip()).split(".")
    by_name = {section.name: section for section in sections()}
    if parts[0] not in by_name:
        raise UserError(f"explain: {address!r} names no section of a stack{did_you_mean(parts[0], by_name)}; "
                        f"sections: {', '.join(by_name)}")
    entry: KindDoc | FieldDoc = by_name[parts[0]]
    rest = parts[1:]
    kind = next((k for k in KINDS if k.name == parts[0] and not k.singleton), None)
    fields = _names(entry)
    # An object's name, as in an address; a lone part that looks like a mistyped field is a field.
    if kind is not None and rest and rest[0] not in fields and not (len(rest) == 1 and did_you_mean(rest[0], fields)):
        rest = rest[_name_length(kind, rest, fields):]
    for part in rest:
        found = next((f for f in entry.fields if f.name == part), None)
        if found is not None:
            entry = found
        elif isinstance(entry, FieldDoc) and entry.type.startswith("map of"):
            continue  # a key of a map (`grants.user`): its value is described by the map
        else:
            names = _names(entry)
            hint = did_you_mean(part, names) or (f"; its fields: {', '.join(names)}" if names else "; it has no fields")
            raise UserError(f"explain: {address!r}: {entry.path} has no field {part!r}{hint}")
    return entry


def _names(entry: KindDoc | FieldDoc) -> list[str]:
    return [f.name for f in entry.fields]


def _name_length(kind: Kind, rest: list[str], fields: list[str]) -> int:
    """How many of the dotted parts `rest` an object's name takes: one, or more where the kind's
    names may hold dots (`push_templates.apn/message.new.template`), up to the part that is a
    field. A last part that looks like a mistyped field is left to be reported as one."""
    for length in range(2, len(rest) + 1):
        ends = length < len(rest) and rest[length] in fields
        last = length == len(rest) and not did_you_mean(rest[-1], fields)
        if (ends or last) and kind.shape.name_rule(".".join(rest[:length])) is None:
            return length
    if len(rest) > 2 and kind.shape.name_rule(".".join(rest[:-1])) is None:
        return len(rest) - 1  # the last part is the mistyped field
    return 1


def all_paths() -> list[str]:
    """Every path `lookup` knows, sections first (for completion and tests)."""
    paths: list[str] = []

    def add(docs: tuple[FieldDoc, ...]) -> None:
        for doc in docs:
            paths.append(doc.path)
            add(doc.fields)

    for section in sections():
        paths.append(section.name)
        add(section.fields)
    return paths


# ---------------------------------------------------------------- docs/reference/<section>.md


INDEX_PAGE = "README.md"


def reference_pages() -> dict[str, str]:
    """File name → Markdown text of each page of the field reference: one per section, and an
    index (README.md)."""
    pages = {f"{section.name}.md": _page(section) for section in sections()}
    return {INDEX_PAGE: _index(), **pages}


def _index() -> str:
    lines = [
        "# Field reference",
        "",
        "<!-- Generated by `make schema` (stream_iac/reference.py); do not edit by hand. -->",
        "",
        "What every key of a stack means, one page per top-level section. The same text is what editors show",
        "on hover (schemas/stack.schema.json) and what `stream-iac explain PATH` prints.",
        "",
        "| section | what it holds |",
        "|---|---|",
    ]
    for section in sections():
        summary = first_sentence(section.description).replace("|", "\\|")
        lines.append(f"| [`{section.name}`]({section.name}.md) | {summary} |")
    return "\n".join(lines) + "\n"


def _page(section: KindDoc) -> str:
    lines = [
        f"# `{section.name}`",
        "",
        "<!-- Generated by `make schema` from the models' docstrings and the kinds' declarations "
        "(stream_iac/reference.py); do not edit by hand. -->",
        "",
        section.description,
        "",
        section.layout,
        "",
        f"`stream-iac explain {section.name}` prints this page; `stream-iac explain PATH` one field.",
        "",
    ]
    if not section.fields:
        lines += ["It has no fields.", ""]
    for doc in _flat(section.fields):
        lines += _field_section(doc)
    return "\n".join(lines).rstrip("\n") + "\n"


def _flat(docs: tuple[FieldDoc, ...]) -> list[FieldDoc]:
    out: list[FieldDoc] = []
    for doc in docs:
        out.append(doc)
        out.extend(_flat(doc.fields))
    return out


def _field_section(doc: FieldDoc) -> list[str]:
    lines = [f"## `{doc.path}`", "", doc.description or "(no description yet)", ""]
    facts = [f"- **Type:** {doc.type}{', required' if doc.required else ''}"]
    if doc.range:
        facts.append(f"- **Range:** {_md(doc.range)}")
    if doc.has_default:
        facts.append(f"- **Default:** `{show_value(doc.default)}`")
    facts.extend(f"- {_md(note)}" for note in doc.notes)
    if doc.source:
        facts.append(f"- **Limit source:** {_md(doc.source)}")
    return [*lines, *facts, ""]


def _md(text: str) -> str:
    """Text that Markdown shows as written (`*`, `<` and `>` in patterns and quotes)."""
    return re.sub(r"([*<>])", r"\\\1", text) if "`" not in text else text


def write_reference(out_dir: str | Path = REFERENCE_DIR) -> list[Path]:
    """Write every page of the field reference into `out_dir`, removing pages of sections that no
    longer exist; returns the paths written (`make schema`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pages = reference_pages()
    for stale in sorted(set(p.name for p in out.glob("*.md")) - set(pages)):
        (out / stale).unlink()
    written = []
    for name, text in pages.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
