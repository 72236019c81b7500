"""Names that go into request paths must reach their object. The rule validate applies
(`Api.name_problem`) is checked against what the real client sends through httpx: a name is
refused exactly when the request path httpx puts on the wire does not name it."""

from __future__ import annotations

import asyncio
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_iac.api.client import API_PREFIX, StreamClient
from stream_iac.api.settings import ConnectionSettings
from stream_iac.api.write import send_delete
from stream_iac.kinds import KINDS
from stream_iac.kinds.base import Endpoint, Kind

IN_PATH = [k for k in KINDS if k.api.delete is not None and "{name}" in k.api.delete.path]
SPECIAL = ["", ".", "..", "...", ". ", " .", ".a", "a.", "a/b", "a/../b", "/", "//", "%2e", "%2E%2E", "%", "?", "#",
           "a b", "é", "~", "\\", "..\\", "\t", "x" * 300, ";", "a;b=c", "&", "+", "@", ":"]


def wire_path(kind: Kind, name: str) -> str:
    """The request path (raw, as on the wire) of the kind's delete call for `name`."""
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json={"duration": "1ms"})

    async def call() -> None:
        client = StreamClient(ConnectionSettings("key", "secret-0123456789", base_url="https://api.example.com"),
                              transport=httpx.MockTransport(handler))
        try:
            await send_delete(client, kind, name, {"type": "apn"})
        finally:
            await client.aclose()

    asyncio.run(call())
    return seen[0].decode("ascii").split("?", 1)[0]


def reaches(kind: Kind, name: str) -> bool:
    """Whether the path sent names `name` where the kind's path template has `{name}`."""
    endpoint = kind.api.delete
    assert isinstance(endpoint, Endpoint)
    template = (API_PREFIX + endpoint.path).split("/")
    sent = wire_path(kind, name).split("/")
    if len(sent) != len(template):
        return False
    index = template.index("{name}")
    return sent[index] != "" and unquote(sent[index]) == name


def test_every_kind_with_a_name_in_a_path_is_checked() -> None:
    assert {k.name for k in IN_PATH} >= {"roles", "commands", "channel_types", "blocklists", "permissions",
                                          "push_providers"}
    for kind in KINDS:
        paths = [e.path for e in (kind.api.create, kind.api.update, kind.api.delete) if e is not None]
        assert (kind.api.name_problem("..") is not None) == any("{name}" in p for p in paths), kind.name


@pytest.mark.parametrize("kind", IN_PATH, ids=lambda k: k.name)
@pytest.mark.parametrize("name", SPECIAL)
def test_refused_exactly_when_httpx_would_not_reach_the_name(kind: Kind, name: str) -> None:
    assert (kind.api.name_problem(name) is None) == reaches(kind, name), repr(name)


@settings(max_examples=150, deadline=None)
@given(name=st.one_of(st.text(max_size=12), st.text(alphabet="./%2eE\\ ", max_size=6)))
def test_refused_exactly_when_httpx_would_not_reach_the_name_for_any_text(name: str) -> None:
    for kind in IN_PATH:
        assert (kind.api.name_problem(name) is None) == reaches(kind, name), (kind.name, name)
