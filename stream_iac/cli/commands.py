"""The `stream-iac` command line. This is the only place that prints. Heavy modules are
imported inside the commands so `--help` and `--version` start fast."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from stream_iac import FORMAT_VERSION, __version__
from stream_iac.cli.output import LogStream, Output, Progress, print_report, print_report_json

if TYPE_CHECKING:
    from stream_iac.cli.run import StackPlan
    from stream_iac.cli.session import Session
    from stream_iac.plan import Change

EXIT_CHANGES = 2


def _context(ctx: click.Context) -> tuple[Session, Output]:
    return ctx.obj["session"], ctx.obj["output"]


def _json_error(output: Output, message: str, fmt: str = "json") -> None:
    """With --format json, stdout stays valid JSON even when the command fails; with --format
    markdown it holds a Markdown error document (for the pull-request comment made from it)."""

    if fmt == "markdown":
        from stream_iac.cli.error_docs import markdown_error

        output.out(markdown_error(click.get_current_context().info_name or "stream-iac", message))
        return
    output.out_json({"format_version": FORMAT_VERSION, "error": {"message": message}})


def _fail(output: Output, message: str) -> NoReturn:
    output.err(f"error: {message}")
    sys.exit(1)


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turns UserErrors into one message and exit code 1; never a traceback for them."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from stream_iac.cli.interrupts import Terminated
        from stream_iac.errors import UserError

        ctx = click.get_current_context()
        session, output = _context(ctx)
        fmt = str(kwargs.get("fmt"))
        json_out = fmt in ("json", "markdown")  # stdout holds an error document
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            output.secrets = session.known_secrets
            if json_out:
                _json_error(output, exc.message, fmt)
            _fail(output, exc.message)
        except KeyboardInterrupt:
            output.err("")
            output.err("interrupted (SIGINT)")
            sys.exit(130)
        except Terminated:
            output.err("")
            output.err("terminated (SIGTERM)")
            sys.exit(143)
        except Exception as exc:  # a bug: say so plainly, keep the traceback for -v
            output.secrets = session.known_secrets
            if session.log is not None:
                import traceback

                output.err("".join(traceback.format_exception(exc)))
            message = f"internal error ({type(exc).__name__}: {exc}); please report it, and rerun with -v for details"
            if json_out:
                _json_error(output, message, fmt)
            _fail(output, message)

    return wrapper


class _Group(click.Group):
    """Exit code 1 for every error, usage errors included: click's 2 would read as
    "changes" to a pipeline using --detailed-exitcode."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """One `Redactor` per run (every secret read from now on is registered with it, and every
        output goes through it); SIGTERM ends the run with a message, as Ctrl-C does."""
        import io

        from stream_iac.cli.interrupts import Terminated, terminate_on_sigterm
        from stream_iac.secrets import Redactor, activate, deactivate

        kwargs["standalone_mode"] = False
        token = activate(Redactor())
        try:
            with terminate_on_sigterm():
                return super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            shown = io.StringIO()
            exc.show(file=shown)
            Output(False).err(shown.getvalue(), nl=False)
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except KeyboardInterrupt:  # before or after a command's own handling
            Output(False).err("\ninterrupted (SIGINT)")
            sys.exit(130)
        except Terminated:
            Output(False).err("\nterminated (SIGTERM)")
            sys.exit(143)
        except Exception as exc:  # a bug outside any command: through the Output, so redacted too
            Output(False).err(f"error: internal error ({type(exc).__name__}: {exc}); please report it")
            sys.exit(1)
        finally:
            deactivate(token)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Global options are accepted after the subcommand too (`plan -v STACK`)."""
        from stream_iac.cli.hoist import hoist_global_options

        return super().parse_args(ctx, hoist_global_options(self, ctx, args))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stream-iac")
@click.option("--color", "color_mode", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour output: auto (on a terminal, unless NO_COLOR is set to a non-empty "
              "value or TERM=dumb; a non-empty FORCE_COLOR forces it), always or never.")
@click.option("--no-color", is_flag=True, help="No colours: the same as --color=never.")
@click.option("-v", "--verbose", is_flag=True, help="Log requests and decisions to stderr.")
@click.option("--api-key", envvar="STREAM_API_KEY", help="Stream API key (env STREAM_API_KEY).")
@click.option("--base-url", envvar="STREAM_BASE_URL", help="API base URL (env STREAM_BASE_URL).")
@click.option("--timeout", type=float, envvar="STREAM_TIMEOUT", help="Request timeout in seconds (default 30).")
@click.pass_context
def main(ctx: click.Context, color_mode: str, no_color: bool, verbose: bool, api_key: str | None, base_url: str | None,
         timeout: float | None) -> None:
    """Declarative configuration for Stream Chat apps: validate, plan, apply, drift, export.

    The API secret is read from STREAM_API_SECRET only (never a flag). The options below
    may also be given after the command (`stream-iac plan -v STACK`).

    \b
    Examples:
      stream-iac validate stacks/production
      stream-iac plan stacks/production --out plan.json
      stream-iac show plan.json
      stream-iac apply plan.json
      stream-iac drift stacks/production --format markdown
      stream-iac COMMAND --help
    """
    from stream_iac.cli.session import ConnectionFlags, Session

    obj = ctx.ensure_object(dict)
    from stream_iac.terminal import color_enabled

    mode = "never" if no_color else color_mode
    output = Output(color_enabled(mode, os.environ, sys.stdout.isatty()),
                    stderr_ansi=color_enabled(mode, os.environ, sys.stderr.isatty()))
    log = None
    if verbose:
        import logging  # only for -v: validate never needs it

        log = logging.getLogger("stream_iac")
        for old in [h for h in log.handlers if isinstance(getattr(h, "stream", None), LogStream)]:
            log.removeHandler(old)  # an earlier run in this process (tests): its Output knows other secrets
        handler = logging.StreamHandler(output.log_stream())
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
    session = Session(env=dict(os.environ), flags=ConnectionFlags(api_key, base_url, timeout),
                      transport_factory=obj.get("transport_factory"), log=log, redactor=output.redactor)
    obj["session"] = session
    obj["output"] = output


@main.command()
@click.argument("stacks", nargs=-1, type=click.Path())
@click.option("--allow-missing-env", is_flag=True, help="Check a stack without its secrets and other env vars.")
@click.pass_context
@_guarded
def validate(ctx: click.Context, stacks: tuple[str, ...], allow_missing_env: bool) -> None:
    """Check stacks offline: syntax, types, enums, limits, references.

    Checks each STACK (a folder or one YAML file; default: the current folder) and reports
    every one; exit 0 when all are valid, 1 otherwise.

    \b
    Examples:
      stream-iac validate                     # the stack in the current folder
      stream-iac validate stacks/staging stacks/production
      stream-iac validate --allow-missing-env stacks/production   # without its secrets
    """
    from stream_iac.errors import UserError

    session, output = _context(ctx)
    invalid = 0
    for stack in stacks or (".",):
        try:
            desired = session.load(stack, allow_missing_env=allow_missing_env)
        except UserError as exc:
            invalid += 1
            output.err(f"error: {exc.message}")
            continue
        for warning in desired.warnings:
            output.err(f"warning: {warning}")
        output.out(f"{stack}: valid ({desired.count()} objects)")
    if invalid:
        sys.exit(1)


def _shard_option(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    from stream_iac.shard import ShardError, parse_shard

    if value is None:
        return None
    try:
        return parse_shard(value)
    except ShardError as exc:
        raise click.BadParameter(str(exc)) from None


def _sharded(output: Any, stacks: tuple[str, ...], shard: tuple[int, int] | None) -> tuple[str, ...]:
    """The stacks of `shard` (all without one); a shard with none says so on stderr."""
    from stream_iac.shard import select_shard

    chosen = tuple(select_shard(stacks, shard))
    if shard is not None and not chosen:
        click.echo(f"No stack of the {len(stacks)} given is in shard {shard[0]}/{shard[1]}.", err=True)
    return chosen


def _plan_options(prune: bool, targets: tuple[str, ...], resend: bool = False) -> Any:
    from stream_iac.plan import PlanOptions

    return PlanOptions(prune=prune, targets=targets, resend_write_only=resend)


@main.command()
@click.argument("stacks", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.option("--out", "out_file", type=click.Path(), help="Save the plan for `apply PLANFILE`.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@click.option("--target", "targets", multiple=True,
              help="Only this object (KIND.NAME) or kind, and the changes it depends on (repeatable).")
@click.option("--prune", is_flag=True, help="Delete unmanaged live objects of every kind.")
@click.option("--resend-write-only", "resend", is_flag=True,
              help="Plan to re-send every declared field the API never returns (write-only fields and secrets).")
@click.option("--rotate-secrets", "rotate", is_flag=True, hidden=True)  # the old name of --resend-write-only
@click.option("--step-summary", is_flag=True, help="Also write Markdown to $GITHUB_STEP_SUMMARY.")
@click.option("--max-deletes", type=click.IntRange(0), default=None,
              help="Fail when a stack's plan has more deletes (as apply does), showing no plan.")
@click.option("--shard", "shard", default=None, metavar="K/N", callback=_shard_option,
              help="Only the stacks of shard K of N (stable, by a hash of each stack's path): N CI jobs share a fleet.")
@click.option("--rehearse", is_flag=True,
              help="Apply the plan to an in-process emulator loaded with live state first, plan again there, and "
                   "report every change it refused or that did not converge (exit 1). Nothing is written to the "
                   "app; only as faithful as the emulator.")
@click.pass_context
@_guarded
def plan(ctx: click.Context, stacks: tuple[str, ...], fmt: str, out_file: str | None, detailed_exitcode: bool,
         targets: tuple[str, ...], prune: bool, resend: bool, rotate: bool, step_summary: bool,
         max_deletes: int | None, shard: tuple[int, int] | None = None, rehearse: bool = False) -> None:
    """Read live state and show what apply would do.

    \b
    Examples:
      stream-iac plan stacks/production
      stream-iac plan stacks/eu stacks/us --format markdown > plan.md
      stream-iac plan stacks/production --out plan.json --max-deletes 5
      stream-iac plan stacks/production --target channel_types.support
      stream-iac plan stacks/production --detailed-exitcode   # exit 2: changes
      stream-iac plan stacks/production --rehearse   # try it on an emulated copy first
    """
    from stream_iac.cli.output import check_writable
    from stream_iac.cli.run import plan_stacks, run
    from stream_iac.plan import check_max_deletes

    session, output = _context(ctx)
    stacks = _sharded(output, stacks, shard)
    if not stacks:
        return
    if out_file:
        check_writable(out_file)  # before reading live state: a typo in the folder is found at once
    fleet = len(stacks) > 1 and not rehearse  # each stack reported as it is planned, then let go
    streamed = fleet and fmt == "text"
    results = run(plan_stacks(session, list(stacks), _plan_options(prune, targets, resend or rotate), light=fleet,
                              report=_reporter(output, max_deletes) if streamed else None))
    for result in results:
        check_max_deletes(result.plan, max_deletes)
    if rehearse:  # shown with the plan; a failed rehearsal exits 1 before anything is saved
        from stream_iac.cli import rehearse as rehearsal

        rehearsals = run(rehearsal.rehearse_results(session, results, _plan_options(prune, targets)))
        rehearsal.show_rehearsed(output, results, rehearsals, fmt)
        if step_summary:
            _write_step_summary(output, results, rehearsal.rehearsal_markdown(rehearsals))
        rehearsal.exit_if_failed(output, rehearsals)
    else:
        if streamed:
            from stream_iac.render.text import fleet_summary_line

            output.out(fleet_summary_line([r.plan for r in results]))
        else:
            _show_plans(output, results, fmt)
        if step_summary:
            _write_step_summary(output, results)
    if out_file:
        from stream_iac.cli.run import save_plan

        if len(results) != 1:
            raise _usage("--out saves the plan of one stack; name one stack")
        save_plan(out_file, results[0], output)
        output.err(f"Saved plan to {out_file}; apply it with: stream-iac apply {out_file}")
    changed = any(not r.plan.empty for r in results)
    if detailed_exitcode and changed:
        sys.exit(EXIT_CHANGES)


def _reporter(output: Output, max_deletes: int | None) -> Callable[[StackPlan], None]:
    """Prints each stack's plan as text as soon as it is ready (a fleet's output streams)."""
    from stream_iac.plan import check_max_deletes
    from stream_iac.render.text import render_plan

    def report(result: StackPlan) -> None:
        check_max_deletes(result.plan, max_deletes)
        output.out(render_plan(result.plan, color=output.color))

    return report


def _usage(message: str) -> Exception:
    from stream_iac.errors import ConfigError

    return ConfigError(message)


def _show_plans(output: Output, results: list[StackPlan], fmt: str) -> None:
    """As `show PLANFILE` shows a saved plan (one function, so the two cannot differ)."""
    from stream_iac.cli.show import show_plans

    show_plans(output, [r.plan for r in results], fmt)


def _write_step_summary(output: Output, results: list[StackPlan], sections: Sequence[str] = ()) -> None:
    from stream_iac.render.markdown import render_markdown

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        output.write_text(target, render_markdown([r.plan for r in results], sections=sections) + "\n", append=True)


@main.command()
@click.argument("stack_or_plan", type=click.Path())
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option("--parallelism", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--max-deletes", type=click.IntRange(0), default=None, help="Refuse a plan with more deletes.")
@click.option("--target", "targets", multiple=True,
              help="Only this object (KIND.NAME) or kind, and the changes it depends on (repeatable; "
                   "not with a PLANFILE).")
@click.option("--prune", is_flag=True, help="Delete unmanaged live objects of every kind (not with a PLANFILE).")
@click.option("--resend-write-only", "resend", is_flag=True,
              help="Re-send every declared field the API never returns (write-only fields and secrets; "
                   "not with a PLANFILE).")
@click.option("--rotate-secrets", "rotate", is_flag=True, hidden=True)  # the old name of --resend-write-only
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              help="Format of the report (json and markdown: the plan goes to stderr).")
@click.option("--no-verify", is_flag=True, help="Do not read live state back after the writes to check it.")
@click.option("--step-summary", is_flag=True, help="Also write the report as Markdown to $GITHUB_STEP_SUMMARY.")
@click.pass_context
@_guarded
def apply(ctx: click.Context, stack_or_plan: str, auto_approve: bool, parallelism: int, max_deletes: int | None,
          targets: tuple[str, ...], prune: bool, resend: bool, rotate: bool, fmt: str, no_verify: bool,
          step_summary: bool = False) -> None:
    """Make the changes, in dependency order (a stack, or a plan saved by `plan --out`).

    \b
    Examples:
      stream-iac apply stacks/production          # plans, shows the plan, asks
      stream-iac apply --auto-approve plan.json   # exactly the saved plan (CI)
      stream-iac apply --auto-approve --max-deletes 0 stacks/staging
      stream-iac apply --auto-approve plan.json --format markdown --step-summary
    """
    from stream_iac.cli.run import apply_plan, plan_stacks, run
    from stream_iac.plan import check_max_deletes
    from stream_iac.render.text import render_plan

    session, output = _context(ctx)
    if _is_plan_file(stack_or_plan):
        from stream_iac.cli.run import load_saved_plan

        changing = [flag for flag, given in (("--target", targets), ("--prune", prune),
                                             ("--resend-write-only", resend), ("--rotate-secrets", rotate))
                    if given]
        if changing:
            raise _usage(f"{' and '.join(changing)} would change what the saved plan {stack_or_plan} does; a saved "
                         "plan is applied exactly as saved. Give them to `plan --out` instead; nothing was applied")
        result = run(load_saved_plan(session, stack_or_plan))
    else:
        [result] = run(plan_stacks(session, [stack_or_plan], _plan_options(prune, targets, resend or rotate)))
    plan_ = result.plan
    check_max_deletes(plan_, max_deletes)
    out = output.out if fmt == "text" else output.err
    out(render_plan(plan_, color=output.color).rstrip("\n"))
    if plan_.empty:
        _show_report(output, fmt, None, plan_.stack, verify=not no_verify, step_summary=step_summary)
        return
    from stream_iac.cli.interrupts import Interrupts
    from stream_iac.executor import STOP_GRACE_SECONDS

    _confirm(output, plan_.deletes, auto_approve)
    progress = Progress(output, len(plan_.changes), fmt)
    interrupts = Interrupts(output, STOP_GRACE_SECONDS)
    report = run(apply_plan(session, result.settings, plan_, parallelism=parallelism, on_progress=progress,
                            verify=not no_verify, interrupts=interrupts, on_wait=progress.waiting))
    _show_report(output, fmt, report, plan_.stack, verify=not no_verify, interrupted=interrupts.name,
                 step_summary=step_summary)
    if interrupts.exit_code is not None:
        sys.exit(interrupts.exit_code)
    if not report.ok:
        sys.exit(1)


def _show_report(output: Output, fmt: str, report: Any, stack: str, *, verify: bool, interrupted: str | None = None,
                 step_summary: bool = False) -> None:
    """Apply's report (None: nothing to apply) in `fmt`; as Markdown into the step summary too."""
    from stream_iac.render.apply_report import apply_markdown

    if fmt == "json":
        print_report_json(output, report, verify=verify, interrupted=interrupted)
    elif fmt == "markdown":
        output.out(apply_markdown(report, stack, interrupted=interrupted))
    elif report is not None:
        print_report(output, report, interrupted=interrupted)
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary and target:
        output.write_text(target, apply_markdown(report, stack, interrupted=interrupted) + "\n", append=True)


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
    try:
        approved = click.confirm("Apply these changes?", default=False, err=True)
    except click.Abort:  # Ctrl-C or Ctrl-D at the prompt
        output.err("")
        output.err("Apply cancelled. Nothing was changed.")
        sys.exit(1)
    if not approved:
        raise _usage("apply cancelled; nothing was changed")


@main.command()
@click.argument("stacks", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.option("--shard", "shard", default=None, metavar="K/N", callback=_shard_option,
              help="Only the stacks of shard K of N (stable, by a hash of each stack's path): N CI jobs share a fleet.")
@click.pass_context
@_guarded
def drift(ctx: click.Context, stacks: tuple[str, ...], fmt: str, shard: tuple[int, int] | None = None) -> None:
    """Read-only drift report: exit 0 in sync, 2 drift, 1 error.

    \b
    Examples:
      stream-iac drift stacks/production
      stream-iac drift stacks/eu stacks/us --format markdown >> "$GITHUB_STEP_SUMMARY"
      stream-iac drift stacks/production --format json | jq '.in_sync'
    """

    from stream_iac.cli.run import plan_stacks, run
    from stream_iac.render.drift import drift_json, drift_markdown, drift_text, drifted

    session, output = _context(ctx)
    stacks = _sharded(output, stacks, shard)
    if not stacks:
        return
    plans = [r.plan for r in run(plan_stacks(session, list(stacks), _plan_options(False, ()), light=True))]
    output.document(fmt, json_doc=lambda: drift_json(plans), markdown=lambda: drift_markdown(plans),
                    text=lambda: drift_text(plans, output.color))
    if any(drifted(p) for p in plans):
        sys.exit(EXIT_CHANGES)


@main.command()
@click.option("--out", "out_dir", type=click.Path(), required=True, help="Folder to write the stack into.")
@click.option("--name", "stack_name", default=None, help="stack.name of the exported stack.")
@click.pass_context
@_guarded
def export(ctx: click.Context, out_dir: str, stack_name: str | None) -> None:
    """Write a stack from the live app (to adopt an existing app).

    \b
    Examples:
      stream-iac export --out stacks/production --name production
      stream-iac --api-key KEY export --out adopted   # the secret: STREAM_API_SECRET
    """
    from stream_iac.cli.run import read_app, run
    from stream_iac.export import export_stack

    session, output = _context(ctx)
    result = export_stack(run(read_app(session)), out_dir, name=stack_name, write=output.write_data,
                          make_folder=output.make_folder)
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
    """Write the JSON Schemas for stacks, plans and drift reports.

    \b
    Examples:
      stream-iac schema                 # into ./schemas
      stream-iac schema --out .schemas
    """
    from stream_iac.schema import write_schemas

    _, output = _context(ctx)
    for path in write_schemas(out_dir, write=output.write_data, make_folder=output.make_folder):
        output.out(f"wrote {path}")


class _LazyEmulator(click.Command):
    """`stream-iac emulator`, loaded only when run, so other commands start fast."""

    def __init__(self) -> None:
        super().__init__("emulator", help="Serve the local Stream API emulator.", add_help_option=False,
                         context_settings={"ignore_unknown_options": True, "allow_extra_args": True})

    def invoke(self, ctx: click.Context) -> Any:
        from stream_emulator.cli import emulator_command

        if emulator_command.epilog is None and "Examples:" not in (emulator_command.help or ""):
            emulator_command.epilog = _EMULATOR_EXAMPLES
        return emulator_command.main(args=ctx.args, prog_name="stream-iac emulator", standalone_mode=True)


_EMULATOR_EXAMPLES = """\b
Examples:
  stream-iac emulator --port 8888 --app demo-key:demo-secret
  stream-iac emulator --app eu:eu-secret --app us:us-secret --state state.json
  stream-iac emulator --latency-ms 50 --fault-rate 0.2 --seed 7 --stale-read-ms 300"""

main.add_command(_LazyEmulator())


def _add_guarded(command: click.Command) -> None:
    """A command defined in its own module, with this module's error handling."""
    if command.callback is not None:
        command.callback = _guarded(command.callback)
    main.add_command(command)


def _add_habits() -> None:
    """show, fmt, explain, completion, version: the commands a Terraform or kubectl user reaches for."""
    from stream_iac.cli.completion import completion
    from stream_iac.cli.explain import explain
    from stream_iac.cli.fmt import fmt
    from stream_iac.cli.show import show
    from stream_iac.cli.version import version

    for command in (show, fmt, explain, completion, version):
        _add_guarded(command)


_add_habits()


def _add_check() -> None:
    """check: Stream verifies the credentials the stacks configure (cli/check.py)."""
    from stream_iac.cli.check import check

    _add_guarded(check)


_add_check()
