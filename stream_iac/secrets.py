"""Secret values. A secret is held in a `Secret` wrapper from the moment it is read
from the environment or a file; its str/repr never show the value, and only
`reveal()` (used when building a request body) gives it out.

Redaction by value is the last line of defence behind redaction by field path: every secret value
(each `Secret`, the API secret, the server token) is registered with the `Redactor` of the command
being run as soon as it is read, and everything the command writes passes through that redactor
(`stream_iac.cli.output.Output`). It finds a value in every form an API or a log might show it in:
as is, JSON-escaped in each common style, URL-encoded, HTML-escaped, quoted, base64 (also inside a
longer base64 text) and hex.

Short values: a value shorter than MIN_SCRUB_LENGTH is never searched for. Replacing "true" or
"1" everywhere would garble every output, and the pattern of the replacements would give the
value away. Such values are kept out of output by construction instead: a stack secret that short
is refused when the stack is validated, and the API secret is only ever used to sign (it is never
sent, and a stack cannot reference it).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "(sensitive)"
MIN_SCRUB_LENGTH = 8
"""Values shorter than this are never searched for in text (see the module's docstring)."""


class Secret:
    __slots__ = ("_value", "ref")

    def __init__(self, value: str, ref: str) -> None:
        self._value = value
        self.ref = ref  # where it came from, e.g. "env:APN_P8" or "file:keys/apn.p8"
        register(value, ref)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.ref})"

    def __str__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value and other.ref == self.ref

    def __hash__(self) -> int:
        return hash(self.ref)


def reveal_all(value: Any) -> Any:
    """A copy of a JSON-like value with every Secret replaced by its real value."""
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, dict):
        return {k: reveal_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal_all(v) for v in value]
    return value


def secret_values(value: Any) -> list[str]:
    """Every secret value inside a JSON-like value (for scrubbing text that may echo them)."""
    found: list[str] = []
    if isinstance(value, Secret):
        found.append(value.reveal())
    elif isinstance(value, dict):
        for v in value.values():
            found.extend(secret_values(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(secret_values(v))
    return found


# ---------------------------------------------------------------- the forms a value is found in


def _json_styles(text: str) -> set[str]:
    """`text` inside a JSON string as the common encoders write it: Python's (ASCII and not),
    with `/` escaped as `\\/` (PHP, some Java), Go's HTML-safe `\\u0026 \\u003c \\u003e`, and
    upper-case hex digits."""
    ascii_form = json.dumps(text)[1:-1]
    unicode_form = json.dumps(text, ensure_ascii=False)[1:-1]
    forms = {text, ascii_form, unicode_form}
    for form in (ascii_form, unicode_form):
        forms.add(form.replace("/", "\\/"))
        go = form.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        forms.add(go)
        forms.add(go.replace("/", "\\/"))
    forms |= {re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), f) for f in list(forms)}
    return forms


def _url_forms(text: str) -> set[str]:
    forms = {quote(text, safe=""), quote(text), quote_plus(text), quote_plus(text, safe="/"), quote(text, safe="/:@")}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in list(forms)}
    return forms


def _quoted_forms(text: str) -> set[str]:
    """Escapes and quoting a message might wrap the value in (Python repr, shell, CSV, YAML, HTML)."""
    return {
        repr(text)[1:-1],
        text.replace("'", "'\\''"),
        text.replace('"', '""'),
        text.replace("'", "''"),
        text.replace('"', '\\"'),
        text.replace("\\", "\\\\"),
        html.escape(text, quote=False),
        html.escape(text),
        html.escape(text).replace("&#x27;", "&#39;"),
    }


def _base64_forms(raw: bytes) -> set[str]:
    """base64 (standard and URL-safe, with and without padding) of `raw`, and the characters that
    encode only `raw` when it sits at any offset inside a longer base64 text."""
    forms: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        start, end = (shift * 8 + 5) // 6, (shift + len(raw)) * 8 // 6
        candidates = [encoded[start:end]]
        if shift == 0:
            candidates += [encoded, encoded.rstrip("=")]
        for form in candidates:
            if len(form) >= MIN_SCRUB_LENGTH:
                forms.add(form)
                forms.add(form.translate(_URLSAFE))
    return forms


_URLSAFE = str.maketrans("+/", "-_")


@functools.lru_cache(maxsize=1024)
def forms_of(value: str) -> frozenset[str]:
    """Every form `value` is searched for in (none when it is shorter than MIN_SCRUB_LENGTH)."""
    if len(value) < MIN_SCRUB_LENGTH:
        return frozenset()
    raw = value.encode("utf-8")
    bases = {value, raw.hex(), raw.hex().upper()}
    bases |= _url_forms(value) | _quoted_forms(value) | _base64_forms(raw)
    forms: set[str] = set()
    for base in bases:
        forms |= _json_styles(base)
    forms |= _json_styles(json.dumps(value)[1:-1])  # JSON inside JSON (an error quoting a body)
    return frozenset(f for f in forms if len(f) >= MIN_SCRUB_LENGTH)


def redaction_forms(values: Iterable[str]) -> list[str]:
    """Every form of each value, longest first (so a longer form is replaced before a part of it)."""
    forms: set[str] = set()
    for value in values:
        if value:
            forms |= forms_of(value)
    return _longest_first(forms)


_FEW_FORMS = 256
"""Up to this many forms, `Redactor.found_in` searches the text once per form (C-speed each);
beyond, it looks the text's places up in an index of the forms by their first characters."""


def _longest_first(forms: Iterable[str]) -> list[str]:
    return sorted(forms, key=lambda f: (-len(f), f))


def scrub_forms(text: str, forms: list[str]) -> str:
    """Replace every occurrence of each form (longest first) by the marker."""
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def scrub(text: str, values: Iterable[str]) -> str:
    """`text` with every value, in every form it can be found in, replaced by the marker."""
    return scrub_forms(text, redaction_forms(values))


# ---------------------------------------------------------------- the values of one command run


class Redactor:
    """The secret values one command run knows (and where each came from, when known), and the
    redaction of text and of JSON-like data by them. Data is redacted inside its strings, after it
    is built and before it is serialised, so JSON and YAML stay well-formed whatever the values are."""

    def __init__(self) -> None:
        self._refs: dict[str, str | None] = {}
        self._forms: list[str] | None = None
        # Each value's forms, kept here: a fleet's command knows thousands of values (a secret and
        # a token per app), more than `forms_of`'s cache holds, and the forms are gathered again
        # whenever a value is added.
        self._value_forms: dict[str, frozenset[str]] = {}
        self._by_start: dict[str, list[str]] | None = None

    def add(self, value: str, ref: str | None = None) -> None:
        """Register `value` (and, for a value of several lines, each long line of it)."""
        if not isinstance(value, str) or not value:
            return
        if value not in self._refs or (ref and not self._refs[value]):
            self._refs[value] = ref
            self._forms = None
        for line in value.splitlines():
            line = line.strip()
            if len(line) >= MIN_SCRUB_LENGTH and line not in self._refs:
                self._refs[line] = None
                self._forms = None

    @property
    def values(self) -> list[str]:
        return list(self._refs)

    def reference(self, value: str) -> str | None:
        """Where `value` came from ("env:NAME", "file:path"), when known."""
        return self._refs.get(value)

    def references(self) -> dict[str, str]:
        """value → reference, for every value whose origin is known."""
        return {value: ref for value, ref in self._refs.items() if ref}

    @property
    def forms(self) -> list[str]:
        """Every form of every value, longest first (`redaction_forms`)."""
        if self._forms is None:
            forms: set[str] = set()
            for value in self._refs:
                known = self._value_forms.get(value)
                if known is None:
                    known = self._value_forms[value] = forms_of(value)
                forms |= known
            self._forms = _longest_first(forms)
            self._by_start = None
        return self._forms

    def scrub(self, text: str) -> str:
        """`text` with every form of every value replaced by the marker (`scrub_forms`)."""
        return scrub_forms(text, self.forms) if self.found_in(text) else text

    def found_in(self, text: str) -> bool:
        """Whether any value, in any form, occurs in `text`."""
        forms = self.forms
        if len(forms) <= _FEW_FORMS:
            return any(form in text for form in forms)
        # A fleet's command knows thousands of forms: look each place of the text up by the
        # characters a form would start with there, rather than search the text once per form.
        by_start = self._forms_by_start()
        for i in range(len(text) - MIN_SCRUB_LENGTH + 1):
            starting = by_start.get(text[i:i + MIN_SCRUB_LENGTH])
            if starting is not None and any(text.startswith(form, i) for form in starting):
                return True
        return False

    def _forms_by_start(self) -> dict[str, list[str]]:
        forms = self.forms  # first: gathering the forms again drops a stale index
        if self._by_start is None:
            by_start: dict[str, list[str]] = {}
            for form in forms:  # every form is at least MIN_SCRUB_LENGTH long
                by_start.setdefault(form[:MIN_SCRUB_LENGTH], []).append(form)
            self._by_start = by_start
        return self._by_start

    def scrub_data(self, data: Any) -> Any:
        """A JSON-like value with every string in it (keys too) scrubbed; the value itself when
        nothing in it needs scrubbing (checked first on its JSON text, which is fast)."""
        if not self.forms:
            return data
        pieces: list[str] = []
        _collect_text(data, pieces)
        if not self.found_in("\x00".join(pieces)):  # every string as it is: no escaping hides a form
            return data
        return self._walk(data)

    def _walk(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, dict):
            return {self._walk(k) if isinstance(k, str) else k: self._walk(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self._walk(v) for v in data]
        if isinstance(data, int | float) and not isinstance(data, bool):
            text = str(data)
            return REDACTED if self.scrub(text) != text else data
        if data is None or isinstance(data, bool):
            return data
        text = str(data)  # another object (a reference the caller renders itself): kept unless it shows one
        scrubbed = self.scrub(text)
        return data if scrubbed == text else scrubbed


def _collect_text(data: Any, pieces: list[str]) -> None:
    """Every string in a JSON-like value (keys too), and the text of its other scalars."""
    if isinstance(data, str):
        pieces.append(data)
    elif isinstance(data, dict):
        for key, value in data.items():
            pieces.append(str(key))
            _collect_text(value, pieces)
    elif isinstance(data, list | tuple):
        for value in data:
            _collect_text(value, pieces)
    elif data is not None and not isinstance(data, bool):
        pieces.append(str(data))


_ACTIVE: ContextVar[Redactor | None] = ContextVar("stream_iac_redactor", default=None)


def active_redactor() -> Redactor | None:
    """The redactor of the command being run, if any."""
    return _ACTIVE.get()


def activate(redactor: Redactor) -> Any:
    """Make `redactor` the one every secret read from now on is registered with; a token for
    `deactivate`."""
    return _ACTIVE.set(redactor)


def deactivate(token: Any) -> None:
    _ACTIVE.reset(token)


def register(value: str, ref: str | None = None) -> None:
    """Tell the running command that `value` is secret (no-op outside a command run)."""
    redactor = _ACTIVE.get()
    if redactor is not None:
        redactor.add(value, ref)


__all__ = ["MIN_SCRUB_LENGTH", "REDACTED", "Redactor", "Secret", "activate", "active_redactor",
           "deactivate", "forms_of", "redaction_forms", "register", "reveal_all", "scrub", "secret_values"]
