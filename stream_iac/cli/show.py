"""`stream-iac show PLANFILE`: a plan saved by `plan --out`, shown offline, exactly as `plan`
showed it when it saved the file. It needs no API key or secret, so it does not check the file's
MAC (keyed with the API secret): `apply` does, before it sends anything."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from stream_iac.cli.output import Output
    from stream_iac.plan import Plan


def show_plans(output: Output, plans: list[Plan], fmt: str) -> None:
    """Print `plans` as `plan` does, in `fmt` (text, json or markdown)."""
    if fmt == "json":
        from stream_iac.render.json_plan import plans_json

        output.out_json(plans_json(plans))  # redacted inside its strings: stays valid JSON
    elif fmt == "markdown":
        from stream_iac.render.markdown import render_markdown

        output.out(render_markdown(plans))
    else:
        from stream_iac.render.text import render_plan

        for plan in plans:
            output.out(render_plan(plan, color=output.color))


def read_saved_plan(path: str) -> tuple[Plan, str | None]:
    """The plan saved at `path`, its MAC not checked, secrets left as references (the renderers
    show them as `(sensitive)`), and the API key it is for."""
    import json
    from pathlib import Path

    from stream_iac.errors import ConfigError
    from stream_iac.plan.planfile import parse_plan_document, read_header
    from stream_iac.secrets import Secret

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: not a readable saved plan ({exc or 'nested too deeply'})") from None
    header = read_header(doc, path)
    return parse_plan_document(doc, path, lambda ref: Secret("", ref)), header.api_key


@click.command("show")
@click.argument("planfile", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              help="Output format, as for `plan`.")
@click.pass_context
def show(ctx: click.Context, planfile: str, fmt: str) -> None:
    """Show a plan saved by `plan --out`, offline (no API key or secret needed).

    Prints what `plan` printed when it saved PLANFILE, in the same format. The file's MAC,
    keyed with the API secret, is not checked here (stderr says so): `apply` checks it before
    anything is sent. Exit 0, or 1 when PLANFILE is not a saved plan.

    \b
    Examples:
      stream-iac show plan.json
      stream-iac show plan.json --format markdown >> "$GITHUB_STEP_SUMMARY"
      stream-iac show plan.json --format json | jq '.summary'
    """
    output: Output = ctx.obj["output"]
    plan, api_key = read_saved_plan(planfile)
    show_plans(output, [plan], fmt)
    app = f" for API key {api_key}" if api_key else ""
    output.err(f"note: {planfile} is the saved plan of stack \"{plan.stack}\"{app}; its MAC was not checked "
               "(that needs the API secret): apply checks it")
