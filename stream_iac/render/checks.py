"""`stream-iac check` reports: what Stream said of each credential a stack configures, as text,
JSON (shape in README, "Checking credentials") or Markdown (a CI job summary)."""

from __future__ import annotations

from typing import Any

from stream_iac import FORMAT_VERSION
from stream_iac.check import CheckResult, StackChecks
from stream_iac.terminal import style

NOTHING = "nothing to check: the stack declares no push provider, SQS or SNS credentials, or external storage"


def _totals(stacks: list[StackChecks]) -> dict[str, int]:
    return {"ok": sum(s.summary()["ok"] for s in stacks), "failing": sum(s.summary()["failing"] for s in stacks)}


def summary_line(stacks: list[StackChecks]) -> str:
    """`Checks: 3 ok, 1 failing.`"""
    totals = _totals(stacks)
    return f"Checks: {totals['ok']} ok, {totals['failing']} failing."


def _text_line(result: CheckResult, color: bool) -> str:
    if result.status == "ok":
        mark = style("ok     ", "32") if color else "ok     "
        return f"  {mark} {result.address} ({result.check})"
    mark = style("FAILING", "31") if color else "FAILING"
    return f"  {mark} {result.address} ({result.check}): {result.message}"


def checks_text(stacks: list[StackChecks], color: bool = False) -> str:
    lines: list[str] = []
    for stack in stacks:
        lines.append(f'Stack "{stack.stack}"')
        lines.extend(_text_line(result, color) for result in stack.results)
        if not stack.results:
            lines.append(f"  {NOTHING}")
    lines.append(summary_line(stacks))
    return "\n".join(lines) + "\n"


def checks_json(stacks: list[StackChecks]) -> dict[str, Any]:
    """`{format_version, ok, stacks: [{stack, ok, checks: [{address, check, status, message}],
    summary: {ok, failing}}], summary: {ok, failing}}`; `status` is "ok" or "failing"."""
    totals = _totals(stacks)
    return {
        "format_version": FORMAT_VERSION,
        "ok": not totals["failing"],
        "stacks": [{"stack": s.stack, "ok": not s.failing, "checks": [r.to_json() for r in s.results],
                    "summary": s.summary()} for s in stacks],
        "summary": totals,
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def checks_markdown(stacks: list[StackChecks]) -> str:
    lines = ["## stream-iac check", ""]
    for stack in stacks:
        lines.append(f"### Stack `{_cell(stack.stack)}`")
        lines.append("")
        if not stack.results:
            lines.extend([NOTHING, ""])
            continue
        lines.extend(["| status | what | check | Stream's answer |", "|---|---|---|---|"])
        for r in stack.results:
            status = "ok" if r.status == "ok" else "**failing**"
            lines.append(f"| {status} | `{_cell(r.address)}` | {r.check} | {_cell(r.message)} |")
        lines.append("")
    lines.append(f"**{summary_line(stacks)}**")
    return "\n".join(lines) + "\n"
