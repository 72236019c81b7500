"""Raw stack data -> DesiredState, validated by each kind's model. All problems are
collected and raised together as one StackError, each with its file:line:column."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stream_iac import startup
from stream_iac.errors import Location, Problem, StackError
from stream_iac.kinds import BY_NAME, COLLECTION_KINDS, KINDS
from stream_iac.kinds.base import JSON, Kind
from stream_iac.paths import FieldPath, dotted, matches_any
from stream_iac.secrets import MIN_SCRUB_LENGTH, Secret, register
from stream_iac.stack.diagnostics import did_you_mean, nearest_location, problems_from_validation_error
from stream_iac.stack.loader import RawStack, load_stack, shown_path
from stream_iac.state import Credentials, DesiredObject, DesiredState, StackMeta

Problems = list[Problem]
if TYPE_CHECKING:
    KindName = str
else:  # the kinds a stack can prune, as an enum pydantic checks (and the schema lists)
    KindName = Literal[COLLECTION_KINDS]


class CredentialsSection(BaseModel):
    """The environment variables holding this stack's API key and secret (instead of
    STREAM_API_KEY and STREAM_API_SECRET), so one run can plan several apps."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=startup.FIELD_DOCS)
    api_key_env: str = Field(min_length=1)
    """Name of the environment variable holding the app's API key."""
    api_secret_env: str = Field(min_length=1)
    """Name of the environment variable holding the app's API secret."""


class StackSection(BaseModel):
    """The `stack:` section: how the stack is managed, not what it contains."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=startup.FIELD_DOCS)
    name: str | None = None
    """The stack's name in plans and reports (default: its folder's name)."""
    include: list[str] = Field(default_factory=list)
    """Stacks (folders or files, relative to this file) loaded first; this stack overrides them:
    mappings merge, lists replace (except `protect`, which accumulates)."""
    prune: list[KindName] = Field(default_factory=list)
    """Kinds whose live objects this stack does not declare are deleted (built-in and protected
    ones never); other kinds only list them. Default: none."""
    protect: list[str] = Field(default_factory=list)
    """Addresses (`channel_types.support`) never deleted, whatever `prune` says; accumulates across
    includes."""
    vars: dict[str, str | int | float | bool] = Field(default_factory=dict)
    """Values that string fields use as `${var:NAME}`."""
    credentials: CredentialsSection | None = None
    """Where this stack's API credentials come from (default: STREAM_API_KEY and STREAM_API_SECRET)."""


def load_and_validate(
    path: str | Path, *, env: Mapping[str, str] | None = None, allow_missing_env: bool = False
) -> DesiredState:
    raw = load_stack(path, env=os.environ if env is None else env, allow_missing_env=allow_missing_env)
    return validate_stack(raw)


def validate_stack(raw: RawStack) -> DesiredState:
    problems: Problems = []
    _register_secrets(raw)
    meta = _validate_meta(raw, problems)
    state = DesiredState(meta=meta)
    for kind in KINDS:
        section = raw.data.get(kind.name)
        if section is None:
            continue
        objects = _validate_section(raw, kind, section, problems)
        if objects:
            state.objects[kind.name] = objects
    _check_protect(raw, meta, problems)
    _check_needs(raw, state, problems)
    unresolved = _check_references(state, problems)
    if not problems and state.count() == 0:
        shown = shown_path(meta.root)
        if not any(f.suffix in (".yaml", ".yml") for f in raw.files):
            problems.append((None, f"{shown}: no *.yaml or *.yml file found; is this the stack folder?"))
        else:
            problems.append((None, f"{shown}: the stack declares no objects; refusing to manage an app with it"))
    if problems:
        raise StackError(sorted(problems, key=_by_location))
    state.warnings.extend(unresolved)
    return state


def _register_secrets(raw: RawStack) -> None:
    """Register the value of every secret field for redaction before any problem can be reported:
    the same value may sit in a field that is not secret (a token in a URL) and fail validation there."""
    for path in raw.refs:
        kind = BY_NAME.get(str(path[0])) if path else None
        if kind is None or not kind.fields.secrets:
            continue
        rel = path[1:] if kind.singleton else path[2:]
        value = _value_at(raw.data, path)
        if rel and isinstance(value, str) and matches_any(kind.fields.secrets, rel):
            register(value)  # its reference is recorded when the Secret is made


def _value_at(data: Any, path: FieldPath) -> Any:
    for key in path:
        in_list = isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data)
        if not (in_list or isinstance(data, dict) and key in data):
            return None
        data = data[key]
    return data


def _by_location(problem: Problem) -> tuple[str, int, int, str]:
    loc, text = problem
    return (loc.file, loc.line, loc.column, text) if loc else ("", 0, 0, text)


def _validate_meta(raw: RawStack, problems: Problems) -> StackMeta:
    try:
        section = StackSection.model_validate(raw.data.get("stack") or {})
    except ValidationError as exc:
        problems.extend(problems_from_validation_error(exc, raw, ("stack",), StackSection))
        section = StackSection()
    credentials = None
    if section.credentials:
        credentials = Credentials(section.credentials.api_key_env, section.credentials.api_secret_env)
    return StackMeta(
        name=section.name or raw.root.name,
        root=raw.root,
        prune=frozenset(section.prune),
        protect=frozenset(section.protect),
        credentials=credentials,
    )


def _validate_section(raw: RawStack, kind: Kind, section: Any, problems: Problems) -> dict[str, DesiredObject]:
    entries = _entries(raw, kind, section, problems)
    if entries is None:
        return {}
    if kind.shape.max_objects is not None and len(entries) > kind.shape.max_objects:
        source = f"; {kind.shape.max_objects_source}" if kind.shape.max_objects_source else ""
        problems.append((nearest_location(raw, (kind.name,)),
                         f"{kind.name}: {len(entries)} declared, the API allows at most {kind.shape.max_objects}"
                         f"{source}"))
    objects: dict[str, DesiredObject] = {}
    for name, (path, body) in entries.items():
        in_path = kind.api.name_problem(name)
        if in_path:
            problems.append((nearest_location(raw, path), f"{kind.name}: {in_path}"))
            continue
        problem = kind.shape.name_rule(name)
        if problem:
            problems.append((nearest_location(raw, path), f"{kind.address(name)}: {problem}"))
            continue
        validated = _validate_object(raw, kind, path, body, problems)
        if validated is not None:
            validated = {**kind.shape.name_fields(name), **validated}  # what the name stands for
            objects[name] = DesiredObject(kind.name, name, validated, nearest_location(raw, path),
                                          locate=functools.partial(_locate, raw, path))
    return objects


def _locate(raw: RawStack, base: FieldPath, rel: FieldPath) -> Location | None:
    """Where a path inside the object at `base` is written (references name their place with it)."""
    return nearest_location(raw, (*base, *rel))


def _entries(
    raw: RawStack, kind: Kind, section: Any, problems: Problems
) -> dict[str, tuple[FieldPath, Any]] | None:
    """name -> (path in the stack, body) for one kind's section."""
    where = nearest_location(raw, (kind.name,))
    if kind.singleton:
        if not isinstance(section, dict):
            problems.append((where, f"{kind.name}: must be a mapping of settings"))
            return None
        return {kind.name: ((kind.name,), section)}
    if kind.shape.layout == "names":
        if not isinstance(section, list) or not all(isinstance(n, str) for n in section):
            problems.append((where, f"{kind.name}: must be a list of names"))
            return None
        return {name: ((kind.name, i), {}) for i, name in enumerate(section)}
    if not isinstance(section, dict):
        problems.append((where, f"{kind.name}: must be a mapping of name to settings"))
        return None
    return {str(name): ((kind.name, name), {} if body is None else body) for name, body in section.items()}


def _validate_object(raw: RawStack, kind: Kind, path: FieldPath, body: Any, problems: Problems) -> JSON | None:
    if not isinstance(body, dict):
        problems.append((nearest_location(raw, path), f"{dotted(path)}: must be a mapping of fields"))
        return None

    def is_secret(p: FieldPath) -> bool:
        return matches_any(kind.fields.secrets, p[len(path):])

    try:
        model = kind.shape.model.model_validate(body)
    except ValidationError as exc:
        problems.extend(problems_from_validation_error(exc, raw, path, kind.shape.model, is_secret))
        return None
    validated: JSON = model.model_dump(mode="json", exclude_unset=True)
    wrapped: JSON = _wrap_secrets(raw, kind, path, validated, (), problems)
    return wrapped


def _wrap_secrets(raw: RawStack, kind: Kind, base: FieldPath, value: Any, rel: FieldPath, problems: Problems) -> Any:
    """Replace each secret value by a Secret; a secret not taken from ${env:} or ${file:} is an error."""
    if not kind.fields.secrets:
        return value
    if rel and matches_any(kind.fields.secrets, rel) and isinstance(value, str):
        full = (*base, *rel)
        ref = raw.refs.get(full)
        if ref is None:
            problems.append((nearest_location(raw, full),
                             f"{dotted(full)}: a secret must come from ${{env:NAME}} or ${{file:PATH}}, "
                             "not a literal value"))
            return value
        if not value and full not in raw.missing_env:
            problems.append((nearest_location(raw, full), f"{dotted(full)}: the secret is empty ({ref})"))
            return value
        if value and len(value) < MIN_SCRUB_LENGTH:
            problems.append((nearest_location(raw, full),
                             f"{dotted(full)}: the secret is too short ({len(value)} characters, from {ref}): "
                             f"secrets must have at least {MIN_SCRUB_LENGTH} characters, so that no output can "
                             "show them; is the variable set to a placeholder?"))
            return value
        return Secret(value, _stable_ref(raw, full, ref))
    if isinstance(value, dict):
        return {k: _wrap_secrets(raw, kind, base, v, (*rel, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_wrap_secrets(raw, kind, base, v, (*rel, i), problems) for i, v in enumerate(value)]
    return value


def _stable_ref(raw: RawStack, path: FieldPath, ref: str) -> str:
    """File references are kept relative to the stack's folder (`raw.root`), so a saved plan
    re-reads them from there, whatever the working directory of `apply`; absolute ones as written."""
    if not ref.startswith("file:"):
        return ref
    target = Path(ref[len("file:"):])
    if target.is_absolute():
        return ref
    location = raw.locations.get(path)
    base = Path(location.file).parent if location else raw.root  # location.file: shown, from the cwd
    resolved = os.path.abspath(base / target)
    try:
        return "file:" + Path(os.path.relpath(resolved, raw.root)).as_posix()
    except ValueError:  # another drive
        return "file:" + resolved


def _check_protect(raw: RawStack, meta: StackMeta, problems: Problems) -> None:
    section = raw.data.get("stack")
    written = section.get("protect") if isinstance(section, dict) else None
    entries = list(written) if isinstance(written, list) else []
    for entry in sorted(meta.protect):
        kind_name, _, name = entry.partition(".")
        index = entries.index(entry) if entry in entries else None  # an include's entries keep their place
        where = nearest_location(raw, ("stack", "protect") if index is None else ("stack", "protect", index))
        if kind_name not in COLLECTION_KINDS:
            hint = did_you_mean(kind_name, COLLECTION_KINDS)
            example = f"{COLLECTION_KINDS[-1]}.NAME"
            problems.append((where, f"stack.protect: {entry!r} is not an address like {example}{hint}"))
        elif not name:
            problems.append((where, f"stack.protect: {entry!r} names a kind, not an object: "
                                    f"write {kind_name}.NAME (a whole kind is protected by leaving it out of prune)"))


def _check_needs(raw: RawStack, state: DesiredState, problems: Problems) -> None:
    """What declared objects need of a singleton the stack also declares (References.needs: push
    providers need the app's push version v2 or v3), at the singleton's field."""
    for kind in KINDS:
        if not state.objects.get(kind.name):
            continue
        for target_name, check in kind.refs.needs.items():
            body = state.bodies(target_name).get(target_name)
            problem = check(body) if body is not None else None
            if problem:
                path, text = problem
                problems.append((nearest_location(raw, (target_name, *path)), f"{kind.name}: {text}"))


def _check_references(state: DesiredState, problems: Problems) -> list[str]:
    """References to declared objects that cannot be named there (`References.fits`: a template
    for one push type naming a provider of another) as problems; those to objects neither
    built-in nor declared as warnings (fine only if they exist live, which plan checks, as it
    checks whether a live one fits)."""
    context = state.context()
    unresolved: list[str] = []
    for ref in state.references(context):
        if state.has(ref.target_kind.name, ref.target):
            misfit = ref.misfit(context)
            if misfit:
                problems.append((ref.place, f"{ref.what}, {misfit}"))
        elif not ref.target_kind.builtin(ref.target, {}):
            unresolved.append(f"{ref.text}, which the stack does not declare; plan checks that it exists live")
    return unresolved
