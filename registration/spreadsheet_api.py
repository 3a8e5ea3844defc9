"""Spreadsheet calls of /api/v1: import registrations from CSV or XLSX, export them as CSV or XLSX."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from core.api import BEARER, ErrorSchema
from core.auth.access import require_role
from core.auth.models import Role
from core.errors import ValidationFailed
from core.extensions import db
from events.services import get_event
from registration import services, sheet_import
from registration.schemas import ImportResultSchema, RegistrationFilterSchema
from registration.spreadsheets import CSV_MIMETYPE, EXPORT_COLUMNS, XLSX_MIMETYPE, download, read_upload

blp = Blueprint("registration_sheets_api", __name__, description="Registrations in spreadsheets: import and export")

_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV (UTF-8, with or without BOM; comma or semicolon) or XLSX. Columns: "
                        + ", ".join(EXPORT_COLUMNS)
                        + " (the last three are ignored). Row 1 names the columns.",
                    }
                },
            }
        }
    },
}
_FILE = {"type": "string", "format": "binary"}


def _event_for(event_id: int):
    """The event, if the caller may see it, and the caller's right to handle delegations (404, 403)."""
    event = get_event(event_id, include_drafts=services.is_organiser(current_user))
    sheet_import.check_delegation_rights(current_user)
    return event


@blp.route("/events/<int:event_id>/registrations/import", methods=["POST"])
@blp.doc(security=BEARER, requestBody=_UPLOAD)
@blp.response(200, ImportResultSchema)
@blp.alt_response(409, schema=ErrorSchema, description="`registration_closed`")
@blp.alt_response(413, schema=ErrorSchema, description="`file_too_large`")
@blp.alt_response(
    422,
    schema=ErrorSchema,
    description="`import_invalid` with `rows` (nothing imported); `unsupported_file`, `import_empty`, "
    "`too_many_rows`, `validation_failed` (no `file`)",
)
@require_role(Role.ORGANISER, Role.FOCAL_POINT)
def import_registrations(event_id):
    """Import registrations (organiser; focal point: own country): all rows, or none if any row is wrong.

    A new e-mail is registered, its account created with a set-password invitation; an e-mail already registered
    for the event has its registration updated with the row.
    """
    event = _event_for(event_id)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(
            "validation_failed", _("Some fields are not valid."), fields={"file": [_("Choose a CSV or XLSX file.")]}
        )
    result = sheet_import.import_registrations(event, current_user, read_upload(upload))
    db.session.commit()
    return result


@blp.route("/events/<int:event_id>/registrations.csv", methods=["GET"])
@blp.arguments(RegistrationFilterSchema, location="query")
@blp.response(200, _FILE, content_type=CSV_MIMETYPE, description="UTF-8 with BOM; the columns of the import")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER, Role.FOCAL_POINT)
def export_csv(filters, event_id):
    """Export registrations as CSV (organiser; focal point: own country), filtered as the list is."""
    return download(*sheet_import.export_file(_event_for(event_id), current_user, "csv", filters))


@blp.route("/events/<int:event_id>/registrations.xlsx", methods=["GET"])
@blp.arguments(RegistrationFilterSchema, location="query")
@blp.response(200, _FILE, content_type=XLSX_MIMETYPE, description="One sheet; the columns of the import")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER, Role.FOCAL_POINT)
def export_xlsx(filters, event_id):
    """Export registrations as XLSX (organiser; focal point: own country), filtered as the list is."""
    return download(*sheet_import.export_file(_event_for(event_id), current_user, "xlsx", filters))
