"""No secret out: every command and format (text, JSON, Markdown, the step summary, -v logs, saved
plans, `show`, export, schema, error paths, bad credentials), with secrets in secret fields, in fields
that are not secret, inside URLs, and echoed back by the API in the encodings APIs use (JSON escapes
of every style, URL-encoding, base64 alone and inside longer base64, HTML escapes, quoting). Every
byte written (stdout, stderr, every file) is searched for every secret in every encoding; every JSON
document written parses. Short and common secrets (`true`, `1`) never corrupt structured output."""

from __future__ import annotations

import base64
import html
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import jwt
import pytest

from stream_emulator import Emulator, EmulatorOptions
from tests.e2e.conftest import KEY, SECRET, Harness
from tests.e2e.secret_stacks import PUSH_PROVIDERS

SECRETS = {
    "SQS_SECRET": "sqs/secret+aaaa&1111<x>=",
    "SNS_SECRET": "sns-secret-bbbb-2222",
    "DD_KEY": "datadog-key-cccc-3333",
    "HOOK_SQS": "hook-sqs-secret-dddd-4444",
    "APN_P8": "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49-apn-eeee-5555\n-----END PRIVATE KEY-----",
    "FCM_JSON": '{"type": "service_account", "private_key": "fcm-ffff-6666/\'quoted\'"}',
    "HUAWEI": "huawei-secret-gggg-7777",
    "XIAOMI": "xiaomi-sécret-hhhh-8888-ü",
}
FILE_SECRET = "p12-cert-from-file-iiii-9999"
WRONG_SECRET = "wrong-api-secret-jjjj-0000"


def encodings(value: str) -> set[str]:
    """The forms an API or a log may show `value` in (computed here, apart from the product's code)."""
    raw = value.encode()
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
             quote(value, safe=""), quote(value), quote_plus(value), html.escape(value), repr(value)[1:-1]}
    for form in list(forms):
        forms.add(form.replace("/", "\\/"))
        forms.add(form.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))
    for encoder in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):  # the value at each offset inside a longer base64 text
            encoded = encoder(b"\0" * shift + raw).decode()
            forms.add(encoded[(shift * 8 + 5) // 6:(shift + len(raw)) * 8 // 6])
        forms.add(encoder(raw).decode())
        forms.add(encoder(raw).decode().rstrip("="))
    forms |= {line for line in value.splitlines() if len(line) > 12 and not line.startswith("-----")}
    return {form for form in forms if len(form) >= 8}


def echoed(value: str) -> str:
    """`value` as a chatty API might quote it back, once in each encoding."""
    raw = value.encode()
    parts = [value, json.dumps(value), json.dumps(value).replace("/", "\\/"),
             json.dumps(value).replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"),
             quote(value, safe=""), quote_plus(value), html.escape(value), repr(value),
             base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("="),
             base64.b64encode(b"user:" + raw + b":tail").decode(), base64.b64encode(b"xy" + raw).decode()]
    return " | ".join(parts)


def server_token(secret: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a test secret shorter than 32 bytes
        return jwt.encode({}, secret, algorithm="HS256")


class EchoingApi(httpx.AsyncBaseTransport):
    """The in-process emulator, plus an API that echoes what it was sent: into error messages
    (`errors`), and into the names of objects it lists (`names`)."""

    def __init__(self, emulator: Emulator) -> None:
        self.inner = emulator.async_transport()
        self.errors = False
        self.names: list[str] = []  # values to echo as names of listed objects

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v2")
        if self.errors and request.method == "POST" and path == "/push_providers":
            body = request.content.decode()
            return httpx.Response(400, json={
                "code": 4, "StatusCode": 400, "duration": "0.00ms", "more_info": "", "details": [],
                "message": f"UpsertPushProvider failed with error: invalid credentials in {echoed(body)} "
                           f"(token {echoed(request.headers['Authorization'])})"})
        if self.errors and request.method == "GET" and path == "/permissions" and request.url.params.get("boom"):
            return httpx.Response(500)
        response = await self.inner.handle_async_request(request)
        if self.names and request.method == "GET" and path == "/roles":
            await response.aread()
            data = json.loads(response.content)
            data["roles"] += [{"name": f"echo-{i}-{form}", "custom": True}
                              for i, value in enumerate(self.names) for form in
                              (value, quote(value, safe=""), base64.b64encode(value.encode()).decode())]
            return httpx.Response(response.status_code, headers={"Content-Type": "application/json"}, json=data)
        return response


class SweepHarness(Harness):
    def __init__(self, emulator: Emulator, tmp: Path) -> None:
        super().__init__(emulator, "inprocess", None, tmp)
        self.api = EchoingApi(emulator)

    def transport_factory(self, settings: Any) -> httpx.AsyncBaseTransport | None:
        return self.api


def sweep_stack(h: Harness, *, free_text: bool = False) -> str:
    """Secrets in secret fields and inside URLs (and, with `free_text`, inside a description: export
    cannot tell such a value from any other text, so the export sweep leaves it out)."""
    description = "Open a ticket (key ${env:HUAWEI})" if free_text else "Open a ticket"
    return h.stack({
        "app": {
            "push_config": {"version": "v3"},
            "webhook_url": "https://hooks.example.com/a?token=${env:SQS_SECRET}",  # a secret inside a URL
            "sqs_url": "https://sqs.example.com/q?sig=${env:SNS_SECRET}",
            "sqs_key": "AKIA", "sqs_secret": "${env:SQS_SECRET}",
            "sns_topic_arn": "arn:aws:sns:x", "sns_key": "AKIB", "sns_secret": "${env:SNS_SECRET}",
            "datadog_info": {"enabled": True, "site": "datadoghq.eu", "api_key": "${env:DD_KEY}"},
            "event_hooks": [{"hook_type": "sqs", "enabled": True, "sqs_queue_url": "https://sqs.example.com/h",
                             "sqs_key": "AKIC", "sqs_secret": "${env:HOOK_SQS}", "event_types": ["message.new"]}],
        },
        "commands": {"ticket": {"description": description}},
        "push_providers": PUSH_PROVIDERS,
        "roles": ["agent"],
    }, files={"cert.txt": FILE_SECRET + "\n"})


class Recorder:
    """Runs commands, keeps every byte they wrote, and checks that every JSON document parses."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.written: list[str] = []
        self.json_documents = 0

    def run(self, *args: str, expect: int | None = 0, env: dict[str, str] | None = None) -> str:
        result = self.h.run(*args, env=env)
        self.written.append(result.stdout + result.stderr)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "internal error" not in result.output and "Traceback" not in result.output, result.output
        if expect is not None:
            assert result.exit_code == expect, f"{args}: {result.output}"
        if "json" in args and args[0] not in ("validate", "export", "schema"):
            json.loads(result.stdout)  # stdout is one JSON document, also when the command failed
            self.json_documents += 1
        return result.stdout + result.stderr

    def files(self, *folders: Path) -> None:
        for folder in folders:
            paths = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
            for path in paths:
                self.written.append(path.read_text(encoding="utf-8", errors="replace"))
                if path.suffix == ".json":
                    json.loads(path.read_text(encoding="utf-8"))
                    self.json_documents += 1


@pytest.fixture
def sweep(tmp_path: Path) -> SweepHarness:
    h = SweepHarness(Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False)), tmp_path)
    h.env = dict(SECRETS)
    return h


def test_no_secret_in_any_byte_written(sweep: SweepHarness, tmp_path: Path) -> None:
    h = sweep
    r = Recorder(h)
    stack = sweep_stack(h)
    planfile, summary = tmp_path / "plan.json", tmp_path / "summary.md"
    exported, schemas = tmp_path / "exported", tmp_path / "schemas"

    r.run("validate", stack)
    r.run("-v", "validate", stack)
    for fmt in ("text", "json", "markdown"):
        r.run("plan", stack, "--format", fmt)
        r.run("-v", "plan", stack, "--format", fmt, "--rotate-secrets")
    r.run("plan", stack, "--format", "markdown", "--step-summary", env={"GITHUB_STEP_SUMMARY": str(summary)})
    r.run("-v", "plan", stack, "--out", str(planfile))
    for fmt in ("text", "json", "markdown"):
        r.run("show", str(planfile), "--format", fmt)

    h.api.errors = True  # the API echoes the request body and the token in its errors
    r.run("-v", "apply", "--auto-approve", stack, expect=1)
    out = r.run("apply", "--auto-approve", "--format", "json", stack, expect=1)
    assert "invalid credentials" in out, "the API's message is shown, redacted"
    h.api.errors = False
    r.run("-v", "apply", "--auto-approve", str(planfile), expect=None)
    r.run("-v", "apply", "--auto-approve", stack)
    r.run("-v", "apply", "--auto-approve", "--rotate-secrets", "--format", "json", stack)

    h.api.names = [*SECRETS.values(), SECRET]  # the API lists objects named after the secrets, encoded
    for fmt in ("text", "json", "markdown"):
        r.run("-v", "drift", stack, "--format", fmt, expect=2)
        r.run("plan", stack, "--format", fmt)
    r.run("plan", stack, "--format", "markdown", "--step-summary", env={"GITHUB_STEP_SUMMARY": str(summary)})
    h.api.names = [SECRET]  # export reads no stack: the secrets it knows are the API secret and token
    r.run("-v", "export", "--out", str(exported))
    h.api.names = []
    r.run("schema", "--out", str(schemas))

    # error paths: a validation error quoting a secret, bad credentials, an API error echoing the token
    broken = h.stack({"app": {"sqs_secret": "${env:SQS_SECRET}"},
                      "channel_types": {"support": {"automod": "${env:HUAWEI}", "automod_behavior": SECRET}}},
                     name="broken")
    for fmt in ("text", "json", "markdown"):
        r.run("plan", broken, "--format", fmt, expect=1)
    r.run("validate", broken, expect=1)
    wrong = {"STREAM_API_SECRET": WRONG_SECRET}
    for fmt in ("text", "json", "markdown"):
        r.run("-v", "plan", stack, "--format", fmt, expect=1, env=wrong)
    r.run("-v", "apply", "--auto-approve", str(planfile), expect=1, env=wrong)
    r.run("-v", "export", "--out", str(tmp_path / "nope"), expect=1, env=wrong)

    r.files(planfile, summary, exported, schemas)
    assert r.json_documents >= 10
    everything = "\n".join(r.written)
    forbidden = {**SECRETS, "FILE": FILE_SECRET, "API_SECRET": SECRET, "TOKEN": server_token(SECRET),
                 "WRONG": WRONG_SECRET, "WRONG_TOKEN": server_token(WRONG_SECRET)}
    for name, value in forbidden.items():
        for form in encodings(value):
            assert form not in everything, f"{name} leaked as {form!r}"
    assert "(sensitive)" in everything
    assert "POST" in everything and "echo-" in everything, "-v logged requests; echoed names were listed"
    assert "${env:SQS_SECRET}" not in planfile.read_text(), "the plan file was rewritten by the last --out"

    snapshot = h.snapshot()  # the secrets were really sent, where they belong
    assert snapshot["app"]["sqs_secret"] == SECRETS["SQS_SECRET"]
    assert snapshot["app"]["webhook_url"] == "https://hooks.example.com/a?token=" + SECRETS["SQS_SECRET"]
    providers = {p["name"]: p for p in snapshot["push_providers"]}
    assert providers["apn-cert"]["apn_p12_cert"] == FILE_SECRET


def test_a_saved_plan_stores_a_secret_inside_another_field_as_a_reference(sweep: SweepHarness,
                                                                          tmp_path: Path) -> None:
    """The webhook URL holds a secret: the plan file stores the URL as a template of references,
    never the value, and applying the file sends the URL exactly as the stack says."""
    h = sweep
    stack = sweep_stack(h, free_text=True)
    planfile = tmp_path / "plan.json"
    result = h.run("plan", stack, "--out", str(planfile))
    assert result.exit_code == 0, result.output
    assert not any(form in result.output for value in SECRETS.values() for form in encodings(value))
    text = planfile.read_text()
    for value in SECRETS.values():
        assert not any(form in text for form in encodings(value))
    assert '"$template"' in text and '"$secret": "env:SQS_SECRET"' in text
    result = h.run("apply", "--auto-approve", str(planfile))
    assert result.exit_code == 0, result.output
    app = h.snapshot()["app"]
    assert app["webhook_url"] == "https://hooks.example.com/a?token=" + SECRETS["SQS_SECRET"]
    assert app["sqs_url"] == "https://sqs.example.com/q?sig=" + SECRETS["SNS_SECRET"]
    assert h.snapshot()["commands"][0]["description"] == f"Open a ticket (key {SECRETS['HUAWEI']})"
    plan = h.run("plan", stack, "--format", "json")
    assert json.loads(plan.stdout)["stacks"][0]["changes"] == [], "what the file applied is what the stack says"


@pytest.fixture(params=["true", "1", "null", '"', "a\\"])
def short_api_secret(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    """An app whose API secret is short and common: it must not corrupt any output."""
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, request.param)], rate_limits=False))
    h = Harness(emulator, "inprocess", None, tmp_path)
    h.connection_env["STREAM_API_SECRET"] = request.param
    yield h


def test_short_or_common_secrets_never_corrupt_structured_output(short_api_secret: Harness,
                                                                 tmp_path: Path) -> None:
    h = short_api_secret
    r = Recorder(h)
    stack = h.stack({"app": {"webhook_url": "https://hooks.example.com/true/1"},
                     "channel_types": {"support": {"typing_events": True, "max_message_length": 1}},
                     "roles": ["true", "null"]})
    for fmt in ("json", "markdown", "text"):
        r.run("plan", stack, "--format", fmt)
    r.run("apply", "--auto-approve", "--format", "json", stack)
    r.run("drift", stack, "--format", "json")
    planfile = tmp_path / "plan.json"
    r.run("plan", stack, "--out", str(planfile))
    r.files(planfile)
    doc = json.loads(h.run("drift", stack, "--format", "json").stdout)
    assert doc["in_sync"] is True, "a value equal to the secret is left as it is: nothing garbled"
    # A stack secret that short is refused (by construction it could not be kept out of output).
    h.env = {"TINY": "1"}
    bad = h.stack({"app": {"sqs_secret": "${env:TINY}"}}, name="tiny")
    out = r.run("plan", bad, "--format", "json", expect=1)
    assert "too short" in json.loads(out.split("\nerror:")[0])["error"]["message"]
