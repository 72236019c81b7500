"""The `stream-iac` command line. This is the only place that prints. Heavy modules are
imported inside the commands so `--help` and `--version` start fast."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from stream_iac import __version__
from stream_iac.cli.output import Output, Progress, ScrubbingStream, print_report, print_report_json

if TYPE_CHECKING:
    from stream_iac.cli.run import StackPlan
    from stream_iac.cli.session import Session
    from stream_iac.plan import Change

EXIT_CHANGES = 2


def _context(ctx: click.Context) -> tuple[Session, Output]:
    return ctx.obj["session"], ctx.obj["output"]


def _json_error(output: Output, message: str) -> None:
    """With --format json, stdout stays valid JSON even when the command fails."""
    import json

    output.out(json.dumps({"format_version": "1", "error": {"message": message}}, indent=2))


def _fail(output: Output, message: str) -> NoReturn:
    output.err(f"error: {message}")
    sys.exit(1)


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turns UserErrors into one message and exit code 1; never a traceback for them."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from stream_iac.errors import UserError

        ctx = click.get_current_context()
        session, output = _context(ctx)
        json_out = kwargs.get("fmt") == "json"
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            output.secrets = session.known_secrets
            if json_out:
                _json_error(output, exc.message)
            _fail(output, exc.message)
        except KeyboardInterrupt:
            output.err("interrupted")
            sys.exit(130)
        except Exception as exc:  # a bug: say so plainly, keep the traceback for -v
            output.secrets = session.known_secrets
            if session.log is not None:
                import traceback

                output.err("".join(traceback.format_exception(exc)))
            message = f"internal error ({type(exc).__name__}: {exc}); please report it, and rerun with -v for details"
            if json_out:
                _json_error(output, message)
            _fail(output, message)

    return wrapper


class _Group(click.Group):
    """Exit code 1 for every error, usage errors included: click's 2 would read as
    "changes" to a pipeline using --detailed-exitcode."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stream-iac")
@click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR set in the environment).")
@click.option("-v", "--verbose", is_flag=True, help="Log requests and decisions to stderr.")
@click.option("--api-key", envvar="STREAM_API_KEY", help="Stream API key (env STREAM_API_KEY).")
@click.option("--base-url", envvar="STREAM_BASE_URL", help="API base URL (env STREAM_BASE_URL).")
@click.option("--timeout", type=float, envvar="STREAM_TIMEOUT", help="Request timeout in seconds (default 30).")
@click.pass_context
def main(ctx: click.Context, no_color: bool, verbose: bool, api_key: str | None, base_url: str | None,
         timeout: float | None) -> None:
    """Declarative configuration for Stream Chat apps: validate, plan, apply, drift, export.

    The API secret is read from STREAM_API_SECRET only (never a flag)."""
    from stream_iac.cli.session import ConnectionFlags, Session

    obj = ctx.ensure_object(dict)
    color = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    output = Output(color)
    log = None
    if verbose:
        log = logging.getLogger("stream_iac")
        handler = logging.StreamHandler(ScrubbingStream(output))
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
    session = Session(env=dict(os.environ), flags=ConnectionFlags(api_key, base_url, timeout),
                      transport_factory=obj.get("transport_factory"), log=log)
    output.secrets = session.known_secrets
    obj["session"] = session
    obj["output"] = output


@main.command()
@click.argument("stack", type=click.Path())
@click.option("--allow-missing-env", is_flag=True, help="Check a stack without its secrets and other env vars.")
@click.pass_context
@_guarded
def validate(ctx: click.Context, stack: str, allow_missing_env: bool) -> None:
    """Check a stack offline: syntax, types, enums, limits, references."""
    session, output = _context(ctx)
    desired = session.load(stack, allow_missing_env=allow_missing_env)
    for warning in desired.warnings:
        output.err(f"warning: {warning}")
    output.out(f"{stack}: valid ({desired.count()} objects)")


def _plan_options(prune: bool, targets: tuple[str, ...], rotate: bool = False) -> Any:
    from stream_iac.plan import PlanOptions

    return PlanOptions(prune=prune, targets=targets, rotate_secrets=rotate)


@main.command()
@click.argument("stacks", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.option("--out", "out_file", type=click.Path(), help="Save the plan for `apply PLANFILE`.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@click.option("--target", "targets", multiple=True, help="Only this address (repeatable).")
@click.option("--prune", is_flag=True, help="Delete unmanaged live objects of every kind.")
@click.option("--rotate-secrets", is_flag=True, help="Plan to re-send every secret.")
@click.option("--step-summary", is_flag=True, help="Also write Markdown to $GITHUB_STEP_SUMMARY.")
@click.pass_context
@_guarded
def plan(ctx: click.Context, stacks: tuple[str, ...], fmt: str, out_file: str | None, detailed_exitcode: bool,
         targets: tuple[str, ...], prune: bool, rotate_secrets: bool, step_summary: bool) -> None:
    """Read live state and show what apply would do."""
    from stream_iac.cli.run import plan_stacks, run

    session, output = _context(ctx)
    results = run(plan_stacks(session, list(stacks), _plan_options(prune, targets, rotate_secrets)))
    _show_plans(output, results, fmt)
    if step_summary:
        _write_step_summary(results)
    if out_file:
        from stream_iac.cli.run import save_plan

        if len(results) != 1:
            raise _usage("--out saves the plan of one stack; name one stack")
        save_plan(out_file, results[0])
        output.err(f"Saved plan to {out_file}; apply it with: stream-iac apply {out_file}")
    changed = any(not r.plan.empty for r in results)
    if detailed_exitcode and changed:
        sys.exit(EXIT_CHANGES)


def _usage(message: str) -> Exception:
    from stream_iac.errors import ConfigError

    return ConfigError(message)


def _show_plans(output: Output, results: list[StackPlan], fmt: str) -> None:
    import json

    from stream_iac.render.text import render_plan

    plans = [r.plan for r in results]
    if fmt == "json":
        from stream_iac.render.json_plan import plans_json

        output.out(json.dumps(plans_json(plans), indent=2, sort_keys=False))
    elif fmt == "markdown":
        from stream_iac.render.markdown import render_markdown

        output.out(render_markdown(plans))
    else:
        for result in results:
            output.out(render_plan(result.plan, color=output.color))


def _write_step_summary(results: list[StackPlan]) -> None:
    from stream_iac.render.markdown import render_markdown

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(render_markdown([r.plan for r in results]) + "\n")


@main.command()
@click.argument("stack_or_plan", type=click.Path())
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option("--parallelism", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--max-deletes", type=click.IntRange(0), default=None, help="Refuse a plan with more deletes.")
@click.option("--target", "targets", multiple=True, help="Only this address (repeatable).")
@click.option("--prune", is_flag=True, help="Delete unmanaged live objects of every kind.")
@click.option("--rotate-secrets", is_flag=True, help="Re-send every secret in the stack.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Format of the report.")
@click.pass_context
@_guarded
def apply(ctx: click.Context, stack_or_plan: str, auto_approve: bool, parallelism: int, max_deletes: int | None,
          targets: tuple[str, ...], prune: bool, rotate_secrets: bool, fmt: str) -> None:
    """Make the changes, in dependency order (a stack, or a plan saved by `plan --out`)."""
    from stream_iac.cli.run import apply_plan, plan_stacks, run
    from stream_iac.plan import check_max_deletes
    from stream_iac.render.text import render_plan

    session, output = _context(ctx)
    if _is_plan_file(stack_or_plan):
        from stream_iac.cli.run import load_saved_plan

        result = run(load_saved_plan(session, stack_or_plan))
    else:
        [result] = run(plan_stacks(session, [stack_or_plan], _plan_options(prune, targets, rotate_secrets)))
    plan_ = result.plan
    check_max_deletes(plan_, max_deletes)
    out = output.err if fmt == "json" else output.out
    out(render_plan(plan_, color=output.color).rstrip("\n"))
    if plan_.empty:
        if fmt == "json":
            print_report_json(output, None)
        return
    _confirm(output, plan_.deletes, auto_approve)
    progress = Progress(output, len(plan_.changes), fmt)
    report = run(apply_plan(session, result.settings, plan_, parallelism=parallelism, on_progress=progress))
    if fmt == "json":
        print_report_json(output, report)
    else:
        print_report(output, report)
    if not report.ok:
        sys.exit(1)


def _is_plan_file(path: str) -> bool:
    return os.path.isfile(path) and path.endswith(".json")


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm(output: Output, deletes: list[Change], auto_approve: bool) -> None:
    if auto_approve:
        return
    if not _interactive():
        raise _usage("apply needs confirmation: run it on a terminal, or pass --auto-approve")
    if deletes:
        output.err("This plan DELETES:")
        for change in deletes:
            output.err(f"  - {change.address}")
    if not click.confirm("Apply these changes?", default=False, err=True):
        raise _usage("apply cancelled; nothing was changed")


@main.command()
@click.argument("stacks", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.pass_context
@_guarded
def drift(ctx: click.Context, stacks: tuple[str, ...], fmt: str) -> None:
    """Read-only drift report: exit 0 in sync, 2 drift, 1 error."""
    import json

    from stream_iac.cli.run import plan_stacks, run
    from stream_iac.render.drift import drift_json, drift_markdown, drift_text, drifted

    session, output = _context(ctx)
    plans = [r.plan for r in run(plan_stacks(session, list(stacks), _plan_options(False, ())))]
    if fmt == "json":
        output.out(json.dumps(drift_json(plans), indent=2))
    elif fmt == "markdown":
        output.out(drift_markdown(plans))
    else:
        output.out(drift_text(plans, output.color).rstrip("\n"))
    if any(drifted(p) for p in plans):
        sys.exit(EXIT_CHANGES)


@main.command()
@click.option("--out", "out_dir", type=click.Path(), required=True, help="Folder to write the stack into.")
@click.option("--name", "stack_name", default=None, help="stack.name of the exported stack.")
@click.pass_context
@_guarded
def export(ctx: click.Context, out_dir: str, stack_name: str | None) -> None:
    """Write a stack from the live app (to adopt an existing app)."""
    from stream_iac.cli.run import read_app, run
    from stream_iac.export import export_stack

    session, output = _context(ctx)
    result = export_stack(run(read_app(session)), out_dir, name=stack_name)
    for path in result.files:
        output.out(f"wrote {path}")
    for note in result.notes:
        output.err(f"warning: {note}")
    if result.env_vars:
        output.out("Secrets are not readable from the API; set these variables before planning the export:")
        for var, address in result.env_vars.items():
            output.out(f"  {var}  ({address})")


@main.command()
@click.option("--out", "out_dir", type=click.Path(), default="schemas", show_default=True)
@click.pass_context
@_guarded
def schema(ctx: click.Context, out_dir: str) -> None:
    """Write the JSON Schemas for stacks and plans."""
    from stream_iac.schema import write_schemas

    _, output = _context(ctx)
    for path in write_schemas(out_dir):
        output.out(f"wrote {path}")


class _LazyEmulator(click.Command):
    """`stream-iac emulator`, loaded only when run, so other commands start fast."""

    def __init__(self) -> None:
        super().__init__("emulator", help="Serve the local Stream API emulator.", add_help_option=False,
                         context_settings={"ignore_unknown_options": True, "allow_extra_args": True})

    def invoke(self, ctx: click.Context) -> Any:
        from stream_emulator.cli import emulator_command

        return emulator_command.main(args=ctx.args, prog_name="stream-iac emulator", standalone_mode=True)


main.add_command(_LazyEmulator())
