"""`--shard K/N`: a stable share of a fleet's stacks, so N machines can plan or check drift of
hundreds of stacks between them. A stack belongs to shard `1 + hash(path) mod N`, the hash being
SHA-256 of its path relative to the working directory (POSIX separators, normalised), so every
machine of a CI matrix, checked out anywhere, puts each stack in the same one shard; adding a
stack never moves another."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable


class ShardError(ValueError):
    """A `--shard` value that is not K/N with 1 ≤ K ≤ N."""


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` → (K, N), 1-based: `--shard 2/4` is the second of four shards."""
    k_text, sep, n_text = text.strip().partition("/")
    try:
        k, n = int(k_text), int(n_text)
    except ValueError:
        raise ShardError(f"--shard must be K/N (e.g. 1/4), not {text!r}") from None
    if not sep or n < 1 or not 1 <= k <= n:
        raise ShardError(f"--shard K/N needs 1 ≤ K ≤ N, not {text!r}")
    return k, n


def stack_key(path: str) -> str:
    """The name a stack is hashed by: its path relative to the working directory, normalised."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive (Windows)
        relative = absolute
    return os.path.normpath(relative).replace(os.sep, "/").rstrip("/")


def shard_of(path: str, count: int) -> int:
    """The 1-based shard (of `count`) the stack at `path` belongs to."""
    digest = hashlib.sha256(stack_key(path).encode("utf-8")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % count


def select_shard(paths: Iterable[str], shard: tuple[int, int] | None) -> list[str]:
    """The stacks of `paths` in shard (K, N), in the order given; all of them without a shard."""
    paths = list(paths)
    if shard is None:
        return paths
    k, n = shard
    return [path for path in paths if shard_of(path, n) == k]
