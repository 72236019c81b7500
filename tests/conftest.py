"""Settings shared by every test folder."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: installs into a fresh virtualenv or runs whole CI examples (part of `make test`; "
        "deselect with -m 'not slow')")
