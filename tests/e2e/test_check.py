"""`stream-iac check`: Stream's check endpoints verify the credentials a stack configures, through
the real CLI against the strict emulator (whose checks.py decides what "bad" is: a missing
credential, a malformed queue URL or region, or any credential containing "invalid"). Each is
reported ok or failing with Stream's message, in every format; exit 0 all ok, 2 some failing,
1 an error; no secret in any output, in any encoding."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import Harness

GOOD_APN = "apn-private-key-material-123"
BAD_APN = "apn-invalid-key-material-456"  # the emulator's stand-in for a key APNs refuses
SQS_SECRET = "sqs-secret-value-0123456789"
S3_SECRET = "s3-secret-value-0123456789"
ENV = {"GOOD_APN": GOOD_APN, "BAD_APN": BAD_APN, "SQS_SECRET": SQS_SECRET, "S3_SECRET": S3_SECRET,
       "S3_KEY": "AKIAEXAMPLEKEY0001"}
SECRETS = (GOOD_APN, BAD_APN, SQS_SECRET, S3_SECRET)
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/chat-events"


def provider(key_env: str) -> dict[str, Any]:
    return {"type": "apn", "apn_auth_type": "token", "apn_key_id": "K1", "apn_team_id": "T1",
            "apn_topic": "com.example.app", "apn_auth_key": "${env:" + key_env + "}"}


def stack_data(*, bad_provider: bool, bad_queue: bool = False, bad_region: bool = False) -> dict[str, Any]:
    return {
        "app": {
            "push_config": {"version": "v3"},
            "event_hooks": [
                {"hook_type": "webhook", "webhook_url": "https://hooks.example.com/stream", "enabled": True},
                {"hook_type": "sqs", "enabled": True, "sqs_queue_url": "https://example.com/q" if bad_queue else QUEUE,
                 "sqs_region": "us-east-1", "sqs_auth_type": "keys", "sqs_key": "AKIAHOOKKEY",
                 "sqs_secret": "${env:SQS_SECRET}"},
            ],
        },
        "push_providers": {"apn-prod": provider("GOOD_APN"),
                           **({"apn-broken": provider("BAD_APN")} if bad_provider else {})},
        "external_storage": {"exports": {"storage_type": "s3", "bucket": "chat-exports",
                                         "aws_s3": {"s3_region": "moon-1" if bad_region else "eu-west-1",
                                                    "s3_api_key": "${env:S3_KEY}", "s3_secret": "${env:S3_SECRET}"}}},
    }


@pytest.fixture
def h(inproc: Harness) -> Harness:
    inproc.env = dict(ENV)
    return inproc


def applied(h: Harness, data: dict[str, Any]) -> str:
    stack = h.stack(data)
    result = h.run("apply", "--auto-approve", stack)
    assert result.exit_code == 0, result.output
    return stack


def assert_no_secret(output: str) -> None:
    for secret in SECRETS:
        for form in (secret, quote(secret, safe=""), base64.b64encode(secret.encode()).decode(), json.dumps(secret)):
            assert form not in output, f"a secret is in the output ({form[:6]}…)"


def test_all_ok_exits_0(h: Harness) -> None:
    stack = applied(h, stack_data(bad_provider=False))
    result = h.run("check", stack)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        'Stack "stack"',
        "  ok      app.event_hooks[1] (CheckSQS)",
        "  ok      push_providers.apn-prod (CheckPush)",
        "  ok      external_storage.exports (CheckExternalStorage)",
        "Checks: 3 ok, 0 failing.",
    ]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_a_provider_with_bad_credentials_is_failing_exit_2(h: Harness, fmt: str) -> None:
    stack = applied(h, stack_data(bad_provider=True))
    result = h.run("check", stack, "--format", fmt)
    assert result.exit_code == 2, result.output
    failing = "the apn service rejected the credentials (apn_auth_key)"  # the emulator's words for it
    if fmt == "json":
        doc = json.loads(result.stdout)
        assert doc["ok"] is False and doc["summary"] == {"ok": 3, "failing": 1}
        [broken] = [c for c in doc["stacks"][0]["checks"] if c["status"] == "failing"]
        assert broken == {"address": "push_providers.apn-broken", "check": "CheckPush", "status": "failing",
                          "message": failing}
    elif fmt == "markdown":
        assert f"| **failing** | `push_providers.apn-broken` | CheckPush | {failing} |" in result.stdout
        assert "| ok | `push_providers.apn-prod` | CheckPush |  |" in result.stdout
    else:
        assert f"  FAILING push_providers.apn-broken (CheckPush): {failing}" in result.stdout
        assert "Checks: 3 ok, 1 failing." in result.stdout
    assert_no_secret(result.output)


def test_a_bad_queue_and_a_bad_region_are_failing_with_streams_message(h: Harness) -> None:
    applied(h, stack_data(bad_provider=False, bad_region=True))  # the storage: checked as Stream holds it
    stack = h.stack(stack_data(bad_provider=False, bad_queue=True, bad_region=True))  # the queue: as declared
    result = h.run("check", stack, "--format", "json")
    assert result.exit_code == 2, result.output
    verdicts = {c["address"]: (c["status"], c["message"]) for c in json.loads(result.stdout)["stacks"][0]["checks"]}
    assert verdicts["app.event_hooks[1]"] == ("failing", "invalid SQS url")
    status, message = verdicts["external_storage.exports"]
    assert status == "failing" and '"moon-1" is not an AWS region' in message
    assert verdicts["push_providers.apn-prod"] == ("ok", "")


def test_no_secret_in_any_output_even_verbose(h: Harness) -> None:
    stack = applied(h, stack_data(bad_provider=True))
    for fmt in ("text", "json", "markdown"):
        result = h.run("-v", "check", stack, "--format", fmt)
        assert result.exit_code == 2, result.output
        assert "CheckSQS" in result.stderr  # the request log is there, scrubbed
        assert_no_secret(result.output)


def test_a_stack_with_nothing_to_check(h: Harness) -> None:
    result = h.run("check", h.stack({"commands": {"ticket": {"description": "Open a ticket"}}}))
    assert result.exit_code == 0, result.output
    assert "nothing to check" in result.stdout and "Checks: 0 ok, 0 failing." in result.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_errors_exit_1(h: Harness, fmt: str) -> None:
    stack = applied(h, stack_data(bad_provider=True))
    refused = h.run("check", stack, "--format", fmt, env={"STREAM_API_SECRET": "not-the-secret-0123456789"})
    assert refused.exit_code == 1, refused.output
    assert "CheckPush failed (HTTP 401" in refused.stderr or "failed (HTTP 401" in refused.stderr, refused.stderr
    if fmt == "json":
        assert "error" in json.loads(refused.stdout)
    if fmt == "markdown":  # a CI job summary shows the error
        assert "failed (HTTP 401" in refused.stdout
    broken = h.run("check", h.stack({"push_providers": {"x": {"type": "web"}}}, name="broken"), "--format", fmt)
    assert broken.exit_code == 1 and "stack.yaml:" in broken.stderr
    assert "Traceback" not in refused.output + broken.output


def test_several_stacks_in_one_run_one_exit_code(h: Harness) -> None:
    bad = applied(h, stack_data(bad_provider=True))
    good = h.stack({"push_providers": {"apn-prod": provider("GOOD_APN")}}, name="good")
    result = h.run("check", good, bad, "--format", "json")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert [(s["stack"], s["ok"]) for s in doc["stacks"]] == [("good", True), ("stack", False)]
    assert h.run("check", good).exit_code == 0
