"""The malformed-stack corpus: every folder under `cases/` is a stack that `validate` must
refuse with exit code 1, one `error:` message that names the file and line, and no traceback.

Each case folder holds the stack and an `expect.txt`: one substring of the expected output per
line, plus these directives (blank lines and `#` comments are ignored):

    path: SUB            validate this file or folder inside the case (default: the case folder)
    generate: NAME       write NAME (> 10 MiB) into a copy of the case at test time
    unset-env: NAME      make sure this environment variable is not set
    set-env: NAME=VALUE  set this environment variable (VALUE may be empty)
    must-not-contain: S  the output must not contain S (e.g. a literal secret)
    xfail: REASON        the product's message is known to be poor; the case is an expected failure
                         (and fails loudly once the message is fixed, so the line gets removed)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from stream_iac.cli.commands import main
from stream_iac.kinds import KINDS
from stream_iac.stack.loader import MAX_FILE_BYTES
from tests.cli_process import stream_iac_command

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())
CASE_NAME = re.compile(r"(\d{3})-([a-z0-9]+(?:-[a-z0-9]+)*)\Z")
LOCATION = re.compile(r"[\w.]:\d+:")
DIRECTIVES = ("path", "generate", "unset-env", "set-env", "must-not-contain", "xfail")

# A few cases also run as a real process, and a few through `plan`, by their name without the number.
SUBPROCESS_CASES = (
    "yaml-unclosed-bracket",
    "unknown-channel-type-field",
    "env-missing-app",
    "secret-literal-sqs-secret",
    "binary-nul-bytes",
    "include-cycle",
)
PLAN_CASES = ("unknown-channel-type-field", "limit-max-message-length", "secret-literal-apn-auth-key")
PLAN_ENV = {
    "STREAM_API_KEY": "malformed-key",
    "STREAM_API_SECRET": "malformed-secret-0123456789",
    "STREAM_BASE_URL": "http://127.0.0.1:9",
}


@dataclass(frozen=True)
class Expect:
    needles: tuple[str, ...]
    absent: tuple[str, ...] = ()
    path: str | None = None
    generate: str | None = None
    unset: tuple[str, ...] = ()
    set: tuple[tuple[str, str], ...] = ()
    xfail: str | None = None


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = field(default=None)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def short_name(case: Path) -> str:
    return case.name.split("-", 1)[1]


def read_expect(case: Path) -> Expect:
    needles: list[str] = []
    found: dict[str, list[str]] = {d: [] for d in DIRECTIVES}
    for line in (case / "expect.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        directive, sep, value = line.partition(": ")
        if sep and directive in DIRECTIVES:
            found[directive].append(value)
        else:
            needles.append(line)
    return Expect(
        needles=tuple(needles),
        absent=tuple(found["must-not-contain"]),
        path=found["path"][0] if found["path"] else None,
        generate=found["generate"][0] if found["generate"] else None,
        unset=tuple(found["unset-env"]),
        set=tuple(tuple(v.split("=", 1)) for v in found["set-env"]),  # type: ignore[misc]
        xfail=found["xfail"][0] if found["xfail"] else None,
    )


def stack_path(case: Path, expect: Expect, tmp_path: Path) -> Path:
    base = case
    if expect.generate:
        base = tmp_path / case.name
        shutil.copytree(case, base)
        write_huge(base / expect.generate)
    return base / expect.path if expect.path else base


def write_huge(target: Path) -> None:
    """A well-formed stack file just over the loader's size limit: its size is the only problem."""
    line = "  - role_" + "x" * 60 + "\n"
    count = MAX_FILE_BYTES // len(line) + 100
    with target.open("w", encoding="utf-8") as fh:
        fh.write("roles:\n")
        fh.writelines(line for _ in range(count))
    assert target.stat().st_size > MAX_FILE_BYTES


def invoke(args: list[str], expect: Expect, extra_env: dict[str, str] | None = None,
           obj: dict[str, object] | None = None) -> Outcome:
    env: dict[str, str | None] = {"NO_COLOR": "1", **(extra_env or {})}
    env.update({name: None for name in expect.unset})
    env.update(dict(expect.set))
    result = CliRunner().invoke(main, args, env=env, obj=obj)
    return Outcome(result.exit_code, result.stdout, result.stderr, result.exception)


def check(outcome: Outcome, expect: Expect) -> None:
    output = outcome.output
    assert outcome.exit_code == 1, output
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), repr(outcome.exception)
    assert outcome.stdout == "", f"an invalid stack printed results: {outcome.stdout!r}"
    assert output.count("error:") == 1, output
    assert outcome.stderr.startswith("error: "), output
    for needle in expect.needles:
        assert needle in output, f"expected {needle!r} in:\n{output}"
    for needle in expect.absent:
        assert needle not in output, f"did not expect {needle!r} in:\n{output}"


def check_or_xfail(outcome: Outcome, expect: Expect) -> None:
    if expect.xfail is None:
        check(outcome, expect)
        return
    try:
        check(outcome, expect)
    except AssertionError as exc:
        pytest.xfail(f"{expect.xfail} | {exc}")
    pytest.fail("the message is good now: remove the `xfail:` line from expect.txt")


# ---------------------------------------------------------------- the corpus itself


def test_corpus_has_at_least_60_cases() -> None:
    assert len(CASES) >= 60, len(CASES)


def test_case_folders_are_numbered_uniquely() -> None:
    numbers = []
    for case in CASES:
        match = CASE_NAME.match(case.name)
        assert match, f"{case.name}: expected NNN-short-name"
        numbers.append(match.group(1))
    assert len(numbers) == len(set(numbers)), "two cases share a number"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_expectation_names_a_place_and_a_problem(case: Path) -> None:
    expect = read_expect(case)
    assert len(expect.needles) >= 2, f"{case.name}: expect.txt needs a location and the problem"
    located = any(LOCATION.search(n) for n in expect.needles)
    assert located or any(case.name in n for n in expect.needles), (
        f"{case.name}: expect.txt must name the file and line (file.yaml:LINE:) or, for a stack with no "
        "place to point at, the stack itself"
    )
    if expect.path:
        assert (case / expect.path).exists(), expect.path
    stack_files = [p for p in case.rglob("*") if p.is_file() and p.name != "expect.txt"]
    assert stack_files, f"{case.name}: no stack files"


def test_committed_corpus_is_small() -> None:
    total = sum(p.stat().st_size for p in CASES_DIR.rglob("*") if p.is_file())
    assert total < 200 * 1024, total


def test_corpus_covers_every_category_and_kind() -> None:
    names = [short_name(c) for c in CASES]
    for prefix in ("yaml-", "type-", "unknown-", "enum-", "limit-", "dup-", "ref-", "env-", "secret-", "include-",
                   "empty-", "builtin-", "binary-", "not-utf8", "huge-", "deeply-nested"):
        assert any(n.startswith(prefix) for n in names), f"no case for {prefix!r}"
    texts = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in CASES_DIR.rglob("*.y*ml") if p.is_file()
    )
    for kind in KINDS:
        assert re.search(rf"^\s*{kind.name}:", texts, re.MULTILINE), f"no case declares {kind.name}"


# ---------------------------------------------------------------- validate, in process


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_validate_refuses_with_located_message(case: Path, tmp_path: Path) -> None:
    expect = read_expect(case)
    target = stack_path(case, expect, tmp_path)
    check_or_xfail(invoke(["validate", str(target)], expect), expect)


# ---------------------------------------------------------------- validate, as a real process




def _case(name: str) -> Path:
    matches = [c for c in CASES if short_name(c) == name]
    assert len(matches) == 1, f"no single corpus case named {name!r}"
    return matches[0]


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_validate_as_subprocess(name: str, tmp_path: Path) -> None:
    case = _case(name)
    expect = read_expect(case)
    assert expect.xfail is None, "pick a case whose message is good"
    env = {k: v for k, v in os.environ.items() if k not in expect.unset}
    env["NO_COLOR"] = "1"
    proc = subprocess.run(
        [*stream_iac_command(), "validate", str(stack_path(case, expect, tmp_path))],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    check(Outcome(proc.returncode, proc.stdout, proc.stderr), expect)


# ---------------------------------------------------------------- plan validates before any network access


class _RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(503, json={"code": -1, "message": "no network in this test"})


def _plan(stack: Path, expect: Expect) -> tuple[Outcome, list[object], _RecordingTransport]:
    transport = _RecordingTransport()
    factories: list[object] = []

    def factory(settings: object) -> httpx.AsyncBaseTransport:
        factories.append(settings)
        return transport

    outcome = invoke(["plan", str(stack)], expect, PLAN_ENV, obj={"transport_factory": factory})
    return outcome, factories, transport


@pytest.mark.parametrize("name", PLAN_CASES)
def test_plan_reports_validation_errors_before_any_network_access(name: str, tmp_path: Path) -> None:
    case = _case(name)
    expect = read_expect(case)
    outcome, factories, transport = _plan(stack_path(case, expect, tmp_path), expect)
    check(outcome, expect)
    assert factories == [], "plan built an API client for an invalid stack"
    assert transport.requests == []
    assert "127.0.0.1" not in outcome.output


def test_plan_of_a_valid_stack_does_reach_the_transport(tmp_path: Path) -> None:
    """The control for the test above: the recording transport does see a valid stack's requests."""
    stack = tmp_path / "ok"
    stack.mkdir()
    (stack / "stack.yaml").write_text("roles: [vip]\n", encoding="utf-8")
    outcome, factories, transport = _plan(stack, Expect(needles=()))
    assert outcome.exit_code == 1, outcome.output  # the transport answers 503
    assert factories and transport.requests, outcome.output
    assert "Traceback" not in outcome.output
