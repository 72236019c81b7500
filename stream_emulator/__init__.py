"""A local emulator of the Stream Chat configuration API, for tests and demos: ``/api/v2/...`` as the new SDKs
call it, and the legacy un-prefixed paths (``/app``, ``/channeltypes``...) the classic ``stream-chat`` SDKs call.
Unknown request fields are ignored, as Stream does, or refused with ``EmulatorOptions(strict=True)``.

It shares no code with the stream-iac client on purpose, so it can catch the client's mistakes
(``tests/emulator/test_layout.py`` checks that it imports nothing from it).

A request flows through the folders in this order:

* ``adapters/`` - how it arrives: a real HTTP/1.1 (or HTTPS) server, or in-process httpx transports.
* ``emulator.py`` - the facade (``Emulator``): one lock, persistence after writes, test hooks.
* ``pipeline/`` - the pure request -> response path: routing, auth, faults, rate limits, validation, errors.
* ``handlers/`` - one module per resource kind, one function per API operation.
* ``store/`` - the apps' state, the built-in facts of a fresh app, the state file, the clock.

``cli.py`` (``stream-iac emulator`` / ``python -m stream_emulator``) serves it from a shell.
"""

from .adapters.server import ServerHandle, serve_in_thread
from .emulator import Emulator, EmulatorOptions
from .store.clock import ManualClock

__all__ = ["Emulator", "EmulatorOptions", "ManualClock", "ServerHandle", "serve_in_thread"]
