"""`matches_any` compiles a set of patterns by length and first key; it must answer as matching each
in turn does, for sets, tuples and other iterables alike."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stream_iac.paths import Item, matches, matches_any

KEYS = st.sampled_from(["a", "b", "grants", "event_hooks", "sqs_secret"])
PATTERN_PARTS = st.one_of(KEYS, st.just("*"), st.just("[]"))
PATTERNS = st.lists(PATTERN_PARTS, min_size=1, max_size=4).map(
    lambda parts: ".".join(parts).replace(".[]", "[]"))
PATH_KEYS = st.one_of(KEYS, st.integers(0, 3), st.builds(Item, st.just("id"), st.sampled_from(["h1", "h2"])))
PATHS = st.lists(PATH_KEYS, max_size=5).map(tuple)


@given(patterns=st.lists(PATTERNS, max_size=6), path=PATHS)
def test_matches_any_answers_as_each_pattern_does(patterns: list[str], path: tuple[object, ...]) -> None:
    expected = any(matches(p, path) for p in patterns)  # type: ignore[arg-type]
    assert matches_any(frozenset(patterns), path) is expected  # type: ignore[arg-type]
    assert matches_any(tuple(patterns), path) is expected  # type: ignore[arg-type]
    assert matches_any(list(patterns), path) is expected  # type: ignore[arg-type]


def test_a_pattern_matches_list_items_and_any_key() -> None:
    assert matches_any(frozenset({"event_hooks[].sqs_secret"}), ("event_hooks", 0, "sqs_secret"))
    assert matches_any(frozenset({"grants.*"}), ("grants", "admin"))
    assert not matches_any(frozenset({"grants.*"}), ("grants", "admin", 0))
