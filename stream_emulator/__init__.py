"""A local emulator of the Stream Chat configuration API (``/api/v2``), for tests and demos.

It shares no code with ``stream_iac`` on purpose, so it can catch the client's mistakes.
"""

from .clock import ManualClock
from .emulator import Emulator, EmulatorOptions
from .server import ServerHandle, serve_in_thread

__all__ = ["Emulator", "EmulatorOptions", "ManualClock", "ServerHandle", "serve_in_thread"]
