"""Markdown for pull-request comments: the summary table first, deletes called out, then one
collapsible section per object. The whole comment stays under GitHub's limit by shortening
the per-object details, never the summary or the list of deletes."""

from __future__ import annotations

from stream_iac.paths import dotted
from stream_iac.plan import Change, Plan
from stream_iac.render.text import SYMBOLS, summary_line
from stream_iac.render.values import lookup, show_change, show_value
from stream_iac.secrets import REDACTED

MAX_CHARS = 60_000
DETAIL_VALUE_LIMITS = (300, 80, 0)  # tried in turn until the comment fits


def render_markdown(plans: list[Plan], max_chars: int = MAX_CHARS) -> str:
    head = _head(plans)
    for limit in DETAIL_VALUE_LIMITS:
        details = _details(plans, limit)
        text = head + details
        if len(text) <= max_chars:
            return text
    return _fit(head, _details(plans, 0), max_chars)


def _head(plans: list[Plan]) -> str:
    lines = ["## stream-iac plan", "", "| stack | create | update | delete | unmanaged |", "|---|---:|---:|---:|---:|"]
    for plan in plans:
        s = plan.summary()
        lines.append(f"| {_cell(plan.stack)} | {s['create']} | {s['update']} | {s['delete']} | {s['unmanaged']} |")
    lines.append("")
    deletes = [(plan.stack, c) for plan in plans for c in plan.deletes]
    if deletes:
        lines.append(f"> [!WARNING]\n> This plan **deletes {len(deletes)} object{'s' if len(deletes) != 1 else ''}**:")
        lines.extend(f"> - `{c.address}` (stack {_cell(stack)})" for stack, c in deletes)
        lines.append("")
    lines.extend(_warnings(plans))
    partial = [(plan.stack, plan.partial) for plan in plans if plan.partial is not None]
    for stack, part in partial:
        where = f" (stack {_cell(stack)})" if len(plans) > 1 else ""
        targets = ", ".join(f"`{t}`" for t in part.targets)
        lines.append(f"> [!NOTE]\n> **Partial plan**{where} (`--target` {targets}): only the targeted objects and "
                     "the changes they depend on; the rest of the stack is left out.")
        if part.dependencies:
            pulled = ", ".join(f"`{a}`" for a in part.dependencies)
            lines.append(f"> Also included, because the targeted changes depend on them: {pulled}")
        lines.append("")
    if all(plan.empty for plan in plans):
        lines.append("No changes to the targeted objects." if partial else "No changes. Live state matches the stack.")
        lines.append("")
    for plan in plans:
        lines.append(f"`{summary_line(plan)}`" if len(plans) == 1 else f"**{_cell(plan.stack)}**: {summary_line(plan)}")
    lines.append("")
    return "\n".join(lines) + "\n"


def _warnings(plans: list[Plan]) -> list[str]:
    """The plans' warnings (a reference the live list could not confirm…), in the head of the
    comment, which is never cut: a reviewer must see them before approving."""
    warned = [(plan.stack, warning) for plan in plans for warning in plan.warnings]
    if not warned:
        return []
    count = f"{len(warned)} warning{'s' if len(warned) != 1 else ''}"
    lines = [f"> [!CAUTION]\n> **{count}** (read them before applying):"]
    for stack, warning in warned:
        where = f" (stack {_cell(stack)})" if len(plans) > 1 else ""
        lines.append(f"> - {_cell(warning)}{where}")
    return [*lines, ""]


def _details(plans: list[Plan], limit: int) -> str:
    parts: list[str] = []
    for plan in plans:
        for change in plan.changes:
            parts.append(_section(change, limit))
    return "".join(parts)


def _section(change: Change, limit: int) -> str:
    title = f"<details><summary><code>{SYMBOLS[change.action]} {change.action} {change.address}</code></summary>\n\n"
    if limit == 0:
        fields = ", ".join(change.changed_paths + change.sensitive_paths)
        body = f"Fields: {_cell(fields)}\n" if fields else ""
        return title + body + "\n</details>\n"
    lines = ["```diff"]
    if change.action == "update":
        for fc in change.field_changes:
            if not fc.sensitive:
                lines.append(f"~ {dotted(fc.path)}: {show_change(fc.before, fc.after, limit)}")
    elif change.action == "create":
        for path in change.changed_paths:
            lines.append(f"+ {path}: {show_value(lookup(change.after, path), limit)}")
    else:
        lines.append(f"- {change.address}")
    lines.extend(f"~ {path}: {REDACTED}" for path in change.sensitive_paths)
    if len(lines) == 1:
        return title + "No fields to set.\n\n</details>\n"
    lines.append("```")
    return title + "\n".join(lines) + "\n\n</details>\n"


def _fit(head: str, details: str, max_chars: int) -> str:
    note = "\n_Details were cut to fit the comment; run `stream-iac plan` for all of them._\n"
    room = max_chars - len(head) - len(note)
    if room <= 0:
        return head[: max_chars - len(note)] + note
    cut = details[:room]
    cut = cut[: cut.rfind("</details>\n") + len("</details>\n")] if "</details>\n" in cut else ""
    return head + cut + note


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
