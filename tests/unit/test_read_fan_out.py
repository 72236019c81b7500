"""A list call that fans out (`Lister.fan_out`): GetPushTemplates takes one push type, and
optionally one provider, per call, so the reader makes one call per type and one per live push
provider, after reading the providers once, and names each template by what it was asked for."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_iac.api.read import UnexpectedResponse, list_raw, read_kind, read_live
from stream_iac.errors import ApiError
from stream_iac.kinds import BY_NAME
from stream_iac.kinds.base import BUILTIN_MARK
from stream_iac.kinds.push_templates import split_name, valid_name
from tests.unit.rounds import Gate

PROVIDERS = [{"name": "apn-prod", "type": "apn"}, {"name": "team/android", "type": "firebase"}]
TEMPLATES = {  # what the API holds, by (type, provider or "")
    ("apn", ""): [{"event_type": "message.new", "enable_push": True, "template": "{}",
                   "push_provider_internal_id": ""}],
    ("apn", "apn-prod"): [{"event_type": "reaction.new", "enable_push": False,
                           "push_provider_internal_id": "p-1"}],
    ("firebase", "team/android"): [{"event_type": "message.updated", "enable_push": True, "template": "{}",
                                    "push_provider_internal_id": "p-2"}],
    ("xiaomi", ""): [{"event_type": "message.new", "enable_push": True, "push_provider_internal_id": ""}],
}


class FakeApi:
    """Answers the two list calls from PROVIDERS and TEMPLATES, recording each call."""

    def __init__(self, templates: Any = None) -> None:
        self.calls: list[tuple[str, dict[str, Any] | None]] = []
        self.templates = templates

    async def call(self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None,
                   body: Any = None) -> dict[str, Any]:
        self.calls.append((op, params))
        if op == "ListPushProviders":
            return {"push_providers": PROVIDERS}
        assert op == "GetPushTemplates" and params is not None
        if self.templates is not None:
            return {"templates": self.templates}
        wanted_type, wanted_name = params["push_provider_type"], params.get("push_provider_name")
        found = [t for (kind, name), items in TEMPLATES.items() for t in items
                 if kind == wanted_type and (wanted_name is None or name == wanted_name)]
        return {"templates": found}  # a type-wide call also returns each provider's templates


def test_one_call_per_type_and_per_live_provider_and_providers_read_once() -> None:
    api = FakeApi()
    live = asyncio.run(read_live(api, [BY_NAME["push_providers"], BY_NAME["push_templates"]]))
    assert [op for op, _ in api.calls].count("ListPushProviders") == 1
    asked = [params for op, params in api.calls if op == "GetPushTemplates"]
    assert asked == [{"push_provider_type": t} for t in ("apn", "firebase", "huawei", "xiaomi")] + [
        {"push_provider_type": "apn", "push_provider_name": "apn-prod"},
        {"push_provider_type": "firebase", "push_provider_name": "team/android"}]
    assert live["push_templates"] == {
        # the type-wide call's provider templates (an internal id) are named by the provider's call
        "apn/message.new": {"enable_push": True, "template": "{}", "push_provider_type": "apn",
                            "event_type": "message.new"},
        "apn/apn-prod/reaction.new": {"enable_push": False, "push_provider_type": "apn",
                                      "push_provider_name": "apn-prod", "event_type": "reaction.new"},
        "firebase/team/android/message.updated": {"enable_push": True, "template": "{}",
                                                  "push_provider_type": "firebase",
                                                  "push_provider_name": "team/android",
                                                  "event_type": "message.updated"},
        # sends pushes with the default payload, as if there were no template: never unmanaged
        "xiaomi/message.new": {"enable_push": True, "push_provider_type": "xiaomi", "event_type": "message.new",
                               BUILTIN_MARK: True},
    }


def test_one_kind_alone_reads_what_it_fans_out_over_and_raw_objects_hold_the_query() -> None:
    api = FakeApi()
    raw = asyncio.run(list_raw(api, BY_NAME["push_templates"]))
    assert raw["apn/apn-prod/reaction.new"]["push_provider_name"] == "apn-prod"
    assert set(asyncio.run(read_kind(FakeApi(), BY_NAME["push_templates"]))) == set(raw)


@pytest.mark.parametrize(("templates", "words"), [
    ({"message.new": {}}, "holds 'templates' as an object, not a list"),
    (["message.new"], "holds templates[0] as text, not an object"),
])
def test_a_misshapen_answer_is_one_clear_error(templates: Any, words: str) -> None:
    with pytest.raises(UnexpectedResponse) as caught:
        asyncio.run(read_kind(FakeApi(templates), BY_NAME["push_templates"]))
    assert "GetPushTemplates: the API's response " + words in caught.value.message


@pytest.mark.parametrize(("name", "parts"), [
    ("apn/message.new", ("apn", None, "message.new")),
    ("apn/prod/message.new", ("apn", "prod", "message.new")),
    ("firebase/team/android/reaction.new", ("firebase", "team/android", "reaction.new")),
])
def test_a_template_name_splits_into_type_provider_and_event(name: str, parts: tuple[Any, ...]) -> None:
    assert split_name(name) == parts
    assert valid_name(name) is None


@pytest.mark.parametrize("name", ["apn", "apn//message.new", "web/message.new", "apn/message.gone"])
def test_names_that_stand_for_no_template_are_refused(name: str) -> None:
    assert valid_name(name) is not None


# --- Rounds: a hint (the desired state) lets the per-provider calls go with the first round ----------

TWO_KINDS = [BY_NAME["push_providers"], BY_NAME["push_templates"]]
Call = tuple[str, tuple[tuple[str, Any], ...]]


def provider_call(kind: str, name: str) -> Call:
    return ("GetPushTemplates", (("push_provider_name", name), ("push_provider_type", kind)))


class RoundsApi:
    """An API that answers each call once its round is let through (`rounds.Gate`). Live
    providers are `providers` (name → type), each with one template; a call for a provider that
    does not exist (or not with that type) answers `unknown`: "4xx" (an ApiError), "empty" (no
    templates) or "stale" (a template). Calls in `failing` answer 400 the first time they are made."""

    def __init__(self, providers: dict[str, str], unknown: str = "4xx", failing: frozenset[Call] = frozenset()
                 ) -> None:
        self.providers, self.unknown, self.failing = providers, unknown, set(failing)
        self.gate: Gate[Call] = Gate()
        self.made: list[Call] = []

    async def call(self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None,
                   body: Any = None) -> dict[str, Any]:
        made: Call = (op, tuple(sorted((params or {}).items())))
        self.made.append(made)
        await self.gate.passage(made)
        if made in self.failing:
            self.failing.discard(made)
            raise ApiError(op, 400, 4, "GetPushTemplates failed with error: try again")
        return self.answer(op, dict(params or {}))

    def answer(self, op: str, params: dict[str, Any]) -> dict[str, Any]:
        if op == "ListPushProviders":
            return {"push_providers": [{"name": n, "type": t} for n, t in self.providers.items()]}
        kind, name = params["push_provider_type"], params.get("push_provider_name")
        if name is None:
            return {"templates": [{"event_type": "message.new", "enable_push": False, "push_provider_internal_id": ""}]
                                 + [{"event_type": "reaction.new", "enable_push": False, "push_provider_internal_id": p}
                                    for p, t in self.providers.items() if t == kind]}
        if self.providers.get(name) != kind:
            if self.unknown == "4xx":
                raise ApiError("GetPushTemplates", 400, 4, f'push provider "{name}" with type "{kind}" not found')
            if self.unknown == "stale":  # what a deleted provider left behind: not live, never read
                return {"templates": [{"event_type": "message.updated", "push_provider_internal_id": name}]}
            return {"templates": []}
        return {"templates": [{"event_type": "reaction.new", "enable_push": False, "push_provider_internal_id": name}]}


def read_in_rounds(api: RoundsApi, hint: dict[str, dict[str, Any]] | None) -> tuple[Any, list[list[Call]]]:
    """The live state read through `api` with `hint`, and the calls of each round."""
    return asyncio.run(read_live(api, TWO_KINDS, hint=hint)), api.gate.rounds


def declared(providers: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The hint a stack declaring `providers` (name → type) gives."""
    return {"push_providers": {name: {"type": kind} for name, kind in providers.items()}}


def test_declared_providers_are_read_in_one_round_with_their_templates() -> None:
    live = {"apn-prod": "apn", "team/android": "firebase"}
    api = RoundsApi(live)
    state, rounds = read_in_rounds(api, declared(live))
    assert len(rounds) == 1
    assert {provider_call("apn", "apn-prod"), provider_call("firebase", "team/android"),
            ("ListPushProviders", ())} <= set(rounds[0])
    assert "apn/apn-prod/reaction.new" in state["push_templates"]
    assert read_in_rounds(RoundsApi(live), None)[0] == state


def test_without_a_hint_the_provider_calls_wait_for_the_provider_list() -> None:
    _, rounds = read_in_rounds(RoundsApi({"apn-prod": "apn"}), None)
    assert rounds[1] == [provider_call("apn", "apn-prod")]


def test_a_live_provider_the_stack_does_not_declare_is_read_in_a_second_round_alone() -> None:
    api = RoundsApi({"apn-prod": "apn", "legacy": "huawei"})
    state, rounds = read_in_rounds(api, declared({"apn-prod": "apn"}))
    assert provider_call("apn", "apn-prod") in rounds[0]
    assert rounds[1:] == [[provider_call("huawei", "legacy")]]
    assert "huawei/legacy/reaction.new" in state["push_templates"]


@pytest.mark.parametrize("unknown", ["4xx", "empty", "stale"])
def test_a_declared_provider_not_yet_created_is_asked_once_and_its_answer_dropped(unknown: str) -> None:
    api = RoundsApi({"apn-prod": "apn"}, unknown)
    state, rounds = read_in_rounds(api, declared({"apn-prod": "apn", "new": "xiaomi", "apn-prod-2": "apn"}))
    assert len(rounds) == 1 and provider_call("xiaomi", "new") in rounds[0]
    assert api.made.count(provider_call("xiaomi", "new")) == 1
    assert not any("/new/" in name for name in state["push_templates"])
    assert state == read_in_rounds(RoundsApi({"apn-prod": "apn"}), None)[0]


def test_a_speculative_call_that_fails_for_a_live_provider_is_asked_again() -> None:
    failing = provider_call("apn", "apn-prod")
    api = RoundsApi({"apn-prod": "apn"}, failing=frozenset({failing}))
    state, rounds = read_in_rounds(api, declared({"apn-prod": "apn"}))
    assert failing in rounds[0] and rounds[1] == [failing]
    assert "apn/apn-prod/reaction.new" in state["push_templates"]


@pytest.mark.parametrize("failing", [provider_call("apn", "legacy"),
                                     ("GetPushTemplates", (("push_provider_type", "apn"),))])
def test_a_call_that_is_not_speculative_still_fails_the_read(failing: Call) -> None:
    api = RoundsApi({"apn-prod": "apn", "legacy": "apn"}, failing=frozenset({failing}))
    with pytest.raises(ApiError):
        read_in_rounds(api, declared({"apn-prod": "apn"}))


names = st.sampled_from(["a", "b", "c/d", "e"])
providers = st.dictionaries(names, st.sampled_from(["apn", "firebase", "huawei", "xiaomi"]), max_size=4)


@settings(max_examples=60, deadline=None)
@given(live=providers, hinted=providers, unknown=st.sampled_from(["4xx", "empty", "stale"]))
def test_the_hint_never_changes_what_is_read_and_saves_the_second_round_when_it_names_every_live_provider(
        live: dict[str, str], hinted: dict[str, str], unknown: str) -> None:
    plain, plain_rounds = read_in_rounds(RoundsApi(live, unknown), None)
    api = RoundsApi(live, unknown)
    state, rounds = read_in_rounds(api, declared(hinted))
    assert state == plain and list(state["push_templates"]) == list(plain["push_templates"])
    assert len(api.made) == len(set(api.made))  # no call made twice
    every_live_one_hinted = all(hinted.get(name) == kind for name, kind in live.items())
    assert len(rounds) == (1 if every_live_one_hinted else 2)
    assert len(plain_rounds) == (2 if live else 1)
