"""Built-in objects a stack cannot declare (`Builtins.declarable=False`) are read by name only:
safe because nothing compares, exports or shows their bodies, which holds as long as the kind's
name rule refuses every one of those names (so no stack can declare one)."""

from __future__ import annotations

import pytest

from stream_iac.api.read import normalise_all
from stream_iac.kinds import KINDS
from stream_iac.kinds.base import BUILTIN_MARK, Kind

BY_NAME_ONLY = [kind for kind in KINDS if not kind.builtins.declarable]


def test_some_kind_reads_its_builtins_by_name_only() -> None:
    assert [kind.name for kind in BY_NAME_ONLY] == ["permissions"]


@pytest.mark.parametrize("kind", BY_NAME_ONLY, ids=lambda kind: kind.name)
def test_a_stack_cannot_declare_any_of_them(kind: Kind) -> None:
    accepted = sorted(name for name in kind.builtins.names if kind.shape.name_rule(name) is None)
    assert not accepted, f"{kind.name}: a stack may declare the built-in {accepted[:3]}, whose body the reader drops"


def test_builtin_permissions_keep_their_names_and_custom_ones_their_bodies() -> None:
    [kind] = BY_NAME_ONLY
    builtin = next(iter(sorted(kind.builtins.names)))
    live = normalise_all(kind, {
        builtin: {"id": builtin, "name": "Read", "action": "ReadChannel", "custom": False, "level": "channel"},
        "vip-post": {"id": "vip-post", "name": "VIP post", "action": "CreateMessage", "custom": True,
                     "condition": {"$subject.level": 3}},
        # Marked built-in by the API but not among the documented names: a stack may declare it,
        # so its body is read as any other.
        "undocumented": {"id": "undocumented", "name": "Old", "action": "ReadChannel", "custom": False},
    })
    assert live[builtin] == {BUILTIN_MARK: True}
    assert live["vip-post"]["condition"] == {"$subject.level": 3}
    assert live["undocumented"]["name"] == "Old" and live["undocumented"][BUILTIN_MARK] is True
