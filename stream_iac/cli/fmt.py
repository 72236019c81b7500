"""`stream-iac fmt`: rewrite stack files in one canonical layout, comments kept.

Canonical means: 2-space indentation, list items indented under their key (`- ` two spaces in),
strings unquoted where YAML reads them back as the same string and double-quoted where it would
not (never single quotes), flow collections (`[a, b]`, `{k: v}`) kept when their line fits in 100
columns and written as blocks when not, and the top-level sections in one order: `stack:` first,
then the kinds in dependency order (`stream_iac.kinds.KINDS`), then anything else as it was.

It never changes what a file means: every scalar written plain in the file is written again
exactly as it was (`yes`, `010`, `~` and `1_000` stay as they are), only quoted strings are
requoted, and after formatting the file is read back with the stack loader's own YAML reader
and compared with what it held before; a difference is refused, leaving the file untouched.

This module only imports click at the top: ruamel.yaml and PyYAML are imported when it runs.
"""

from __future__ import annotations

import difflib
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from stream_iac.cli.output import Output

LINE_LIMIT = 100
YAML_SUFFIXES = (".yaml", ".yml")


class FormatProblem(Exception):
    """A file fmt cannot format (not YAML it can read, or a rewrite that would change it)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# ---------------------------------------------------------------- the canonical text of one file


def section_order() -> tuple[str, ...]:
    from stream_iac.kinds import KINDS

    return ("stack", *(kind.name for kind in KINDS))


def format_text(text: str) -> str:
    """`text` (one stack file) in the canonical layout; raises FormatProblem when it cannot be
    formatted without changing what it means."""
    import yaml

    source = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    before = _read_plainly(source)
    if before is _EMPTY:
        return "" if not source.strip() else _normalise_blank_lines(source)
    if not isinstance(before, dict):
        return source  # not a stack file (validate says why); nothing to make canonical
    reordered = _reorder_sections(source)
    try:
        result = _emit(reordered)
    except FormatProblem:
        if reordered == source:
            raise
        result = _emit(source)  # an alias would come before its anchor: keep the sections' order
    try:
        after = yaml.safe_load(result)
    except yaml.YAMLError as exc:  # a bug in the formatter; never write such a file
        raise FormatProblem(f"formatting would make the file unreadable ({exc}); left unchanged") from None
    if not _same(before, after):
        raise FormatProblem("formatting would change what the file means (please report this); left unchanged")
    return result


_EMPTY = object()


def _read_plainly(text: str) -> Any:
    """The file as the stack loader's YAML reader (PyYAML, YAML 1.1) sees it."""
    import yaml

    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise FormatProblem(f"invalid YAML: {exc.problem or exc.context}", (mark.line + 1) if mark else 0,
                            (mark.column + 1) if mark else 0) from None
    except yaml.YAMLError as exc:
        raise FormatProblem(f"invalid YAML: {exc}") from None
    if len(docs) > 1:
        raise FormatProblem("holds more than one YAML document")
    if not docs or docs[0] is None:
        return _EMPTY
    return docs[0]


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types (so that `1` and `true` are not taken for each other)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        keys = {(type(k), k) for k in a}  # the order of keys means nothing (fmt reorders the sections)
        return keys == {(type(k), k) for k in b} and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b)


def _normalise_blank_lines(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- top-level sections, as text


def _reorder_sections(text: str) -> str:
    """The top-level sections of a block mapping in canonical order, each with the comment lines
    just above it; the comment lines at the top of the file stay there; one blank line between
    sections. Anything that is not a plain block mapping at column 0 is left as it is."""
    root = _load_roundtrip(text)
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(root, CommentedMap) or root.fa.flow_style() or not root:
        return text
    starts: list[tuple[int, Any]] = []
    for key in root:
        line, column = root.lc.key(key)
        if column != 0:
            return text
        starts.append((line, key))
    lines = text.split("\n")
    if any(a[0] >= b[0] for a, b in zip(starts, starts[1:], strict=False)):
        return text
    header_end = starts[0][0]
    blanks = [n for n in range(header_end) if not lines[n].strip()]
    # The comments at the top stay there, but a comment block just above the first section (after
    # a blank line) is about that section and moves with it.
    leading: list[str] = lines[blanks[-1] + 1:header_end] if blanks else []
    if blanks:
        header_end = blanks[-1] + 1
    chunks: dict[Any, list[str]] = {}
    for index, (line, key) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        body = lines[line:end]
        trailing_start = len(body)
        while trailing_start > 1 and _is_free_line(body[trailing_start - 1]):
            trailing_start -= 1
        chunk = leading + body[:trailing_start]
        leading = body[trailing_start:]
        chunks[key] = _strip_blank_edges(chunk)
    footer = _strip_blank_edges(leading)
    header = lines[:header_end]
    blank_after_header = bool(header) and not header[-1].strip()
    header = _strip_blank_edges(header)
    order = section_order()
    keys = [k for k in order if k in chunks] + [k for k in chunks if k not in order]
    out: list[str] = list(header)
    if header and blank_after_header:
        out.append("")
    for number, key in enumerate(keys):
        if number:
            out.append("")
        out.extend(chunks[key])
    if footer:
        out.append("")
        out.extend(footer)
    return "\n".join(out) + "\n"


def _is_free_line(line: str) -> bool:
    """A blank line, or a comment at column 0: it belongs with the section below it."""
    return not line.strip() or line.startswith("#")


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


# ---------------------------------------------------------------- ruamel.yaml round trip


def _yaml() -> Any:
    """A ruamel.yaml round-trip reader and writer that keeps every plain scalar as the text it is
    (a resolver that reads them all as strings), with canonical indentation and quoting."""
    from ruamel.yaml import YAML
    from ruamel.yaml.emitter import RoundTripEmitter
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    class VerbatimResolver(VersionedResolver):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                return self.DEFAULT_SCALAR_TAG
            return super().resolve(kind, value, implicit)

    class CanonicalEmitter(RoundTripEmitter):
        def choose_scalar_style(self) -> Any:
            style = self.event.style
            if style in ('"', "'"):
                if self.analysis is None:
                    self.analysis = self.analyze_scalar(self.event.value)
                return "" if self._plain_reads_back(self.event.value) else '"'
            chosen = super().choose_scalar_style()
            return '"' if chosen == "'" else chosen

        def _plain_reads_back(self, value: str) -> bool:
            analysis = self.analysis
            if not value or analysis.empty or analysis.multiline or value != value.strip():
                return False
            allowed = analysis.allow_flow_plain if self.flow_level else analysis.allow_block_plain
            return bool(allowed) and _reads_as_string(value, flow=bool(self.flow_level))

    yaml = YAML(typ="rt")
    yaml.Resolver = VerbatimResolver
    yaml.Emitter = CanonicalEmitter
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a long string; long flow collections become blocks instead
    yaml.allow_duplicate_keys = False
    return yaml


def _reads_as_string(value: str, *, flow: bool) -> bool:
    """Whether `value` written plain (in a flow collection or not) is read back as this string by
    PyYAML (the stack loader, YAML 1.1, whose scanner is stricter than ruamel.yaml's) and by YAML
    1.2 readers (editors, ruamel.yaml) alike."""
    import yaml
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    analysis = yaml.emitter.Emitter(io.StringIO()).analyze_scalar(value)
    if not (analysis.allow_flow_plain if flow else analysis.allow_block_plain):
        return False
    string = "tag:yaml.org,2002:str"
    loader_resolver: Any = yaml.resolver.Resolver()  # what the stack loader (yaml.SafeLoader) uses
    if loader_resolver.resolve(yaml.ScalarNode, value, (True, False)) != string:
        return False
    return str(VersionedResolver(version=(1, 2)).resolve(ScalarNode, value, (True, False))) == string


def _load_roundtrip(text: str) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise FormatProblem(f"invalid YAML: {exc.problem or exc.context}", (mark.line + 1) if mark else 0,
                            (mark.column + 1) if mark else 0) from None
    except YAMLError as exc:
        raise FormatProblem(f"invalid YAML: {exc}") from None


def _dump(root: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(root, buffer)
    return buffer.getvalue()


def _emit(text: str) -> str:
    """The round-trip dump of `text`, with flow collections too long for one line made blocks."""
    root = _load_roundtrip(text)
    out = _dump(root)
    for _ in range(20):  # each pass makes at least one more collection a block; stacks nest a few levels
        long_lines = {number for number, line in enumerate(out.split("\n")) if len(line) > LINE_LIMIT}
        if not long_lines:
            break
        written = _load_roundtrip(out)
        paths = [path for path, line in _outer_flow_collections(written, ()) if line in long_lines]
        if not paths:
            break
        for path in paths:
            _node_at(root, path).fa.set_block_style()
        out = _dump(root)
    return out


def _outer_flow_collections(node: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], int]]:
    """(path, line) of each flow collection that sits in block context."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    found: list[tuple[tuple[Any, ...], int]] = []
    if isinstance(node, CommentedMap):
        items: list[tuple[Any, Any, int]] = [(k, v, node.lc.value(k)[0]) for k, v in node.items()]
    elif isinstance(node, CommentedSeq):
        items = [(i, v, node.lc.item(i)[0]) for i, v in enumerate(node)]
    else:
        return found
    for key, value, _line in items:
        if isinstance(value, CommentedMap | CommentedSeq):
            if value.fa.flow_style():
                found.append(((*path, key), value.lc.line))
            else:
                found.extend(_outer_flow_collections(value, (*path, key)))
    return found


def _node_at(root: Any, path: tuple[Any, ...]) -> Any:
    node = root
    for part in path:
        node = node[part]
    return node


# ---------------------------------------------------------------- files and folders


@dataclass
class FileResult:
    path: Path
    before: str
    after: str | None  # None: could not be formatted
    problem: FormatProblem | None = None

    @property
    def changed(self) -> bool:
        return self.after is not None and self.after != self.before


def stack_files(target: Path) -> list[Path]:
    """The YAML files fmt looks at for `target`: the file itself, or every `*.yaml`/`*.yml`
    under the folder (as the stack loader reads a folder: hidden files and folders skipped)."""
    if not target.is_dir():
        return [target]
    files: list[Path] = []
    for folder, dirnames, filenames in os.walk(target):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files.extend(Path(folder, name) for name in filenames
                     if name.lower().endswith(YAML_SUFFIXES) and not name.startswith("."))
    return sorted(files)


def format_file(path: Path) -> FileResult:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return FileResult(path, "", None, FormatProblem(f"cannot be read: {exc.strerror or exc}"))
    try:
        before = raw.decode("utf-8")
    except UnicodeDecodeError:
        return FileResult(path, "", None, FormatProblem("is not UTF-8 text"))
    try:
        return FileResult(path, before, format_text(before))
    except FormatProblem as exc:
        return FileResult(path, before, None, exc)


def unified_diff(result: FileResult) -> str:
    shown = str(result.path)
    return "".join(difflib.unified_diff(result.before.splitlines(keepends=True),
                                        (result.after or "").splitlines(keepends=True),
                                        fromfile=f"a/{shown}", tofile=f"b/{shown}"))


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.fmt.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------- the command


@click.command("fmt")
@click.argument("stacks", nargs=-1, type=click.Path())
@click.option("--check", is_flag=True, help="Change nothing; exit 1 listing the files that are not canonical.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the changes as a unified diff.")
@click.pass_context
def fmt(ctx: click.Context, stacks: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Rewrite stack files in the canonical layout, comments kept.

    STACK is a stack folder (every *.yaml/*.yml under it) or one file; default: the current
    folder. Canonical: 2-space indentation, list items indented under their key, strings
    unquoted where YAML reads them back unchanged and double-quoted otherwise, flow
    collections longer than 100 columns as blocks, and the top-level sections in the order
    stack, app, roles, permissions, commands, blocklists, retention_policies, channel_types,
    push_providers. What a file means never changes. Exit 0 done (or, with --check, nothing
    to change), 1 files to change (with --check) or a file that cannot be formatted.

    \b
    Examples:
      stream-iac fmt                         # every stack file under the current folder
      stream-iac fmt stacks/production stacks/base
      stream-iac fmt --check --diff stacks   # in CI: fail, showing the diff, if not canonical
    """
    from stream_iac.errors import ConfigError
    from stream_iac.stack.located import absolute, shown_path

    output: Output = ctx.obj["output"]
    targets = [Path(s) for s in stacks] or [Path(".")]
    files: list[Path] = []
    for target in targets:
        if not target.exists():
            raise ConfigError(f"{target}: no such file or folder")
        files.extend(f for f in stack_files(target) if f not in files)
    failed = pending = 0
    for result in (format_file(f) for f in files):
        shown = shown_path(absolute(result.path))
        if result.problem is not None:
            failed += 1
            where = f":{result.problem.line}:{result.problem.column}" if result.problem.line else ""
            output.err(f"error: {shown}{where}: {result.problem.message}")
            continue
        if not result.changed or result.after is None:
            continue
        pending += 1
        output.out(shown)
        if show_diff:
            output.out(unified_diff(FileResult(Path(shown), result.before, result.after)), nl=False)
        if not check:
            _write(result.path, result.after)
    if check and pending:
        output.err(f"{pending} file{'s' if pending != 1 else ''} not in the canonical layout; "
                   "run `stream-iac fmt` to rewrite them")
    if failed or (check and pending):
        sys.exit(1)
