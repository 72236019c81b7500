"""`stream-iac export`: write a stack from live state, to adopt an existing app.

One YAML file per kind, plus `stack.yaml`. Each live object is written as the stack would declare
it: only the fields its kind's model declares (the reader already normalised it), without values
equal to the server's defaults (`Kind.export.defaults`; for maps merged key by key, such as grants,
key by key: a role whose grants equal Stream's documented defaults is left out, one the defaults
have but the live object lacks is written empty) or empty optional values, with set-like lists
sorted and secrets replaced by `${env:…}` references (`Kind.export.secrets`). Built-in objects are
left out unless their kind can change them (`Kind.export.builtins`: channel types), and then only
what differs from their defaults is written. Planning the result against the same app shows no
changes: an export only writes live values (an emptied key stands for one the live object lacks),
and a field left out is not managed.

Never writes a secret value: the API does not return them, and secret paths are stripped first.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel

from stream_iac.errors import UserError
from stream_iac.kinds import BY_NAME, KINDS
from stream_iac.kinds.base import JSON, Kind
from stream_iac.paths import FieldPath, dotted, matches, matches_any
from stream_iac.plan.diff import strip_secrets, uncompared_in
from stream_iac.schema import SCHEMA_ID
from stream_iac.state import LiveState

HEADER = f"# yaml-language-server: $schema={SCHEMA_ID}stack.schema.json\n"
STACK_FILE = "stack.yaml"
LINES_INLINE_MAX = 20  # longer lists of a kind's line files (Shape.line_files) go to <field>/<name>.txt
_STEM = re.compile(r"[a-z0-9_-]{1,64}")


@dataclass
class ExportResult:
    files: list[Path]  # written, in order
    env_vars: dict[str, str]  # env var name -> address of the secret it stands for
    notes: list[str] = field(default_factory=list)  # what was left out, and why


@dataclass(frozen=True)
class _EnvRef:
    """A `${env:NAME}` reference; written as is (other strings have `${` escaped)."""

    var: str

    def __str__(self) -> str:
        return "${env:" + self.var + "}"


@dataclass(frozen=True)
class _Template:
    """A string with `${env:…}` references inside (a URL whose credentials are references)."""

    parts: tuple[str | _EnvRef, ...]

    def __str__(self) -> str:
        return "".join(str(p) if isinstance(p, _EnvRef) else p.replace("${", "$${") for p in self.parts)


_URL = re.compile(r"\Ahttps?://", re.IGNORECASE)
_USERINFO_PASSWORD = re.compile(r"\A(https?://[^/?#@:]*:)([^/?#@]+)@", re.IGNORECASE)
_CREDENTIAL_PARAM = re.compile(r"token|secret|key|sig|pass|pwd|auth|credential|session", re.IGNORECASE)


def _url_credentials(text: str) -> list[str | tuple[str, str]] | None:
    """`text` (when it is an http(s) URL holding credentials) as literal pieces and (label, value)
    credential pieces; None when it holds none."""
    if not _URL.match(text):
        return None
    spans: list[tuple[int, int, str]] = []
    userinfo = _USERINFO_PASSWORD.match(text)
    if userinfo:
        spans.append((userinfo.start(2), userinfo.end(2), "password"))
    query_at = text.find("?")
    if query_at >= 0:
        end = text.find("#", query_at)
        end = len(text) if end < 0 else end
        position = query_at + 1
        for param in text[query_at + 1:end].split("&"):
            name, equals, value = param.partition("=")
            if equals and value and _CREDENTIAL_PARAM.search(name):
                start = position + len(name) + 1
                spans.append((start, start + len(value), re.sub(r"[^A-Za-z0-9]", "_", name).lower()))
            position += len(param) + 1
    if not spans:
        return None
    pieces: list[str | tuple[str, str]] = []
    at = 0
    for start, end, label in sorted(spans):
        if start > at:
            pieces.append(text[at:start])
        pieces.append((label, text[start:end]))
        at = end
    if at < len(text):
        pieces.append(text[at:])
    return pieces


Write = Callable[[Path, Any, Callable[[Any], str]], Path]
"""How a file is written: path, the data, and how to serialise it (the CLI's Output redacts it)."""


def _plain_write(path: Path, data: Any, serialize: Callable[[Any], str]) -> Path:
    path.write_bytes(serialize(data).encode("utf-8"))
    return path


def _plain_make_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_stack(live: LiveState, out_dir: str | Path, *, name: str | None = None, write: Write = _plain_write,
                 make_folder: Callable[[Path], Path] = _plain_make_folder) -> ExportResult:
    """Write the stack for `live` into `out_dir` (created if needed), each file through `write`
    and each folder made with `make_folder`."""
    out = Path(out_dir)
    try:
        _check_folder(out)
    except OSError as exc:
        raise UserError(f"export: cannot read the folder {out}: {exc.strerror or exc}") from None
    exporter = _Exporter(live)
    sections = {kind.name: exporter.section(kind) for kind in KINDS}
    stack_name = name or out.resolve().name or "exported"
    docs: list[tuple[str, JSON, dict[str, str]]] = [(STACK_FILE, {"stack": {"name": stack_name}}, {})]
    docs.extend((_file_name(kind), {kind.name: sections[kind.name]}, _split_line_files(kind, sections[kind.name]))
                for kind in KINDS if kind.singleton or sections[kind.name])
    files = _write(out, docs, write, make_folder)
    return ExportResult(files=files, env_vars=exporter.env_vars, notes=exporter.notes)


# ---------------------------------------------------------------- objects


class _Exporter:
    def __init__(self, live: LiveState) -> None:
        self.live = live
        self.env_vars: dict[str, str] = {}
        self.notes: list[str] = []

    def section(self, kind: Kind) -> Any:
        bodies: dict[str, JSON] = {}
        for obj_name in sorted(self.live.get(kind.name, {})):
            body = self.exported(kind, obj_name, self.live[kind.name][obj_name])
            if body is not None:
                bodies[obj_name] = body
        self.note_write_only(kind, bodies)
        if kind.singleton:
            return bodies.get(kind.name, {})
        if kind.shape.layout == "names":
            return sorted(bodies)
        return bodies

    def note_write_only(self, kind: Kind, bodies: dict[str, JSON]) -> None:
        """Write-only fields the export could not write (the API never returns them), if any
        object of the kind was exported."""
        written = [path for body in bodies.values() for path, _ in uncompared_in(kind, body)]
        unwritten = sorted(p for p in kind.fields.write_only if not any(matches(p, path) for path in written))
        if bodies and unwritten:
            self.notes.append(f"{kind.name}: write-only fields are not exported (the API never returns them; "
                              f"declare them by hand where you set them): {', '.join(unwritten)}")

    def exported(self, kind: Kind, obj_name: str, live_obj: JSON) -> JSON | None:
        builtin = kind.builtin(obj_name, live_obj)
        if builtin and not kind.export.builtins:
            return None
        problem = None if builtin or kind.singleton else kind.shape.name_rule(obj_name)
        if problem:
            self.notes.append(f"{kind.address(obj_name)} left out: {problem}")
            return None
        body = kind.export.filter(kind.declarable(live_obj))
        body = _sorted_sets(kind, strip_secrets(kind, body))
        defaults = _sorted_sets(kind, dict(kind.export.defaults(obj_name, self.live)))
        body = _without_defaults(kind, body, defaults)
        body = self.without_dangling(kind, obj_name, body)
        if builtin and not body:
            return None
        for path in kind.export.secrets(live_obj):
            self.add_secret(kind, obj_name, body, path)
        result: JSON = self.without_url_credentials(kind, obj_name, body, ())
        return result

    def without_url_credentials(self, kind: Kind, obj_name: str, value: Any, path: FieldPath) -> Any:
        """URLs keep no credentials: a password in the URL, or a query parameter named like one
        (token, key, secret, sig, …), is written as a `${env:…}` reference, as a secret field is."""
        if isinstance(value, dict):
            return {k: self.without_url_credentials(kind, obj_name, v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.without_url_credentials(kind, obj_name, v, (*path, i)) for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value
        pieces = _url_credentials(value)
        if pieces is None:
            return value
        prefix = "STREAM_" + (kind.export.env_word or kind.name) + ("" if kind.singleton else "_" + obj_name)
        parts: list[str | _EnvRef] = []
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(piece)
                continue
            label, _ = piece
            var = _env_name(prefix + "_" + "_".join(str(p) for p in path) + "_" + label, self.env_vars)
            self.env_vars[var] = f"{kind.address(obj_name)}.{dotted(path)} (the URL's {label})"
            parts.append(_EnvRef(var))
        return _Template(tuple(parts))

    def without_dangling(self, kind: Kind, obj_name: str, body: JSON) -> JSON:
        """Leave out references to objects that do not exist live (a plan would refuse them)."""
        kept: JSON = {}
        for key, value in body.items():
            if key in kind.fields.merge_maps and isinstance(value, dict):
                value = {k: v for k, v in value.items() if not self.dangling(kind, obj_name, {key: {k: v}})}
                if not value and body[key]:
                    continue
            elif self.dangling(kind, obj_name, {key: value}):
                continue
            kept[key] = value
        return kept

    def dangling(self, kind: Kind, obj_name: str, fragment: JSON) -> bool:
        missing = [BY_NAME[t].address(n) for t, n in kind.refs.find(fragment) if not self.exists(t, n)]
        for address in missing:
            self.notes.append(f"{kind.address(obj_name)}.{next(iter(fragment))} left out: "
                              f"it refers to {address}, which does not exist")
        return bool(missing)

    def exists(self, kind_name: str, obj_name: str) -> bool:
        target = BY_NAME[kind_name]
        have = self.live.get(kind_name, {})
        return (target.singleton or obj_name in have or target.builtin(obj_name, {})
                or target.refs.unlisted(obj_name, have) is not None)  # the list may not show it

    def add_secret(self, kind: Kind, obj_name: str, body: JSON, path: FieldPath) -> None:
        parent: Any = body
        for key in path[:-1]:
            if isinstance(parent, dict) and isinstance(key, str) and parent.get(key) is None:
                parent[key] = {}  # a nested object the API returns nothing of (external storage's aws_s3)
            parent = _child(parent, key)
        if not isinstance(parent, dict):
            return
        prefix = "STREAM_" + (kind.export.env_word or kind.name) + ("" if kind.singleton else "_" + obj_name)
        var = _env_name(prefix + "_" + "_".join(str(p) for p in path), self.env_vars)
        self.env_vars[var] = f"{kind.address(obj_name)}.{dotted(path)}"
        parent[str(path[-1])] = _EnvRef(var)


def _child(container: Any, key: str | int) -> Any:
    if isinstance(container, dict):
        return container.get(key)
    if isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
        return container[key]
    return None


def _env_name(text: str, taken: Mapping[str, str]) -> str:
    """NAME_LIKE_THIS; a name already taken (two objects whose names differ only in case or
    punctuation) gets a numeric suffix. Unsuffixed names end in a field name, never a digit."""
    base = re.sub(r"[^A-Z0-9]", "_", text.upper())
    var, number = base, 1
    while var in taken:
        number += 1
        var = f"{base}_{number}"
    return var


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _sorted_sets(kind: Kind, value: Any, path: FieldPath = ()) -> Any:
    """Set-like lists (the kind's set_paths) sorted and without duplicates, at any depth."""
    if isinstance(value, dict):
        return {k: _sorted_sets(kind, v, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_sets(kind, v, (*path, i)) for i, v in enumerate(value)]
        if path and matches_any(kind.fields.sets, path):
            return list({_canon(v): v for v in sorted(items, key=_canon)}.values())
        return items
    return value


def _without_defaults(kind: Kind, body: JSON, defaults: Mapping[str, Any]) -> JSON:
    """Fields equal to their default left out (maps the API merges: key by key, a default key
    missing live written empty: it was cleared), and empty optional values (unset), unless the
    default is not empty (then empty was a choice)."""
    kept: JSON = {}
    for key, value in body.items():
        default = defaults.get(key)
        if key in kind.fields.merge_maps and isinstance(value, dict) and isinstance(default, dict):
            value = {k: v for k, v in value.items() if k not in default or _canon(v) != _canon(default[k])}
            value.update({k: type(d)() for k, d in default.items() if k not in body[key] and _emptiable(d)})
            if not value:
                continue
        elif key in defaults and _canon(value) == _canon(default):
            continue
        field_info = kind.shape.model.model_fields.get(key)
        required = field_info is not None and field_info.is_required()
        sub = _submodel(field_info.annotation) if field_info is not None else None
        if sub is not None:
            value = _without_empty(sub, value)
        if _empty(value) and not required and _empty(default):
            continue
        kept[key] = value
    return kept


def _emptiable(value: Any) -> bool:
    return isinstance(value, list | dict | str) and bool(value)


def _without_empty(model: type[BaseModel], value: Any) -> Any:
    """Inside nested objects (and lists of them): empty optional values left out."""
    if isinstance(value, list):
        return [_without_empty(model, item) for item in value]
    if not isinstance(value, dict):
        return value
    kept: JSON = {}
    for key, item in value.items():
        field_info = model.model_fields.get(key)
        sub = _submodel(field_info.annotation) if field_info is not None else None
        if sub is not None:
            item = _without_empty(sub, item)
        if _empty(item) and not (field_info is not None and field_info.is_required()):
            continue
        kept[key] = item
    return kept


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (directly, optionally, or as list items), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


# ---------------------------------------------------------------- files


def _file_name(kind: Kind) -> str:
    return f"{kind.name}.yaml"


def _own_files() -> set[str]:
    return {STACK_FILE} | {_file_name(kind) for kind in KINDS}


def _check_folder(out: Path) -> None:
    """The folder may hold a previous export, but no other stack files: plan would merge them."""
    if out.exists() and not out.is_dir():
        raise UserError(f"export: {out} exists and is not a folder")
    if not out.exists():
        return
    others = sorted(
        str(path.relative_to(out))
        for path in out.rglob("*")
        if path.suffix.lower() in (".yaml", ".yml") and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(out).parts)
        and str(path.relative_to(out)) not in _own_files()
    )
    if others:
        raise UserError(f"export: {out} already holds other stack files ({', '.join(others[:5])}); "
                        "export into an empty folder")


def _split_line_files(kind: Kind, section: Any) -> dict[str, str]:
    """Long lists of the kind's line files (`words` of a blocklist) go to <field>/<name>.txt, one
    item per line, and the object names the file instead (`words_file`); returns relative path →
    text. A list with an item a line file cannot hold as is (comments, spaces at the ends) stays."""
    files: dict[str, str] = {}
    if not kind.shape.line_files or not isinstance(section, dict):
        return files
    for file_field, list_field in kind.shape.line_files.items():
        stems = _stems(name for name, body in section.items() if _fits_line_file(body.get(list_field)))
        for name, stem in stems.items():
            body = section[name]
            relative = f"{list_field}/{stem}.txt"
            files[relative] = "".join(f"{item}\n" for item in body.pop(list_field))
            body[file_field] = relative
    return files


def _fits_line_file(items: Any) -> bool:
    return (
        isinstance(items, list) and len(items) > LINES_INLINE_MAX
        and all(isinstance(w, str) and w.isprintable() and w == w.strip() and w and not w.startswith(("#", "\ufeff"))
                for w in items)
    )


def _stems(names: Iterable[str]) -> dict[str, str]:
    """File name stems, distinct even on case-insensitive file systems."""
    stems: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(names):
        stem = name if _STEM.fullmatch(name) else re.sub(r"[^a-z0-9_-]", "_", name.lower())[:48]
        digest = hashlib.sha256(name.encode()).hexdigest()
        if stem != name:
            stem = f"{stem}-{digest[:8]}"
        while stem in used:
            digest = hashlib.sha256(digest.encode()).hexdigest()
            stem = f"{stem}-{digest[:8]}"
        used.add(stem)
        stems[name] = stem
    return stems


def _write(out: Path, docs: list[tuple[str, JSON, dict[str, str]]], write: Write,
           make_folder: Callable[[Path], Path]) -> list[Path]:
    """Each stack file, followed by the line files it names."""
    make_folder(out)
    written: list[Path] = []
    names = {file_name for file_name, _, _ in docs}
    for stale in sorted(_own_files() - names):
        try:
            (out / stale).unlink(missing_ok=True)
        except OSError as exc:
            raise UserError(f"export: cannot remove the old {out / stale}: {exc.strerror or exc}") from None
    for file_name, doc, line_files in docs:
        written.append(write(out / file_name, doc, _stack_file))
        for relative, text in sorted(line_files.items()):
            make_folder((out / relative).parent)
            written.append(write(out / relative, text, str))
    return written


def _stack_file(doc: JSON) -> str:
    return HEADER + _dump(doc)


class _Dumper(yaml.SafeDumper):
    """yaml.safe_dump's dumper, except that strings holding a Unicode line break are written
    double-quoted (escaped): PyYAML writes U+0085 inside single quotes, where it reads back as a space."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if any(ch in value for ch in _UNICODE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_UNICODE_BREAKS = "\x85\u2028\u2029"
_Dumper.add_representer(str, _represent_str)


def _dump(doc: JSON) -> str:
    text: str = yaml.dump(_escaped(doc), Dumper=_Dumper, sort_keys=True, allow_unicode=True,
                          default_flow_style=False, width=100)
    return text


def _escaped(value: Any) -> Any:
    """Strings as the loader reads them back: a literal `${` is written `$${`. Keys are read as
    written, so they are not escaped."""
    if isinstance(value, _EnvRef | _Template):
        return str(value)
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value
