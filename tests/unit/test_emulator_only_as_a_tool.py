"""The client shares no code with the emulator: it may only run it as a tool (`stream-iac emulator`,
`plan --rehearse`), so no module of `stream_iac` imports `stream_emulator` when it is loaded, only
inside the function that runs it."""

from __future__ import annotations

import ast
from pathlib import Path

import stream_iac

PACKAGE = Path(stream_iac.__file__).resolve().parent


def module_level_imports(tree: ast.Module) -> list[str]:
    """Modules imported when the module loads (function bodies and `if TYPE_CHECKING:` left out)."""
    found: list[str] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.append(node.module or "")
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                visit(node.body + node.orelse)
            elif isinstance(node, ast.ClassDef | ast.Try | ast.With):
                visit([child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)])

    visit(tree.body)
    return found


def test_no_client_module_imports_the_emulator_when_it_loads() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): names
        for path in sorted(PACKAGE.rglob("*.py"))
        if (names := [n for n in module_level_imports(ast.parse(path.read_text(encoding="utf-8")))
                      if n.split(".")[0] == "stream_emulator"])
    }
    assert offenders == {}


def test_the_rehearsal_does_import_it_inside_a_function() -> None:
    """The check above can fail: the rehearsal module does name the emulator, but only where it runs it."""
    source = (PACKAGE / "rehearse.py").read_text(encoding="utf-8")
    assert "from stream_emulator import" in source
    assert "stream_emulator" not in module_level_imports(ast.parse(source))
