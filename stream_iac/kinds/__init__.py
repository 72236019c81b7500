"""Every resource kind, and the one table of dependency order.

`LEVELS` lists the kinds level by level: a kind may refer only to kinds of earlier levels (or
its own), so creates and updates run level by level and deletes in reverse. Within a level the
order is only the order of output. Each kind's declaration is in its own module.
"""

from __future__ import annotations

from stream_iac.kinds import (
    app,
    blocklists,
    channel_types,
    commands,
    external_storage,
    permissions,
    push_providers,
    push_templates,
    retention_policies,
    roles,
)
from stream_iac.kinds.base import Kind

LEVELS: tuple[tuple[Kind, ...], ...] = (
    (app.KIND,),
    (roles.KIND, permissions.KIND),
    (commands.KIND, blocklists.KIND),
    (retention_policies.KIND,),
    (channel_types.KIND,),
    (push_providers.KIND,),
    # A provider's templates after the provider. External storage refers to nothing and nothing
    # refers to it: any level would do; the last keeps the older kinds' order in files and output.
    (push_templates.KIND, external_storage.KIND),
)
KINDS: tuple[Kind, ...] = tuple(kind for level in LEVELS for kind in level)
LEVEL: dict[str, int] = {kind.name: number for number, level in enumerate(LEVELS) for kind in level}
BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
COLLECTION_KINDS: tuple[str, ...] = tuple(kind.name for kind in KINDS if not kind.singleton)
