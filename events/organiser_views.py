"""The organisers' back office of the programme (/manage): events, rooms, sessions.

Each view: load, authorise, call one service in the request's one transaction, render. A DomainError rolls the
transaction back and is shown on the form, which keeps what was typed (HTTP 200, as the account pages do).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth.access import require_role
from core.auth.models import Role
from core.errors import DomainError
from core.extensions import db
from core.reference import ASCN_WORKSHOP_THEMES
from events import bp, services
from events.forms import ConfirmForm, EventForm, RoomForm, SessionForm, show_service_error
from events.models import Event, ProgrammeSession, Room

# Domain codes that concern one input of a form, where a person looks for them.
EVENT_ERROR_FIELDS = {"slug_taken": "slug"}
ROOM_ERROR_FIELDS = {"room_name_taken": "name"}


# Events ---------------------------------------------------------------------------------------------------------


@bp.get("/manage/events")
@require_role(Role.ORGANISER)
def manage_events():
    events = db.session.scalars(services.visible_events(include_drafts=True)).all()
    return render_template("events/manage/events.html", events=events)


@bp.route("/manage/events/new", methods=["GET", "POST"])
@require_role(Role.ORGANISER)
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = services.create_event(form.to_service())
        except DomainError as exc:
            db.session.rollback()
            show_service_error(form, exc, codes=EVENT_ERROR_FIELDS)
        else:
            db.session.commit()
            flash(_("“%(name)s” is created. Add its rooms and sessions below.", name=event.name), "success")
            return redirect(url_for("events.manage_programme", event_id=event.id))
    return render_template("events/manage/event_form.html", form=form, event=None)


@bp.route("/manage/events/<int:event_id>/edit", methods=["GET", "POST"])
@require_role(Role.ORGANISER)
def edit_event(event_id: int):
    event = services.get_event(event_id, include_drafts=True)
    form = EventForm.for_event(event)
    if form.validate_on_submit():
        try:
            services.update_event(event, form.to_service())
        except DomainError as exc:
            db.session.rollback()
            show_service_error(form, exc, codes=EVENT_ERROR_FIELDS)
        else:
            db.session.commit()
            flash(_("“%(name)s” is saved.", name=event.name), "success")
            return redirect(url_for("events.manage_programme", event_id=event.id))
    return render_template("events/manage/event_form.html", form=form, event=event)


# The programme and its rooms ------------------------------------------------------------------------------------


@bp.get("/manage/events/<int:event_id>")
@require_role(Role.ORGANISER)
def manage_programme(event_id: int):
    event = services.get_event(event_id, include_drafts=True)
    return _programme_page(event, RoomForm())


@bp.post("/manage/events/<int:event_id>/rooms")
@require_role(Role.ORGANISER)
def add_room(event_id: int):
    event = services.get_event(event_id, include_drafts=True)
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room = services.create_room(event, name=form.name.data, capacity=form.capacity.data)
        except DomainError as exc:
            db.session.rollback()
            show_service_error(form, exc, codes=ROOM_ERROR_FIELDS)
        else:
            db.session.commit()
            flash(_("Room “%(name)s” is added.", name=room.name), "success")
            return redirect(url_for("events.manage_programme", event_id=event.id, _anchor="rooms"))
    return _programme_page(event, form)


@bp.route("/manage/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@require_role(Role.ORGANISER)
def edit_room(room_id: int):
    room = db.session.get(Room, room_id) or abort(404)
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        try:
            services.update_room(room, name=form.name.data, capacity=form.capacity.data)
        except DomainError as exc:
            db.session.rollback()
            show_service_error(form, exc, codes=ROOM_ERROR_FIELDS)
        else:
            db.session.commit()
            flash(_("Room “%(name)s” is saved.", name=room.name), "success")
            return redirect(url_for("events.manage_programme", event_id=room.event_id, _anchor="rooms"))
    return render_template("events/manage/room_form.html", form=form, room=room, event=room.event)


def _programme_page(event: Event, room_form: RoomForm):
    sessions = db.session.scalars(services.sessions_of(event, include_drafts=True)).all()
    return render_template(
        "events/manage/programme.html",
        event=event,
        rooms=services.rooms_of(event),
        days=_sessions_by_day(event, sessions),
        room_form=room_form,
    )


def _sessions_by_day(event: Event, sessions: list[ProgrammeSession]) -> list[tuple[date, list[ProgrammeSession]]]:
    """Every day of the event, empty ones too, with its sessions by local start; also any day outside the dates."""
    days: dict[date, list[ProgrammeSession]] = {
        event.starts_on + timedelta(days=offset): [] for offset in range((event.ends_on - event.starts_on).days + 1)
    }
    for session in sessions:
        days.setdefault(session.starts_at.astimezone(event.zone).date(), []).append(session)
    return sorted(days.items())


# Sessions -------------------------------------------------------------------------------------------------------


@bp.route("/manage/events/<int:event_id>/sessions/new", methods=["GET", "POST"])
@require_role(Role.ORGANISER)
def new_session(event_id: int):
    event = services.get_event(event_id, include_drafts=True)
    day = request.args.get("day", type=date.fromisoformat) or event.starts_on
    form = SessionForm(event=event, rooms=services.rooms_of(event), day=day)
    if form.validate_on_submit():
        try:
            session = services.create_session(event, form.to_service())
        except DomainError as exc:
            db.session.rollback()
            form.show_error(exc)
        else:
            db.session.commit()
            flash(_("“%(title)s” is scheduled.", title=session.title), "success")
            return _back_to_programme(session)
    return _session_form_page(form, event, None)


@bp.route("/manage/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@require_role(Role.ORGANISER)
def edit_session(session_id: int):
    session = services.get_session(session_id, include_drafts=True)
    form = SessionForm.for_session(session, services.rooms_of(session.event))
    if form.validate_on_submit():
        try:
            services.update_session(session, form.to_service())
        except DomainError as exc:
            db.session.rollback()
            form.show_error(exc)
        else:
            db.session.commit()
            flash(_("“%(title)s” is saved.", title=session.title), "success")
            return _back_to_programme(session)
    return _session_form_page(form, session.event, session)


def _session_form_page(form: SessionForm, event: Event, session: ProgrammeSession | None):
    return render_template(
        "events/manage/session_form.html", form=form, event=event, session=session, themes=ASCN_WORKSHOP_THEMES
    )


@bp.route("/manage/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@require_role(Role.ORGANISER)
def cancel_session(session_id: int):
    session = services.get_session(session_id, include_drafts=True)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.cancel_session(session)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(
                _(
                    "“%(title)s” is cancelled: it stays in the programme and in calendars, marked as cancelled.",
                    title=session.title,
                ),
                "success",
            )
        return _back_to_programme(session)
    return _confirm_page(form, session, "cancel")


@bp.route("/manage/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@require_role(Role.ORGANISER)
def delete_session(session_id: int):
    session = services.get_session(session_id, include_drafts=True)
    event_id, title = session.event_id, session.title
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            deleted = services.delete_session(session)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("events.manage_programme", event_id=event_id))
        db.session.commit()
        if deleted:
            flash(_("“%(title)s” is deleted.", title=title), "success")
        else:
            flash(
                _(
                    "“%(title)s” has sign-ups, so it was cancelled instead of deleted: "
                    "those signed up are told, and it stays in calendars as cancelled.",
                    title=title,
                ),
                "warning",
            )
        return redirect(url_for("events.manage_programme", event_id=event_id))
    return _confirm_page(form, session, "delete")


def _confirm_page(form: ConfirmForm, session: ProgrammeSession, action: str):
    return render_template(
        "events/manage/confirm_session.html", form=form, session=session, event=session.event, action=action
    )


def _back_to_programme(session: ProgrammeSession):
    return redirect(url_for("events.manage_programme", event_id=session.event_id, _anchor=f"session-{session.id}"))
