"""YAML nodes → located values: tags, keys, anchors, aliases and merge keys, the limits, shown paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stream_iac.errors import Location
from stream_iac.stack import located
from tests.unit.stackfiles import load, problems, write

# ---------------------------------------------------------------- YAML → located values


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
    monkeypatch.setattr(located, "MAX_VALUES", 1000)
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
    assert located.shown_path(Path(path)) == shown
