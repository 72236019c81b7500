"""The operation table and path matching."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..handlers import (
    app_settings,
    blocklists,
    channel_types,
    commands,
    permissions,
    push,
    rate_limits,
    retention,
    roles,
)
from ..handlers.common import Handler

API_PREFIX = "/api/v2"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    pattern: str
    handler: Handler
    writes: bool

    @property
    def segments(self) -> list[str]:
        return (API_PREFIX + self.pattern).split("/")[1:]


def _op(operation_id: str, method: str, pattern: str, handler: Handler, writes: bool = False) -> Operation:
    return Operation(operation_id, method, pattern, handler, writes)


OPERATIONS: tuple[Operation, ...] = (
    _op("GetApp", "GET", "/app", app_settings.get_app),
    _op("UpdateApp", "PATCH", "/app", app_settings.update_app, writes=True),
    _op("ListChannelTypes", "GET", "/chat/channeltypes", channel_types.list_channel_types),
    _op("CreateChannelType", "POST", "/chat/channeltypes", channel_types.create_channel_type, writes=True),
    _op("GetChannelType", "GET", "/chat/channeltypes/{name}", channel_types.get_channel_type),
    _op("UpdateChannelType", "PUT", "/chat/channeltypes/{name}", channel_types.update_channel_type, writes=True),
    _op("DeleteChannelType", "DELETE", "/chat/channeltypes/{name}", channel_types.delete_channel_type, writes=True),
    _op("ListCommands", "GET", "/chat/commands", commands.list_commands),
    _op("CreateCommand", "POST", "/chat/commands", commands.create_command, writes=True),
    _op("GetCommand", "GET", "/chat/commands/{name}", commands.get_command),
    _op("UpdateCommand", "PUT", "/chat/commands/{name}", commands.update_command, writes=True),
    _op("DeleteCommand", "DELETE", "/chat/commands/{name}", commands.delete_command, writes=True),
    _op("ListBlockLists", "GET", "/blocklists", blocklists.list_blocklists),
    _op("CreateBlockList", "POST", "/blocklists", blocklists.create_blocklist, writes=True),
    _op("GetBlockList", "GET", "/blocklists/{name}", blocklists.get_blocklist),
    _op("UpdateBlockList", "PUT", "/blocklists/{name}", blocklists.update_blocklist, writes=True),
    _op("DeleteBlockList", "DELETE", "/blocklists/{name}", blocklists.delete_blocklist, writes=True),
    _op("ListRoles", "GET", "/roles", roles.list_roles),
    _op("CreateRole", "POST", "/roles", roles.create_role, writes=True),
    _op("DeleteRole", "DELETE", "/roles/{name}", roles.delete_role, writes=True),
    _op("ListPermissions", "GET", "/permissions", permissions.list_permissions),
    _op("CreatePermission", "POST", "/permissions", permissions.create_permission, writes=True),
    _op("GetPermission", "GET", "/permissions/{id}", permissions.get_permission),
    _op("UpdatePermission", "PUT", "/permissions/{id}", permissions.update_permission, writes=True),
    _op("DeletePermission", "DELETE", "/permissions/{id}", permissions.delete_permission, writes=True),
    _op("ListPushProviders", "GET", "/push_providers", push.list_push_providers),
    _op("UpsertPushProvider", "POST", "/push_providers", push.upsert_push_provider, writes=True),
    _op("DeletePushProvider", "DELETE", "/push_providers/{type}/{name}", push.delete_push_provider, writes=True),
    _op("GetPushTemplates", "GET", "/push_templates", push.get_push_templates),
    _op("UpsertPushTemplate", "POST", "/push_templates", push.upsert_push_template, writes=True),
    _op("GetRetentionPolicy", "GET", "/chat/retention_policy", retention.get_retention_policies),
    _op("SetRetentionPolicy", "POST", "/chat/retention_policy", retention.set_retention_policy, writes=True),
    _op(
        "DeleteRetentionPolicy", "POST", "/chat/retention_policy/delete", retention.delete_retention_policy,
        writes=True,
    ),
    _op("GetRetentionPolicyRuns", "POST", "/chat/retention_policy/runs", retention.get_retention_policy_runs),
    _op("GetRateLimits", "GET", "/rate_limits", rate_limits.get_rate_limits),
)
OPERATION_IDS: tuple[str, ...] = tuple(operation.operation_id for operation in OPERATIONS)
WRITE_METHODS: frozenset[str] = frozenset(operation.method for operation in OPERATIONS if operation.writes)


@dataclass(frozen=True)
class RouteMatch:
    operation: Operation | None  # None: the path exists but not with this method
    params: dict[str, str]
    allowed_methods: tuple[str, ...]


def _parameter_name(segment: str) -> str | None:
    """``name`` for a ``{name}`` pattern segment, None for a literal one."""
    return segment[1:-1] if segment.startswith("{") and segment.endswith("}") else None


@dataclass(frozen=True)
class _CompiledOperation:
    operation: Operation
    segments: tuple[str, ...]
    parameters: tuple[str | None, ...]  # per segment: the parameter name, None for a literal
    literal_segments: int

    def match(self, segments: Sequence[str]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for expected, parameter, actual in zip(self.segments, self.parameters, segments, strict=True):
            if parameter is None:
                if expected != actual:
                    return None
            elif actual == "":
                return None
            else:
                params[parameter] = actual
        return params


def _compile(operation: Operation) -> _CompiledOperation:
    segments = tuple(operation.segments)
    parameters = tuple(_parameter_name(segment) for segment in segments)
    return _CompiledOperation(operation, segments, parameters, parameters.count(None))


def _operations_by_segment_count() -> dict[int, tuple[_CompiledOperation, ...]]:
    """Compiled once at import: matching runs on every request and only same-length patterns can match."""
    grouped: dict[int, list[_CompiledOperation]] = {}
    for operation in OPERATIONS:
        compiled = _compile(operation)
        grouped.setdefault(len(compiled.segments), []).append(compiled)
    return {length: tuple(items) for length, items in grouped.items()}


_OPERATIONS_BY_SEGMENT_COUNT = _operations_by_segment_count()


def match_route(method: str, segments: list[str]) -> RouteMatch | None:
    """Find the operation for a path; literal segments win over parameters (``/retention_policy/runs``)."""
    candidates: list[tuple[_CompiledOperation, dict[str, str]]] = []
    for compiled in _OPERATIONS_BY_SEGMENT_COUNT.get(len(segments), ()):
        params = compiled.match(segments)
        if params is not None:
            candidates.append((compiled, params))
    if not candidates:
        return None
    allowed = tuple(sorted({compiled.operation.method for compiled, _ in candidates}))
    same_method = [item for item in candidates if item[0].operation.method == method]
    if not same_method:
        return RouteMatch(None, {}, allowed)
    compiled, params = max(same_method, key=lambda item: item[0].literal_segments)
    return RouteMatch(compiled.operation, params, allowed)
