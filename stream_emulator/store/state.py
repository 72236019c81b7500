"""The state of one emulated app. Plain JSON-compatible data, so it persists and copies cheaply."""

from __future__ import annotations

import copy
import pickle
import uuid
import zlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .builtins import APP_SCOPE, Builtins

STATE_FORMAT_VERSION = 1


@dataclass
class AppState:
    app_id: int
    created_at: int  # unix ns
    settings: dict[str, Any] = field(default_factory=dict)  # UpdateApp fields as stored (secrets included)
    grants: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # scope -> role -> permission ids
    channel_types: dict[str, dict[str, Any]] = field(default_factory=dict)  # stored config, commands as names
    channel_counts: dict[str, int] = field(default_factory=dict)  # test hook: channels per type
    commands: dict[str, dict[str, Any]] = field(default_factory=dict)  # custom commands only
    blocklists: dict[str, dict[str, Any]] = field(default_factory=dict)  # custom blocklists only
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)  # custom roles only
    permissions: dict[str, dict[str, Any]] = field(default_factory=dict)  # custom permissions only
    push_providers: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name (secrets included)
    push_templates: dict[str, dict[str, Any]] = field(default_factory=dict)  # by "type|provider|event"
    retention_policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # by policy
    external_storages: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name (credentials included)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # async tasks (blocklist imports) by id
    id_counter: int = 0

    def clone(self) -> AppState:
        """A deep copy, except that blocklist word lists are shared: handlers only ever replace
        a word list, never change one in place, and copying 150,000 words on every write made
        each write of a full app cost tens of milliseconds."""
        words = {name: item.pop("words") for name, item in self.blocklists.items() if "words" in item}
        try:
            copied: AppState = pickle.loads(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            for name, word_list in words.items():
                self.blocklists[name]["words"] = word_list
        for name, word_list in words.items():
            copied.blocklists[name]["words"] = word_list
        return copied

    def new_id(self, api_key: str, kind: str) -> str:
        """A stable, unique id (uuid5) for server-assigned identifiers."""
        self.id_counter += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"stream-emulator:{api_key}:{kind}:{self.id_counter}"))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AppState:
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def app_id_for(api_key: str) -> int:
    return zlib.crc32(api_key.encode()) % 1_000_000 + 1


def fresh_app_state(api_key: str, builtins: Builtins, now_ns: int) -> AppState:
    state = AppState(app_id=app_id_for(api_key), created_at=now_ns)
    state.grants[APP_SCOPE] = builtins.grants_for_new_scope(APP_SCOPE)
    for name, defaults in builtins.channel_types.items():
        config = copy.deepcopy(defaults)
        config.update(name=name, permissions=[], created_at=now_ns, updated_at=now_ns)
        state.channel_types[name] = config
        state.grants[name] = builtins.grants_for_new_scope(name)
    return state
