"""Stack loader: YAML with locations, merging, includes, vars, references, words files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_iac.errors import Location, StackError
from stream_iac.stack import loader, refs
from stream_iac.stack.diagnostics import nearest_location
from stream_iac.stack.loader import RawStack, load_stack

FIXTURES = Path(__file__).parent / "stacks"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder that is also the working directory (so paths show relative)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def load(path: Path | str, env: dict[str, str] | None = None, **kwargs: bool) -> RawStack:
    return load_stack(path, env=env or {}, **kwargs)


def problems(path: Path | str, env: dict[str, str] | None = None, **kwargs: bool) -> list[str]:
    """Each problem as `file:line:col: message` (or the bare message)."""
    with pytest.raises(StackError) as info:
        load(path, env, **kwargs)
    return [f"{loc}: {text}" if loc else text for loc, text in info.value.problems]


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
    assert found[1].startswith("s.yaml:4:1: unknown top-level key 'zzz' (expected one of: stack, app, channel_types")


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


# ---------------------------------------------------------------- merging files of one stack


@pytest.mark.parametrize("kind", loader.MAPPING_KINDS)
def test_object_defined_in_two_files_names_both_places(here: Path, kind: str) -> None:
    write(here, {"s/a.yaml": f"{kind}:\n  one: {{}}\n  x: {{}}\n", "s/b.yaml": f"\n{kind}:\n  x: {{}}\n  two: {{}}\n"})
    assert problems(here / "s") == [
        f"{os.path.join('s', 'b.yaml')}:3:3: {kind}.x is defined twice: here and at {os.path.join('s', 'a.yaml')}:3:3"
    ]


def test_objects_of_one_kind_from_several_files_merge(here: Path) -> None:
    write(here, {"s/a.yaml": "commands:\n  one: {}\n", "s/b.yaml": "commands:\n  two: {set: x}\n"})
    raw = load(here / "s")
    assert raw.data["commands"] == {"one": {}, "two": {"set": "x"}}
    assert raw.locations[("commands", "two", "set")].file.endswith("b.yaml")


def test_app_keys_from_several_files_merge_but_each_key_once(here: Path) -> None:
    write(here, {"s/a.yaml": "app:\n  webhook_url: https://a\n", "s/b.yaml": "app:\n  sqs_url: https://q\n"})
    assert load(here / "s").data["app"] == {"webhook_url": "https://a", "sqs_url": "https://q"}
    write(here, {"s/c.yaml": "app:\n  webhook_url: https://c\n"})
    assert problems(here / "s") == [
        f"{os.path.join('s', 'c.yaml')}:2:3: app.webhook_url is defined twice: "
        f"here and at {os.path.join('s', 'a.yaml')}:2:3"
    ]


def test_roles_from_several_files_are_concatenated(here: Path) -> None:
    write(here, {"s/a.yaml": "roles: [a, b]\n", "s/b.yaml": "roles:\n  - c\n"})
    raw = load(here / "s")
    assert raw.data["roles"] == ["a", "b", "c"]
    assert raw.locations[("roles", 2)] == Location(os.path.join("s", "b.yaml"), 2, 5)


def test_role_listed_twice_names_both_places(here: Path) -> None:
    write(here, {"s/a.yaml": "roles: [a, b]\n", "s/b.yaml": "roles: [c, a]\n"})
    a, b = os.path.join("s", "a.yaml"), os.path.join("s", "b.yaml")
    assert problems(here / "s") == [f"{b}:1:12: role 'a' is listed twice: here and at {a}:1:9"]


def test_stack_section_in_two_files(here: Path) -> None:
    write(here, {"s/a.yaml": "stack: {name: a}\n", "s/b.yaml": "roles: [x]\nstack: {name: b}\n"})
    a, b = os.path.join("s", "a.yaml"), os.path.join("s", "b.yaml")
    assert problems(here / "s") == [f"{b}:2:1: 'stack' may appear in only one file of a stack: here and at {a}:1:1"]


def test_duplicate_key_in_one_mapping_names_both_lines(here: Path) -> None:
    write(here, {"s.yaml": "commands:\n  ticket:\n    set: a\n    description: d\n    set: b\n"})
    assert problems(here / "s.yaml") == ["s.yaml:5:5: duplicate key 'set' (first defined at s.yaml:3:5)"]


def test_all_problems_of_a_pass_are_reported_together(here: Path) -> None:
    write(here, {"s/a.yaml": "roles: [a]\nbogus: 1\n", "s/b.yaml": "roles: [a]\n", "s/c.yaml": "x: [\n"})
    found = problems(here / "s")
    assert len(found) == 3
    assert any("bogus" in p for p in found) and any("listed twice" in p for p in found)
    assert any("invalid YAML" in p for p in found)


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


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("a:\n  b: 1\n c: 2\n", "s.yaml:3:2", "expected <block end>, but found '<block mapping start>'"),
        ("roles: [a, b\n", "s.yaml:2:1",
         "expected ',' or ']', but got '<stream end>' (while parsing a flow sequence that starts at line 1)"),
        ("app:\n  x: 'unclosed\n", "s.yaml:3:1", "found unexpected end of stream"),
        ("app: 1\n---\nroles: []\n", "s.yaml:2:1",
         "expected a single document in the stream, but found another document"),
        ("app:\n\tx: 1\n", "s.yaml:2:1", "found character '\\t' that cannot start any token"),
    ],
)
def test_yaml_syntax_errors_have_line_and_column(here: Path, text: str, where: str, problem: str) -> None:
    write(here, {"s.yaml": text})
    (found,) = problems(here / "s.yaml")
    assert found.startswith(f"{where}: invalid YAML: {problem}")


def test_control_character_is_reported_with_its_line(here: Path) -> None:
    write(here, {"s.yaml": "roles: [é]\nx: é\x07\n"})
    assert problems(here / "s.yaml") == ["s.yaml:2:5: invalid YAML: special characters are not allowed (U+0007)"]


def test_non_utf8_file(here: Path) -> None:
    write(here, {"s.yaml": b"roles: [a]\nname: caf\xe9\n"})
    assert problems(here / "s.yaml") == ["s.yaml:2:10: file is not valid UTF-8 text (byte 0xe9)"]


def test_binary_file(here: Path) -> None:
    write(here, {"s.yaml": b"roles: [a]\n\x00\x01\x02"})
    assert problems(here / "s.yaml") == ["s.yaml:2:1: file contains NUL bytes (a binary file?)"]


def test_huge_file(here: Path) -> None:
    with (here / "s.yaml").open("wb") as fh:
        fh.truncate(loader.MAX_FILE_BYTES + 1)
    assert problems(here / "s.yaml") == ["s.yaml:1:1: file is larger than 10 MiB"]


def test_utf8_bom_is_accepted(here: Path) -> None:
    write(here, {"s.yaml": "\ufeffroles: [é]\n"})
    assert load(here / "s.yaml").data == {"roles": ["é"]}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("app: !foo bar\n", "s.yaml:1:6: unsupported YAML tag '!foo'"),
        ("app: !!binary aGk=\n", "s.yaml:1:6: unsupported YAML tag '!!binary'"),
        ("app: !!set {a}\n", "s.yaml:1:6: unsupported YAML tag '!!set'"),
        ("app: !!python/name:os.system x\n", "s.yaml:1:6: unsupported YAML tag '!!python/name:os.system'"),
        ("app: {x: !!int abc}\n", "s.yaml:1:10: invalid !!int value 'abc'"),
        ("app: {[a]: 1}\n", "s.yaml:1:7: mapping keys must be names, not lists or mappings"),
    ],
)
def test_non_standard_tags_and_keys_are_rejected(here: Path, text: str, problem: str) -> None:
    write(here, {"s.yaml": text})
    assert problems(here / "s.yaml") == [problem]


def test_standard_tags_anchors_aliases_and_merge_keys(here: Path) -> None:
    write(here, {"s.yaml": (
        "channel_types:\n"
        "  base: &d {automod: simple, mutes: true, max_message_length: !!int '100'}\n"
        "  support:\n    <<: *d\n    mutes: false\n"
        "  other: *d\n"
        "app:\n  s: !!str 123\n  date: 2024-01-02\n  yes_no: yes\n  on: 1\n  nothing: ~\n"
    )})
    raw = load(here / "s.yaml")
    assert raw.data["channel_types"]["support"] == {"automod": "simple", "max_message_length": 100, "mutes": False}
    assert raw.data["channel_types"]["other"] == {"automod": "simple", "mutes": True, "max_message_length": 100}
    assert raw.data["app"] == {"s": "123", "date": "2024-01-02", "yes_no": True, "on": 1, "nothing": None}
    # merged-in keys keep the place they were written
    assert raw.locations[("channel_types", "support", "automod")] == Location("s.yaml", 2, 22)


def test_merge_key_needs_mappings(here: Path) -> None:
    write(here, {"s.yaml": "app:\n  <<: [1]\n"})
    assert problems(here / "s.yaml") == ["s.yaml:2:8: '<<' (merge key) needs a mapping or a list of mappings"]


def test_recursive_alias_is_an_error(here: Path) -> None:
    write(here, {"s.yaml": "app: &a\n  x: *a\n"})
    assert problems(here / "s.yaml") == ["s.yaml:1:6: recursive alias (an anchor used inside itself)"]


def test_alias_expansion_is_bounded(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_VALUES", 1000)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    write(here, {"s.yaml": "app:\n" + "".join(f"  {line}\n" for line in lines)})
    (found,) = problems(here / "s.yaml")
    assert "too many values (more than 1,000, counting alias expansions)" in found


def test_deep_nesting_is_reported_with_a_location(here: Path) -> None:
    write(here, {"s.yaml": "app: " + "[" * 150 + "]" * 150 + "\n"})
    (found,) = problems(here / "s.yaml")
    assert found.startswith("s.yaml:1:") and "nested more than 100 levels deep" in found


def test_very_deep_nesting_does_not_crash(here: Path) -> None:
    write(here, {"s.yaml": "app: " + "[" * 20000 + "]" * 20000 + "\n"})
    (found,) = problems(here / "s.yaml")
    assert found.startswith("s.yaml:1:") and "nested" in found and "deep" in found


def test_unreadable_file(here: Path) -> None:
    write(here, {"s/a.yaml": "roles: [a]\n"})
    (here / "s/b.yaml").symlink_to(here / "nowhere")  # listed, but cannot be read
    assert problems(here / "s") == [f"{os.path.join('s', 'b.yaml')}:1:1: file does not exist"]


yaml_alphabet = st.sampled_from(
    list("abc:-[]{},'\"!&*#|>?%@`~ \n\t$\\0123456789.") + ["${", "$${", "${env:A}", "${var:v}", "${file:f}",
                                                          "<<", "---", "!!str", "\x00", "\ufeff", "é"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=200), st.lists(yaml_alphabet, max_size=80).map("".join)))
def test_only_stack_errors_escape(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        raw = load_stack(path, env={"A": "${var:v}"})
    except StackError as exc:
        assert exc.problems
        assert all(isinstance(message, str) and message for _, message in exc.problems)
    else:
        assert isinstance(raw.data, dict)
        assert set(raw.data) <= set(loader.TOP_LEVEL_KEYS)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_only_stack_errors_escape_for_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    try:
        load_stack(path, env={})
    except StackError as exc:
        assert exc.problems


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from(["${env:A}", "${var:v}", "${file:f}", "x${env:B}y",
                                                               "$${env:A}", "${bad", "words.txt", "a"]),
    st.text(max_size=10),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["words_file", "words", "include", "vars", "v", "x", "a"]), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(st.sampled_from([*loader.TOP_LEVEL_KEYS, "other"]), _values, max_size=5))
def test_only_stack_errors_escape_for_structured_stacks(tmp_path: Path, doc: dict[str, object]) -> None:
    import yaml

    (tmp_path / "f").write_text("file text\n", encoding="utf-8")
    (tmp_path / "words.txt").write_text("w1\nw2\n", encoding="utf-8")
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    try:
        raw = load_stack(path, env={"A": "a"}, allow_missing_env=True)
    except StackError as exc:
        assert exc.problems
    else:
        for key_path in raw.refs:
            assert key_path in raw.locations


@pytest.mark.parametrize(
    ("cwd", "path", "shown"),
    [
        ("/work/main", "/work/main", "."),
        ("/work/main", "/work/main/stack/app.yaml", "stack/app.yaml"),
        ("/work/main", "/work/mainline/app.yaml", "/work/mainline/app.yaml"),  # a sibling, not under
        ("/work/main", "/work", "/work"),
        ("/work/main", "relative/app.yaml", "relative/app.yaml"),
        ("/", "/etc/stack.yaml", "etc/stack.yaml"),
    ],
)
def test_shown_path_is_relative_only_under_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, cwd: str, path: str, shown: str
) -> None:
    monkeypatch.setattr(os, "getcwd", lambda: cwd)
    assert loader.shown_path(Path(path)) == shown
