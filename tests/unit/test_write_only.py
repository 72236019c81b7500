"""Write-only fields (Fields.write_only): never compared; sent on create, with updates that replace
their object (or send the nested object holding them), and with --resend-write-only; shown, not
hidden; and every plan names the declared fields it could not compare, and why."""

from __future__ import annotations

import json
from pathlib import Path

from stream_iac.kinds import BY_NAME
from stream_iac.paths import dotted
from stream_iac.plan import PlanOptions, build_plan
from stream_iac.plan.diff import compare, create_payloads, update_payload
from stream_iac.plan.planfile import parse_plan_document, plan_document, signed
from stream_iac.render.json_plan import plan_json
from stream_iac.render.markdown import render_markdown
from stream_iac.render.text import render_plan
from stream_iac.secrets import Secret
from tests.unit.test_plan import desired, live
from tests.unit.test_planfile import HEADER, KEY

APP = BY_NAME["app"]
PP = BY_NAME["push_providers"]
TEMPLATE = '{"aps": {"alert": "{{ sender.name }}"}}'
APN_KEY = Secret("apn-key-value-0123456789", "env:APN_KEY")


def test_a_write_only_field_is_never_compared() -> None:
    assert compare(APP, {"reminders_max_members": 5, "feeds_v2_region": "eu"}, {}) == []
    assert compare(APP, {"reminders_max_members": 5}, {"reminders_max_members": 7}) == [], \
        "even a live value (the API never returns one) is not compared"


def test_the_flag_sends_every_declared_write_only_field_openly() -> None:
    wanted = {"reminders_max_members": 5, "async_moderation_config": {"timeout_ms": 3000}, "webhook_url": "u"}
    changes = compare(APP, wanted, {"webhook_url": "u"}, resend=True)
    assert [(dotted(c.path), c.after, c.write_only, c.sensitive) for c in changes] == [
        ("reminders_max_members", 5, True, False), ("async_moderation_config", {"timeout_ms": 3000}, True, False)]
    assert update_payload(APP, wanted, {"webhook_url": "u"}, changes) == {
        "reminders_max_members": 5, "async_moderation_config": {"timeout_ms": 3000}}


def test_an_app_update_does_not_carry_top_level_write_only_fields() -> None:
    """PATCH /app changes only what it names: a write-only field goes only with the flag."""
    wanted = {"reminders_max_members": 5, "webhook_url": "new"}
    changes = compare(APP, wanted, {"webhook_url": "old"})
    assert [dotted(c.path) for c in changes] == ["webhook_url"]
    assert update_payload(APP, wanted, {"webhook_url": "old"}, changes) == {"webhook_url": "new"}


def test_a_nested_object_that_is_sent_carries_its_write_only_field() -> None:
    wanted = {"apn_config": {"bundle_id": "com.new", "Disabled": True}}
    live_app = {"apn_config": {"bundle_id": "com.old", "development": False}}
    changes = compare(APP, wanted, live_app)
    assert [(dotted(c.path), c.write_only) for c in changes] == [("apn_config.bundle_id", False),
                                                                 ("apn_config.Disabled", True)]
    assert update_payload(APP, wanted, live_app, changes) == {
        "apn_config": {"bundle_id": "com.new", "development": False, "Disabled": True}}
    assert compare(APP, wanted, {"apn_config": {"bundle_id": "com.new"}}) == []


def test_a_write_only_field_goes_with_a_create() -> None:
    body = {"type": "apn", "apn_topic": "t", "apn_notification_template": TEMPLATE}
    payload, followup = create_payloads(PP, body)
    assert payload["apn_notification_template"] == TEMPLATE and followup is None


def test_a_replacing_update_resends_the_write_only_field_openly_and_the_secret_hidden() -> None:
    wanted = {"type": "apn", "apn_topic": "new", "apn_notification_template": TEMPLATE, "apn_auth_key": APN_KEY}
    live_provider = {"type": "apn", "apn_topic": "old", "description": "kept"}
    changes = compare(PP, wanted, live_provider)
    assert [(dotted(c.path), c.write_only, c.sensitive) for c in changes] == [
        ("apn_topic", False, False), ("apn_notification_template", True, False), ("apn_auth_key", False, True)]
    template = next(c for c in changes if c.write_only)
    assert (template.before, template.after) == (None, TEMPLATE)
    assert update_payload(PP, wanted, live_provider, changes) == {
        "description": "kept", "type": "apn", "apn_topic": "new", "apn_notification_template": TEMPLATE,
        "apn_auth_key": APN_KEY}
    assert compare(PP, wanted, {**live_provider, "apn_topic": "new"}) == [], "alone, it is no change"


def test_every_plan_names_the_declared_fields_it_cannot_compare(tmp_path: Path) -> None:
    state = desired(tmp_path, {
        "app": {"reminders_max_members": 5, "webhook_url": "u", "sqs_secret": "${env:SQS}"},
        "push_providers": {"ios": {"type": "apn", "apn_topic": "t", "apn_notification_template": TEMPLATE}},
    }, env={"SQS": "sqs-secret-value-0123456789"})
    current = live(app={"app": {"webhook_url": "u", "sqs_secret": "set", "push_config": {"version": "v3"}}},
                   push_providers={"ios": {"type": "apn", "apn_topic": "t"}})
    plan = build_plan(state, current)
    assert plan.changes == []
    assert [(n.path, n.reason) for n in plan.not_compared] == [
        ("app.reminders_max_members", "write-only"), ("app.sqs_secret", "secret"),
        ("push_providers.ios.apn_notification_template", "write-only")]
    text = render_plan(plan)
    assert ("note: not compared (write-only: the API never returns it; sent on create, with updates that "
            "replace its object, and with --resend-write-only): app.reminders_max_members, "
            "push_providers.ios.apn_notification_template") in text
    assert "app.sqs_secret" in text and "sqs-secret-value" not in text
    assert "app.reminders_max_members" in render_markdown([plan])
    assert {"path": "app.reminders_max_members", "reason": "write-only", "why": "the API never returns it"} in \
        plan_json(plan)["not_compared"]


def test_with_the_flag_the_plan_shows_the_value_it_sends(tmp_path: Path) -> None:
    state = desired(tmp_path, {"app": {"reminders_max_members": 5}})
    [change] = build_plan(state, live(), PlanOptions(resend_write_only=True)).changes
    assert change.payload == {"reminders_max_members": 5}
    assert "reminders_max_members: 5 (write-only: sent, not compared)" in render_plan(
        build_plan(state, live(), PlanOptions(resend_write_only=True)))


def test_a_targeted_plan_names_only_the_targeted_objects_fields(tmp_path: Path) -> None:
    state = desired(tmp_path, {
        "app": {"reminders_max_members": 5},
        "push_providers": {"ios": {"type": "apn", "apn_topic": "t", "apn_notification_template": TEMPLATE}},
    })
    current = live(app={"app": {"push_config": {"version": "v3"}}}, push_providers={"ios": {"type": "apn",
                                                                                          "apn_topic": "t"}})
    plan = build_plan(state, current, PlanOptions(targets=("push_providers.ios",)))
    assert [n.path for n in plan.not_compared] == ["push_providers.ios.apn_notification_template"]


def test_a_saved_plan_keeps_its_write_only_changes_and_what_it_could_not_compare(tmp_path: Path) -> None:
    state = desired(tmp_path, {"app": {"reminders_max_members": 5}})
    plan = build_plan(state, live(), PlanOptions(resend_write_only=True))
    doc = json.loads(json.dumps(signed(plan_document(plan, HEADER), KEY)))
    again = parse_plan_document(doc, "plan.json", lambda ref: Secret("resolved-value-0123", ref))
    assert again.not_compared == plan.not_compared
    assert again.changes[0].field_changes == plan.changes[0].field_changes
    assert again.changes[0].field_changes[0].write_only


def test_a_push_config_of_defaults_only_converges(tmp_path: Path) -> None:
    """push_notifications always reports the single configs, so declaring only a default value
    compares equal once it is live (it is not left out as unset)."""
    state = desired(tmp_path, {"app": {"apn_config": {"development": False}, "huawei_config": {"id": "h"}}})
    reported = {"push_notifications": {"version": "v1", "apn": {"enabled": False, "development": False},
                                       "huawei": {"enabled": True, "id": "h"}}}
    app = APP.shape.normalise(reported)
    assert build_plan(state, live(app={"app": app})).changes == []
