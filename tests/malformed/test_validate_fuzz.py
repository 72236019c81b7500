"""Generated input for `stream-iac validate`: whatever the files hold, the command answers with
exit code 0 or 1, never a traceback or an unexpected exception, and a refusal says where."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stream_iac.cli.commands import main
from stream_iac.stack.loader import shown_path
from tests.unit.stackfiles import write

T = TypeVar("T")
SECRET = "fuzz-secret-7f3a9c41d2"  # the value of $FUZZ_SECRET: must never be printed
ENV = {"NO_COLOR": "1", "FUZZ_SECRET": SECRET, "FUZZ_UNSET": None}
LOCATED = re.compile(r":\d+:\d+: ")
COMMON = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run_validate(files: dict[str, str | bytes], allow_missing_env: bool = False) -> tuple[int, str]:
    """Write the files into a fresh folder, validate it and check the universal properties."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        stack = write(Path(tmp, "stack"), files)
        stack.mkdir(exist_ok=True)
        args = ["validate", str(stack), *(["--allow-missing-env"] if allow_missing_env else [])]
        result = CliRunner().invoke(main, args, env=ENV)
        output = result.stdout + result.stderr
        assert result.exit_code in (0, 1), (result.exit_code, output)
        assert "Traceback" not in output, output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert SECRET not in output, output
        assert "internal error" not in output, output
        if result.exit_code == 1:
            assert output.startswith("error: ") and output.count("error:") == 1, output
            names_stack = str(stack) in output or shown_path(stack) in output  # relative when under the cwd
            assert LOCATED.search(output) or names_stack, f"refusal without a location:\n{output}"
            assert result.stdout == "", output
        else:
            assert "valid (" in result.stdout, output
        return result.exit_code, output


# ---------------------------------------------------------------- (a) random text


YAMLISH = st.text(alphabet=st.sampled_from(list("abcxyz_019 :-[]{},#&*!|>'\"%@`?.$\n\t\\")), max_size=200)
KEYWORDS = st.sampled_from(["stack:", "app:", "channel_types:", "roles:", "commands:", "blocklists:", "  ", "- ",
                            "${env:FUZZ_UNSET}", "${file:x}", "${var:v}", "include: [..]", "\n", "&a ", "*a",
                            "<<: ", "!!int ", "!!binary ", "---\n", "? "])
SNIPPETS = st.lists(st.one_of(KEYWORDS, YAMLISH.map(lambda s: s[:10])), max_size=30).map("".join)


@settings(COMMON, max_examples=150)
@given(text=st.one_of(st.text(max_size=300), YAMLISH, SNIPPETS))
@example(text="roles: [vip]\nx: !!int\n")  # an empty !!int: PyYAML raises IndexError, not ValueError
def test_random_text(text: str) -> None:
    run_validate({"stack.yaml": text})


# ---------------------------------------------------------------- (c) random bytes


@settings(COMMON, max_examples=120)
@given(data=st.one_of(st.binary(max_size=300), SNIPPETS.map(lambda s: s.encode("utf-8") + b"\xff\xfe\x00")),
       name=st.sampled_from(["stack.yaml", "x.yml", "sub/deep.yaml"]))
def test_random_bytes(data: bytes, name: str) -> None:
    run_validate({name: data})


# ---------------------------------------------------------------- (b) structured stacks


def mostly(valid: st.SearchStrategy[T], invalid: st.SearchStrategy[Any], one_in: int = 30) -> st.SearchStrategy[Any]:
    """`valid`, except about once in `one_in` draws `invalid`. (The invalid branch is a middle value:
    hypothesis favours the ends of a range, and shrinks towards 0, i.e. towards valid input.)"""
    return st.integers(0, one_in - 1).flatmap(lambda n: invalid if n == one_in // 2 else valid)


def pick(valid: list[Any], invalid: list[Any], one_in: int = 30) -> st.SearchStrategy[Any]:
    """One of `valid`, except about once in `one_in` draws one of `invalid` (a bad enum value, name…)."""
    return mostly(st.sampled_from(valid), st.sampled_from(invalid), one_in)


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)
WORD = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
NAME = st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True)
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=30)
BOOL = st.booleans()
ROLE = st.sampled_from(["user", "admin", "moderator", "vip", "support_agent"])
PERMISSION = st.sampled_from(["read-channel", "create-message", "flag-user", "search-user", "custom-perm"])
GRANTS = st.dictionaries(ROLE, st.lists(PERMISSION, max_size=3, unique=True), max_size=3)
SECRET_VALUE = mostly(st.just("${env:FUZZ_SECRET}"),
                      st.sampled_from(["${env:FUZZ_UNSET}", "${file:missing.pem}", "literal-secret-value"]), 15)


def fields(required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]],
           typos: list[str]) -> st.SearchStrategy[Any]:
    """An object: its fields (each valid most of the time, else a value of any type), sometimes a
    misspelt key, sometimes a required field left out, and rarely not a mapping at all."""
    obj = st.fixed_dictionaries(
        {k: mostly(v, JUNK) for k, v in required.items()},
        optional={k: mostly(v, JUNK) for k, v in optional.items()},
    )
    typo = st.dictionaries(st.sampled_from(typos), JUNK, min_size=1, max_size=1)
    with_typo = st.tuples(obj, mostly(st.just({}), typo, 25)).map(lambda pair: {**pair[0], **pair[1]})
    if required:
        drop = st.tuples(with_typo, st.sampled_from(sorted(required)))
        with_typo = mostly(with_typo, drop.map(lambda pair: {k: v for k, v in pair[0].items() if k != pair[1]}), 25)
    return mostly(with_typo, JUNK, 60)


CHANNEL_TYPE = fields(
    {},
    {
        "automod": pick(["disabled", "simple", "AI"], ["smart", "Simple"]),
        "automod_behavior": pick(["flag", "block", "shadow_block"], ["delete"]),
        "max_message_length": mostly(st.integers(0, 20000), st.integers(20001, 10**6)),
        "commands": st.lists(pick(["giphy", "ban", "ticket", "all", "fun_set"], [""]), max_size=3),
        "blocklists": st.lists(st.fixed_dictionaries({"blocklist": NAME, "behavior": pick(["flag", "block"], ["ban"])}),
                               max_size=2),
        "grants": GRANTS,
        "typing_events": BOOL,
        "replies": BOOL,
        "message_retention": pick(["infinite", "24"], ["forever"]),
        "partition_size": mostly(st.integers(10, 100), st.integers(0, 9)),
        "push_level": pick(["all", "mentions", "none"], ["loud"]),
        "automod_thresholds": st.fixed_dictionaries(
            {}, optional={"toxic": st.fixed_dictionaries({}, optional={"flag": st.floats(0, 1)})}),
    },
    ["automod_behaviour", "max_msg_length", "command", "typing_event"],
)
COMMAND = fields(
    {"description": TEXT},
    {"args": TEXT, "set": NAME},
    ["descripton", "arg", "sets"],
)
BLOCKLIST = fields(
    {"words": st.lists(mostly(WORD, st.sampled_from(["Upper", "x" * 41, " "])), max_size=6, unique=True)},
    {"type": pick(["word", "regex", "domain"], ["words"]), "is_leet_check_enabled": BOOL, "team": NAME},
    ["word", "is_leet_check", "typ"],
)
PERMISSION_OBJ = fields(
    {"name": TEXT, "action": pick(["ReadChannel", "SendMessage"], [""]), "condition": st.just({})},
    {"owner": BOOL, "same_team": BOOL, "description": TEXT},
    ["actions", "conditions", "owners"],
)
PUSH_FIELDS = {
    "apn": {"apn_key_id": NAME, "apn_topic": NAME, "apn_auth_type": pick(["token", "certificate"], ["jwt"]),
            "apn_auth_key": SECRET_VALUE, "apn_development": BOOL},
    "firebase": {"firebase_credentials": SECRET_VALUE, "firebase_host": NAME},
    "huawei": {"huawei_app_id": NAME, "huawei_app_secret": SECRET_VALUE},
    "xiaomi": {"xiaomi_package_name": NAME, "xiaomi_app_secret": SECRET_VALUE},
}
PUSH_PROVIDER = mostly(
    st.one_of(*(fields({"type": st.just(t)}, {"description": TEXT, **f}, ["apn_keyid", "kind"])
                for t, f in PUSH_FIELDS.items())),
    # a provider of one type with another type's fields, or with an unknown type
    fields({"type": pick(["apn", "firebase"], ["apns"], 3)}, {k: v for f in PUSH_FIELDS.values() for k, v in f.items()},
           ["kind"]),
    15,
)
RETENTION = fields({"max_age_hours": mostly(st.integers(24, 43800), st.integers(-10, 10**6))}, {}, ["max_age"])
EVENT_HOOK = st.fixed_dictionaries(
    {"hook_type": pick(["webhook", "sqs", "sns"], ["kafka"])},
    optional={"enabled": BOOL, "webhook_url": TEXT, "sqs_secret": SECRET_VALUE, "sqs_key": TEXT},
)
APP = fields(
    {},
    {
        "webhook_url": TEXT,
        "webhook_events": st.lists(st.sampled_from(["message.new", "message.updated"]), max_size=2),
        "enforce_unique_usernames": pick(["app", "team"], ["everywhere", False]),
        "push_config": st.fixed_dictionaries({"version": pick(["v1", "v2", "v3"], ["v4"])},
                                             optional={"offline_only": BOOL}),
        "cdn_expiration_seconds": mostly(st.integers(14400, 1209600), st.integers(0, 2_000_000)),
        "sqs_secret": SECRET_VALUE,
        "grants": GRANTS,
        "event_hooks": st.lists(EVENT_HOOK, max_size=2),
        "datadog_info": st.fixed_dictionaries({}, optional={"api_key": SECRET_VALUE, "enabled": BOOL}),
        "user_search_disallowed_roles": st.lists(ROLE, max_size=3),
    },
    ["webhok_url", "push_configs", "sqs_secrets"],
)
KINDS = ["commands", "blocklists", "roles", "permissions", "push_providers", "retention_policies", "channel_types"]
STACK_META = fields(
    {},
    {
        "name": NAME,
        "prune": st.lists(pick(KINDS, ["channel_type", "app"]), max_size=2),
        "protect": st.lists(pick(["channel_types.support", "roles.vip"], ["roles", "nope.x"]), max_size=2),
        "vars": st.dictionaries(NAME, st.one_of(NAME, st.integers(), st.booleans()), max_size=2),
        "credentials": st.fixed_dictionaries({"api_key_env": NAME, "api_secret_env": NAME}),
    },
    ["prunes", "includes", "var"],
)


def collection(names: st.SearchStrategy[str], body: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return mostly(st.dictionaries(names, body, min_size=1, max_size=3), JUNK, 40)


SECTIONS: dict[str, st.SearchStrategy[Any]] = {
    "stack": STACK_META,
    "app": APP,
    "channel_types": collection(pick(["messaging", "support", "live"], ["bad name", "x" * 65]), CHANNEL_TYPE),
    "commands": collection(pick(["ticket", "poll"], ["giphy", "x y"]), COMMAND),
    "blocklists": collection(pick(["profanity", "spam_words"], ["profanity_en_2020_v1"]), BLOCKLIST),
    "roles": mostly(st.lists(pick(["vip", "support_agent", "bot"], ["admin", "r" * 65]), min_size=1, max_size=3),
                    JUNK, 40),
    "permissions": collection(st.sampled_from(["read-own", "custom-perm"]), PERMISSION_OBJ),
    "push_providers": collection(pick(["apn-prod", "fcm"], ["p" * 37]), PUSH_PROVIDER),
    "retention_policies": collection(pick(["old-messages", "inactive-channels"], ["old-message"]), RETENTION),
}
STACKS = st.tuples(
    st.fixed_dictionaries({}, optional=SECTIONS),
    mostly(st.just({}), st.dictionaries(st.sampled_from(["channel_type", "role", "apps"]), JUNK, max_size=1), 30),
).map(lambda pair: {**pair[0], **pair[1]})


def as_files(stack: dict[str, Any], split: list[bool]) -> dict[str, str]:
    """One or two files: each top-level key goes to a.yaml or b.yaml (so sections meet across files)."""
    files: dict[str, dict[str, Any]] = {"a.yaml": {}, "b.yaml": {}}
    for i, (key, value) in enumerate(stack.items()):
        files["b.yaml" if split and split[i % len(split)] else "a.yaml"][key] = value
    return {name: yaml.safe_dump(data, sort_keys=False, allow_unicode=True) for name, data in files.items() if data}


def _structured(record: Callable[[int], None]) -> None:
    @settings(COMMON, max_examples=250)
    @given(stack=STACKS, split=st.lists(st.booleans(), max_size=4), allow_missing_env=st.booleans())
    def check(stack: dict[str, Any], split: list[bool], allow_missing_env: bool) -> None:
        code, _ = run_validate(as_files(stack, split), allow_missing_env)
        record(code)

    check()


def test_structured_stacks() -> None:
    outcomes: Counter[int] = Counter()
    _structured(lambda code: outcomes.update([code]))
    # The strategy is only useful if it reaches both sides: stacks that pass, and stacks the models refuse.
    assert outcomes[0] >= 25, outcomes
    assert outcomes[1] >= 25, outcomes


@settings(COMMON, max_examples=100)
@given(stack=STACKS, words=st.lists(st.one_of(WORD, st.text(max_size=45)), max_size=20))
def test_structured_stacks_with_words_file_and_include(stack: dict[str, Any], words: list[str]) -> None:
    """Words files and includes: the other files a stack reads."""
    base = {"blocklists": {"from_file": {"words_file": "words.txt"}}, "roles": ["base_role"]}
    top = {k: v for k, v in stack.items() if k != "stack"}
    top["stack"] = {"include": ["base"]}
    run_validate({
        "stack.yaml": yaml.safe_dump(top, sort_keys=False, allow_unicode=True),
        "base/base.yaml": yaml.safe_dump(base),
        "base/words.txt": "\n".join(words),
    })
