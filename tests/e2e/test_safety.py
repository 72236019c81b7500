"""Deletion safety through the real CLI: the prompt lists every delete first; a no answers
changes nothing; --max-deletes refuses; protect and built-ins survive --prune."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Harness


@pytest.fixture
def with_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("stream_iac.cli.commands._interactive", lambda: True)


def seed(h: Harness) -> None:
    stack = h.stack({"commands": {"a": {"description": "a"}, "b": {"description": "b"}}, "roles": ["r1", "r2"]},
                    name="seed")
    assert h.run("apply", "--auto-approve", stack).exit_code == 0


def test_prompt_lists_every_delete_before_asking_and_no_changes_nothing(inproc: Harness, with_terminal: None) -> None:
    seed(inproc)
    stack = inproc.stack({"stack": {"prune": ["commands", "roles"]}, "commands": {"c": {"description": "c"}}})
    result = inproc.run("apply", stack, input="n\n")
    assert result.exit_code == 1
    err = result.stderr
    assert err.index("This plan DELETES:") < err.index("Apply these changes?")
    for address in ("commands.a", "commands.b", "roles.r1", "roles.r2"):
        assert f"  - {address}" in err.split("Apply these changes?")[0]
    assert "cancelled; nothing was changed" in err
    snapshot = inproc.snapshot()
    assert {c["name"] for c in snapshot["commands"]} == {"a", "b"}


def test_prompt_yes_applies(inproc: Harness, with_terminal: None) -> None:
    stack = inproc.stack({"commands": {"c": {"description": "c"}}})
    result = inproc.run("apply", stack, input="y\n")
    assert result.exit_code == 0, result.output
    assert {c["name"] for c in inproc.snapshot()["commands"]} == {"c"}


def test_max_deletes_refuses_before_any_change(inproc: Harness) -> None:
    seed(inproc)
    stack = inproc.stack({"stack": {"prune": ["commands"]}, "commands": {"c": {"description": "c"}}})
    result = inproc.run("apply", "--auto-approve", "--max-deletes", "1", stack)
    assert result.exit_code == 1
    assert "more than --max-deletes 1" in result.stderr
    assert {c["name"] for c in inproc.snapshot()["commands"]} == {"a", "b"}


def test_protect_and_builtins_survive_prune_flag(inproc: Harness) -> None:
    seed(inproc)
    stack = inproc.stack({"stack": {"protect": ["commands.a", "roles.r1"]}, "commands": {"c": {"description": "c"}}})
    result = inproc.run("apply", "--auto-approve", "--prune", stack)
    assert result.exit_code == 0, result.output
    snapshot = inproc.snapshot()
    assert {c["name"] for c in snapshot["commands"]} == {"a", "c"}
    roles = {r["name"] for r in snapshot["roles"]}
    assert "r1" in roles and "r2" not in roles
    assert {"user", "admin", "guest"} <= roles
    assert set(snapshot["channel_types"]) >= {"messaging", "livestream", "team", "gaming", "commerce"}
    assert "profanity_en_2020_v1" in {b["name"] for b in snapshot["blocklists"]}


def test_no_delete_without_prune(inproc: Harness) -> None:
    seed(inproc)
    stack = inproc.stack({"commands": {"c": {"description": "c"}}})
    result = inproc.run("apply", "--auto-approve", stack)
    assert result.exit_code == 0, result.output
    assert "0 to delete. 4 unmanaged objects left alone." in result.stdout
    assert {c["name"] for c in inproc.snapshot()["commands"]} == {"a", "b", "c"}


def test_text_plan_lists_unmanaged_objects(inproc: Harness) -> None:
    seed(inproc)
    result = inproc.run("plan", inproc.stack({"commands": {"a": {"description": "a"}}}))
    assert result.exit_code == 0
    assert "Unmanaged (not in the stack; add their kind to stack.prune to delete them): " \
           "roles.r1, roles.r2, commands.b" in result.stdout
