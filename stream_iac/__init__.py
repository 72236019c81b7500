"""stream-iac: declarative configuration for Stream Chat apps."""

__version__ = "0.1.0"

FORMAT_VERSION = "2"
"""Of every `--format json` document. 2: a plan has one shape for one stack or several
(`{"format_version", "stacks": [...], "summary"}`); in 1 a single stack's plan was the stack itself."""
