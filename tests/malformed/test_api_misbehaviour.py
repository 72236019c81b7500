"""A misbehaving API never ends in "internal error", a traceback or a hang: garbage, JSON of the
wrong types in each list call, pages that never end, a server that never answers or answers a byte
at a time, HTML where JSON belongs. Each case runs the real CLI over HTTP against a fake server on
loopback (tests/malformed/fake_api.py) and expects exit 1 and one message saying what is wrong.
Names and API text never reach the terminal with their control characters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from stream_iac.cli.commands import main
from tests.malformed.fake_api import KEY, SECRET, FakeApi, Reply, Script

HTML = {"Content-Type": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    reply: Reply
    needles: tuple[str, ...]
    args: tuple[str, ...] = ("plan",)
    timeout: str | None = None
    stack: dict[str, object] = field(default_factory=lambda: {"roles": ["vip"]})


def once(method: str, path: str, reply: Reply) -> Script:
    def script(m: str, p: str, query: dict[str, str]) -> Reply | None:
        return reply if (m, p) == (method, path) else None

    return script


CASES = [
    # -- not JSON at all
    Case("app-html-200", "GET", "/app", Reply("<html><body>Bad gateway</body></html>", headers=HTML),
         ("GetApp: the API answered HTTP 200 with a body that is not JSON", "text/html", "STREAM_BASE_URL")),
    Case("app-truncated-json", "GET", "/app", Reply(b'{"app": {"name": "x"'), ("GetApp", "is not JSON")),
    Case("app-not-utf8", "GET", "/app", Reply(b"\xff\xfe\x00{}"), ("GetApp", "is not JSON")),
    Case("app-nested-too-deep", "GET", "/app", Reply("[" * 100_000 + "]" * 100_000), ("GetApp", "is not JSON")),
    Case("app-json-list", "GET", "/app", Reply([1, 2]), ("GetApp", "is not a JSON object")),
    # -- JSON of the wrong types, per list call
    Case("app-object-is-a-list", "GET", "/app", Reply({"app": []}), ("GetApp", "holds 'app' as a list, not an object")),
    Case("app-field-wrong-type", "GET", "/app", Reply({"app": {"webhook_url": 5}}),
         ("GetApp", "app.webhook_url as a number, where stream-iac expects text")),
    Case("app-nested-field-wrong-type", "GET", "/app", Reply({"app": {"grants": {"admin": "flag-user"}}}),
         ("GetApp", "app.grants.admin as text, where stream-iac expects a list")),
    Case("app-push-notifications-list", "GET", "/app", Reply({"app": {"push_notifications": ["v3"]}}),
         ("GetApp", "holds app in a shape stream-iac cannot read")),
    Case("roles-text", "GET", "/roles", Reply({"roles": "vip"}), ("ListRoles", "holds 'roles' as text, not a list")),
    Case("roles-item-number", "GET", "/roles", Reply({"roles": [1]}),
         ("ListRoles", "holds roles[0] as a number, not an object")),
    Case("roles-item-without-name", "GET", "/roles", Reply({"roles": [{"custom": True}]}),
         ("ListRoles", "holds roles[0] without a 'name'")),
    Case("roles-name-number", "GET", "/roles", Reply({"roles": [{"name": 7, "custom": True}]}),
         ("ListRoles", "roles[0] whose 'name' is a number, not a name")),
    Case("roles-name-empty", "GET", "/roles", Reply({"roles": [{"name": "", "custom": True}]}),
         ("ListRoles", "roles[0] whose 'name' is empty")),
    Case("roles-map-of-text", "GET", "/roles", Reply({"roles": {"vip": "custom"}}),
         ("ListRoles", "holds roles['vip'] as text, not an object")),
    Case("commands-description-list", "GET", "/chat/commands",
         Reply({"commands": [{"name": "c", "description": ["a"]}]}),
         ("ListCommands", "commands.c.description as a list, where stream-iac expects text")),
    Case("channel-types-commands-text", "GET", "/chat/channeltypes",
         Reply({"channel_types": {"support": {"name": "support", "commands": "giphy"}}}),
         ("ListChannelTypes", "channel_types.support.commands as text, where stream-iac expects a list")),
    Case("channel-types-command-without-name", "GET", "/chat/channeltypes",
         Reply({"channel_types": {"support": {"name": "support", "commands": [{"args": "x"}]}}}),
         ("ListChannelTypes", "holds channel_types.support in a shape stream-iac cannot read")),
    Case("channel-types-number-as-text", "GET", "/chat/channeltypes",
         Reply({"channel_types": {"support": {"name": "support", "max_message_length": "long"}}}),
         ("ListChannelTypes", "channel_types.support.max_message_length as text, where stream-iac expects a whole "
                              "number")),
    Case("permissions-action-number", "GET", "/permissions",
         Reply({"permissions": [{"id": "p1", "name": "P", "action": 5, "condition": {}, "custom": True}]}),
         ("ListPermissions", "permissions.p1.action as a number, where stream-iac expects text")),
    Case("push-providers-type-list", "GET", "/push_providers",
         Reply({"push_providers": [{"name": "p", "type": ["apn"]}]}),
         ("ListPushProviders", "push_providers.p.type as a list")),
    Case("retention-config-list", "GET", "/chat/retention_policy",
         Reply({"policies": [{"policy": "old-messages", "config": [24]}]}),
         ("GetRetentionPolicy", "in a shape stream-iac cannot read")),
    Case("blocklist-words-text", "GET", "/blocklists", Reply({"blocklists": [{"name": "b", "words": "bad"}]}),
         ("ListBlockLists", "blocklists.b.words as text, where stream-iac expects a list")),
    # -- pages that never end
    Case("blocklists-repeating-cursor", "GET", "/blocklists", Reply({"blocklists": [], "next_cursor": "again"}),
         ("ListBlockLists", "repeats a page cursor it gave before")),
    Case("blocklists-cursor-number", "GET", "/blocklists", Reply({"blocklists": [], "next_cursor": 5}),
         ("ListBlockLists", "next_cursor that is a number, not text")),
    # -- errors that are not Stream's
    Case("roles-502-html", "GET", "/roles", Reply("<html>502 Bad Gateway</html>", status=502, headers=HTML),
         ("ListRoles failed (HTTP 502", "unparseable error response")),
    Case("app-401-empty", "GET", "/app", Reply(b"", status=401), ("GetApp failed (HTTP 401", "empty error response")),
    # -- a write answered with HTML: the change fails, apply reports it
    Case("create-role-html-200", "POST", "/roles", Reply("<html>hello</html>", headers=HTML),
         ("failed: create roles.vip", "CreateRole: the API answered HTTP 200 with a body that is not JSON"),
         args=("apply", "--auto-approve")),
    # -- no answer at all, or one byte at a time
    Case("app-hangs", "GET", "/app", Reply(hang=True), ("GetApp: no response within 0.3 s", "gave up after"),
         timeout="0.3"),
    Case("app-trickles", "GET", "/app", Reply({"app": {"webhook_url": "x" * 400}}, trickle=0.05),
         ("GetApp: the response did not complete within 0.6 s", "gave up after"), timeout="0.3"),
]


def run_cli(url: str, args: list[str], *, env: dict[str, str] | None = None, input: str | None = None) -> tuple[
        int, str, str, BaseException | None]:
    full = {"STREAM_API_KEY": KEY, "STREAM_API_SECRET": SECRET, "STREAM_BASE_URL": url, "NO_COLOR": "1",
            "STREAM_TIMEOUT": None, **(env or {})}
    result = CliRunner().invoke(main, args, env=full, input=input)
    return result.exit_code, result.stdout, result.stderr, result.exception


def assert_clear_failure(code: int, out: str, err: str, exc: BaseException | None, needles: tuple[str, ...]) -> None:
    text = out + err
    assert code == 1, text
    assert exc is None or isinstance(exc, SystemExit), repr(exc)
    assert "internal error" not in text and "Traceback" not in text, text
    assert "\x1b" not in text and "\r" not in text, "control characters reached the terminal"
    for needle in needles:
        assert needle in text, f"expected {needle!r} in:\n{text}"


def write_stack(tmp_path: Path, data: dict[str, object]) -> str:
    folder = tmp_path / "stack"
    folder.mkdir(exist_ok=True)
    (folder / "stack.yaml").write_text(yaml.safe_dump(data))
    return str(folder)


@pytest.fixture
def fake() -> Iterator[list[FakeApi]]:
    started: list[FakeApi] = []
    yield started
    for api in started:
        api.close()


def serve(started: list[FakeApi], script: Script) -> FakeApi:
    api = FakeApi(script)
    started.append(api)
    return api


def test_at_least_thirty_cases() -> None:
    assert len(CASES) + 6 >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_misbehaving_api_gives_one_clear_message(case: Case, tmp_path: Path, fake: list[FakeApi]) -> None:
    api = serve(fake, once(case.method, case.path, case.reply))
    args = [*case.args, write_stack(tmp_path, case.stack)]
    if case.timeout:
        args = ["--timeout", case.timeout, *args]
    code, out, err, exc = run_cli(api.url, args)
    assert_clear_failure(code, out, err, exc, case.needles)
    assert err.count("error:") == 1 or case.args[0] == "apply", err


def test_endless_pages_stop_at_a_thousand(tmp_path: Path, fake: list[FakeApi]) -> None:
    pages: list[str] = []

    def script(method: str, path: str, query: dict[str, str]) -> Reply | None:
        if path != "/blocklists":
            return None
        pages.append(query.get("cursor", ""))
        return Reply({"blocklists": [], "next_cursor": f"page-{len(pages)}"})

    api = serve(fake, script)
    code, out, err, exc = run_cli(api.url, ["plan", write_stack(tmp_path, {"roles": ["vip"]})])
    assert_clear_failure(code, out, err, exc, ("ListBlockLists", "still had more pages after 1000"))
    assert len(pages) == 1000


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_a_malformed_response_with_a_document_format_still_gives_a_document(
        fmt: str, tmp_path: Path, fake: list[FakeApi]) -> None:
    api = serve(fake, once("GET", "/roles", Reply({"roles": [{"name": 3}]})))
    code, out, err, exc = run_cli(api.url, ["plan", "--format", fmt, write_stack(tmp_path, {"roles": ["vip"]})])
    assert_clear_failure(code, out, err, exc, ("whose 'name' is a number",))
    if fmt == "json":
        assert "is a number" in json.loads(out)["error"]["message"]
    else:
        assert out.startswith("## stream-iac plan")


def test_export_of_a_malformed_app_fails_clearly_and_writes_nothing(tmp_path: Path, fake: list[FakeApi]) -> None:
    api = serve(fake, once("GET", "/chat/commands", Reply({"commands": [{"name": "c", "description": 1}]})))
    code, out, err, exc = run_cli(api.url, ["export", "--out", str(tmp_path / "adopted")])
    assert_clear_failure(code, out, err, exc, ("ListCommands", "commands.c.description as a number"))
    assert not (tmp_path / "adopted").exists()


# ---------------------------------------------------------------- names with control characters

EVIL = "evil\x1b[2J\x1b]0;owned\x07\rok\u202e"
SHOWN = "evil\\x1b[2J\\x1b]0;owned\\x07\\x0dok\\u202e"


def with_evil_role(method: str, path: str, query: dict[str, str]) -> Reply | None:
    if (method, path) != ("GET", "/roles"):
        return None
    return Reply({"roles": [{"name": EVIL, "custom": True}, {"name": "vip", "custom": True}]})


def test_control_characters_in_a_live_name_at_the_delete_prompt_are_shown_escaped(
        tmp_path: Path, fake: list[FakeApi], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("stream_iac.cli.commands._interactive", lambda: True)
    api = serve(fake, with_evil_role)
    stack = write_stack(tmp_path, {"stack": {"prune": ["roles"]}, "roles": ["vip"]})
    code, out, err, exc = run_cli(api.url, ["apply", stack], input="n\n")
    assert_clear_failure(code, out, err, exc, ("This plan DELETES:", f"  - roles.{SHOWN}", "apply cancelled"))
    assert ("DELETE", f"/roles/{EVIL}") not in api.requests


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_control_characters_in_live_names_never_reach_the_terminal(
        fmt: str, tmp_path: Path, fake: list[FakeApi]) -> None:
    api = serve(fake, with_evil_role)
    code, out, err, exc = run_cli(api.url, ["drift", "--format", fmt, write_stack(tmp_path, {"roles": ["vip"]})])
    assert code == 2, out + err
    assert "\x1b" not in out + err and "\r" not in out + err and "\u202e" not in out + err
    if fmt == "json":
        assert json.loads(out)["stacks"][0]["unmanaged"] == [f"roles.{EVIL}"], "JSON escapes them itself"
    else:
        assert SHOWN in out
