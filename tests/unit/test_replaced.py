"""Updates that replace (Writes.replaces): the payload carries what the stack leaves out, list
items are matched by identity (Fields.identities), secrets are sent only where a change says so;
and verification's view of what an update leaves (stream_iac.verify)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stream_iac.kinds import BY_NAME
from stream_iac.kinds.base import RAW_MARK, Replaced
from stream_iac.paths import Item, dotted
from stream_iac.plan import Change
from stream_iac.plan.diff import compare, match_items, update_payload
from stream_iac.secrets import Secret
from stream_iac.verify import discrepancies

APP = BY_NAME["app"]
PERM = BY_NAME["permissions"]
PP = BY_NAME["push_providers"]
HOOK_SECRET = Secret("hook-secret-value", "env:HOOK")
# The kinds as if their updates took fields the models do not hold (Replaced.extra), which the
# reader keeps under RAW_MARK: the mechanism is generic, whichever kind needs it.
PP_EXTRA = replace(PP, writes=replace(PP.writes, replaces=(Replaced(extra=frozenset({"internal_id"})),)))
APP_EXTRA = replace(APP, writes=replace(APP.writes, replaces=(Replaced("event_hooks[]",
                                                                       extra=frozenset({"delivery"})),)))


def payload(kind: Any, desired: dict[str, Any], live: dict[str, Any], rotate: bool = False) -> dict[str, Any]:
    return update_payload(kind, desired, live, compare(kind, desired, live, resend=rotate))


def test_permission_update_carries_undeclared_fields() -> None:
    live = {"name": "Old", "action": "ReadChannel", "condition": {}, "description": "kept", "owner": True,
            "same_team": None}
    desired = {"name": "New", "action": "ReadChannel", "condition": {}}
    assert payload(PERM, desired, live) == {"name": "New", "action": "ReadChannel", "condition": {},
                                            "description": "kept", "owner": True}


def test_declared_dict_of_a_replaced_object_is_sent_as_declared() -> None:
    live = {"name": "P", "action": "ReadChannel", "condition": {"a": 1, "b": 2}}
    desired = {"name": "P", "action": "ReadChannel", "condition": {"a": 2}}
    assert payload(PERM, desired, live)["condition"] == {"a": 2}


def test_provider_update_carries_extra_fields_and_resends_declared_credential_openly() -> None:
    live = {"type": "apn", "apn_topic": "a", "description": "d", RAW_MARK: {"internal_id": 17}}
    desired = {"type": "apn", "apn_topic": "b", "apn_auth_key": Secret("k", "env:K")}
    changes = compare(PP_EXTRA, desired, live)
    assert [(dotted(c.path), c.sensitive) for c in changes] == [("apn_topic", False), ("apn_auth_key", True)]
    assert update_payload(PP_EXTRA, desired, live, changes) == {
        "internal_id": 17, "description": "d", "type": "apn", "apn_topic": "b",
        "apn_auth_key": desired["apn_auth_key"]}


HOOKS_LIVE: dict[str, Any] = {
    "event_hooks": [
        {"id": "h1", "hook_type": "sqs", "sqs_queue_url": "q", "timeout_ms": 5000, "event_types": ["a"]},
        {"id": "h2", "hook_type": "webhook", "webhook_url": "w", "timeout_ms": 3000},
    ],
    RAW_MARK: {"event_hooks": [{"id": "h1", "delivery": {"mode": "REST"}}, {"id": "h2"}]},
}


def test_hook_change_is_named_by_id_and_carries_id_undeclared_fields_and_extras() -> None:
    desired = {"event_hooks": [{"hook_type": "sqs", "sqs_queue_url": "q", "event_types": ["a", "b"],
                                "sqs_secret": HOOK_SECRET},
                               {"hook_type": "webhook", "webhook_url": "w"}]}
    changes = compare(APP_EXTRA, desired, HOOKS_LIVE)
    assert [(c.path, c.before, c.after) for c in changes] == [
        (("event_hooks", Item("id", "h1"), "event_types"), ["a"], ["a", "b"])]
    [sqs, web] = update_payload(APP_EXTRA, desired, HOOKS_LIVE, changes)["event_hooks"]
    assert sqs == {"id": "h1", "delivery": {"mode": "REST"}, "hook_type": "sqs", "sqs_queue_url": "q",
                   "timeout_ms": 5000, "event_types": ["a", "b"]}, "the kept secret is not sent"
    assert web == {"id": "h2", "hook_type": "webhook", "webhook_url": "w", "timeout_ms": 3000}


def test_new_hook_is_sent_whole_with_its_secret_and_a_left_out_one_is_removed() -> None:
    desired = {"event_hooks": [{"hook_type": "sns", "sns_topic_arn": "t", "sns_secret": HOOK_SECRET},
                               {"hook_type": "sqs", "sqs_queue_url": "q"}]}
    changes = compare(APP, desired, HOOKS_LIVE)
    assert {(dotted(c.path), c.sensitive) for c in changes} == {
        ("event_hooks[0]", False), ("event_hooks[0].sns_secret", True), ("event_hooks[id=h2]", False)}
    removed = next(c for c in changes if c.path == ("event_hooks", Item("id", "h2")))
    assert removed.after is None and removed.before["webhook_url"] == "w"
    sent = update_payload(APP, desired, HOOKS_LIVE, changes)["event_hooks"]
    assert sent[0] == {"hook_type": "sns", "sns_topic_arn": "t", "sns_secret": HOOK_SECRET}
    assert sent[1]["id"] == "h1" and sent[1]["timeout_ms"] == 5000
    assert "secret" not in repr([c.after for c in changes])


def test_rotating_resends_a_kept_hook_secret() -> None:
    desired = {"event_hooks": [{"hook_type": "sqs", "sqs_queue_url": "q", "sqs_secret": HOOK_SECRET},
                               {"hook_type": "webhook", "webhook_url": "w"}]}
    assert payload(APP, desired, HOOKS_LIVE) == {}
    [sqs, _] = payload(APP, desired, HOOKS_LIVE, rotate=True)["event_hooks"]
    assert sqs["sqs_secret"] is HOOK_SECRET and sqs["id"] == "h1"


def test_nested_object_sent_carries_its_declared_secret_and_the_plan_says_so() -> None:
    live = {"datadog_info": {"enabled": False, "site": "eu"}}
    desired = {"datadog_info": {"enabled": True, "api_key": Secret("dd", "env:DD")}}
    changes = compare(APP, desired, live)
    assert [(dotted(c.path), c.sensitive) for c in changes] == [
        ("datadog_info.enabled", False), ("datadog_info.api_key", True)]
    assert update_payload(APP, desired, live, changes) == {
        "datadog_info": {"enabled": True, "site": "eu", "api_key": desired["datadog_info"]["api_key"]}}
    assert compare(APP, desired, {"datadog_info": {"enabled": True}}) == [], "a secret alone is not a change"


def test_items_match_by_key_then_equal_then_same_type_in_order() -> None:
    identity = APP.fields.identities["event_hooks"]
    live = [{"id": "1", "hook_type": "webhook", "webhook_url": "a"},
            {"id": "2", "hook_type": "webhook", "webhook_url": "b"},
            {"id": "3", "hook_type": "sqs"}]
    desired = [{"hook_type": "webhook", "webhook_url": "new"},  # inserted first: not hook 1
               {"hook_type": "webhook", "webhook_url": "a"},
               {"hook_type": "webhook", "webhook_url": "b", "id": "2"}]
    matched, added, removed = match_items(APP, ("event_hooks",), identity, desired, live)
    assert (matched, added, removed) == ([(1, 0), (2, 1)], [0], [2])
    swapped = [{"hook_type": "webhook", "webhook_url": "b"}, {"hook_type": "webhook", "webhook_url": "c"}]
    assert match_items(APP, ("event_hooks",), identity, swapped, live[:2])[0] == [(0, 1), (1, 0)]


def update(kind: Any, live: dict[str, Any], sent: dict[str, Any]) -> Change:
    return Change(kind.address(kind.name if kind.singleton else "x"), kind.name,
                  kind.name if kind.singleton else "x", "update", None, None, [], [], payload=sent, live=live)


def test_verification_names_what_the_api_did_not_keep_and_what_changed_unsent() -> None:
    live_before = {"name": "P", "action": "ReadChannel", "condition": {}, "description": "d", "owner": True}
    sent = {"name": "Q", "action": "ReadChannel", "condition": {}, "description": "d", "owner": True}
    change = update(PERM, live_before, sent)
    assert discrepancies(PERM, change, {**live_before, "name": "Q"}) == []
    found = discrepancies(PERM, change, {**live_before, "name": "P", "owner": False, "same_team": True})
    assert sorted(d.message for d in found) == [
        'the API did not keep permissions.x.name: sent "Q", live "P"',
        "the API did not keep permissions.x.owner: sent true, live false",
    ]
    assert discrepancies(PERM, change, None)[0].message == "permissions.x is not live after its update"


def test_verification_follows_hooks_by_id_and_their_extras() -> None:
    sent_hooks = [{"id": "h1", "delivery": {"mode": "REST"}, "hook_type": "sqs", "sqs_queue_url": "q",
                   "timeout_ms": 5000, "event_types": ["a", "b"]},
                  {"id": "h2", "hook_type": "webhook", "webhook_url": "w", "timeout_ms": 3000}]
    change = update(APP_EXTRA, HOOKS_LIVE, {"event_hooks": sent_hooks})
    after_hooks = [{**HOOKS_LIVE["event_hooks"][1]},
                   {**HOOKS_LIVE["event_hooks"][0], "event_types": ["a", "b"]}]  # order is not identity
    after = {"event_hooks": after_hooks, RAW_MARK: HOOKS_LIVE[RAW_MARK]}
    assert discrepancies(APP_EXTRA, change, after) == []
    recreated = {"event_hooks": [after_hooks[0], {**after_hooks[1], "id": "h9"}],
                 RAW_MARK: {"event_hooks": [{"id": "h2"}, {"id": "h9"}]}}
    messages = " / ".join(d.message for d in discrepancies(APP_EXTRA, change, recreated))
    assert "app.event_hooks[id=h9] is live, though apply did not send it" in messages
    assert 'the API did not keep app.event_hooks[id=h1]: sent {"id": "h1", "hook_type": "sqs"' in messages
    assert messages.count("event_hooks[id=h1]") == 1, "the raw part does not report the same hook again"
    no_callback = {**after, RAW_MARK: {"event_hooks": [{"id": "h1"}, {"id": "h2"}]}}
    [found] = discrepancies(APP_EXTRA, change, no_callback)
    assert found.path == "event_hooks[id=h1].delivery.mode"
