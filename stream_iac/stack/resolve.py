"""Merged stack → plain data: the merged `Item` tree flattened into dicts, lists and scalars,
with `${env:…}`, `${file:…}` and `${var:…}` resolved and the place of every value recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stream_iac.errors import Location
from stream_iac.paths import FieldPath
from stream_iac.secrets import register
from stream_iac.stack import refs
from stream_iac.stack.diagnostics import did_you_mean
from stream_iac.stack.includes import Loader
from stream_iac.stack.located import Item, Template, WordList, absolute
from stream_iac.stack.yaml_nodes import read_text

API_SECRET_ENV = "STREAM_API_SECRET"
_INCLUDE = ("stack", "include")
_VARS = ("stack", "vars")


def _api_secret_vars(top: dict[str, Item]) -> frozenset[str]:
    """The environment variables the API secret is read from for this stack: STREAM_API_SECRET and
    the stack's own `stack.credentials.api_secret_env`, when it names one."""
    names = {API_SECRET_ENV}
    node: Any = top.get("stack")
    for key in ("credentials", "api_secret_env"):
        node = node.value.get(key) if node is not None and isinstance(node.value, dict) else None
    if node is not None and isinstance(node.value, str) and node.value:
        names.add(node.value)
    return frozenset(names)


def read_file_reference(path: Path) -> str:
    """The value of `${file:…}` naming the file at `path`: its text, read as every stack file is
    (a regular file of at most 10 MiB, no NUL bytes, UTF-8, a leading BOM dropped), without one
    final line break (LF or CRLF); every other byte as it is. Raises FileProblem. `apply PLANFILE`
    re-reads `${file:}` secrets with this function, so they are sent exactly as `apply STACK`
    sends them."""
    text = read_text(path)
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")


class Flattener:
    """Turns the merged `Item` tree into plain data, resolving references and
    recording locations. `stack.vars` is resolved first; it may use env and file refs."""

    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.locations: dict[FieldPath, Location] = {}
        self.key_locations: dict[FieldPath, Location] = {}
        self.refs: dict[FieldPath, str] = {}
        self.line_indexes: dict[FieldPath, tuple[str, tuple[int, ...]]] = {}
        self.missing_env: dict[FieldPath, str] = {}
        self.vars: dict[str, Any] = {}
        self.done: dict[FieldPath, Any] = {}
        self.in_vars = False
        self.api_secret_vars: frozenset[str] = frozenset()
        self.referenced: set[FieldPath] = set()  # values built from ${env:} or ${file:} (or vars that are)

    def run(self, top: dict[str, Item]) -> dict[str, Any]:
        self.api_secret_vars = _api_secret_vars(top)
        for name in sorted(self.api_secret_vars):  # before any value is read, so none can show it
            register(self.loader.env.get(name) or "")
        meta = top.get("stack")
        if meta is not None and isinstance(meta.value, dict) and "vars" in meta.value:
            self.vars = self.resolve_vars(meta.value["vars"])
        return {key: self.walk(item, (key,)) for key, item in top.items()}

    def resolve_vars(self, item: Item) -> dict[str, Any]:
        self.in_vars = True
        values = self.walk(item, _VARS)
        self.in_vars = False
        self.done[_VARS] = values
        if values is None:
            return {}
        if not isinstance(values, dict):
            self.loader.problem(item.where(), "stack.vars must be a mapping of name: value")
            return {}
        for name, value in values.items():
            if not isinstance(value, str | int | float | bool):
                where = self.locations.get((*_VARS, name))
                self.loader.problem(where, f"stack.vars.{name} must be text, a number or true/false")
        return values

    def walk(self, item: Item, path: FieldPath) -> Any:
        if path == _VARS and path in self.done:  # resolved first, before the rest of `stack`
            return self.done[path]
        if item.key_loc is not None:
            self.key_locations[path] = item.key_loc
        self.locations[path] = item.where()
        value = item.value
        if isinstance(value, dict):
            return {key: self.walk(child, (*path, key)) for key, child in value.items()}
        if isinstance(value, list):
            return [self.walk(child, (*path, i)) for i, child in enumerate(value)]
        if isinstance(value, Template):
            return value.text if path[:2] == _INCLUDE else self.resolve(value, item, path)
        if isinstance(value, WordList):
            self.line_indexes[path] = (value.file, value.lines)
            return list(value.words)
        return value

    def resolve(self, template: Template, item: Item, path: FieldPath) -> Any:
        def lookup(ref: refs.Ref) -> Any:
            if ref.kind == "env":
                return self.env_value(ref.arg, item, path)
            if ref.kind == "file":
                return self.file_value(ref.arg, item)
            return self.var_value(ref.arg, item)

        value = refs.render(template.parts, lookup)
        whole = refs.whole_ref(template.parts)
        if whole is not None and whole.kind in ("env", "file"):
            self.refs[path] = str(whole)
        if any(isinstance(p, refs.Ref) and (p.kind in ("env", "file") or p.kind == "var" and
                                            (*_VARS, p.arg) in self.referenced) for p in template.parts):
            self.referenced.add(path)  # read from outside the stack: no message shows it
        return value

    def env_value(self, name: str, item: Item, path: FieldPath) -> str:
        """An empty variable counts as missing: CI systems expand an unset secret to "" (GitHub
        Actions does), and an empty credential is never what a stack means. The API secret cannot
        be used: it would be sent in requests and shown in plans."""
        if name in self.api_secret_vars:
            self.loader.problem(item.loc, f"${{env:{name}}} is the API secret: a stack cannot use it (it would be "
                                          "sent in requests and shown in plans)")
            return ""
        value = self.loader.env.get(name)
        if value:
            return value
        if self.loader.allow_missing_env:
            self.missing_env.setdefault(path, name)
        elif value is None:
            self.loader.problem(item.loc, f"environment variable {name} is not set (used as ${{env:{name}}})")
        else:
            self.loader.problem(item.loc, f"environment variable {name} is empty (used as ${{env:{name}}}); "
                                          "an unset CI secret expands to an empty string")
        return ""

    def file_value(self, relative: str, item: Item) -> str:
        path = absolute(item.source.parent / relative)
        text = self.loader.read_referenced(path, item.loc, f"${{file:{relative}}}", read=read_file_reference)
        return "" if text is None else text

    def var_value(self, name: str, item: Item) -> Any:
        if self.in_vars:
            self.loader.problem(item.loc, f"${{var:{name}}} cannot be used inside stack.vars")
            return ""
        if name not in self.vars:
            hint = did_you_mean(name, self.vars) or (
                f" (stack.vars defines: {', '.join(sorted(self.vars))})" if self.vars else " (stack.vars is empty)"
            )
            self.loader.problem(item.loc, f"unknown var {name!r} in ${{var:{name}}}{hint}")
            return ""
        return self.vars[name]
