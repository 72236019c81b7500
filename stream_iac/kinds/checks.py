"""What `stream-iac check` asks Stream to verify for the app and for push providers (the calls of
their `Checks` facets; external storage declares its own). Stream's check endpoints:

* CheckSQS / CheckSNS take the queue (topic), key and secret in the body, so they verify what the
  stack declares: the app's own SQS/SNS settings, and each SQS/SNS event hook that authenticates
  with a key (one with an IAM role has nothing these endpoints can check). They answer a failure
  with a *successful* response, `{"status": "error", "error": …}` (REFERENCE.md §11).
* CheckPush with a provider's type and name, and `skip_devices: true` (no device of a real user is
  needed), checks the provider as Stream holds it; its answer lists device and general errors.
"""

from __future__ import annotations

from typing import Any

from stream_iac.kinds.base import JSON, CheckCall


def aws_failure(response: JSON) -> str | None:
    """CheckSQS / CheckSNS: `status: error` with Stream's reason, else passed."""
    if response.get("status") == "ok":
        return None
    error = response.get("error")
    return str(error) if error else f"status {response.get('status')!r}"


def push_failure(response: JSON) -> str | None:
    """CheckPush: its device errors (one per push configuration it tried) and general errors."""
    problems: list[str] = []
    device_errors = response.get("device_errors")
    if isinstance(device_errors, dict):
        for info in device_errors.values():
            message = info.get("error_message") if isinstance(info, dict) else None
            problems.append(str(message or info))
    general = response.get("general_errors")
    if isinstance(general, list):
        problems.extend(str(error) for error in general)
    return "; ".join(problems) if problems else None


def _aws_call(what: str, service: str, address: Any, key: Any, secret: Any) -> CheckCall:
    fields = {"sqs": ("sqs_url", "sqs_key", "sqs_secret"), "sns": ("sns_topic_arn", "sns_key", "sns_secret")}[service]
    body = {name: value for name, value in zip(fields, (address, key, secret), strict=True) if value is not None}
    return CheckCall(what, f"Check{service.upper()}", "POST", f"/check_{service}", body=body, failure=aws_failure)


def app_calls(name: str, body: JSON) -> list[CheckCall]:
    """The app's SQS and SNS settings, and each SQS/SNS event hook with a key, as declared."""
    calls: list[CheckCall] = []
    if body.get("sqs_url") or body.get("sqs_key"):
        calls.append(_aws_call("sqs_url", "sqs", body.get("sqs_url"), body.get("sqs_key"), body.get("sqs_secret")))
    if body.get("sns_topic_arn") or body.get("sns_key"):
        calls.append(_aws_call("sns_topic_arn", "sns", body.get("sns_topic_arn"), body.get("sns_key"),
                               body.get("sns_secret")))
    hooks = body.get("event_hooks")
    for index, hook in enumerate(hooks if isinstance(hooks, list) else []):
        service = hook.get("hook_type") if isinstance(hook, dict) else None
        if service not in ("sqs", "sns") or not hook.get(f"{service}_key"):
            continue  # a webhook, or a role: nothing the check endpoints take
        address = hook.get("sqs_queue_url") if service == "sqs" else hook.get("sns_topic_arn")
        calls.append(_aws_call(f"event_hooks[{index}]", service, address, hook.get(f"{service}_key"),
                               hook.get(f"{service}_secret")))
    return calls


def push_provider_calls(name: str, body: JSON) -> list[CheckCall]:
    """CheckPush for the provider, unless the stack disables it (Stream does not use it then)."""
    if body.get("disabled_at"):
        return []
    request = {"push_provider_type": body.get("type"), "push_provider_name": name, "skip_devices": True}
    return [CheckCall("", "CheckPush", "POST", "/check_push", body=request, failure=push_failure)]
