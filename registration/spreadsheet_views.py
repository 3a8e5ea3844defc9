"""The import page of a delegation's spreadsheet, its template, and the exports for a signed-in browser.

Organisers handle every country; a focal point their own. The exports are the cookie-signed-in twins of the
/api/v1 calls (which take bearer tokens only).
"""

from __future__ import annotations

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.access import require_role
from core.auth.models import Role
from core.errors import DomainError, attach_to_form
from core.extensions import db
from events.services import get_event
from registration import bp, services, sheet_import
from registration.forms import ImportForm
from registration.schemas import RegistrationFilterSchema
from registration.spreadsheets import IMPORT_COLUMNS, READ_ONLY_COLUMNS, download, read_upload


def _event_for(event_id: int):
    event = get_event(event_id, include_drafts=services.is_organiser(current_user))
    sheet_import.check_delegation_rights(current_user)
    return event


@bp.route("/events/<int:event_id>/registrations/import", methods=["GET", "POST"])
@require_role(Role.ORGANISER, Role.FOCAL_POINT)
def import_registrations_page(event_id: int):
    event = _event_for(event_id)
    form = ImportForm()
    problems: list[tuple[int, str, str]] = []
    if form.validate_on_submit():
        try:
            result = sheet_import.import_registrations(event, current_user, read_upload(form.file.data))
        except DomainError as exc:
            db.session.rollback()
            problems = [
                (row["row"], column, message)
                for row in exc.rows or []
                for column, messages in row["fields"].items()
                for message in messages
            ]
            attach_to_form(form, exc, field="file")
        else:
            db.session.commit()
            counts = {"created": result.created, "updated": result.updated}
            flash(_("Import done: %(created)d created, %(updated)d updated.", **counts), "success")
            return redirect(url_for("registration.import_registrations_page", event_id=event.id))
    return render_template(
        "registration/import.html",
        event=event,
        form=form,
        problems=problems,
        import_columns=IMPORT_COLUMNS,
        read_only_columns=READ_ONLY_COLUMNS,
        own_country=None if services.is_organiser(current_user) else current_user.country,
    )


@bp.get("/events/<int:event_id>/registrations/import/template.csv")
@require_role(Role.ORGANISER, Role.FOCAL_POINT)
def import_template(event_id: int):
    event = _event_for(event_id)
    return download(sheet_import.template_file(current_user), f"delegates-{event.slug}.csv")


@bp.get("/events/<int:event_id>/registrations.csv")
@require_role(Role.ORGANISER, Role.FOCAL_POINT)
def export_registrations_csv(event_id: int):
    return download(*sheet_import.export_file(_event_for(event_id), current_user, "csv", _filters()))


@bp.get("/events/<int:event_id>/registrations.xlsx")
@require_role(Role.ORGANISER, Role.FOCAL_POINT)
def export_registrations_xlsx(event_id: int):
    return download(*sheet_import.export_file(_event_for(event_id), current_user, "xlsx", _filters()))


def _filters() -> dict:
    """The list's filters from the query string; a malformed one is a 400, as in the API."""
    try:
        return RegistrationFilterSchema().load(request.args.to_dict(), unknown=ma.EXCLUDE)
    except ma.ValidationError:
        abort(400)
