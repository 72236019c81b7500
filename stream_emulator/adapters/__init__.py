"""How requests arrive: each adapter turns its own kind of request into a ``pipeline.wire.HttpRequest``,
hands it to ``Emulator.dispatch`` and turns the ``Outcome`` back (waiting ``delay_seconds``, or
dropping the connection for an injected fault).

* ``server`` - a real HTTP/1.1 server on a socket (asyncio, one background thread), plain or TLS.
* ``transports`` - httpx transports (sync and async) that call the emulator in-process, no socket.

The command line (``stream_emulator.cli``) starts ``server`` from a shell.
"""
