"""Outputs for CI: JSON plans valid against their schema, Markdown for pull requests, exit
codes, saved plans, drift, several stacks in one run."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema

from stream_iac.plan import Change, Plan
from stream_iac.plan.diff import FieldChange
from stream_iac.render.markdown import MAX_CHARS, render_markdown
from stream_iac.schema import plan_schema
from tests.e2e.conftest import SECRET, Harness
from tests.e2e.test_kinds import ENV, FULL, apply_ok


def every_action_stack() -> dict[str, Any]:
    """From FULL applied: updates of every kind, creates of every collection kind, deletes of several."""
    data = copy.deepcopy(FULL)
    data["stack"] = {"prune": ["commands", "blocklists", "permissions", "push_providers", "roles",
                               "retention_policies", "channel_types"]}
    data["app"]["webhook_url"] = "https://hooks.example.com/changed"
    data["roles"] = ["agent", "newrole"]  # vip deleted
    data["channel_types"]["support"]["grants"]["vip"] = []
    data["channel_types"]["support"]["max_message_length"] = 6000
    data["channel_types"]["fresh"] = {"automod": "disabled"}
    data["commands"]["ticket"]["description"] = "changed"
    del data["commands"]["refund"]
    data["commands"]["newcmd"] = {"description": "new"}
    data["blocklists"]["bad"]["words"] = ["alpha"]
    data["blocklists"]["newlist"] = {"words": ["zeta"]}
    data["permissions"]["read-secret-channel"]["name"] = "changed"
    data["permissions"]["new-perm"] = {"name": "New", "action": "ReadChannel", "condition": {}}
    data["push_providers"]["apn-prod"]["apn_topic"] = "com.example.changed"
    del data["push_providers"]["fcm"]
    data["push_providers"]["new-fcm"] = {"type": "firebase", "firebase_credentials": "${env:FCM_JSON}"}
    data["retention_policies"] = {"old-messages": {"max_age_hours": 100}, "inactive-channels": {"max_age_hours": 48}}
    return data


def test_json_plan_with_every_action_and_kind_validates(harness: Harness) -> None:
    harness.env = ENV
    apply_ok(harness, harness.stack(FULL))
    result = harness.run("plan", harness.stack(every_action_stack(), name="all"), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, plan_schema())
    [stack_plan] = doc["stacks"]
    seen = {(c["kind"], c["action"]) for c in stack_plan["changes"]}
    kinds = {"roles", "permissions", "commands", "blocklists", "retention_policies", "channel_types", "push_providers"}
    for kind in kinds:
        assert (kind, "create") in seen, kind
    for kind in kinds - {"roles"}:
        assert (kind, "update") in seen, kind
    assert ("app", "update") in seen
    for kind in ("roles", "commands", "push_providers"):
        assert (kind, "delete") in seen, kind
    provider = next(c for c in stack_plan["changes"] if c["address"] == "push_providers.new-fcm")
    assert provider["sensitive_paths"] == ["firebase_credentials"]
    assert "firebase_credentials" not in json.dumps(provider["after"])
    for value in ENV.values():
        assert value not in result.stdout


def big_plan(n: int) -> Plan:
    changes = []
    for i in range(n):
        action = ("create", "update", "delete")[i % 3]
        long = "x" * 400
        fc = [FieldChange(("description",), long, long + "y")] if action == "update" else []
        changes.append(Change(f"commands.c{i:04d}", "commands", f"c{i:04d}", action,  # type: ignore[arg-type]
                              {"description": long} if action != "create" else None,
                              {"description": long} if action != "delete" else None,
                              ["description"], [], field_changes=fc))
    return Plan(stack="big", changes=changes, unmanaged=[f"roles.r{i}" for i in range(50)])


def test_markdown_of_hundreds_of_changes_stays_under_limit_with_summary_and_every_delete() -> None:
    plan = big_plan(900)
    text = render_markdown([plan])
    assert len(text) <= MAX_CHARS
    assert "| big | 300 | 300 | 300 | 50 |" in text
    for change in plan.deletes:
        assert f"`{change.address}`" in text
    assert text.index("deletes 300 objects") < text.index("<details>")


def test_markdown_plan_through_cli(harness: Harness) -> None:
    harness.env = ENV
    result = harness.run("plan", harness.stack(FULL), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## stream-iac plan")
    assert "<details><summary><code>+ create channel_types.support</code></summary>" in result.stdout


def test_step_summary_is_written_when_asked(harness: Harness, tmp_path: Path) -> None:
    harness.env = ENV
    summary = tmp_path / "summary.md"
    result = harness.run("plan", harness.stack(FULL), "--step-summary", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 0, result.output
    assert "## stream-iac plan" in summary.read_text()


def test_detailed_exitcode_and_drift_exit_codes(harness: Harness) -> None:
    harness.env = ENV
    stack = harness.stack(FULL)
    assert harness.run("plan", stack, "--detailed-exitcode").exit_code == 2
    assert harness.run("plan", stack).exit_code == 0
    assert harness.run("drift", stack).exit_code == 2
    apply_ok(harness, stack)
    assert harness.run("plan", stack, "--detailed-exitcode").exit_code == 0
    result = harness.run("drift", stack, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["in_sync"] is True
    broken = harness.run("plan", stack, "--detailed-exitcode", env={"STREAM_API_SECRET": "wrong-secret"})
    assert broken.exit_code == 1
    assert harness.run("drift", stack, env={"STREAM_API_SECRET": "wrong-secret"}).exit_code == 1


def test_drift_reports_changed_fields_and_unmanaged_objects(harness: Harness) -> None:
    harness.env = ENV
    stack = harness.stack(FULL)
    apply_ok(harness, stack)
    other = harness.stack({"channel_types": {"support": {"max_message_length": 1234}},
                           "commands": {"rogue": {"description": "made by hand"}}}, name="other")
    apply_ok(harness, other)
    result = harness.run("drift", stack, "--format", "json")
    assert result.exit_code == 2, result.output
    [report] = json.loads(result.stdout)["stacks"]
    assert [d["address"] for d in report["differences"]] == ["channel_types.support"]
    assert report["differences"][0]["changed_paths"] == ["max_message_length"]
    assert "commands.rogue" in report["unmanaged"]
    text = harness.run("drift", stack)
    assert "max_message_length: 1234 → 5000" in text.stdout and "unmanaged commands.rogue" in text.stdout
    markdown = harness.run("drift", stack, "--format", "markdown")
    assert markdown.exit_code == 2 and "| stack | drift |" in markdown.stdout


def test_saved_plan_applies_exactly_and_next_plan_is_empty(harness: Harness, tmp_path: Path) -> None:
    harness.env = ENV
    stack = harness.stack(FULL)
    planfile = str(tmp_path / "plan.json")
    result = harness.run("plan", stack, "--out", planfile)
    assert result.exit_code == 0, result.output
    saved = Path(planfile).read_text()
    for value in [*ENV.values(), SECRET]:
        assert value not in saved
    applied = harness.run("apply", "--auto-approve", planfile)
    assert applied.exit_code == 0, applied.output
    assert harness.run("plan", stack, "--detailed-exitcode").exit_code == 0
    providers = {p["name"]: p for p in harness.snapshot()["push_providers"]}
    assert providers["apn-prod"]["apn_auth_key"] == ENV["APN_KEY"]


def test_saved_plan_refuses_when_a_touched_object_changed(harness: Harness, tmp_path: Path) -> None:
    harness.env = ENV
    apply_ok(harness, harness.stack(FULL))
    changed = copy.deepcopy(FULL)
    changed["channel_types"]["support"]["max_message_length"] = 7000
    changed["commands"]["ticket"]["description"] = "new text"
    stack = harness.stack(changed, name="changed")
    planfile = str(tmp_path / "plan.json")
    assert harness.run("plan", stack, "--out", planfile).exit_code == 0
    meddle = harness.stack({"channel_types": {"support": {"max_message_length": 4321}}}, name="meddle")
    apply_ok(harness, meddle)
    before = harness.snapshot()
    result = harness.run("apply", "--auto-approve", planfile)
    assert result.exit_code == 1
    assert "stale" in result.stderr and "channel_types.support" in result.stderr
    assert "commands.ticket" not in result.stderr.split("stale", 1)[1]
    after = harness.snapshot()
    assert after["channel_types"]["support"]["max_message_length"] == 4321
    assert after["commands"] == before["commands"], "nothing was applied"


def test_several_stacks_in_one_run_each_with_own_credentials(tmp_path: Path) -> None:
    from stream_emulator import Emulator, EmulatorOptions, serve_in_thread

    emulator = Emulator(EmulatorOptions(strict=True, apps=[("eu-key", "eu-secret-000"), ("us-key", "us-secret-000")],
                                        rate_limits=False))
    handle = serve_in_thread(emulator, host="127.0.0.1", port=0)
    try:
        h = Harness(emulator, "socket", handle.url, tmp_path)
        eu = h.stack({"stack": {"name": "eu", "credentials": {"api_key_env": "EU_KEY", "api_secret_env": "EU_SECRET"}},
                      "roles": ["eu_role"]}, name="eu")
        us = h.stack({"stack": {"name": "us", "credentials": {"api_key_env": "US_KEY", "api_secret_env": "US_SECRET"}},
                      "roles": ["us_role"]}, name="us")
        env = {"EU_KEY": "eu-key", "EU_SECRET": "eu-secret-000", "US_KEY": "us-key", "US_SECRET": "us-secret-000",
               "STREAM_API_KEY": "", "STREAM_API_SECRET": ""}
        result = h.run("plan", eu, us, "--format", "json", "--detailed-exitcode", env=env)
        assert result.exit_code == 2, result.output
        doc = json.loads(result.stdout)
        jsonschema.validate(doc, plan_schema())
        assert [s["stack"] for s in doc["stacks"]] == ["eu", "us"]
        assert doc["summary"]["create"] == 2
        for stack in (eu, us):
            assert h.run("apply", "--auto-approve", stack, env=env).exit_code == 0
        assert "eu_role" in {r["name"] for r in emulator.snapshot("eu-key")["roles"]}
        assert "eu_role" not in {r["name"] for r in emulator.snapshot("us-key")["roles"]}
        assert h.run("drift", eu, us, env=env).exit_code == 0
    finally:
        handle.stop()


def test_target_plans_and_applies_only_the_named_object(harness: Harness) -> None:
    harness.env = ENV
    stack = harness.stack(FULL)
    result = harness.run("apply", "--auto-approve", stack, "--target", "commands.ticket")
    assert result.exit_code == 0, result.output
    snapshot = harness.snapshot()
    assert [c["name"] for c in snapshot["commands"]] == ["ticket"]
    assert "support" not in snapshot["channel_types"]
    follow_up = harness.run("plan", stack, "--format", "json")
    assert "commands.ticket" not in {c["address"] for c in json.loads(follow_up.stdout)["stacks"][0]["changes"]}


def test_json_output_stays_valid_json_on_error(harness: Harness) -> None:
    stack = harness.stack({"roles": ["agent"]})
    result = harness.run("plan", stack, "--format", "json", env={"STREAM_API_SECRET": "wrong-secret"})
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, plan_schema())
    assert "code 43" in doc["error"]["message"]
    assert result.stderr.startswith("error: ")
    assert "wrong-secret" not in result.stdout + result.stderr
