"""Push templates and external storage, end to end through the real CLI against the strict
emulator: validate, plan, apply, re-plan empty, drift, update, export and re-plan the export; and
through the official Python SDKs as observers (after our apply, `getstream` and the classic
`stream-chat` read back what the stack declares)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.checks import assert_live_matches
from tests.e2e.conftest import KEY, SECRET, Harness
from tests.emulator.helpers import Api

ENV = {
    "APN_KEY": "apn-private-key-material-123",
    "S3_KEY": "AKIAEXAMPLEKEY0001",
    "S3_SECRET": "s3-secret-value-0123456789",
    "GCS_JSON": '{"type": "service_account", "client_email": "e@demo.iam.gserviceaccount.com", '
                '"private_key": "gcs-private-key-0123456789"}',
}
APN_PROVIDER = {"type": "apn", "apn_auth_type": "token", "apn_key_id": "K1", "apn_team_id": "T1",
                "apn_topic": "com.example.app", "apn_auth_key": "${env:APN_KEY}"}
APN_TEMPLATE = '{"aps": {"alert": {"title": "{{ sender.name }}", "body": "{{ message.text }}"}}}'


def stack_data(template: str = APN_TEMPLATE, bucket: str = "chat-exports") -> dict[str, Any]:
    return {
        "app": {"push_config": {"version": "v3"}},
        "push_providers": {"apn-prod": dict(APN_PROVIDER)},
        "push_templates": {
            "apn/apn-prod/message.new": {"enable_push": True, "template": template},
            "apn/apn-prod/reaction.new": {"enable_push": False},
            "firebase/message.updated": {"template": '{"title": "edited"}'},
        },
        "external_storage": {
            "exports": {"storage_type": "s3", "bucket": bucket, "path": "daily/",
                        "aws_s3": {"s3_region": "eu-west-1", "s3_api_key": "${env:S3_KEY}",
                                   "s3_secret": "${env:S3_SECRET}"}},
            "archive": {"storage_type": "gcs", "bucket": "chat-archive", "gcs_credentials": "${env:GCS_JSON}"},
        },
    }


def run_ok(h: Harness, *args: str, code: int = 0) -> str:
    result = h.run(*args)
    assert result.exit_code == code, result.output
    return result.stdout


def plan_doc(h: Harness, stack: str, *extra: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(run_ok(h, "plan", stack, "--format", "json", *extra))
    return doc


def changes(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["action"], c["address"]) for c in the_stack(doc)["changes"]]


def the_stack(doc: dict[str, Any]) -> dict[str, Any]:
    """The one stack's part of a JSON plan (one stack or many: the same shape)."""
    found: dict[str, Any] = doc["stacks"][0] if "stacks" in doc else doc
    return found


@pytest.fixture
def h(inproc: Harness) -> Harness:
    inproc.env = dict(ENV)
    return inproc


def test_declare_apply_replan_drift_update_and_export(h: Harness, tmp_path: Path) -> None:
    data = stack_data()
    stack = h.stack(data)
    assert "valid" in run_ok(h, "validate", stack)
    planned = changes(plan_doc(h, stack))
    assert ("create", "push_templates.apn/apn-prod/message.new") in planned
    assert ("create", "external_storage.exports") in planned
    # A provider's templates wait for the provider; a template of no provider waits for nothing.
    addresses = [address for _, address in planned]
    assert addresses.index("push_providers.apn-prod") < addresses.index("push_templates.apn/apn-prod/message.new")

    run_ok(h, "apply", "--auto-approve", stack)
    assert_live_matches(h.snapshot(), data, ENV)
    assert changes(plan_doc(h, stack)) == []
    assert "in sync" in run_ok(h, "drift", stack)

    # An update of each: a template's text, and a storage's bucket. The storage's update replaces it
    # whole, so its credentials and write-only region go again and are still there afterwards.
    updated = stack_data(template='{"aps": {"alert": "{{ message.text }}"}}', bucket="chat-exports-2")
    stack = h.stack(updated)
    assert sorted(changes(plan_doc(h, stack))) == [("update", "external_storage.exports"),
                                                   ("update", "push_templates.apn/apn-prod/message.new")]
    run_ok(h, "apply", "--auto-approve", stack)
    assert_live_matches(h.snapshot(), updated, ENV)
    stored = h.snapshot()["external_storages"]["exports"]["credentials"]["aws_s3"]
    assert stored == {"s3_region": "eu-west-1", "s3_api_key": ENV["S3_KEY"], "s3_secret": ENV["S3_SECRET"]}
    assert changes(plan_doc(h, stack)) == []

    # Export writes both kinds; credentials and the write-only region as ${env:} references.
    out = tmp_path / "exported"
    exported = run_ok(h, "export", "--out", str(out))
    storage_yaml = (out / "external_storage.yaml").read_text()
    assert "${env:STREAM_EXTERNAL_STORAGE_EXPORTS_AWS_S3_S3_SECRET}" in storage_yaml
    assert "${env:STREAM_EXTERNAL_STORAGE_ARCHIVE_GCS_CREDENTIALS}" in storage_yaml
    assert "STREAM_EXTERNAL_STORAGE_EXPORTS_AWS_S3_S3_REGION" in exported
    templates_yaml = (out / "push_templates.yaml").read_text()
    assert "apn/apn-prod/message.new:" in templates_yaml and "push_provider_type" not in templates_yaml
    export_env = {"STREAM_EXTERNAL_STORAGE_EXPORTS_AWS_S3_S3_REGION": "eu-west-1",
                  "STREAM_EXTERNAL_STORAGE_EXPORTS_AWS_S3_S3_API_KEY": ENV["S3_KEY"],
                  "STREAM_EXTERNAL_STORAGE_EXPORTS_AWS_S3_S3_SECRET": ENV["S3_SECRET"],
                  "STREAM_EXTERNAL_STORAGE_ARCHIVE_GCS_CREDENTIALS": ENV["GCS_JSON"],
                  "STREAM_PUSH_APN_PROD_APN_AUTH_KEY": ENV["APN_KEY"]}
    result = h.run("plan", str(out), "--detailed-exitcode", env=export_env)
    assert result.exit_code == 0, result.output
    assert "No changes" in result.stdout


def test_a_template_is_never_deleted_a_storage_is_pruned(h: Harness) -> None:
    data = stack_data()
    run_ok(h, "apply", "--auto-approve", h.stack(data))
    del data["push_templates"]["firebase/message.updated"]
    del data["external_storage"]["archive"]
    data["stack"] = {"name": "stack", "prune": ["push_templates", "external_storage"]}
    stack = h.stack(data)
    doc = plan_doc(h, stack)
    # Stream has no call that deletes a template: it is listed as unmanaged, never deleted.
    assert changes(doc) == [("delete", "external_storage.archive")]
    assert the_stack(doc)["unmanaged"] == ["push_templates.firebase/message.updated"]
    run_ok(h, "apply", "--auto-approve", stack)
    assert "archive" not in h.snapshot()["external_storages"]
    drift = h.run("drift", stack)
    assert drift.exit_code == 2 and "unmanaged push_templates.firebase/message.updated" in drift.stdout


def test_a_template_changed_by_hand_is_drift(h: Harness) -> None:
    stack = h.stack(stack_data())
    run_ok(h, "apply", "--auto-approve", stack)
    api = Api(httpx.Client(transport=h.emulator.transport(), base_url="http://emulator"), KEY, SECRET)
    for name in ("apn/apn-prod/message.new", "firebase/message.updated"):  # edits made in the dashboard
        provider_type, _, rest = name.partition("/")
        provider, _, event_type = rest.rpartition("/")
        body = {"push_provider_type": provider_type, "event_type": event_type, "enable_push": False,
                **({"push_provider_name": provider} if provider else {})}
        assert api.post("/push_templates", json=body).status_code == 201
    drift = h.run("drift", stack, "--format", "json")
    assert drift.exit_code == 2
    differing = [d["address"] for d in json.loads(drift.stdout)["stacks"][0]["differences"]]
    # firebase/message.updated does not declare enable_push: only declared fields are compared.
    assert differing == ["push_templates.apn/apn-prod/message.new"]


def test_target_names_a_template_and_pulls_in_its_provider(h: Harness) -> None:
    stack = h.stack(stack_data())
    doc = plan_doc(h, stack, "--target", "push_templates.apn/apn-prod/reaction.new")
    assert changes(doc) == [("create", "push_providers.apn-prod"),
                            ("create", "push_templates.apn/apn-prod/reaction.new")]
    assert the_stack(doc)["partial"]["dependencies"] == ["push_providers.apn-prod"]


@pytest.mark.parametrize(("section", "message"), [
    ({"push_templates": {"apn": {}}}, "a push template's name is <type>/<event_type>"),
    ({"push_templates": {"web/message.new": {}}}, "the push type 'web' is not one of apn, firebase"),
    ({"push_templates": {"apn/message.deleted": {}}}, "the event type 'message.deleted' is not one"),
    ({"push_templates": {"apn/" + "p" * 37 + "/message.new": {}}}, "a push provider's name is 1 to 36 characters"),
    ({"push_templates": {"apn/message.new": {"enable_push": "maybe"}}}, "enable_push"),
    ({"external_storage": {"x": {"storage_type": "s3", "bucket": "b"}}}, "a storage of type s3 needs aws_s3"),
    ({"external_storage": {"x": {"storage_type": "gcs", "bucket": "b", "gcs_credentials": "${env:GCS_JSON}",
                                 "aws_s3": {"s3_region": "eu-west-1"}}}},
     "aws_s3 do not apply to a storage of type gcs"),
    ({"external_storage": {"x": {"storage_type": "s3", "bucket": "b",
                                 "aws_s3": {"s3_region": "eu-west-1", "s3_api_key": "${env:S3_KEY}"}}}},
     "s3_api_key and s3_secret go together"),
    ({"external_storage": {"x": {"storage_type": "gcs", "bucket": "b", "gcs_credentials": "literal-credentials"}}},
     "gcs_credentials"),
])
def test_validate_refuses_at_the_line(h: Harness, section: dict[str, Any], message: str) -> None:
    result = h.run("validate", h.stack({"app": {"push_config": {"version": "v3"}}, **section}))
    assert result.exit_code == 1
    assert message in result.stderr and "stack.yaml:" in result.stderr, result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("harness", ["socket"], indirect=True)
@pytest.mark.filterwarnings("ignore:The HMAC key is:Warning")  # the SDKs sign with the tests' short secret
def test_the_official_sdks_read_back_what_apply_declared(harness: Harness) -> None:
    getstream = pytest.importorskip("getstream", reason="the official SDK is an optional test extra")
    stream_chat = pytest.importorskip("stream_chat", reason="the classic SDK is a test dependency")
    harness.env = dict(ENV)
    data = stack_data()
    run_ok(harness, "apply", "--auto-approve", harness.stack(data))
    assert harness.url is not None

    client = getstream.Stream(api_key=KEY, api_secret=SECRET, base_url=harness.url)
    try:
        own = client.get_push_templates("apn", "apn-prod").data.templates
        assert {(t.event_type, t.enable_push, t.template) for t in own} == {
            ("message.new", True, APN_TEMPLATE), ("reaction.new", False, None)}
        firebase = client.get_push_templates("firebase").data.templates
        assert [(t.event_type, t.template) for t in firebase] == [("message.updated", '{"title": "edited"}')]
        storages = client.list_external_storage().data.external_storages
        assert {name: (s.type, s.bucket, s.path) for name, s in storages.items()} == {
            "exports": ("s3", "chat-exports", "daily/"), "archive": ("gcs", "chat-archive", "")}
        # The credentials apply sent work: Stream's own check of the storage passes.
        assert client.check_external_storage("exports").data.file_url.startswith("https://chat-exports.s3.eu-west-1")
    finally:
        client.close()

    classic = stream_chat.StreamChat(api_key=KEY, api_secret=SECRET, base_url=harness.url)
    try:  # the classic SDK has no methods for these kinds: its own get() calls the legacy paths
        templates = classic.get("push_templates", params={"push_provider_type": "apn",
                                                          "push_provider_name": "apn-prod"})["templates"]
        assert sorted(t["event_type"] for t in templates) == ["message.new", "reaction.new"]
        listed = classic.get("external_storage")["external_storages"]
        assert listed["archive"] == {"name": "archive", "type": "gcs", "bucket": "chat-archive", "path": ""}
    finally:
        classic.session.close()


def test_a_saved_plan_holds_references_only_and_applies(h: Harness, tmp_path: Path) -> None:
    stack = h.stack(stack_data())
    plan_file = tmp_path / "plan.json"
    run_ok(h, "plan", stack, "--out", str(plan_file))
    saved = plan_file.read_text()
    for name, value in ENV.items():
        assert value not in saved and json.dumps(value)[1:-1] not in saved, name
    assert "env:S3_SECRET" in saved
    run_ok(h, "apply", "--auto-approve", str(plan_file))
    assert_live_matches(h.snapshot(), stack_data(), ENV)


def test_no_storage_secret_in_any_output(h: Harness, tmp_path: Path) -> None:
    stack = h.stack(stack_data())
    outputs = [h.run("-v", "validate", stack), h.run("-v", "apply", "--auto-approve", stack)]
    stack = h.stack(stack_data(bucket="chat-exports-2"))  # an update re-sends every credential
    outputs += [h.run("-v", "plan", stack, "--format", fmt) for fmt in ("text", "json", "markdown")]
    outputs += [h.run("-v", "apply", "--auto-approve", stack, "--resend-write-only"), h.run("-v", "drift", stack),
                h.run("-v", "export", "--out", str(tmp_path / "exported"))]
    written = "".join(p.read_text() for p in (tmp_path / "exported").glob("*.yaml"))
    for result in outputs:
        assert result.exit_code in (0, 2), result.output
    for secret in (ENV["S3_KEY"], ENV["S3_SECRET"], ENV["GCS_JSON"], "gcs-private-key-0123456789"):
        for result in outputs:
            assert secret not in result.output
        assert secret not in written


def test_a_templates_provider_must_exist_and_takes_its_templates_with_it(h: Harness) -> None:
    ghost = dict(stack_data(), push_templates={"apn/ghost/message.new": {"enable_push": False}})
    refused = h.run("plan", h.stack(ghost))
    assert refused.exit_code == 1
    assert ("stack.yaml:13:3: push_templates.apn/ghost/message.new.push_provider_name refers to "
            "push_providers.ghost, which is neither built-in, declared in the stack, nor live") in refused.stderr

    data = stack_data()
    run_ok(h, "apply", "--auto-approve", h.stack(data))
    data["stack"] = {"name": "stack", "prune": ["push_providers"]}
    del data["push_providers"]
    still_declared = h.run("plan", h.stack(data))
    assert still_declared.exit_code == 1
    assert "push_providers.apn-prod cannot be deleted: push_templates.apn/apn-prod/message.new still refers to it" \
        in still_declared.stderr
    # Once its templates are left out, the provider can go: Stream removes its templates with it.
    data["push_templates"] = {k: v for k, v in data["push_templates"].items() if "/apn-prod/" not in k}
    stack = h.stack(data)
    assert changes(plan_doc(h, stack)) == [("delete", "push_providers.apn-prod")]
    run_ok(h, "apply", "--auto-approve", stack)
    assert [t["event_type"] for t in h.snapshot()["push_templates"]] == ["message.updated"]
    assert changes(plan_doc(h, stack)) == []


def test_a_provider_template_of_another_push_type_is_refused_before_anything_is_written(h: Harness) -> None:
    """Stream refuses a template whose push type is not its provider's ("push provider … with
    type … not found"): validate says so at the line when the stack declares the provider, plan
    when the provider is only live, so apply never creates the provider and then fails."""
    mismatched = {"firebase/apn-prod/message.new": {"enable_push": False}}
    data = dict(stack_data(), push_templates=mismatched)
    data.pop("external_storage")
    refused = h.run("validate", h.stack(data))
    assert refused.exit_code == 1
    assert ("stack.yaml:13:3: push_templates.firebase/apn-prod/message.new.push_provider_name refers to "
            "push_providers.apn-prod, whose type is apn, not firebase: name the template "
            "apn/apn-prod/message.new") in refused.stderr
    assert h.run("plan", h.stack(data)).exit_code == 1
    assert h.snapshot()["push_providers"] == []

    run_ok(h, "apply", "--auto-approve", h.stack(dict(stack_data(), push_templates={})))
    only_live = {"app": {"push_config": {"version": "v3"}}, "push_templates": mismatched}
    assert "valid" in run_ok(h, "validate", h.stack(only_live))  # the provider is not declared here
    planned = h.run("plan", h.stack(only_live))
    assert planned.exit_code == 1
    assert "refers to push_providers.apn-prod, whose type is apn, not firebase" in planned.stderr
