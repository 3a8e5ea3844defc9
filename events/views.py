"""Public programme pages."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from core.auth.access import public
from core.auth.models import Role
from events import bp
from events.services import get_event_by_slug, published_events


@bp.get("/events/<slug>")
@public
def event_page(slug: str):
    can_see_drafts = current_user.is_authenticated and current_user.has_role(Role.ORGANISER)
    event = get_event_by_slug(slug, include_drafts=can_see_drafts) or abort(404)
    return render_template("events/event.html", event=event)


def home_section() -> str:
    return render_template("events/_home_events.html", events=published_events())
