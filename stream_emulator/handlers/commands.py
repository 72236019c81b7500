"""Custom commands, and the expansion of command lists used by channel types."""

from __future__ import annotations

from typing import Any

from ..pipeline.errors import bad_request, not_found
from ..pipeline.request_schemas import CREATE_COMMAND, UPDATE_COMMAND
from ..store.builtins import Builtins
from ..store.state import AppState
from .common import Context, Result, created, dedupe, given, json_copy, ok

ALL_COMMANDS = "all"


def builtin_command(builtins: Builtins, name: str) -> dict[str, Any] | None:
    for command in builtins.commands:
        if command["name"] == name:
            return dict(command)
    return None


def all_commands(state: AppState, builtins: Builtins) -> list[dict[str, Any]]:
    """Built-in commands first, then custom ones in creation order."""
    return [dict(command) for command in builtins.commands] + [json_copy(c) for c in state.commands.values()]


def command_object(state: AppState, builtins: Builtins, name: str) -> dict[str, Any]:
    custom = state.commands.get(name)
    if custom is not None:
        return json_copy(custom)
    builtin = builtin_command(builtins, name)
    if builtin is None:  # cannot happen: deleting a referenced command is refused
        return {"name": name, "description": "", "args": "", "set": ""}
    return builtin


def expand_command_refs(refs: list[str], state: AppState, builtins: Builtins) -> list[str]:
    """Resolve command names, set names and ``"all"`` into a de-duplicated list of command names."""
    commands = all_commands(state, builtins)
    names = [command["name"] for command in commands]
    expanded: list[str] = []
    for ref in refs:
        if ref == ALL_COMMANDS:
            expanded.extend(names)
        elif ref in names:
            expanded.append(ref)
        else:
            members = [command["name"] for command in commands if command.get("set") == ref]
            if not members:
                raise bad_request(f'command "{ref}" doesn\'t exist')
            expanded.extend(members)
    return dedupe(expanded)


def channel_types_using(state: AppState, name: str) -> list[str]:
    return [type_name for type_name, config in state.channel_types.items() if name in config.get("commands", [])]


def _existing_custom(ctx: Context) -> dict[str, Any]:
    name = ctx.params["name"]
    if builtin_command(ctx.builtins, name) is not None:
        raise bad_request(f'command "{name}" is a built-in command and cannot be modified')
    command = ctx.state.commands.get(name)
    if command is None:
        raise not_found(f'command "{name}" doesn\'t exist')
    return command


# -- handlers -------------------------------------------------------------------------------------------


def list_commands(ctx: Context) -> Result:
    """ListCommands: GET /chat/commands -> 200 ``{"commands": [...]}``, the custom commands
    in creation order (built-in ones are not listed).
    """
    return ok({"commands": [json_copy(command) for command in ctx.state.commands.values()]})


def create_command(ctx: Context) -> Result:
    """CreateCommand: POST /chat/commands with ``{name, description, args?, set?}`` -> 201
    ``{"command": Command}``. 400/4 on a bad field, an empty name or one with spaces, a reserved name
    (a built-in command or ``all``) or an existing command.
    """
    body = ctx.validated_body(CREATE_COMMAND)
    name: str = body["name"]
    _check_new_command_name(ctx, name)
    command = {
        "name": name,
        "description": body["description"],
        "args": body.get("args") or "",
        "set": body.get("set") or "",
        "created_at": ctx.now_ns,
        "updated_at": ctx.now_ns,
    }
    ctx.state.commands[name] = command
    return created({"command": json_copy(command)})


def _check_new_command_name(ctx: Context, name: str) -> None:
    if not name.strip():
        raise bad_request("command name cannot be empty")
    if any(character.isspace() for character in name):
        raise bad_request("command name cannot contain spaces")
    if builtin_command(ctx.builtins, name) is not None or name == ALL_COMMANDS:
        raise bad_request(f'command name "{name}" is reserved')
    if name in ctx.state.commands:
        raise bad_request(f'command "{name}" already exists')


def get_command(ctx: Context) -> Result:
    """GetCommand: GET /chat/commands/{name} -> 200 the command, custom or built-in; 404/16 if
    neither exists.
    """
    name = ctx.params["name"]
    command = ctx.state.commands.get(name) or builtin_command(ctx.builtins, name)
    if command is None:
        raise not_found(f'command "{name}" doesn\'t exist')
    return ok(json_copy(command))


def update_command(ctx: Context) -> Result:
    """UpdateCommand: PUT /chat/commands/{name} with ``{description, args?, set?}`` (``name``
    is ignored) -> 201 ``{"command": Command}``. 400/4 for a built-in command or a bad field; 404/16
    if there is no such custom command.
    """
    command = _existing_custom(ctx)
    body = ctx.validated_body(UPDATE_COMMAND)
    for field in ("description", "args", "set"):
        if given(body, field):
            command[field] = body[field]
    command["updated_at"] = ctx.now_ns
    return created({"command": json_copy(command)})


def delete_command(ctx: Context) -> Result:
    """DeleteCommand: DELETE /chat/commands/{name} -> 200 ``{"name": name}``. 400/4 for a
    built-in command or one a channel type still uses; 404/16 if there is no such custom command.
    """
    command = _existing_custom(ctx)
    users = channel_types_using(ctx.state, command["name"])
    if users:
        raise bad_request(
            f'command "{command["name"]}" is used by channel type(s) {", ".join(users)}; remove it from them first'
        )
    del ctx.state.commands[command["name"]]
    return ok({"name": command["name"]})
