"""What every handler receives and returns, plus small shared helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from ..pipeline.errors import bad_request
from ..pipeline.ratelimit import LimitInfo
from ..pipeline.schema import Node
from ..store.builtins import Builtins, builtin_permissions
from ..store.state import AppState

SECRET_MASK = "********"
ISO_FRACTION = re.compile(r"^(.*?)(?:\.(\d+))?((?:Z|[+-]\d{2}:?\d{2})?)$")  # whole seconds, fraction, zone
JsonValue = TypeVar("JsonValue")


def json_copy(value: JsonValue) -> JsonValue:
    """A deep copy of JSON-shaped data (dicts, lists, scalars), as ``copy.deepcopy`` makes of it but
    several times faster: views copy large parts of the state on every uncached read."""
    if isinstance(value, dict):
        return cast(JsonValue, {key: json_copy(item) for key, item in value.items()})
    if isinstance(value, list):
        return cast(JsonValue, [json_copy(item) for item in value])
    return value


@dataclass
class Context:
    api_key: str
    state: AppState  # a private working copy for writes; a (possibly stale) read-only view for reads
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    now: float  # unix seconds
    builtins: Builtins
    rate_limit_info: Callable[[str], LimitInfo]
    operation_ids: tuple[str, ...]  # every endpoint GetRateLimits reports on
    strict: bool = False  # refuse fields the spec does not define (else they are dropped)
    legacy: bool = False  # the request came on a legacy (un-prefixed) path, as the classic SDKs call them

    @property
    def now_ns(self) -> int:
        return int(round(self.now * 1_000_000_000))

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def validated_body(self, schema: Node) -> dict[str, Any]:
        """The body, checked against ``schema`` and normalised: keys in another letter case renamed, unknown
        keys dropped (or refused when ``strict``)."""
        schema.check(self.body, "", self.strict)
        body: dict[str, Any] = self.body
        return body


Result = tuple[int, dict[str, Any]]
Handler = Callable[[Context], Result]


def ok(body: dict[str, Any] | None = None) -> Result:
    return 200, dict(body or {})


def created(body: dict[str, Any] | None = None) -> Result:
    return 201, dict(body or {})


def dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def given(body: dict[str, Any], name: str) -> bool:
    """True when the field is present and not JSON null."""
    return body.get(name) is not None


def timestamp_to_ns(value: Any) -> int:
    """Accept RFC-3339/ISO-8601 strings (up to nanosecond fractions, as the legacy paths write them) or
    numbers (nanoseconds; seconds/milliseconds when small)."""
    if isinstance(value, str):
        whole, fraction, zone = ISO_FRACTION.match(value).groups()  # type: ignore[union-attr]
        try:
            parsed = datetime.fromisoformat((whole + zone).replace("Z", "+00:00"))
        except ValueError as exc:
            raise bad_request(f"invalid date-time {value!r}") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)  # no zone: UTC, whatever the emulator's machine says
        nanoseconds = int((fraction or "0")[:9].ljust(9, "0"))
        return int(parsed.timestamp()) * 1_000_000_000 + nanoseconds
    number = float(value)
    if abs(number) < 1e11:
        return int(number * 1_000_000_000)
    if abs(number) < 1e14:
        return int(number * 1_000_000)
    return value if isinstance(value, int) else int(number)  # an int keeps all its digits


def mask(value: Any) -> str:
    return SECRET_MASK if value else ""


def is_multi_tenant(state: AppState) -> bool:
    return bool(state.settings.get("multi_tenant_enabled", False))


def known_roles(state: AppState, builtins: Builtins) -> set[str]:
    return set(builtins.roles) | set(state.roles)


def permission_exists(state: AppState, permission_id: str) -> bool:
    return permission_id in builtin_permissions() or permission_id in state.permissions


def validate_grants(grants: dict[str, Any], state: AppState, builtins: Builtins) -> None:
    roles = known_roles(state, builtins)
    for role, permission_ids in grants.items():
        if permission_ids is None:
            continue
        if role not in roles:
            raise bad_request(f'role "{role}" does not exist')
        for permission_id in permission_ids:
            if not permission_exists(state, permission_id):
                raise bad_request(f'permission "{permission_id}" does not exist')


def apply_grants(
    current: dict[str, list[str]], change: dict[str, Any] | None, defaults: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Per-role replace; ``[]`` removes the role's grants; ``None`` (JSON null) resets the scope."""
    if change is None:
        return {role: list(ids) for role, ids in defaults.items()}
    result = {role: list(ids) for role, ids in current.items()}
    for role, permission_ids in change.items():
        if permission_ids is None:
            continue
        if permission_ids:
            result[role] = dedupe(permission_ids)
        else:
            result.pop(role, None)
    return result


def scopes_of_role(state: AppState, role: str) -> list[str]:
    return [scope for scope, grants in state.grants.items() if grants.get(role)]


def scopes_granting_permission(state: AppState, permission_id: str) -> list[str]:
    return [
        scope
        for scope, grants in state.grants.items()
        if any(permission_id in permission_ids for permission_ids in grants.values())
    ]
