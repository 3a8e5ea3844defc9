"""Registration: delegates, approval, capacities, sign-ups, badges, check-in."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("registration", __name__)


def init_app(app: Flask) -> None:
    from registration import models  # noqa: F401  (the tables must be known to the metadata)

    app.register_blueprint(bp)
