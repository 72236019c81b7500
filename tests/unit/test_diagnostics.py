"""Pydantic validation errors on stack data → located, readable problems."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from stream_iac.errors import Location
from stream_iac.paths import dotted
from stream_iac.secrets import Secret
from stream_iac.stack.diagnostics import (
    did_you_mean,
    nearest_location,
    problems_from_validation_error,
)
from stream_iac.stack.loader import RawStack, load_stack


class Forbid(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BlocklistRef(Forbid):
    blocklist: str
    behavior: Literal["flag", "block"] = "flag"


class ChannelType(Forbid):
    automod: Literal["disabled", "simple", "AI"]
    automod_behavior: Literal["flag", "block"] | None = None
    max_message_length: int = Field(default=5000, ge=1, le=20000)
    commands: list[str] = Field(default_factory=list, max_length=3)
    label: str = Field(default="", max_length=5)
    mutes: bool = True
    blocklists: list[BlocklistRef] = Field(default_factory=list)
    id_or_name: int | str = 0
    webhook_secret: str | None = None
    url: str = ""

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        if value and not value.startswith("https://"):
            raise ValueError(f"must start with https:// (got {value})")
        return value


class Apn(Forbid):
    type: Literal["apn"]
    apn_key_id: str


class Firebase(Forbid):
    type: Literal["firebase"]
    firebase_credentials: str


class Providers(BaseModel):
    push_providers: dict[str, Annotated[Apn | Firebase, Field(discriminator="type")]]


Name = Annotated[str, StringConstraints(pattern=r"^[a-z_]+$")]


class Commands(Forbid):
    commands: dict[Name, dict[str, Any]]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def stack(here: Path, text: str) -> RawStack:
    (here / "s.yaml").write_text(text, encoding="utf-8")
    return load_stack(here / "s.yaml", env={"SECRET": "hunter2-value"})


def support_problems(raw: RawStack, **kwargs: Any) -> list[str]:
    path = ("channel_types", "support")
    with pytest.raises(ValidationError) as info:
        ChannelType.model_validate(raw.data["channel_types"]["support"])
    found = problems_from_validation_error(info.value, raw, path, ChannelType, **kwargs)
    return [f"{loc}: {text}" for loc, text in found]


SUPPORT = "channel_types:\n  support:\n    automod: simple\n"


def test_extra_forbidden_points_at_the_key_and_suggests_a_field(here: Path) -> None:
    raw = stack(here, SUPPORT + "    automod_behaviour: flag\n    zzz: 1\n")
    assert support_problems(raw) == [
        "s.yaml:4:5: channel_types.support: unknown field 'automod_behaviour' (did you mean 'automod_behavior'?)",
        "s.yaml:5:5: channel_types.support: unknown field 'zzz'",
    ]


def test_extra_forbidden_in_a_nested_model_suggests_its_fields(here: Path) -> None:
    raw = stack(here, SUPPORT + "    blocklists:\n      - {blocklist: b, behaviour: block}\n")
    assert support_problems(raw) == [
        "s.yaml:5:24: channel_types.support.blocklists[0]: unknown field 'behaviour' (did you mean 'behavior'?)"
    ]


def test_literal_error_lists_the_choices(here: Path) -> None:
    raw = stack(here, "channel_types:\n  support:\n    automod: smart\n")
    assert support_problems(raw) == [
        "s.yaml:3:14: channel_types.support.automod: must be one of: disabled, simple, AI (got 'smart')"
    ]


def test_missing_field_points_at_the_parent_mapping(here: Path) -> None:
    raw = stack(here, "channel_types:\n  support:\n    mutes: false\n")
    assert support_problems(raw) == ["s.yaml:2:3: channel_types.support.automod: required field missing"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("max_message_length: abc", "s.yaml:4:25: channel_types.support.max_message_length: "
                                    "must be an integer (got 'abc')"),
        ("max_message_length: 1.5", "s.yaml:4:25: channel_types.support.max_message_length: "
                                    "must be a whole number (got 1.5)"),
        ("max_message_length: 50000", "s.yaml:4:25: channel_types.support.max_message_length: "
                                      "must be ≤ 20000 (got 50000)"),
        ("max_message_length: 0", "s.yaml:4:25: channel_types.support.max_message_length: must be ≥ 1 (got 0)"),
        ("mutes: maybe", "s.yaml:4:12: channel_types.support.mutes: must be true or false (got 'maybe')"),
        ("label: [a]", "s.yaml:4:5: channel_types.support.label: must be a string (got a list)"),
        ("label: toolong", "s.yaml:4:12: channel_types.support.label: must be at most 5 characters (got 7)"),
        ("commands: [a, b, c, d]", "s.yaml:4:5: channel_types.support.commands: must have at most 3 items (got 4)"),
        ("commands: {a: 1}", "s.yaml:4:5: channel_types.support.commands: must be a list (got a mapping)"),
        ("blocklists: [x]", "s.yaml:4:18: channel_types.support.blocklists[0]: must be a mapping (got 'x')"),
        ("url: http://x", "s.yaml:4:10: channel_types.support.url: must start with https:// (got http://x)"),
        ("url: 5", "s.yaml:4:10: channel_types.support.url: must be a string (got 5)"),
        ("id_or_name: [1]", "s.yaml:4:5: channel_types.support.id_or_name: "
                            "must be an integer or a string (got a list)"),
    ],
)
def test_common_messages_are_rewritten(here: Path, line: str, expected: str) -> None:
    raw = stack(here, SUPPORT + f"    {line}\n")
    assert support_problems(raw) == [expected]


def test_secret_values_are_never_shown(here: Path) -> None:
    raw = stack(here, SUPPORT + "    webhook_secret: [hunter2-value]\n    url: ${env:SECRET}\n")
    secret_paths = {("channel_types", "support", "webhook_secret"), ("channel_types", "support", "url")}
    found = support_problems(raw, is_secret=lambda path: path in secret_paths)
    assert found == [
        "s.yaml:4:5: channel_types.support.webhook_secret: must be a string (sensitive)",
        "s.yaml:5:10: channel_types.support.url: must start with https:// (got (sensitive))",
    ]
    assert not any("hunter2" in p for p in found)


def test_secret_objects_are_never_shown_even_without_a_predicate(here: Path) -> None:
    raw = stack(here, SUPPORT)

    class Model(BaseModel):
        count: int

    with pytest.raises(ValidationError) as info:
        Model.model_validate({"count": Secret("12x", "env:X")})
    ((_, message),) = problems_from_validation_error(info.value, raw, ("app",))
    assert message == "app.count: must be an integer (sensitive)"


def test_discriminated_union_tags(here: Path) -> None:
    raw = stack(here, "push_providers:\n  a: {type: apns, apn_key_id: k}\n  b: {apn_key_id: k}\n"
                      "  c: {type: apn, apn_key_id: k, firebase_credentials: x}\n")
    with pytest.raises(ValidationError) as info:
        Providers.model_validate(raw.data)
    found = problems_from_validation_error(info.value, raw, (), Providers)
    assert found == [
        (Location("s.yaml", 2, 13), "push_providers.a.type: must be one of: apn, firebase (got 'apns')"),
        (Location("s.yaml", 3, 3), "push_providers.b.type: required field missing"),
        (Location("s.yaml", 4, 33), "push_providers.c: unknown field 'firebase_credentials'"),
    ]


def test_discriminated_union_locations_when_validating_the_kind(here: Path) -> None:
    raw = stack(here, "push_providers:\n  a: {type: apns}\n  c:\n    type: apn\n    apn_key_id: k\n    apn_kid: x\n")

    class Section(Forbid):
        a: Annotated[Apn | Firebase, Field(discriminator="type")]
        c: Annotated[Apn | Firebase, Field(discriminator="type")]

    with pytest.raises(ValidationError) as info:
        Section.model_validate(raw.data["push_providers"])
    found = problems_from_validation_error(info.value, raw, ("push_providers",), Section)
    assert found == [
        (Location("s.yaml", 2, 13), "push_providers.a.type: must be one of: apn, firebase (got 'apns')"),
        (Location("s.yaml", 6, 5), "push_providers.c: unknown field 'apn_kid' (did you mean 'apn_key_id'?)"),
    ]


def test_invalid_mapping_key_points_at_the_key(here: Path) -> None:
    raw = stack(here, "commands:\n  Bad Name: {}\n  good: {}\n")
    with pytest.raises(ValidationError) as info:
        Commands.model_validate({"commands": raw.data["commands"]})
    ((loc, message),) = problems_from_validation_error(info.value, raw, (), Commands)
    assert loc == Location("s.yaml", 2, 3)
    assert message == "commands.Bad Name: invalid name: must match the pattern ^[a-z_]+$"


def test_model_level_error_points_at_the_object(here: Path) -> None:
    raw = stack(here, SUPPORT)

    class Whole(BaseModel):
        automod: str

        @field_validator("automod")
        @classmethod
        def _never(cls, value: str) -> str:
            raise AssertionError("not today")

    with pytest.raises(ValidationError) as info:
        Whole.model_validate(raw.data["channel_types"]["support"])
    found = problems_from_validation_error(info.value, raw, ("channel_types", "support"), Whole)
    assert found == [(Location("s.yaml", 3, 14), "channel_types.support.automod: not today (got 'simple')")]


def test_nearest_location_walks_up(here: Path) -> None:
    raw = stack(here, SUPPORT)
    assert nearest_location(raw, ("channel_types", "support", "automod")) == Location("s.yaml", 3, 14)
    assert nearest_location(raw, ("channel_types", "support", "nope", 3)) == Location("s.yaml", 2, 3)
    assert nearest_location(raw, ("nothing",)) is None


def test_did_you_mean() -> None:
    assert did_you_mean("automod_behaviour", ["automod", "automod_behavior"]) == " (did you mean 'automod_behavior'?)"
    assert did_you_mean("xyz", ["automod"]) == ""
    assert did_you_mean("x", []) == ""


def test_dotted_path() -> None:
    assert dotted(("channel_types", "support", "commands", 1)) == "channel_types.support.commands[1]"
    assert dotted((0, "a")) == "[0].a"
    assert dotted(()) == ""
