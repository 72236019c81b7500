"""`--shard K/N`: stable, and a partition of the stacks (every stack in exactly one shard)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_iac.shard import ShardError, parse_shard, select_shard, shard_of, stack_key

names = st.lists(st.from_regex(r"[a-z0-9_-]{1,12}(/[a-z0-9_-]{1,12}){0,2}", fullmatch=True), unique=True,
                 max_size=60)


@settings(max_examples=200, deadline=None)
@given(paths=names, count=st.integers(1, 12))
def test_every_stack_is_in_exactly_one_shard(paths: list[str], count: int) -> None:
    shards = [select_shard(paths, (k, count)) for k in range(1, count + 1)]
    seen = [path for shard in shards for path in shard]
    assert sorted(seen) == sorted(paths)  # none lost, none twice
    for shard in shards:  # order kept
        assert shard == [p for p in paths if p in set(shard)]


@settings(max_examples=100, deadline=None)
@given(paths=names, count=st.integers(1, 12))
def test_the_shard_of_a_stack_does_not_depend_on_the_others(paths: list[str], count: int) -> None:
    for path in paths:
        assert shard_of(path, count) == shard_of(path, count)
        assert path in select_shard([path], (shard_of(path, count), count))
        alone = select_shard(paths[:1] + [path], (shard_of(path, count), count))
        assert path in alone


def test_the_same_stack_spelled_differently_is_in_the_same_shard(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stacks" / "eu").mkdir(parents=True)
    spellings = ["stacks/eu", "stacks/eu/", "./stacks/eu", "stacks/../stacks/eu", str(tmp_path / "stacks" / "eu")]
    assert {stack_key(s) for s in spellings} == {"stacks/eu"}
    assert len({shard_of(s, 7) for s in spellings}) == 1


def test_shards_are_stable_across_runs() -> None:
    # Fixed values: a change of hash would move stacks between CI machines.
    # SHA-256, not hash(): no PYTHONHASHSEED dependence.
    assert [shard_of(f"stacks/app{i:03d}", 4) for i in range(8)] == [3, 4, 3, 4, 1, 3, 2, 1]


def test_shards_spread_a_fleet() -> None:
    paths = [f"stacks/app{i:03d}" for i in range(500)]
    sizes = [len(select_shard(paths, (k, 4))) for k in range(1, 5)]
    assert sum(sizes) == 500 and min(sizes) > 80


@pytest.mark.parametrize("text", ["", "1", "0/3", "4/3", "a/b", "1/0", "-1/2"])
def test_a_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(ShardError):
        parse_shard(text)


def test_a_shard_parses() -> None:
    assert parse_shard("2/4") == (2, 4)
    assert parse_shard(" 1/1 ") == (1, 1)
