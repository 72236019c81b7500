"""runner.run: the event loop wrapper every command goes through."""

from __future__ import annotations

import asyncio

import pytest

from stream_iac.cli.run import run


class _CountsRepr:
    calls = 0

    def __repr__(self) -> str:
        type(self).calls += 1
        return "_CountsRepr()"


def test_run_returns_the_result_without_formatting_it() -> None:
    async def plan() -> _CountsRepr:
        await asyncio.sleep(0)
        return _CountsRepr()

    result = run(plan())

    assert isinstance(result, _CountsRepr)
    assert _CountsRepr.calls == 0  # asyncio.run alone formats the main task's result on 3.11


def test_run_passes_exceptions_through() -> None:
    async def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run(fail())
