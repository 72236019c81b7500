"""ImportBlockList and GetTask: the import is a task that has already ended when the call returns."""

from __future__ import annotations

from typing import Any

from stream_emulator import Emulator

from .helpers import KEY, SECRET, START_TIME, Api, assert_error, assert_ok


def create(api: Api, name: str, words: list[str], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = assert_ok(api.post("/blocklists", {"name": name, "words": words, **fields}), 201)
    return body["blocklist"]


def task(api: Api, task_id: str) -> dict[str, Any]:
    body: dict[str, Any] = assert_ok(api.get(f"/tasks/{task_id}"))
    return body


def test_import_adds_the_missing_items_and_completes(api: Api) -> None:
    blocklist = create(api, "banned", ["spam"])
    started = assert_ok(api.post(f"/blocklists/{blocklist['id']}/import", {"items": ["spam", "scam", "scam"]}), 201)
    assert set(started) == {"task_id", "duration"}
    done = task(api, started["task_id"])
    assert done == {"task_id": started["task_id"], "status": "completed", "created_at": int(START_TIME * 1e9),
                    "updated_at": int(START_TIME * 1e9), "result": {"added": 1, "skipped": 2, "total": 2},
                    "duration": done["duration"]}
    assert assert_ok(api.get("/blocklists/banned"))["blocklist"]["words"] == ["spam", "scam"]


def test_import_is_idempotent_and_accepts_the_name_too(api: Api) -> None:
    create(api, "banned", ["spam"])
    for _ in range(2):
        started = assert_ok(api.post("/blocklists/banned/import", {"items": ["scam"], "chunk_size": 1}), 201)
    assert task(api, started["task_id"])["result"] == {"added": 0, "skipped": 1, "total": 2}


def test_an_import_past_the_word_limit_fails_as_a_task(api: Api, emulator: Emulator) -> None:
    create(api, "banned", [f"w{index}" for index in range(9_999)])
    started = assert_ok(api.post("/blocklists/banned/import", {"items": ["a", "b"]}), 201)
    failed = task(api, started["task_id"])
    assert failed["status"] == "failed" and "result" not in failed
    assert failed["error"]["type"] == "limit_exceeded" and "10000" in failed["error"]["description"]
    assert len(emulator.snapshot(KEY)["blocklists"][1]["words"]) == 9_999


def test_import_errors(api: Api) -> None:
    create(api, "banned", ["spam"])
    assert_error(api.post("/blocklists/banned/import", {"items": []}), 400, 4, "ImportBlockList", "at least 1")
    assert_error(api.post("/blocklists/banned/import", {}), 400, 4, "ImportBlockList", "items is a required field")
    assert_error(api.post("/blocklists/banned/import", {"items": ["LOUD"]}), 400, 4, "ImportBlockList", "lowercase")
    assert_error(api.post("/blocklists/banned/import", {"items": ["x"], "chunk_size": 0}), 400, 4, "ImportBlockList")
    assert_error(api.post("/blocklists/ghost/import", {"items": ["x"]}), 404, 16, "ImportBlockList")
    assert_error(api.post("/blocklists/profanity_en_2020_v1/import", {"items": ["x"]}), 400, 4, "ImportBlockList",
                 "builtin")


def test_unknown_task_is_404(api: Api) -> None:
    assert_error(api.get("/tasks/no-such-task"), 404, 16, "GetTask", "does not exist")


def test_tasks_survive_a_restart(make_emulator: Any, tmp_path: Any, client_factory: Any) -> None:
    state_file = tmp_path / "state.json"
    first = Api(client_factory(make_emulator(state_file=state_file)), KEY, SECRET)
    create(first, "banned", ["spam"])
    started = assert_ok(first.post("/blocklists/banned/import", {"items": ["scam"]}), 201)
    second = Api(client_factory(make_emulator(state_file=state_file)), KEY, SECRET)
    assert task(second, started["task_id"])["status"] == "completed"
