"""The pure request -> response path: no sockets, no sleeping, no disk.

``core.Core.handle`` drives one request through it, in this order:

1. ``wire`` - the request arrives as a transport-neutral ``HttpRequest``.
2. ``routing`` - the operation table (operation id, method, path pattern, handler), served on ``/api/v2``
   and on the legacy un-prefixed paths; 404/405 if none.
3. ``auth`` - is ``?api_key=`` one of the emulated apps (401 otherwise)?
4. ``faults`` - a deterministic draw may inject a 500, a 429 or a dropped connection.
5. ``auth`` - the server JWT in ``Authorization`` (401/403).
6. ``ratelimit`` - per-app, per-operation windows; the ``x-ratelimit-*`` headers; 429.
7. the JSON body is parsed, and the handler checks it against ``request_schemas`` (written in the
   small validation language of ``schema``; 400, code 4): unknown fields are dropped, or refused
   when the emulator is strict.
8. the handler (``stream_emulator.handlers``) runs on the app's state (``stream_emulator.store``).
9. ``legacy`` - on a legacy path, the payload's timestamps become RFC-3339 strings.
10. ``wire`` / ``errors`` - the payload, or Stream's error body for any ``ApiError``, becomes an
   ``HttpResponse`` inside an ``Outcome`` (which also carries the added latency or a drop).
"""
