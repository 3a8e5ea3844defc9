"""Programme calls of /api/v1: events, rooms, sessions."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from core.api import BEARER, PageArgsSchema, list_envelope, paginate
from core.auth.access import public, require_role
from core.auth.models import Role
from core.errors import NotFound
from core.extensions import db
from events import services
from events.models import Room
from events.schemas import (
    EventPatchSchema,
    EventSchema,
    RoomPatchSchema,
    RoomSchema,
    SessionListArgsSchema,
    SessionPatchSchema,
    SessionSchema,
)

blp = Blueprint("programme_api", __name__, description="Programme: events, rooms, sessions")

CONFLICTS = "`room_conflict`, `speaker_conflict` or `outside_event_dates`"


def _is_organiser() -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.ORGANISER)


@blp.route("/events", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, list_envelope(EventSchema))
@public
def list_events(args):
    """Published events (organisers also see drafts)."""
    return paginate(services.visible_events(include_drafts=_is_organiser()), args)


@blp.route("/events", methods=["POST"])
@blp.arguments(EventSchema)
@blp.response(201, EventSchema)
@blp.alt_response(409, description="`slug_taken`")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def create_event(data):
    """Create an event (organiser)."""
    event = services.create_event(data)
    db.session.commit()
    return event


@blp.route("/events/<int:event_id>", methods=["GET"])
@blp.response(200, EventSchema)
@public
def get_event(event_id):
    """One event; a draft is 404 to all but organisers."""
    return services.get_event(event_id, include_drafts=_is_organiser())


@blp.route("/events/<int:event_id>", methods=["PATCH"])
@blp.arguments(EventPatchSchema(partial=True))
@blp.response(200, EventSchema)
@blp.alt_response(409, description="`slug_taken`")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def update_event(data, event_id):
    """Change an event (organiser)."""
    event = services.update_event(services.get_event(event_id, include_drafts=True), data)
    db.session.commit()
    return event


@blp.route("/events/<int:event_id>/rooms", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, list_envelope(RoomSchema))
@public
def list_rooms(args, event_id):
    """The event's rooms."""
    event = services.get_event(event_id, include_drafts=_is_organiser())
    return paginate(select(Room).where(Room.event_id == event.id).order_by(Room.name, Room.id), args)


@blp.route("/events/<int:event_id>/rooms", methods=["POST"])
@blp.arguments(RoomSchema)
@blp.response(201, RoomSchema)
@blp.alt_response(409, description="`room_name_taken`")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def create_room(data, event_id):
    """Add a room (organiser)."""
    room = services.create_room(services.get_event(event_id, include_drafts=True), **data)
    db.session.commit()
    return room


@blp.route("/rooms/<int:room_id>", methods=["PATCH"])
@blp.arguments(RoomPatchSchema(partial=True))
@blp.response(200, RoomSchema)
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def update_room(data, room_id):
    """Rename a room or change its capacity (organiser)."""
    room = db.session.get(Room, room_id) or _not_found()
    services.update_room(room, name=data.get("name"), capacity=data.get("capacity", room.capacity))
    db.session.commit()
    return room


@blp.route("/events/<int:event_id>/sessions", methods=["GET"])
@blp.arguments(SessionListArgsSchema, location="query")
@blp.response(200, list_envelope(SessionSchema))
@public
def list_sessions(args, event_id):
    """The event's sessions in time order; filters `kind`, `theme`. Drafts for organisers only."""
    organiser = _is_organiser()
    event = services.get_event(event_id, include_drafts=organiser)
    kind = args.get("kind")
    statement = services.sessions_of(
        event, include_drafts=organiser, kind=kind.value if kind else None, theme=args.get("theme")
    )
    return paginate(statement, args)


@blp.route("/events/<int:event_id>/sessions", methods=["POST"])
@blp.arguments(SessionSchema)
@blp.response(201, SessionSchema)
@blp.alt_response(409, description=CONFLICTS)
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def create_session(data, event_id):
    """Schedule a session (organiser). Times without an offset are read in the event's time zone."""
    session = services.create_session(services.get_event(event_id, include_drafts=True), data)
    db.session.commit()
    return session


@blp.route("/sessions/<int:session_id>", methods=["GET"])
@blp.response(200, SessionSchema)
@public
def get_session(session_id):
    """One session; the join link only for organisers and approved registrants."""
    return services.get_session(session_id, include_drafts=_is_organiser())


@blp.route("/sessions/<int:session_id>", methods=["PATCH"])
@blp.arguments(SessionPatchSchema(partial=True))
@blp.response(200, SessionSchema)
@blp.alt_response(409, description=CONFLICTS)
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def update_session(data, session_id):
    """Change a session (organiser); a change of time, room or status raises its SEQUENCE."""
    session = services.update_session(services.get_session(session_id, include_drafts=True), data)
    db.session.commit()
    return session


@blp.route("/sessions/<int:session_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def delete_session(session_id):
    """Delete a session nobody signed up for; otherwise cancel it (it stays in feeds as cancelled)."""
    services.delete_session(services.get_session(session_id, include_drafts=True))
    db.session.commit()


def _not_found():
    raise NotFound()
