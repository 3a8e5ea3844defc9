"""An exhibitor's own pages: apply, the dashboard (profile, bookings, staff), booking a booth, leads.

Each view: load, authorise (the role, then the object right after loading), call one service, render.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.access import require_role
from core.auth.models import Role
from core.errors import DomainError, attach_to_form
from core.extensions import db
from exhibitors import booking as bookings
from exhibitors import bp, leads, services
from exhibitors.api import leads_csv_response
from exhibitors.forms import ConfirmForm, ExhibitorForm, LeadScanForm, NoteForm, StaffForm
from exhibitors.models import BoothStatus
from exhibitors.views import event_or_404


def _managed(exhibitor_id: int):
    return services.get_exhibitor_for(current_user, exhibitor_id, manage=True)


def _leads_exhibitor(exhibitor_id: int):
    exhibitor = services.get_exhibitor_for(current_user, exhibitor_id)
    if not services.may_work_leads(current_user, exhibitor):
        abort(404)
    return exhibitor


def _save_profile(form: ExhibitorForm, save) -> bool:
    """Run `save(profile)` and keep a logo if one was sent; on a rule's refusal, show it on the form."""
    try:
        exhibitor = save(form.profile())
        logo = form.logo_bytes()
        if logo is not None:
            services.set_logo(exhibitor, logo)
    except DomainError as exc:
        db.session.rollback()
        attach_to_form(form, exc)
        return False
    db.session.commit()
    return True


@bp.route("/events/<slug>/exhibition/apply", methods=["GET", "POST"])
@require_role()
def apply(slug: str):
    event = event_or_404(slug)
    existing = services.exhibitor_of(current_user, event)
    if existing is not None:
        return redirect(url_for("exhibitors.dashboard", exhibitor_id=existing.id))
    form = ExhibitorForm(contact_email=current_user.email, country=current_user.country or "VN")
    if form.validate_on_submit() and _save_profile(form, lambda profile: services.apply(event, current_user, profile)):
        flash(_("Your application is received. The organisers will tell you their decision by e-mail."), "success")
        return redirect(url_for("exhibitors.dashboard", exhibitor_id=services.exhibitor_of(current_user, event).id))
    return render_template("exhibitors/profile_form.html", form=form, event=event, exhibitor=None)


@bp.route("/exhibitor/<int:exhibitor_id>/profile", methods=["GET", "POST"])
@require_role(Role.EXHIBITOR, Role.ORGANISER)
def edit_profile(exhibitor_id: int):
    exhibitor = _managed(exhibitor_id)
    form = ExhibitorForm(obj=exhibitor, data={"categories": [c.value for c in exhibitor.categories]})
    if form.validate_on_submit() and _save_profile(form, lambda profile: services.update_profile(exhibitor, profile)):
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("exhibitors.dashboard", exhibitor_id=exhibitor.id))
    return render_template("exhibitors/profile_form.html", form=form, event=exhibitor.event, exhibitor=exhibitor)


@bp.get("/exhibitor/<int:exhibitor_id>")
@require_role(Role.EXHIBITOR, Role.ORGANISER)
def dashboard(exhibitor_id: int):
    exhibitor = services.get_exhibitor_for(current_user, exhibitor_id)
    manages = services.may_manage(current_user, exhibitor)
    if not manages and not services.may_work_leads(current_user, exhibitor):
        abort(404)
    return _dashboard(exhibitor, StaffForm(), manages=manages)


def _dashboard(exhibitor, staff_form: StaffForm, *, manages: bool):
    event = exhibitor.event
    available = list(db.session.scalars(bookings.booths_of(event, status=BoothStatus.AVAILABLE)))
    my_bookings = list(db.session.scalars(bookings.bookings_query(exhibitor=exhibitor)))
    staff = list(db.session.scalars(leads.staff_query(exhibitor))) if manages else []
    db.session.commit()  # keep what lapsed while reading
    return render_template(
        "exhibitors/dashboard.html",
        exhibitor=exhibitor,
        event=event,
        manages=manages,
        available=available,
        bookings=my_bookings,
        staff=staff,
        quota=leads.staff_quota(exhibitor),
        staff_form=staff_form,
        lead_count=leads.count_leads(exhibitor),
        confirm=ConfirmForm(),
    )


@bp.post("/events/<slug>/booths/<int:booth_id>/book")
@require_role(Role.EXHIBITOR)
def book(slug: str, booth_id: int):
    event = event_or_404(slug)
    exhibitor = services.exhibitor_of(current_user, event) or abort(404)
    booth = bookings.get_booth(booth_id, event=event)
    if ConfirmForm().validate_on_submit():
        try:
            booking = bookings.book_booth(booth, exhibitor, current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("exhibitors.booth_page", slug=event.slug, booth_id=booth_id))
        db.session.commit()
        flash(
            _(
                "Booth %(code)s is held for you until %(until)s. The organisers will confirm it.",
                code=booth.code,
                until=booking.held_until.astimezone(event.zone).strftime("%Y-%m-%d %H:%M"),
            ),
            "success",
        )
    return redirect(url_for("exhibitors.dashboard", exhibitor_id=exhibitor.id))


@bp.post("/exhibitor/<int:exhibitor_id>/staff")
@require_role(Role.EXHIBITOR, Role.ORGANISER)
def add_staff(exhibitor_id: int):
    exhibitor = _managed(exhibitor_id)
    form = StaffForm()
    if form.validate_on_submit():
        try:
            registration = leads.add_staff(
                exhibitor,
                current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                language=form.language.data,
            )
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc, field="email" if exc.code == "already_registered" else None)
        else:
            db.session.commit()
            flash(_("%(name)s is registered as your staff, with a badge.", name=registration.full_name), "success")
            return redirect(url_for("exhibitors.dashboard", exhibitor_id=exhibitor.id, _anchor="staff"))
    return _dashboard(exhibitor, form, manages=True)


# Leads -----------------------------------------------------------------------------------------------------------


@bp.route("/exhibitor/<int:exhibitor_id>/leads", methods=["GET", "POST"])
@require_role(Role.EXHIBITOR)
def leads_page(exhibitor_id: int):
    exhibitor = _leads_exhibitor(exhibitor_id)
    form = LeadScanForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.method == "POST":
        if not form.validate_on_submit():
            if wants_json:
                return jsonify(
                    result="invalid", message=" ".join(form.code.errors or form.errors.get("csrf_token", []))
                )
        else:
            try:
                lead, created = leads.record_lead(exhibitor, current_user, form.code.data, form.note.data or "")
            except DomainError as exc:
                db.session.rollback()
                if wants_json:
                    return jsonify(result=exc.code, message=exc.message), exc.status
                flash(exc.message, "danger")
                return redirect(url_for("exhibitors.leads_page", exhibitor_id=exhibitor.id))
            db.session.commit()
            message = (
                _("%(name)s is added to your leads.", name=lead.registration.full_name)
                if created
                else _("%(name)s was already among your leads.", name=lead.registration.full_name)
            )
            if wants_json:
                row = render_template("exhibitors/_lead_row.html", lead=lead, exhibitor=exhibitor, note_form=NoteForm())
                return jsonify(result="created" if created else "existing", message=message, lead_id=lead.id, row=row)
            flash(message, "success")
            return redirect(url_for("exhibitors.leads_page", exhibitor_id=exhibitor.id))
    return render_template(
        "exhibitors/leads.html",
        exhibitor=exhibitor,
        event=exhibitor.event,
        form=form,
        leads=list(db.session.scalars(leads.leads_query(exhibitor))),
        note_form=NoteForm(),
    )


@bp.post("/exhibitor/<int:exhibitor_id>/leads/<int:lead_id>/note")
@require_role(Role.EXHIBITOR)
def annotate_lead(exhibitor_id: int, lead_id: int):
    exhibitor = _leads_exhibitor(exhibitor_id)
    lead = leads.get_lead_for(current_user, lead_id)
    if lead.exhibitor_id != exhibitor.id:
        abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        leads.annotate_lead(lead, form.note.data or "")
        db.session.commit()
        flash(_("The note on %(name)s is saved.", name=lead.registration.full_name), "success")
    else:
        flash(" ".join(form.note.errors) or _("The form has expired. Please send it again."), "danger")
    return redirect(url_for("exhibitors.leads_page", exhibitor_id=exhibitor.id, _anchor=f"lead-{lead.id}"))


@bp.get("/exhibitor/<int:exhibitor_id>/leads.csv")
@require_role(Role.EXHIBITOR)
def leads_export(exhibitor_id: int):
    return leads_csv_response(_leads_exhibitor(exhibitor_id))
