"""The public facade, where the stages meet: ``Emulator`` holds each app's state (``store``), runs requests
through the ``pipeline`` under one lock, persists writes, hands out the in-process ``adapters``, and
offers inspection and test hooks."""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .handlers.app_settings import app_view
from .handlers.blocklists import all_blocklist_views
from .handlers.channel_types import channel_type_view
from .handlers.permissions import custom_permission_view
from .handlers.push import provider_view
from .handlers.retention import policy_view
from .handlers.roles import all_role_views
from .pipeline.core import AppRuntime, AppStats, Core, CoreSettings
from .pipeline.routing import WRITE_METHODS
from .pipeline.wire import HttpRequest, Outcome
from .store.builtins import load_builtins
from .store.clock import Clock, system_clock, to_nanoseconds
from .store.persistence import decode_app_states, load_state_file, save_state_file
from .store.state import AppState, fresh_app_state

if TYPE_CHECKING:
    import httpx

DEFAULT_APP = ("demo-key", "demo-secret")


@dataclass
class EmulatorOptions:
    """How to build an ``Emulator``.

    * ``apps`` - ``(api key, secret)`` of each emulated app (default: one ``demo-key``/``demo-secret`` app).
    * ``state_file`` - load state from this JSON file and save it after every write (default: memory only).
    * ``latency_ms`` - added before every answer (adapters wait; ``dispatch`` only reports it).
    * ``fault_rate`` - probability (0..1) that a request gets an injected fault: 500, 429, or a dropped
      connection before or after the write; chosen deterministically from ``seed``.
    * ``rate_limits`` - enforce Stream's per-operation limits (False: headers still sent, never 429).
    * ``stale_read_ms`` - a GET may see the state as it was up to this long ago (eventual consistency).
    * ``clock`` - the source of time (e.g. ``ManualClock``); default the system clock.
    * ``strict`` - refuse (400, code 4) request fields the official spec does not define. By default they
      are accepted and ignored (neither stored nor returned), as Stream's API does; strict mode holds a
      client to the spec, to catch a misspelt or invented field.
    * ``limits`` - an app's own rate limits, replacing Stream's documented ones for the operations named:
      ``{api key: {operation id: (per minute, per second)}}`` (GetRateLimits and the headers report them).
    """

    apps: list[tuple[str, str]] = field(default_factory=lambda: [DEFAULT_APP])
    state_file: str | os.PathLike[str] | None = None
    latency_ms: float = 0
    fault_rate: float = 0.0
    seed: int = 0
    rate_limits: bool = True
    stale_read_ms: float = 0
    clock: Clock | None = None
    strict: bool = False
    limits: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise ``ValueError`` for options no emulator can be built from."""
        if not self.apps:
            raise ValueError("at least one app (key, secret) is required")
        keys = [key for key, _ in self.apps]
        if len(set(keys)) != len(keys):
            raise ValueError("app keys must be unique")
        if any(not key or not secret for key, secret in self.apps):
            raise ValueError("app keys and secrets must not be empty")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        if self.latency_ms < 0 or self.stale_read_ms < 0:
            raise ValueError("latency_ms and stale_read_ms must not be negative")
        unknown = set(self.limits) - set(keys)
        if unknown:
            raise ValueError(f"limits given for unknown app keys: {', '.join(sorted(unknown))}")
        for app_limits in self.limits.values():
            for operation_id, pair in app_limits.items():
                if len(pair) != 2 or any(not isinstance(n, int) or n < 1 for n in pair):
                    raise ValueError(f"limits of {operation_id}: expected (per minute, per second), both >= 1")


class Emulator:
    """A local Stream Chat config API. Thread-safe: one lock serialises request processing."""

    def __init__(self, options: EmulatorOptions | None = None) -> None:
        """Build the apps (restored from ``options.state_file`` when it exists, else fresh); raises
        ``ValueError`` for bad options and ``StateFileError`` for an unusable state file."""
        self.options = options or EmulatorOptions()
        self.options.validate()
        self.clock: Clock = self.options.clock or system_clock
        self.builtins = load_builtins()
        self._state_path = Path(self.options.state_file) if self.options.state_file else None
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()  # orders state file writes, which happen outside ``_lock``
        self._state_version = 0
        self._saved_version = 0
        saved = load_state_file(self._state_path) if self._state_path else {}
        self._dormant_apps = {key: raw for key, raw in saved.items() if key not in dict(self.options.apps)}
        restored = decode_app_states({key: raw for key, raw in saved.items() if key in dict(self.options.apps)})
        runtimes = {
            key: AppRuntime(key, secret, restored.get(key) or self._fresh_state(key))
            for key, secret in self.options.apps
        }
        settings = CoreSettings(
            latency_ms=float(self.options.latency_ms),
            fault_rate=float(self.options.fault_rate),
            seed=int(self.options.seed),
            rate_limits=bool(self.options.rate_limits),
            stale_read_ms=float(self.options.stale_read_ms),
            strict=bool(self.options.strict),
            app_limits={key: {op: (int(pair[0]), int(pair[1])) for op, pair in ops.items()}
                        for key, ops in self.options.limits.items()},
        )
        self._core = Core(runtimes, self.builtins, self.clock, settings)
        if self._state_path and not self._state_path.exists():
            self._save()

    def _fresh_state(self, api_key: str) -> AppState:
        return fresh_app_state(api_key, self.builtins, to_nanoseconds(self.clock()))

    # -- request handling -----------------------------------------------------------------------------------

    def dispatch(self, request: HttpRequest) -> Outcome:
        """Answer one request: an ``Outcome`` holding the ``HttpResponse`` (any status; errors are in
        Stream's error body), or ``drop`` for an injected dropped connection, plus ``delay_seconds``
        for the adapter to wait first. A successful write is saved to the state file before returning."""
        # Stamped on arrival, before waiting for the lock: a real API's rate limiter sees a request
        # when it arrives, not when a busy worker gets to it.
        arrived = self.clock()
        with self._lock:
            result = self._core.handle(request, arrived)
            pending = self._capture_state() if result.wrote_app is not None else None
        if pending is not None:
            self._write_state(*pending)
        return result.outcome

    def dispatch_may_block(self, request: HttpRequest) -> bool:
        """Whether ``dispatch(request)`` may wait for disk I/O (a write persisted to the state file);
        otherwise it only computes, and an event loop may call it directly."""
        return self._state_path is not None and request.method.upper() in WRITE_METHODS

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport that answers in-process: ``httpx.Client(transport=e.transport(), base_url=...)``."""
        from .adapters.transports import EmulatorTransport

        return EmulatorTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """The same for ``httpx.AsyncClient``."""
        from .adapters.transports import AsyncEmulatorTransport

        return AsyncEmulatorTransport(self)

    # -- persistence ------------------------------------------------------------------------------------------

    def _save(self) -> None:
        pending = self._capture_state()
        if pending is not None:
            self._write_state(*pending)

    def _capture_state(self) -> tuple[int, dict[str, dict[str, Any]]] | None:
        """A numbered copy of every app's state to persist; call with ``_lock`` held. The copy lets the
        file be written after ``_lock`` is released, so reads never wait for the disk."""
        if self._state_path is None:
            return None
        self._state_version += 1
        apps = {**self._dormant_apps}
        apps.update({key: runtime.state.to_json() for key, runtime in self._core.apps.items()})
        return self._state_version, apps

    def _write_state(self, version: int, apps: dict[str, dict[str, Any]]) -> None:
        """Write a captured state unless a newer one is already on disk (it includes this one's changes)."""
        with self._save_lock:
            if self._state_path is None or version <= self._saved_version:
                return
            save_state_file(self._state_path, apps)
            self._saved_version = version

    # -- inspection and test hooks ------------------------------------------------------------------------------

    @property
    def api_keys(self) -> list[str]:
        """The emulated apps' keys, in the order of ``options.apps``."""
        return [key for key, _ in self.options.apps]

    def _runtime(self, api_key: str) -> AppRuntime:
        runtime = self._core.apps.get(api_key)
        if runtime is None:
            raise KeyError(f"unknown app key {api_key!r}")
        return runtime

    def snapshot(self, api_key: str) -> dict[str, Any]:
        """The app's full current state in API shape, secrets included (for tests only): a deep copy
        with ``app``, ``channel_types``, ``commands``, ``blocklists``, ``roles``, ``permissions``,
        ``push_providers``, ``push_templates``, ``retention_policies``, ``external_storages`` (with
        their ``credentials``) and ``channels``. ``KeyError`` for an unknown key."""
        with self._lock:
            state = self._runtime(api_key).state
            builtins = self.builtins
            return copy.deepcopy(
                {
                    "app": app_view(state, builtins, api_key, reveal_secrets=True),
                    "channel_types": {
                        name: channel_type_view(state, builtins, config, command_objects=False)
                        for name, config in state.channel_types.items()
                    },
                    "commands": list(state.commands.values()),
                    "blocklists": all_blocklist_views(state, builtins),
                    "roles": all_role_views(state, builtins),
                    "permissions": [custom_permission_view(builtins, stored) for stored in state.permissions.values()],
                    "push_providers": [provider_view(provider, True) for provider in state.push_providers.values()],
                    "push_templates": list(state.push_templates.values()),
                    "retention_policies": [policy_view(state, stored) for stored in state.retention_policies.values()],
                    "external_storages": {name: dict(stored) for name, stored in state.external_storages.items()},
                    "channels": dict(state.channel_counts),
                }
            )

    def load_state(self, api_key: str, live: Mapping[str, Any]) -> list[str]:
        """Replace the app's state with one rebuilt from what Stream's API returned (the counterpart of
        ``snapshot``): ``live`` holds the list calls' answers, each under the key the API answers with
        (``app``: GetApp's ``app``; ``channel_types``, ``commands``, ``blocklists``, ``roles``,
        ``permissions``, ``push_providers``, ``policies``, ``templates``, ``external_storages``: lists or
        maps by name), built-ins included or not; a ``snapshot`` loads too. A key left out keeps a fresh
        app's part. Secrets the API showed as set without their value are stored as a placeholder
        (``live_import.UNKNOWN_SECRET``): see ``live_import`` for what else it decides. The write is
        persisted like any other. Returns the keys of ``live`` it did not read. ``KeyError`` for an unknown
        app key, ``ValueError`` for input not in the API's shape."""
        from .live_import import import_app_state, unknown_keys

        with self._lock:
            runtime = self._runtime(api_key)
            now = self.clock()
            runtime.commit(import_app_state(api_key, live, self.builtins, to_nanoseconds(now)), now,
                           self.options.stale_read_ms / 1000.0)
            pending = self._capture_state()
        if pending is not None:
            self._write_state(*pending)
        return unknown_keys(live)

    def stats(self, api_key: str) -> dict[str, Any]:
        """Counters: ``requests``/``writes`` per operation id, ``responses`` per status, ``faults`` per kind."""
        with self._lock:
            self._runtime(api_key)
            return self._core.stats[api_key].as_dict()

    def reset_stats(self, api_key: str) -> None:
        """Zero the app's counters (``KeyError`` for an unknown key)."""
        with self._lock:
            self._runtime(api_key)
            self._core.stats[api_key] = AppStats()

    def add_channel(self, api_key: str, channel_type: str, count: int = 1) -> None:
        """Pretend ``count`` channels of ``channel_type`` exist (so deleting the type is refused)."""
        with self._lock:
            if channel_type not in self._runtime(api_key).state.channel_types:
                raise KeyError(f"unknown channel type {channel_type!r}")

            def add(state: AppState) -> None:
                state.channel_counts[channel_type] = state.channel_counts.get(channel_type, 0) + count

            self._core.mutate(api_key, add)
            pending = self._capture_state()
        if pending is not None:
            self._write_state(*pending)
