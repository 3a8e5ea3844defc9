"""Check-in pages: the scanner for staff at the doors (/checkin) and the live arrivals for organisers.

The scanner page talks to the server with the browser's session cookie through the JSON twins below (the /api/v1
surface takes bearer tokens only). They are POSTs under the app's CSRF protection: the page sends the token of its
meta tag as X-CSRFToken, and fetches a fresh one from /checkin/token when a long day has expired it.
"""

from __future__ import annotations

from flask import jsonify, render_template, request, send_from_directory
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from config import BASE_DIR
from core.auth.access import public, require_role
from core.auth.models import Role
from core.errors import error_body
from core.extensions import db
from events.models import Event
from events.services import get_event, visible_events
from registration import bp, checkin
from registration.checkin_api import STAFF, staff_checkpoint, staff_event
from registration.checkin_models import Checkpoint
from registration.checkin_reports import checkin_stats, offline_bundle
from registration.checkin_schemas import CheckinRequestSchema
from registration.services import is_organiser

# The QR decoder of the camera (jsQR, Apache-2.0), installed by `npm ci` from package.json and served from there.
JSQR_DIR = BASE_DIR / "node_modules" / "jsqr" / "dist"


@bp.get("/checkin")
@require_role(*STAFF)
def checkin_home():
    events = db.session.scalars(visible_events(include_drafts=is_organiser(current_user))).all()
    checkpoints = db.session.scalars(
        select(Checkpoint)
        .where(Checkpoint.event_id.in_([event.id for event in events]))
        .options(selectinload(Checkpoint.session))
        .order_by(Checkpoint.day, Checkpoint.name)
    ).all()
    by_event: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        by_event.setdefault(checkpoint.event_id, []).append(checkpoint)
    return render_template(
        "registration/checkin/choose.html",
        events=[event for event in events if event.id in by_event],
        by_event=by_event,
        without_checkpoints=[event for event in events if event.id not in by_event],
    )


@bp.get("/checkin/<int:checkpoint_id>")
@require_role(*STAFF)
def scanner(checkpoint_id: int):
    checkpoint = staff_checkpoint(checkpoint_id)
    return render_template("registration/checkin/scanner.html", checkpoint=checkpoint, event=checkpoint.event)


@bp.post("/checkin/<int:checkpoint_id>/scan")
@require_role(*STAFF)
def scan_from_page(checkpoint_id: int):
    """The scanner page's twin of POST /api/v1/checkin (session cookie and CSRF token instead of a bearer token)."""
    checkpoint = staff_checkpoint(checkpoint_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error_body("bad_request", _("The request body is not valid JSON."))), 400
    try:
        data = CheckinRequestSchema().load({**body, "checkpoint_id": checkpoint.id})
    except ValidationError as exc:
        return jsonify(error_body("validation_failed", _("Some fields are not valid."), exc.messages)), 422
    verdict = checkin.perform_checkin(
        checkpoint,
        data["code"],
        current_user,
        scanned_at=data.get("scanned_at"),
        device_id=data.get("device_id"),
        nonce=data.get("nonce"),
    )
    db.session.commit()
    return jsonify(verdict)


@bp.get("/checkin/events/<int:event_id>/offline.json")
@require_role(*STAFF)
def offline_from_page(event_id: int):
    return jsonify(offline_bundle(staff_event(event_id)))


@bp.get("/checkin/token")
@require_role(*STAFF)
def fresh_csrf_token():
    return jsonify({"csrf_token": generate_csrf()})


@bp.get("/checkin/vendor/jsQR.js")
@public
def jsqr_script():
    return send_from_directory(JSQR_DIR, "jsQR.js", mimetype="text/javascript", max_age=86400)


# Arrivals (organisers) ------------------------------------------------------------------------------------------


def _organiser_event(event_id: int) -> Event:
    return get_event(event_id, include_drafts=True)


@bp.get("/manage/events/<int:event_id>/arrivals")
@require_role(Role.ORGANISER)
def arrivals(event_id: int):
    event = _organiser_event(event_id)
    return render_template("registration/checkin/arrivals.html", event=event, stats=checkin_stats(event))


@bp.get("/manage/events/<int:event_id>/arrivals.json")
@require_role(Role.ORGANISER)
def arrivals_data(event_id: int):
    return jsonify(checkin_stats(_organiser_event(event_id)))
