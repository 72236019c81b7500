"""`${…}` references inside stack string values.

    ${env:NAME}       an environment variable
    ${file:rel/path}  the text of a file, relative to the YAML file that names it
    ${var:name}       a value from the merged `stack.vars`
    $${               a literal `${`

This module only parses and renders; the loader decides where values come from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stream_iac.stack.diagnostics import did_you_mean

KINDS = ("env", "file", "var")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_VAR_NAME = re.compile(r"[^\s{}$]+\Z")


class RefSyntaxError(ValueError):
    """A string that mentions `${` but is not a well-formed reference."""


@dataclass(frozen=True)
class Ref:
    kind: str  # one of KINDS
    arg: str  # variable name, file path or var name

    def __str__(self) -> str:
        return f"{self.kind}:{self.arg}"


Part = str | Ref


def might_have_refs(text: str) -> bool:
    """Cheap test: does parsing this string matter at all?"""
    return "${" in text


def parse(text: str) -> tuple[Part, ...]:
    """Split a string into literal text and references; raises RefSyntaxError."""
    parts: list[Part] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$${", i):
            literal.append("${")
            i += 3
        elif text.startswith("${", i):
            end = text.find("}", i + 2)
            if end < 0:
                raise RefSyntaxError(
                    f"unterminated reference {_shorten(text[i:])!r} (write '$${{' for a literal '${{')"
                )
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(_parse_ref(text[i + 2 : end]))
            i = end + 1
        else:
            literal.append(text[i])
            i += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def _parse_ref(body: str) -> Ref:
    shown = "${" + body + "}"
    kind, sep, arg = body.partition(":")
    kind, arg = kind.strip(), arg.strip()
    if not sep:
        raise RefSyntaxError(
            f"malformed reference {shown!r}: expected ${{env:NAME}}, ${{file:path}} or ${{var:name}}"
        )
    if kind not in KINDS:
        hint = did_you_mean(kind, KINDS) or " (expected env, file or var)"
        raise RefSyntaxError(f"unknown reference kind {kind!r} in {shown!r}{hint}")
    if not arg:
        raise RefSyntaxError(f"empty reference {shown!r}")
    if kind == "env" and not _ENV_NAME.match(arg):
        raise RefSyntaxError(f"invalid environment variable name {arg!r} in {shown!r}")
    if kind == "var" and not _VAR_NAME.match(arg):
        raise RefSyntaxError(f"invalid var name {arg!r} in {shown!r}")
    return Ref(kind, arg)


def whole_ref(parts: tuple[Part, ...]) -> Ref | None:
    """The reference, when the string is exactly one reference and nothing else."""
    if len(parts) == 1 and isinstance(parts[0], Ref):
        return parts[0]
    return None


def render(parts: tuple[Part, ...], lookup: Callable[[Ref], Any]) -> Any:
    """Substitute every reference. A string that is exactly one reference takes the
    looked-up value as it is (so `${var:limit}` can stay a number); otherwise each
    value is converted to text. The result is never parsed again."""
    only = whole_ref(parts)
    if only is not None:
        return lookup(only)
    return "".join(p if isinstance(p, str) else as_text(lookup(p)) for p in parts)


def as_text(value: Any) -> str:
    """How a scalar looks when embedded in a longer string (YAML spelling for booleans/null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
