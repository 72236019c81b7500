"""When a change fails: its dependents are skipped, independent changes still apply, the
report says what happened to each change (text and JSON), exit code 1, and running apply
again finishes the job."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Harness


class FailingHarness(Harness):
    """Rejects CreateCommand for one command name, as the API would reject a bad request."""

    fail_command: str | None = None

    def transport_factory(self, settings: Any) -> httpx.AsyncBaseTransport | None:
        inner = self.emulator.async_transport()
        outer = self

        class Rejecting(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                body = request.content.decode() if request.method == "POST" else ""
                if (outer.fail_command and request.url.path.endswith("/chat/commands")
                        and f'"name":"{outer.fail_command}"' in body.replace(" ", "")):
                    return httpx.Response(400, json={
                        "code": 4, "StatusCode": 400, "duration": "0.00ms", "more_info": "", "details": [],
                        "message": 'CreateCommand failed with error: "command handler is not reachable"'})
                return await inner.handle_async_request(request)

        return Rejecting()


@pytest.fixture
def failing(inproc: Harness) -> FailingHarness:
    return FailingHarness(inproc.emulator, "inprocess", None, inproc.tmp)


STACK = {
    "commands": {"ticket": {"description": "Open a ticket"}, "refund": {"description": "Refund"}},
    "roles": ["agent"],
    "channel_types": {"support": {"commands": ["giphy", "ticket"]}, "sales": {"commands": ["refund"]}},
}


def test_failure_skips_dependents_applies_the_rest_and_rerun_finishes(failing: FailingHarness) -> None:
    stack = failing.stack(STACK)
    failing.fail_command = "ticket"
    result = failing.run("apply", "--auto-approve", "--format", "json", stack)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    statuses = {r["address"]: (r["status"], r["message"]) for r in report["results"]}
    assert statuses["commands.ticket"][0] == "failed"
    assert "command handler is not reachable" in statuses["commands.ticket"][1]
    assert statuses["channel_types.support"] == ("skipped", "depends on commands.ticket, which was not applied")
    for address in ("commands.refund", "roles.agent", "channel_types.sales"):
        assert statuses[address][0] == "applied", address
    assert report["ok"] is False
    snapshot = failing.snapshot()
    assert {c["name"] for c in snapshot["commands"]} == {"refund"}, "the report matches the emulator"
    assert "support" not in snapshot["channel_types"] and "sales" in snapshot["channel_types"]

    failing.fail_command = None
    rerun = failing.run("apply", "--auto-approve", stack)
    assert rerun.exit_code == 0, rerun.output
    assert "Plan: 2 to create, 0 to update" in rerun.stdout, "only what was still missing"
    assert failing.run("plan", stack, "--detailed-exitcode").exit_code == 0


def test_text_report_lists_failed_and_skipped_changes(failing: FailingHarness) -> None:
    failing.fail_command = "ticket"
    result = failing.run("apply", "--auto-approve", failing.stack(STACK))
    assert result.exit_code == 1
    out = result.stdout
    assert "failed: create commands.ticket: CreateCommand failed (HTTP 400, Stream error code 4)" in out
    assert "skipped: create channel_types.support: depends on commands.ticket" in out
    assert "Apply incomplete: 3 created, 0 updated, 0 deleted; 1 failed, 1 skipped, 0 not attempted" in out
    assert "Run apply again to finish" in out
