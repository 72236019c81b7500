"""Connection settings: flags, environment, defaults (CONTRACT.md 'Connection')."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from stream_iac.errors import ConfigError

DEFAULT_BASE_URL = "https://chat.stream-io-api.com"
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class ConnectionSettings:
    api_key: str
    api_secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout: float = DEFAULT_TIMEOUT

    def __repr__(self) -> str:
        return f"ConnectionSettings(api_key={self.api_key!r}, base_url={self.base_url!r})"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash; ConfigError when it cannot be Stream's API."""
    if url != url.strip() or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ConfigError(f"base URL {url!r} contains spaces or control characters")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"base URL {url!r} must be an http(s) URL")
    try:
        parsed.port  # noqa: B018 - urllib checks the port only when asked
    except ValueError:
        raise ConfigError(f"base URL {url!r} has an invalid port (1 to 65535)") from None
    if parsed.query or parsed.fragment:
        raise ConfigError(f"base URL {url!r} must not have a query or fragment")
    if parsed.username or parsed.password:
        raise ConfigError("base URL must not contain a user name or password")
    if parsed.scheme == "http" and not _is_loopback(parsed.hostname):
        raise ConfigError(
            f"base URL {url!r} uses plain http: only https is allowed, except for loopback addresses"
        )
    return url.rstrip("/")


def resolve_settings(
    env: Mapping[str, str],
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
    key_env: str = "STREAM_API_KEY",
    secret_env: str = "STREAM_API_SECRET",
) -> ConnectionSettings:
    """Flags win over the environment; the secret only ever comes from the environment."""
    key = api_key or env.get(key_env, "")
    if not key:
        raise ConfigError(f"no API key: set {key_env} or pass --api-key")
    secret = env.get(secret_env, "")
    if not secret:
        raise ConfigError(f"no API secret: set {secret_env} (it is never taken as a flag)")
    url = check_base_url(base_url or env.get("STREAM_BASE_URL") or DEFAULT_BASE_URL)
    raw_timeout = timeout if timeout is not None else env.get("STREAM_TIMEOUT")
    try:
        seconds = float(raw_timeout) if raw_timeout not in (None, "") else DEFAULT_TIMEOUT
    except ValueError:
        raise ConfigError(f"STREAM_TIMEOUT must be a number of seconds, got {raw_timeout!r}") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"timeout must be a positive number of seconds, got {raw_timeout!r}")
    return ConnectionSettings(api_key=key, api_secret=secret, base_url=url, timeout=seconds)
