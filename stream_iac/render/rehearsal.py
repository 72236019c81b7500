"""The rehearsal section of `plan --rehearse` (`stream_iac.rehearse`): text and Markdown lines (its JSON
is `Rehearsal.to_json`, put under each stack's `rehearsal` key)."""

from __future__ import annotations

from stream_iac.rehearse import FAITHFUL_NOTE, Rehearsal

NO_CHANGES = "rehearsal: no changes"


def rehearsal_lines(rehearsal: Rehearsal) -> list[str]:
    """What the rehearsal found, one line per refused or unconverged change, then the note on
    faithfulness. An in-sync stack gives "rehearsal: no changes"."""
    lines = [_headline(rehearsal)]
    lines.extend(f"  refused: {r.action} {r.address}: {r.message}" for r in rehearsal.refused if r.status == "failed")
    lines.extend(f"  not attempted: {r.action} {r.address}: {r.message}"
                 for r in rehearsal.refused if r.status != "failed")
    lines.extend(f"  did not converge: {u.address}: a new plan still would {u.action} it"
                 + (f" ({', '.join(u.paths)})" if u.paths else "") for u in rehearsal.unconverged)
    if rehearsal.replan_error is not None:
        lines.append("  convergence not checked: planning again against the emulator failed: "
                     + " ".join(rehearsal.replan_error.split()))
    lines.append(f"  ({FAITHFUL_NOTE})")
    return lines


def _headline(rehearsal: Rehearsal) -> str:
    if rehearsal.changes == 0 and rehearsal.ok:
        return NO_CHANGES
    if rehearsal.ok:
        noun = "change" if rehearsal.changes == 1 else "changes"
        return f"rehearsal: {rehearsal.changes} {noun} applied to an emulated copy of the app; a new plan is empty"
    refused = sum(1 for r in rehearsal.refused if r.status == "failed")
    return (f"rehearsal FAILED: of {rehearsal.changes} changes, {refused} refused by the emulator, "
            f"{len(rehearsal.refused) - refused} not attempted, {len(rehearsal.unconverged)} did not converge")


def render_rehearsal_text(rehearsal: Rehearsal) -> str:
    """The rehearsal section of the text plan."""
    return "\n".join(rehearsal_lines(rehearsal)) + "\n"


def rehearsal_markdown_lines(rehearsals: list[Rehearsal]) -> list[str]:
    """The rehearsal section of the Markdown plan (per stack, its findings as a list) as lines,
    each ending in a newline: a plan too long for one comment is split between them
    (`render_markdown`'s `sections`)."""
    lines = ["### Rehearsal", ""]
    for rehearsal in rehearsals:
        found = rehearsal_lines(rehearsal)
        where = f"**{_cell(rehearsal.stack)}**: " if len(rehearsals) > 1 else ""
        quote = "" if rehearsal.ok else "> "  # a failed one is an alert, its findings inside it
        if not rehearsal.ok:
            lines.append("> [!CAUTION]")
        lines.append(f"{quote}{where}{_cell(found[0])}")
        lines.extend(f"{quote}- {_cell(line.strip())}" for line in found[1:-1])
        lines.append("")
    lines.append(f"_{FAITHFUL_NOTE[0].upper()}{FAITHFUL_NOTE[1:]}._")
    return [line + "\n" for line in lines]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
