"""Every resource kind, in dependency order (see each module for its declaration)."""

from __future__ import annotations

from stream_iac.kinds import (
    app,
    blocklists,
    channel_types,
    commands,
    permissions,
    push_providers,
    retention_policies,
    roles,
)
from stream_iac.kinds.base import Kind

KINDS: tuple[Kind, ...] = tuple(
    sorted(
        (
            app.KIND,
            roles.KIND,
            permissions.KIND,
            commands.KIND,
            blocklists.KIND,
            retention_policies.KIND,
            channel_types.KIND,
            push_providers.KIND,
        ),
        key=lambda k: k.order,
    )
)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
COLLECTION_KINDS = tuple(k.name for k in KINDS if not k.singleton)
