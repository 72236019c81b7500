"""Interrupts. During apply the first SIGINT (Ctrl-C) or SIGTERM stops apply from starting new
writes, lets the writes in flight finish (for up to 30 s), and apply prints its per-change report
and exits 128 + the signal's number (130, 143); a second signal exits at once. Outside apply,
SIGINT and SIGTERM end the command with one line and the same exit codes."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

    from stream_iac.cli.output import Output

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(BaseException):
    """SIGTERM outside apply (a BaseException, like KeyboardInterrupt: it is no error of ours)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """While a command runs, SIGTERM ends it as Ctrl-C does (a message, exit 143), not silently."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


class Interrupts:
    """The signals one apply received; `installed` routes them to `stop` while writes run."""

    def __init__(self, output: Output, grace_seconds: float) -> None:
        self.output = output
        self.grace_seconds = grace_seconds
        self.signum: int | None = None

    @property
    def exit_code(self) -> int | None:
        return None if self.signum is None else 128 + self.signum

    @property
    def name(self) -> str | None:
        return None if self.signum is None else signal_name(self.signum)

    @contextlib.contextmanager
    def installed(self, loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> Iterator[None]:
        previous: dict[int, Any] = {}
        for signum in SIGNALS:
            try:
                previous[signum] = signal.getsignal(signum)
                loop.add_signal_handler(signum, self._handle, signum, stop)
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no signals
                previous.pop(signum, None)
        try:
            yield
        finally:
            for number, handler in previous.items():
                loop.remove_signal_handler(number)
                if handler is not None:
                    signal.signal(number, handler)

    def _handle(self, signum: int, stop: Callable[[], None]) -> None:
        name = signal_name(signum)
        if self.signum is not None:
            self.output.err("")
            self.output.err(f"{name} again: exiting now. Writes in flight may or may not have taken effect; "
                            "run plan to see live state.")
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(128 + signum)
        self.signum = signum
        self.output.err("")
        self.output.err(f"{name}: stopping. No new change will be started; waiting up to "
                        f"{self.grace_seconds:g} s for the changes in flight, then reporting. "
                        "Send it again to exit at once.")
        stop()
