"""The limits in the kinds' models, checked as a whole: every integer field is bounded by int32
(the spec types every integer field of the requests stream-iac sends as "format: int32"), and
every constrained field names the source of its limit, which validate quotes when it refuses a
value (stream_iac.kinds.common.Source). The refusals themselves are in tests/malformed."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import annotated_types
import pytest
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from stream_iac.errors import UserError
from stream_iac.kinds import KINDS
from stream_iac.kinds.common import INT32_MAX, Source
from stream_iac.plan import build_plan
from stream_iac.stack.validate import load_and_validate
from tests.unit.stackfiles import live_state

CONSTRAINTS = (annotated_types.Ge, annotated_types.Le, annotated_types.Gt, annotated_types.Lt,
               annotated_types.MinLen, annotated_types.MaxLen)


def fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, list[Any], Any]]:
    """(path, metadata, bare type) for every field and item of a model, through nested models."""
    for name, info in model.model_fields.items():
        yield from _walk(f"{prefix}{name}", [info], info.annotation)


def _walk(path: str, meta: list[Any], annotation: Any) -> Iterator[tuple[str, list[Any], Any]]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        yield from _walk(path, [*meta, *args[1:]], args[0])
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is not type(None):
                yield from _walk(path, meta, arg)
    elif origin is list:
        yield path, meta, list
        yield from _walk(f"{path}[]", [], args[0])
    elif origin is dict:
        yield path, meta, dict
        yield from _walk(f"{path}{{key}}", [], args[0])
        yield from _walk(f"{path}.*", [], args[1])
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from fields(annotation, f"{path}.")
    else:
        yield path, meta, annotation


def _flat(meta: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in meta:
        if isinstance(item, FieldInfo):
            out.extend(item.metadata)
        else:
            out.append(item)
    return out


ALL_FIELDS = [(kind.name, path, meta, bare) for kind in KINDS for path, meta, bare in fields(kind.shape.model)]


@pytest.mark.parametrize("kind,path,meta,bare", [f for f in ALL_FIELDS if f[3] is int], ids=lambda v: str(v))
def test_every_integer_field_is_an_int32(kind: str, path: str, meta: list[Any], bare: Any) -> None:
    highs = [m.le for m in _flat(meta) if isinstance(m, annotated_types.Le)]
    assert highs and highs[0] <= INT32_MAX, f"{kind}.{path}: no upper bound within int32"


def _constrained(meta: list[Any], bare: Any) -> bool:
    flat = _flat(meta)
    literal = typing.get_origin(bare) is typing.Literal
    return literal or any(isinstance(m, CONSTRAINTS) or getattr(m, "pattern", None) for m in flat)


@pytest.mark.parametrize("kind,path,meta,bare", [f for f in ALL_FIELDS if _constrained(f[2], f[3])],
                         ids=lambda v: str(v))
def test_every_limit_names_its_source(kind: str, path: str, meta: list[Any], bare: Any) -> None:
    assert any(isinstance(m, Source) for m in _flat(meta)), f"{kind}.{path}: a limit without a Source"


def test_the_walk_sees_the_limits_added_for_issue_13() -> None:
    paths = {f"{k}.{p}" for k, p, _, bare in ALL_FIELDS if bare is int}
    assert {"channel_types.partition_size", "app.event_hooks[].timeout_ms", "app.max_aggregated_activities_length",
            "app.before_message_send_hook_attempt_timeout_ms", "retention_policies.max_age_hours"} <= paths


# ---------------------------------------------------------------- a required combination across objects


def _desired(tmp_path: Path, data: dict[str, Any]) -> Any:
    (tmp_path / "stack.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "fcm.json").write_text('{"type": "service_account", "project_id": "acme-0123"}', encoding="utf-8")
    return load_and_validate(tmp_path, env={})


PROVIDER = {"fcm": {"type": "firebase", "firebase_credentials": "${file:fcm.json}"}}


def _live(push_version: str) -> dict[str, Any]:
    return live_state(app={"app": {"push_config": {"version": push_version, "offline_only": False}}})


def test_plan_refuses_push_providers_while_the_live_app_is_on_push_v1(tmp_path: Path) -> None:
    state = _desired(tmp_path, {"push_providers": PROVIDER})
    with pytest.raises(UserError) as info:
        build_plan(state, _live("v1"))
    assert "push_providers: push providers need the app's push_config.version to be v2 or v3, and it would be v1" \
        in info.value.message
    assert "as app.push_config.version is live; set it in the stack" in info.value.message
    assert [c.address for c in build_plan(state, _live("v3")).changes] == ["push_providers.fcm"]


def test_plan_takes_the_push_version_the_stack_sets(tmp_path: Path) -> None:
    state = _desired(tmp_path, {"app": {"push_config": {"version": "v3"}}, "push_providers": PROVIDER})
    plan = build_plan(state, _live("v1"))
    assert [c.address for c in plan.changes] == ["app", "push_providers.fcm"]
