"""A stopped apply (the executor's `stop`, which SIGINT/SIGTERM call), secrets inside other fields of
a saved plan (stored as templates of references), and list calls that never stop paging."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from stream_iac.api.read import MAX_PAGES, UnexpectedResponse, read_kind
from stream_iac.executor import INTERRUPTED_IN_FLIGHT, Executor
from stream_iac.kinds import BY_NAME
from stream_iac.plan import Change, Plan
from stream_iac.plan.planfile import PlanFileError, PlanHeader, parse_plan_document, plan_document, signed
from stream_iac.secrets import Secret

HEADER = PlanHeader(stack_path="/stacks/prod", api_key="key", base_url="https://x", credentials=None)


def role(name: str, depends_on: list[str] | None = None) -> Change:
    return Change(f"roles.{name}", "roles", name, "create", None, {}, [], [], payload={},
                  depends_on=depends_on or [])


class SlowApi:
    """Each write waits for `release` (or `delay` seconds); reads answer at once."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.release = asyncio.Event()
        self.writes: list[str] = []
        self.started = asyncio.Event()

    async def call(self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None,
                   body: Any = None) -> dict[str, Any]:
        if method == "GET":
            return {"roles": [{"name": n, "custom": True} for n in self.writes]}
        self.started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        else:
            await self.release.wait()
        self.writes.append(body["name"])
        return {}


def test_a_stop_starts_no_new_write_and_lets_the_one_in_flight_finish() -> None:
    async def scenario() -> Any:
        api = SlowApi()
        executor = Executor(api, parallelism=1, verify=True)
        plan = Plan("s", [role("a"), role("b"), role("c", ["roles.a"])], [])
        applying = asyncio.create_task(executor.apply(plan))
        await api.started.wait()
        executor.stop()
        api.release.set()
        return await applying, api.writes

    report, writes = asyncio.run(scenario())
    assert writes == ["a"]
    assert [r.status for r in report.results] == ["applied", "not_attempted", "not_attempted"]
    assert report.interrupted and not report.verified


def test_a_write_still_in_flight_when_the_grace_period_ends_is_reported_as_unknown() -> None:
    async def scenario() -> Any:
        api = SlowApi()  # never released
        executor = Executor(api, parallelism=2)
        executor.stop_grace = 0.05
        applying = asyncio.create_task(executor.apply(Plan("s", [role("a"), role("b")], [])))
        await api.started.wait()
        executor.stop()
        return await applying

    report = asyncio.run(scenario())
    assert [(r.status, r.message) for r in report.results] == [("failed", INTERRUPTED_IN_FLIGHT)] * 2


def test_a_stop_during_the_read_back_drops_the_check_not_the_report() -> None:
    class NeverReads(SlowApi):
        def __init__(self) -> None:
            super().__init__(delay=0.001)
            self.reading = asyncio.Event()

        async def call(self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None,
                       body: Any = None) -> dict[str, Any]:
            if method == "GET":
                self.reading.set()
                await asyncio.Event().wait()
            return await super().call(op, method, path, params=params, body=body)

    async def scenario() -> Any:
        api = NeverReads()
        executor = Executor(api)
        applying = asyncio.create_task(executor.apply(Plan("s", [role("a")], [])))
        await api.reading.wait()
        executor.stop()
        return await applying

    report = asyncio.run(scenario())
    assert [r.status for r in report.results] == ["applied"]
    assert report.interrupted and not report.verified


# ---------------------------------------------------------------- secrets inside other fields of a saved plan

TOKEN = "tok-en/value+1234"


def app_change() -> Change:
    url = f"https://hooks.example.com/a?token={TOKEN}&x=$${{literal}}"
    return Change("app", "app", "app", "update", {"webhook_url": ""}, {"webhook_url": url}, ["webhook_url"],
                  ["sqs_secret"], payload={"webhook_url": url, "sqs_secret": Secret(TOKEN, "env:TOKEN")},
                  live={"webhook_url": f"old {TOKEN} {TOKEN}"}, fingerprint="f")


def test_a_string_holding_a_secret_is_saved_as_a_template_of_references() -> None:
    doc = signed(plan_document(Plan("s", [app_change()], []), HEADER, {TOKEN: "env:TOKEN"}), "key")
    text = json.dumps(doc)
    assert TOKEN not in text and json.dumps(TOKEN)[1:-1] not in text
    plan = parse_plan_document(doc, "plan.json", lambda ref: Secret({"env:TOKEN": TOKEN}[ref], ref))
    [change] = plan.changes
    original = app_change()
    assert change.payload is not None and original.payload is not None
    assert change.payload["webhook_url"] == original.payload["webhook_url"], "the URL is put together again"
    assert change.after == original.after and change.live == original.live


def test_shown_offline_a_template_shows_the_marker() -> None:
    doc = signed(plan_document(Plan("s", [app_change()], []), HEADER, {TOKEN: "env:TOKEN"}), "key")
    plan = parse_plan_document(doc, "plan.json", lambda ref: Secret("", ref))
    assert plan.changes[0].after == {"webhook_url": "https://hooks.example.com/a?token=(sensitive)&x=$${literal}"}


def test_a_name_holding_a_secret_is_refused() -> None:
    change = app_change()
    change.after = {f"key-{TOKEN}": 1}
    with pytest.raises(PlanFileError, match="a name in it holds a secret value"):
        plan_document(Plan("s", [change], []), HEADER, {TOKEN: "env:TOKEN"})


# ---------------------------------------------------------------- list calls that never stop paging


class Pages:
    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.calls = 0

    async def call(self, op: str, method: str, path: str, *, params: dict[str, Any] | None = None,
                   body: Any = None) -> dict[str, Any]:
        self.calls += 1
        cursor = self.cursor(self.calls) if callable(self.cursor) else self.cursor
        return {"blocklists": [{"name": f"b{self.calls}", "words": []}], "next_cursor": cursor}


@pytest.mark.parametrize(("cursor", "calls", "message"), [
    (lambda n: f"c{n}", MAX_PAGES, "still had more pages after 1000"),
    ("same", 2, "repeats a page cursor it gave before"),
    (lambda n: "a" if n % 2 else "b", 3, "repeats a page cursor"),
    ({"c": 1}, 1, "next_cursor that is an object, not text"),
])
def test_paging_that_would_never_end_stops_with_a_clear_error(cursor: Any, calls: int, message: str) -> None:
    api = Pages(cursor)
    with pytest.raises(UnexpectedResponse, match=message):
        asyncio.run(read_kind(api, BY_NAME["blocklists"]))
    assert api.calls == calls


def test_paging_ends_on_an_empty_or_missing_cursor() -> None:
    for last in ("", None):
        api = Pages(lambda n, last=last: f"c{n}" if n < 3 else last)
        assert sorted(asyncio.run(read_kind(api, BY_NAME["blocklists"]))) == ["b1", "b2", "b3"]
