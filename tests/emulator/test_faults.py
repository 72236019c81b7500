"""Fault injection: reproducible from a seed, independent of interleaving."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from stream_emulator import Emulator
from stream_emulator.pipeline.wire import HttpRequest

from .conftest import ClientFactory
from .helpers import KEY, SECRET, Api, assert_error, server_token


def outcome_sequence(emulator: Emulator, path: str, count: int) -> list[str]:
    """Drive requests through the core and record what each one would do."""
    token = server_token(SECRET)
    results = []
    for _ in range(count):
        request = HttpRequest.build("GET", f"/api/v2{path}?api_key={KEY}", {"Authorization": token})
        outcome = emulator.dispatch(request)
        results.append(f"drop-{outcome.drop}" if outcome.drop else str(outcome.response.status))  # type: ignore[union-attr]
    return results


def test_same_seed_gives_the_same_sequence(make_emulator: Callable[..., Emulator]) -> None:
    first = outcome_sequence(make_emulator(fault_rate=0.5, seed=7), "/app", 60)
    second = outcome_sequence(make_emulator(fault_rate=0.5, seed=7), "/app", 60)
    assert first == second
    assert {"200", "500", "429", "drop-before", "drop-after"} <= set(first)


def test_another_seed_gives_another_sequence(make_emulator: Callable[..., Emulator]) -> None:
    first = outcome_sequence(make_emulator(fault_rate=0.5, seed=7), "/app", 60)
    assert outcome_sequence(make_emulator(fault_rate=0.5, seed=8), "/app", 60) != first


def test_interleaving_other_paths_does_not_change_a_paths_sequence(make_emulator: Callable[..., Emulator]) -> None:
    alone = outcome_sequence(make_emulator(fault_rate=0.5, seed=3), "/app", 20)
    emulator = make_emulator(fault_rate=0.5, seed=3)
    mixed = []
    for _ in range(20):
        outcome_sequence(emulator, "/roles", 2)
        mixed.extend(outcome_sequence(emulator, "/app", 1))
    assert mixed == alone


def test_no_faults_at_rate_zero_and_all_faults_at_rate_one(make_emulator: Callable[..., Emulator]) -> None:
    assert set(outcome_sequence(make_emulator(fault_rate=0.0), "/app", 50)) == {"200"}
    assert "200" not in outcome_sequence(make_emulator(fault_rate=1.0), "/app", 50)


def test_injected_errors_have_the_standard_bodies(make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator(fault_rate=1.0, seed=1)
    client = httpx.Client(transport=emulator.transport(), base_url="http://emulator.test")
    api = Api(client, KEY, SECRET)
    seen: set[int] = set()
    for _ in range(40):
        try:
            response = api.get("/app")
        except httpx.RemoteProtocolError:
            continue
        seen.add(response.status_code)
        if response.status_code == 500:
            assert_error(response, 500, -1, "GetApp")
        else:
            assert_error(response, 429, 9, "GetApp")
            assert response.headers["Retry-After"] == "1"
    assert seen == {500, 429}
    faults = emulator.stats(KEY)["faults"]
    assert set(faults) == {"error_500", "rate_limit_429", "drop_before", "drop_after"}
    assert sum(faults.values()) == 40


def test_drop_before_does_not_write_and_drop_after_does(make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator(fault_rate=1.0, seed=11)
    token = server_token(SECRET)
    created: list[tuple[str, bool]] = []
    for index in range(30):
        request = HttpRequest.build(
            "POST", f"/api/v2/chat/commands?api_key={KEY}", {"Authorization": token},
            f'{{"name": "c{index}", "description": "d"}}'.encode(),
        )
        outcome = emulator.dispatch(request)
        if outcome.drop:
            created.append((f"c{index}", outcome.drop == "after"))
    names = {command["name"] for command in emulator.snapshot(KEY)["commands"]}
    assert any(after for _, after in created) and any(not after for _, after in created)
    for name, after in created:
        assert (name in names) == after
    assert emulator.stats(KEY)["writes"]["CreateCommand"] == sum(after for _, after in created)


def test_dropped_connections_raise_remote_protocol_error(
    make_emulator: Callable[..., Emulator], client_factory: ClientFactory
) -> None:
    emulator = make_emulator(fault_rate=1.0, seed=5)
    api = Api(client_factory(emulator), KEY, SECRET)
    errors = 0
    for _ in range(20):
        try:
            api.get("/app")
        except httpx.RemoteProtocolError:
            errors += 1
    drops = emulator.stats(KEY)["faults"]
    assert errors == drops.get("drop_before", 0) + drops.get("drop_after", 0) > 0


def test_async_transport_drops_too(make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator(fault_rate=1.0, seed=5)

    async def run() -> int:
        errors = 0
        async with httpx.AsyncClient(transport=emulator.async_transport(), base_url="http://emulator.test") as client:
            for _ in range(20):
                try:
                    await client.get("/api/v2/app", params={"api_key": KEY},
                                     headers={"Authorization": server_token(SECRET)})
                except httpx.RemoteProtocolError:
                    errors += 1
        return errors

    errors = asyncio.run(run())
    drops = emulator.stats(KEY)["faults"]
    assert errors == drops.get("drop_before", 0) + drops.get("drop_after", 0) > 0


@pytest.mark.parametrize("latency_ms", [0, 250])
def test_latency_is_attached_to_every_outcome(make_emulator: Callable[..., Emulator], latency_ms: int) -> None:
    emulator = make_emulator(latency_ms=latency_ms)
    ok = emulator.dispatch(HttpRequest.build("GET", f"/api/v2/app?api_key={KEY}", {}))
    missing = emulator.dispatch(HttpRequest.build("GET", "/api/v2/app?api_key=nope", {}))
    assert ok.delay_seconds == missing.delay_seconds == latency_ms / 1000


def test_invalid_options_are_refused(make_emulator: Callable[..., Emulator]) -> None:
    with pytest.raises(ValueError):
        make_emulator(fault_rate=1.5)
    with pytest.raises(ValueError):
        make_emulator(apps=[("k", "s"), ("k", "t")])
