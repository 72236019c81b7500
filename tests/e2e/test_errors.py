"""Each class of user error: exit code 1, one clear message with its location, no traceback."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Harness


def assert_user_error(result: object, *needles: str) -> None:
    exit_code = result.exit_code  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert exit_code == 1, output
    assert "Traceback" not in output
    assert output.count("error:") == 1, output
    for needle in needles:
        assert needle in output, output
    exception = result.exception  # type: ignore[attr-defined]
    assert exception is None or isinstance(exception, SystemExit), repr(exception)


def write(tmp: Path, text: str, name: str = "stack.yaml") -> str:
    folder = tmp / "s"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return str(folder)


def test_bad_yaml_names_file_and_line(inproc: Harness) -> None:
    stack = write(inproc.tmp, "commands:\n  ticket: {description: [unclosed\n")
    assert_user_error(inproc.run("validate", stack), "stack.yaml:")


def test_unknown_field_has_location_and_did_you_mean(inproc: Harness) -> None:
    stack = write(inproc.tmp, "channel_types:\n  support:\n    automod_behaviour: flag\n")
    result = inproc.run("plan", stack)
    assert_user_error(result, "stack.yaml:3:", "automod_behaviour", "did you mean 'automod_behavior'")


def test_wrong_type_and_limit(inproc: Harness) -> None:
    stack = write(inproc.tmp, "channel_types:\n  support:\n    max_message_length: 50000\n")
    assert_user_error(inproc.run("validate", stack), "stack.yaml:3:", "max_message_length")


def test_missing_env_var_names_variable_and_place(inproc: Harness) -> None:
    stack = write(inproc.tmp, "app:\n  sqs_secret: ${env:NOT_SET_ANYWHERE}\n")
    assert_user_error(inproc.run("validate", stack), "NOT_SET_ANYWHERE", "stack.yaml:2:")


def test_missing_api_secret_is_one_message(inproc: Harness) -> None:
    stack = write(inproc.tmp, "roles: [agent]\n")
    assert_user_error(inproc.run("plan", stack, env={"STREAM_API_SECRET": ""}), "STREAM_API_SECRET")


def test_bad_credentials_show_the_api_message_and_code(inproc: Harness) -> None:
    stack = write(inproc.tmp, "roles: [agent]\n")
    result = inproc.run("plan", stack, env={"STREAM_API_SECRET": "wrong-secret-value"})
    assert_user_error(result, "401", "code 43")
    assert "wrong-secret-value" not in result.output


def test_unknown_api_key(inproc: Harness) -> None:
    stack = write(inproc.tmp, "roles: [agent]\n")
    assert_user_error(inproc.run("plan", stack, env={"STREAM_API_KEY": "nope"}), "401", "code 2")


def test_api_rejection_is_reported_per_change_with_exit_1(inproc: Harness) -> None:
    inproc.emulator.add_channel("e2e-key", "messaging")
    stack = write(inproc.tmp, "stack: {prune: [channel_types]}\nchannel_types:\n  doomed: {}\n")
    assert inproc.run("apply", "--auto-approve", stack).exit_code == 0
    inproc.emulator.add_channel("e2e-key", "doomed")
    stack = write(inproc.tmp, "stack: {prune: [channel_types]}\nroles: [agent]\n", name="stack.yaml")
    result = inproc.run("apply", "--auto-approve", stack)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "failed: delete channel_types.doomed" in result.stdout
    assert "DeleteChannelType failed (HTTP 400, Stream error code 4)" in result.stdout


def test_plain_http_refused_for_remote_hosts(inproc: Harness) -> None:
    stack = write(inproc.tmp, "roles: [agent]\n")
    result = inproc.run("plan", stack, env={"STREAM_BASE_URL": "http://example.com"})
    assert_user_error(result, "plain http")


def test_empty_stack_is_refused(inproc: Harness) -> None:
    stack = write(inproc.tmp, "stack: {name: empty}\n")
    assert_user_error(inproc.run("plan", stack), "no objects")


def test_apply_without_terminal_or_auto_approve_refuses(inproc: Harness) -> None:
    stack = write(inproc.tmp, "roles: [agent]\n")
    result = inproc.run("apply", stack)
    assert_user_error(result, "--auto-approve")
    assert "agent" not in {r["name"] for r in inproc.snapshot()["roles"]}


def test_usage_errors_exit_1_never_2(inproc: Harness) -> None:
    stack = write(inproc.tmp, "roles: [agent]\n")
    for args in (["plan", stack, "--detailed-exitcode", "--no-such-flag"], ["nope"], ["plan"],
                 ["plan", stack, "--format", "yaml"]):
        result = inproc.run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "Traceback" not in result.output
    assert inproc.run("plan", stack, "--detailed-exitcode").exit_code == 2, "2 still means changes"
    assert inproc.run("--help").exit_code == 0
