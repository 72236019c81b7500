"""What one command run needs: environment, connection flags, and the secret values seen so far
(its `Redactor`, which every output goes through). Light to import: `validate` needs no HTTP stack."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stream_iac.api.settings import ConnectionSettings, resolve_settings
from stream_iac.kinds import BY_NAME
from stream_iac.secrets import Redactor, active_redactor, secret_values
from stream_iac.stack.validate import load_and_validate
from stream_iac.state import DesiredState

if TYPE_CHECKING:
    import httpx

    from stream_iac.api.client import StreamClient

TransportFactory = Callable[[ConnectionSettings], "httpx.AsyncBaseTransport | None"]


@dataclass(frozen=True)
class ConnectionFlags:
    api_key: str | None = None
    base_url: str | None = None
    timeout: float | None = None


@dataclass
class Session:
    """Everything one command run needs; `transport_factory` lets tests run in-process."""

    env: Mapping[str, str]
    flags: ConnectionFlags = ConnectionFlags()
    transport_factory: TransportFactory | None = None
    log: Any = None
    redactor: Redactor = field(default_factory=lambda: active_redactor() or Redactor())

    def __post_init__(self) -> None:
        # The API secret is known before anything is loaded or printed (a stack naming its own
        # secret variable registers that one as it is read: stack/resolve.py).
        self.redactor.add(self.env.get("STREAM_API_SECRET", ""))

    @property
    def known_secrets(self) -> list[str]:
        return self.redactor.values

    def settings_for(self, desired: DesiredState | None) -> ConnectionSettings:
        creds = desired.meta.credentials if desired else None
        if creds:
            settings = resolve_settings(self.env, api_key=None, base_url=self.flags.base_url,
                                        timeout=self.flags.timeout, key_env=creds.api_key_env,
                                        secret_env=creds.api_secret_env)
        else:
            settings = resolve_settings(self.env, api_key=self.flags.api_key, base_url=self.flags.base_url,
                                        timeout=self.flags.timeout)
        self.redactor.add(settings.api_secret)
        return settings

    def client(self, settings: ConnectionSettings, *, concurrency: int | None = None) -> StreamClient:
        """A client of the app `settings` name; `concurrency`: how many requests it will have in
        flight at a time, so as many connections stay open between them (default: a few)."""
        from stream_iac.api.client import IDLE_CONNECTIONS, StreamClient

        transport = self.transport_factory(settings) if self.transport_factory else None
        idle = max(IDLE_CONNECTIONS, concurrency or 0)
        return StreamClient(settings, transport=transport, log=self.log, idle_connections=idle)

    def load(self, path: str | Path, *, allow_missing_env: bool = False) -> DesiredState:
        desired = load_and_validate(path, env=self.env, allow_missing_env=allow_missing_env)
        for kind_name, kind_objects in desired.objects.items():
            if BY_NAME[kind_name].fields.secrets:  # secrets are wrapped only at those paths
                for obj in kind_objects.values():
                    for value in secret_values(obj.body):
                        self.redactor.add(value)
        return desired


