"""The Markdown document a command writes to stdout when it fails with `--format markdown`, so
that a pull-request comment or job summary made from stdout shows the error instead of nothing."""

from __future__ import annotations

import re

WHAT = {"plan": "The plan failed", "drift": "The drift check failed", "show": "The saved plan cannot be shown"}


def markdown_error(command: str, message: str) -> str:
    """`## stream-iac COMMAND`, a caution callout, and the error message verbatim in a code block."""
    longest = max((len(run) for run in re.findall(r"`+", message)), default=0)
    fence = "`" * max(3, longest + 1)
    what = WHAT.get(command, f"stream-iac {command} failed")
    return (f"## stream-iac {command}\n\n"
            f"> [!CAUTION]\n> **{what}**: nothing was changed. The error:\n\n"
            f"{fence}text\nerror: {message}\n{fence}\n")
