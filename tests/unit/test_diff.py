"""The diff engine: only declared fields, sets, secrets, payloads."""

from __future__ import annotations

from stream_iac.kinds import BY_NAME
from stream_iac.paths import Item
from stream_iac.plan.diff import compare, create_payloads, update_payload
from stream_iac.secrets import Secret

CT = BY_NAME["channel_types"]
APP = BY_NAME["app"]
PP = BY_NAME["push_providers"]
BL = BY_NAME["blocklists"]


def test_undeclared_fields_are_not_compared() -> None:
    live = {"max_message_length": 5000, "search": False, "reactions": True}
    assert compare(CT, {"max_message_length": 5000}, live) == []


def test_changed_scalar_is_reported_with_before_and_after() -> None:
    [change] = compare(CT, {"max_message_length": 8000}, {"max_message_length": 5000})
    assert (change.path, change.before, change.after) == (("max_message_length",), 5000, 8000)


def test_bool_is_not_equal_to_int_but_int_equals_float() -> None:
    assert compare(CT, {"search": True}, {"search": 1})
    assert not compare(CT, {"max_message_length": 5000}, {"max_message_length": 5000.0})


def test_set_lists_ignore_order_but_not_content() -> None:
    assert compare(CT, {"commands": ["giphy", "ticket"]}, {"commands": ["ticket", "giphy"]}) == []
    [change] = compare(CT, {"commands": ["giphy"]}, {"commands": ["ticket", "giphy"]})
    assert change.path == ("commands",)


def test_grants_compare_only_declared_roles_as_sets() -> None:
    live = {"grants": {"user": ["b", "a"], "admin": ["x"]}}
    assert compare(CT, {"grants": {"user": ["a", "b"]}}, live) == []
    [change] = compare(CT, {"grants": {"user": ["a"]}}, live)
    assert change.path == ("grants", "user")


def test_update_payload_sends_changed_roles_and_required_fields() -> None:
    live = {"automod": "simple", "automod_behavior": "block", "max_message_length": 3000,
            "grants": {"user": ["a"], "admin": ["x"]}}
    desired = {"grants": {"user": ["a", "b"], "guest": ["a"]}}
    changes = compare(CT, desired, live)
    payload = update_payload(CT, desired, live, changes)
    assert payload == {"grants": {"user": ["a", "b"], "guest": ["a"]}, "automod": "simple",
                       "automod_behavior": "block", "max_message_length": 3000}


def test_nested_objects_are_sent_merged_with_live_so_undeclared_subfields_survive() -> None:
    live = {"file_upload_config": {"size_limit": 0, "blocked_file_extensions": [".exe"]}}
    desired = {"file_upload_config": {"size_limit": 1000}}
    changes = compare(APP, desired, live)
    assert update_payload(APP, desired, live, changes) == {
        "file_upload_config": {"size_limit": 1000, "blocked_file_extensions": [".exe"]}
    }


def test_secrets_are_never_compared_so_never_a_perpetual_change() -> None:
    desired = {"type": "apn", "apn_topic": "a.b", "apn_auth_key": Secret("KEY", "env:K")}
    assert compare(PP, desired, {"type": "apn", "apn_topic": "a.b"}) == []


def test_rotate_secrets_reports_secret_as_sensitive_and_sends_it() -> None:
    desired = {"type": "apn", "apn_topic": "a.b", "apn_auth_key": Secret("KEY", "env:K")}
    live = {"type": "apn", "apn_topic": "a.b"}
    [change] = compare(PP, desired, live, resend=True)
    assert change.sensitive and change.before is None and change.after is None
    payload = update_payload(PP, desired, live, [change])
    assert isinstance(payload["apn_auth_key"], Secret)


def test_app_secret_reported_unset_is_a_change_and_set_is_not() -> None:
    desired = {"sqs_secret": Secret("S3CR3T", "env:S")}
    [change] = compare(APP, desired, {"sqs_secret": ""})
    assert change.sensitive
    assert compare(APP, desired, {"sqs_secret": "set"}) == []


def test_lists_of_objects_ignore_secrets_inside_items() -> None:
    hook = {"hook_type": "sqs", "sqs_url": "u", "sqs_secret": Secret("S3CR3T", "env:S")}
    live = {"event_hooks": [{"hook_type": "sqs", "sqs_url": "u", "id": "1"}]}
    assert compare(APP, {"event_hooks": [hook]}, live) == []
    [change] = compare(APP, {"event_hooks": [{**hook, "sqs_url": "v"}]}, live)
    assert change.path == ("event_hooks", Item("id", "1"), "sqs_url"), "a hook is changed by its id, field by field"
    assert "S3CR3T" not in repr(change)


def test_big_word_lists_compare_as_sets() -> None:
    words = [f"w{i}" for i in range(10_000)]
    assert compare(BL, {"words": words}, {"words": list(reversed(words))}) == []
    [change] = compare(BL, {"words": [*words, "new"]}, {"words": words})
    assert change.path == ("words",)


def test_set_lists_of_mappings_ignore_order_but_not_content() -> None:
    a, b = {"blocklist": "a", "behavior": "block"}, {"blocklist": "b", "behavior": "flag"}
    assert compare(CT, {"blocklists": [a, b]}, {"blocklists": [dict(reversed(b.items())), a]}) == []
    [change] = compare(CT, {"blocklists": [a, {**b, "behavior": "block"}]}, {"blocklists": [b, a]})
    assert change.path == ("blocklists",)


def test_create_payload_defers_fields_the_create_call_does_not_take() -> None:
    first, later = create_payloads(CT, {"automod": "AI", "quotes": False, "search": True})
    assert first == {"automod": "AI", "search": True}
    assert later == {"quotes": False, "automod": "AI", "automod_behavior": "flag", "max_message_length": 5000}
