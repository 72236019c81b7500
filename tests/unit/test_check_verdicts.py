"""`stream-iac check`'s library: which calls a stack's declarations ask for (from the kinds'
`Checks` facets), and how an answer becomes a verdict: Stream's words when failing, an answer of
400 or 404 a failing check, any other API error an error of the run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from stream_iac.check import planned_checks, run_checks
from stream_iac.errors import ApiError
from stream_iac.kinds.checks import aws_failure, push_failure
from stream_iac.state import DesiredObject, DesiredState, StackMeta


def desired(objects: dict[str, dict[str, dict[str, Any]]]) -> DesiredState:
    state = DesiredState(meta=StackMeta(name="s", root=Path(".")))
    state.objects = {kind: {name: DesiredObject(kind, name, body) for name, body in bodies.items()}
                     for kind, bodies in objects.items()}
    return state


STACK = desired({
    "app": {"app": {"sqs_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/q", "sqs_key": "K",
                    "sqs_secret": "S-0123456789",
                    "event_hooks": [{"hook_type": "webhook", "webhook_url": "https://x"},
                                    {"hook_type": "sns", "sns_topic_arn": "arn:aws:sns:eu-west-1:1:t",
                                     "sns_auth_type": "role", "sns_role_arn": "arn:aws:iam::1:role/r"},
                                    {"hook_type": "sns", "sns_topic_arn": "arn:aws:sns:eu-west-1:1:t",
                                     "sns_key": "K", "sns_secret": "S-0123456789"}]}},
    "push_providers": {"on": {"type": "apn"}, "off": {"type": "firebase", "disabled_at": "2026-01-01T00:00:00Z"}},
    "external_storage": {"exports": {"storage_type": "gcs", "bucket": "b"}},
    "commands": {"ticket": {"description": "nothing to check"}},
})


def test_the_calls_come_from_the_declarations() -> None:
    planned = [(p.address, p.call.op, p.call.path) for p in planned_checks(STACK)]
    assert planned == [
        ("app.sqs_url", "CheckSQS", "/check_sqs"),
        ("app.event_hooks[2]", "CheckSNS", "/check_sns"),  # [1] authenticates with a role: nothing to check
        ("push_providers.on", "CheckPush", "/check_push"),  # "off" is disabled by the stack
        ("external_storage.exports", "CheckExternalStorage", "/external_storage/exports/check"),
    ]
    push = next(p.call for p in planned_checks(STACK) if p.call.op == "CheckPush")
    assert push.body == {"push_provider_type": "apn", "push_provider_name": "on", "skip_devices": True}


@pytest.mark.parametrize(("response", "verdict"), [
    ({"status": "ok"}, None),
    ({"status": "error", "error": "invalid SQS url", "data": {}}, "invalid SQS url"),
    ({"status": "error"}, "status 'error'"),
])
def test_sqs_and_sns_answer_failures_with_a_successful_response(response: dict[str, Any], verdict: str | None) -> None:
    assert aws_failure(response) == verdict


def test_push_failures_are_its_device_and_general_errors() -> None:
    assert push_failure({"event_type": "message.new", "skip_devices": True}) is None
    response = {"device_errors": {"apn:on": {"provider": "apn", "provider_name": "on", "error_message": "bad key"}},
                "general_errors": ["the apn template does not render to valid JSON"]}
    assert push_failure(response) == "bad key; the apn template does not render to valid JSON"


class Answers:
    """Answers each operation with a response, or raises the ApiError given for it."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers

    async def call(self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None,
                   body: Any = None) -> dict[str, Any]:
        answer = self.answers.get(op, {"status": "ok"})
        if isinstance(answer, ApiError):
            raise answer
        result: dict[str, Any] = answer
        return result


def test_400_and_404_are_verdicts_other_errors_stop_the_run() -> None:
    refused = ApiError("CheckExternalStorage", 400, 4, 'external storage "exports" check failed: bad bucket')
    results = asyncio.run(run_checks(Answers({"CheckExternalStorage": refused}), STACK))
    verdicts = {r.address: (r.status, r.message) for r in results.results}
    assert verdicts["external_storage.exports"] == ("failing", 'external storage "exports" check failed: bad bucket')
    assert verdicts["push_providers.on"] == ("ok", "")
    assert results.summary() == {"ok": 3, "failing": 1}
    unauthorised = ApiError("CheckPush", 401, 5, "api key not valid")
    with pytest.raises(ApiError):
        asyncio.run(run_checks(Answers({"CheckPush": unauthorised}), STACK))
