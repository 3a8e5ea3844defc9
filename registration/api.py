"""Registration calls of /api/v1: registrations, decisions, sign-ups."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from core.api import BEARER, PageArgsSchema, list_envelope, paginate
from core.auth.access import require_role
from core.auth.models import Role
from core.errors import Forbidden, NotFound
from core.extensions import db
from events.services import get_event, get_session
from registration import services
from registration.models import Signup, SignupStatus
from registration.schemas import (
    DecisionSchema,
    RegistrationListArgsSchema,
    RegistrationPatchSchema,
    RegistrationSchema,
    SignupRequestSchema,
    SignupSchema,
)

blp = Blueprint("registration_api", __name__, description="Registrations and sign-ups")


@blp.route("/events/<int:event_id>/registrations", methods=["POST"])
@blp.arguments(RegistrationSchema)
@blp.response(201, RegistrationSchema)
@blp.alt_response(409, description="`already_registered`, `registration_closed`")
@blp.doc(security=BEARER)
@require_role()
def create_registration(data, event_id):
    """Register oneself; organisers and focal points may give `email` to register someone else."""
    event = get_event(event_id, include_drafts=services.is_organiser(current_user))
    email = data.pop("email", None)
    registration = services.register(event, current_user, data, email=email)
    db.session.commit()
    return registration


@blp.route("/events/<int:event_id>/registrations", methods=["GET"])
@blp.arguments(RegistrationListArgsSchema, location="query")
@blp.response(200, list_envelope(RegistrationSchema))
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER, Role.FOCAL_POINT)
def list_registrations(args, event_id):
    """Organisers: every registration; a focal point: their country's. Filters status, category, country, q."""
    event = get_event(event_id, include_drafts=services.is_organiser(current_user))
    statement = services.registrations_query(
        event,
        current_user,
        status=args.get("status"),
        category=args.get("category"),
        country=args.get("country"),
        q=args.get("q"),
    )
    return paginate(statement, args)


@blp.route("/registrations/<int:registration_id>", methods=["GET"])
@blp.response(200, RegistrationSchema)
@blp.doc(security=BEARER)
@require_role()
def get_registration(registration_id):
    """One registration: its owner, an organiser, or the focal point of its country."""
    return services.get_registration_for(current_user, registration_id)


@blp.route("/registrations/<int:registration_id>", methods=["PATCH"])
@blp.arguments(RegistrationPatchSchema(partial=True))
@blp.response(200, RegistrationSchema)
@blp.doc(security=BEARER)
@require_role()
def update_registration(data, registration_id):
    """Change one's details (not the state)."""
    registration = services.get_registration_for(current_user, registration_id)
    data.pop("email", None)
    data.pop("language", None)
    services.update_registration(registration, data, current_user)
    db.session.commit()
    return registration


@blp.route("/registrations/<int:registration_id>/approve", methods=["POST"])
@blp.response(200, RegistrationSchema)
@blp.alt_response(409, description="`event_full`")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def approve_registration(registration_id):
    """Approve (organiser)."""
    registration = services.get_registration_for(current_user, registration_id)
    services.approve(registration, current_user)
    db.session.commit()
    return registration


@blp.route("/registrations/<int:registration_id>/reject", methods=["POST"])
@blp.arguments(DecisionSchema, required=False)
@blp.response(200, RegistrationSchema)
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def reject_registration(data, registration_id):
    """Reject with an optional `reason` told to the delegate (organiser)."""
    registration = services.get_registration_for(current_user, registration_id)
    services.reject(registration, current_user, (data or {}).get("reason", ""))
    db.session.commit()
    return registration


@blp.route("/registrations/<int:registration_id>/cancel", methods=["POST"])
@blp.response(200, RegistrationSchema)
@blp.doc(security=BEARER)
@require_role()
def cancel_registration(registration_id):
    """Cancel: the owner, an organiser or the country's focal point."""
    registration = services.get_registration_for(current_user, registration_id)
    if registration.user_id != current_user.id and not services.may_manage(current_user, registration):
        raise Forbidden()
    services.cancel(registration, current_user)
    db.session.commit()
    return registration


@blp.route("/sessions/<int:session_id>/signups", methods=["POST"])
@blp.arguments(SignupRequestSchema, required=False)
@blp.response(201, SignupSchema)
@blp.alt_response(409, description="`schedule_overlap`, `not_approved`, `not_open`")
@blp.doc(security=BEARER)
@require_role()
def create_signup(data, session_id):
    """Sign up for a session; `registration_id` is optional for the owner."""
    session = get_session(session_id, include_drafts=services.is_organiser(current_user))
    registration_id = (data or {}).get("registration_id")
    if registration_id is None:
        registration = services.registration_of(current_user, session.event)
        if registration is None:
            raise NotFound()
    else:
        registration = services.get_registration_for(current_user, registration_id)
        if registration.user_id != current_user.id and not services.may_manage(current_user, registration):
            raise Forbidden()
    signup = services.sign_up(session, registration)
    db.session.commit()
    return signup


@blp.route("/sessions/<int:session_id>/signups/<int:registration_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=BEARER)
@require_role()
def delete_signup(session_id, registration_id):
    """Leave a session; the first on its waiting list moves up."""
    registration = services.get_registration_for(current_user, registration_id)
    if registration.user_id != current_user.id and not services.may_manage(current_user, registration):
        raise Forbidden()
    signup = db.session.scalar(
        select(Signup).where(
            Signup.session_id == session_id,
            Signup.registration_id == registration.id,
            Signup.status != SignupStatus.CANCELLED,
        )
    )
    if signup is None:
        raise NotFound()
    services.cancel_signup(signup)
    db.session.commit()


@blp.route("/registrations/<int:registration_id>/signups", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, list_envelope(SignupSchema))
@blp.doc(security=BEARER)
@require_role()
def list_signups(args, registration_id):
    """The registration's sign-ups in time order, with waiting positions."""
    registration = services.get_registration_for(current_user, registration_id)
    return paginate(services.signups_query(registration), args)
