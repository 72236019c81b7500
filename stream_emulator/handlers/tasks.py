"""Asynchronous tasks (``GetTask``). The emulator runs a task to its end when it is created, so the
first poll already sees ``completed`` or ``failed``."""

from __future__ import annotations

from typing import Any

from ..pipeline.errors import not_found
from ..store.state import AppState
from .common import Context, Result, json_copy, ok

COMPLETED, FAILED = "completed", "failed"


def finished_task(
    state: AppState, api_key: str, now_ns: int, result: dict[str, Any] | None = None,
    error: dict[str, str] | None = None,
) -> str:
    """Record a task that has already finished (``failed`` when ``error`` is given); returns its id."""
    task_id = state.new_id(api_key, "task")
    task: dict[str, Any] = {"task_id": task_id, "status": FAILED if error else COMPLETED,
                            "created_at": now_ns, "updated_at": now_ns}
    if result is not None:
        task["result"] = result
    if error is not None:
        task["error"] = error
    state.tasks[task_id] = task
    return task_id


def get_task(ctx: Context) -> Result:
    """GetTask: GET /tasks/{id} -> 200 ``{task_id, status, created_at, updated_at, result?, error?}``;
    ``status`` is ``completed`` (with ``result``) or ``failed`` (with ``error{type, description}``).
    404/16 if there is no such task.
    """
    task = ctx.state.tasks.get(ctx.params["id"])
    if task is None:
        raise not_found(f'task "{ctx.params["id"]}" does not exist')
    return ok(json_copy(task))
