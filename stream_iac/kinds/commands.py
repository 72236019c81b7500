"""Custom commands: /api/v2/chat/commands (REFERENCE.md §6)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from stream_iac.kinds.base import JSON, Api, Endpoint, Kind, Lister, Shape, StackModel, Writes
from stream_iac.kinds.common import BUILTIN_COMMANDS, COMMAND_SETS, pick, spec

NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,255}")


class Command(StackModel):
    """A custom slash command, delivered to the app's custom_action_handler_url."""

    description: Annotated[str, Field(max_length=255), spec("CreateCommandRequest.description", "maxLength: 255")]
    args: Annotated[str, Field(max_length=255), spec("CreateCommandRequest.args", "maxLength: 255")] | None = None
    set: Annotated[str, Field(max_length=255), spec("CreateCommandRequest.set", "maxLength: 255")] | None = None


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
