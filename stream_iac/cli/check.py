"""`stream-iac check STACK…`: after an apply, or on a schedule, ask Stream to verify the
credentials each stack configures (push providers, SQS and SNS, external storage) and report
each as ok or failing, with Stream's message."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from stream_iac.check import StackChecks
    from stream_iac.cli.output import Output
    from stream_iac.cli.session import Session

EXIT_FAILING = 2


async def check_stacks(session: Session, paths: list[str]) -> list[StackChecks]:
    """Load each stack and run its checks against its own app (the stacks concurrently); the
    results in the order given. Loading every stack first means a broken one stops the command
    before any request is sent."""
    import asyncio

    from stream_iac.check import run_checks

    desired = [session.load(path) for path in paths]

    async def one(stack: object) -> StackChecks:
        from stream_iac.state import DesiredState

        assert isinstance(stack, DesiredState)
        client = session.client(session.settings_for(stack))
        try:
            return await run_checks(client, stack)
        finally:
            await client.aclose()

    return list(await asyncio.gather(*(one(d) for d in desired)))


def show_checks(output: Output, stacks: list[StackChecks], fmt: str) -> None:
    """Print the results in `fmt` (text, json or markdown)."""
    from stream_iac.render.checks import checks_json, checks_markdown, checks_text

    output.document(fmt, json_doc=lambda: checks_json(stacks), markdown=lambda: checks_markdown(stacks),
                    text=lambda: checks_text(stacks, output.color))


@click.command("check")
@click.argument("stacks", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              help="Output format.")
@click.pass_context
def check(ctx: click.Context, stacks: tuple[str, ...], fmt: str) -> None:
    """Ask Stream to verify the credentials the stacks configure.

    For each STACK, Stream's check endpoints verify every push provider it declares (CheckPush,
    without needing a device), its SQS and SNS settings and key-based SQS/SNS event hooks
    (CheckSQS, CheckSNS, with the declared queue, topic, key and secret) and each external
    storage (CheckExternalStorage). Push providers and external storage are checked as Stream
    holds them: run it after an apply, or on a schedule. Each is reported ok or failing, with
    Stream's message; secrets are never shown. Exit 0 all ok, 2 some failing, 1 error (a stack
    that does not load, the API key or secret refused, the API unreachable). A push provider the
    stack disables (disabled_at) and an event hook that authenticates with an IAM role are not
    checked.

    \b
    Examples:
      stream-iac check stacks/production
      stream-iac check stacks/eu stacks/us --format markdown >> "$GITHUB_STEP_SUMMARY"
      stream-iac check stacks/production --format json | jq '.stacks[].checks[] | select(.status == "failing")'
    """
    from stream_iac.cli.run import run

    session: Session = ctx.obj["session"]
    output: Output = ctx.obj["output"]
    results = run(check_stacks(session, list(stacks)))
    show_checks(output, results, fmt)
    if any(result.failing for result in results):
        sys.exit(EXIT_FAILING)
