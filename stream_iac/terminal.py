"""Text that is safe to show on a terminal. Names and messages come from stack files and from the
API, so they may hold control characters: an escape sequence could recolour, move the cursor, clear
the screen or rewrite an earlier line (a `\\r`), hiding what a delete confirmation lists. Every such
character is shown escaped (`\\x1b`, `\\u202e`). Our own styling (colours, the live progress line)
is written as markers that only `terminal_safe` turns into escape sequences, so a name can never
forge one: a marker holds a random word chosen when the process starts."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: shown escaped if they come from elsewhere
_NONCE = secrets.token_hex(6)
_MARK = re.compile(f"{_OPEN}{_NONCE}([0-9;]+|K){_CLOSE}")
CLEAR_LINE = f"{_OPEN}{_NONCE}K{_CLOSE}"
"""Go back to the start of the line and clear it (the live progress line)."""

# C0 and C1 controls but tab and line feed; invisible format characters (soft hyphen, bidi controls
# and overrides, zero-width spaces, word joiners, BOM, interlinear annotations, tag characters);
# line and paragraph separators; private-use characters; lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u115f\u1160\u180e\u200b\u200c\u200e\u200f\u2028-\u202e"
    "\u2060-\u206f\u3164\ufeff\ufff9-\ufffb\ue000-\uf8ff\ud800-\udfff\U000e0000-\U000e007f"
    "\U000f0000-\U0010ffff]"
)


def style(text: str, code: str) -> str:
    """`text` in the SGR style `code` ("31" red, "32" green, "33" yellow) where colour is on."""
    return f"{_OPEN}{_NONCE}{code}{_CLOSE}{text}{_OPEN}{_NONCE}0{_CLOSE}"


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape_controls(text: str) -> str:
    """`text` with every unsafe character shown escaped (markers too)."""
    return _UNSAFE.sub(_escaped, text)


def terminal_safe(text: str, *, ansi: bool) -> str:
    """`text` with unsafe characters escaped, and our style markers turned into escape sequences
    (`ansi`) or dropped."""
    if _UNSAFE.search(text) is None:
        return text
    pieces = _MARK.split(text)
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append(escape_controls(piece))
        elif ansi:
            out.append("\r\x1b[K" if piece == "K" else f"\x1b[{piece}m")
    return "".join(out)


COLOR_MODES = ("auto", "always", "never")


def color_enabled(mode: str, env: Mapping[str, str], is_tty: bool) -> bool:
    """Whether to colour one stream. `mode` is `--color` (`always`, `never` or `auto`); in `auto`
    a non-empty `NO_COLOR` turns colour off (no-color.org: an empty one does not), then a
    non-empty `FORCE_COLOR` turns it on (CI logs that render colour), then `TERM=dumb` turns it
    off, and otherwise the stream being a terminal (`is_tty`) decides. The flag wins over the
    environment, and the explicit "no" of NO_COLOR over FORCE_COLOR."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return is_tty
