"""What the emulator remembers and what it starts from.

* ``state`` - one app's state (``AppState``), plain JSON-shaped data.
* ``builtins`` - facts about a fresh Stream app (built-in channel types, roles, grants, limits),
  read from ``data/builtins.json``.
* ``persistence`` - the optional state file, written atomically.
* ``clock`` - the only source of time (``ManualClock`` for tests).
"""
