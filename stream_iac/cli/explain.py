"""`stream-iac explain ADDRESS_OR_PATH`: what a section or field of a stack means, offline, as
`kubectl explain` does. The entries come from `stream_iac.reference`, which the field reference
(docs/reference/) and the stack JSON Schema's descriptions are built from too."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import click

from stream_iac import FORMAT_VERSION

if TYPE_CHECKING:
    from stream_iac.cli.output import Output
    from stream_iac.reference import FieldDoc, KindDoc

WIDTH = 100
INDENT = "    "


def explain_text(entry: KindDoc | FieldDoc) -> str:
    """`entry` as `explain` prints it: its facts, description, notes and fields."""
    from stream_iac.reference import FieldDoc, first_sentence, show_value

    lines: list[str] = []
    if isinstance(entry, FieldDoc):
        lines.append(f"FIELD:    {entry.path}")
        lines.append(f"TYPE:     {entry.type}{' (required)' if entry.required else ''}")
        if entry.range:
            lines.extend(_wrapped(entry.range, "RANGE:    ", "          "))
        if entry.has_default:
            lines.append(f"DEFAULT:  {show_value(entry.default)}")
        elif not entry.required and not entry.fields:
            lines.append("DEFAULT:  (not documented)")
    else:
        lines.append(f"SECTION:  {entry.name}")
        lines.extend(_wrapped(entry.layout, "LAYOUT:   ", "          "))
    lines += ["", "DESCRIPTION:", *_wrapped(entry.description or "(no description yet)", INDENT, INDENT)]
    if isinstance(entry, FieldDoc) and (entry.notes or entry.source):
        lines += ["", "NOTES:"]
        for note in entry.notes:
            lines.extend(_wrapped(note, INDENT + "- ", INDENT + "  "))
        if entry.source:
            lines.extend(_wrapped(f"Limit: {entry.source}", INDENT + "- ", INDENT + "  "))
    if entry.fields:
        lines += ["", "FIELDS:"]
        for doc in entry.fields:
            lines.append(f"{INDENT}{doc.name}  <{doc.type}>{'  required' if doc.required else ''}")
            lines.extend(_wrapped(first_sentence(doc.description) or "(no description yet)",
                                  INDENT * 2, INDENT * 2))
    return "\n".join(lines)


def _wrapped(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]




def _complete_path(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion: the sections and field paths that start with what was typed."""
    from stream_iac.reference import all_paths

    return [path for path in all_paths() if path.startswith(incomplete)]


@click.command("explain")
@click.argument("path", metavar="ADDRESS_OR_PATH", shell_complete=_complete_path)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Output format.")
@click.pass_context
def explain(ctx: click.Context, path: str, fmt: str) -> None:
    """Explain a section or field of a stack, offline (no API key or secret needed).

    ADDRESS_OR_PATH is a section (`channel_types`), a field path (`channel_types.max_message_length`,
    `app.file_upload_config.size_limit`, `app.event_hooks[].timeout_ms`) or an address as plans show
    it (`channel_types.support.max_message_length`). A field is shown with its meaning, type, range,
    default and notes (secret, write-only, set …); a section with its description and fields. The
    same text is in docs/reference/<section>.md. Exit 0, or 1 for a path no stack has.

    \b
    Examples:
      stream-iac explain channel_types
      stream-iac explain channel_types.max_message_length
      stream-iac explain app.event_hooks[].timeout_ms
      stream-iac explain channel_types.support.grants --format json
    """
    from stream_iac.reference import lookup

    output: Output = ctx.obj["output"]
    entry = lookup(path)
    if fmt == "json":
        output.out_json({"format_version": FORMAT_VERSION, **entry.to_json()})
    else:
        output.out(explain_text(entry))
