"""Fixtures of the official-SDK tests: an emulator on a loopback socket, as a real client meets it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from stream_emulator import Emulator, EmulatorOptions, ManualClock, serve_in_thread

KEY, SECRET = "sdk-key", "sdk-secret-0123456789-0123456789-0123"
FIREBASE_CREDENTIALS = '{"type": "service_account", "project_id": "demo", "client_email": "e@demo.iam"}'
GCS_CREDENTIALS = '{"type": "service_account", "client_email": "e@demo.iam.gserviceaccount.com", "private_key": "k"}'


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple[Emulator, str]]]:
    """Starts emulators on loopback sockets (rate limits not enforced unless asked; headers always sent)."""
    handles = []

    def start(**options: Any) -> tuple[Emulator, str]:
        options.setdefault("rate_limits", False)
        emulator = Emulator(EmulatorOptions(apps=[(KEY, SECRET)], clock=ManualClock(time.time()), **options))
        handle = serve_in_thread(emulator)
        handles.append(handle)
        return emulator, handle.url

    yield start
    for handle in handles:
        handle.stop()
