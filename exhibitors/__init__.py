"""Exhibition: exhibitor profiles, booths and their floor plan, bookings, booth staff, leads (issue 6)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("exhibitors", __name__)


def init_app(app: Flask) -> None:
    import exhibitors.exhibitor_views  # noqa: F401  (adds an exhibitor's own pages to bp)
    import exhibitors.organiser_views  # noqa: F401  (adds the organisers' /manage pages to bp)
    from core.api import register_api_blueprint
    from core.errors import handle_domain_error, wants_json
    from core.signals import add_demo_loader
    from exhibitors import api, cli, views  # noqa: F401  (views: the public pages)
    from exhibitors.booth_import import ImportInvalid

    app.register_blueprint(bp)
    app.jinja_env.filters.setdefault("country_name", views.country_name)
    register_api_blueprint(api.blp)
    app.cli.add_command(cli.exhibitors_cli)
    add_demo_loader(app, "exhibition", cli.load_demo_exhibition)

    @app.errorhandler(ImportInvalid)
    def import_invalid(exc: ImportInvalid):
        return api.import_invalid_response(exc) if wants_json() else handle_domain_error(exc)
