"""Badge calls of /api/v1: a registration's badge PDF, bulk badges of an event, reissuing a badge."""

from __future__ import annotations

import marshmallow as ma
from flask import Response
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from core.api import BEARER
from core.auth.access import require_role
from core.auth.models import Role
from core.errors import DomainError
from core.extensions import db
from events.services import get_event
from registration import badge_services, services
from registration.badges import render_badges
from registration.schemas import BadgeCodeSchema, BadgeLayoutArgsSchema, BulkBadgeArgsSchema

blp = Blueprint("badge_api", __name__, description="Badges: printable PDF badges with their QR code, and reissue")

PDF = {"type": "string", "format": "binary"}


def pdf_response(body: bytes, filename: str) -> Response:
    """A PDF shown by the browser (to print or save); it carries badge codes, so no shared cache may keep it."""
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def badge_pdf(registration, layout) -> Response:
    """The registration's badge; raises DomainError `not_approved`, `online_attendance`."""
    badge_services.check_printable(registration)
    return pdf_response(render_badges(registration.event, [registration], layout), f"badge-{registration.id}.pdf")


def bulk_badges_pdf(event, args: dict) -> Response:
    """The badges of `event` chosen by `args` (BulkBadgeArgsSchema); raises DomainError `no_badges` (404)."""
    chosen = badge_services.badge_registrations(
        event,
        status=args["status"],
        category=args.get("category"),
        country=args.get("country"),
        organisation=args.get("organisation"),
        registration_id=args.get("registration_id"),
    )
    if not chosen:
        raise DomainError("no_badges", _("No badge matches this choice: nothing to print."), status=404)
    return pdf_response(render_badges(event, chosen, args["layout"]), f"badges-{event.slug}.pdf")


@blp.route("/registrations/<int:registration_id>/badge.pdf", methods=["GET"])
@blp.arguments(BadgeLayoutArgsSchema, location="query", unknown=ma.RAISE)
@blp.response(200, PDF, content_type="application/pdf", description="The badge, ready to print.")
@blp.alt_response(403, description="A focal point: the badge is the delegate's and the organisers' only")
@blp.alt_response(404, description="No such registration, or not the caller's")
@blp.alt_response(409, description="`not_approved`, `online_attendance`")
@blp.doc(security=BEARER)
@require_role()
def registration_badge(args, registration_id):
    """The badge of an approved, in-person registration: its owner or an organiser."""
    registration = badge_services.get_badge_registration(current_user, registration_id)
    return badge_pdf(registration, args["layout"])


@blp.route("/registrations/<int:registration_id>/badge/reissue", methods=["POST"])
@blp.response(200, BadgeCodeSchema)
@blp.alt_response(404, description="No such registration")
@blp.alt_response(409, description="`badge_version_exhausted`")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def reissue_badge(registration_id):
    """Give a lost or stolen badge a new code (organiser); the old code is revoked at check-in."""
    registration = services.get_registration_for(current_user, registration_id)
    code = badge_services.reissue_badge(registration, current_user)
    db.session.commit()
    return {"registration_id": registration.id, "badge_code": code, "badge_version": registration.badge_version}


@blp.route("/events/<int:event_id>/badges.pdf", methods=["GET"])
@blp.arguments(BulkBadgeArgsSchema, location="query", unknown=ma.RAISE)
@blp.response(
    200,
    PDF,
    content_type="application/pdf",
    description="The chosen in-person registrations' badges, by country then name.",
)
@blp.alt_response(404, description="No such event, or `no_badges`: nothing matches the filters")
@blp.alt_response(422, description="A filter is not valid")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def event_badges(args, event_id):
    """Badges in bulk (organiser): by category, country or delegation (`organisation`)."""
    event = get_event(event_id, include_drafts=True)
    return bulk_badges_pdf(event, args)
