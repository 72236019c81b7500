"""Verification after apply (issue #12, item 2): after the writes, one more round of reads of what
was touched. A field the API did not keep, a field that changed though apply did not send it, an
object still live after its delete: each is reported by address and field, and apply exits 1.
`apply --no-verify` turns it off and says so. Reads may lag writes: verification re-reads after
the executor's VERIFY_DELAYS (on an injected sleep here, so no test waits)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from stream_emulator import Emulator, EmulatorOptions
from stream_iac import executor
from stream_iac.api.client import StreamClient
from stream_iac.api.read import read_live
from stream_iac.api.settings import ConnectionSettings
from stream_iac.api.throttle import Throttle
from stream_iac.executor import VERIFY_DELAYS, ApplyReport, Executor
from stream_iac.plan import build_plan
from stream_iac.stack.loader import load_stack
from stream_iac.stack.validate import validate_stack
from tests.e2e.conftest import KEY, SECRET, Harness

Rewrite = Callable[[httpx.Request], httpx.Request | httpx.Response | None]


class Meddling(httpx.AsyncBaseTransport):
    """The in-process emulator behind a hook that may rewrite a request, answer it itself, or
    let it through (None)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, rewrite: Rewrite) -> None:
        self.inner, self.rewrite = inner, rewrite

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        changed = self.rewrite(request)
        if isinstance(changed, httpx.Response):
            return changed
        return await self.inner.handle_async_request(changed or request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def with_body(request: httpx.Request, edit: Callable[[dict[str, Any]], None]) -> httpx.Request:
    body = json.loads(request.content)
    edit(body)
    content = json.dumps(body).encode()
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx.Request(request.method, request.url, headers=headers, content=content)


def on(method: str, path: str, edit: Callable[[dict[str, Any]], None]) -> Rewrite:
    """Edit the JSON body of every `method path` request (path after /api/v2)."""
    def rewrite(request: httpx.Request) -> httpx.Request | None:
        if request.method == method and request.url.path.removeprefix("/api/v2") == path:
            return with_body(request, edit)
        return None
    return rewrite


def ignores(field: str) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.pop(field, None)


def meddled(h: Harness, rewrite: Rewrite) -> Harness:
    h.transport_factory = lambda settings: Meddling(h.emulator.async_transport(), rewrite)  # type: ignore[method-assign]
    return h


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's executor sleeps for real between re-reads: keep the rounds, drop the waits."""
    monkeypatch.setattr(executor, "VERIFY_DELAYS", (0.0, 0.0))


SUPPORT = {"channel_types": {"messaging": {"max_message_length": 8000, "reactions": False}}}


def test_a_field_the_api_ignores_fails_apply_and_is_named(inproc: Harness, no_waiting: None) -> None:
    h = meddled(inproc, on("PUT", "/chat/channeltypes/messaging", ignores("reactions")))
    stack = h.stack(SUPPORT)
    result = h.run("apply", "--auto-approve", stack)
    assert result.exit_code == 1, result.output
    assert "the API did not keep channel_types.messaging.reactions: sent false, live true" in result.stdout
    assert "max_message_length" not in result.stdout.split("Plan:")[-1], "a field the API kept is not reported"
    assert "verification found 1 difference from what was sent" in result.stdout
    assert "Apply incomplete" in result.stdout


def test_no_verify_applies_without_reading_back_and_says_so(inproc: Harness, no_waiting: None) -> None:
    h = meddled(inproc, on("PUT", "/chat/channeltypes/messaging", ignores("reactions")))
    result = h.run("apply", "--auto-approve", "--no-verify", h.stack(SUPPORT))
    assert result.exit_code == 0, result.output
    assert "Apply complete" in result.stdout and "verification was off" in result.stdout
    assert "did not keep" not in result.stdout


def test_json_report_carries_the_verification(inproc: Harness, no_waiting: None) -> None:
    h = meddled(inproc, on("PUT", "/chat/channeltypes/messaging", ignores("reactions")))
    stack = h.stack(SUPPORT)
    result = h.run("apply", "--auto-approve", "--format", "json", stack)
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["verification"] == "failed"
    assert [r["status"] for r in doc["results"]] == ["applied"], "the write itself succeeded"
    [found] = doc["discrepancies"]
    assert (found["address"], found["path"]) == ("channel_types.messaging", "reactions")
    assert "sent false, live true" in found["message"]

    result = h.run("apply", "--auto-approve", "--format", "json", "--no-verify", stack)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["ok"], doc["verification"], doc["discrepancies"]) == (True, "off", [])


def test_verified_apply_says_so(inproc: Harness) -> None:
    result = inproc.run("apply", "--auto-approve", "--format", "json", inproc.stack(SUPPORT))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verification"] == "passed"
    result = inproc.run("apply", "--auto-approve", inproc.stack({**SUPPORT, "roles": ["agent"]}))
    assert result.exit_code == 0, result.output
    assert "verified: live state holds what was sent" in result.stdout


def test_a_field_changed_though_not_sent_is_reported(inproc: Harness, no_waiting: None) -> None:
    assert inproc.run("apply", "--auto-approve", inproc.stack(SUPPORT)).exit_code == 0

    def also_search(body: dict[str, Any]) -> None:
        body["search"] = False
    h = meddled(inproc, on("PUT", "/chat/channeltypes/messaging", also_search))
    result = h.run("apply", "--auto-approve", h.stack({"channel_types": {"messaging": {"max_message_length": 9000}}},
                                                      name="b"))
    assert result.exit_code == 1, result.output
    assert "channel_types.messaging.search changed, though apply did not send it: was true, live false" in result.stdout


def test_a_delete_the_api_did_not_make_is_reported(inproc: Harness, no_waiting: None) -> None:
    seeded = inproc.run("apply", "--auto-approve", inproc.stack({"commands": {"old": {"description": "x"}}}))
    assert seeded.exit_code == 0, seeded.output

    def swallow(request: httpx.Request) -> httpx.Response | None:
        if request.method == "DELETE":
            return httpx.Response(200, json={"duration": "0.01ms"})
        return None
    h = meddled(inproc, swallow)
    stack = h.stack({"stack": {"prune": ["commands"]}, "commands": {"new": {"description": "y"}}}, name="b")
    result = h.run("apply", "--auto-approve", stack)
    assert result.exit_code == 1, result.output
    assert "commands.old is still live: the API did not delete it" in result.stdout


# ------------------------------------------------------------------ patience, on the injectable sleep


class StaleAfterWrite(httpx.AsyncBaseTransport):
    """After each write, the next `lag` list reads of channel types answer as before the write
    (as the API's reads lag its writes)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, lag: int) -> None:
        self.inner, self.lag = inner, lag
        self.stale: httpx.Response | None = None
        self.left = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        reading = request.method == "GET" and request.url.path.endswith("/chat/channeltypes")
        if reading and self.left:
            self.left -= 1
            assert self.stale is not None
            return httpx.Response(200, content=self.stale.content, headers={"content-type": "application/json"})
        if request.method != "GET":
            self.left = self.lag
        response = await self.inner.handle_async_request(request)
        if reading:
            await response.aread()
            self.stale = response
            return httpx.Response(200, content=response.content, headers={"content-type": "application/json"})
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def apply_with_lag(tmp_path: Any, lag: int) -> tuple[ApplyReport, list[float]]:
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "stack.yaml").write_text(json.dumps(SUPPORT))
    desired = validate_stack(load_stack(str(folder), env={}))
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def run() -> ApplyReport:
        client = StreamClient(ConnectionSettings(KEY, SECRET, "http://127.0.0.1:9"),
                              transport=StaleAfterWrite(emulator.async_transport(), lag), throttle=Throttle(limits={}))
        try:
            plan = build_plan(desired, await read_live(client))
            return await Executor(client, sleep=sleep).apply(plan)
        finally:
            await client.aclose()

    return asyncio.run(run()), slept


def test_verification_waits_out_reads_that_lag_writes(tmp_path: Any) -> None:
    report, slept = apply_with_lag(tmp_path, lag=2)
    assert report.ok and report.verified and report.discrepancies == []
    assert slept == list(VERIFY_DELAYS[1:3]), "two stale reads: re-read after the first two delays"


def test_a_difference_that_lasts_through_every_re_read_is_reported(tmp_path: Any) -> None:
    report, slept = apply_with_lag(tmp_path, lag=len(VERIFY_DELAYS))
    assert not report.ok and all(r.status == "applied" for r in report.results)
    assert {d.path for d in report.discrepancies} == {"max_message_length", "reactions"}
    assert slept == [d for d in VERIFY_DELAYS if d]
