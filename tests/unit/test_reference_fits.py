"""A reference to an object that exists but cannot be named there (`References.fits`): a
provider's push template must be of the provider's push type. Whatever the types drawn, validate
(the provider declared) and plan (the provider only live) refuse exactly the templates whose type
is not their provider's, and name it; nothing else about them."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_iac.errors import StackError, UserError
from stream_iac.kinds.push_templates import PUSH_TYPES
from stream_iac.plan import PlanOptions, build_plan
from stream_iac.stack.validate import load_and_validate, validate_stack
from tests.unit.stackfiles import live_state, load

PROVIDERS = {"apn": {"apn_auth_type": "token", "apn_key_id": "K", "apn_team_id": "T", "apn_topic": "com.x",
                     "apn_auth_key": "${env:KEY}"},
             "firebase": {"firebase_credentials": "${env:FCM}"},
             "huawei": {"huawei_app_id": "app", "huawei_app_secret": "${env:KEY}"},
             "xiaomi": {"xiaomi_package_name": "com.x", "xiaomi_app_secret": "${env:KEY}"}}
ENV = {"KEY": "provider-credential-0123456789", "FCM": '{"type": "service_account"}'}
DRAWN = st.dictionaries(st.sampled_from(["p1", "p2", "p3"]), st.tuples(st.sampled_from(PUSH_TYPES),
                                                                      st.sampled_from(PUSH_TYPES)), min_size=1)


def stack(providers: dict[str, str], templates: dict[str, str], declare_providers: bool) -> dict[str, object]:
    """Providers by name → type; templates by provider → the push type they are written for."""
    data: dict[str, object] = {
        "app": {"push_config": {"version": "v3"}},
        "push_templates": {f"{kind}/{name}/message.new": {"enable_push": False} for name, kind in templates.items()},
    }
    if declare_providers:
        data["push_providers"] = {name: {"type": kind, **PROVIDERS[kind]} for name, kind in providers.items()}
    return data


def problems_of(data: dict[str, object]) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "stack.yaml").write_text(yaml.safe_dump(data))
        try:
            load_and_validate(folder, env=ENV)
        except StackError as exc:
            return [text for _, text in exc.problems]
    return []


@settings(max_examples=60, deadline=None)
@given(drawn=DRAWN)
def test_validate_refuses_exactly_the_templates_of_another_type(drawn: dict[str, tuple[str, str]]) -> None:
    providers = {name: kinds[0] for name, kinds in drawn.items()}
    templates = {name: kinds[1] for name, kinds in drawn.items()}
    found = problems_of(stack(providers, templates, declare_providers=True))
    wrong = {name for name in drawn if providers[name] != templates[name]}
    assert len(found) == len(wrong), found
    for name in wrong:
        assert any(f"push_providers.{name}, whose type is {providers[name]}, not {templates[name]}" in p
                   for p in found), found


@settings(max_examples=60, deadline=None)
@given(drawn=DRAWN)
def test_plan_refuses_exactly_the_templates_of_another_type_than_their_live_provider(
        drawn: dict[str, tuple[str, str]]) -> None:
    providers = {name: kinds[0] for name, kinds in drawn.items()}
    templates = {name: kinds[1] for name, kinds in drawn.items()}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "stack.yaml").write_text(yaml.safe_dump(stack(providers, templates, declare_providers=False)))
        desired = validate_stack(load(folder, ENV))
    live = live_state(push_providers={name: {"type": kind} for name, kind in providers.items()})
    wrong = {name for name in drawn if providers[name] != templates[name]}
    if not wrong:
        build_plan(desired, live, PlanOptions())
        return
    with pytest.raises(UserError) as refused:
        build_plan(desired, live, PlanOptions())
    for name in drawn:
        said = f"refers to push_providers.{name}, whose type is" in refused.value.message
        assert said == (name in wrong), refused.value.message
