"""What the commands write: stdout and stderr scrubbed of every known secret, the live progress
line of apply, and apply's report (text or JSON)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from stream_iac.executor import ApplyReport
    from stream_iac.plan import Change


class Output:
    """Writes results to stdout and diagnostics to stderr, scrubbing every known secret
    (the API secret and the stack's secret values) as a last line of defence."""

    def __init__(self, color: bool) -> None:
        self.color = color
        self.secrets: list[str] = []

    def scrub(self, text: str) -> str:
        from stream_iac.secrets import scrub

        return scrub(text, self.secrets)

    def out(self, text: str, nl: bool = True) -> None:
        click.echo(self.scrub(text), nl=nl)

    def err(self, text: str) -> None:
        click.echo(self.scrub(text), err=True)


class ScrubbingStream:
    """A stream for the log handler: every line scrubbed, then written to stderr."""

    def __init__(self, output: Output) -> None:
        self.output = output

    def write(self, text: str) -> int:
        sys.stderr.write(self.output.scrub(text))
        return len(text)

    def flush(self) -> None:
        sys.stderr.flush()


class Progress:
    """On a terminal a live line; in logs one plain line per finished change."""

    def __init__(self, output: Output, total: int, fmt: str) -> None:
        self.output = output
        self.total = total
        self.finished = 0
        self.live = sys.stderr.isatty() and fmt == "text"

    def __call__(self, event: str, change: Change, result: Any) -> None:
        if event == "start":
            if self.live:
                sys.stderr.write(f"\r\033[K[{self.finished}/{self.total}] {change.action} {change.address}…")
                sys.stderr.flush()
            return
        self.finished += 1
        line = f"[{self.finished}/{self.total}] {result.status}: {change.action} {change.address}"
        if result.message:
            line += f" ({result.message})"
        if self.live:
            sys.stderr.write("\r\033[K")
        self.output.err(line)


def print_report(output: Output, report: ApplyReport) -> None:
    output.out("")
    for result in report.results:
        if result.status != "applied":
            detail = f": {result.message}" if result.message else ""
            output.out(f"  {result.status}: {result.action} {result.address}{detail}")
    output.out(
        f"Apply {'complete' if report.ok else 'incomplete'}: {report.count('applied')} applied, "
        f"{report.count('failed')} failed, {report.count('skipped')} skipped, "
        f"{report.count('not_attempted')} not attempted in {report.seconds:.1f}s "
        f"({report.rate_limit_wait:.1f}s waiting for rate limits)."
    )
    if not report.ok:
        output.out("Run apply again to finish: it plans from live state and makes only what is still missing.")


def print_report_json(output: Output, report: ApplyReport | None) -> None:
    results = report.results if report else []
    doc = {
        "format_version": "1",
        "ok": report.ok if report else True,
        "results": [
            {"address": r.address, "action": r.action, "status": r.status, "message": r.message} for r in results
        ],
        "seconds": report.seconds if report else 0.0,
        "rate_limit_wait_seconds": report.rate_limit_wait if report else 0.0,
    }
    output.out(json.dumps(doc, indent=2))
