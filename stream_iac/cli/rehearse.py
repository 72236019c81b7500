"""`plan --rehearse`: each stack's plan rehearsed on an emulated copy of its app
(`stream_iac.rehearse`), shown after the plan in every format, and a failed rehearsal is an error
(exit 1, before any plan is saved)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stream_iac.cli.output import Output
    from stream_iac.cli.run import StackPlan
    from stream_iac.cli.session import Session
    from stream_iac.plan import PlanOptions
    from stream_iac.rehearse import Rehearsal


async def rehearse_results(session: Session, results: list[StackPlan], options: PlanOptions) -> list[Rehearsal]:
    """Each stack's plan rehearsed (all at once), in the order of `results`; each app only read."""
    import asyncio

    from stream_iac.rehearse import rehearse

    async def one(result: StackPlan) -> Rehearsal:
        client = session.client(result.settings)
        try:
            return await rehearse(client, result.desired, result.plan, options)
        finally:
            await client.aclose()

    return list(await asyncio.gather(*(one(result) for result in results)))


def show_rehearsed(output: Output, results: list[StackPlan], rehearsals: list[Rehearsal], fmt: str) -> None:
    """The plans as `plan` shows them, each with its rehearsal section."""
    plans = [r.plan for r in results]
    if fmt == "json":
        from stream_iac.render.json_plan import plans_json

        doc = plans_json(plans)
        stacks = doc.get("stacks", [doc])  # one document per stack, or one for them all
        for stack_doc, rehearsal in zip(stacks, rehearsals, strict=True):
            stack_doc["rehearsal"] = rehearsal.to_json()
        output.out_json(doc)
    elif fmt == "markdown":
        from stream_iac.render.markdown import render_markdown

        output.out(render_markdown(plans, sections=rehearsal_markdown(rehearsals)))
    else:
        from stream_iac.render.rehearsal import render_rehearsal_text
        from stream_iac.render.text import render_plan

        for plan, rehearsal in zip(plans, rehearsals, strict=True):
            output.out(render_plan(plan, color=output.color) + render_rehearsal_text(rehearsal))


def rehearsal_markdown(rehearsals: list[Rehearsal]) -> list[str]:
    """The rehearsal section's Markdown lines, to follow a Markdown plan's head (`render_markdown`'s
    `sections`: the plan printed, and the step summary)."""
    from stream_iac.render.rehearsal import rehearsal_markdown_lines

    return ["\n", *rehearsal_markdown_lines(rehearsals)]


def exit_if_failed(output: Output, rehearsals: list[Rehearsal]) -> None:
    """A failed rehearsal ends the command: one message per stack on stderr, exit 1."""
    failed = [r for r in rehearsals if not r.ok]
    if not failed:
        return
    for rehearsal in failed:
        output.err(f'error: the rehearsal of stack "{rehearsal.stack}" failed: '
                   f"{len(rehearsal.refused)} change(s) refused or not attempted, "
                   f"{len(rehearsal.unconverged)} not converged"
                   + (", planning again failed" if rehearsal.replan_error and not rehearsal.refused else "")
                   + "; see the rehearsal section of the plan. Nothing was applied or saved.")
    sys.exit(1)
