"""`plan --rehearse` through the real CLI, the strict emulator playing the live app (in-process, over a
loopback socket and over TLS): an in-sync stack says "rehearsal: no changes"; a change the emulated
copy refuses (a grant to a permission that does not exist, which the plan itself can only warn about
when the app's permission list is incomplete) is reported with the API's message and code, exit 1, in
text, JSON and Markdown; the live app is only read. Non-convergence and a plan gone stale are checked
on the library (`stream_iac.rehearse`) with an emulator that does not keep what it is sent."""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any

import httpx
import jsonschema
import pytest

from stream_emulator import Emulator, EmulatorOptions
from stream_iac.api.client import create_server_token
from stream_iac.cli.run import plan_stack
from stream_iac.cli.session import Session
from stream_iac.errors import StalePlanError
from stream_iac.plan import PlanOptions
from stream_iac.rehearse import FAITHFUL_NOTE, Rehearsal, rehearse
from stream_iac.schema import plan_schema
from tests.e2e.conftest import KEY, SECRET, Harness
from tests.e2e.test_reference_rules import WithoutBuiltinPermissions

APN_KEY = "-----BEGIN PRIVATE KEY-----rehearsal-only-0123456789-----END PRIVATE KEY-----"
STACK: dict[str, Any] = {
    "roles": ["agent"],
    "commands": {"ticket": {"description": "Open a ticket", "args": "[subject]"}},
    "channel_types": {"support": {"max_message_length": 3000, "commands": ["giphy", "ticket"],
                                  "grants": {"agent": ["read-channel"]}}},
    "push_providers": {"apn-prod": {"type": "apn", "apn_auth_type": "token", "apn_key_id": "K1",
                                    "apn_team_id": "T1", "apn_topic": "com.example", "apn_auth_key": "${env:APN_P8}"}},
}
# A grant to a permission that exists nowhere (a typo of read-channel).
REFUSED_STACK: dict[str, Any] = {
    "roles": ["agent"],
    "channel_types": {"support": {"grants": {"agent": ["read-channel", "read-chanel"]}}},
}
API_MESSAGE = 'CreateChannelType failed (HTTP 400, Stream error code 4): "permission "read-chanel" does not exist"'


def writes(harness: Harness) -> dict[str, int]:
    return dict(harness.emulator.stats(KEY)["writes"])


def test_an_in_sync_stack_rehearses_with_no_changes_and_only_reads(harness: Harness) -> None:
    harness.env = {"APN_P8": APN_KEY}
    path = harness.stack(STACK)
    assert harness.run("apply", "--auto-approve", path).exit_code == 0
    harness.emulator.reset_stats(KEY)
    before = harness.snapshot()

    result = harness.run("plan", "--rehearse", "--detailed-exitcode", path)

    assert result.exit_code == 0, result.output
    assert "rehearsal: no changes" in result.stdout
    assert FAITHFUL_NOTE in result.stdout
    assert writes(harness) == {} and harness.snapshot() == before
    assert APN_KEY not in result.output


def test_changes_the_copy_accepts_rehearse_cleanly_and_keep_the_exit_codes(harness: Harness) -> None:
    harness.env = {"APN_P8": APN_KEY}
    path = harness.stack(STACK)
    before = harness.snapshot()

    result = harness.run("plan", "--rehearse", "--detailed-exitcode", path)

    assert result.exit_code == 2, result.output  # changes, and the rehearsal found nothing wrong
    assert "rehearsal: 4 changes applied to an emulated copy of the app; a new plan is empty" in result.stdout
    assert writes(harness) == {} and harness.snapshot() == before, "nothing may be written to the live app"
    assert APN_KEY not in result.output
    assert harness.run("plan", "--rehearse", path).exit_code == 0


@pytest.fixture
def incomplete_permissions(harness: Harness) -> Harness:
    """The live app's ListPermissions shows no built-in permission, so the plan cannot tell that
    read-chanel does not exist: it only warns. Over a socket too (wrapping httpx's own transport)."""
    if harness.mode == "inprocess":
        harness.transport_factory = lambda settings: WithoutBuiltinPermissions(harness.emulator.async_transport())
    else:
        ca_file = harness.connection_env.get("SSL_CERT_FILE")
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_file) if ca_file else True
        harness.transport_factory = lambda settings: WithoutBuiltinPermissions(httpx.AsyncHTTPTransport(verify=verify))
    return harness


def test_a_change_the_copy_refuses_is_a_plan_error_with_the_api_message(incomplete_permissions: Harness) -> None:
    harness = incomplete_permissions
    path = harness.stack(REFUSED_STACK)
    plain = harness.run("plan", "--detailed-exitcode", path)
    assert plain.exit_code == 2 and "warning: " in plain.stdout, plain.output  # without rehearsal: only a warning
    before = harness.snapshot()

    result = harness.run("plan", "--rehearse", "--detailed-exitcode", path)

    assert result.exit_code == 1, result.output
    assert f"refused: create channel_types.support: {API_MESSAGE}" in result.stdout
    assert "rehearsal FAILED" in result.stdout and FAITHFUL_NOTE in result.stdout
    assert 'error: the rehearsal of stack "stack" failed' in result.stderr
    assert "Traceback" not in result.output
    assert writes(harness) == {} and harness.snapshot() == before


def test_the_rehearsal_is_in_the_json_and_markdown_plans(incomplete_permissions: Harness) -> None:
    harness = incomplete_permissions
    path = harness.stack(REFUSED_STACK)

    as_json = harness.run("plan", "--rehearse", "--format", "json", path)
    assert as_json.exit_code == 1, as_json.output
    doc = json.loads(as_json.stdout)
    jsonschema.validate(doc, plan_schema())
    stack_doc = doc["stacks"][0] if "stacks" in doc else doc
    rehearsal = stack_doc["rehearsal"]
    assert rehearsal["ok"] is False and rehearsal["note"] == FAITHFUL_NOTE
    assert {"address": "channel_types.support", "action": "create", "status": "failed",
            "message": API_MESSAGE} in rehearsal["refused"]

    as_markdown = harness.run("plan", "--rehearse", "--format", "markdown", path)
    assert as_markdown.exit_code == 1
    assert "### Rehearsal" in as_markdown.stdout and API_MESSAGE in as_markdown.stdout


def test_saving_a_plan_waits_for_its_rehearsal(incomplete_permissions: Harness) -> None:
    harness = incomplete_permissions
    out = harness.tmp / "plan.json"
    result = harness.run("plan", "--rehearse", "--out", str(out), harness.stack(REFUSED_STACK))
    assert result.exit_code == 1 and not out.exists(), result.output


# ---------------------------------------------------------------- the library


class Forgetful(Emulator):
    """An emulator that does not keep `max_message_length` when a channel type is updated (it sets
    5000 whatever it is sent): the update is accepted, but a new plan still differs."""

    def async_transport(self) -> httpx.AsyncBaseTransport:
        inner = super().async_transport()

        class Dropping(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                if request.method == "PUT" and "/channeltypes/" in request.url.path:
                    body = json.loads(request.content)
                    body["max_message_length"] = 5000
                    request = httpx.Request("PUT", request.url, headers=request.headers, json=body)
                return await inner.handle_async_request(request)

        return Dropping()


def library_rehearsal(inproc: Harness, stack: dict[str, Any], make: Any = None, *, between: Any = None) -> Rehearsal:
    session = Session(env={"STREAM_API_KEY": KEY, "STREAM_API_SECRET": SECRET, "STREAM_BASE_URL": "http://127.0.0.1:9",
                           **inproc.env}, transport_factory=inproc.transport_factory)
    path = inproc.stack(stack)

    async def go() -> Rehearsal:
        result = await plan_stack(session, path, PlanOptions())
        if between is not None:
            between()
        client = session.client(result.settings)
        try:
            return await rehearse(client, result.desired, result.plan, PlanOptions(), make_emulator=make)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_a_change_that_does_not_converge_is_reported(inproc: Harness) -> None:
    def forgetful(key: str, secret: str) -> Emulator:
        return Forgetful(EmulatorOptions(strict=True, apps=[(key, secret)], rate_limits=False))

    found = library_rehearsal(inproc, {"channel_types": {"messaging": {"max_message_length": 7000}}}, forgetful)

    assert not found.ok and found.refused == []
    assert [(u.address, u.action, u.paths) for u in found.unconverged] == [
        ("channel_types.messaging", "update", ("max_message_length",))]
    assert inproc.snapshot()["channel_types"]["messaging"]["max_message_length"] == 5000


def test_a_plan_that_went_stale_is_not_rehearsed(inproc: Harness) -> None:
    assert inproc.run("apply", "--auto-approve", inproc.stack({"commands": {"ticket": {"description": "one"}}},
                                                              name="first")).exit_code == 0

    def change_live() -> None:  # someone else changes the command between the plan and its rehearsal
        with httpx.Client(transport=inproc.emulator.transport(), base_url="http://emulator.test") as http:
            answer = http.put("/api/v2/chat/commands/ticket", params={"api_key": KEY}, json={"description": "two"},
                              headers={"Authorization": create_server_token(SECRET), "Stream-Auth-Type": "jwt"})
            assert answer.status_code == 201, answer.text

    with pytest.raises(StalePlanError, match="commands.ticket"):
        library_rehearsal(inproc, {"commands": {"ticket": {"description": "three"}}}, between=change_live)


def test_a_kind_the_emulator_cannot_load_fails_the_rehearsal(inproc: Harness) -> None:
    class WithoutRoles(Emulator):
        """Pretends not to read the roles it is given, as for a kind it does not emulate."""

        def load_state(self, api_key: str, live: Any) -> list[str]:
            return [*super().load_state(api_key, {k: v for k, v in live.items() if k != "roles"}), "roles"]

    def without_roles(key: str, secret: str) -> Emulator:
        return WithoutRoles(EmulatorOptions(strict=True, apps=[(key, secret)], rate_limits=False))

    found = library_rehearsal(inproc, {"roles": ["agent"], "commands": {"ticket": {"description": "d"}}},
                              without_roles)

    assert not found.ok and found.changes == 2
    assert [(r.address, r.status) for r in found.refused] == [("roles.agent", "not_attempted")]
    assert "the emulator cannot load roles" in found.refused[0].message
