"""The public programme feed: what anyone may subscribe to, without join links."""

from __future__ import annotations

from flask import abort

from core.auth.access import public
from core.extensions import db
from events import bp
from events.ical import build_calendar, calendar_response
from events.services import get_event_by_slug, sessions_of


@bp.get("/events/<slug>/calendar.ics")
@public
def programme_calendar(slug: str):
    """The published programme of a published event; cancelled sessions stay, marked STATUS:CANCELLED."""
    event = get_event_by_slug(slug, include_drafts=False) or abort(404)
    sessions = db.session.scalars(sessions_of(event, include_drafts=False)).all()
    body = build_calendar(event, sessions, join_links=False, feed=True)
    return calendar_response(body, filename=f"{event.slug}.ics", private=False)
