"""Exhibition: exhibitor profiles, booths and their floor plan, bookings, booth staff, leads (issue 6)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("exhibitors", __name__)


def init_app(app: Flask) -> None:
    from exhibitors import models  # noqa: F401  (the tables must be known to the metadata)

    app.register_blueprint(bp)
