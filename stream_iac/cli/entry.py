"""The `stream-iac` console entry point. `--version` and `--help` are answered without
importing click or the models, so they start fast; everything else goes to the click CLI.
The help text is generated from the CLI itself (`make help-text`), and a test keeps it equal."""

from __future__ import annotations

import contextlib
import os
import sys


def run() -> None:
    """The console script: `main`, then the process ends at once with its exit status, its
    output flushed, without tearing the interpreter down. Freeing every module, model and
    object one by one took ~20 ms of each command (a tenth of `validate`), and nothing of ours
    waits for it: files are closed when written, and no atexit handler, thread or temporary
    file outlives `main` (the emulator command saves its state before `main` returns)."""
    try:
        main()
        status = 0
    except SystemExit as exc:
        status = _exit_status(exc.code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`): it took what it wanted
            stream.flush()
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    os._exit(status)


def _exit_status(code: object) -> int:
    """The status a SystemExit with `code` ends Python with (a message is printed, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")
    return 1


def main() -> None:
    """Run the command `sys.argv` names (returns, or raises SystemExit with its status)."""
    args = sys.argv[1:]
    if args == ["--version"]:
        from stream_iac import __version__

        sys.stdout.write(f"stream-iac, version {__version__}\n")
        return
    if args in (["--help"], ["-h"]):
        from stream_iac.cli._help import HELP

        sys.stdout.write(HELP)
        return
    _disable_pydantic_plugins()
    command = _lean_command(args)
    if command is not None:
        from stream_iac import startup

        startup.FIELD_DOCS = False
        _start_up(PRELOAD[command])
    from stream_iac.cli.commands import main as cli_main

    cli_main()


def _start_up(modules: tuple[str, ...]) -> None:
    """Import `modules` (what the command imports anyway: the kinds' models, the HTTP stack) with
    the cyclic garbage collector off, then freeze what they made and turn it back on. Building
    the models allocates so much that the collector ran again and again over a growing heap, and
    every later collection walked those objects again (they live as long as the process):
    ~30 ms of `validate`, ~60 ms of `plan` of the demo stack, and CPU through a fleet's plan."""
    import gc
    import importlib

    gc.disable()
    try:
        for module in modules:
            if module.endswith("?"):  # another package's module it loads at its first use, if it still has it
                with contextlib.suppress(ImportError):
                    importlib.import_module(module[:-1])
            else:
                importlib.import_module(module)
    finally:
        gc.freeze()
        # A plan allocates many short-lived objects (parsed YAML, JSON answers, change paths) and
        # few cycles (~120 unreachable objects per app): at Python's default of 700 allocations
        # the youngest generation was collected thousands of times per fleet plan, and at 50,000
        # each collection still walked every object of the stacks in flight (~9 ms, 0.6 ms per
        # app). Objects freed by their reference count never add up to the threshold, so this
        # only bounds how much cyclic garbage waits: memory stays bounded (targets 6 and 12).
        gc.set_threshold(COLLECT_AFTER_ALLOCATIONS, 20, 20)
        gc.enable()


COLLECT_AFTER_ALLOCATIONS = 500_000


def _disable_pydantic_plugins() -> None:
    """No pydantic plugin observes this process (PYDANTIC_DISABLE_PLUGINS, pydantic's documented
    switch): a plugin installed in the same environment for another program (an observability
    SDK, say) would be handed every value our models validate, secrets of a stack included, and
    looking plugins up scans every installed package's metadata at the first model (~4 ms).
    The command's own process only: the library, imported by someone else's program, leaves
    their plugins alone."""
    import os

    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"


_MODELS = ("stream_iac.cli.commands", "stream_iac.cli.session")
_HTTP = (*_MODELS, "stream_iac.cli.run", "stream_iac.api.client", "anyio._backends._asyncio?")
# httpcore's locks and events run on anyio, which imports its asyncio backend (~15 ms) at the
# first request.
PRELOAD = {"validate": _MODELS, "plan": _HTTP, "apply": _HTTP, "drift": _HTTP}
"""What each lean command imports in any case, imported at start-up (`_start_up`)."""

LEAN_COMMANDS = frozenset(PRELOAD)
"""Commands that never show a field's description: their models are built without reading the
docstrings under the fields (`stream_iac.startup.FIELD_DOCS`)."""


def _lean(args: list[str]) -> bool:
    """Whether this run is one of LEAN_COMMANDS. Erring towards no: any other command name among
    the arguments (a stack folder named `schema`, a flag value) keeps the descriptions."""
    return _lean_command(args) is not None


def _lean_command(args: list[str]) -> str | None:
    """The one of LEAN_COMMANDS this run is (`_lean`), or None."""
    from stream_iac.cli._help import HELP

    listed = HELP[HELP.index("Commands:"):].splitlines()[1:]
    commands = {line.split()[0] for line in listed if line.startswith("  ") and line.strip()}
    named = set(args) & commands
    if not named or not named <= LEAN_COMMANDS:
        return None
    # Two lean names (a stack folder called `validate` planned): the models are all `validate` needs.
    return named.pop() if len(named) == 1 else "validate"


def render_help() -> str:
    """The help text as click renders it (used to generate and check `_help.py`)."""
    from click.testing import CliRunner

    from stream_iac.cli.commands import main as cli_main

    return CliRunner().invoke(cli_main, ["--help"], prog_name="stream-iac", terminal_width=100).stdout


def write_help_module(path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('"""Generated by `make help-text` from the CLI; tests/unit/test_entry.py keeps it current."""\n\n')
        fh.write("# ruff: noqa: E501\n")
        fh.write(f"HELP = {render_help()!r}\n")


if __name__ == "__main__":
    run()
