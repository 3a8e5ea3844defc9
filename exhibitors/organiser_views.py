"""The organisers' exhibition back office (/manage/events/<id>/exhibition): booths, applications, bookings.

Each view: load, authorise (the role, then the object's event right after loading), call one service, render.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.access import require_role
from core.auth.models import Role
from core.errors import DomainError, attach_to_form
from core.extensions import db
from events.services import get_event
from exhibitors import booking as bookings
from exhibitors import bp, services
from exhibitors.booth_import import ImportInvalid, import_booths
from exhibitors.forms import BookForExhibitorForm, BoothForm, ConfirmForm, ImportForm, RejectForm, read_upload
from exhibitors.models import BookingStatus, BoothStatus, Exhibitor, ExhibitorStatus

# Domain codes that concern one input of the booth form.
BOOTH_ERROR_FIELDS = {"booth_code_taken": "code", "booth_overlap": "x", "booth_taken": "status"}


def _overview_url(event_id: int, anchor: str | None = None) -> str:
    return url_for("exhibitors.manage_exhibition", event_id=event_id, _anchor=anchor)


def _event_object(model, object_id: int, event_id: int):
    """An object of this event, else 404 (an id of another event is not found here)."""
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    owner = found.booth.event_id if hasattr(found, "booth_id") else found.event_id
    if owner != event_id:
        abort(404)
    return found


def _book_form(event, booths, exhibitors) -> BookForExhibitorForm:
    form = BookForExhibitorForm()
    form.booth_id.choices = [(b.id, f"{b.code} · {b.hall}") for b in booths if b.status is BoothStatus.AVAILABLE]
    form.exhibitor_id.choices = [(e.id, e.name) for e in exhibitors if e.status is ExhibitorStatus.APPROVED]
    return form


def _overview(event, *, booth_form=None, import_form=None, book_form=None, import_rows=None):
    booths = list(db.session.scalars(bookings.booths_of(event)))
    exhibitors = list(db.session.scalars(services.exhibitors_query(event, current_user)))
    all_bookings = list(db.session.scalars(bookings.bookings_query(event=event)))
    db.session.commit()  # keep what lapsed while reading
    return render_template(
        "exhibitors/manage/overview.html",
        event=event,
        booths=booths,
        occupants=bookings.occupants(event),
        exhibitors=exhibitors,
        pending=[e for e in exhibitors if e.status is ExhibitorStatus.PENDING],
        held=[b for b in all_bookings if b.status is BookingStatus.HELD],
        active=[b for b in all_bookings if b.status in (BookingStatus.HELD, BookingStatus.CONFIRMED)],
        past=[b for b in all_bookings if b.status not in (BookingStatus.HELD, BookingStatus.CONFIRMED)],
        booth_form=booth_form or BoothForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None),
        book_form=book_form or _book_form(event, booths, exhibitors),
        import_rows=import_rows or [],
        confirm=ConfirmForm(),
        counts={status: sum(1 for b in booths if b.status is status) for status in BoothStatus},
    )


@bp.get("/manage/events/<int:event_id>/exhibition")
@require_role(Role.ORGANISER)
def manage_exhibition(event_id: int):
    return _overview(get_event(event_id, include_drafts=True))


@bp.post("/manage/events/<int:event_id>/exhibition/booths")
@require_role(Role.ORGANISER)
def add_booth(event_id: int):
    event = get_event(event_id, include_drafts=True)
    form = BoothForm()
    if form.validate_on_submit():
        try:
            booth = bookings.create_booth(event, form.booth(with_status=True))
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc, field=BOOTH_ERROR_FIELDS.get(exc.code))
        else:
            db.session.commit()
            flash(_("Booth %(code)s is added.", code=booth.code), "success")
            return redirect(_overview_url(event.id, "booths"))
    return _overview(event, booth_form=form)


@bp.route("/manage/events/<int:event_id>/exhibition/booths/<int:booth_id>/edit", methods=["GET", "POST"])
@require_role(Role.ORGANISER)
def edit_booth(event_id: int, booth_id: int):
    event = get_event(event_id, include_drafts=True)
    booth = bookings.get_booth(booth_id, event=event)
    form = BoothForm(obj=booth, data={"status": booth.status.value})
    manual = booth.status in bookings.MANUAL_STATUSES
    if form.validate_on_submit():
        try:
            bookings.update_booth(booth, form.booth(with_status=manual))
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc, field=BOOTH_ERROR_FIELDS.get(exc.code))
        else:
            db.session.commit()
            flash(_("Booth %(code)s is saved.", code=booth.code), "success")
            return redirect(_overview_url(event.id, "booths"))
    db.session.commit()
    return render_template("exhibitors/manage/booth_form.html", event=event, booth=booth, form=form, manual=manual)


@bp.post("/manage/events/<int:event_id>/exhibition/import")
@require_role(Role.ORGANISER)
def import_booths_page(event_id: int):
    event = get_event(event_id, include_drafts=True)
    form = ImportForm()
    if form.validate_on_submit():
        data = read_upload(form.file.data)
        if not data:
            form.file.errors = [_("Choose a CSV file.")]
            return _overview(event, import_form=form)
        try:
            counts = import_booths(event, data)
        except ImportInvalid as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            return _overview(event, import_form=form, import_rows=exc.rows)
        db.session.commit()
        flash(
            _(
                "%(created)d booths added and %(updated)d updated.",
                created=counts["created"],
                updated=counts["updated"],
            ),
            "success",
        )
        return redirect(_overview_url(event.id, "booths"))
    return _overview(event, import_form=form)


@bp.post("/manage/events/<int:event_id>/exhibition/exhibitors/<int:exhibitor_id>/approve")
@require_role(Role.ORGANISER)
def approve_exhibitor(event_id: int, exhibitor_id: int):
    exhibitor = _event_object(Exhibitor, exhibitor_id, event_id)
    if ConfirmForm().validate_on_submit():
        services.approve(exhibitor, current_user)
        db.session.commit()
        flash(_("%(name)s is approved and told so.", name=exhibitor.name), "success")
    return redirect(_overview_url(event_id, "exhibitors"))


@bp.route("/manage/events/<int:event_id>/exhibition/exhibitors/<int:exhibitor_id>/reject", methods=["GET", "POST"])
@require_role(Role.ORGANISER)
def reject_exhibitor(event_id: int, exhibitor_id: int):
    exhibitor = _event_object(Exhibitor, exhibitor_id, event_id)
    form = RejectForm()
    if form.validate_on_submit():
        services.reject(exhibitor, current_user, form.reason.data or "")
        db.session.commit()
        flash(_("%(name)s is rejected and told so.", name=exhibitor.name), "success")
        return redirect(_overview_url(event_id, "exhibitors"))
    return render_template("exhibitors/manage/reject.html", event=exhibitor.event, exhibitor=exhibitor, form=form)


@bp.post("/manage/events/<int:event_id>/exhibition/bookings")
@require_role(Role.ORGANISER)
def book_for_exhibitor(event_id: int):
    event = get_event(event_id, include_drafts=True)
    booths = list(db.session.scalars(bookings.booths_of(event)))
    exhibitors = list(db.session.scalars(services.exhibitors_query(event, current_user)))
    form = _book_form(event, booths, exhibitors)
    if form.validate_on_submit():
        exhibitor = _event_object(Exhibitor, form.exhibitor_id.data, event.id)
        booth = bookings.get_booth(form.booth_id.data, event=event)
        try:
            bookings.book_booth(booth, exhibitor, current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("Booth %(code)s is held for %(name)s.", code=booth.code, name=exhibitor.name), "success")
            return redirect(_overview_url(event.id, "bookings"))
    return _overview(event, book_form=form)


def _booking_action(event_id: int, booking_id: int, action, done: str):
    from exhibitors.models import Booking

    booking = _event_object(Booking, booking_id, event_id)
    if ConfirmForm().validate_on_submit():
        try:
            action(booking, current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(done % {"code": booking.booth.code, "name": booking.exhibitor.name}, "success")
    return redirect(_overview_url(event_id, "bookings"))


@bp.post("/manage/events/<int:event_id>/exhibition/bookings/<int:booking_id>/confirm")
@require_role(Role.ORGANISER)
def confirm_booking(event_id: int, booking_id: int):
    return _booking_action(event_id, booking_id, bookings.confirm_booking, _("Booth %(code)s is booked for %(name)s."))


@bp.post("/manage/events/<int:event_id>/exhibition/bookings/<int:booking_id>/cancel")
@require_role(Role.ORGANISER)
def cancel_booking(event_id: int, booking_id: int):
    return _booking_action(
        event_id, booking_id, bookings.cancel_booking, _("The booking of %(code)s by %(name)s is cancelled.")
    )
