"""Fixtures: every API test runs against the in-process transport and against a real loopback socket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from stream_emulator import Emulator, EmulatorOptions, ManualClock, serve_in_thread

from .helpers import KEY, OTHER_KEY, OTHER_SECRET, SECRET, START_TIME, Api, RunningEmulator

ClientFactory = Callable[[Emulator], httpx.Client]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_TIME)


@pytest.fixture(params=["inprocess", pytest.param("socket", marks=pytest.mark.socket)])
def client_factory(request: pytest.FixtureRequest) -> Iterator[ClientFactory]:
    """Makes an httpx client for an emulator, in-process or over a loopback socket."""
    cleanups: list[Callable[[], None]] = []

    def make(emulator: Emulator) -> httpx.Client:
        if request.param == "inprocess":
            client = httpx.Client(transport=emulator.transport(), base_url="http://emulator.test")
        else:
            handle = serve_in_thread(emulator)
            cleanups.append(handle.stop)
            client = httpx.Client(base_url=handle.url, verify=False)  # plain http; skips building a TLS context
        cleanups.append(client.close)
        return client

    yield make
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture
def make_emulator(clock: ManualClock) -> Callable[..., Emulator]:
    def make(**options: Any) -> Emulator:
        options.setdefault("apps", [(KEY, SECRET), (OTHER_KEY, OTHER_SECRET)])
        options.setdefault("clock", clock)
        options.setdefault("rate_limits", False)
        return Emulator(EmulatorOptions(**options))

    return make


@pytest.fixture
def emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    """Rate limits are not enforced here (headers still sent); rate-limit tests build their own."""
    return make_emulator()


@pytest.fixture
def api(emulator: Emulator, client_factory: ClientFactory) -> Api:
    return Api(client_factory(emulator), KEY, SECRET)


@pytest.fixture
def strict_api(make_emulator: Callable[..., Emulator], client_factory: ClientFactory) -> Api:
    """An app of an emulator built with ``strict=True``: fields the spec does not define are refused."""
    return Api(client_factory(make_emulator(strict=True)), KEY, SECRET)


@pytest.fixture
def other_api(emulator: Emulator, client_factory: ClientFactory) -> Api:
    return Api(client_factory(emulator), OTHER_KEY, OTHER_SECRET)


@pytest.fixture
def start_cli() -> Iterator[Callable[..., RunningEmulator]]:
    """Starts ``python -m stream_emulator`` subprocesses; kills any still running at the end."""
    started: list[RunningEmulator] = []

    def start(*args: str, scheme: str = "http") -> RunningEmulator:
        running = RunningEmulator(*args, scheme=scheme)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.communicate()
