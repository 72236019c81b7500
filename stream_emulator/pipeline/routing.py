"""The operation table and path matching.

Every operation is served on two path families, sharing one handler:

* ``/api/v2/...`` - the current API, as the ``getstream`` and ``@stream-io/node-sdk`` SDKs call it
  (chat-only resources under ``/api/v2/chat/...``);
* the legacy un-prefixed paths the classic ``stream-chat`` SDKs call (``/app``, ``/channeltypes``,
  ``/commands``, ``/retention_policy``...): the same path without ``/api/v2`` and without ``/chat``.

A ``RouteMatch`` says which family a request came on; ``legacy_shape`` adapts a response to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..handlers import (
    app_settings,
    blocklists,
    channel_types,
    checks,
    commands,
    external_storage,
    permissions,
    push,
    rate_limits,
    retention,
    roles,
    tasks,
)
from ..handlers.common import Handler

API_PREFIX = "/api/v2"
CHAT_PREFIX = "/chat"


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

    @property
    def legacy_pattern(self) -> str:
        """The path the classic SDKs call: without ``/api/v2`` and without ``/chat``."""
        return self.pattern.removeprefix(CHAT_PREFIX)



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
    _op("ImportBlockList", "POST", "/blocklists/{id}/import", blocklists.import_blocklist, writes=True),
    _op("GetTask", "GET", "/tasks/{id}", tasks.get_task),
    _op("CheckPush", "POST", "/check_push", checks.check_push),
    _op("CheckSNS", "POST", "/check_sns", checks.check_sns),
    _op("CheckSQS", "POST", "/check_sqs", checks.check_sqs),
    _op("ListExternalStorage", "GET", "/external_storage", external_storage.list_external_storage),
    _op("CreateExternalStorage", "POST", "/external_storage", external_storage.create_external_storage, writes=True),
    _op(
        "UpdateExternalStorage", "PUT", "/external_storage/{name}", external_storage.update_external_storage,
        writes=True,
    ),
    _op(
        "DeleteExternalStorage", "DELETE", "/external_storage/{name}", external_storage.delete_external_storage,
        writes=True,
    ),
    _op("CheckExternalStorage", "GET", "/external_storage/{name}/check", external_storage.check_external_storage),
)
OPERATION_IDS: tuple[str, ...] = tuple(operation.operation_id for operation in OPERATIONS)


@dataclass(frozen=True)
class UnservedOperation:
    """An operation of the official spec that the emulator does not serve: its route answers 404 naming it
    (rather than matching a parameter of another route, as ``GET /roles/search`` would ``/roles/{name}``)."""

    operation_id: str
    method: str
    pattern: str


UNSERVED_OPERATIONS: tuple[UnservedOperation, ...] = (
    UnservedOperation("SearchRoles", "GET", "/roles/search"),
    UnservedOperation("GetPredefinedFilters", "GET", "/chat/predefined_filters"),
    UnservedOperation("CreatePredefinedFilter", "POST", "/chat/predefined_filters"),
    UnservedOperation("GetPredefinedFilter", "GET", "/chat/predefined_filters/{name}"),
    UnservedOperation("UpdatePredefinedFilter", "PUT", "/chat/predefined_filters/{name}"),
    UnservedOperation("DeletePredefinedFilter", "DELETE", "/chat/predefined_filters/{name}"),
)
WRITE_METHODS: frozenset[str] = frozenset(operation.method for operation in OPERATIONS if operation.writes)


@dataclass(frozen=True)
class RouteMatch:
    operation: Operation | None  # None: not served (see ``unserved``) or not with this method
    params: dict[str, str]
    allowed_methods: tuple[str, ...]
    legacy: bool = False  # came on a legacy un-prefixed path
    unserved: str | None = None  # the operation id of a spec route the emulator does not serve


def _parameter_name(segment: str) -> str | None:
    """``name`` for a ``{name}`` pattern segment, None for a literal one."""
    return segment[1:-1] if segment.startswith("{") and segment.endswith("}") else None


@dataclass(frozen=True)
class _CompiledRoute:
    operation: Operation | UnservedOperation
    legacy: bool
    segments: tuple[str, ...]
    parameters: tuple[str | None, ...]  # per segment: the parameter name, None for a literal
    literal_segments: int

    @property
    def served(self) -> bool:
        return isinstance(self.operation, Operation)

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


def _compile(operation: Operation | UnservedOperation, legacy: bool) -> _CompiledRoute:
    """One operation on one path family (legacy: without ``/api/v2`` and ``/chat``, as ``legacy_pattern``)."""
    pattern = operation.pattern.removeprefix(CHAT_PREFIX) if legacy else API_PREFIX + operation.pattern
    segments = tuple(pattern.split("/")[1:])
    parameters = tuple(_parameter_name(segment) for segment in segments)
    return _CompiledRoute(operation, legacy, segments, parameters, parameters.count(None))


def _routes_by_segment_count() -> dict[int, tuple[_CompiledRoute, ...]]:
    """Compiled once at import: matching runs on every request and only same-length patterns can match."""
    grouped: dict[int, list[_CompiledRoute]] = {}
    for operation in (*OPERATIONS, *UNSERVED_OPERATIONS):
        for legacy in (False, True):
            compiled = _compile(operation, legacy)
            grouped.setdefault(len(compiled.segments), []).append(compiled)
    return {length: tuple(items) for length, items in grouped.items()}


_ROUTES_BY_SEGMENT_COUNT = _routes_by_segment_count()


def match_route(method: str, segments: list[str]) -> RouteMatch | None:
    """Find the operation for a path, on either path family; literal segments win over parameters
    (``/retention_policy/runs``, ``/roles/search``). None when no route has this path."""
    candidates: list[tuple[_CompiledRoute, dict[str, str]]] = []
    for compiled in _ROUTES_BY_SEGMENT_COUNT.get(len(segments), ()):
        params = compiled.match(segments)
        if params is not None:
            candidates.append((compiled, params))
    if not candidates:
        return None
    allowed = tuple(sorted({route.operation.method for route, _ in candidates if route.served}))
    same_method = [item for item in candidates if item[0].operation.method == method]
    if not same_method:
        return RouteMatch(None, {}, allowed, candidates[0][0].legacy) if allowed else None
    route, params = max(same_method, key=lambda item: (item[0].literal_segments, item[0].served))
    if isinstance(route.operation, UnservedOperation):
        return RouteMatch(None, {}, allowed, route.legacy, route.operation.operation_id)
    return RouteMatch(route.operation, params, allowed, route.legacy)
