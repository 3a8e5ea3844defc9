"""Site-wide pages: home, language switch, health."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.auth.access import public
from core.extensions import db
from core.security import local_path
from core.signals import home_sections

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    # Each domain contributes what the home page shows of it (events: the summits), in registration order.
    # Each section is a rendered template, so it is markup already, not text to escape.
    sections = [Markup(section()) for section in home_sections(current_app)]  # noqa: S704 (our autoescaped templates)
    return render_template("core/home.html", sections=[s for s in sections if s])


@bp.get("/language/<code>")
@public
def set_language(code: str):
    """The header's language switch; also saved to the profile of a signed-in user."""
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
        if current_user.is_authenticated and current_user.language != code:
            current_user.language = code
            db.session.commit()
    return redirect(local_path(request.args.get("next"), url_for("main.home")))


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="degraded", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
