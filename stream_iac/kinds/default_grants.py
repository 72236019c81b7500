"""Stream's documented default grants, kept on the client (`default_grants.json`, from the Default
Grants tables of Stream's permissions reference), so that `export` can leave out the roles whose
grants nobody changed: a fresh app exports no grants at all.

The tables are a guess about the live app only in one direction: a role whose live grants equal
the table is left out of the export (unmanaged), never changed; a role that differs is written.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from stream_iac.kinds.base import Context

APP_SCOPE = ".app"
NEW_TYPE_SCOPE = "messaging"  # a custom channel type starts with the grants of this built-in one


@functools.cache
def _tables() -> dict[str, Any]:
    text = (resources.files("stream_iac.kinds") / "default_grants.json").read_text(encoding="utf-8")
    tables: dict[str, Any] = json.loads(text)
    return tables


def default_grants(scope: str, live: Context) -> dict[str, list[str]]:
    """role → permission ids that scope `scope` (".app", or a channel type's name: a custom one
    gets messaging's) has in a new app, with the roles multi-tenancy adds when the live app (in
    `live`, every live object by kind) has it on."""
    tables = _tables()
    grants = {role: list(ids) for role, ids in tables["scopes"].get(scope, tables["scopes"][NEW_TYPE_SCOPE]).items()}
    if _multi_tenant(live):
        extra = tables["multi_tenant"].get(scope, tables["multi_tenant"][NEW_TYPE_SCOPE])
        grants.update({role: list(ids) for role, ids in extra.items()})
    return grants


def _multi_tenant(live: Context) -> bool:
    app = live.get("app", {}).get("app", {})
    return bool(app.get("multi_tenant_enabled"))
