"""How tests run stream-iac as a real process."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def stream_iac_command() -> list[str]:
    """The installed `stream-iac` script beside this Python, else the one on PATH, else the module."""
    script = Path(sys.executable).with_name("stream-iac")
    if script.exists():
        return [str(script)]
    found = shutil.which("stream-iac")
    return [found] if found else [sys.executable, "-m", "stream_iac"]
