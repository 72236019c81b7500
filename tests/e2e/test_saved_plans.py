"""Apply does exactly what the saved plan shows: the file is tamper-evident (a MAC keyed with the
API secret), the safety rules are checked again against live state at apply time, `${file:}`
secrets are read by the loader's own code relative to the stack, and options that would change
the plan are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stream_emulator import Emulator, EmulatorOptions
from tests.e2e.conftest import KEY, SECRET, Harness
from tests.e2e.test_kinds import apply_ok


def save_plan(h: Harness, stack: str, planfile: Path, *extra: str) -> dict[str, Any]:
    result = h.run("plan", stack, "--out", str(planfile), *extra)
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(planfile.read_text(encoding="utf-8"))
    return doc


def edit_payload(doc: dict[str, Any]) -> None:
    """The log would show one description while another is sent."""
    [item] = [i for i in doc["apply"] if i["address"] == "commands.ticket"]
    item["payload"]["description"] = "not what the plan showed"


def add_delete_of_builtin(doc: dict[str, Any]) -> None:
    doc["changes"].append({"address": "channel_types.messaging", "kind": "channel_types", "name": "messaging",
                           "action": "delete", "before": {}, "after": None, "changed_paths": [],
                           "sensitive_paths": [], "depends_on": []})
    doc["apply"].append({"address": "channel_types.messaging", "payload": None, "followup": None, "live": {},
                         "fingerprint": "absent", "field_changes": []})


def drop_protect(doc: dict[str, Any]) -> None:
    doc["protect"] = []


@pytest.mark.parametrize("edit", [edit_payload, add_delete_of_builtin, drop_protect])
def test_an_edited_plan_file_is_refused_and_nothing_applied(inproc: Harness, tmp_path: Path, edit: Any) -> None:
    stack = inproc.stack({"stack": {"protect": ["roles.keep"]}, "commands": {"ticket": {"description": "shown"}}})
    planfile = tmp_path / "plan.json"
    doc = save_plan(inproc, stack, planfile)
    edit(doc)
    planfile.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    before = inproc.snapshot()
    result = inproc.run("apply", "--auto-approve", str(planfile))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output
    assert "changed after it was saved" in result.stderr and "MAC" in result.stderr
    assert "nothing was applied" in result.stderr.lower()
    assert inproc.snapshot() == before


def test_a_plan_file_saved_with_another_api_secret_is_refused(inproc: Harness, tmp_path: Path) -> None:
    stack = inproc.stack({"roles": ["agent"]})
    planfile = tmp_path / "plan.json"
    save_plan(inproc, stack, planfile)
    result = inproc.run("apply", "--auto-approve", str(planfile), env={"STREAM_API_SECRET": "another-secret-xyz"})
    assert result.exit_code == 1
    assert "MAC" in result.stderr
    assert "agent" not in {r["name"] for r in inproc.snapshot()["roles"]}


def test_a_plan_file_without_a_mac_is_refused(inproc: Harness, tmp_path: Path) -> None:
    stack = inproc.stack({"roles": ["agent"]})
    planfile = tmp_path / "plan.json"
    doc = save_plan(inproc, stack, planfile)
    del doc["mac"]
    planfile.write_text(json.dumps(doc), encoding="utf-8")
    result = inproc.run("apply", "--auto-approve", str(planfile))
    assert result.exit_code == 1
    assert "no MAC" in result.stderr


def test_a_delete_that_became_referenced_since_the_plan_is_refused_at_apply(harness: Harness, tmp_path: Path) -> None:
    apply_ok(harness, harness.stack({"commands": {"a": {"description": "a"}, "b": {"description": "b"}}}, name="seed"))
    pruning = harness.stack({"stack": {"prune": ["commands"]}, "commands": {"a": {"description": "a"}}})
    planfile = tmp_path / "plan.json"
    doc = save_plan(harness, pruning, planfile)
    assert [c["address"] for c in doc["changes"]] == ["commands.b"]
    # Since the plan was saved, a channel type (an object the plan does not touch) started using b.
    apply_ok(harness, harness.stack({"channel_types": {"support": {"commands": ["b"]}}}, name="meddle"))
    result = harness.run("apply", "--auto-approve", str(planfile))
    assert result.exit_code == 1, result.output
    assert "commands.b cannot be deleted: channel_types.support refers to it" in result.stderr
    assert "nothing was applied" in result.stderr.lower()
    assert {c["name"] for c in harness.snapshot()["commands"]} == {"a", "b"}


def test_max_deletes_is_checked_for_a_saved_plan(inproc: Harness, tmp_path: Path) -> None:
    apply_ok(inproc, inproc.stack({"roles": ["r1", "r2"]}, name="seed"))
    planfile = tmp_path / "plan.json"
    save_plan(inproc, inproc.stack({"stack": {"prune": ["roles"]}, "commands": {"c": {"description": "c"}}}), planfile)
    result = inproc.run("apply", "--auto-approve", "--max-deletes", "1", str(planfile))
    assert result.exit_code == 1
    assert "more than --max-deletes 1" in result.stderr
    assert {"r1", "r2"} <= {r["name"] for r in inproc.snapshot()["roles"]}


KEY_BYTES = b"\xef\xbb\xbf-----BEGIN PRIVATE KEY-----\r\nMIGT-crlf-key\r\n-----END PRIVATE KEY-----\r\n"
KEY_TEXT = "-----BEGIN PRIVATE KEY-----\r\nMIGT-crlf-key\r\n-----END PRIVATE KEY-----"  # BOM and final CRLF dropped


def file_secret_stack(h: Harness) -> str:
    stack = h.stack({
        "app": {"push_config": {"version": "v3"}},
        "push_providers": {"apn": {"type": "apn", "apn_auth_type": "token", "apn_key_id": "K", "apn_team_id": "T",
                                   "apn_topic": "com.example", "apn_auth_key": "${file:keys/apn.p8}"}},
    })
    (Path(stack) / "keys").mkdir(exist_ok=True)
    (Path(stack) / "keys" / "apn.p8").write_bytes(KEY_BYTES)
    return stack


def sent_key(h: Harness) -> str:
    [provider] = [p for p in h.snapshot()["push_providers"] if p["name"] == "apn"]
    value: str = provider["apn_auth_key"]
    return value


def test_a_file_secret_is_sent_byte_identical_by_apply_stack_and_apply_planfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct = Harness(Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False)), "inprocess", None,
                     tmp_path / "direct")
    apply_ok(direct, file_secret_stack(direct))

    saved = Harness(Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False)), "inprocess", None,
                    tmp_path / "saved")
    stack = file_secret_stack(saved)
    planfile = tmp_path / "plan.json"
    monkeypatch.chdir(stack)
    doc = save_plan(saved, stack, planfile)
    assert '"$secret": "file:keys/apn.p8"' in json.dumps(doc), "stored relative to the stack"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = saved.run("apply", "--auto-approve", str(planfile))
    assert result.exit_code == 0, result.output

    assert sent_key(direct) == KEY_TEXT
    assert sent_key(saved) == sent_key(direct)


def test_a_file_secret_failing_the_loaders_checks_is_refused_at_apply(inproc: Harness, tmp_path: Path) -> None:
    stack = file_secret_stack(inproc)
    planfile = tmp_path / "plan.json"
    save_plan(inproc, stack, planfile)
    (Path(stack) / "keys" / "apn.p8").write_bytes(b"bad\xff\xfebytes")
    result = inproc.run("apply", "--auto-approve", str(planfile))
    assert result.exit_code == 1
    assert "keys/apn.p8" in result.stderr and "not valid UTF-8" in result.stderr
    assert inproc.snapshot()["push_providers"] == []


@pytest.mark.parametrize("options", [["--prune"], ["--target", "roles.agent"], ["--rotate-secrets"],
                                     ["--prune", "--target", "roles.agent"]])
def test_apply_planfile_refuses_options_that_would_change_the_plan(
    inproc: Harness, tmp_path: Path, options: list[str]
) -> None:
    planfile = tmp_path / "plan.json"
    save_plan(inproc, inproc.stack({"roles": ["agent"]}), planfile)
    result = inproc.run("apply", "--auto-approve", str(planfile), *options)
    assert result.exit_code == 1
    named = [o for o in options if o.startswith("--")]
    for option in named:
        assert option in result.stderr
    assert "agent" not in {r["name"] for r in inproc.snapshot()["roles"]}


def test_a_saved_plan_with_every_action_passes_the_apply_time_checks(harness: Harness, tmp_path: Path) -> None:
    """No false alarm: deletes whose references the same plan removes (grants, command lists) apply."""
    from tests.e2e.test_kinds import ENV, FULL
    from tests.e2e.test_outputs import every_action_stack

    harness.env = ENV
    apply_ok(harness, harness.stack(FULL))
    stack = harness.stack(every_action_stack(), name="all")
    planfile = tmp_path / "plan.json"
    doc = save_plan(harness, stack, planfile)
    assert {c["action"] for c in doc["changes"]} == {"create", "update", "delete"}
    result = harness.run("apply", "--auto-approve", str(planfile))
    assert result.exit_code == 0, result.output
    assert harness.run("plan", stack, "--detailed-exitcode").exit_code == 0
