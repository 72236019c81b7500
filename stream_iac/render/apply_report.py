"""Apply's report in words: the counts Terraform users read ("3 created, 2 updated, 1 deleted"),
the summary line, what verification found, and the whole report as Markdown (for a job summary
or a pull-request comment). Strings only: the CLI prints them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stream_iac.render.text import SYMBOLS

if TYPE_CHECKING:
    from stream_iac.executor import ApplyReport

PAST_TENSE = {"create": "created", "update": "updated", "delete": "deleted"}
RUN_AGAIN = "Run apply again to finish: it plans from live state and makes only what is still missing."
NOT_KEPT = ("Live state does not hold what apply sent (listed above): the API ignored or changed it. "
            "Run plan to see what differs now.")


def applied_counts(report: ApplyReport | None) -> dict[str, int]:
    """How many changes were applied, by what they did: {"created", "updated", "deleted"}; and
    how many were not: {"failed", "skipped", "not_attempted"} (all 0 without a report)."""
    counts = dict.fromkeys([*PAST_TENSE.values(), "failed", "skipped", "not_attempted"], 0)
    for result in report.results if report else []:
        key = PAST_TENSE.get(result.action, result.action) if result.status == "applied" else result.status
        counts[key] += 1
    return counts


def outcome_counts(report: ApplyReport) -> str:
    """"3 created, 2 updated, 1 deleted", and what was not applied when some change was not
    ("; 1 failed, 1 skipped, 0 not attempted")."""
    counts = applied_counts(report)
    text = ", ".join(f"{counts[word]} {word}" for word in PAST_TENSE.values())
    if not all_applied(report):
        text += f"; {counts['failed']} failed, {counts['skipped']} skipped, {counts['not_attempted']} not attempted"
    return text


def all_applied(report: ApplyReport) -> bool:
    return all(r.status == "applied" for r in report.results)


def stopped(report: ApplyReport, interrupted: str | None) -> bool:
    """Whether apply was interrupted (by the signal named, or by one the report noted)."""
    return bool(interrupted or report.interrupted)


def outcome(report: ApplyReport, interrupted: str | None) -> str:
    """complete, incomplete, or interrupted (SIGINT)."""
    if stopped(report, interrupted):
        return f"interrupted ({interrupted})" if interrupted else "interrupted"
    return "complete" if report.ok else "incomplete"


def summary_line(report: ApplyReport, interrupted: str | None = None) -> str:
    """"Apply complete: 3 created, 2 updated, 1 deleted in 4.2s (1.5s of it waiting for rate
    limits); verified: live state holds what was sent." The waiting is wall-clock time."""
    return (f"Apply {outcome(report, interrupted)}: {outcome_counts(report)} in {report.seconds:.1f}s "
            f"({report.rate_limit_wait:.1f}s of it waiting for rate limits); {verification_summary(report)}.")


def verification_summary(report: ApplyReport) -> str:
    """How the report's verification went, in words."""
    if report.interrupted and not report.verified:
        return "verification skipped (interrupted)"
    if not report.verified:
        return "verification was off (--no-verify)"
    count = len(report.discrepancies)
    if count:
        return f"verification found {count} difference{'s' if count != 1 else ''} from what was sent"
    return "verified: live state holds what was sent"


def apply_markdown(report: ApplyReport | None, stack: str, *, interrupted: str | None = None) -> str:
    """The apply report as Markdown: the summary line, the changes not applied and what live
    state did not keep (each in full), then every change in a collapsed list."""
    lines = ["## stream-iac apply", ""]
    if report is None or not report.results:
        lines.append(f"**Stack {_code(stack)}**: no changes, nothing was applied.")
        return "\n".join(lines) + "\n"
    lines += [f"**Stack {_code(stack)}**: {summary_line(report, interrupted)}", ""]
    missed = [r for r in report.results if r.status != "applied"]
    if missed or report.discrepancies:
        lines.append("> [!WARNING]")
        lines.extend(f"> - {r.status}: {_code(f'{r.action} {r.address}')}{': ' + _line(r.message) if r.message else ''}"
                     for r in missed)
        lines.extend(f"> - not kept: {_line(d.message)}" for d in report.discrepancies)
        lines.append("")
    if not all_applied(report):
        lines += [RUN_AGAIN, ""]
    if report.discrepancies:
        lines += [NOT_KEPT, ""]
    if report.pacing:
        lines += [f"Rate limits: {report.pacing}.", ""]
    lines.append(f"<details><summary>Every change ({len(report.results)})</summary>")
    lines.append("")
    lines.extend(f"- {r.status}: {_code(f'{SYMBOLS.get(r.action, r.action)} {r.action} {r.address}')}"
                 for r in report.results)
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    """`text` as inline code, whatever backticks it holds."""
    fence = "``" if "`" in text else "`"
    return f"{fence}{text.replace(chr(10), ' ')}{fence}"


def _line(text: str) -> str:
    return text.replace("\n", " ")
