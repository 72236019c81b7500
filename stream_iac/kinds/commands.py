"""Custom commands: /api/v2/chat/commands (REFERENCE.md §6)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from stream_iac.kinds.base import JSON, Api, Endpoint, Kind, Lister, Shape, StackModel, Writes
from stream_iac.kinds.common import BUILTIN_COMMANDS, COMMAND_SETS, pick, spec

NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,255}")


class Command(StackModel):
    """A custom slash command (`/ticket`), keyed by its name. Stream sends each use of it to the
    app's `custom_action_handler_url`; a channel type offers it when its `commands` name it (or
    its set)."""

    description: Annotated[str, Field(max_length=255), spec("CreateCommandRequest.description", "maxLength: 255")]
    """What the command does, shown next to it when users type `/` (required; up to 255 characters)."""
    args: Annotated[str, Field(max_length=255), spec("CreateCommandRequest.args", "maxLength: 255")] | None = None
    """A hint for the command's arguments shown in the same list, such as `[subject]` (up to 255
    characters; none unless set)."""
    set: Annotated[str, Field(max_length=255), spec("CreateCommandRequest.set", "maxLength: 255")] | None = None
    """A group name for the command (up to 255 characters). A channel type whose `commands` name the
    group gets every command in it."""


def normalise(live: JSON) -> JSON:
    return pick(live, {"description", "args", "set"})


def valid_name(name: str) -> str | None:
    if name in BUILTIN_COMMANDS | COMMAND_SETS:
        return "built-in command; declare only custom commands"
    if NAME_RE.fullmatch(name):
        return None
    return ("command names use letters, digits, '_' and '-' (no spaces), 1 to 255 of them; "
            + spec("CreateCommandRequest.name", "minLength: 1, maxLength: 255").text)


KIND = Kind(
    name="commands",
    shape=Shape(model=Command, normalise=normalise, name_rule=valid_name, noun="command"),
    api=Api(
        read=Lister(op="ListCommands", path="/chat/commands", key="commands"),
        create=Endpoint("CreateCommand", "POST", "/chat/commands", name_field="name"),
        update=Endpoint("UpdateCommand", "PUT", "/chat/commands/{name}"),
        delete=Endpoint("DeleteCommand", "DELETE", "/chat/commands/{name}"),
    ),
    writes=Writes(required_on_update=("description",)),
)
