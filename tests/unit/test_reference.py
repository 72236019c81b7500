"""Field descriptions flow from the models into the stack JSON Schema, the field reference
(docs/reference/) and `stream-iac explain`, and the checked-in reference is current."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stream_iac.errors import UserError
from stream_iac.kinds import KINDS
from stream_iac.reference import (
    SECRET_NOTE,
    SET_NOTE,
    WRITE_ONLY_NOTE,
    FieldDoc,
    KindDoc,
    all_paths,
    lookup,
    reference_pages,
    sections,
)
from stream_iac.schema import stack_schema
from tests.unit.test_cli_habits import invoke

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"


def properties(schema: Any, at: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of every object in `schema`, with where it is."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from properties(item, f"{at}[{index}]")
    elif isinstance(schema, dict):
        for name, prop in (schema.get("properties") or {}).items():
            yield f"{at}.{name}", prop
        for key, value in schema.items():
            yield from properties(value, f"{at}/{key}")


def test_every_property_of_the_stack_schema_has_a_description() -> None:
    missing = [where for where, prop in properties(stack_schema()) if not str(prop.get("description", "")).strip()]
    assert missing == [], f"{len(missing)} properties without a description (a docstring under the field): {missing}"


def test_the_stack_schema_offers_no_null_defaults_and_no_generated_titles() -> None:
    found = list(properties(stack_schema()))
    assert len(found) > 100
    assert [w for w, prop in found if "default" in prop and prop["default"] is None] == []
    assert [w for w, prop in found if "title" in prop] == []


def test_schema_descriptions_carry_the_notes_range_and_default() -> None:
    defs = stack_schema()["$defs"]
    length = defs["ChannelType"]["properties"]["max_message_length"]
    assert "Range: 0 to 20000." in length["description"] and length["default"] == 5000
    words = defs["Blocklist"]["properties"]["words"]["description"]
    assert SET_NOTE in words and "words_file" in words
    assert SECRET_NOTE in defs["App"]["properties"]["sqs_secret"]["description"]


def test_every_section_and_kind_is_described() -> None:
    names = [section.name for section in sections()]
    assert names == ["stack", *(kind.name for kind in KINDS)]
    assert all(section.description for section in sections()), [s.name for s in sections() if not s.description]


def test_notes_come_from_the_kinds_declarations() -> None:
    """Every secret and write-only pattern a kind declares is named by a note on its field."""
    for kind in KINDS:
        for pattern, note in [*((p, SECRET_NOTE) for p in kind.fields.secrets),
                              *((p, WRITE_ONLY_NOTE) for p in kind.fields.write_only)]:
            entry = lookup(f"{kind.name}.{pattern}")
            assert isinstance(entry, FieldDoc) and note in entry.notes, (kind.name, pattern)


def test_fields_where_built_in_objects_start_elsewhere_say_so() -> None:
    """A new object's default is not a built-in one's: every field where a built-in object's own
    defaults (`Kind.export.defaults`) differ from a new object's names them, with their values,
    and no other field does."""
    for kind in KINDS:
        if not kind.export.builtins:
            continue
        new = kind.export.defaults("\x00new", {})
        for key in kind.shape.model.model_fields:
            if key in kind.fields.merge_maps or isinstance(new.get(key), dict):
                continue
            differing = sorted(name for name in kind.builtins.names
                               if key in kind.export.defaults(name, {})
                               and (key not in new or kind.export.defaults(name, {})[key] != new[key]))
            entry = lookup(f"{kind.name}.{key}")
            assert isinstance(entry, FieldDoc)
            notes = [note for note in entry.notes if note.startswith(f"A built-in {kind.shape.noun} ")]
            assert bool(notes) == bool(differing), (kind.name, key, differing, notes)
            for name in differing:
                assert name in notes[0], (kind.name, key, name)
    result = invoke("explain", "channel_types.typing_events")
    assert "A built-in channel type starts with its own value: livestream: false." in " ".join(result.stdout.split())


# ---------------------------------------------------------------- docs/reference


def test_checked_in_field_reference_is_current() -> None:
    pages = reference_pages()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in REFERENCE.glob("*.md")}
    assert sorted(on_disk) == sorted(pages), "docs/reference/ is stale: run `make schema`"
    for name, text in pages.items():
        assert on_disk[name] == text, f"docs/reference/{name} is stale: run `make schema`"


def test_one_page_per_kind_with_every_field() -> None:
    pages = reference_pages()
    assert {f"{kind.name}.md" for kind in KINDS} <= set(pages)
    page = pages["channel_types.md"]
    assert "## `channel_types.max_message_length`" in page
    assert "- **Range:** 0 to 20000" in page and "- **Default:** `5000`" in page
    assert "UpdateChannelTypeRequest.max_message_length" in page, "the limit's source"
    assert "## `app.event_hooks[].timeout_ms`" in pages["app.md"]


# ---------------------------------------------------------------- explain


def test_explain_a_field_prints_meaning_type_range_and_default() -> None:
    result = invoke("explain", "channel_types.max_message_length")
    assert result.exit_code == 0, result.output
    entry = lookup("channel_types.max_message_length")
    assert isinstance(entry, FieldDoc) and entry.description
    text = " ".join(result.stdout.split())
    assert " ".join(entry.description.split()) in text
    assert "TYPE: integer" in text and "RANGE: 0 to 20000" in text and "DEFAULT: 5000" in text


def test_explain_a_kind_lists_its_description_and_fields() -> None:
    result = invoke("explain", "channel_types")
    assert result.exit_code == 0, result.output
    assert "SECTION:  channel_types" in result.stdout and "FIELDS:" in result.stdout
    for name in ("max_message_length", "grants", "commands"):
        assert f"    {name}  <" in result.stdout


@pytest.mark.parametrize(("address", "path"), [
    ("app.file_upload_config.size_limit", "app.file_upload_config.size_limit"),
    ("app.event_hooks[].timeout_ms", "app.event_hooks[].timeout_ms"),
    ("app.event_hooks[0].timeout_ms", "app.event_hooks[].timeout_ms"),
    ("app.event_hooks[id=h1].timeout_ms", "app.event_hooks[].timeout_ms"),
    ("channel_types.support.max_message_length", "channel_types.max_message_length"),
    ("channel_types.support.grants.user", "channel_types.grants"),
    ("channel_types.blocklists[].behavior", "channel_types.blocklists[].behavior"),
    ("stack.credentials.api_key_env", "stack.credentials.api_key_env"),
    ("blocklists.profanity_custom", "blocklists"),
    ("blocklists.names.may.hold.dots.words", "blocklists.words"),
    ("blocklists.names.may.hold.dots", "blocklists"),
    ("roles", "roles"),
])
def test_explain_takes_paths_and_addresses(address: str, path: str) -> None:
    assert lookup(address).path == path


def test_every_known_path_can_be_explained() -> None:
    paths = all_paths()
    assert len(paths) == len(set(paths)) > 100
    for path in paths:
        assert lookup(path).path == path


@pytest.mark.parametrize(("address", "hint"), [
    ("chanel_types", "did you mean 'channel_types'?"),
    ("channel_types.support.max_mesage_length", "did you mean 'max_message_length'?"),
    ("app.file_upload_config.size_limt", "did you mean 'size_limit'?"),
    ("app.nothing_like_it_at_all", "app has no field"),
    ("blocklists.a.dotted.name.wrods", "did you mean 'words'?"),
])
def test_an_unknown_path_is_a_user_error_with_a_suggestion(address: str, hint: str) -> None:
    with pytest.raises(UserError, match=hint.replace("?", r"\?").replace("(", r"\(")):
        lookup(address)
    result = invoke("explain", address)
    assert result.exit_code == 1
    assert hint in result.stderr and "Traceback" not in result.output and result.stdout == ""


def test_explain_json_and_no_credentials_needed() -> None:
    result = invoke("explain", "blocklists.words", "--format", "json",
                    env={"STREAM_API_KEY": None, "STREAM_API_SECRET": None})
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["path"] == "blocklists.words" and doc["type"] == "list of strings" and doc["required"] is True
    assert SET_NOTE in doc["notes"] and doc["range"] == "at most 10000 items" and "block_lists" in doc["limit_source"]
    section = json.loads(invoke("explain", "retention_policies", "--format", "json").stdout)
    assert [f["path"] for f in section["fields"]] == ["retention_policies.max_age_hours"]


def test_sections_are_kind_docs_and_fields_field_docs() -> None:
    assert isinstance(lookup("app"), KindDoc)
    assert isinstance(lookup("app.grants"), FieldDoc)


def test_shell_completion_offers_paths() -> None:
    from stream_iac.cli.explain import _complete_path

    assert _complete_path(None, None, "channel_types.max_m") == ["channel_types.max_message_length"]  # type: ignore[arg-type]
    assert "app" in _complete_path(None, None, "")  # type: ignore[arg-type]


def test_the_defaults_offered_are_valid_values() -> None:
    """An editor completes a key with its default: every default must satisfy the schema."""
    import jsonschema

    defs = stack_schema()["$defs"]
    for kind in KINDS:
        if kind.shape.layout == "names":
            continue  # a list of names: no fields
        section = lookup(kind.name)
        body = {doc.name: doc.default for doc in section.fields if doc.has_default}
        validator = jsonschema.Draft202012Validator({"$ref": f"#/$defs/{kind.shape.model.__name__}", "$defs": defs})
        errors = [e.message for e in validator.iter_errors(body) if e.path]  # not the required fields left out
        assert errors == [], (kind.name, body)


def test_explain_json_reports_an_unknown_path_as_an_error_document() -> None:
    result = invoke("explain", "channel_types.max_mesage_length", "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["format_version"] == "2" and "did you mean 'max_message_length'?" in doc["error"]["message"]
