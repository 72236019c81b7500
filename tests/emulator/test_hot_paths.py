"""Shortcuts on the per-request path give the same answers as the long way round."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from stream_emulator import Emulator, ManualClock
from stream_emulator.handlers.common import json_copy
from stream_emulator.pipeline.routing import OPERATIONS, Operation, match_route
from stream_emulator.pipeline.wire import HttpRequest, HttpResponse, encode_json, encode_with_appended_fields

from .helpers import KEY, SECRET, server_token


def dispatch_get(emulator: Emulator, path: str, token: str) -> HttpResponse:
    request = HttpRequest.build("GET", f"/api/v2{path}?api_key={KEY}", {"Authorization": token})
    response = emulator.dispatch(request).response
    assert response is not None
    return response


@pytest.mark.parametrize(
    "payload",
    [{}, {"a": 1}, {"list": [1, {"x": None}], "text": "ünïcode \"quoted\"", "float": 1.5, "flag": True}],
)
def test_appending_fields_to_an_encoded_object_matches_encoding_the_merged_object(payload: dict[str, Any]) -> None:
    fields = {"duration": "1.23ms"}
    assert encode_with_appended_fields(encode_json(payload), fields) == encode_json({**payload, **fields})
    assert encode_with_appended_fields(encode_json(payload), {}) == encode_json(payload)


@pytest.mark.parametrize("path", ["/app", "/chat/channeltypes", "/chat/commands", "/roles", "/permissions"])
def test_repeated_reads_are_encoded_exactly_as_their_bodies(emulator: Emulator, path: str) -> None:
    token = server_token(SECRET)
    first, second = dispatch_get(emulator, path, token), dispatch_get(emulator, path, token)
    for response in (first, second):
        assert response.status == 200
        assert response.encoded_body() == encode_json(response.body)
        assert response.wire_headers()["content-length"] == str(len(response.encoded_body()))
    assert {**first.body, "duration": ""} == {**second.body, "duration": ""}


def test_a_write_is_seen_by_the_next_read(emulator: Emulator) -> None:
    token = server_token(SECRET)
    before = dispatch_get(emulator, "/chat/commands", token)
    request = HttpRequest.build(
        "POST", f"/api/v2/chat/commands?api_key={KEY}", {"Authorization": token}, b'{"name": "new", "description": "d"}'
    )
    assert emulator.dispatch(request).response.status == 201  # type: ignore[union-attr]
    after = dispatch_get(emulator, "/chat/commands", token)
    assert "new" not in {command["name"] for command in before.body["commands"]}
    assert "new" in {command["name"] for command in json.loads(after.encoded_body())["commands"]}


def test_an_accepted_token_is_still_refused_once_it_expires(emulator: Emulator, clock: ManualClock) -> None:
    token = server_token(SECRET, exp=int(clock()) + 30)
    assert dispatch_get(emulator, "/app", token).status == 200
    clock.advance(60)
    expired = dispatch_get(emulator, "/app", token)
    assert expired.status == 401
    assert expired.body["code"] == 40


def test_a_token_not_yet_valid_is_accepted_once_its_time_comes(emulator: Emulator, clock: ManualClock) -> None:
    token = server_token(SECRET, nbf=int(clock()) + 600)
    assert dispatch_get(emulator, "/app", token).status == 401
    clock.advance(600)
    assert dispatch_get(emulator, "/app", token).status == 200


def test_a_token_is_checked_against_each_apps_own_secret(make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator()
    token = server_token(SECRET)
    assert dispatch_get(emulator, "/app", token).status == 200
    other = HttpRequest.build("GET", "/api/v2/app?api_key=other-key", {"Authorization": token})
    response = emulator.dispatch(other).response
    assert response is not None and response.status == 401
    assert dispatch_get(emulator, "/app", server_token("a-wrong-secret-0123456789-0123456789")).status == 401


def test_json_copy_is_a_deep_copy() -> None:
    original: dict[str, Any] = {"a": [1, {"b": [2, 3]}], "c": {"d": None, "e": "text"}, "f": 1.5}
    copied = json_copy(original)
    assert copied == copy.deepcopy(original)
    copied["a"][1]["b"].append(4)
    copied["c"]["d"] = 0
    assert original == {"a": [1, {"b": [2, 3]}], "c": {"d": None, "e": "text"}, "f": 1.5}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.operation_id)
def test_every_operation_is_routed_to_itself(operation: Operation) -> None:
    segments = [segment.replace("{", "").replace("}", "") for segment in operation.segments]
    route = match_route(operation.method, segments)
    assert route is not None and route.operation is operation
    assert operation.method in route.allowed_methods
    expected = {s[1:-1]: s[1:-1] for s in operation.segments if s.startswith("{")}
    assert route.params == expected
