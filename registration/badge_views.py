"""Badge pages: a delegate's own badge from "My summit", and the organisers' badge desk (print in bulk, reissue).

The PDFs are the API's (registration.badge_api), reached here with the browser's sign-in cookie.
"""

from __future__ import annotations

from babel import Locale
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.access import require_role
from core.auth.models import Role
from core.errors import DomainError
from core.extensions import db
from events.models import Event
from events.services import get_event, get_event_by_slug
from registration import badge_services, bp, services
from registration.badge_api import badge_pdf, bulk_badges_pdf
from registration.badges import Layout
from registration.forms import BadgePrintForm, ReissueBadgeForm
from registration.models import Registration

SEARCH_LIMIT = 50


@bp.get("/events/<slug>/my/badge.pdf")
@require_role()
def my_badge(slug: str):
    """The signed-in delegate's own badge (the "Download my badge" link of My summit)."""
    event = get_event_by_slug(slug, include_drafts=services.is_organiser(current_user)) or abort(404)
    registration = services.registration_of(current_user, event) or abort(404)
    return badge_pdf(registration, Layout.A6)


@bp.get("/manage/events/<int:event_id>/badges")
@require_role(Role.ORGANISER)
def manage_badges(event_id: int):
    event = get_event(event_id, include_drafts=True)
    return _badge_desk(event, _print_form())


@bp.get("/manage/events/<int:event_id>/badges.pdf")
@require_role(Role.ORGANISER)
def print_badges(event_id: int):
    event = get_event(event_id, include_drafts=True)
    form = _print_form()
    if not form.validate():
        return _badge_desk(event, form), 422
    try:
        return bulk_badges_pdf(event, form.filters())
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _badge_desk(event, form), exc.status


@bp.post("/manage/events/<int:event_id>/badges/reissue")
@require_role(Role.ORGANISER)
def reissue_badge_page(event_id: int):
    event = get_event(event_id, include_drafts=True)
    form = ReissueBadgeForm()
    if not form.validate_on_submit():
        flash(_("Choose the badge to reissue in the list."), "danger")
        return redirect(url_for("registration.manage_badges", event_id=event.id, _anchor="reissue"))
    registration = db.session.get(Registration, form.registration_id.data)
    if registration is None or registration.event_id != event.id:
        abort(404)
    badge_services.reissue_badge(registration, current_user)
    db.session.commit()
    flash(
        _(
            "%(name)s has a new badge. The old one no longer opens the doors: print the new one.",
            name=registration.full_name,
        ),
        "success",
    )
    search = form.q.data or registration.full_name
    return redirect(url_for("registration.manage_badges", event_id=event.id, q=search, _anchor="reissue"))


def _country_names() -> dict[str, str]:
    return Locale.parse(str(get_locale() or "en")).territories


def _print_form() -> BadgePrintForm:
    return BadgePrintForm(formdata=request.args)


def _badge_desk(event: Event, form: BadgePrintForm):
    q = (request.args.get("q") or "").strip()[:200]
    found = []
    if q:
        statement = services.registrations_query(event, current_user, q=q).limit(SEARCH_LIMIT)
        found = db.session.scalars(statement).all()
    delegation_rows = badge_services.delegations(event)
    names = _country_names()
    countries = sorted({country for country, _organisation, _count in delegation_rows if country})
    form.country.choices = [("", _("Every country"))] + [(code, names.get(code, code)) for code in countries]
    return render_template(
        "registration/manage_badges.html",
        event=event,
        form=form,
        delegations=delegation_rows,
        total=sum(count for _country, _organisation, count in delegation_rows),
        country_names=names,
        organisations=sorted({organisation for _country, organisation, _count in delegation_rows if organisation}),
        q=q,
        found=found,
        search_limit=SEARCH_LIMIT,
        has_badge=badge_services.has_badge,
    )
