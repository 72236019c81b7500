"""Error types. Every error a user can cause is a `UserError`: the CLI prints its
message (one line or a short list) and exits 1, never a traceback."""

from __future__ import annotations

from typing import Any, NamedTuple


class Location(NamedTuple):
    """A place in a stack file; line and column are 1-based. (A named tuple: the loader makes
    one per YAML node, and a frozen dataclass costs three times as much to build.)"""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


Problem = tuple[Location | None, str]
"""One problem found in a stack: where (when known) and what."""


class UserError(Exception):
    """Something the user can fix: bad input, missing settings, an API rejection."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class StackError(UserError):
    """One or more problems in a stack, each with its location."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [f"{loc}: {text}" if loc else text for loc, text in problems]
        super().__init__("\n".join(lines))


class ConfigError(UserError):
    """Connection settings or command-line usage that cannot work."""


class ApiError(UserError):
    """The Stream API rejected a request. `message` is already redacted."""

    def __init__(self, operation: str, status: int, code: int, api_message: str) -> None:
        self.operation = operation
        self.status = status
        self.code = code
        self.api_message = api_message
        detail = api_message.removeprefix(f"{operation} failed with error: ")
        super().__init__(f"{operation} failed (HTTP {status}, Stream error code {code}): {detail}")


class TransportError(UserError):
    """The API could not be reached (connection refused, timeout, dropped connection)."""


class OutcomeUnknown(UserError):
    """A write was sent but no answer came back, so it may or may not have taken effect.
    The caller must check live state before trying again."""

    def __init__(self, operation: str, reason: str) -> None:
        self.operation = operation
        super().__init__(f"{operation}: outcome unknown ({reason})")


class StalePlanError(UserError):
    """A saved plan no longer matches live state."""


def json_type_name(value: Any, *, null: str = "null") -> str:
    """A JSON value's type in words, for messages about data of the wrong shape (never the value
    itself: it may be long, or a secret)."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"
