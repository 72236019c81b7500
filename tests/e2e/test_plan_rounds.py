"""`plan` reads live state in one round of requests when the stack declares what fanned-out list
calls are built from (GetPushTemplates, one call per push provider): the real CLI against the
strict emulator, each request held until the CLI can make no other (`tests.unit.rounds`). A live
provider the stack does not declare costs one more round; a declared provider not yet created
costs none, and its call's answer is not taken for live templates."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.e2e.conftest import KEY, Harness
from tests.unit.rounds import Gate

APN = {"type": "apn", "apn_auth_type": "token", "apn_key_id": "K1", "apn_team_id": "T1", "apn_topic": "com.example"}
LIVE_PROVIDER = {"name": "apn-prod", **APN}
STACK = {
    "app": {"push_config": {"version": "v3"}},
    "push_providers": {"apn-prod": {**APN, "apn_auth_key": "${env:APN_KEY}"},
                       "apn-next": {**APN, "apn_auth_key": "${env:APN_KEY}"}},  # not created yet
    "push_templates": {"apn/apn-prod/message.new": {"enable_push": False},
                       "apn/apn-next/message.new": {"enable_push": False}},
}


class GatedTransport(httpx.AsyncBaseTransport):
    """The emulator's in-process transport behind a gate: each request waits for its round."""

    def __init__(self, inner: httpx.AsyncBaseTransport, gate: Gate[str]) -> None:
        self.inner, self.gate = inner, gate

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        query = sorted((k, v) for k, v in request.url.params.multi_items() if k != "api_key")
        await self.gate.passage(f"{request.method} {request.url.path.removeprefix('/api/v2')} {query}")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def plan_in_rounds(h: Harness, live: list[dict[str, Any]]) -> tuple[dict[str, Any], list[list[str]]]:
    """The JSON plan of STACK against an app whose push providers are `live`, and each round of
    requests it made."""
    h.emulator.load_state(KEY, {"app": {"push_config": {"version": "v3"}}, "push_providers": live})
    h.env = {"APN_KEY": "apn-private-key-material-123"}
    gate: Gate[str] = Gate()
    h.transport_factory = lambda settings: GatedTransport(h.emulator.async_transport(), gate)  # type: ignore[method-assign]
    result = h.run("plan", h.stack(STACK), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), gate.rounds


def templates_call(provider: str) -> str:
    return f"GET /push_templates [('push_provider_name', '{provider}'), ('push_provider_type', 'apn')]"


def test_a_stack_declaring_its_providers_plans_with_one_round_of_requests(inproc: Harness) -> None:
    doc, rounds = plan_in_rounds(inproc, [LIVE_PROVIDER])
    assert len(rounds) == 1, rounds
    assert {"GET /push_providers []", templates_call("apn-prod"), templates_call("apn-next")} <= set(rounds[0])
    actions = {c["address"]: c["action"] for c in doc["stacks"][0]["changes"]}
    assert actions["push_providers.apn-next"] == "create"
    assert actions["push_templates.apn/apn-next/message.new"] == "create"
    assert actions["push_templates.apn/apn-prod/message.new"] == "create"


def test_a_live_provider_the_stack_does_not_declare_costs_one_more_round(inproc: Harness) -> None:
    _, rounds = plan_in_rounds(inproc, [LIVE_PROVIDER, {"name": "legacy", **APN}])
    assert rounds[1:] == [[templates_call("legacy")]]
