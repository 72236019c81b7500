"""Connection settings: every bad flag or variable is one ConfigError, never a crash."""

from __future__ import annotations

import pytest

from stream_iac.api.settings import resolve_settings
from stream_iac.errors import ConfigError

ENV = {"STREAM_API_KEY": "k", "STREAM_API_SECRET": "s"}


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:99999", "invalid port"),
        ("http://127.0.0.1:0x1f", "invalid port"),
        ("http://127.0.0.1:8888 ", "spaces or control characters"),
        (" https://chat.example.test", "spaces or control characters"),
        ("https://chat.example.test/\x1b[2J", "spaces or control characters"),
        ("https://chat.example.test/?x=1", "query or fragment"),
        ("ftp://chat.example.test", "must be an http(s) URL"),
        ("https://user:pw@chat.example.test", "user name or password"),
        ("http://chat.example.test", "plain http"),
    ],
)
def test_a_bad_base_url_is_a_config_error(url: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_settings(ENV, base_url=url)
    assert words in info.value.message


@pytest.mark.parametrize("timeout", ["nan", "inf", "-1", "0", "soon"])
def test_a_bad_timeout_is_a_config_error(timeout: str) -> None:
    with pytest.raises(ConfigError):
        resolve_settings({**ENV, "STREAM_TIMEOUT": timeout})
    if timeout != "soon":
        with pytest.raises(ConfigError):
            resolve_settings(ENV, timeout=float(timeout))


def test_good_settings_pass() -> None:
    settings = resolve_settings(ENV, base_url="http://127.0.0.1:8888/", timeout=2.5)
    assert (settings.base_url, settings.timeout) == ("http://127.0.0.1:8888", 2.5)
