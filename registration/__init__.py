"""Registration: delegates, approval, capacities, sign-ups, badges, check-in."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("registration", __name__)


def init_app(app: Flask) -> None:
    from core.api import register_api_blueprint
    from events.signals import add_join_link_check
    from registration import api, badge_api, badge_views, calendar, models, views  # noqa: F401  (models: the tables must be known to the metadata)

    app.register_blueprint(bp)
    register_api_blueprint(calendar.blp)
    register_api_blueprint(api.blp)
    register_api_blueprint(badge_api.blp)
    add_join_link_check(app, calendar.has_approved_registration)
    calendar.subscribe_to_session_changes(app)
