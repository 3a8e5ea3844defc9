"""Programme operations. They flush; the caller commits."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from events.models import Event, EventStatus


def published_events() -> list[Event]:
    """Published events, soonest first."""
    return list(
        db.session.scalars(select(Event).where(Event.status == EventStatus.PUBLISHED).order_by(Event.starts_on))
    )


def get_event_by_slug(slug: str, *, include_drafts: bool = False) -> Event | None:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None or (not event.is_published and not include_drafts):
        return None
    return event
