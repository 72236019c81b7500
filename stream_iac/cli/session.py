"""What one command run needs: environment, connection flags, and the secrets seen so far
(so output can be scrubbed of them). Light to import: `validate` needs no HTTP stack."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stream_iac.api.settings import ConnectionSettings, resolve_settings
from stream_iac.kinds import BY_NAME
from stream_iac.secrets import secret_values
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
    known_secrets: list[str] = field(default_factory=list)

    def settings_for(self, desired: DesiredState | None) -> ConnectionSettings:
        creds = desired.meta.credentials if desired else None
        if creds:
            settings = resolve_settings(self.env, api_key=None, base_url=self.flags.base_url,
                                        timeout=self.flags.timeout, key_env=creds.api_key_env,
                                        secret_env=creds.api_secret_env)
        else:
            settings = resolve_settings(self.env, api_key=self.flags.api_key, base_url=self.flags.base_url,
                                        timeout=self.flags.timeout)
        self.known_secrets.append(settings.api_secret)
        return settings

    def client(self, settings: ConnectionSettings) -> StreamClient:
        from stream_iac.api.client import StreamClient

        transport = self.transport_factory(settings) if self.transport_factory else None
        return StreamClient(settings, transport=transport, log=self.log)

    def load(self, path: str | Path, *, allow_missing_env: bool = False) -> DesiredState:
        desired = load_and_validate(path, env=self.env, allow_missing_env=allow_missing_env)
        for kind_name, kind_objects in desired.objects.items():
            if BY_NAME[kind_name].fields.secrets:  # secrets are wrapped only at those paths
                for obj in kind_objects.values():
                    self.known_secrets.extend(secret_values(obj.body))
        return desired


