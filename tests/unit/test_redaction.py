"""Redaction by value (stream_iac.secrets.Redactor), the one Output every byte goes through
(stream_iac.cli.output), and terminal safety (stream_iac.terminal)."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_iac.cli.output import Output, check_writable
from stream_iac.errors import UserError
from stream_iac.secrets import (
    MIN_SCRUB_LENGTH,
    REDACTED,
    Redactor,
    Secret,
    activate,
    active_redactor,
    deactivate,
    redaction_forms,
    register,
    scrub_forms,
)
from stream_iac.terminal import CLEAR_LINE, style, terminal_safe

VALUE = "tok/en+abc&def<g>h=ü"


def go_style(text: str) -> str:
    return json.dumps(text)[1:-1].replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


ENCODED = {
    "raw": VALUE,
    "json-ascii": json.dumps(VALUE)[1:-1],
    "json-unicode": json.dumps(VALUE, ensure_ascii=False)[1:-1],
    "json-escaped-slash": json.dumps(VALUE)[1:-1].replace("/", "\\/"),
    "json-go-html-safe": go_style(VALUE),
    "json-upper-hex": re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), go_style(VALUE)),
    "json-twice": json.dumps(json.dumps(VALUE))[1:-1],
    "quote": quote(VALUE, safe=""),
    "quote-keeps-slash": quote(VALUE),
    "quote-plus": quote_plus(VALUE),
    "quote-lower-hex": quote(VALUE, safe="").lower(),
    "base64": base64.b64encode(VALUE.encode()).decode(),
    "base64-unpadded": base64.b64encode(VALUE.encode()).decode().rstrip("="),
    "base64-urlsafe": base64.urlsafe_b64encode(VALUE.encode()).decode(),
    "html": html.escape(VALUE),
    "repr": repr(VALUE),
    "hex": VALUE.encode().hex(),
}


@pytest.mark.parametrize("form", list(ENCODED.values()), ids=list(ENCODED))
def test_every_encoding_of_a_value_is_redacted(form: str) -> None:
    redactor = Redactor()
    redactor.add(VALUE)
    text = f"the API said: {form}!"
    scrubbed = redactor.scrub(text)
    assert form not in scrubbed and REDACTED in scrubbed
    assert scrubbed.startswith("the API said: ")


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab", b"abc", b"user:", b"user:x"])
def test_a_value_inside_a_longer_base64_text_is_redacted(prefix: bytes) -> None:
    redactor = Redactor()
    redactor.add(VALUE)
    for encoder in (base64.b64encode, base64.urlsafe_b64encode):
        blob = encoder(prefix + VALUE.encode() + b":and-more").decode()
        scrubbed = redactor.scrub(blob)
        assert REDACTED in scrubbed
        assert len(scrubbed.replace(REDACTED, "")) < len(blob) - 16, "the characters that encode the value are gone"


def test_each_long_line_of_a_value_of_several_lines_is_redacted_too() -> None:
    redactor = Redactor()
    redactor.add("-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----")
    assert redactor.scrub("line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC") == f"line: {REDACTED}"


@pytest.mark.parametrize("short", ["true", "1", "null", "key", "abcdefg"])
def test_a_value_shorter_than_the_minimum_is_never_searched_for(short: str) -> None:
    assert len(short) < MIN_SCRUB_LENGTH
    redactor = Redactor()
    redactor.add(short)
    text = json.dumps({"enabled": True, "count": 1, "name": short, "value": None})
    assert redactor.scrub(text) == text
    assert redactor.scrub_data(json.loads(text)) == json.loads(text)


@pytest.mark.parametrize("secret", ['", "x": "', "true, false", '"}]}, {"x', "\\u0022quote\\"])
def test_structured_redaction_keeps_json_valid_whatever_the_value(secret: str) -> None:
    redactor = Redactor()
    redactor.add(secret)
    data = {"a": f"before {secret} after", f"key {secret}": [1, True, None, secret], "n": 12.5}
    scrubbed = redactor.scrub_data(data)
    text = json.dumps(scrubbed)
    assert json.loads(text) == scrubbed
    assert secret not in json.dumps(scrubbed, ensure_ascii=False)
    assert scrubbed["a"] == f"before {REDACTED} after"


def test_structured_redaction_returns_the_same_object_when_nothing_needs_it() -> None:
    redactor = Redactor()
    redactor.add("a-secret-value")
    data = {"x": ["nothing", "here"]}
    assert redactor.scrub_data(data) is data


def test_a_number_equal_to_a_secret_is_redacted() -> None:
    redactor = Redactor()
    redactor.add("1234567890")
    assert redactor.scrub_data({"n": 1234567890}) == {"n": REDACTED}


def test_secrets_register_with_the_running_command_and_only_then() -> None:
    assert active_redactor() is None
    Secret("outside-any-command", "env:X")  # no command running: nothing to register with
    redactor = Redactor()
    token = activate(redactor)
    try:
        Secret("inside-the-command", "env:Y")
        register("the-api-secret-value")
    finally:
        deactivate(token)
    assert redactor.values == ["inside-the-command", "the-api-secret-value"]
    assert redactor.references() == {"inside-the-command": "env:Y"}
    assert active_redactor() is None


# ---------------------------------------------------------------- the terminal


def test_control_characters_are_shown_escaped() -> None:
    text = "name\x1b[2J\r\x07\x9b\u202e\u200b\ufeff end\ttab\nnext"
    assert terminal_safe(text, ansi=True) == "name\\x1b[2J\\x0d\\x07\\x9b\\u202e\\u200b\\ufeff end\ttab\nnext"


def test_our_styles_become_escape_sequences_only_on_a_terminal() -> None:
    text = style("+ create roles.a", "32") + CLEAR_LINE
    assert terminal_safe(text, ansi=True) == "\x1b[32m+ create roles.a\x1b[0m\r\x1b[K"
    assert terminal_safe(text, ansi=False) == "+ create roles.a"


def test_a_name_cannot_forge_our_style_markers() -> None:
    forged = "\ue000deadbeef31\ue001red"
    assert terminal_safe(forged, ansi=True) == "\\ue000deadbeef31\\ue001red"


# ---------------------------------------------------------------- the Output


def test_output_redacts_stdout_stderr_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    redactor = Redactor()
    redactor.add("s3cr3t-value-123")
    output = Output(False, redactor)
    output.out("stdout s3cr3t-value-123")
    output.err("stderr " + quote_plus("s3cr3t-value-123"))
    output.out_json({"k": "s3cr3t-value-123", "true": True})
    captured = capsys.readouterr()
    assert "s3cr3t" not in captured.out + captured.err
    assert json.loads(captured.out.split("\n", 1)[1]) == {"k": REDACTED, "true": True}


def test_output_writes_files_redacted_and_refuses_an_exact_document_that_needs_it(tmp_path: Path) -> None:
    redactor = Redactor()
    redactor.add("s3cr3t-value-123")
    output = Output(False, redactor)
    output.write_text(tmp_path / "summary.md", "a s3cr3t-value-123 \x1b[2J\n", append=True)
    output.write_text(tmp_path / "summary.md", "again\n", append=True)
    assert (tmp_path / "summary.md").read_text() == f"a {REDACTED} \\x1b[2J\nagain\n"
    output.write_json(tmp_path / "doc.json", {"k": ["s3cr3t-value-123"]})
    assert json.loads((tmp_path / "doc.json").read_text()) == {"k": [REDACTED]}
    with pytest.raises(UserError, match="refusing to write"):
        output.write_json(tmp_path / "plan.json", {"k": "s3cr3t-value-123"}, exact=True)
    assert not (tmp_path / "plan.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.json", "summary.md"], "no temporary file is left"


def test_output_says_why_a_file_cannot_be_written(tmp_path: Path) -> None:
    output = Output(False, Redactor())
    with pytest.raises(UserError, match="the folder .*missing does not exist"):
        output.write_text(tmp_path / "missing" / "x.md", "x")
    with pytest.raises(UserError, match="it is a folder"):
        output.write_json(tmp_path, {})
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="a part of that path is a file"):
        output.make_folder(tmp_path / "file" / "sub")
    with pytest.raises(UserError, match="is a file, not a folder"):
        check_writable(tmp_path / "file" / "plan.json")


def test_usage_errors_go_through_the_output_too() -> None:
    from stream_iac.cli.commands import main

    result = CliRunner().invoke(main, ["plan", "--format", "s3cr3t-value-123"],
                                env={"STREAM_API_SECRET": "s3cr3t-value-123"})
    assert result.exit_code == 1
    assert "s3cr3t" not in result.output and REDACTED in result.output


@pytest.mark.parametrize("form", list(ENCODED.values()), ids=list(ENCODED))
def test_every_encoding_inside_a_string_of_structured_data_is_redacted(form: str) -> None:
    """An API's message quoting the value (with backslashes and quotes of its own) inside a JSON
    string: found although json.dumps would escape those characters once more."""
    redactor = Redactor()
    redactor.add(VALUE)
    scrubbed = redactor.scrub_data({"results": [{"message": f"rejected: {form}"}]})
    assert form not in json.dumps(scrubbed, ensure_ascii=False) and form not in scrubbed["results"][0]["message"]


def test_a_fleet_of_values_is_redacted_in_every_form_as_values_keep_coming() -> None:
    """A fleet's command knows a secret and a token per app: more values than `forms_of`'s cache
    holds. The redactor keeps each value's forms, and what it searches for is always every form
    of every value it was given, longest first, the last one added included."""
    redactor = Redactor()
    values = [f"fleet-secret-{i:05d}-{'x' * (i % 7)}" for i in range(1500)]
    for value in values:
        redactor.add(value)
    assert redactor.forms == redaction_forms(values)
    redactor.add("one-more-secret-0123456789")
    assert redactor.forms == redaction_forms([*values, "one-more-secret-0123456789"])
    text = f"a {values[0]} b {values[-1]} c one-more-secret-0123456789 d"
    assert redactor.scrub(text).count(REDACTED) == 3


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.text(alphabet="ab/+=%&<é\\\"'", min_size=8, max_size=14), min_size=1, max_size=60),
       extra=st.integers(0, 400), text=st.text(alphabet="ab/+=%&<é\\\"' xyz", max_size=300))
def test_found_in_and_scrub_agree_with_searching_every_form(values: list[str], extra: int, text: str) -> None:
    """With few forms and with many (an index by first characters), `found_in` is exactly whether
    some form occurs in the text, and `scrub` is `scrub_forms` over every form."""
    redactor = Redactor()
    for value in [*values, *(f"padding-value-{i:04d}" for i in range(extra))]:
        redactor.add(value)
    planted = text[: len(text) // 2] + values[-1] + text[len(text) // 2:]
    for candidate in (text, planted):
        assert redactor.found_in(candidate) == any(form in candidate for form in redactor.forms)
        assert redactor.scrub(candidate) == scrub_forms(candidate, redactor.forms)
    assert redactor.found_in(planted)
