"""Stack loader: YAML with locations, merging, includes, vars, references, words files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_iac.errors import Location, StackError
from stream_iac.stack import refs
from stream_iac.stack.diagnostics import nearest_location
from stream_iac.stack.loader import load_stack
from tests.unit.stackfiles import load, problems, write

FIXTURES = Path(__file__).parent / "stacks"




# ---------------------------------------------------------------- files and locations


def test_single_file_data_and_locations(here: Path) -> None:
    write(here, {"stack.yaml": "channel_types:\n  support:\n    automod: simple\n    commands: [giphy, ticket]\n"})
    raw = load(here / "stack.yaml")
    assert raw.data == {"channel_types": {"support": {"automod": "simple", "commands": ["giphy", "ticket"]}}}
    assert raw.root == here
    assert raw.files == [here / "stack.yaml"]
    assert raw.locations[("channel_types", "support", "automod")] == Location("stack.yaml", 3, 14)
    assert raw.locations[("channel_types", "support", "commands", 1)] == Location("stack.yaml", 4, 23)
    # a collection is located at its key
    assert raw.locations[("channel_types", "support")] == Location("stack.yaml", 2, 3)
    assert raw.key_locations[("channel_types", "support", "automod")] == Location("stack.yaml", 3, 5)


def test_folder_merges_every_yaml_file_recursively_in_sorted_order(here: Path) -> None:
    write(here, {
        "s/b.yaml": "commands:\n  b: {description: B}\n",
        "s/a.yml": "commands:\n  a: {description: A}\n",
        "s/sub/c.yaml": "blocklists:\n  c: {words: [x]}\n",
        "s/notes.txt": "commands: {ignored: {}}\n",
        "s/.hidden/d.yaml": "commands: {hidden: {}}\n",
        "s/.e.yaml": "commands: {dotfile: {}}\n",
    })
    raw = load(here / "s")
    assert raw.root == here / "s"
    assert list(raw.data["commands"]) == ["a", "b"]
    assert raw.data["blocklists"] == {"c": {"words": ["x"]}}
    assert raw.files == [here / "s/a.yml", here / "s/b.yaml", here / "s/sub/c.yaml"]
    assert raw.locations[("commands", "b", "description")].file == os.path.join("s", "b.yaml")


def test_empty_and_comment_only_files_contribute_nothing(here: Path) -> None:
    write(here, {"s/a.yaml": "", "s/b.yaml": "# nothing here\n", "s/c.yaml": "~\n", "s/d.yaml": "roles: [vip]\n"})
    assert load(here / "s").data == {"roles": ["vip"]}


def test_top_level_must_be_a_mapping(here: Path) -> None:
    write(here, {"s.yaml": "- a\n- b\n"})
    assert problems(here / "s.yaml") == [
        "s.yaml:1:1: a stack file must be a mapping at the top level (stack:, app:, …)"
    ]


def test_unknown_top_level_key_suggests_the_closest(here: Path) -> None:
    write(here, {"s.yaml": "roles: [a]\nchannel_type:\n  x: {}\nzzz: 1\n"})
    found = problems(here / "s.yaml")
    assert found[0] == "s.yaml:2:1: unknown top-level key 'channel_type' (did you mean 'channel_types'?)"
    assert found[1].startswith("s.yaml:4:1: unknown top-level key 'zzz' (expected one of: stack, app, roles")


def test_kind_of_the_wrong_shape(here: Path) -> None:
    write(here, {"s.yaml": "channel_types: [a]\nroles: {a: 1}\napp: 3\n"})
    assert problems(here / "s.yaml") == [
        "s.yaml:1:1: 'channel_types' must be a mapping of name: settings",
        "s.yaml:2:1: 'roles' must be a list of role names",
        "s.yaml:3:6: 'app' must be a mapping of app settings",
    ]


def test_stack_not_found(here: Path) -> None:
    assert problems(here / "nope") == [f"stack not found: {here / 'nope'}"]


def test_paths_outside_the_working_directory_are_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    write(tmp_path, {"s.yaml": "roles: [a]\n"})
    assert load(tmp_path / "s.yaml").locations[("roles", 0)].file == str(tmp_path / "s.yaml")


# ---------------------------------------------------------------- includes


def test_layered_fixture_include_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    raw = load("layered/prod", {"ACME_SQS_SECRET": "sqs-value"})
    support = raw.data["channel_types"]["support"]
    assert support["automod"] == "simple"  # from the base
    assert support["max_message_length"] == 8000  # scalar overridden
    assert support["commands"] == ["ticket"]  # list replaced
    assert support["grants"] == {"user": ["read-channel"], "admin": ["delete-channel"]}  # mapping merged
    assert support["description"] == "Support (prod)"  # base uses the including stack's var
    assert raw.data["commands"]["ticket"]["set"] == "support_set"
    assert raw.data["roles"] == ["support_agent", "vip"]
    assert raw.data["blocklists"]["profanity_custom"] == {"type": "word", "words": ["darn", "heck"]}
    assert raw.data["app"]["sqs_secret"] == "sqs-value"
    assert raw.data["push_providers"]["apn-prod"]["apn_auth_key"] == "not-a-real-key line 1\nline 2"
    assert raw.refs == {
        ("app", "sqs_secret"): "env:ACME_SQS_SECRET",
        ("push_providers", "apn-prod", "apn_auth_key"): "file:keys/apn.p8",
    }
    assert raw.locations[("channel_types", "support", "automod")] == Location(
        os.path.join("layered", "base", "channel_types.yaml"), 3, 14
    )
    assert raw.locations[("channel_types", "support", "max_message_length")].file == os.path.join(
        "layered", "prod", "stack.yaml"
    )


def test_layered_fixture_stack_meta_wins_key_by_key_and_vars_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    meta = load("layered/prod", {"ACME_SQS_SECRET": "x"}).data["stack"]
    assert meta["name"] == "production"
    assert meta["prune"] == ["commands"]  # not set by prod: kept from the base
    assert meta["vars"] == {"env_name": "prod", "max_len": 5000}
    assert meta["include"] == ["../base"]
    assert meta["credentials"]["api_key_env"] == "PROD_STREAM_KEY"


def test_include_of_a_single_file_and_order_of_several_includes(here: Path) -> None:
    write(here, {
        "one.yaml": "commands:\n  c: {set: one, description: from one}\n",
        "two.yaml": "commands:\n  c: {set: two}\n",
        "top/stack.yaml": "stack:\n  include: [../one.yaml, ../two.yaml]\n",
    })
    assert load(here / "top").data["commands"]["c"] == {"set": "two", "description": "from one"}


def test_include_of_a_string_is_one_path(here: Path) -> None:
    write(here, {"base.yaml": "roles: [a]\n", "top.yaml": "stack: {include: base.yaml}\n"})
    assert load(here / "top.yaml").data["roles"] == ["a"]


def test_files_under_an_included_folder_belong_to_the_include(here: Path) -> None:
    write(here, {
        "s/stack.yaml": "stack:\n  include: [base]\ncommands:\n  x: {set: top}\n",
        "s/base/cmds.yaml": "commands:\n  x: {set: base, description: d}\n",
        "s/base/meta.yaml": "stack: {name: base-name, vars: {v: 1}}\n",
    })
    raw = load(here / "s")
    assert raw.data["commands"]["x"] == {"set": "top", "description": "d"}
    assert raw.data["stack"]["name"] == "base-name"


def test_included_stacks_include_does_not_leak(here: Path) -> None:
    write(here, {
        "a.yaml": "roles: [a]\n",
        "b.yaml": "stack: {include: [a.yaml], name: b}\n",
        "c.yaml": "roles: [c]\nstack: {include: [b.yaml]}\n",
    })
    raw = load(here / "c.yaml")
    assert raw.data["stack"] == {"include": ["b.yaml"], "name": "b"}
    assert raw.data["roles"] == ["c"]  # lists replace


def test_include_cycle_names_the_chain(here: Path) -> None:
    write(here, {"a/s.yaml": "stack: {include: [../b]}\n", "b/s.yaml": "stack:\n  include:\n    - ../a\n"})
    assert problems(here / "a") == [
        f"{os.path.join('b', 's.yaml')}:3:7: include cycle: a → b → a"
    ]


def test_self_include_is_a_cycle(here: Path) -> None:
    write(here, {"s.yaml": "stack: {include: [s.yaml]}\n"})
    assert problems(here / "s.yaml") == ["s.yaml:1:19: include cycle: s.yaml → s.yaml"]


def test_diamond_includes_are_not_a_cycle(here: Path) -> None:
    write(here, {
        "d.yaml": "commands: {d: {}}\n",
        "b.yaml": "stack: {include: [d.yaml]}\n",
        "c.yaml": "stack: {include: [d.yaml]}\n",
        "a.yaml": "stack: {include: [b.yaml, c.yaml]}\n",
    })
    assert load(here / "a.yaml").data["commands"] == {"d": {}}


def test_missing_include_points_at_the_entry(here: Path) -> None:
    write(here, {"s.yaml": "stack:\n  include:\n    - ../nowhere\n"})
    assert problems(here / "s.yaml") == [
        f"s.yaml:3:7: included stack '../nowhere' not found ({here.parent / 'nowhere'})"
    ]


@pytest.mark.parametrize("entry", ["'${var:x}'", "''", "{a: 1}"])
def test_include_entries_must_be_plain_paths(here: Path, entry: str) -> None:
    write(here, {"s.yaml": f"stack:\n  vars: {{x: a}}\n  include: [{entry}]\n"})
    (found,) = problems(here / "s.yaml")
    assert found.startswith("s.yaml:3:13: ")
    assert "stack.include" in found


# ---------------------------------------------------------------- references


def test_env_reference_whole_and_embedded(here: Path) -> None:
    write(here, {"s.yaml": "app:\n  sqs_secret: ${env:SQS}\n  webhook_url: https://${env:HOST}/hook\n"})
    raw = load(here / "s.yaml", {"SQS": "s3", "HOST": "h.example"})
    assert raw.data["app"] == {"sqs_secret": "s3", "webhook_url": "https://h.example/hook"}
    assert raw.refs == {("app", "sqs_secret"): "env:SQS"}
    assert raw.missing_env == {}


def test_missing_env_names_the_variable_and_where(here: Path) -> None:
    write(here, {"s.yaml": "app:\n  sqs_secret: ${env:SQS}\n  other: x${env:OTHER}\n"})
    assert problems(here / "s.yaml") == [
        "s.yaml:2:15: environment variable SQS is not set (used as ${env:SQS})",
        "s.yaml:3:10: environment variable OTHER is not set (used as ${env:OTHER})",
    ]


def test_missing_env_allowed_becomes_empty_and_is_recorded(here: Path) -> None:
    write(here, {"s.yaml": "app:\n  sqs_secret: ${env:SQS}\n  other: x${env:OTHER}y\n"})
    raw = load(here / "s.yaml", allow_missing_env=True)
    assert raw.data["app"] == {"sqs_secret": "", "other": "xy"}
    assert raw.missing_env == {("app", "sqs_secret"): "SQS", ("app", "other"): "OTHER"}
    assert raw.refs == {("app", "sqs_secret"): "env:SQS"}


def test_resolution_is_not_recursive(here: Path) -> None:
    write(here, {"s.yaml": "stack: {vars: {v: 1}}\napp:\n  a: ${env:E}\n  b: ${file:f.txt}\n", "f.txt": "${var:v}\n"})
    raw = load(here / "s.yaml", {"E": "${var:v} $${x}"})
    assert raw.data["app"] == {"a": "${var:v} $${x}", "b": "${var:v}"}


def test_dollar_escape_is_a_literal(here: Path) -> None:
    write(here, {"s.yaml": "app:\n  a: $${env:X}\n  b: cost $$5 and $${var:y} ${env:Z}\n"})
    raw = load(here / "s.yaml", {"Z": "z"})
    assert raw.data["app"] == {"a": "${env:X}", "b": "cost $$5 and ${var:y} z"}
    assert raw.refs == {}


def test_references_are_not_resolved_in_keys(here: Path) -> None:
    write(here, {"s.yaml": "app:\n  ${env:K}: v\n"})
    assert load(here / "s.yaml").data["app"] == {"${env:K}": "v"}


def test_references_only_in_strings(here: Path) -> None:
    write(here, {"s.yaml": "app:\n  n: 5\n  q: '5'\n  b: true\n"})
    assert load(here / "s.yaml").data["app"] == {"n": 5, "q": "5", "b": True}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("${evn:X}", "unknown reference kind 'evn' in '${evn:X}' (did you mean 'env'?)"),
        ("${foo:X}", "unknown reference kind 'foo' in '${foo:X}' (expected env, file or var)"),
        ("a ${env:X", "unterminated reference '${env:X' (write '$${' for a literal '${')"),
        ("${X}", "malformed reference '${X}': expected ${env:NAME}, ${file:path} or ${var:name}"),
        ("${env:}", "empty reference '${env:}'"),
        ("${env:A-B}", "invalid environment variable name 'A-B' in '${env:A-B}'"),
    ],
)
def test_bad_references(here: Path, value: str, message: str) -> None:
    write(here, {"s.yaml": f"app:\n  a: \"{value}\"\n"})
    assert problems(here / "s.yaml") == [f"s.yaml:2:6: {message}"]


def test_file_reference_is_relative_to_its_yaml_file(here: Path) -> None:
    write(here, {
        "s/sub/providers.yaml": "push_providers:\n  apn: {key: '${file:keys/k.p8}', other: 'x${file:keys/k.p8}'}\n",
        "s/sub/keys/k.p8": "line1\nline2\n\n",
    })
    raw = load(here / "s")
    assert raw.data["push_providers"]["apn"] == {"key": "line1\nline2\n", "other": "xline1\nline2\n"}
    assert raw.refs == {("push_providers", "apn", "key"): "file:keys/k.p8"}
    assert here / "s/sub/keys/k.p8" in raw.files


def test_file_reference_strips_one_crlf(here: Path) -> None:
    write(here, {"s.yaml": "app: {a: '${file:k}'}\n", "k": b"v\r\n"})
    assert load(here / "s.yaml").data["app"]["a"] == "v"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "${file:k.bin}: k.bin does not exist"),
        (b"ab\0cd", "${file:k.bin}: k.bin contains NUL bytes (a binary file?) (line 1)"),
        (b"ok\n\xff\xfe", "${file:k.bin}: k.bin is not valid UTF-8 text (byte 0xff) (line 2)"),
    ],
)
def test_file_reference_problems_point_at_the_reference(here: Path, content: bytes | None, expected: str) -> None:
    write(here, {"s.yaml": "app:\n  a: ${file:k.bin}\n"})
    if content is not None:
        write(here, {"k.bin": content})
    assert problems(here / "s.yaml") == [f"s.yaml:2:6: {expected}"]


def test_file_reference_to_a_folder(here: Path) -> None:
    write(here, {"s.yaml": "app:\n  a: ${file:d}\n", "d/x": "1"})
    assert problems(here / "s.yaml") == ["s.yaml:2:6: ${file:d}: d is not a regular file"]


def test_var_references_keep_whole_values_typed(here: Path) -> None:
    write(here, {
        "s.yaml": "stack:\n  vars: {n: 5000, on: true, name: prod, f: 1.5}\n"
        "app:\n  a: ${var:n}\n  b: 'len ${var:n}, ${var:on}, ${var:f}'\n  c: ${var:name}-app\n"
    })
    raw = load(here / "s.yaml")
    assert raw.data["app"] == {"a": 5000, "b": "len 5000, true, 1.5", "c": "prod-app"}
    assert raw.refs == {}


def test_vars_may_use_env_and_file_refs_but_not_vars(here: Path) -> None:
    write(here, {"s.yaml": "stack:\n  vars: {e: '${env:E}', f: '${file:f.txt}'}\napp:\n  a: ${var:e}/${var:f}\n",
                 "f.txt": "F\n"})
    assert load(here / "s.yaml", {"E": "env"}).data["app"]["a"] == "env/F"
    write(here, {"s.yaml": "stack:\n  vars: {a: x, b: '${var:a}'}\n"})
    assert problems(here / "s.yaml") == ["s.yaml:2:19: ${var:a} cannot be used inside stack.vars"]


def test_vars_must_be_scalars(here: Path) -> None:
    write(here, {"s.yaml": "stack:\n  vars:\n    l: [1]\n"})
    assert problems(here / "s.yaml") == ["s.yaml:3:5: stack.vars.l must be text, a number or true/false"]
    write(here, {"s.yaml": "stack:\n  vars: [1]\n"})
    assert problems(here / "s.yaml") == ["s.yaml:2:3: stack.vars must be a mapping of name: value"]


def test_unknown_var_suggests_the_closest(here: Path) -> None:
    write(here, {"s.yaml": "stack: {vars: {env_name: p}}\napp:\n  a: ${var:env_nam}\n  b: ${var:zzz}\n"})
    assert problems(here / "s.yaml") == [
        "s.yaml:3:6: unknown var 'env_nam' in ${var:env_nam} (did you mean 'env_name'?)",
        "s.yaml:4:6: unknown var 'zzz' in ${var:zzz} (stack.vars defines: env_name)",
    ]


def test_unknown_var_without_any_vars(here: Path) -> None:
    write(here, {"s.yaml": "app: {a: '${var:x}'}\n"})
    assert problems(here / "s.yaml") == ["s.yaml:1:10: unknown var 'x' in ${var:x} (stack.vars is empty)"]


def test_refs_parse_and_render() -> None:
    parts = refs.parse("a ${env:X} $${b} ${ var : v }")
    assert parts == ("a ", refs.Ref("env", "X"), " ${b} ", refs.Ref("var", "v"))
    assert refs.whole_ref(parts) is None
    assert refs.whole_ref(refs.parse("${file:k.p8}")) == refs.Ref("file", "k.p8")
    assert refs.render(parts, lambda ref: {"X": 1, "v": False}[ref.arg]) == "a 1 ${b} false"
    assert refs.render(refs.parse("${var:n}"), lambda ref: 7) == 7
    assert refs.parse("$$${env:X}") == ("$${env:X}",)  # `$$` then `${`: leftmost escape wins
    with pytest.raises(refs.RefSyntaxError):
        refs.parse("${var:a b}")


# ---------------------------------------------------------------- words_file


def test_words_file_becomes_words_with_a_location_per_word(here: Path) -> None:
    write(here, {
        "s/lists/b.yaml": "blocklists:\n  bad:\n    type: word\n    words_file: words.txt\n"
                          "    is_leet_check_enabled: true\n",
        "s/lists/words.txt": "# header\nfoo\n\n  bar baz  \r\n#x\n",
    })
    raw = load(here / "s")
    assert raw.data["blocklists"]["bad"] == {"type": "word", "words": ["foo", "bar baz"], "is_leet_check_enabled": True}
    words_txt = os.path.join("s", "lists", "words.txt")
    assert nearest_location(raw, ("blocklists", "bad", "words", 0)) == Location(words_txt, 2, 1)
    assert nearest_location(raw, ("blocklists", "bad", "words", 1)) == Location(words_txt, 4, 1)
    assert raw.locations[("blocklists", "bad", "words")] == Location(os.path.join("s", "lists", "b.yaml"), 4, 5)
    assert here / "s/lists/words.txt" in raw.files


def test_words_and_words_file_together(here: Path) -> None:
    write(here, {"s.yaml": "blocklists:\n  bad:\n    words: [a]\n    words_file: w.txt\n", "w.txt": "b\n"})
    assert problems(here / "s.yaml") == [
        "s.yaml:4:5: blocklists.bad: give either words or words_file, not both (words at s.yaml:3:5)"
    ]


def test_missing_words_file(here: Path) -> None:
    write(here, {"s.yaml": "blocklists:\n  bad:\n    words_file: w.txt\n"})
    assert problems(here / "s.yaml") == ["s.yaml:3:17: words_file 'w.txt': w.txt does not exist"]


def test_words_file_must_be_a_path(here: Path) -> None:
    write(here, {"s.yaml": "blocklists:\n  bad:\n    words_file: [a]\n"})
    assert problems(here / "s.yaml") == ["s.yaml:3:17: words_file must be a path to a text file"]


def test_including_stack_words_replace_included_words_file(here: Path) -> None:
    write(here, {
        "base/b.yaml": "blocklists:\n  bad: {type: word, words_file: w.txt}\n",
        "base/w.txt": "a\nb\n",
        "top.yaml": "stack: {include: [base]}\nblocklists:\n  bad: {words: [c]}\n",
    })
    assert load(here / "top.yaml").data["blocklists"]["bad"] == {"type": "word", "words": ["c"]}


# ---------------------------------------------------------------- YAML details and robustness


def test_unreadable_file(here: Path) -> None:
    write(here, {"s/a.yaml": "roles: [a]\n"})
    (here / "s/b.yaml").symlink_to(here / "nowhere")  # listed, but cannot be read
    assert problems(here / "s") == [f"{os.path.join('s', 'b.yaml')}:1:1: file does not exist"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_only_stack_errors_escape_for_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    try:
        load_stack(path, env={})
    except StackError as exc:
        assert exc.problems




def test_protect_accumulates_across_includes(here: Path) -> None:
    write(here, {
        "base/stack.yaml": "stack:\n  protect: [roles.base_role, commands.base_cmd]\nroles: [base_role]\n",
        "mid/stack.yaml": "stack:\n  include: [../base]\n  protect: [roles.mid_role]\n",
        "top/stack.yaml": "stack:\n  include: [../mid]\n  protect: [channel_types.top]\n  prune: [roles]\n"
                          "roles: [other]\n",
    })
    raw = load(here / "top")
    assert sorted(raw.data["stack"]["protect"]) == [
        "channel_types.top", "commands.base_cmd", "roles.base_role", "roles.mid_role"]
    assert raw.data["roles"] == ["other"]  # other lists still replace


def test_an_including_stack_cannot_drop_an_included_protection(here: Path) -> None:
    from stream_iac.plan import build_plan
    from stream_iac.stack.validate import load_and_validate

    write(here, {
        "base/stack.yaml": "stack:\n  protect: [roles.keep]\nroles: [keep]\n",
        "top/stack.yaml": "stack:\n  include: [../base]\n  protect: []\n  prune: [roles]\nroles: [other]\n",
    })
    desired = load_and_validate(here / "top", env={})
    assert desired.meta.protect == frozenset({"roles.keep"})
    live = {"roles": {"keep": {}, "other": {}, "gone": {}}, "app": {"app": {}}}
    plan = build_plan(desired, live)
    assert [c.address for c in plan.deletes] == ["roles.gone"]


@pytest.mark.parametrize("stack", ["top", "top/stack.yaml"])
def test_file_secrets_are_referenced_relative_to_the_stack_folder(here: Path, stack: str) -> None:
    from stream_iac.stack.validate import load_and_validate

    provider = "{type: apn, apn_topic: t, apn_auth_key: '${file:keys/k.p8}'}"
    write(here, {
        "base/stack.yaml": f"push_providers:\n  base: {provider}\n",
        "base/keys/k.p8": "base-key\r\n",
        "top/stack.yaml": f"stack: {{include: [../base]}}\npush_providers:\n  top: {provider}\n",
        "top/keys/k.p8": "\ufefftop-key-0\n",
    })
    (here / "elsewhere").mkdir()
    os.chdir(here / "elsewhere")
    bodies = load_and_validate(here / stack, env={}).bodies("push_providers")
    refs = {name: (body["apn_auth_key"].ref, body["apn_auth_key"].reveal()) for name, body in bodies.items()}
    assert refs == {"base": ("file:../base/keys/k.p8", "base-key"), "top": ("file:keys/k.p8", "top-key-0")}


def test_an_empty_environment_variable_counts_as_missing(here: Path) -> None:
    """A CI system expands an unset secret to "": that must stop the load, not send ""."""
    write(here, {"s.yaml": "app:\n  sqs_secret: ${env:SQS}\n"})
    assert problems(here / "s.yaml", {"SQS": ""}) == [
        "s.yaml:2:15: environment variable SQS is empty (used as ${env:SQS}); "
        "an unset CI secret expands to an empty string"
    ]
    raw = load(here / "s.yaml", {"SQS": ""}, allow_missing_env=True)
    assert raw.missing_env == {("app", "sqs_secret"): "SQS"}
