"""A delegate's pages: register for an event, and "My summit" (state, sessions, agenda feed, cancel)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.access import require_role
from core.errors import DomainError, attach_to_form
from core.extensions import db
from events.services import get_event_by_slug, get_session
from registration import bp, services
from registration.badge_services import has_badge
from registration.calendar import agenda_feed_url
from registration.forms import ALL_ASCN_CITIES, ConfirmForm, RegistrationForm
from registration.models import RegistrationStatus, SignupStatus


def _event_or_404(slug: str):
    return get_event_by_slug(slug, include_drafts=services.is_organiser(current_user)) or abort(404)


@bp.route("/events/<slug>/my", methods=["GET", "POST"])
@require_role()
def my_summit(slug: str):
    event = _event_or_404(slug)
    registration = services.registration_of(current_user, event)
    form = RegistrationForm(full_name=current_user.full_name, country=current_user.country or "")
    if registration is None and form.validate_on_submit():
        try:
            registration = services.register(event, current_user, form.registration_data())
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc)
            registration = None
        else:
            db.session.commit()
            flash(_("Your registration is %(state)s.", state=registration.status.label.lower()), "success")
            return redirect(url_for("registration.my_summit", slug=event.slug))
    signups = list(db.session.scalars(services.signups_query(registration))) if registration else []
    feed = agenda_feed_url(registration) if registration and registration.is_approved else None
    return render_template(
        "registration/my_summit.html",
        event=event,
        registration=registration,
        form=form,
        cities=ALL_ASCN_CITIES,
        signups=[s for s in signups if s.status is not SignupStatus.CANCELLED],
        agenda_url=feed,
        webcal_url=feed.replace("https://", "webcal://").replace("http://", "webcal://") if feed else None,
        confirm=ConfirmForm(),
        badge_url=url_for("registration.my_badge", slug=event.slug)
        if registration is not None and has_badge(registration)
        else None,
        ended=registration is not None
        and registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED),
    )


@bp.post("/events/<slug>/my/cancel")
@require_role()
def cancel_my_registration(slug: str):
    event = _event_or_404(slug)
    registration = services.registration_of(current_user, event) or abort(404)
    if ConfirmForm().validate_on_submit():
        services.cancel(registration, current_user)
        db.session.commit()
        flash(_("Your registration is cancelled."), "info")
    return redirect(url_for("registration.my_summit", slug=event.slug))


@bp.post("/events/<slug>/sessions/<int:session_id>/signup")
@require_role()
def sign_up_page(slug: str, session_id: int):
    event = _event_or_404(slug)
    session = get_session(session_id, include_drafts=False)
    registration = services.registration_of(current_user, event)
    if session.event_id != event.id or registration is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            signup = services.sign_up(session, registration)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            if signup.status is SignupStatus.CONFIRMED:
                flash(_("You have a seat in %(session)s.", session=session.title), "success")
            else:
                flash(_("You are number %(position)d on the waiting list.", position=signup.position), "info")
    return redirect(url_for("registration.my_summit", slug=event.slug))


@bp.post("/events/<slug>/sessions/<int:session_id>/leave")
@require_role()
def leave_session_page(slug: str, session_id: int):
    event = _event_or_404(slug)
    registration = services.registration_of(current_user, event) or abort(404)
    signup = next(
        (s for s in db.session.scalars(services.signups_query(registration)) if s.session_id == session_id), None
    )
    if signup is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.cancel_signup(signup)
        db.session.commit()
        flash(_("You have left %(session)s.", session=signup.session.title), "info")
    return redirect(url_for("registration.my_summit", slug=event.slug))
