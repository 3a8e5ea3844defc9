"""What the programme tells later domains, and what it asks of them (imports flow one way: they subscribe)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from blinker import Namespace
from flask import Flask, current_app

if TYPE_CHECKING:
    from core.auth.models import User
    from events.models import Event

_signals = Namespace()

# Sent after a published session's time, place or status changed; kwargs: change ("updated"|"cancelled"), fields.
session_changed = _signals.signal("session-changed")


def add_join_link_check(app: Flask, check: Callable[[User, Event], bool]) -> None:
    """Register who besides organisers may see join links (the registration domain: approved registrants)."""
    app.extensions.setdefault("ascn_join_link_checks", []).append(check)


def may_see_join_link(user, event) -> bool:
    from core.auth.models import Role

    if user is None or not user.is_authenticated:
        return False
    if user.has_role(Role.ORGANISER):
        return True
    return any(check(user, event) for check in current_app.extensions.get("ascn_join_link_checks", []))
