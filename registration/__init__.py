"""Registration: delegates, approval, capacities, sign-ups, badges, check-in."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("registration", __name__)


def init_app(app: Flask) -> None:
    from core.api import register_api_blueprint
    from core.signals import add_account_eraser, add_demo_loader, add_personal_data
    from events.signals import add_join_link_check
    from registration import (  # noqa: F401  (models: the tables must be known to the metadata; views: routes on bp)
        api,
        badge_api,
        badge_views,
        calendar,
        checkin_api,
        checkin_models,
        checkin_views,
        demo,
        manage_views,
        models,
        privacy,
        spreadsheet_api,
        spreadsheet_views,
        views,
    )
    from registration.checkin_demo import load_demo_checkpoints

    app.register_blueprint(bp)
    register_api_blueprint(calendar.blp)
    register_api_blueprint(api.blp)
    register_api_blueprint(checkin_api.blp)
    register_api_blueprint(spreadsheet_api.blp)
    register_api_blueprint(badge_api.blp)
    add_join_link_check(app, calendar.has_approved_registration)
    calendar.subscribe_to_session_changes(app)
    add_personal_data(app, "registrations", privacy.collect_registrations)
    add_account_eraser(app, privacy.erase_registrations)
    add_demo_loader(app, "delegates", demo.load_demo_delegates)
    add_demo_loader(app, "checkpoints", load_demo_checkpoints)
    if app.config.get("BENCH_ENDPOINTS"):
        from registration import checkin_bench

        register_api_blueprint(checkin_bench.blp)
