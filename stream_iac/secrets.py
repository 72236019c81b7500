"""Secret values. A secret is held in a `Secret` wrapper from the moment it is read
from the environment or a file; its str/repr never show the value, and only
`reveal()` (used when building a request body) gives it out."""

from __future__ import annotations

import json
from typing import Any

REDACTED = "(sensitive)"
# Text scrubbing is the last line of defence behind redaction by field path. Values shorter than
# this would garble ordinary words, and are not secrets worth the name.
MIN_SCRUB_LENGTH = 4


class Secret:
    __slots__ = ("_value", "ref")

    def __init__(self, value: str, ref: str) -> None:
        self._value = value
        self.ref = ref  # where it came from, e.g. "env:APN_P8" or "file:keys/apn.p8"

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


def redaction_forms(values: list[str]) -> list[str]:
    """Each value as is and as it appears inside a JSON string (escaped), to scrub both."""
    forms: list[str] = []
    for value in values:
        if value:
            forms.append(value)
            forms.append(json.dumps(value)[1:-1])
            forms.append(json.dumps(value, ensure_ascii=False)[1:-1])
    return forms


def scrub(text: str, values: list[str]) -> str:
    """Replace every occurrence of each value, raw or JSON-escaped (longest first), by the marker."""
    forms = redaction_forms([v for v in values if len(v) >= MIN_SCRUB_LENGTH])
    for v in sorted(set(forms), key=len, reverse=True):
        text = text.replace(v, REDACTED)
    return text
