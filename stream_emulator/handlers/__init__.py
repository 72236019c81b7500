"""Request handlers, one module per resource kind.

Each handler takes a ``common.Context`` (path parameters, query, parsed JSON body, the app's state)
and returns ``(status, payload)``; it raises ``pipeline.errors.ApiError`` to refuse. A write handler
works on a private copy of the state, which replaces the app's state only if it returns normally.
The table that maps operations to handlers is ``pipeline.routing.OPERATIONS``.

Each handler's docstring reads "OperationId: METHOD /path with BODY -> STATUS PAYLOAD; errors", paths
under ``/api/v2`` (the legacy un-prefixed path family reaches the same handler, see
``pipeline.routing``) and errors as status/code. ``Context.strict`` and ``Context.legacy`` tell a
handler how the request came; most need neither. Not repeated there: the pipeline adds ``duration``
to every payload, and any operation may also answer 401/403 (key or token), 429 (rate limit) or an
injected fault.
"""
