"""A delegate's calendar: the session download (invite.ics), the personal agenda feed, and the iTIP mails that
keep a delegate's calendar in step when a session they are confirmed for moves or is cancelled."""

from __future__ import annotations

import logging
from contextlib import nullcontext

from babel.dates import format_date
from flask import Flask, abort, current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from core.api import BEARER
from core.auth.access import public, require_role
from core.auth.models import User
from core.errors import NotFound
from core.extensions import db
from core.mail.models import OutboxMessage
from core.mail.services import enqueue, mail_context, render_mail
from events.ical import Attendee, Method, build_calendar, calendar_response, session_location, session_url
from events.models import Event, ProgrammeSession, SessionStatus
from events.services import get_session
from events.signals import may_see_join_link, session_changed
from registration import bp
from registration.models import Registration, RegistrationStatus, Signup, SignupStatus

logger = logging.getLogger(__name__)

blp = Blueprint("calendar_api", __name__, description="Calendar: a session as an .ics file for the caller")

# Registrations that no longer give access to the event's calendar files, nor receive its invitations.
ENDED = (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED)
# Marks an app whose registration domain sends invitations (the signal is process-wide, apps are many in tests).
INVITATIONS_EXTENSION = "ascn_session_invitations"


def subscribe_to_session_changes(app: Flask) -> None:
    """Have `app` mail the delegates confirmed for a session when it moves or is cancelled."""
    app.extensions[INVITATIONS_EXTENSION] = True
    session_changed.connect(_send_session_update)  # a module-level function: connecting again changes nothing


# Who may see join links ----------------------------------------------------------------------------------------


def has_approved_registration(user: User, event: Event) -> bool:
    """True when `user` holds an approved registration for `event` (they may see its join links)."""
    return (
        db.session.scalar(
            select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.user_id == user.id,
                Registration.status == RegistrationStatus.APPROVED,
            )
        )
        is not None
    )


# Feeds ---------------------------------------------------------------------------------------------------------


def agenda_feed_url(registration: Registration) -> str:
    """The secret address of the registration's agenda feed (API.md: `agenda_feed_url`)."""
    return f"{current_app.config['BASE_URL']}/calendar/{registration.feed_token}.ics"


def agenda_sessions(registration: Registration) -> Select:
    """The sessions the registration is confirmed for, drafts left out, in time order; one query with speakers."""
    return (
        select(ProgrammeSession)
        .join(Signup, Signup.session_id == ProgrammeSession.id)
        .where(
            Signup.registration_id == registration.id,
            Signup.status == SignupStatus.CONFIRMED,
            ProgrammeSession.status != SessionStatus.DRAFT,
        )
        .options(selectinload(ProgrammeSession.speakers))
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )


@bp.get("/calendar/<feed_token>.ics")
@public  # the secret token is the credential: calendar clients subscribe without signing in
def agenda_feed(feed_token: str):
    """A delegate's own agenda; join links once the registration is approved."""
    found = db.session.execute(
        select(Registration, User.language)
        .outerjoin(User, User.id == Registration.user_id)
        .where(Registration.feed_token == feed_token)
        .options(joinedload(Registration.event))
    ).first()
    if found is None or not found.Registration.event.is_published:
        abort(404)
    registration, language = found
    event = registration.event
    # An ended registration keeps a valid, empty feed, so that subscribed clients drop its sessions.
    sessions = [] if registration.status in ENDED else db.session.scalars(agenda_sessions(registration)).all()
    # The feed speaks the delegate's language: calendar clients rarely send Accept-Language.
    with force_locale(language) if language else nullcontext():
        body = build_calendar(
            event,
            sessions,
            name=_("%(event)s: my agenda", event=event.name),
            join_links=registration.is_approved,
            feed=True,
        )
    return calendar_response(body, filename="agenda.ics", private=True)


@blp.route("/sessions/<int:session_id>/invite.ics", methods=["GET"])
@blp.response(
    200,
    {"type": "string"},
    content_type="text/calendar",
    description="The session as an iCalendar file, with the join link if the caller may see it, and a reminder.",
)
@blp.alt_response(404, description="No such published session, or the caller has no registration for its event")
@blp.doc(security=BEARER)
@require_role()
def session_invite(session_id):
    """One session for the caller's calendar; needs a registration for the event."""
    return _invite_for_current_user(session_id)


@bp.get("/my/sessions/<int:session_id>/invite.ics")
@require_role()
def session_invite_page(session_id):
    """The same file for a signed-in browser ("Add to calendar" on the session page), with its cookie."""
    return _invite_for_current_user(session_id)


def _invite_for_current_user(session_id: int):
    session = get_session(session_id, include_drafts=False)
    event = session.event
    registration = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.user_id == current_user.id,
            Registration.status.not_in(ENDED),
        )
    )
    if registration is None:
        raise NotFound()
    body = build_calendar(event, [session], join_links=may_see_join_link(current_user, event), alarm=True)
    return calendar_response(body, filename=f"session-{session.id}.ics", private=True)


# Invitations by mail -------------------------------------------------------------------------------------------


def send_session_invitation(signup: Signup) -> OutboxMessage | None:
    """Queue an iTIP REQUEST for a confirmed sign-up (call it when a delegate gets a seat); None when there is no
    one to write to or nothing to invite to. The caller commits."""
    registration, session = signup.registration, signup.session
    if (
        signup.status is not SignupStatus.CONFIRMED
        or registration.status in ENDED
        or registration.user is None
        or session.status is not SessionStatus.PUBLISHED
    ):
        return None
    return _queue_invitation(registration, session, method=Method.REQUEST, is_update=False)


def send_session_withdrawal(signup: Signup) -> OutboxMessage | None:
    """Queue an iTIP CANCEL for one delegate who no longer has a seat (they left, or their registration ended), so
    the session leaves their calendar; None when nothing was sent to them before. The caller commits."""
    registration, session = signup.registration, signup.session
    if registration.user is None or session.status is not SessionStatus.PUBLISHED:
        return None
    return _queue_invitation(registration, session, method=Method.CANCEL, is_update=True, left=True)


def _send_session_update(session: ProgrammeSession, *, change: str, fields=None, **_extra) -> None:
    """Receiver of events.signals.session_changed: a REQUEST with the new SEQUENCE, or a CANCEL, to each delegate
    confirmed for the session, in the transaction of the change."""
    if not current_app.extensions.get(INVITATIONS_EXTENSION):
        return
    # A session taken back to draft leaves the programme: for a calendar, that is a cancellation.
    withdrawn = change == "cancelled" or session.status is SessionStatus.DRAFT
    method = Method.CANCEL if withdrawn else Method.REQUEST
    confirmed = db.session.scalars(
        select(Signup)
        .join(Signup.registration)
        .join(Registration.user)
        .where(
            Signup.session_id == session.id,
            Signup.status == SignupStatus.CONFIRMED,
            Registration.status.not_in(ENDED),
        )
        .options(contains_eager(Signup.registration).contains_eager(Registration.user))
        .order_by(Signup.id)
    ).all()
    for signup in confirmed:
        _queue_invitation(signup.registration, session, method=method, is_update=True)
    logger.info("Session %s %s: %s delegate(s) told (%s)", session.id, change, len(confirmed), method)


def _queue_invitation(
    registration: Registration, session: ProgrammeSession, *, method: str, is_update: bool, left: bool = False
) -> OutboxMessage:
    user = registration.user
    event = session.event
    name = registration.full_name or user.full_name
    template = "session_cancelled" if method == Method.CANCEL else "session_invitation"
    with mail_context(user.language):
        join_link = session.online_url if method == Method.REQUEST and may_see_join_link(user, event) else None
        context = {
            "recipient_name": name,
            "session": session,
            "event": event,
            "when": _when(session),
            "location": session_location(session),
            "join_link": join_link,
            "session_url": session_url(session),
            "is_update": is_update,
            "left": left,
        }
        subject, body_text, body_html = render_mail(template, **context)
        ics = build_calendar(
            event,
            [session],
            join_links=join_link is not None,
            alarm=True,
            method=method,
            attendee=Attendee(email=user.email, name=name),
        )
    return enqueue(
        to_address=user.email,
        to_name=name,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        calendar_ics=ics.decode(),
        calendar_method=method,
    )


def _when(session: ProgrammeSession) -> str:
    """The day in the recipient's language and the hours, in the event's time zone."""
    zone = session.event.zone
    start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    day = format_date(start.date(), "full", locale=get_locale())
    return f"{day}, {start:%H:%M}–{end:%H:%M}"
