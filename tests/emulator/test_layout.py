"""The package layout keeps its promises: each operation's handler says what it answers, the emulator
shares no code with ``stream_iac``, and the stages only import in the direction of the flow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import stream_emulator
from stream_emulator.pipeline.routing import OPERATIONS, Operation

PACKAGE_DIR = Path(stream_emulator.__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules that ``path`` imports (relative imports resolved)."""
    package = ["stream_emulator", *path.relative_to(PACKAGE_DIR).parent.parts]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add(node.module or "")
            else:
                base = package[: len(package) - node.level + 1]
                names.add(".".join([*base, *([node.module] if node.module else [])]))
    return names


def modules_of(stage: str) -> list[Path]:
    return sorted((PACKAGE_DIR / stage).rglob("*.py"))


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.operation_id)
def test_every_handler_documents_the_request_it_answers(operation: Operation) -> None:
    doc = operation.handler.__doc__ or ""
    expected = f"{operation.operation_id}: {operation.method} {operation.pattern}"
    assert doc.startswith(expected), f"{operation.handler.__qualname__}: {doc[:80]!r}"
    assert "->" in doc  # and what it returns


def test_the_emulator_imports_nothing_from_stream_iac() -> None:
    offenders = {
        str(path.relative_to(PACKAGE_DIR)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "stream_iac"
        )
        for path in PACKAGE_DIR.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


@pytest.mark.parametrize(
    ("stage", "may_not_import"),
    [
        ("store", ("adapters", "pipeline", "handlers", "emulator", "cli")),
        ("pipeline", ("adapters", "emulator", "cli")),
        ("handlers", ("adapters", "emulator", "cli")),
    ],
)
def test_stages_import_only_in_the_direction_of_the_flow(stage: str, may_not_import: tuple[str, ...]) -> None:
    forbidden = {f"stream_emulator.{name}" for name in may_not_import}
    wrong = {
        str(path.relative_to(PACKAGE_DIR)): sorted(
            name for name in imported_modules(path) if any(name == f or name.startswith(f + ".") for f in forbidden)
        )
        for path in modules_of(stage)
    }
    assert {path: names for path, names in wrong.items() if names} == {}
