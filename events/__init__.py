"""Programme: events, rooms, sessions, calendar."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("events", __name__)


def init_app(app: Flask) -> None:
    import events.ical_views  # noqa: F401  (adds the public feed's route to bp)
    import events.organiser_views  # noqa: F401  (adds the organisers' /manage pages to bp)
    from core.api import register_api_blueprint
    from core.signals import add_demo_loader, add_home_section
    from events import api, views
    from events.cli import load_demo_summit

    app.register_blueprint(bp)
    register_api_blueprint(api.blp)
    add_home_section(app, views.home_section)
    add_demo_loader(app, "summit", load_demo_summit)
