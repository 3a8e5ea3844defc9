"""Check-in calls of /api/v1: checkpoints, scans, arrival figures and the offline bundle (scanner devices)."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from core.api import BEARER, PageArgsSchema, list_envelope, paginate
from core.auth.access import require_role
from core.auth.models import Role
from core.errors import NotFound
from core.extensions import db
from events.services import get_event
from registration import checkin
from registration.checkin_reports import checkin_stats, offline_bundle
from registration.checkin_schemas import (
    CheckinRequestSchema,
    CheckinStatsSchema,
    CheckpointSchema,
    OfflineBundleSchema,
    VerdictSchema,
)
from registration.services import is_organiser

blp = Blueprint("checkin_api", __name__, description="On-site check-in: checkpoints, scans, arrivals")

STAFF = (Role.CHECKIN, Role.ORGANISER)


def staff_event(event_id: int):
    """The event, for check-in staff and organisers; a draft only for organisers (404 otherwise)."""
    return get_event(event_id, include_drafts=is_organiser(current_user))


def staff_checkpoint(checkpoint_id: int):
    """The checkpoint, if its event is one the caller may see; otherwise NotFound."""
    found = checkin.get_checkpoint(checkpoint_id)
    staff_event(found.event_id)
    return found


@blp.route("/events/<int:event_id>/checkpoints", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, list_envelope(CheckpointSchema))
@blp.doc(security=BEARER)
@require_role(*STAFF)
def list_checkpoints(args, event_id):
    """The event's checkpoints (check-in staff, organisers)."""
    return paginate(checkin.checkpoints_query(staff_event(event_id)), args)


@blp.route("/events/<int:event_id>/checkpoints", methods=["POST"])
@blp.arguments(CheckpointSchema)
@blp.response(201, CheckpointSchema)
@blp.alt_response(409, description="`checkpoint_name_taken`")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def create_checkpoint(data, event_id):
    """Add a checkpoint: the venue's entrance (a `day`, or every day) or a session's door (organiser)."""
    created = checkin.create_checkpoint(staff_event(event_id), data)
    db.session.commit()
    return created


@blp.route("/events/<int:event_id>/checkpoints/<int:checkpoint_id>", methods=["GET"])
@blp.response(200, CheckpointSchema)
@blp.doc(security=BEARER)
@require_role(*STAFF)
def get_checkpoint(event_id, checkpoint_id):
    """One checkpoint of the event."""
    found = staff_checkpoint(checkpoint_id)
    if found.event_id != event_id:
        raise NotFound()
    return found


@blp.route("/checkin", methods=["POST"])
@blp.arguments(CheckinRequestSchema)
@blp.response(200, VerdictSchema)
@blp.doc(security=BEARER)
@require_role(*STAFF)
def scan_badge(data):
    """Scan a badge at a checkpoint: the verdict, every result of API.md at 200. A repeated nonce, the first answer."""
    checkpoint = staff_checkpoint(data["checkpoint_id"])
    verdict = checkin.perform_checkin(
        checkpoint,
        data["code"],
        current_user,
        scanned_at=data.get("scanned_at"),
        device_id=data.get("device_id"),
        nonce=data.get("nonce"),
    )
    db.session.commit()
    return verdict


@blp.route("/events/<int:event_id>/checkin/stats", methods=["GET"])
@blp.response(200, CheckinStatsSchema)
@blp.doc(security=BEARER)
@require_role(*STAFF)
def stats(event_id):
    """Arrivals: registered, approved, checked in; by checkpoint, by hour (the event's zone) and by country."""
    return checkin_stats(staff_event(event_id))


@blp.route("/events/<int:event_id>/checkin/offline", methods=["GET"])
@blp.response(200, OfflineBundleSchema)
@blp.doc(security=BEARER)
@require_role(*STAFF)
def offline(event_id):
    """What a scanner keeps to judge badges while the network is down: the public key, revoked codes, the people."""
    return offline_bundle(staff_event(event_id))
