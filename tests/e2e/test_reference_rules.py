"""Reference mistakes through the real CLI against the emulator: an unknown permission id in grants
stops `plan` and `apply` (exit 1, the message names the grant's file:line and path, nothing is
changed), like an unknown role or command. When the app's permission list is known to be
incomplete (it shows no built-in permission: simulated here by a transport that drops them from
ListPermissions), the plan only warns, and the warning is in the text, JSON and Markdown plans."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.e2e.conftest import Harness

STACK: dict[str, Any] = {
    "roles": ["agent"],
    "channel_types": {"support": {"grants": {"agent": ["read-channel", "read-chanel"]}}},
}
# yaml.safe_dump writes the grant list as a block: the second id is on line 8, column 9.
PLACE = "stack.yaml:8:9: channel_types.support.grants.agent[1] refers to permissions.read-chanel"


class WithoutBuiltinPermissions(httpx.AsyncBaseTransport):
    """The emulator, but ListPermissions answers with the custom permissions only (as older APIs
    did): a list that is known to be incomplete."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "GET" or not request.url.path.endswith("/permissions"):
            return response
        await response.aread()
        body = response.json()
        body["permissions"] = [p for p in body["permissions"] if p.get("custom")]
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, headers=headers, json=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_unknown_permission_in_grants_stops_plan_and_apply(inproc: Harness) -> None:
    path = inproc.stack(STACK)
    before = inproc.snapshot()
    for command in (["plan", path], ["apply", "--auto-approve", path], ["plan", "--format", "json", path]):
        result = inproc.run(*command)
        assert result.exit_code == 1, result.output
        assert "cannot plan:" in result.stderr and PLACE in result.stderr, result.stderr
        assert "(did you mean 'read-channel'?)" in result.stderr
    assert json.loads(inproc.run("plan", "--format", "json", path).stdout)["error"]["message"]
    assert inproc.snapshot() == before, "nothing may be applied"


def test_unknown_role_and_command_stop_plan_alike(inproc: Harness) -> None:
    stack = {"channel_types": {"support": {"commands": ["giphy", "tiket"], "grants": {"agnet": ["read-channel"]}}}}
    result = inproc.run("plan", inproc.stack(stack))
    assert result.exit_code == 1, result.output
    assert "channel_types.support.commands[1] refers to commands.tiket" in result.stderr
    assert "channel_types.support.grants.agnet refers to roles.agnet" in result.stderr


def test_a_permission_an_incomplete_list_cannot_confirm_warns_in_every_format(inproc: Harness) -> None:
    inproc.transport_factory = lambda settings: WithoutBuiltinPermissions(inproc.emulator.async_transport())
    path = inproc.stack(STACK)

    text = inproc.run("plan", "--detailed-exitcode", path)
    assert text.exit_code == 2, text.output  # changes, no error
    warnings = [line for line in text.stdout.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and PLACE in warnings[0], text.stdout
    assert "ListPermissions showed no built-in permission" in warnings[0]

    doc = json.loads(inproc.run("plan", "--format", "json", path).stdout)["stacks"][0]
    assert len(doc["warnings"]) == 1 and PLACE in doc["warnings"][0], doc

    markdown = inproc.run("plan", "--format", "markdown", path)
    assert markdown.exit_code == 0, markdown.output
    assert "> [!CAUTION]" in markdown.stdout and PLACE in markdown.stdout, markdown.stdout
