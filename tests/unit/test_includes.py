"""Merging a stack: its files kind by kind, and the top-level keys that survive any input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_iac.errors import Location, StackError
from stream_iac.stack import includes
from stream_iac.stack.loader import load_stack
from tests.unit.stackfiles import load, problems, write

# ---------------------------------------------------------------- merging files of one stack


@pytest.mark.parametrize("kind", includes.MAPPING_KINDS)
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


# ---------------------------------------------------------------- any input: StackError or known keys


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
        assert set(raw.data) <= set(includes.TOP_LEVEL_KEYS)


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
@given(doc=st.dictionaries(st.sampled_from([*includes.TOP_LEVEL_KEYS, "other"]), _values, max_size=5))
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
