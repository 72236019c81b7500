"""Markdown for pull-request comments: the summary table first, deletes called out, then one
collapsible section per object. A comment stays under GitHub's limit by shortening the
per-object details first; the head (the summary, every delete, the warnings and the `Plan:`
line) is never shortened: when it alone is too long, the document is split into parts, each
under the limit, to be posted as several comments."""

from __future__ import annotations

from collections.abc import Sequence

from stream_iac.paths import dotted
from stream_iac.plan import Change, Plan
from stream_iac.render.text import SYMBOLS, WRITE_ONLY_SENT, summary_line
from stream_iac.render.values import lookup, show_change, show_value
from stream_iac.secrets import REDACTED

MAX_CHARS = 60_000
DETAIL_VALUE_LIMITS = (300, 80, 0)  # tried in turn until the comment fits


def render_markdown(plans: list[Plan], max_chars: int = MAX_CHARS, sections: Sequence[str] = ()) -> str:
    """The Markdown plan of `plans`: one document of at most `max_chars`, or (when its head alone
    is longer) its parts one after the other, each of at most `max_chars` and starting with
    `PART_MARK`. `sections` are more of the head (e.g. a rehearsal's findings, a line each):
    never shortened, split between them when needed."""
    return "\n".join(render_markdown_parts(plans, max_chars, sections))


PART_MARK = "<!-- stream-iac plan part "
"""The first characters of every part of a plan split into parts ("… 2 of 3 -->")."""


def render_markdown_parts(plans: list[Plan], max_chars: int = MAX_CHARS, sections: Sequence[str] = ()) -> list[str]:
    """The Markdown plan as documents of at most `max_chars` each: one, with the per-object
    details shortened (values cut, then only field names, then sections left out, saying so)
    until it fits; several parts when the head (with `sections`) alone does not fit, which is
    never shortened."""
    blocks = [*_head_blocks(plans), *sections]
    head = "".join(blocks)
    for limit in DETAIL_VALUE_LIMITS:
        text = head + _details(plans, limit)
        if len(text) <= max_chars:
            return [text]
    details = _details(plans, 0)
    if len(head) + len(CUT_NOTE) <= max_chars:
        return [_fit(head, details, max_chars)]
    return _split(blocks, details, max_chars)


CUT_NOTE = "\n_Details were cut to fit the comment; run `stream-iac plan` for all of them._\n"
PART_HEAD_ROOM = 200  # the heading of a part, and the note that a list of deletes goes on


def _head_blocks(plans: list[Plan]) -> list[str]:
    """The head as the pieces a split may fall between: one per line of the list of deletes."""
    blocks = [f"{TITLE}\n| stack | create | update | delete | unmanaged |\n|---|---:|---:|---:|---:|\n"]
    for plan in plans:
        s = plan.summary()
        blocks.append(f"| {_cell(plan.stack)} | {s['create']} | {s['update']} | {s['delete']} | {s['unmanaged']} |\n")
    blocks.append("\n")
    deletes = [(plan.stack, c) for plan in plans for c in plan.deletes]
    if deletes:
        plural = "s" if len(deletes) != 1 else ""
        blocks.append(f"> [!WARNING]\n> This plan **deletes {len(deletes)} object{plural}**:\n")
        blocks.extend(f"{DELETE_ITEM}`{c.address}` (stack {_cell(stack)})\n" for stack, c in deletes)
        blocks.append("\n")
    lines: list[str] = []
    lines.extend(_warnings(plans))
    lines.extend(_not_compared(plans))
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
    blocks.extend(line + "\n" for line in lines)
    return blocks


DELETE_ITEM = "> - "
TITLE = "## stream-iac plan\n"


def _split(blocks: list[str], details: str, max_chars: int) -> list[str]:
    """The head's blocks packed in order into parts of at most `max_chars` (with room for each
    part's heading), then as many details as still fit in the last part; every part says which
    part of how many it is."""
    room = max_chars - PART_HEAD_ROOM
    bodies: list[str] = [""]
    for block in blocks:
        if bodies[-1] and len(bodies[-1]) + len(block) > room:
            continued = "> Deletes, continued:\n" if block.startswith(DELETE_ITEM) else ""
            bodies.append(continued)
        bodies[-1] += block
    last = _fit(bodies[-1], details, room) if details else bodies[-1]
    bodies[-1] = last
    count = len(bodies)
    parts = []
    for index, body in enumerate(bodies, start=1):
        rest = body.removeprefix(TITLE) if index == 1 else "\n" + body
        parts.append(f"{PART_MARK}{index} of {count} -->\n## stream-iac plan (part {index} of {count})\n{rest}")
    return parts


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


def _not_compared(plans: list[Plan]) -> list[str]:
    """The declared fields no plan can compare (secrets, write-only fields), and why."""
    noted = [(plan.stack, line) for plan in plans for line in plan.not_compared_lines()]
    if not noted:
        return []
    lines = ["> [!NOTE]"]
    for stack, line in noted:
        where = f" (stack {_cell(stack)})" if len(plans) > 1 else ""
        lines.append(f"> - {_cell(line)}{where}")
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
            if fc.write_only:
                lines.append(f"~ {dotted(fc.path)}: {show_value(fc.after, limit)} {WRITE_ONLY_SENT}")
            elif not fc.sensitive:
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
    """`head` (which fits) and as many whole detail sections as fit after it, with a note
    saying the rest was cut."""
    room = max_chars - len(head) - len(CUT_NOTE)
    cut = details[:max(room, 0)]
    cut = cut[: cut.rfind("</details>\n") + len("</details>\n")] if "</details>\n" in cut else ""
    return head + cut + CUT_NOTE


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
