"""Registration operations shared by the pages, the API and the CLI. They flush; the caller commits."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError

from core.auth.models import Role, User
from core.auth.services import create_user, find_user_by_email, make_reset_token
from core.db import utcnow
from core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.mail.services import enqueue_template
from events.models import ApprovalMode, Event, EventStatus, ProgrammeSession, SessionStatus
from registration import seats
from registration.calendar import send_session_invitation, send_session_withdrawal
from registration.models import Attendance, Category, Registration, RegistrationStatus, Signup, SignupStatus

logger = logging.getLogger(__name__)

# The registration's own fields, in the order of API.md (the spreadsheet columns follow it).
REGISTRATION_FIELD_ORDER = (
    "category",
    "attendance",
    "full_name",
    "organisation",
    "job_title",
    "country",
    "city",
    "dietary",
    "accessibility",
    "consent_data_processing",
    "consent_lead_sharing",
)
REGISTRATION_FIELDS = set(REGISTRATION_FIELD_ORDER)
# States in which a registration holds an in-person seat of the event.
SEATED = (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("validation_failed", _("Some fields are not valid."), fields={field: [message]})


# Who may do what -------------------------------------------------------------------------------------------------


def is_organiser(user) -> bool:
    return user is not None and user.is_authenticated and user.has_role(Role.ORGANISER)


def may_manage(user, registration: Registration) -> bool:
    """Organisers manage every registration; a focal point those of their own country."""
    if is_organiser(user):
        return True
    return bool(
        user.is_authenticated
        and user.has_role(Role.FOCAL_POINT)
        and user.country
        and registration.country == user.country
    )


def may_read(user, registration: Registration) -> bool:
    return bool(user.is_authenticated and (registration.user_id == user.id or may_manage(user, registration)))


def get_registration_for(user, registration_id: int) -> Registration:
    """The registration, if the user may read it; otherwise NotFound (no one learns that it exists)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or not may_read(user, registration):
        raise NotFound()
    return registration


def registration_of(user, event: Event) -> Registration | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.user_id == user.id)
    )


# Registering -----------------------------------------------------------------------------------------------------


def check_window(event: Event, now: datetime | None = None) -> None:
    """Raises DomainError `registration_closed` outside the event's registration window (or for a draft)."""
    now = now or utcnow()
    if event.status is not EventStatus.PUBLISHED:
        raise DomainError("registration_closed", _("Registration for this event is not open."))
    if event.registration_opens_at and now < event.registration_opens_at:
        raise DomainError("registration_closed", _("Registration for this event has not opened yet."))
    if event.registration_closes_at and now >= event.registration_closes_at:
        raise DomainError("registration_closed", _("Registration for this event has closed."))


def register(event: Event, actor, data: dict, *, email: str | None = None) -> Registration:
    """Register the actor, or (organiser, focal point) the person with `email`, creating their account if needed.

    Raises DomainError `registration_closed`, `already_registered`; Forbidden when a focal point registers
    another country or a delegate registers someone else; ValidationFailed.
    """
    check_window(event)
    manager = is_organiser(actor) or actor.has_role(Role.FOCAL_POINT)
    if email and (not manager or email.strip().lower() == actor.email):
        if not manager:
            raise Forbidden(message=_("Only organisers and focal points register other people."))
        email = None
    if not data.get("consent_data_processing"):
        raise invalid("consent_data_processing", _("We can only register you with your consent to data processing."))
    country = (data.get("country") or (actor.country if not email else "") or "").upper()
    if email and not is_organiser(actor):
        if not actor.country:
            raise Forbidden(message=_("Your account has no country, so you cannot register a delegation."))
        country = country or actor.country
        if country != actor.country:
            raise Forbidden(message=_("A focal point registers delegates of their own country only."))
    _check_category(actor, data.get("category"))
    person, is_new_account = _person_for(email, data, actor) if email else (actor, False)
    fields = {key: value for key, value in data.items() if key in REGISTRATION_FIELDS}
    fields["country"] = country
    fields.setdefault("full_name", person.full_name)
    fields["full_name"] = (fields["full_name"] or person.full_name).strip()
    registration = Registration(event=event, user=person, **fields)
    _check_fields(event, registration)
    # A brand-new account has no registration: one query less per delegate of a big import.
    if not is_new_account and registration_of(person, event) is not None:
        raise DomainError("already_registered", _("This person is already registered for this event."))
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError as exc:
        raise DomainError("already_registered", _("This person is already registered for this event.")) from exc
    _place(registration, initial=True)
    return registration


def _person_for(email: str, data: dict, actor) -> tuple[User, bool]:
    """The account behind an e-mail, created with a set-password invitation when it does not exist; and whether
    it was just created."""
    person = find_user_by_email(email)
    if person is not None:
        return person, False
    full_name = (data.get("full_name") or "").strip()
    if not full_name:
        raise invalid("full_name", _("Give the delegate's full name."))
    # No password until the person chooses one through the invitation: no slow hash per delegate of a big import.
    person = create_user(email, None, full_name, language=data.get("language") or "en")
    enqueue_template(
        "account_invitation",
        to_address=person.email,
        to_name=person.full_name,
        language=person.language,
        inviter=actor.full_name,
        # The link is built in the mail's own context, on BASE_URL: an import may run from the command line.
        set_password_token=make_reset_token(person, invitation=True),
        valid_days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )
    return person, True


def register_approved(event: Event, actor, data: dict, *, email: str) -> Registration:
    """Register the person with `email` as approved at once, outside the registration window and moderation.

    For people whom another approved party vouches for (an exhibitor's booth staff, within its badge quota). The
    account is created with a set-password invitation where missing. An in-person registration takes a seat like
    any other, so the event's capacity holds. Raises DomainError `already_registered`, `event_full`; ValidationFailed.
    """
    person, _created = _person_for(email, data, actor)
    fields = {key: value for key, value in data.items() if key in REGISTRATION_FIELDS}
    fields["full_name"] = (fields.get("full_name") or person.full_name).strip()
    registration = Registration(event=event, user=person, **fields)
    _check_fields(event, registration)
    if registration_of(person, event) is not None:
        raise DomainError("already_registered", _("This person is already registered for this event."))
    if _takes_seat(registration) and not seats.take_seat(Event, event.id):
        raise DomainError("event_full", _("The event is full: no in-person seat is left."))
    registration.status = RegistrationStatus.APPROVED
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError as exc:
        raise DomainError("already_registered", _("This person is already registered for this event.")) from exc
    seats.refresh(event)
    _tell(registration, "registration_approved")
    return registration


def _check_fields(event: Event, registration: Registration) -> None:
    if not registration.full_name:
        raise invalid("full_name", _("Give the delegate's full name."))
    if registration.country and (len(registration.country) != 2 or not registration.country.isalpha()):
        raise invalid("country", _("Use a two-letter ISO country code."))
    if registration.attendance is Attendance.ONLINE and event.mode.value == "in_person":
        raise invalid("attendance", _("This event takes place in person only."))
    if registration.attendance is Attendance.IN_PERSON and event.mode.value == "online":
        registration.attendance = Attendance.ONLINE


def _takes_seat(registration: Registration) -> bool:
    # Booth staff are counted by their exhibitor's badge quota, not by the delegates' seats of the event.
    return registration.attendance is Attendance.IN_PERSON and registration.category is not Category.EXHIBITOR


def _check_category(actor, category, current: Category | None = None) -> None:
    """Booth staff come only through their exhibitor (register_approved); the organiser category from organisers.

    Raises ValidationFailed on `category`.
    """
    if category is None or category == current:
        return
    if Category.EXHIBITOR in (category, current):
        raise invalid("category", _("Booth staff are registered by their exhibitor, within its badge quota."))
    if category is Category.ORGANISER and not is_organiser(actor):
        raise invalid("category", _("Only organisers register members of the organising team."))


def _place(registration: Registration, *, initial: bool) -> None:
    """Give a new (or promoted) registration its state: a seat and pending/approved, or the waiting list."""
    event = registration.event
    if not _takes_seat(registration) or seats.take_seat(Event, event.id):
        registration.status = (
            RegistrationStatus.APPROVED if event.approval is ApprovalMode.AUTO else RegistrationStatus.PENDING
        )
        registration.waitlist_position = None
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlist_position = seats.join_waitlist(Event, event.id)
    db.session.flush()
    seats.refresh(event)
    if initial:
        _tell(
            registration,
            {
                RegistrationStatus.PENDING: "registration_received",
                RegistrationStatus.APPROVED: "registration_approved",
                RegistrationStatus.WAITLISTED: "registration_waitlisted",
            }[registration.status],
        )


def update_registration(registration: Registration, data: dict, actor=None) -> Registration:
    """Change the registration's details (not its state). Raises ValidationFailed, DomainError `event_full`."""
    _check_category(actor, data.get("category"), current=registration.category)
    for key, value in data.items():
        if key in REGISTRATION_FIELDS - {"attendance"}:
            setattr(registration, key, value)
    if "consent_data_processing" in data and not data["consent_data_processing"]:
        raise invalid("consent_data_processing", _("We can only register you with your consent to data processing."))
    if "attendance" in data and data["attendance"] != registration.attendance:
        _change_attendance(registration, data["attendance"])
    _check_fields(registration.event, registration)
    db.session.flush()
    return registration


def _change_attendance(registration: Registration, attendance: Attendance) -> None:
    event = registration.event
    _reread_under_event_lock(registration)
    seated = registration.status in SEATED
    if attendance is Attendance.IN_PERSON and seated and not seats.take_seat(Event, event.id):
        raise DomainError("event_full", _("No in-person seat is left; you can stay online."))
    registration.attendance = attendance
    if attendance is Attendance.ONLINE and seated:
        seats.release_seat(Event, event.id)
        _promote_next(event)


# Decisions -------------------------------------------------------------------------------------------------------


def _reread_under_event_lock(registration: Registration) -> None:
    """Take the event's row (first in the lock order), then re-read the registration's state.

    Every change of a registration's state or waiting position happens under its event's row lock, so what we read
    after taking it is what we act on: not the state loaded before the wait, which another request (a cancellation
    moving the line up, this very registration cancelled twice at once) may have changed meanwhile. Acting on a
    stale position left a gap in the waiting list under load (tests/load); a stale state would free a seat twice.
    """
    seats.lock(Event, registration.event_id)
    db.session.refresh(registration, attribute_names=["status", "waitlist_position"])


def approve(registration: Registration, actor) -> Registration:
    """Approve. Raises DomainError `event_full` when a registration without a seat cannot get one."""
    _reread_under_event_lock(registration)
    if registration.status is RegistrationStatus.APPROVED:
        return registration
    if registration.status is RegistrationStatus.CANCELLED:
        raise DomainError("registration_cancelled", _("A cancelled registration cannot be approved."))
    event = registration.event
    if registration.status not in SEATED and _takes_seat(registration):
        if not seats.take_seat(Event, event.id):
            raise DomainError("event_full", _("The event is full: no in-person seat is left."))
        if registration.status is RegistrationStatus.WAITLISTED:
            _leave_event_waitlist(registration)
    registration.status = RegistrationStatus.APPROVED
    registration.decision_reason = ""
    db.session.flush()
    seats.refresh(event)
    _tell(registration, "registration_approved")
    return registration


def reject(registration: Registration, actor, reason: str = "") -> Registration:
    """Reject, with a reason told to the delegate; a freed seat goes to the next in line."""
    _reread_under_event_lock(registration)
    if registration.status is RegistrationStatus.REJECTED:
        return registration
    if registration.status is RegistrationStatus.CANCELLED:
        raise DomainError("registration_cancelled", _("A cancelled registration cannot be rejected."))
    _vacate(registration)
    registration.status = RegistrationStatus.REJECTED
    registration.decision_reason = reason.strip()
    _end_signups(registration)
    _tell(registration, "registration_rejected")
    _promote_next(registration.event)
    return registration


def cancel(registration: Registration, actor) -> Registration:
    """Cancel a registration and its sign-ups; the freed seats go to the next in line."""
    _reread_under_event_lock(registration)
    if registration.status is RegistrationStatus.CANCELLED:
        return registration
    had_seat = _vacate(registration)
    registration.status = RegistrationStatus.CANCELLED
    _end_signups(registration)
    if had_seat:
        _promote_next(registration.event)
    return registration


def _end_signups(registration: Registration) -> None:
    """A registration that ends gives its session seats and waiting places to the next in line."""
    for signup in db.session.scalars(
        select(Signup).where(Signup.registration_id == registration.id, Signup.status != SignupStatus.CANCELLED)
    ).all():
        cancel_signup(signup)
    db.session.flush()


def _vacate(registration: Registration) -> bool:
    """Give back the registration's seat or waiting place; true when a seat was freed.

    The caller holds the event's row and has re-read the registration (_reread_under_event_lock)."""
    event = registration.event
    if registration.status in SEATED and _takes_seat(registration):
        seats.release_seat(Event, event.id)
        return True
    if registration.status is RegistrationStatus.WAITLISTED:
        _leave_event_waitlist(registration)
    return False


def _leave_event_waitlist(registration: Registration) -> None:
    position = registration.waitlist_position
    registration.waitlist_position = None
    db.session.flush()
    if position is not None:
        db.session.execute(
            update(Registration)
            .where(
                Registration.event_id == registration.event_id,
                Registration.status == RegistrationStatus.WAITLISTED,
                Registration.waitlist_position > position,
            )
            .values(waitlist_position=Registration.waitlist_position - 1)
            .execution_options(synchronize_session=False)
        )
    seats.leave_waitlist(Event, registration.event_id)


def _promote_next(event: Event) -> None:
    """Move the first in line up while seats are free: pending (moderated) or approved (auto), and tell them."""
    while True:
        first = db.session.scalar(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.waitlist_position)
            .limit(1)
            .with_for_update()
        )
        if first is None or not seats.take_seat(Event, event.id):
            break
        _leave_event_waitlist(first)
        db.session.refresh(first)
        first.status = (
            RegistrationStatus.APPROVED if event.approval is ApprovalMode.AUTO else RegistrationStatus.PENDING
        )
        db.session.flush()
        _tell(first, "registration_promoted")
    seats.refresh(event)


def decide_many(registrations: list[Registration], actor, action: str, reason: str = "") -> list[tuple]:
    """Approve or reject each registration in its own savepoint; one refusal (`event_full`) does not undo the others.

    Returns (registration, DomainError or None) pairs in the order given.
    """
    decide = {"approve": lambda r: approve(r, actor), "reject": lambda r: reject(r, actor, reason)}[action]
    outcomes = []
    for registration in registrations:
        try:
            with db.session.begin_nested():
                decide(registration)
        except DomainError as exc:
            db.session.refresh(registration)
            outcomes.append((registration, exc))
        else:
            outcomes.append((registration, None))
    return outcomes


# Sign-ups --------------------------------------------------------------------------------------------------------


def sign_up(session: ProgrammeSession, registration: Registration) -> Signup:
    """Sign an approved registration up for a session: confirmed, or waitlisted with a position.

    Raises DomainError `not_approved`, `not_open`, `schedule_overlap`, `already_signed_up`.
    """
    if registration.event_id != session.event_id:
        raise NotFound()
    _lock_registration(registration)
    if registration.status is not RegistrationStatus.APPROVED:
        raise DomainError("not_approved", _("Only approved delegates can sign up for sessions."))
    if session.status is not SessionStatus.PUBLISHED or not session.event.is_published:
        raise DomainError("not_open", _("This session is not open for sign-up."))
    seats.lock(ProgrammeSession, session.id)
    existing = db.session.scalar(
        select(Signup).where(Signup.session_id == session.id, Signup.registration_id == registration.id)
    )
    if existing is not None and existing.status is not SignupStatus.CANCELLED:
        raise DomainError("already_signed_up", _("You are already signed up for this session."))
    clash = _overlapping_signup(session, registration)
    if clash is not None:
        raise DomainError(
            "schedule_overlap",
            _("This session overlaps with “%(other)s”, which you signed up for.", other=clash.session.title),
        )
    signup = existing or Signup(session=session, registration=registration)
    if seats.take_seat(ProgrammeSession, session.id):
        signup.status, signup.position = SignupStatus.CONFIRMED, None
    else:
        signup.status = SignupStatus.WAITLISTED
        signup.position = seats.join_waitlist(ProgrammeSession, session.id)
    try:
        with db.session.begin_nested():
            db.session.add(signup)
    except IntegrityError as exc:
        raise DomainError("already_signed_up", _("You are already signed up for this session.")) from exc
    seats.refresh(session)
    if signup.status is SignupStatus.CONFIRMED:
        _send_invitation(signup)
    return signup


def _lock_registration(registration: Registration) -> None:
    """Queue up one person's sign-ups, and re-read the registration's state under the lock.

    Two overlapping sessions asked for at once (two tabs, a double click) each passed the overlap check before the
    other's sign-up existed, and both were granted (seen in tests/load). FOR NO KEY UPDATE: check-ins and sign-ups
    of other people, which only reference the row, do not wait. Taken before the session's row, as cancelling a
    registration takes it before its sessions' rows, so the two never wait for each other in a circle.
    """
    db.session.execute(
        select(Registration)
        .where(Registration.id == registration.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


def _overlapping_signup(session: ProgrammeSession, registration: Registration) -> Signup | None:
    return db.session.scalar(
        select(Signup)
        .join(ProgrammeSession, ProgrammeSession.id == Signup.session_id)
        .where(
            Signup.registration_id == registration.id,
            Signup.status != SignupStatus.CANCELLED,
            Signup.session_id != session.id,
            ProgrammeSession.status != SessionStatus.CANCELLED,
            ProgrammeSession.starts_at < session.ends_at,
            ProgrammeSession.ends_at > session.starts_at,
        )
        .limit(1)
    )


def cancel_signup(signup: Signup) -> None:
    """Cancel a sign-up; a freed seat goes to the first on the waiting list, who is told."""
    session_id = signup.session_id
    seats.lock(ProgrammeSession, session_id)
    # As for registrations under their event's lock: the sign-up's state and place as they are now, not as loaded.
    db.session.refresh(signup, attribute_names=["status", "position"])
    if signup.status is SignupStatus.CANCELLED:
        return
    was = signup.status
    position = signup.position
    signup.status, signup.position = SignupStatus.CANCELLED, None
    db.session.flush()
    if was is SignupStatus.CONFIRMED:
        send_session_withdrawal(signup)
        seats.release_seat(ProgrammeSession, session_id)
        _promote_next_signup(session_id)
    else:
        _shift_signup_waitlist(session_id, position)
    seats.refresh(signup.session)


def _shift_signup_waitlist(session_id: int, position: int | None) -> None:
    if position is not None:
        db.session.execute(
            update(Signup)
            .where(
                Signup.session_id == session_id, Signup.status == SignupStatus.WAITLISTED, Signup.position > position
            )
            .values(position=Signup.position - 1)
            .execution_options(synchronize_session=False)
        )
    seats.leave_waitlist(ProgrammeSession, session_id)


def _promote_next_signup(session_id: int) -> None:
    first = db.session.scalar(
        select(Signup)
        .where(Signup.session_id == session_id, Signup.status == SignupStatus.WAITLISTED)
        .order_by(Signup.position)
        .limit(1)
        .with_for_update()
    )
    if first is None or not seats.take_seat(ProgrammeSession, session_id):
        return
    position = first.position
    first.status, first.position = SignupStatus.CONFIRMED, None
    db.session.flush()
    _shift_signup_waitlist(session_id, position)
    db.session.refresh(first)
    _tell(first.registration, "signup_promoted", session=first.session)
    _send_invitation(first)


def _send_invitation(signup: Signup) -> None:
    send_session_invitation(signup)


def signups_query(registration: Registration) -> Select:
    """The registration's sign-ups in time order."""
    return (
        select(Signup)
        .join(ProgrammeSession, ProgrammeSession.id == Signup.session_id)
        .where(Signup.registration_id == registration.id)
        .order_by(ProgrammeSession.starts_at, Signup.id)
    )


# Lists -----------------------------------------------------------------------------------------------------------


def registrations_query(event: Event, actor, *, status=None, category=None, country=None, q=None) -> Select:
    """The registrations the actor may list: all for organisers, their country's for a focal point."""
    statement = (
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.full_name, Registration.id)
    )
    if not is_organiser(actor):
        if not (actor.has_role(Role.FOCAL_POINT) and actor.country):
            raise Forbidden()
        statement = statement.where(Registration.country == actor.country)
    if status:
        statement = statement.where(Registration.status == status)
    if category:
        statement = statement.where(Registration.category == category)
    if country:
        statement = statement.where(Registration.country == country.upper())
    if q:
        statement = statement.where(_matches(q))
    return statement


def _matches(q: str):
    """Search by name, organisation or e-mail; "nguyen" finds "Nguyễn" (see registration.search)."""
    from registration.search import fold

    escaped = fold(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Registration.search_text.like(f"%{escaped}%", escape="\\")


def _tell(registration: Registration, template: str, **context) -> None:
    """Mail the registration's person about a change of state, in their language."""
    user = registration.user
    if user is None:
        return
    enqueue_template(
        template,
        to_address=user.email,
        to_name=registration.full_name,
        language=user.language,
        registration=registration,
        event=registration.event,
        base_url=current_app.config["BASE_URL"],
        **context,
    )


# The same, for the domain's other modules (badge reissue).
tell_registrant = _tell
