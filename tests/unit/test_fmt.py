"""`stream-iac fmt`: the canonical layout, comments kept, and never a change of meaning: every
example stack, the layered test stacks and random stacks of the e2e strategies validate to the
same DesiredState before and after formatting."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from stream_iac.cli.commands import main
from stream_iac.cli.fmt import FormatProblem, format_text, section_order
from stream_iac.errors import StackError
from stream_iac.kinds import KINDS
from stream_iac.stack.loader import load_stack
from stream_iac.stack.validate import load_and_validate
from tests.e2e.strategies import ENV as STRATEGY_ENV
from tests.e2e.strategies import stacks

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "stacks"
LAYERED = Path(__file__).parent / "stacks" / "layered"
ENV = {"DEMO_APN_P8": "demo-apn", "PROD_APN_P8": "prod-apn", "PROD_SQS_SECRET": "sqs", "ACME_SQS_SECRET": "acme",
       **STRATEGY_ENV}


def meaning(path: Path) -> tuple[Any, ...]:
    """What a stack means: its validated DesiredState, without where each object was written (for
    a test stack that is not valid on purpose: the merged data the loader reads)."""
    try:
        desired = load_and_validate(path, env=ENV)
    except StackError:
        raw = load_stack(path, env=ENV)
        return raw.data, json.dumps(raw.data, default=repr, sort_keys=True), raw.refs
    objects = {kind: {name: (obj.kind, obj.name, obj.body) for name, obj in objs.items()}
               for kind, objs in desired.objects.items()}
    typed = json.dumps(objects, default=repr, sort_keys=True)  # `true` and `1` differ here
    return desired.meta, objects, typed, len(desired.warnings)


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["fmt", *args], env={"NO_COLOR": "1"})


def test_section_order_is_stack_then_the_kinds() -> None:
    assert section_order() == ("stack", *(kind.name for kind in KINDS))
    assert section_order()[:3] == ("stack", "app", "roles")


def test_the_examples_are_canonical() -> None:
    result = run("--check", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


@pytest.mark.parametrize("stack", ["demo", "staging", "production", "layered/prod", "layered/base"])
def test_fmt_keeps_the_meaning_of_the_stacks(tmp_path: Path, stack: str) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    shutil.copytree(LAYERED, tmp_path / "layered")
    folder = tmp_path / ("examples/" + stack if "/" not in stack else stack)
    before = meaning(folder)
    result = run(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert meaning(folder) == before
    again = run("--check", str(tmp_path))
    assert again.exit_code == 0, again.output  # idempotent


def _as_yaml(stack: dict[str, Any], style: int, seed: int) -> str:
    """A stack written as a person might: sections in any order, flow or block style, comments."""
    rng = random.Random(seed)
    keys = list(stack)
    rng.shuffle(keys)
    parts = ["# a stack written by hand\n"]
    for key in keys:
        if rng.random() < 0.5:
            parts.append(f"\n# about {key}\n")
        width, indent = rng.choice([40, 80, 200]), rng.choice([2, 4])
        if style == 2:  # the section's key, then its value in flow style
            value = yaml.safe_dump(stack[key], default_flow_style=True, sort_keys=False, width=width)
            parts.append(f"{key}: {value.removesuffix(chr(10) + '...' + chr(10))}")
        else:
            parts.append(yaml.safe_dump({key: stack[key]}, default_flow_style=[False, None][style], sort_keys=False,
                                        width=width, indent=indent))
    return "".join(parts)


@settings(max_examples=60, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stack=stacks(), style=st.integers(0, 2), seed=st.integers(0, 1000))
def test_fmt_keeps_the_meaning_of_random_stacks(tmp_path: Path, stack: dict[str, Any], style: int, seed: int) -> None:
    folder = tmp_path / f"s{seed}-{style}"
    folder.mkdir(exist_ok=True)
    text = _as_yaml(stack, style, seed)
    (folder / "stack.yaml").write_text(text)
    before = meaning(folder)
    formatted = format_text(text)
    (folder / "stack.yaml").write_text(formatted)
    assert meaning(folder) == before
    assert format_text(formatted) == formatted
    assert formatted.startswith("# a stack written by hand\n")
    order = [line.split(":")[0] for line in formatted.splitlines() if line[:1].isalpha()]
    assert order == [k for k in section_order() if k in stack]
    assert "'" not in "".join(line for line in formatted.splitlines() if not line.lstrip().startswith("#")) \
        or "\"" in formatted
    for line in formatted.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0 and "\t" not in line


def test_the_canonical_layout() -> None:
    text = """\
# yaml-language-server: $schema=../../schemas/stack.schema.json

# the types
channel_types:
    support:
        automod: 'simple'      # keep this comment
        description: 'it''s "quoted"'
        commands: ['giphy', "ticket"]
        grants: {user: [read-channel, create-message, update-message-owner, delete-message-owner, pin-message]}
roles:
- agent
- "vip"
commands:
  ticket: {description: "Open a ticket", args: '[subject]', set: "yes"}
stack:
  name: "demo"
  vars: {url: "https://example.com/a"}
# the end
"""
    assert format_text(text) == """\
# yaml-language-server: $schema=../../schemas/stack.schema.json

stack:
  name: demo
  vars: {url: "https://example.com/a"}

roles:
  - agent
  - vip

commands:
  ticket: {description: Open a ticket, args: "[subject]", set: "yes"}

# the types
channel_types:
  support:
    automod: simple            # keep this comment
    description: it's "quoted"
    commands: [giphy, ticket]
    grants:
      user: [read-channel, create-message, update-message-owner, delete-message-owner, pin-message]

# the end
"""


def test_plain_scalars_are_kept_as_written() -> None:
    """Whatever a plain scalar means to the loader (YAML 1.1) it still means: its text is kept."""
    text = "app:\n  a: yes\n  b: 010\n  c: ~\n  d: 1_000\n  e: 0x1F\n  f: 2020-01-01\n  g:\n  h: on\n  i: 1e3\n"
    assert format_text(text) == text
    quoted = 'app:\n  a: "yes"\n  b: "010"\n  c: "~"\n  d: ""\n  e: "0o17"\n  f: "null"\n  g: "- x"\n  h: "a: b"\n'
    assert format_text(quoted) == quoted
    assert format_text("app:\n  a: 'plain'\n  b: 'it''s'\n") == "app:\n  a: plain\n  b: it's\n"


def test_fmt_refuses_what_it_cannot_format() -> None:
    for text, message in (("app: [a\n", "invalid YAML"), ("app: {}\n---\nroles: []\n", "more than one YAML document"),
                          ("app:\n  x: 1\n  x: 2\n", "duplicate key")):
        with pytest.raises(FormatProblem) as caught:
            format_text(text)
        assert message in caught.value.message


def test_block_scalars_anchors_and_non_mappings_survive() -> None:
    text = "app:\n  description: |\n    line one\n      indented\n\nroles: &r [x]\n\ncommands: {a: {description: *r}}\n"
    assert format_text(text) == text
    assert format_text("- a\n- b\n") == "- a\n- b\n"
    assert format_text("") == "" and format_text("# only a comment\n") == "# only a comment\n"
    # Reordering would put the alias before its anchor: the sections keep their order.
    assert format_text("channel_types: &c {}\ncommands: *c\n") == "channel_types: &c {}\ncommands: *c\n"
    with pytest.raises(FormatProblem):
        format_text("commands: *c\n")


def test_fmt_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = tmp_path / "stack"
    (stack / "words").mkdir(parents=True)
    (stack / "words" / "list.txt").write_text("not yaml: [\n")
    (stack / "b.yaml").write_text("roles:\n- x\n")
    (stack / "a.yml").write_text("roles2: [y]\n")
    (stack / ".hidden.yaml").write_text("roles:\n- hidden\n")
    monkeypatch.chdir(tmp_path)

    check = run("--check", "stack")
    assert check.exit_code == 1
    assert check.stdout == "stack/b.yaml\n" and "1 file not in the canonical layout" in check.stderr
    assert (stack / "b.yaml").read_text() == "roles:\n- x\n"

    diff = run("--check", "--diff", "stack")
    assert diff.exit_code == 1
    assert "--- a/stack/b.yaml\n+++ b/stack/b.yaml\n" in diff.stdout and "-- x\n+  - x\n" in diff.stdout

    monkeypatch.chdir(stack)
    written = run()  # the current folder
    assert written.exit_code == 0 and written.stdout == "b.yaml\n"
    assert (stack / "b.yaml").read_text() == "roles:\n  - x\n"
    assert (stack / ".hidden.yaml").read_text() == "roles:\n- hidden\n"
    assert run("--check").exit_code == 0

    (stack / "c.yaml").write_text("app: [\n")
    (stack / "d.yaml").write_text("roles:\n- z\n")
    broken = run(".")
    assert broken.exit_code == 1
    assert "error: c.yaml:2:1: invalid YAML" in broken.stderr
    assert (stack / "d.yaml").read_text() == "roles:\n  - z\n"  # the others are still formatted
    missing = run("nowhere")
    assert missing.exit_code == 1 and "nowhere: no such file or folder" in missing.stderr


def test_fmt_keeps_crlf_files_meaning_and_writes_lf(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"roles: [a]\r\napp:\r\n  webhook_url: https://x.example.com\r\n")
    assert run(str(path)).exit_code == 0
    assert path.read_bytes() == b"app:\n  webhook_url: https://x.example.com\n\nroles: [a]\n"
