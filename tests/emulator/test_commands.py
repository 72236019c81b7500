"""Custom commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stream_emulator.store.builtins import load_builtins

from .helpers import REPO_ROOT, REQUIRED_UPDATE, Api, assert_error, assert_ok, channel_type_body

SHARED_BUILTINS = REPO_ROOT.parent / "shared" / "stream-api" / "builtins.json"


def test_create_wraps_command_and_list_shows_custom_only(api: Api) -> None:
    body = assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "Open", "args": "[s]"}), 201)
    command = body["command"]
    assert command["name"] == "ticket" and command["args"] == "[s]" and command["set"] == ""
    assert isinstance(command["created_at"], int)
    listed = assert_ok(api.get("/chat/commands"))["commands"]
    assert [item["name"] for item in listed] == ["ticket"]


def test_get_is_flat(api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "Open"}), 201)
    body = assert_ok(api.get("/chat/commands/ticket"))
    assert {"name", "description", "args", "set", "duration"} <= set(body)
    assert "command" not in body


def test_builtin_command_can_be_read(api: Api) -> None:
    giphy = assert_ok(api.get("/chat/commands/giphy"))
    assert (giphy["set"], giphy["description"]) == ("fun_set", "Post a random gif to the channel")


def test_builtin_commands_are_the_documented_ones() -> None:
    if not SHARED_BUILTINS.is_file():
        pytest.skip(f"{SHARED_BUILTINS} not found: the shared folder is not beside this clone")
    documented = json.loads(Path(SHARED_BUILTINS).read_text(encoding="utf-8"))["commands"]
    assert load_builtins().commands == [
        {key: command[key] for key in ("name", "description", "args", "set")} for command in documented
    ]


def test_update_merges_and_ignores_name(api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "Open", "args": "[s]"}), 201)
    body = assert_ok(api.put("/chat/commands/ticket", {"description": "New", "name": "renamed"}), 201)
    assert body["command"]["name"] == "ticket"
    assert body["command"]["description"] == "New"
    assert body["command"]["args"] == "[s]"
    assert api.get("/chat/commands/renamed").status_code == 404


def test_update_requires_description(api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "Open"}), 201)
    assert_error(api.put("/chat/commands/ticket", {"args": "x"}), 400, 4, "UpdateCommand", "description")


def test_delete_returns_the_name(api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "Open"}), 201)
    body = assert_ok(api.delete("/chat/commands/ticket"))
    assert body["name"] == "ticket"
    assert api.get("/chat/commands/ticket").status_code == 404


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("", "cannot be empty"),
        ("my command", "cannot contain spaces"),
        ("giphy", "reserved"),
        ("ban", "reserved"),
        ("all", "reserved"),
        ("x" * 256, "at most 255"),
    ],
)
def test_invalid_names_are_400(api: Api, name: str, detail: str) -> None:
    assert_error(api.post("/chat/commands", {"name": name, "description": "d"}), 400, 4, "CreateCommand", detail)


def test_duplicate_and_missing_fields_are_400(api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "Open"}), 201)
    assert_error(api.post("/chat/commands", {"name": "ticket", "description": "d"}), 400, 4, "CreateCommand",
                 "already exists")
    assert_error(api.post("/chat/commands", {"name": "other"}), 400, 4, "CreateCommand", "description")
    assert_error(api.post("/chat/commands", {"name": "long", "description": "d" * 256}), 400, 4, "CreateCommand",
                 "at most 255")


@pytest.mark.parametrize(("method", "operation"), [("GET", "GetCommand"), ("PUT", "UpdateCommand"),
                                                   ("DELETE", "DeleteCommand")])
def test_unknown_command_is_404(api: Api, method: str, operation: str) -> None:
    response = api.request(method, "/chat/commands/ghost", json={"description": "d"} if method == "PUT" else None)
    assert_error(response, 404, 16, operation, '"ghost"')


def test_builtin_commands_cannot_be_changed(api: Api) -> None:
    assert_error(api.put("/chat/commands/giphy", {"description": "d"}), 400, 4, "UpdateCommand", "built-in")
    assert_error(api.delete("/chat/commands/giphy"), 400, 4, "DeleteCommand", "built-in")


def test_command_in_use_cannot_be_deleted_until_unreferenced(api: Api) -> None:
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "Open"}), 201)
    assert_ok(api.post("/chat/channeltypes", channel_type_body("support", commands=["ticket"])), 201)
    assert_error(api.delete("/chat/commands/ticket"), 400, 4, "DeleteCommand", "support")
    assert_ok(api.put("/chat/channeltypes/support", {**REQUIRED_UPDATE, "commands": []}), 201)
    assert_ok(api.delete("/chat/commands/ticket"))
