"""User mistakes outside the stack never end in "internal error": a saved plan damaged in any way
(cut short, not JSON, wrong types, missing keys, an unknown kind or action; also when it carries a
valid MAC, as a file made by another tool would), output paths that cannot be written, and Ctrl-C or
Ctrl-D at the confirmation prompt. Each gives exit 1 and one message saying what is wrong."""

from __future__ import annotations

import copy
import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stream_emulator import Emulator, EmulatorOptions
from stream_iac.plan.planfile import MAC_FIELD, signed
from tests.e2e.conftest import KEY, SECRET, Harness, Result

Doc = dict[str, Any]


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    emulator = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    return Harness(emulator, "inprocess", None, tmp_path)


def assert_clear(result: Result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    for needle in needles:
        assert needle in result.output, f"expected {needle!r} in:\n{result.output}"


def saved_plan(h: Harness) -> tuple[Path, Doc]:
    """A real saved plan: two creates (roles) and an update (the app), signed with the app's secret."""
    stack = h.stack({"app": {"webhook_url": "https://hooks.example.com/x"}, "roles": ["agent", "vip"]})
    path = h.tmp / "plan.json"
    result = h.run("plan", stack, "--out", str(path))
    assert result.exit_code == 0, result.output
    return path, json.loads(path.read_text())


def resigned(doc: Doc) -> Doc:
    """The document with a valid MAC again, as a file written by another tool that holds the secret."""
    return signed({k: v for k, v in doc.items() if k != MAC_FIELD}, SECRET)


def role_change(doc: Doc) -> int:
    return next(i for i, c in enumerate(doc["changes"]) if c["kind"] == "roles")


def apply_entry(doc: Doc, address: str) -> dict[str, Any]:
    return next(item for item in doc["apply"] if item["address"] == address)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        holder: Any = doc
        for step in path[:-1]:
            holder = holder[role_change(doc)] if step == "ROLE" else holder[step]
        holder[path[-1]] = value

    return edit


def _role_apply(key: str, value: Any) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        apply_entry(doc, doc["changes"][role_change(doc)]["address"])[key] = value

    return edit


def _duplicate_change(doc: Doc) -> None:
    doc["changes"].append(copy.deepcopy(doc["changes"][0]))


def _drop_apply_entry(doc: Doc) -> None:
    doc["apply"] = doc["apply"][1:]


def _unknown_apply_entry(doc: Doc) -> None:
    doc["apply"].append({"address": "roles.ghost", "payload": {}, "fingerprint": "absent"})


def _delete_without_live(doc: Doc) -> None:
    doc["changes"][role_change(doc)]["action"] = "delete"
    _role_apply("live", None)(doc)


def _delete_provider_without_type(doc: Doc) -> None:
    change = doc["changes"][role_change(doc)]
    change.update(kind="push_providers", name="p", address="push_providers.p", action="delete")
    entry = next(item for item in doc["apply"] if item["address"].startswith("roles."))
    entry.update(address="push_providers.p", live={"name": "p"})


# A damaged plan that still carries a valid MAC: the shape check names what is wrong.
SIGNED_DAMAGE: list[tuple[str, Callable[[Doc], None], str]] = [
    ("changes-not-a-list", _set(("changes",), {}), "'changes' is an object, expected a list"),
    ("apply-missing", lambda d: d.pop("apply"), "'apply' is missing or null, expected a list"),
    ("stack-not-text", _set(("stack",), ["prod"]), "'stack' is a list, expected text"),
    ("unknown-kind", _set(("changes", "ROLE", "kind"), "widgets"), "'widgets', which is no kind stream-iac knows"),
    ("bad-action", _set(("changes", "ROLE", "action"), "explode"), "'explode', expected create, update or delete"),
    ("action-the-kind-cannot-do", _set(("changes", "ROLE", "action"), "update"), "roles objects cannot be updated"),
    ("address-not-of-the-name", _set(("changes", "ROLE", "name"), "other"), "is not the address of roles 'other'"),
    ("name-a-number", _set(("changes", "ROLE", "name"), 7), ".name is a number, expected text"),
    ("before-a-list", _set(("changes", "ROLE", "before"), [1]), ".before is a list, expected an object or null"),
    ("paths-not-text", _set(("changes", "ROLE", "changed_paths"), [1]), ".changed_paths is a list, expected a list"),
    ("change-listed-twice", _duplicate_change, "is listed twice"),
    ("request-data-missing", _drop_apply_entry, "'apply' has no request data for"),
    ("request-data-for-no-change", _unknown_apply_entry, "is not the request data of a change"),
    ("create-without-payload", _role_apply("payload", None), "a create needs a payload object"),
    ("payload-a-list", _role_apply("payload", ["name"]), ".payload is a list, expected an object or null"),
    ("delete-without-live", _delete_without_live, "a delete needs the live object"),
    ("delete-missing-path-field", _delete_provider_without_type, ".live has no type, which the delete request needs"),
    ("fingerprint-a-number", _role_apply("fingerprint", 12), ".fingerprint is a number, expected text"),
    ("field-change-path-bool", _role_apply("field_changes", [{"path": [True], "sensitive": False}]),
     "path holds something that is not a name"),
    ("secret-reference-unknown-source", _role_apply("payload", {"k": {"$secret": "vault:x"}}),
     "holds the secret reference 'vault:x', expected env:NAME or file:PATH"),
    ("template-not-a-list", _role_apply("payload", {"k": {"$template": "x"}}), "holds a malformed template"),
    ("unmanaged-numbers", _set(("unmanaged",), [1, 2]), "'unmanaged' is a list, expected a list of text"),
    ("partial-text", _set(("partial",), "all"), "'partial' is not null"),
    ("header-api-key-number", _set(("api_key",), 12), "not a well-formed saved plan (its header"),
    ("header-credentials-half", _set(("credentials",), {"api_key_env": "K"}),
     "not a well-formed saved plan (its header"),
]


@pytest.mark.parametrize(("damage", "needle"), [(d, n) for _, d, n in SIGNED_DAMAGE],
                         ids=[i for i, _, _ in SIGNED_DAMAGE])
def test_a_damaged_plan_with_a_valid_mac_is_refused_clearly(h: Harness, damage: Callable[[Doc], None],
                                                            needle: str) -> None:
    path, doc = saved_plan(h)
    damage(doc)
    path.write_text(json.dumps(resigned(doc)))
    before = h.snapshot()
    for args in (("apply", "--auto-approve", str(path)), ("show", str(path))):
        result = h.run(*args)
        assert_clear(result, "not a well-formed saved plan", needle)
    assert h.snapshot() == before, "nothing was applied"


def _cut_short(path: Path, text: str) -> None:
    path.write_text(text[: len(text) // 2])


RAW_DAMAGE: list[tuple[str, Callable[[Path, str], object], tuple[str, ...]]] = [
    ("cut-short", _cut_short, ("not a saved plan: invalid JSON at line", "cut short")),
    ("empty", lambda p, t: p.write_text(""), ("invalid JSON",)),
    ("gzip-bytes", lambda p, t: p.write_bytes(gzip.compress(t.encode())), ("not UTF-8",)),
    ("json-array", lambda p, t: p.write_text("[]"), ("not a stream-iac saved plan",)),
    ("nested-too-deep", lambda p, t: p.write_text("[" * 100_000 + "]" * 100_000), ("nested too deeply",)),
    ("another-version", lambda p, t: p.write_text(t.replace('"planfile_version": "2"', '"planfile_version": "9"')),
     ("saved by another version of stream-iac",)),
    ("edited-by-hand", lambda p, t: p.write_text(t.replace("roles.vip", "roles.vjp")), ("its MAC does not match",)),
]


@pytest.mark.parametrize(("damage", "needles"), [(d, n) for _, d, n in RAW_DAMAGE], ids=[i for i, _, _ in RAW_DAMAGE])
def test_a_damaged_plan_file_is_refused_clearly(h: Harness, damage: Callable[[Path, str], object],
                                                needles: tuple[str, ...]) -> None:
    path, _ = saved_plan(h)
    damage(path, path.read_text())
    assert_clear(h.run("apply", "--auto-approve", str(path)), *needles)
    result = h.run("apply", "--auto-approve", "--format", "json", str(path))
    assert_clear(result)
    assert json.loads(result.stdout)["error"]["message"], "stdout stays a JSON document"
    assert_clear(h.run("show", str(path)))


# ---------------------------------------------------------------- paths that cannot be written


def test_plan_out_into_a_missing_folder_says_so_before_reading_live_state(h: Harness) -> None:
    stack = h.stack({"roles": ["vip"]})
    result = h.run("plan", stack, "--out", str(h.tmp / "missing" / "plan.json"))
    assert_clear(result, "cannot write", "the folder", "missing does not exist")
    assert "Plan:" not in result.stdout, "it failed before planning"


def test_plan_out_onto_a_folder(h: Harness) -> None:
    (h.tmp / "plans.json").mkdir()
    assert_clear(h.run("plan", h.stack({"roles": ["vip"]}), "--out", str(h.tmp / "plans.json")),
                 "it is a folder, not a file")


def test_plan_out_under_a_file(h: Harness) -> None:
    (h.tmp / "afile").write_text("x")
    assert_clear(h.run("plan", h.stack({"roles": ["vip"]}), "--out", str(h.tmp / "afile" / "plan.json")),
                 "is a file, not a folder")


def test_step_summary_into_a_missing_folder(h: Harness) -> None:
    result = h.run("plan", h.stack({"roles": ["vip"]}), "--step-summary",
                   env={"GITHUB_STEP_SUMMARY": str(h.tmp / "gone" / "summary.md")})
    assert_clear(result, "cannot write", "does not exist")


def test_schema_out_where_a_folder_cannot_be_made(h: Harness) -> None:
    (h.tmp / "afile").write_text("x")
    assert_clear(h.run("schema", "--out", str(h.tmp / "afile" / "schemas")), "cannot create the folder",
                 "a part of that path is a file")


def test_schema_out_onto_a_file(h: Harness) -> None:
    (h.tmp / "schemas").write_text("x")
    assert_clear(h.run("schema", "--out", str(h.tmp / "schemas")), "cannot create the folder")


def test_export_out_under_a_file(h: Harness) -> None:
    (h.tmp / "afile").write_text("x")
    assert_clear(h.run("export", "--out", str(h.tmp / "afile" / "adopted")), "cannot")


# ---------------------------------------------------------------- the confirmation prompt


class _Interrupting(io.BytesIO):
    """Standard input on which reading raises KeyboardInterrupt, as Ctrl-C at a prompt does."""

    def read(self, size: int | None = -1) -> bytes:
        if size == 0:  # click's probe for a binary stream
            return b""
        raise KeyboardInterrupt

    def readinto(self, buffer: Any) -> int:
        raise KeyboardInterrupt

    def readline(self, size: int | None = -1) -> bytes:
        raise KeyboardInterrupt


@pytest.mark.parametrize("key", ["ctrl-c", "ctrl-d"])
def test_ctrl_c_or_ctrl_d_at_the_prompt_cancels(h: Harness, monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    from click.testing import CliRunner

    from stream_iac.cli.commands import main

    monkeypatch.setattr("stream_iac.cli.commands._interactive", lambda: True)
    stack = h.stack({"roles": ["vip"]})
    stdin: Any = _Interrupting() if key == "ctrl-c" else ""  # "": end of input, as Ctrl-D
    result = CliRunner().invoke(main, ["apply", stack], input=stdin, obj={"transport_factory": h.transport_factory},
                                env={"STREAM_API_KEY": KEY, "STREAM_API_SECRET": SECRET, "NO_COLOR": "1",
                                     "STREAM_BASE_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 1, result.output
    assert "Apply cancelled." in result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert "vip" not in {r["name"] for r in h.snapshot()["roles"]}
