"""No secret ever appears in any output: every command and format, -v logs, saved plans,
exported files, and API errors that echo the request. Searches all of it for every secret
value, the API secret and the server token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from tests.e2e.conftest import SECRET, Harness
from tests.e2e.secret_stacks import PUSH_PROVIDERS

SECRETS = {
    "SQS_SECRET": "sqs-secret-aaaa-1111",
    "SNS_SECRET": "sns-secret-bbbb-2222",
    "DD_KEY": "datadog-key-cccc-3333",
    "HOOK_SQS": "hook-sqs-secret-dddd-4444",
    "APN_P8": "-----BEGIN PRIVATE KEY-----\napn-eeee-5555\n-----END PRIVATE KEY-----",
    "FCM_JSON": '{"type": "service_account", "private_key": "fcm-ffff-6666"}',
    "HUAWEI": "huawei-secret-gggg-7777",
    "XIAOMI": "xiaomi-secret-hhhh-8888",
}
FILE_SECRET = "p12-cert-from-file-iiii-9999"


def secret_stack(h: Harness) -> str:
    return h.stack({
        "app": {
            "push_config": {"version": "v3"},
            "sqs_url": "https://sqs.example.com/q", "sqs_key": "AKIA", "sqs_secret": "${env:SQS_SECRET}",
            "sns_topic_arn": "arn:aws:sns:x", "sns_key": "AKIB", "sns_secret": "${env:SNS_SECRET}",
            "datadog_info": {"enabled": True, "site": "datadoghq.eu", "api_key": "${env:DD_KEY}"},
            "event_hooks": [{"hook_type": "sqs", "enabled": True, "sqs_queue_url": "https://sqs.example.com/h",
                             "sqs_key": "AKIC", "sqs_secret": "${env:HOOK_SQS}", "event_types": ["message.new"]}],
            "webhook_url": "https://hooks.example.com/a",
        },
        "push_providers": PUSH_PROVIDERS,
        "roles": ["agent"],
    }, files={"cert.txt": FILE_SECRET + "\n"})


class EchoingHarness(Harness):
    """Makes one push provider upsert fail with an API error that quotes the request body."""

    echo = False

    def transport_factory(self, settings: Any) -> httpx.AsyncBaseTransport | None:
        inner = self.emulator.async_transport()
        outer = self

        class Echo(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                if outer.echo and request.method == "POST" and request.url.path.endswith("/push_providers"):
                    body = request.content.decode()
                    return httpx.Response(400, json={
                        "code": 4, "StatusCode": 400, "duration": "0.00ms", "more_info": "", "details": [],
                        "message": f'UpsertPushProvider failed with error: "invalid credentials in {body}"'})
                return await inner.handle_async_request(request)

        return Echo()


@pytest.fixture
def echo_harness(inproc: Harness) -> EchoingHarness:
    return EchoingHarness(inproc.emulator, "inprocess", None, inproc.tmp)


def test_no_secret_in_any_output(echo_harness: EchoingHarness, tmp_path: Path) -> None:
    h = echo_harness
    h.env = dict(SECRETS)
    stack = secret_stack(h)
    planfile = tmp_path / "plan.json"
    export_dir = tmp_path / "exported"
    outputs: list[str] = []

    def run(*args: str, expect: int | None = 0) -> None:
        result = h.run(*args)
        outputs.append(result.stdout + result.stderr + repr(result.exception))
        if expect is not None:
            assert result.exit_code == expect, result.output

    run("validate", stack)
    run("-v", "validate", stack)
    for fmt in ("text", "json", "markdown"):
        run("plan", stack, "--format", fmt)
        run("-v", "plan", stack, "--format", fmt, "--rotate-secrets")
    run("plan", stack, "--out", str(planfile))
    h.echo = True
    run("-v", "apply", "--auto-approve", stack, expect=1)  # providers fail with an echoing error
    run("apply", "--auto-approve", "--format", "json", stack, expect=1)
    assert "invalid credentials" in outputs[-1], "the API's message is shown, scrubbed"
    h.echo = False
    run("-v", "apply", "--auto-approve", str(planfile), expect=None)
    run("-v", "apply", "--auto-approve", stack)
    run("-v", "apply", "--auto-approve", "--rotate-secrets", stack)
    for fmt in ("text", "json", "markdown"):
        run("-v", "drift", stack, "--format", fmt, expect=None)
    run("-v", "export", "--out", str(export_dir))
    files = [planfile, *sorted(p for p in export_dir.rglob("*") if p.is_file())]
    assert len(files) > 2, "export wrote files"
    everything = "\n".join(outputs + [p.read_text(errors="replace") for p in files])
    token = jwt.encode({}, SECRET, algorithm="HS256")
    forbidden = {**SECRETS, "FILE": FILE_SECRET, "API_SECRET": SECRET, "TOKEN": token}
    for name, value in forbidden.items():
        for form in {value, json.dumps(value)[1:-1]}:
            assert form not in everything, f"{name} leaked"
        for line in value.splitlines():
            if len(line) > 12:
                assert line not in everything, f"part of {name} leaked"
    assert "(sensitive)" in everything
    assert "POST" in everything, "-v logged requests"
    snapshot = h.snapshot()
    providers = {p["name"]: p for p in snapshot["push_providers"]}
    assert providers["apn-token"]["apn_auth_key"] == SECRETS["APN_P8"], "secrets were really sent"
    assert providers["apn-cert"]["apn_p12_cert"] == FILE_SECRET
    assert snapshot["app"]["sqs_secret"] == SECRETS["SQS_SECRET"]
