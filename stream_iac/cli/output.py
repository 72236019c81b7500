"""Everything a command writes goes through one `Output`: stdout, stderr, the -v log, and every
file (the step summary, `plan --out`, `export`, `schema`). It is the one choke point where secret
values are redacted (by the command's `Redactor`, in every encoding it knows) and where names and
API text are made safe for a terminal (control characters shown escaped). Text is redacted as
text; JSON and other structured data are redacted inside their strings before they are serialised,
so they stay well-formed whatever a secret's value is. Also here: the live progress line of apply,
and apply's report (text or JSON)."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from stream_iac import FORMAT_VERSION
from stream_iac.errors import UserError
from stream_iac.secrets import Redactor, active_redactor
from stream_iac.terminal import CLEAR_LINE, escape_controls, terminal_safe

if TYPE_CHECKING:
    from stream_iac.executor import ApplyReport
    from stream_iac.plan import Change

Serializer = Callable[[Any], str]


class Output:
    """Writes results to stdout and diagnostics to stderr, and writes files; each byte redacted of
    every secret value the command knows and made terminal-safe on the way."""

    def __init__(self, color: bool, redactor: Redactor | None = None, *, stderr_ansi: bool = False) -> None:
        self.color = color
        self.stderr_ansi = stderr_ansi  # stderr is a terminal: the progress line may redraw itself
        self.redactor = redactor or active_redactor() or Redactor()

    @property
    def secrets(self) -> list[str]:
        return self.redactor.values

    @secrets.setter
    def secrets(self, values: list[str]) -> None:
        for value in values:
            self.redactor.add(value)

    def scrub(self, text: str) -> str:
        return self.redactor.scrub(text)

    # -- stdout and stderr

    def out(self, text: str, nl: bool = True) -> None:
        self._emit(self.scrub(text) + ("\n" if nl else ""), err=False)

    def err(self, text: str, nl: bool = True) -> None:
        self._emit(self.scrub(text) + ("\n" if nl else ""), err=True)

    def out_json(self, data: Any, *, indent: int | None = 2, sort_keys: bool = False) -> None:
        """A JSON document on stdout, redacted inside its strings (so it stays valid JSON)."""
        text = json.dumps(self.redactor.scrub_data(data), indent=indent, sort_keys=sort_keys, default=str)
        self._emit(text + "\n", err=False)

    def document(self, fmt: str, *, json_doc: Callable[[], Any], markdown: Callable[[], str],
                 text: Callable[[], str]) -> None:
        """One result on stdout in `fmt` ("json", "markdown", or text), built by the matching
        callable only (the others are never called)."""
        if fmt == "json":
            self.out_json(json_doc())
        elif fmt == "markdown":
            self.out(markdown())
        else:
            self.out(text().rstrip("\n"))

    def err_live(self, text: str) -> None:
        """The live progress line: redrawn in place on a terminal, never ended by a newline."""
        self._emit(CLEAR_LINE + self.scrub(text), err=True)

    def _emit(self, text: str, *, err: bool) -> None:
        ansi = self.stderr_ansi if err else self.color
        # click would strip our escape sequences from a stream that is not a terminal (FORCE_COLOR)
        click.echo(terminal_safe(text, ansi=ansi), nl=False, err=err, color=ansi)

    def log_stream(self) -> LogStream:
        """A stream for the -v log handler."""
        return LogStream(self)

    # -- files

    def write_text(self, path: str | Path, text: str, *, append: bool = False) -> Path:
        """Write (or append) text such as Markdown: redacted, control characters escaped."""
        return self._write(Path(path), escape_controls(self.scrub(text)), append=append)

    def write_data(self, path: str | Path, data: Any, serialize: Serializer, *, exact: bool = False) -> Path:
        """Write structured data (serialised by `serialize`: JSON, YAML, lines), redacted inside its
        strings first. With `exact`, a document that would need redacting is refused instead (a
        signed plan must be written as signed)."""
        target = Path(path)
        scrubbed = self.redactor.scrub_data(data)
        if exact and scrubbed is not data:
            raise UserError(f"refusing to write {target}: it would hold a secret value. Nothing was written")
        return self._write(target, serialize(scrubbed))

    def write_json(self, path: str | Path, data: Any, *, exact: bool = False, sort_keys: bool = False) -> Path:
        return self.write_data(path, data, lambda d: json.dumps(d, indent=2, sort_keys=sort_keys) + "\n", exact=exact)

    def make_folder(self, path: str | Path) -> Path:
        """Create a folder (and its parents) to write into; a clear error when it cannot be made."""
        folder = Path(path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create the folder {folder}: {_why(exc, folder)}") from None
        return folder

    def _write(self, path: Path, text: str, *, append: bool = False) -> Path:
        """Append, or replace atomically (a temporary file beside it, then a rename)."""
        data = text.encode("utf-8")
        try:
            if append:
                with open(path, "ab") as fh:
                    fh.write(data)
                return path
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                with open(tmp, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            finally:
                if tmp.exists():
                    tmp.unlink()
        except OSError as exc:
            raise UserError(f"cannot write {path}: {_why(exc, path)}") from None
        return path


def _why(exc: OSError, path: Path) -> str:
    """An OSError on `path` in words, with what to do."""
    parent = path.parent
    if isinstance(exc, FileNotFoundError) and not parent.exists():
        return f"the folder {parent} does not exist (create it first, or choose another path)"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(exc, NotADirectoryError | FileExistsError):
        return "a part of that path is a file, not a folder"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or type(exc).__name__


def check_writable(path: str | Path) -> None:
    """Fail early (before reading live state) when a file cannot be written at `path`: its folder
    is missing, or it is a folder."""
    target = Path(path)
    if target.is_dir():
        raise UserError(f"cannot write {target}: it is a folder, not a file")
    parent = target.parent
    if not parent.is_dir():
        reason = ("is a file, not a folder" if parent.exists()
                  else "does not exist (create it first, or choose another path)")
        raise UserError(f"cannot write {target}: the folder {parent} {reason}")


class LogStream:
    """A stream for the log handler: every line through the Output, to stderr."""

    def __init__(self, output: Output) -> None:
        self.output = output

    def write(self, text: str) -> int:
        self.output.err(text, nl=False)
        return len(text)

    def flush(self) -> None:
        sys.stderr.flush()


ScrubbingStream = LogStream  # the name it had


class Progress:
    """On a terminal a live line; in logs one plain line per finished change. Rate-limit pauses
    show on the live line as they begin ("waiting 3s: UpdateChannelType, 60/min"); in logs, the
    long ones get a line of their own."""

    LIVE_WAIT_SECONDS = 0.5  # shorter pauses (the pacing between two requests) are not worth a word
    LOGGED_WAIT_SECONDS = 5.0

    def __init__(self, output: Output, total: int, fmt: str, *, live: bool | None = None) -> None:
        self.output = output
        self.total = total
        self.finished = 0
        # the live line redraws itself with escape sequences: not where they are off (--color=never, TERM=dumb)
        self.live = output.stderr_ansi and sys.stderr.isatty() and fmt == "text" if live is None else live

    def __call__(self, event: str, change: Change, result: Any) -> None:
        if event == "start":
            if self.live:
                self.output.err_live(f"[{self.finished}/{self.total}] {change.action} {change.address}…")
            return
        self.finished += 1
        line = f"[{self.finished}/{self.total}] {result.status}: {change.action} {change.address}"
        if result.message:
            line += f" ({result.message})"
        if self.live:
            self.output.err_live("")
        self.output.err(line)

    def waiting(self, op: str, seconds: float, per_minute: int | None) -> None:
        """A rate-limit pause of `seconds` for `op` begins (a `Throttle.on_wait` observer)."""
        if seconds < (self.LIVE_WAIT_SECONDS if self.live else self.LOGGED_WAIT_SECONDS):
            return
        text = wait_text(op, seconds, per_minute)
        if self.live:
            self.output.err_live(f"[{self.finished}/{self.total}] {text}")
        else:
            self.output.err(f"[{self.finished}/{self.total}] {text}")


def wait_text(op: str, seconds: float, per_minute: int | None) -> str:
    """"waiting 3s: UpdateChannelType, 60/min": what a pause is for, in a few words."""
    shown = f"{math.ceil(seconds)}s" if seconds >= 1 else f"{seconds:.1f}s"
    limit = f", {per_minute}/min" if per_minute else ""
    return f"waiting {shown}: {op}{limit}"


def print_report(output: Output, report: ApplyReport, *, interrupted: str | None = None) -> None:
    """The per-change report: every change not applied (every change, when apply was interrupted),
    what live state did not keep, and one summary line (which names the signal of an interrupt)."""
    from stream_iac.render.apply_report import NOT_KEPT, RUN_AGAIN, all_applied, stopped, summary_line

    output.out("")
    for result in report.results:
        if result.status != "applied" or stopped(report, interrupted):
            detail = f": {result.message}" if result.message else ""
            output.out(f"  {result.status}: {result.action} {result.address}{detail}")
    for discrepancy in report.discrepancies:
        output.out(f"  not kept: {discrepancy.message}")
    output.out(summary_line(report, interrupted))
    if report.pacing:
        output.out(f"Rate limits: {report.pacing}.")
    if not all_applied(report):
        output.out(RUN_AGAIN)
    if report.discrepancies:
        output.out(NOT_KEPT)


def _verification(report: ApplyReport | None, verify: bool) -> str:
    if report is not None and report.interrupted and not report.verified:
        return "skipped"
    if not verify or (report is not None and not report.verified):
        return "off"
    return "failed" if report is not None and report.discrepancies else "passed"


def print_report_json(output: Output, report: ApplyReport | None, *, verify: bool = True,
                      interrupted: str | None = None) -> None:
    """The apply report as one JSON document on stdout (None: there was nothing to apply)."""
    from stream_iac.render.apply_report import applied_counts

    results = report.results if report else []
    doc = {
        "format_version": FORMAT_VERSION,
        "ok": report.ok if report else True,
        "interrupted": interrupted or ("signal" if report and report.interrupted else None),  # "SIGINT", …
        "results": [
            {"address": r.address, "action": r.action, "status": r.status, "message": r.message} for r in results
        ],
        "summary": applied_counts(report),  # created, updated, deleted, failed, skipped, not_attempted
        "seconds": report.seconds if report else 0.0,
        "rate_limit_wait_seconds": report.rate_limit_wait if report else 0.0,
        "verification": _verification(report, verify),
        "discrepancies": [d.to_json() for d in report.discrepancies] if report else [],
    }
    output.out_json(doc)
