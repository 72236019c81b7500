"""The in-process async transport behaves like the sync one."""

from __future__ import annotations

import asyncio

import httpx

from stream_emulator import Emulator

from .helpers import KEY, SECRET, channel_type_body, server_token


def test_async_round_trip(emulator: Emulator) -> None:
    async def run() -> tuple[int, int, list[str]]:
        headers = {"Authorization": server_token(SECRET)}
        params = {"api_key": KEY}
        async with httpx.AsyncClient(transport=emulator.async_transport(), base_url="http://emulator.test") as client:
            created = await client.post("/api/v2/chat/channeltypes", params=params, headers=headers,
                                        json=channel_type_body("support"))
            missing = await client.get("/api/v2/chat/channeltypes/ghost", params=params, headers=headers)
            listed = await client.get("/api/v2/chat/channeltypes", params=params, headers=headers)
        return created.status_code, missing.status_code, sorted(listed.json()["channel_types"])

    created, missing, names = asyncio.run(run())
    assert created == 201
    assert missing == 404
    assert "support" in names


def test_async_requests_can_run_concurrently(emulator: Emulator) -> None:
    async def run() -> list[int]:
        headers = {"Authorization": server_token(SECRET)}
        async with httpx.AsyncClient(transport=emulator.async_transport(), base_url="http://emulator.test") as client:
            requests = [
                client.post("/api/v2/chat/commands", params={"api_key": KEY}, headers=headers,
                            json={"name": f"c{index}", "description": "d"})
                for index in range(10)
            ]
            return [response.status_code for response in await asyncio.gather(*requests)]

    assert asyncio.run(run()) == [201] * 10
    assert len(emulator.snapshot(KEY)["commands"]) == 10
