"""Stale reads: a GET may see the state as it was up to N ms ago."""

from __future__ import annotations

from collections.abc import Callable

from stream_emulator import Emulator, ManualClock

from .conftest import ClientFactory
from .helpers import KEY, SECRET, Api, assert_ok


def read_webhook_urls(api: Api, count: int) -> list[str]:
    return [assert_ok(api.get("/app"))["app"]["webhook_url"] for _ in range(count)]


def test_recent_writes_may_be_invisible_to_gets(
    make_emulator: Callable[..., Emulator], client_factory: ClientFactory, clock: ManualClock
) -> None:
    api = Api(client_factory(make_emulator(stale_read_ms=1000, seed=2)), KEY, SECRET)
    assert_ok(api.patch("/app", {"webhook_url": "https://new"}))
    clock.advance(0.5)
    urls = read_webhook_urls(api, 30)
    assert "" in urls and "https://new" in urls
    clock.advance(0.501)
    assert set(read_webhook_urls(api, 30)) == {"https://new"}


def test_stale_choices_are_reproducible(
    make_emulator: Callable[..., Emulator], client_factory: ClientFactory, clock: ManualClock
) -> None:
    sequences = []
    for _ in range(2):
        api = Api(client_factory(make_emulator(stale_read_ms=1000, seed=9)), KEY, SECRET)
        assert_ok(api.patch("/app", {"webhook_url": "https://new"}))
        sequences.append(read_webhook_urls(api, 20))
    assert sequences[0] == sequences[1]


def test_writes_always_see_the_latest_state(
    make_emulator: Callable[..., Emulator], client_factory: ClientFactory
) -> None:
    api = Api(client_factory(make_emulator(stale_read_ms=10_000, seed=4)), KEY, SECRET)
    assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "d"}), 201)
    assert_ok(api.put("/chat/commands/ticket", {"description": "e"}), 201)
    assert api.post("/chat/commands", {"name": "ticket", "description": "d"}).status_code == 400


def test_no_staleness_by_default(api: Api) -> None:
    assert_ok(api.patch("/app", {"webhook_url": "https://new"}))
    assert set(read_webhook_urls(api, 20)) == {"https://new"}
