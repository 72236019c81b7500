"""Saved plans: `plan --out FILE` stores the exact changes and a fingerprint of every live
object they touch; `apply FILE` re-reads those objects, refuses if any changed since, and
otherwise applies exactly the saved changes. Secrets are stored as references
(`{"$secret": "env:APN_P8"}`) and resolved again at apply time: never their values."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from stream_iac.diff import FieldChange
from stream_iac.errors import ConfigError, StalePlanError, UserError
from stream_iac.kinds import BY_NAME
from stream_iac.plan import Change, Plan, fingerprint, read_live
from stream_iac.render.json_plan import plan_json
from stream_iac.secrets import Secret, secret_values
from stream_iac.state import Credentials, DesiredState, StackMeta

PLANFILE_VERSION = "1"


def _encode(value: Any) -> Any:
    if isinstance(value, Secret):
        return {"$secret": value.ref}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any, env: dict[str, str], missing: list[str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$secret"}:
            return _resolve_secret(str(value["$secret"]), env, missing)
        return {k: _decode(v, env, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, env, missing) for v in value]
    return value


def _resolve_secret(ref: str, env: dict[str, str], missing: list[str]) -> Secret:
    source, _, name = ref.partition(":")
    if source == "env":
        if name not in env:
            missing.append(f"environment variable {name}")
            return Secret("", ref)
        return Secret(env[name], ref)
    try:
        return Secret(Path(name).read_text(encoding="utf-8").removesuffix("\n"), ref)
    except OSError as exc:
        missing.append(f"file {name} ({exc.strerror})")
        return Secret("", ref)


def save_plan(path: str, result: Any) -> None:
    """Write the plan of one stack (a runner.StackPlan) to `path`."""
    plan: Plan = result.plan
    meta = result.desired.meta
    doc = plan_json(plan)
    doc["planfile_version"] = PLANFILE_VERSION
    doc["stack_path"] = os.path.abspath(result.path)
    doc["credentials"] = (
        {"api_key_env": meta.credentials.api_key_env, "api_secret_env": meta.credentials.api_secret_env}
        if meta.credentials else None
    )
    doc["api_key"] = result.settings.api_key
    doc["base_url"] = result.settings.base_url
    doc["apply"] = [
        {
            "address": c.address,
            "payload": _encode(c.payload),
            "followup": _encode(c.followup),
            "live": c.live,
            "fingerprint": c.fingerprint,
            "field_changes": [
                {"path": list(fc.path), "before": fc.before, "after": fc.after, "sensitive": fc.sensitive}
                for fc in c.field_changes
            ],
        }
        for c in plan.changes
    ]
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2)
    os.replace(tmp, path)


def read_plan_file(path: str, env: dict[str, str]) -> tuple[dict[str, Any], Plan]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable saved plan ({exc})") from None
    if not isinstance(doc, dict) or doc.get("planfile_version") != PLANFILE_VERSION:
        raise ConfigError(f"{path}: not a stream-iac saved plan (made with `plan --out`)")
    extra = {item["address"]: item for item in doc.get("apply", [])}
    missing: list[str] = []
    changes = []
    for item in doc["changes"]:
        saved = extra[item["address"]]
        changes.append(Change(
            address=item["address"], kind=item["kind"], name=item["name"], action=item["action"],
            before=item["before"], after=item["after"], changed_paths=item["changed_paths"],
            sensitive_paths=item["sensitive_paths"],
            field_changes=[FieldChange(tuple(f["path"]), f["before"], f["after"], f["sensitive"])
                           for f in saved.get("field_changes", [])],
            payload=_decode(saved["payload"], env, missing), followup=_decode(saved["followup"], env, missing),
            live=saved["live"], depends_on=item["depends_on"], fingerprint=saved["fingerprint"],
        ))
    if missing:
        raise ConfigError(f"{path}: cannot apply, secrets missing: {', '.join(sorted(set(missing)))}")
    return doc, Plan(stack=doc["stack"], changes=changes, unmanaged=doc.get("unmanaged", []))


async def load_current_plan(session: Any, path: str) -> Any:
    """The saved plan, after checking that no object it touches changed since it was made."""
    from stream_iac.runner import StackPlan

    doc, plan = read_plan_file(path, dict(session.env))
    creds = Credentials(**doc["credentials"]) if doc.get("credentials") else None
    desired = DesiredState(meta=StackMeta(name=plan.stack, root=Path(doc["stack_path"]), credentials=creds))
    settings = session.settings_for(desired)
    if settings.api_key != doc.get("api_key"):
        raise ConfigError(f"{path} was planned for API key {doc.get('api_key')}, not {settings.api_key}")
    for change in plan.changes:
        session.known_secrets.extend(secret_values(change.payload) + secret_values(change.followup))
    kinds = sorted((BY_NAME[name] for name in {c.kind for c in plan.changes}), key=lambda k: k.order)
    client = session.client(settings)
    try:
        live = await read_live(client, kinds)
    finally:
        await client.aclose()
    stale = [c.address for c in plan.changes if fingerprint(live[c.kind].get(c.name)) != c.fingerprint]
    if stale:
        raise StalePlanError(
            f"{path} is stale: changed live since it was planned: {', '.join(stale)}. Nothing was applied; "
            "run plan again.")
    if not plan.changes:
        raise UserError(f"{path} holds no changes")
    return StackPlan(path, desired, live, plan, settings)
