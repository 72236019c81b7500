"""Data retention policies."""

from __future__ import annotations

from typing import Any

from ..pipeline.errors import not_found
from ..pipeline.request_schemas import DELETE_RETENTION_POLICY, RETENTION_RUNS, SET_RETENTION_POLICY
from ..store.state import AppState
from .common import Context, Result, created, ok


def policy_view(state: AppState, stored: dict[str, Any]) -> dict[str, Any]:
    return {
        "app_pk": state.app_id,
        "policy": stored["policy"],
        "config": {"max_age_hours": stored["max_age_hours"]},
        "enabled_at": stored["enabled_at"],
    }


def get_retention_policies(ctx: Context) -> Result:
    """GetRetentionPolicy: GET /chat/retention_policy -> 200 ``{"policies": [...]}``,
    the policies that are set, by name.
    """
    stored = ctx.state.retention_policies
    policies = [policy_view(ctx.state, stored[name]) for name in sorted(stored)]
    return ok({"policies": policies})


def set_retention_policy(ctx: Context) -> Result:
    """SetRetentionPolicy: POST /chat/retention_policy with ``{policy, max_age_hours}``
    (24..43800) -> 201 ``{"policy": RetentionPolicy}``, replacing that policy. 400/4 on a bad field.
    """
    body = ctx.validated_body(SET_RETENTION_POLICY)
    stored = {"policy": body["policy"], "max_age_hours": body["max_age_hours"], "enabled_at": ctx.now_ns}
    ctx.state.retention_policies[body["policy"]] = stored
    return created({"policy": policy_view(ctx.state, stored)})


def delete_retention_policy(ctx: Context) -> Result:
    """DeleteRetentionPolicy: POST /chat/retention_policy/delete with ``{policy}`` ->
    201 ``{}``. 400/4 on a bad field; 404/16 if that policy is not set.
    """
    body = ctx.validated_body(DELETE_RETENTION_POLICY)
    if body["policy"] not in ctx.state.retention_policies:
        raise not_found(f'retention policy "{body["policy"]}" is not set')
    del ctx.state.retention_policies[body["policy"]]
    return created()


def get_retention_policy_runs(ctx: Context) -> Result:
    """GetRetentionPolicyRuns: POST /chat/retention_policy/runs with optional
    ``filter_conditions``, ``sort``, ``limit``, ``next``/``prev`` -> 201 ``{"runs": []}``: the emulator
    never runs deletions. 400/4 on a bad field.
    """
    ctx.validated_body(RETENTION_RUNS)
    return created({"runs": []})  # the emulator never runs deletions
