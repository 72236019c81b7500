"""Choices the console entry point makes for the whole process before anything heavy is imported."""

from __future__ import annotations

FIELD_DOCS = True
"""Whether the stack models take the docstring under each field as its description (pydantic's
`use_attribute_docstrings`: it reads and tokenises every model's source, about 45 ms of start-up).
Only the JSON Schema, the field reference and `explain` show descriptions. The entry point turns
this off for the commands that never show one (`cli/entry.py: LEAN_COMMANDS`), before the models
are built; everything else (tests, `schema`, `explain`, the library) keeps it on."""
