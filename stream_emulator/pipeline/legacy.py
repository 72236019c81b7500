"""The response-shape adapter of the legacy path family (``/app``, ``/channeltypes``... as the classic
``stream-chat`` SDKs call them).

The same handler answers both families; only the wire shape differs. On ``/api/v2`` every ``date-time`` is
an integer of nanoseconds since the epoch (the new SDKs decode nothing else); on the legacy paths it is an
RFC-3339 string (``"2020-06-29T06:14:28.5Z"``), as the legacy SDKs' fixtures and types show (stream-chat-js
types every ``created_at`` as ``string``; REFERENCE §1). Strings are written the way Go's ``time.Time``
marshals itself (RFC 3339 with up to nine fraction digits, trailing zeros dropped), the server being Go.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

NANOSECONDS = 1_000_000_000
# Response fields typed ``date-time`` by the spec in the operations the emulator serves.
TIMESTAMP_FIELDS = frozenset({"created_at", "updated_at", "enabled_at", "disabled_at", "revoke_tokens_issued_before"})
# User data whose keys are not response fields (a permission's MongoDB-style ``condition``).
OPAQUE_FIELDS = frozenset({"condition"})


def rfc3339(nanoseconds: int) -> str:
    """``1750000000123000000`` -> ``"2025-06-15T15:06:40.123Z"`` (Go's ``time.RFC3339Nano``)."""
    seconds, fraction = divmod(nanoseconds, NANOSECONDS)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += "." + f"{fraction:09d}".rstrip("0")
    return text + "Z"


def legacy_shape(payload: Any) -> Any:
    """A copy of a response payload with every nanosecond timestamp as an RFC-3339 string."""
    if isinstance(payload, dict):
        return {
            key: (
                rfc3339(value)
                if key in TIMESTAMP_FIELDS and isinstance(value, int) and not isinstance(value, bool)
                else value if key in OPAQUE_FIELDS else legacy_shape(value)
            )
            for key, value in payload.items()
        }
    if isinstance(payload, list):
        return [legacy_shape(item) for item in payload]
    return payload
