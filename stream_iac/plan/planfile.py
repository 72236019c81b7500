"""The saved-plan file format (`plan --out FILE`, `apply FILE`): pure, no I/O.

A saved plan is the JSON plan of one stack plus what apply needs to make exactly those changes:
each change's request payloads, the live object it was planned against and its fingerprint.
Secrets are stored as references (`{"$secret": "env:APN_P8"}`), never their values; the caller
resolves them again when the plan is applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stream_iac.errors import ConfigError
from stream_iac.plan.build import Change, Plan
from stream_iac.plan.diff import FieldChange
from stream_iac.secrets import Secret

PLANFILE_VERSION = "1"

SecretResolver = Callable[[str], Secret]  # a reference ("env:NAME", "file:PATH") → its Secret


@dataclass(frozen=True)
class PlanHeader:
    """Where a saved plan applies: the stack it came from and the app it was planned against."""

    stack_path: str
    api_key: str | None
    base_url: str | None
    credentials: dict[str, str] | None


def plan_document(plan: Plan, header: PlanHeader) -> dict[str, Any]:
    """The saved-plan document for `plan` (a JSON-ready dict, secrets as references)."""
    doc = plan.to_json()
    doc["planfile_version"] = PLANFILE_VERSION
    doc["stack_path"] = header.stack_path
    doc["credentials"] = header.credentials
    doc["api_key"] = header.api_key
    doc["base_url"] = header.base_url
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
    return doc


def parse_plan_document(doc: Any, where: str, resolve: SecretResolver) -> tuple[PlanHeader, Plan]:
    """The header and plan of a saved-plan document; secrets resolved with `resolve`.
    Raises ConfigError naming `where` when `doc` is not a saved plan."""
    if not isinstance(doc, dict) or doc.get("planfile_version") != PLANFILE_VERSION:
        raise ConfigError(f"{where}: not a stream-iac saved plan (made with `plan --out`)")
    extra = {item["address"]: item for item in doc.get("apply", [])}
    changes = []
    for item in doc["changes"]:
        saved = extra[item["address"]]
        changes.append(Change(
            address=item["address"], kind=item["kind"], name=item["name"], action=item["action"],
            before=item["before"], after=item["after"], changed_paths=item["changed_paths"],
            sensitive_paths=item["sensitive_paths"],
            field_changes=[FieldChange(tuple(f["path"]), f["before"], f["after"], f["sensitive"])
                           for f in saved.get("field_changes", [])],
            payload=_decode(saved["payload"], resolve), followup=_decode(saved["followup"], resolve),
            live=saved["live"], depends_on=item["depends_on"], fingerprint=saved["fingerprint"],
        ))
    header = PlanHeader(stack_path=doc["stack_path"], api_key=doc.get("api_key"), base_url=doc.get("base_url"),
                        credentials=doc.get("credentials"))
    return header, Plan(stack=doc["stack"], changes=changes, unmanaged=doc.get("unmanaged", []))


def _encode(value: Any) -> Any:
    if isinstance(value, Secret):
        return {"$secret": value.ref}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any, resolve: SecretResolver) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$secret"}:
            return resolve(str(value["$secret"]))
        return {k: _decode(v, resolve) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, resolve) for v in value]
    return value
