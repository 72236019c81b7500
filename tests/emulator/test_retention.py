"""Retention policies."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import Api, assert_error, assert_ok


def test_fresh_app_has_no_policies(api: Api) -> None:
    assert assert_ok(api.get("/chat/retention_policy"))["policies"] == []


def test_set_update_and_delete_a_policy(api: Api) -> None:
    body = assert_ok(api.post("/chat/retention_policy", {"policy": "old-messages", "max_age_hours": 24}), 201)
    policy = body["policy"]
    assert policy["policy"] == "old-messages" and policy["config"] == {"max_age_hours": 24}
    assert isinstance(policy["app_pk"], int) and isinstance(policy["enabled_at"], int)
    assert_ok(api.post("/chat/retention_policy", {"policy": "old-messages", "max_age_hours": 43800}), 201)
    listed = assert_ok(api.get("/chat/retention_policy"))["policies"]
    assert [(item["policy"], item["config"]["max_age_hours"]) for item in listed] == [("old-messages", 43800)]
    body = assert_ok(api.post("/chat/retention_policy/delete", {"policy": "old-messages"}), 201)
    assert set(body) == {"duration"}
    assert assert_ok(api.get("/chat/retention_policy"))["policies"] == []


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"policy": "old-messages", "max_age_hours": 23}, "greater than or equal to 24"),
        ({"policy": "old-messages", "max_age_hours": 43801}, "less than or equal to 43800"),
        ({"policy": "everything", "max_age_hours": 100}, "policy must be one of"),
        ({"policy": "old-messages"}, "max_age_hours is a required field"),
    ],
)
def test_invalid_policies_are_400(api: Api, body: dict[str, Any], detail: str) -> None:
    assert_error(api.post("/chat/retention_policy", body), 400, 4, "SetRetentionPolicy", detail)


def test_deleting_an_unset_policy_is_404(api: Api) -> None:
    response = api.post("/chat/retention_policy/delete", {"policy": "inactive-channels"})
    assert_error(response, 404, 16, "DeleteRetentionPolicy", "inactive-channels")


def test_runs_are_empty_and_validated(api: Api) -> None:
    assert assert_ok(api.post("/chat/retention_policy/runs", {"limit": 10}), 201)["runs"] == []
    assert_error(api.post("/chat/retention_policy/runs", {"limit": 101}), 400, 4, "GetRetentionPolicyRuns")
