"""The walk for fields no plan can compare (secrets, write-only fields) enters only the top-level
keys their patterns start with. Property: for bodies of every kind's model, it finds exactly what
a walk through every value finds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_iac.kinds import KINDS
from stream_iac.kinds.base import Kind
from stream_iac.paths import ChangePath
from stream_iac.plan.diff import is_secret, is_write_only, uncompared_in
from tests.e2e.model_strategies import ModelStrategies


def _everywhere(kind: Kind, value: Any, path: ChangePath = ()) -> list[tuple[ChangePath, Any]]:
    """The same search, through every value."""
    if value is None:
        return []
    if path and (is_secret(kind, path) or is_write_only(kind, path)):
        return [(path, value)]
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in _everywhere(kind, v, (*path, k))]
    if isinstance(value, list):
        return [hit for i, v in enumerate(value) for hit in _everywhere(kind, v, (*path, i))]
    return []


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_pruned_walk_finds_what_a_full_walk_finds(kind: Kind, data: st.DataObject) -> None:
    body = data.draw(ModelStrategies().for_model(kind.shape.model))
    assert uncompared_in(kind, body) == _everywhere(kind, body)


def test_some_kind_has_fields_the_walk_must_find() -> None:
    """The property above is not vacuous: kinds declare secrets and write-only fields."""
    assert any(kind.fields.secrets for kind in KINDS) and any(kind.fields.write_only for kind in KINDS)
