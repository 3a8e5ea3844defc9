"""The registrations of an event for organisers (every country) and focal points (their own country only).

The list filters and searches, organisers approve or reject in bulk; organisers and focal points register
delegates. Each view: load, authorise (role, then the object), call a service, render; what a focal point may
not see is a 404.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from core.auth.access import require_role
from core.auth.models import Role
from core.errors import DomainError, attach_to_form
from core.extensions import db
from core.security import local_path
from events.services import get_event, published_events
from registration import bp, report, services
from registration.forms import (
    ALL_ASCN_CITIES,
    ConfirmForm,
    DecisionForm,
    DelegateForm,
    ReasonForm,
    RegistrationFilterForm,
)
from registration.models import Category, Registration, RegistrationStatus, SignupStatus

PER_PAGE = 50
MANAGERS = (Role.ORGANISER, Role.FOCAL_POINT)


def _event_for_manager(event_id: int):
    event = get_event(event_id, include_drafts=services.is_organiser(current_user))
    if not services.is_organiser(current_user) and not current_user.country:
        abort(403)
    return event


def _registration_for_manager(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or not services.may_manage(current_user, registration):
        abort(404)
    return registration


@bp.get("/manage/delegations")
@require_role(*MANAGERS)
def delegations():
    """Where a focal point starts: the events they can register their country's delegation for."""
    events = published_events()
    counts = dict(
        db.session.execute(
            select(Registration.event_id, func.count(Registration.id))
            .where(Registration.country == (current_user.country or ""))
            .group_by(Registration.event_id)
        ).all()
    )
    return render_template("registration/manage/delegations.html", events=events, counts=counts)


@bp.get("/manage/events/<int:event_id>/registrations")
@require_role(*MANAGERS)
def manage_registrations(event_id: int):
    event = _event_for_manager(event_id)
    filters = RegistrationFilterForm(request.args)
    filters.validate()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    statement = services.registrations_query(
        event,
        current_user,
        status=_chosen(filters.status, RegistrationStatus),
        category=_chosen(filters.category, Category),
        country=_chosen(filters.country),
        q=_chosen(filters.q),
    )
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    registrations = db.session.scalars(statement.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "registration/manage/registrations.html",
        event=event,
        registrations=registrations,
        filters=filters,
        decision=DecisionForm(),
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        total=total,
        query_args=query_args,
        is_organiser=services.is_organiser(current_user),
    )


@bp.post("/manage/events/<int:event_id>/registrations/decide")
@require_role(Role.ORGANISER)
def decide_registrations(event_id: int):
    event = _event_for_manager(event_id)
    form = DecisionForm()
    back = local_path(request.form.get("next"), url_for("registration.manage_registrations", event_id=event.id))
    ids = [int(value) for value in request.form.getlist("registration_ids") if value.isdigit()]
    if not form.validate_on_submit():
        flash(_("The decision could not be sent. Please try again."), "danger")
        return redirect(back)
    if not ids:
        flash(_("Tick the registrations to decide on first."), "warning")
        return redirect(back)
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.id.in_(ids))
        .order_by(Registration.id)
    ).all()
    outcomes = services.decide_many(registrations, current_user, form.action.data, form.reason.data or "")
    db.session.commit()
    done = sum(1 for _registration, error in outcomes if error is None)
    if form.action.data == "approve":
        flash(ngettext("%(num)d registration approved.", "%(num)d registrations approved.", done), "success")
    else:
        flash(ngettext("%(num)d registration rejected.", "%(num)d registrations rejected.", done), "success")
    for registration, error in outcomes:
        if error is not None:
            flash(f"{registration.full_name}: {error.message}", "danger")
    return redirect(back)


@bp.route("/manage/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
@require_role(*MANAGERS)
def register_delegate(event_id: int):
    event = _event_for_manager(event_id)
    organiser = services.is_organiser(current_user)
    form = DelegateForm(country=current_user.country or "")
    if not organiser:
        # A focal point registers their own country's delegates only: the one choice offered.
        form.country.choices = [c for c in form.country.choices if c[0] == current_user.country]
    if form.validate_on_submit():
        try:
            registration = services.register(event, current_user, form.registration_data(), email=form.email.data)
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "%(name)s is registered (%(state)s).",
                    name=registration.full_name,
                    state=registration.status.label.lower(),
                ),
                "success",
            )
            return redirect(url_for("registration.manage_registrations", event_id=event.id))
    return render_template("registration/manage/register_delegate.html", event=event, form=form, cities=ALL_ASCN_CITIES)


@bp.get("/manage/registrations/<int:registration_id>")
@require_role(*MANAGERS)
def manage_registration(registration_id: int):
    registration = _registration_for_manager(registration_id)
    signups = [
        signup
        for signup in db.session.scalars(services.signups_query(registration))
        if signup.status is not SignupStatus.CANCELLED
    ]
    return render_template(
        "registration/manage/registration.html",
        registration=registration,
        event=registration.event,
        signups=signups,
        reason_form=ReasonForm(),
        confirm=ConfirmForm(),
        is_organiser=services.is_organiser(current_user),
    )


@bp.post("/manage/registrations/<int:registration_id>/<any(approve, reject, cancel):action>")
@require_role(*MANAGERS)
def decide_registration(registration_id: int, action: str):
    registration = _registration_for_manager(registration_id)
    if action in ("approve", "reject") and not services.is_organiser(current_user):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            if action == "approve":
                services.approve(registration, current_user)
            elif action == "reject":
                services.reject(registration, current_user, form.reason.data or "")
            else:
                services.cancel(registration, current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(
                _("%(name)s: %(state)s.", name=registration.full_name, state=registration.status.label.lower()),
                "success",
            )
    return redirect(url_for("registration.manage_registration", registration_id=registration.id))


def _chosen(field, enum_class=None):
    """A filter's value, or None when it is empty or not one of its choices."""
    value = (field.data or "").strip()
    if not value or field.errors:
        return None
    return enum_class(value) if enum_class else value


@bp.get("/manage/events/<int:event_id>/report")
@require_role(Role.ORGANISER)
def participation_report(event_id: int):
    event = get_event(event_id, include_drafts=True)
    return render_template(
        "registration/manage/report.html", event=event, report=report.participation_report(event), states=report.STATES
    )


@bp.get("/manage/events/<int:event_id>/report.csv")
@require_role(Role.ORGANISER)
def participation_report_csv(event_id: int):
    event = get_event(event_id, include_drafts=True)
    body = report.report_csv(report.participation_report(event), _("All registrations"))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="participation-{event.slug}.csv"'},
    )
