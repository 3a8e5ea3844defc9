"""What the programme tells later domains, and what it asks of them (imports flow one way: they subscribe)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent after a published session's time, place or status changed; kwargs: change ("updated"|"cancelled"), fields.
session_changed = _signals.signal("session-changed")
